//! `semcurate audit`: confusion matrix, IoU, precision, recall per class, per scale bin, per
//! sample and per split; abundances and rock types; at-risk classes.
//!
//! Reads the model's stored predictions (run `predict` first) and the images' current labels;
//! writes only the workspace's audit cache, and PNG plots with `--plot DIR`. Exit codes: 0
//! done, 1 some masks could not be read, 2 could not run.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::audit::{AuditInput, AuditReport, Audited, RiskThresholds, report};
use crate::dataset::ScaleBins;
use crate::dataset::image::IndexedImage;
use crate::dataset::split::Split;
use crate::dataset::workspace::Workspace;
use crate::jobs::audit::load_audits;

use super::Outcome;
use super::audit_render::{csv, markdown, text};
use super::common::{DatasetArgs, show};
use super::model_args::ModelArgs;
use super::progress::CliProgress;

/// Audit a model's stored predictions against the masks: pixel confusion matrix (counts and
/// normalised by true class), pixel accuracy, per-class IoU, precision, recall, F1 and support,
/// mean and frequency-weighted IoU, overall and per scale bin, sample and split; modal
/// abundances per sample with the study's rock-type rule; and at-risk classes
/// (underrepresented and with low IoU overall or in some bin).
///
/// IoU is intersection over union of pixel sets; a class in neither truth nor prediction is
/// not applicable (null), never 0 or 1. Run `semcurate predict` first.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate audit datasets/demo\n  semcurate audit /data/apollo --split test --json > audit.json\n  semcurate audit /data/apollo --bins 0.25,1.8 --md --plot plots/\n\nJSON schema: docs/AUDIT_JSON.md. Exit codes: 0 done, 1 some masks could not be read, 2 could not run."
)]
pub struct Args {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Audit one split only (train, val, test) [default: all labelled images].
    #[arg(long, value_parser = ["train", "val", "test"])]
    pub split: Option<String>,
    /// Scale-bin edges for the per-bin tables [default: the model's].
    #[arg(long, value_name = "E,..")]
    pub bins: Option<ScaleBins>,
    #[command(flatten)]
    pub risk: RiskArgs,
    /// Print JSON.
    #[arg(long, conflicts_with_all = ["csv", "md"])]
    pub json: bool,
    /// Print CSV, one row per group and class.
    #[arg(long, conflicts_with = "md")]
    pub csv: bool,
    /// Print Markdown tables.
    #[arg(long)]
    pub md: bool,
    /// Also write PNG plots into DIR: confusion heatmap, IoU per class per bin, abundances.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
}

/// The model whose stored predictions are audited: its folder, hash and scale bins.
/// `--model assist` (with no folder of that name) audits the proposals `semcurate assist`
/// stored, binned like the workspace.
fn audited_model(
    args: &Args,
    ws: &crate::dataset::workspace::Workspace,
    schema: &crate::dataset::ClassSchema,
) -> anyhow::Result<(PathBuf, String, crate::dataset::ScaleBins)> {
    use crate::jobs::assist::ASSIST_MODEL;
    let named_assist = args
        .model
        .model
        .as_deref()
        .is_some_and(|m| m == std::path::Path::new(ASSIST_MODEL) && !m.exists());
    if named_assist {
        let bins: Option<crate::dataset::ScaleBins> =
            ws.meta_json(crate::dataset::index::keys::BINS)?;
        let bins = match bins {
            Some(b) => b,
            None => crate::dataset::index::DEFAULT_BINS.parse()?,
        };
        return Ok((ASSIST_MODEL.into(), ASSIST_MODEL.into(), bins));
    }
    let info = args.model.info(schema)?;
    Ok((info.dir, info.hash, info.config.bins))
}

