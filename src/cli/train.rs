//! `semcurate train`: train or fine-tune a multi U-Net (or the single-U-Net baseline).
//!
//! Writes only the model folder `--out`: `config.json`, one `bin{k}.safetensors` per trained
//! bin, `model_card.json` and `MODEL_CARD.md`. Exit codes: 0 trained, 2 could not run.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{Receiver, channel};

use anyhow::Context;

use crate::dataset::ScaleBins;
use crate::jobs::train::{PreparedData, TrainJob, prepare_data};
use crate::model::BackendKind;
use crate::model::card::ModelCard;
use crate::model::config::{CONFIG_FILE, InputNorm, ModelConfig};
use crate::model::config::{ConfigRequest, choose_config};
use crate::model::train::batch::Augment;
use crate::model::train::{TrainEvent, TrainOptions, Trainer};

use super::Outcome;
use super::common::{DatasetArgs, show};
use super::groups::GroupArgs;

/// Train one U-Net per pixel-scale bin on the train split (or one U-Net for all scales with
/// --single), validating on the val split every epoch and keeping the best epoch by mean IoU;
/// then score the test split and write the model folder with its model card.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate train datasets/demo --out runs/demo --bins 0.25,1.8 --width 8 --epochs 5 --crop 64\n  semcurate train /data/apollo --out runs/ft --init models/default --epochs 3 --lr 1e-4\n  semcurate train /tmp/apollo-export --out runs/ft2 --init models/default --epochs 1\n  semcurate train /data/apollo --out runs/ft3 --init models/default --corrected-only --epochs 2\n  semcurate train /data/apollo --out runs/single --single --width 16"
)]
pub struct Args {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    #[command(flatten)]
    pub grouping: GroupArgs,
    /// Model folder to write.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Scale-bin edges in µm/px [default: those of --init, else the workspace's].
    #[arg(long, value_name = "E,..")]
    pub bins: Option<ScaleBins>,
    /// Train the study's baseline: one U-Net for all pixel sizes.
    #[arg(long)]
    pub single: bool,
    /// U-Net base width b (64 in the paper; 8–16 keeps CPU inference interactive) [default:
    /// the --init model's, else 16].
    #[arg(long)]
    pub width: Option<usize>,
    #[arg(long, default_value_t = 10)]
    pub epochs: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Decay the learning rate along a cosine to lr/20 by the last step.
    #[arg(long)]
    pub cosine: bool,
    #[arg(long, default_value_t = 4)]
    pub batch: usize,
    /// Train on random square crops of this side (px) instead of whole images.
    #[arg(long, value_name = "PX")]
    pub crop: Option<usize>,
    /// Optimiser steps per epoch [default: cover each train image's area once].
    #[arg(long, value_name = "N")]
    pub steps_per_epoch: Option<usize>,
    /// Start from this model's weights (fine-tuning).
    #[arg(long, value_name = "DIR")]
    pub init: Option<PathBuf>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Plain cross-entropy instead of weighting rare classes up.
    #[arg(long)]
    pub no_class_weights: bool,
    /// Weight of the Dice term added to cross-entropy (0 = off).
    #[arg(long, default_value_t = 1.0)]
    pub dice: f64,
    /// Share of crops centred near a pixel of a class drawn uniformly among those present, so
    /// rare classes are seen (0 = uniform crops).
    #[arg(long, default_value_t = 0.5, value_name = "0-1", value_parser = share)]
    pub balance: f64,
    /// Augmentation: largest σ of added Gaussian noise (grey / 255; 0 = off).
    #[arg(long, default_value_t = 0.03)]
    pub noise: f64,
    /// Augmentation: largest σ in px of the Gaussian blur given to half the crops (0 = off).
    #[arg(long, default_value_t = 1.2)]
    pub blur: f64,
    /// Augmentation: contrast gain drawn from 1 ± GAIN (the detector's contrast setting).
    #[arg(long, default_value_t = Augment::default().gain, value_name = "GAIN")]
    pub gain: f64,
    /// Augmentation: brightness offset drawn from ± OFFSET (grey / 255).
    #[arg(long, default_value_t = Augment::default().offset, value_name = "OFFSET")]
    pub offset: f64,
    /// Augmentation: detector gamma drawn log-uniformly from e^−G..e^G (0 = off).
    #[arg(long, default_value_t = Augment::default().gamma, value_name = "G")]
    pub gamma: f64,
    /// Stop a bin after this many epochs without a better validation mIoU.
    #[arg(long, value_name = "EPOCHS")]
    pub patience: Option<usize>,
    /// Network input: 'absolute' grey levels / 255 (the study's), 'per-image' between the
    /// image's 1st and 99th percentile grey levels, or 'per-site' between those of all the
    /// images of its site (split group), so that another detector gain or offset reads the
    /// same [default: the --init model's, else per-site: on a second instrument it kept pixel
    /// accuracy 0.69 where per-image input kept 0.63 and absolute input 0.57 (docs/MODELS.md)].
    #[arg(long, value_enum)]
    pub input: Option<InputArg>,
    /// Channel-dropout probability [default: the --init model's, else 0, measured better than the study's 0.3 in `docs/REAL_DATA.md`].
    #[arg(long)]
    pub dropout: Option<f64>,
    /// Compute backend: flex or ndarray (CPU), cuda when built with --features cuda.
    #[arg(long, default_value = "flex", value_name = "NAME")]
    pub backend: BackendKind,
    /// Who computes the training steps: 'engine' (semcurate's CPU kernels, about PyTorch's
    /// speed) or 'burn' (burn's autodiff on --backend) [default: engine on CPU backends where
    /// the CPU has AVX2 or AVX-512, burn elsewhere and on cuda].
    #[arg(long, value_name = "NAME")]
    pub trainer: Option<Trainer>,
    /// Train only on images whose labels were corrected or accepted in the workspace (with
    /// --init: fine-tune on the reviewed images).
    #[arg(long)]
    pub corrected_only: bool,
    /// Overwrite an existing model folder.
    #[arg(long)]
    pub force: bool,
    /// Train even though the val split is empty (no validation: the last epoch is kept).
    #[arg(long)]
    pub no_val: bool,
}

