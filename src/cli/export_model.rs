//! `semcurate export-model`: a model folder out to the study's PyTorch classes.
//!
//! Writes `bin{k}.safetensors` per trained bin, `unet2.safetensors` for a model of exactly two
//! trained bins, and a `README.md` saying how the study's code loads them.

use std::path::PathBuf;

use anyhow::Context;

use crate::model::export::export_model;
use crate::model::multi::MultiUNet;

use super::Outcome;
use super::common::show;

/// Write a model's U-Nets as PyTorch state dicts with the MineralClassifier study's key names
/// (`UNet_1` per scale bin, and `UNet_2` for a two-bin model; `BatchNorm` running statistics
/// included) as safetensors, with a README on loading them in the study's code. The inverse of
/// `convert-weights`, which reads these files back.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate export-model models/default /tmp/torch-weights\n  semcurate convert-weights /tmp/torch-weights/unet2.safetensors --threshold 1.8 --out /tmp/back"
)]
pub struct Args {
    /// The model folder (config.json + weights).
    pub model: PathBuf,
    /// Folder to write the state dicts and README.md into.
    pub out: PathBuf,
    /// Replace files of an earlier export in OUT.
    #[arg(long)]
    pub force: bool,
    /// Print what was written as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Loads the model on the CPU and writes its networks as the study's PyTorch state dicts
/// under OUT; refuses a folder that already holds safetensors files or a README unless
/// `--force`.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let model = MultiUNet::load(&args.model, &crate::model::BackendKind::Flex.device())
        .with_context(|| format!("cannot read model '{}'", show(&args.model)))?;
    if !args.force {
        let taken: Vec<String> = std::fs::read_dir(&args.out)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".safetensors") || n == "README.md")
            .collect();
        if !taken.is_empty() {
            anyhow::bail!(
                "'{}' already holds {}: choose another folder or pass --force",
                show(&args.out),
                taken.join(", ")
            );
        }
    }
    let files = export_model(&model, &args.out)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&files)?);
        return Ok(Outcome::Clean);
    }
    for f in &files {
        let bins: Vec<String> = f
            .bins
            .iter()
            .map(|(k, r)| format!("bin {k} ({r})"))
            .collect();
        println!("{}  {}: {}", show(&f.file), f.class, bins.join(", "));
    }
    println!("how to load them: {}", show(&args.out.join("README.md")));
    Ok(Outcome::Clean)
}
