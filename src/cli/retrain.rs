//! `semcurate retrain`: the TUI's retrain-and-refresh (`F`) as a command.
//!
//! Writes a new model folder (`WORKSPACE/models/retrain-UNIXTIME` unless `--out`) and its
//! predictions into the workspace; the model it starts from is never written.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use crate::jobs::retrain::{Recipe, RetrainInput, Retrained, retrain};

use super::Outcome;
use super::common::{DatasetArgs, show};
use super::model_args::ModelArgs;
use super::progress::CliProgress;

/// Fine-tune the model on the dataset's current labels (mask files, partial ones included,
/// and the corrections and labels made in the editor), as a new model folder in the workspace;
/// the model it starts from is never written. Then score the old and new model on the same
/// labelled images (held-out splits when there are any), and predict the dataset with the new
/// model, so `audit --model`, `queue` and the TUI see it.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate retrain /data/apollo\n  semcurate retrain /data/new-scope --from-nothing\n  semcurate --model /data/apollo/.semcurate/models/retrain-1796000000 /data/apollo   (the TUI with it)\n\nExit codes: 0 done, 2 could not run (no labelled pixel, another training on the workspace)."
)]
pub struct Args {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Train a small U-Net (width 8) from nothing instead of fine-tuning --model.
    #[arg(long)]
    pub from_nothing: bool,
    /// New model folder [default: WORKSPACE/models/retrain-UNIXTIME]; must not exist.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Epochs [default: 4 fine-tuning, 6 from nothing].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Optimiser steps per epoch [default: 20 fine-tuning, 30 from nothing].
    #[arg(long, value_name = "N")]
    pub steps_per_epoch: Option<usize>,
    /// Side of the training crops in px [default: 96 fine-tuning, 64 from nothing].
    #[arg(long, value_name = "PX")]
    pub crop: Option<usize>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Indexes, then retrains: fine-tunes the model of `--model` (or trains a small one with
/// `--from-nothing`) with the recipe's settings, `--epochs`, `--steps-per-epoch` and `--crop`
/// overriding them; then scores, saves and predicts (see `jobs::retrain`). Not cancellable
/// from the command line except by killing it, which leaves no model folder behind.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    if let Some(out) = &args.out {
        args.dataset.check_output(out)?;
    }
    let (ws, schema, _) = args.dataset.index(None, false)?;
    drop(ws);
    let base = (!args.from_nothing)
        .then(|| args.model.info(&schema))
        .transpose()?;
    let mut recipe = if base.is_some() {
        Recipe::fine_tune()
    } else {
        Recipe::from_nothing()
    };
    recipe.epochs = args.epochs.unwrap_or(recipe.epochs);
    recipe.steps_per_epoch = args.steps_per_epoch.unwrap_or(recipe.steps_per_epoch);
    recipe.crop = args.crop.unwrap_or(recipe.crop);
    let progress = CliProgress::new(args.dataset.quiet);
    let workspace = args.dataset.workspace_dir();
    let input = RetrainInput {
        root: &args.dataset.dataset,
        workspace: &workspace,
        schema: &schema,
        base: base.as_ref().map(|b| b.dir.as_path()),
        backend: args.model.backend,
        recipe,
        out: args.out.clone(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        cancel: &AtomicBool::new(false),
        progress: &progress,
    };
    let done = retrain(&input)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&done)?);
    } else {
        print_report(&done);
    }
    Ok(Outcome::Clean)
}

/// Where the new model is and what it started from, the training time, the before/after
/// table (score, and change to three places), how many images it predicted, and how to use it.
fn print_report(r: &Retrained) {
    let from = r
        .base
        .as_ref()
        .map_or("nothing (a new width-8 U-Net)".into(), |(d, h)| {
            format!("{} ({h})", show(d))
        });
    println!("new model: {} ({}), from {from}", show(&r.dir), r.hash);
    println!(
        "trained on {} images ({} labelled pixels) in {:.0} s",
        r.train_images, r.train_pixels, r.training_seconds
    );
    println!("scored on {}:", r.scored_on_text());
    let f = |v: Option<f64>| v.map_or("n/a".to_string(), |x| format!("{x:.3}"));
    println!(
        "  {:<11} {:>7} {:>7} {:>7}",
        "", "before", "after", "change"
    );
    for c in r.changes() {
        let delta = c.before.zip(c.after).map(|(b, a)| format!("{:+.3}", a - b));
        println!(
            "  {:<11} {:>7} {:>7} {:>7}",
            c.name,
            f(c.before),
            f(c.after),
            delta.unwrap_or_default()
        );
    }
    let p = &r.predicted;
    println!(
        "predicted {} images with it ({} problems){}",
        p.predicted,
        p.problems.len(),
        if p.cancelled { ", cancelled" } else { "" }
    );
    println!("use it: semcurate --model {} DATASET", show(&r.dir));
}