/// Refuses an OUT that holds a model (unless `--force`), indexes, takes the workspace's
/// `train` lock, gives new labelled groups a split, loads the images per split and bin,
/// trains every bin with progress on stderr, and writes the model folder and its card.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    args.dataset.check_output(&args.out)?;
    if args.out.join(CONFIG_FILE).exists() && !args.force {
        anyhow::bail!(
            "'{}' already holds a model: choose another --out or pass --force",
            show(&args.out)
        );
    }
    let (mut ws, schema, _) = args.grouping.index(&args.dataset, None, false)?;
    let _lock = args.dataset.lock(&ws, "train")?;
    // Images labelled in the editor since the last index (corrected or accepted proposals)
    // get a split like any other labelled group.
    crate::dataset::index::assign_new_splits(&mut ws)?;
    let init_cfg = args
        .init
        .as_ref()
        .map(|d| ModelConfig::load(d))
        .transpose()?;
    warn_two_value_masks(&ws, &schema)?;
    let stored: Option<ScaleBins> = ws.meta_json(crate::dataset::index::keys::BINS)?;
    let config = choose_config(&schema, &config_request(args), init_cfg.as_ref(), stored)?;
    let root = &args.dataset.dataset;
    let sites = config.input.wants_site();
    let prepared = prepare_data(root, &ws, &schema, &config.bins, args.corrected_only, sites)?;
    report_data(&prepared, args.no_val)?;
    let (tx, rx) = channel();
    let printer = std::thread::spawn(move || print_events(&rx));
    let job = TrainJob {
        fingerprint: prepared.fingerprint,
        labels: prepared.labels,
        command: std::env::args().collect::<Vec<_>>().join(" "),
        config,
        options: train_options(args),
        root,
        out: &args.out,
        init: args.init.clone(),
        data: prepared.data,
        test: prepared.test,
        backend: args.backend,
        events: tx,
        cancel: &AtomicBool::new(false),
    };
    let card = job
        .run()
        .with_context(|| format!("training into '{}' failed", show(&args.out)))?;
    let _ = printer.join();
    print_written(&args.out, &card);
    Ok(Outcome::Clean)
}

/// The model shape the flags ask for; what they leave out comes from `--init` or defaults.
fn config_request(args: &Args) -> ConfigRequest {
    ConfigRequest {
        single: args.single,
        bins: args.bins.clone(),
        width: args.width,
        dropout: args.dropout,
        input: args.input.map(|i| match i {
            InputArg::PerImage => InputNorm::per_image(),
            InputArg::PerSite => InputNorm::per_site(),
            InputArg::Absolute => InputNorm::default(),
        }),
    }
}

/// The `stats` warning for two-value masks read without a map (every labelled pixel one
/// class): a model trained on them learns one class, so say it before the hours of training.
fn warn_two_value_masks(
    ws: &crate::dataset::workspace::Workspace,
    schema: &crate::dataset::ClassSchema,
) -> anyhow::Result<()> {
    let (report, _) =
        super::stats::load_report(ws, schema, None, crate::stats::DEFAULT_RARE_THRESHOLD)?;
    if let Some(w) = report.mask_value_warning(schema.unlabelled) {
        eprintln!("warning: {w}");
    }
    Ok(())
}

/// Refuses splits that cannot train (or validate, unless `no_val`) and warns about thin ones
/// and about labelled images that could not be loaded.
fn report_data(prepared: &PreparedData, no_val: bool) -> anyhow::Result<()> {
    let images = |by_bin: &[Vec<_>]| by_bin.iter().map(Vec::len).sum::<usize>();
    let sizes = [
        images(&prepared.data.train),
        images(&prepared.data.val),
        images(&prepared.test),
    ];
    if let Some(warning) = super::groups::check_splits(sizes, no_val)? {
        eprintln!("{warning}");
    }
    if prepared.unreadable > 0 {
        eprintln!(
            "note: {} labelled images could not be loaded and are left out (re-run `semcurate index`)",
            prepared.unreadable
        );
    }
    Ok(())
}

