//! `semcurate convert-weights`: turn the study's PyTorch state dict into a model folder.
//!
//! Writes the model folder: `config.json` and one `bin{k}.safetensors` per U-Net (one for
//! `UNet_1`, two for `UNet_2`).

use std::path::PathBuf;

use anyhow::Context;

use crate::dataset::ClassSchema;
use crate::model::import::{StateDictKind, import, inspect};

use super::Outcome;
use super::common::show;

/// Convert MineralClassifier PyTorch weights (`torch.save(model.state_dict(), ...)` of UNet_1
/// or UNet_2) into a semcurate model folder.
///
/// UNet_2 holds two U-Nets split at a pixel-size threshold that is not stored in the file:
/// give it with --threshold (1.8 µm/px in the later release, 0.25 in the first study).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  semcurate convert-weights m1-best-12800.pth --threshold 1.8 --out models/study"
)]
pub struct Args {
    /// The state dict: a .pth (`torch.save`) or a .safetensors (`semcurate export-model`).
    pub weights: PathBuf,
    /// Model folder to write.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Pixel size in µm/px separating small_unet (≤) from large_unet (>), for UNet_2.
    #[arg(long, value_name = "UM_PER_PX")]
    pub threshold: Option<f64>,
    /// Class schema the weights were trained with: 'default', 'extended' or a classes.toml.
    #[arg(long, default_value = "default", value_name = "NAME|FILE")]
    pub schema: String,
}

/// Reads the study's PyTorch state dict (or a safetensors export), builds the model under the
/// schema (a `UNet_2` needs `--threshold`), writes it as a semcurate model folder and prints
/// what it found.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let info = inspect(&args.weights)?;
    let schema = ClassSchema::by_name_or_path(&args.schema)?;
    let model = import(
        &args.weights,
        &schema,
        args.threshold,
        &crate::model::BackendKind::Flex.device(),
    )?;
    model
        .save(&args.out)
        .with_context(|| format!("cannot write '{}'", show(&args.out)))?;
    let kind = match info.kind {
        StateDictKind::UNet1 => "UNet_1 (one U-Net)".to_string(),
        StateDictKind::UNet2 => format!(
            "UNet_2 (two U-Nets split at {} µm/px)",
            args.threshold.unwrap_or_default()
        ),
    };
    println!(
        "converted {kind}, width {}, {} classes, into {}",
        info.width,
        info.classes,
        show(&args.out)
    );
    Ok(Outcome::Clean)
}
