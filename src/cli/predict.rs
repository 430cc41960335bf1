//! `semcurate predict`: propose masks and uncertainty for every image, resumable.
//!
//! Writes into the workspace (maps deflated, keyed by image and model hash), plus PNG class
//! maps under `--out`; a shard writes into its own part under `WORKSPACE/parts/` instead, for
//! `merge` to fold in. Exit codes: 0 every image predicted, 1 some could not be, 2 could not
//! run.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use anyhow::Context;

use crate::jobs::predict::{PredictOptions, PredictSummary, predict_dataset};
use crate::jobs::shard::{Shard, part_dir, predict_shard};
use crate::model::MultiUNet;

use super::Outcome;
use super::common::{DatasetArgs, show};
use super::model_args::ModelArgs;
use super::progress::CliProgress;

/// Predict every image (labelled and unlabelled) with the multi U-Net: class map, per-pixel
/// confidence (top-two margin) and per-class summaries, stored in the workspace under the
/// model's hash.
///
/// Each image goes to its pixel-scale bin's U-Net (the nearest trained bin when its own has
/// none). Images larger than the model's tile are cut into overlapping tiles and stitched. A
/// second run skips images already predicted from the same file; an interrupted run keeps
/// everything committed before it.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate predict datasets/demo --out /tmp/pred\n  semcurate predict /data/apollo --model runs/m3 --mc-dropout 8 --backend cuda --batch 16\n\nExit codes: 0 every image predicted, 1 some images could not be, 2 could not run."
)]
pub struct Args {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Same-size single-tile images per forward pass [default: 1 on CPU, where flex is fastest
    /// one image at a time; 16 on CUDA].
    #[arg(long, value_name = "N")]
    pub batch: Option<usize>,
    /// Monte-Carlo dropout passes for a disagreement estimate (0 = off).
    #[arg(long, default_value_t = 0, value_name = "K")]
    pub mc_dropout: usize,
    /// Also write predicted class maps as 8-bit PNG: DIR/SAMPLE/output-images/NAME.png.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Predict again every image whose stored prediction is older than this command.
    #[arg(long)]
    pub redo: bool,
    /// Predict only shard K of N (0 ≤ K < N, split by image path) into its own part of the
    /// workspace, for job arrays on a cluster; `semcurate merge` folds the parts in. Inside a
    /// Slurm array the task's shard is used when this is not given (docs/SLURM.md).
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The JSON of a shard run: its `K/N`, its part folder, then the run's summary flattened in.
#[derive(serde::Serialize)]
struct ShardJson<'a> {
    shard: String,
    part: String,
    #[serde(flatten)]
    summary: &'a PredictSummary,
}

/// The run's options from the flags; `redo_before` is the command's start time with `--redo`
/// (stored predictions older than it are made again), else `None`.
fn options(args: &Args, redo_before: Option<i64>) -> PredictOptions {
    PredictOptions {
        mc: args.mc_dropout,
        batch: args
            .batch
            .unwrap_or_else(|| args.model.backend.default_batch()),
        out: args.out.clone(),
        redo_before,
        sites: None,
    }
}

/// The shard to predict: `--shard`, else the Slurm array task's, else none (everything).
fn shard_of(args: &Args) -> anyhow::Result<Option<Shard>> {
    if args.shard.is_some() {
        return Ok(args.shard);
    }
    match Shard::from_slurm(|k| std::env::var(k).ok()) {
        None => Ok(None),
        Some(Ok(s)) => {
            if !args.dataset.quiet {
                eprintln!(
                    "note: Slurm array task: predicting shard {s} into its own part (then run `semcurate merge`); pass --shard 0/1 to predict everything here"
                );
            }
            Ok(Some(s))
        }
        Some(Err(e)) => anyhow::bail!("{e}"),
    }
}

/// One shard, read from an immutable snapshot of the workspace, written to its part.
fn run_shard(args: &Args, shard: Shard) -> anyhow::Result<Outcome> {
    let schema = args.dataset.schema()?;
    let info = args.model.info(&schema)?;
    let model = MultiUNet::load(&info.dir, &args.model.backend.device())
        .with_context(|| format!("cannot load model '{}'", show(&info.dir)))?;
    args.dataset.check_workspace()?;
    let ws_dir = args.dataset.workspace_dir();
    let opts = options(args, None);
    let progress = CliProgress::new(args.dataset.quiet);
    let s = predict_shard(
        &model,
        &info.hash,
        &args.dataset.dataset,
        &ws_dir,
        shard,
        &opts,
        &progress,
        &AtomicBool::new(false),
    )
    .with_context(|| format!("shard {shard}: cannot predict"))?;
    let part = part_dir(&ws_dir, &info.hash, shard);
    if args.json {
        let j = ShardJson {
            shard: shard.to_string(),
            part: part.display().to_string(),
            summary: &s,
        };
        println!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        println!(
            "shard {shard}, model {}: {} images, {} predicted in {:.1} s, {} already done; part {}",
            s.model,
            s.images,
            s.predicted,
            s.seconds,
            s.skipped,
            show(&part)
        );
        print_problems(&s);
    }
    Ok(outcome(&s))
}

/// Loads the model and predicts every image of the indexed dataset under the workspace's
/// `predict` lock (waiting for a running one), skipping images already predicted from the
/// same file.
fn predict(
    started: i64,
    args: &Args,
    ws: &mut crate::dataset::workspace::Workspace,
    schema: &crate::dataset::ClassSchema,
) -> anyhow::Result<PredictSummary> {
    let info = args.model.info(schema)?;
    let model = MultiUNet::load(&info.dir, &args.model.backend.device())
        .with_context(|| format!("cannot load model '{}'", show(&info.dir)))?;
    let hash = info.hash;
    let _lock = args.dataset.lock(ws, "predict")?;
    let opts = options(args, args.redo.then_some(started));
    let progress = CliProgress::new(args.dataset.quiet);
    Ok(predict_dataset(
        &model,
        &hash,
        &args.dataset.dataset,
        ws,
        &opts,
        &progress,
        &AtomicBool::new(false),
    )?)
}

/// Predicts one shard into its own part (`--shard` or a Slurm array task), or the whole
/// dataset into the workspace; prints a summary line or JSON. Exit 1 when an image failed.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let started = crate::clock::now();
    if let Some(out) = &args.out {
        args.dataset.check_output(out)?;
    }
    if let Some(shard) = shard_of(args)? {
        if args.redo {
            anyhow::bail!(
                "--redo does not combine with --shard: remove the shard's part under the workspace's parts/ folder to predict it again"
            );
        }
        return run_shard(args, shard);
    }
    let (mut ws, schema, _) = args.dataset.index(None, false)?;
    let s = predict(started, args, &mut ws, &schema)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        let rate = if s.predicted > 0 {
            format!(
                " ({:.0} ms per image)",
                1000.0 * s.seconds / s.predicted as f64
            )
        } else {
            String::new()
        };
        println!(
            "model {}: {} images, {} predicted in {:.1} s{rate}, {} already done, {} by a neighbouring bin's U-Net",
            s.model, s.images, s.predicted, s.seconds, s.skipped, s.fallbacks
        );
        if let Some(out) = &args.out {
            println!("wrote {} masks under {}", s.written, show(out));
        }
        print_problems(&s);
    }
    Ok(outcome(&s))
}

/// One line per image that could not be predicted: kind, path and why.
fn print_problems(s: &PredictSummary) {
    for p in &s.problems {
        println!("  {}: {}: {}", p.kind, p.path, p.message);
    }
}

/// Exit 1 when some image could not be predicted.
fn outcome(s: &PredictSummary) -> Outcome {
    if s.problems.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Problems
    }
}