/// The training options from the flags; the trainer defaults to the backend's (the CPU engine
/// on CPU backends whose CPU has fast SIMD, else burn).
fn train_options(args: &Args) -> TrainOptions {
    TrainOptions {
        epochs: args.epochs,
        lr: args.lr,
        cosine: args.cosine,
        batch: args.batch,
        crop: args.crop,
        steps_per_epoch: args.steps_per_epoch,
        seed: args.seed,
        class_weights: !args.no_class_weights,
        dice_weight: args.dice,
        balance: args.balance,
        augment: Augment {
            noise: args.noise,
            blur: args.blur,
            gain: args.gain,
            offset: args.offset,
            gamma: args.gamma,
            ..Augment::default()
        },
        patience: args.patience,
        trainer: args.trainer.unwrap_or_else(|| args.backend.trainer()),
    }
}

/// Where the model went, the training time, and the test split's headline scores when there
/// was one.
fn print_written(out: &Path, card: &ModelCard) {
    println!(
        "\nmodel written to {} in {:.0} s; card: {}",
        show(out),
        card.training_seconds,
        show(&out.join("MODEL_CARD.md"))
    );
    if let Some(t) = &card.test {
        let f = |v: Option<f64>| v.map_or("n/a".into(), |x| format!("{x:.3}"));
        println!(
            "test split: {} images, pixel accuracy {}, mean IoU {}",
            t.images,
            f(t.pixel_accuracy),
            f(t.mean_iou)
        );
    }
}

/// Prints training progress to stderr until the job drops its sender; step counters only on
/// a terminal, each overwriting the last in place.
fn print_events(rx: &Receiver<TrainEvent>) {
    let tty = std::io::stderr().is_terminal();
    for e in rx {
        match e {
            TrainEvent::BinStart {
                bin,
                label,
                train_images,
                val_images,
                steps,
                epochs,
            } => {
                eprintln!(
                    "bin {bin} ({label}): {train_images} train / {val_images} val images, {epochs} epochs × {steps} steps"
                );
            }
            TrainEvent::BinKept { bin, label } => {
                eprintln!(
                    "bin {bin} ({label}): no train images; keeps the weights it started from"
                );
            }
            TrainEvent::BinSkipped { bin, label } => {
                eprintln!(
                    "bin {bin} ({label}): no train images; served by the nearest trained bin"
                );
            }
            TrainEvent::Step {
                bin,
                epoch,
                step,
                steps,
                loss,
            } if tty => {
                eprint!("\r  bin {bin} epoch {epoch} step {step}/{steps} loss {loss:.3}   ");
            }
            TrainEvent::Step { .. } => {}
            TrainEvent::Epoch { .. } => {
                if tty {
                    eprint!("\r");
                }
                eprintln!("{}", epoch_line(&e));
            }
            TrainEvent::Cancelled => eprintln!("cancelled"),
        }
    }
}

/// An epoch's summary, e.g. `  bin 0 epoch 2/5: loss 0.412 val acc 0.871 mIoU 0.633 (12 s) *`
/// (the star marks a new best validation mIoU; without a val split every epoch replaces the
/// last and none is starred); empty for any other event.
fn epoch_line(e: &TrainEvent) -> String {
    let TrainEvent::Epoch {
        bin,
        epoch,
        epochs,
        train_loss,
        val,
        best,
        seconds,
    } = e
    else {
        return String::new();
    };
    let v = val.as_ref().map_or(String::new(), |v| {
        format!(
            " val acc {:.3} mIoU {:.3}",
            v.pixel_accuracy.unwrap_or(0.0),
            v.mean_iou.unwrap_or(0.0)
        )
    });
    let mark = if *best && val.is_some() { " *" } else { "" };
    format!("  bin {bin} epoch {epoch}/{epochs}: loss {train_loss:.3}{v} ({seconds:.0} s){mark}")
}

/// `--input`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputArg {
    Absolute,
    PerImage,
    /// Percentiles over every image of the image's site (split group).
    PerSite,
}

/// Parses a 0–1 share (`--balance`).
fn share(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("'{s}' is not a share between 0 and 1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_new_best_validation_score_is_starred() {
        use crate::model::train::eval::EvalSummary;
        let epoch = |val: Option<EvalSummary>, best| TrainEvent::Epoch {
            bin: 0,
            epoch: 2,
            epochs: 5,
            train_loss: 0.5,
            val,
            best,
            seconds: 1.0,
        };
        let no_val = epoch_line(&epoch(None, true));
        assert_eq!(no_val, "  bin 0 epoch 2/5: loss 0.500 (1 s)");
        let v = EvalSummary {
            pixels: 10,
            pixel_accuracy: Some(0.9),
            mean_iou: Some(0.6),
            per_class_iou: Vec::new(),
        };
        assert!(epoch_line(&epoch(Some(v.clone()), true)).ends_with("mIoU 0.600 (1 s) *"));
        assert!(epoch_line(&epoch(Some(v), false)).ends_with("mIoU 0.600 (1 s)"));
    }
}