/// Indexes, picks the model (`--model`, `$SEMCURATE_MODEL`, else `models/default`; `assist`
/// for the assist's proposals), audits every labelled image it has a current prediction for,
/// prints the report and writes plots when asked. Fails (exit 2) when no audited image has a
/// prediction; exit 1 when some image's label or prediction could not be read.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    if let Some(dir) = &args.plot {
        args.dataset.check_output(dir)?;
    }
    let (mut ws, schema, _) = args.dataset.index(None, false)?;
    let (dir, hash, model_bins) = audited_model(args, &ws, &schema)?;
    let (dir, hash) = (&dir, &hash);
    let split = args.split.as_deref().and_then(Split::parse);
    let splits = ws.splits()?;
    let rows = audited_rows(args, &ws, split, &splits)?;
    let progress = CliProgress::new(args.dataset.quiet);
    let loaded = load_audits(
        &mut ws,
        &args.dataset.dataset,
        &schema,
        hash,
        rows,
        &progress,
    )?;
    if loaded.audits.is_empty() {
        anyhow::bail!(
            "no labelled image of '{}' has a prediction by model {hash} ('{}'): run `semcurate predict` first",
            show(&args.dataset.dataset),
            show(dir)
        );
    }
    let bins = args.bins.clone().unwrap_or(model_bins);
    let images: Vec<Audited<'_>> = loaded
        .audits
        .iter()
        .map(|(row, audit)| Audited { row, audit })
        .collect();
    let r = report(&AuditInput {
        model: hash,
        schema: &schema,
        bins: &bins,
        splits: &splits,
        split,
        images: &images,
        unpredicted: loaded.unpredicted,
        thresholds: args.risk.thresholds(),
    });
    emit(args, &r)?;
    if let Some(plot_dir) = &args.plot {
        let written = crate::cli::audit_plot::write_plots(plot_dir, &r)?;
        eprintln!("wrote {} plots to {}", written.len(), show(plot_dir));
    }
    for p in &loaded.problems {
        eprintln!("{}: {}: {}", p.kind, p.path, p.message);
    }
    Ok(if loaded.problems.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Problems
    })
}

/// The labelled images to audit: present, not rejected, in `split` when one is asked for;
/// none is an error.
fn audited_rows(
    args: &Args,
    ws: &Workspace,
    split: Option<Split>,
    splits: &BTreeMap<String, Split>,
) -> anyhow::Result<Vec<IndexedImage>> {
    let rejected = crate::jobs::overview::rejected_ids(ws)?;
    let rows: Vec<_> = ws
        .images()?
        .into_iter()
        .filter(|r| {
            !r.missing
                && r.is_labelled()
                && !rejected.contains(&r.id)
                && split.is_none_or(|s| splits.get(&r.group) == Some(&s))
        })
        .collect();
    if rows.is_empty() {
        let what = args
            .split
            .as_deref()
            .map_or(String::new(), |s| format!(" in the {s} split"));
        anyhow::bail!(
            "'{}' has no labelled image with a valid mask{what}: nothing to audit (see `semcurate index` for mask problems)",
            show(&args.dataset.dataset)
        );
    }
    Ok(rows)
}

/// Prints the report as JSON, CSV, Markdown or text tables, in that order of precedence.
fn emit(args: &Args, r: &AuditReport) -> anyhow::Result<()> {
    if args.json {
        println!("{}", serde_json::to_string_pretty(r)?);
    } else if args.csv {
        print!("{}", csv(r));
    } else if args.md {
        print!("{}", markdown(r));
    } else {
        anstream::print!("{}", text(r));
    }
    Ok(())
}

/// The flags of the at-risk and underrepresented rules, shared by `audit` and `queue` (the
/// rules themselves and their defaults live in [`crate::audit`]).
#[derive(Debug, Clone, clap::Args)]
pub struct RiskArgs {
    /// A class with truth pixels below this share of them is underrepresented (classes with
    /// none are listed as absent); the same rule as `stats --rare-threshold`.
    #[arg(long, default_value_t = crate::audit::DEFAULT_RARE_SHARE, value_name = "SHARE")]
    pub rare_share: f64,
    /// A class with IoU below this, overall or in a bin, is at risk.
    #[arg(long, default_value_t = crate::audit::DEFAULT_RISK_IOU, value_name = "IOU")]
    pub risk_iou: f64,
    /// Fewest true pixels of a class, overall or in a bin, for its IoU there to count.
    #[arg(long, default_value_t = crate::audit::DEFAULT_RISK_MIN_PIXELS, value_name = "PX")]
    pub risk_min_pixels: u64,
}

impl RiskArgs {
    /// The flags as the audit's thresholds.
    pub fn thresholds(&self) -> RiskThresholds {
        RiskThresholds {
            rare_share: self.rare_share,
            iou: self.risk_iou,
            min_pixels: self.risk_min_pixels,
        }
    }
}
