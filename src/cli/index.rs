//! `semcurate index`: scan, validate and cache a dataset; list every problem per file.
//!
//! Writes only the workspace (`DATASET/.semcurate`, or `--workspace`); the dataset folder is
//! never written. Exit codes: 0 clean, 1 indexed with problems, 2 could not run.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dataset::ScaleBins;
use crate::dataset::index::IndexSummary;
use crate::dataset::problems::{Problem, ProblemKind};
use crate::stats::{self, Totals};

use super::Outcome;
use super::common::{DatasetArgs, show};
use super::groups::GroupArgs;
use super::stats::load_report;
use super::table::{self, Align, Table};

/// Scan, validate and cache a dataset: sizes, pixel sizes, class pixel counts and problems.
///
/// Only files changed since the last index are read again. The dataset folder is never
/// written: everything goes to the workspace (DATASET/.semcurate or --workspace).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate index datasets/demo\n  semcurate index /data/apollo --bins 0.25,1.8 --json\n  semcurate index ../shared/realdata/shale-sem-tiles --workspace /tmp/ws --mask-map 0=0,255=5 --pixel-size 0.1\n\nExit codes: 0 clean, 1 indexed with problems, 2 could not run."
)]
pub struct Args {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    #[command(flatten)]
    pub grouping: GroupArgs,
    /// Scale-bin edges in µm/px to store in the workspace, e.g. 0.25,1.8.
    #[arg(long, value_name = "E,..")]
    pub bins: Option<ScaleBins>,
    /// Re-read every file, changed or not.
    #[arg(long)]
    pub full: bool,
    /// List every problem; text output shows the first 20 of each kind otherwise.
    #[arg(long)]
    pub all: bool,
    /// Print JSON instead of text (always lists every problem).
    #[arg(long)]
    pub json: bool,
}

/// Problems of one kind listed in text output unless `--all`.
const SHOWN_PER_KIND: usize = 20;

/// The JSON of `index --json`: where the data is, what this run did, the index's totals and
/// every problem.
#[derive(Serialize)]
struct IndexJson<'a> {
    /// The dataset folder as given.
    dataset: String,
    /// The workspace folder used.
    workspace: String,
    /// What this run found and read.
    summary: &'a IndexSummary,
    /// Image and pixel counts of the whole index after the run.
    totals: &'a Totals,
    /// Every stored problem, in path order.
    problems: Vec<&'a Problem>,
}

/// Indexes the dataset (only new or changed files are read unless `--full`) and prints what
/// it holds and every problem; `Problems` (exit 1) when there is any.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let (ws, schema, summary) = args
        .grouping
        .index(&args.dataset, args.bins.clone(), args.full)?;
    let (report, problems) = load_report(&ws, &schema, None, stats::DEFAULT_RARE_THRESHOLD)?;
    let problems: Vec<&Problem> = problems.iter().map(|(_, p)| p).collect();
    if args.json {
        let out = IndexJson {
            dataset: show(&args.dataset.dataset),
            workspace: show(ws.dir()),
            summary: &summary,
            totals: &report.totals,
            problems: problems.clone(),
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_text(args, &summary, &report.totals, &problems, &show(ws.dir()));
        print_partial(&report.totals, &schema);
    }
    Ok(if problems.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Problems
    })
}

/// Partial masks are read as such, and said so: masks that use the unlabelled value (255 by
/// default) as a class would otherwise lose it without a word.
fn print_partial(t: &Totals, schema: &crate::dataset::ClassSchema) {
    if t.partial == 0 {
        return;
    }
    let v = schema.unlabelled;
    anstream::println!(
        "  {} masks are partial: {:.1} % of their pixels carry a class, the rest hold {v}, read as unlabelled; if {v} is a class in your masks, map it (--mask-map {v}=CLASS, or [mask_values] in classes.toml)",
        t.partial,
        100.0 * t.partial_share
    );
}

/// The text report: counts, what was read and skipped, then the problems by kind.
fn print_text(args: &Args, s: &IndexSummary, t: &Totals, problems: &[&Problem], ws: &str) {
    anstream::println!(
        "Indexed {}: {} samples, {} images ({} labelled, {} unlabelled, {} invalid masks, {} unreadable)",
        show(&args.dataset.dataset),
        s.samples.len(),
        t.images,
        t.labelled,
        t.unlabelled,
        t.invalid_masks,
        t.unreadable
    );
    anstream::println!(
        "  read {} new or changed, {} unchanged; {} now missing; workspace {ws}",
        s.read,
        s.found - s.read,
        s.newly_missing
    );
    let k = &s.skipped;
    if k.total() > 0 {
        anstream::println!(
            "  skipped {} hidden folders, {} hidden files, {} non-image files, {} other folders",
            k.hidden_dirs,
            k.hidden_files,
            k.other_files,
            k.other_dirs
        );
    }
    if problems.is_empty() {
        anstream::println!("  no problems");
    } else {
        print_problems(problems, args.all);
    }
}

/// The problems grouped by kind, each kind's first [`SHOWN_PER_KIND`] files unless `all`.
fn print_problems(problems: &[&Problem], all: bool) {
    anstream::println!(
        "\n{}",
        table::styled(table::ERROR, &format!("{} problems", problems.len()))
    );
    let mut by_kind: BTreeMap<ProblemKind, Vec<&Problem>> = BTreeMap::new();
    for p in problems {
        by_kind.entry(p.kind).or_default().push(p);
    }
    for (kind, list) in by_kind {
        anstream::println!(
            "{} ({} files)",
            table::styled(table::ERROR, kind.as_str()),
            list.len()
        );
        let shown = if all {
            list.len()
        } else {
            SHOWN_PER_KIND.min(list.len())
        };
        let mut tab = Table::new(&[("FILE", Align::Left), ("PROBLEM", Align::Left)]);
        for p in &list[..shown] {
            tab.row(vec![p.path.clone(), p.message.clone()]);
        }
        anstream::println!(
            "{}",
            tab.render(2).lines().skip(1).collect::<Vec<_>>().join("\n")
        );
        if shown < list.len() {
            anstream::println!("  … and {} more (--all lists them)", list.len() - shown);
        }
    }
}
