//! `semcurate stats`: images and pixel shares per sample, scale bin and class; splits; rare
//! classes.
//!
//! Indexes first (only changed files are read), so its figures are the index's; writes only
//! the workspace. Exit codes: 0 clean, 1 the dataset has problems or its masks look like
//! two-value masks read without a mapping, 2 could not run.

use serde::Serialize;

use crate::dataset::image::ImageId;
use crate::dataset::index::keys;
use crate::dataset::index::split_params;
use crate::dataset::problems::Problem;
use crate::dataset::workspace::Workspace;
use crate::dataset::{ClassSchema, ScaleBins};
use crate::stats::{self, GroupStats, StatsInput, StatsReport};

use super::Outcome;
use super::common::{DatasetArgs, show};
use super::groups::GroupArgs;
use super::table::{self, Align, Table, percent, thousands};
use crate::dataset::groups::GroupRule;

/// Images and pixel shares per sample, per scale bin and per class; images containing each
/// class; split sizes; underrepresented classes.
///
/// Indexes first (only changed files are read), so it works on a dataset never indexed.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate stats datasets/demo\n  semcurate stats /data/apollo --bins 0.25,1.8 --json\n\nExit codes: 0 clean, 1 the dataset has problems (see `semcurate index`), 2 could not run."
)]
pub struct Args {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    #[command(flatten)]
    pub grouping: GroupArgs,
    /// Report under these scale-bin edges (µm/px) instead of the workspace's.
    #[arg(long, value_name = "E,..")]
    pub bins: Option<ScaleBins>,
    /// A class with labelled pixels below this share of them is flagged underrepresented
    /// (classes with none are listed as absent); the same rule as `audit --rare-share`.
    #[arg(long, default_value_t = stats::DEFAULT_RARE_THRESHOLD, value_name = "SHARE")]
    pub rare_threshold: f64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The JSON of `stats --json`: where the data is, how splits were made, then the report's
/// fields flattened in.
#[derive(Serialize)]
struct StatsJson<'a> {
    /// The dataset folder as given.
    dataset: String,
    /// The workspace folder used.
    workspace: String,
    /// Seed of the split assignment.
    split_seed: u64,
    /// How images are grouped for splits, in words.
    group_rule: String,
    #[serde(flatten)]
    report: &'a StatsReport,
}

/// A problem and the image row it belongs to (`None` for folder-level problems).
pub type ImageProblem = (Option<ImageId>, Problem);

/// Loads rows and computes the report; `bins` overrides the workspace's.
///
/// Bins: `bins`, else the workspace's stored ones, else a single bin. Reads only the
/// workspace; the caller has indexed first.
pub fn load_report(
    ws: &Workspace,
    schema: &ClassSchema,
    bins: Option<&ScaleBins>,
    rare_threshold: f64,
) -> anyhow::Result<(StatsReport, Vec<ImageProblem>)> {
    let stored: Option<ScaleBins> = ws.meta_json(keys::BINS)?;
    let bins = bins.cloned().or(stored).unwrap_or_else(ScaleBins::single);
    let rows = ws.images()?;
    let problems = ws.problems()?;
    let splits = ws.splits()?;
    let skipped = ws.meta_json(keys::SKIPPED)?.unwrap_or_default();
    let review = crate::labels::status::review_counts(ws, &rows)?;
    let report = stats::compute(&StatsInput {
        schema,
        bins: &bins,
        rows: &rows,
        problems: &problems,
        splits: &splits,
        skipped,
        rare_threshold,
        review,
    });
    Ok((report, problems))
}

/// Indexes the dataset (only changed files are read), then prints the report as text or JSON.
/// `Problems` when the index has problems or the masks look like two-value (0/255) masks read
/// without a mask mapping.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let (ws, schema, _) = args.grouping.index(&args.dataset, None, false)?;
    let (report, _) = load_report(&ws, &schema, args.bins.as_ref(), args.rare_threshold)?;
    let (fractions, seed) = split_params(&ws)?;
    let rule: GroupRule = ws.meta_json(keys::GROUP_RULE)?.unwrap_or_default();
    let warning = report.mask_value_warning(schema.unlabelled);
    if let Some(w) = &warning {
        eprintln!("warning: {w}");
    }
    if args.json {
        let out = StatsJson {
            dataset: show(&args.dataset.dataset),
            workspace: show(ws.dir()),
            split_seed: seed,
            group_rule: rule.to_string(),
            report: &report,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let note = format!("seed {seed}, target {fractions}; grouped by {rule}");
        print_text(args, &report, &note);
    }
    Ok(if report.totals.problems == 0 && warning.is_none() {
        Outcome::Clean
    } else {
        Outcome::Problems
    })
}

/// The text report: totals, classes, samples, scale bins, splits, then warnings.
fn print_text(args: &Args, r: &StatsReport, split_note: &str) {
    print_totals(args, r);
    print_classes(r);
    let shorts: Vec<&str> = r.classes.iter().map(|c| c.short.as_str()).collect();
    anstream::println!(
        "\n{}",
        table::styled(
            table::HEADING,
            "Samples (class shares of labelled pixels, %)"
        )
    );
    anstream::println!("{}", group_table("SAMPLE", &r.samples, &shorts));
    print_bins(r, &shorts);
    print_splits(r, split_note);
    print_footer(r);
}

/// The heading line: image and labelled-pixel counts, and how partly labelled images count.
fn print_totals(args: &Args, r: &StatsReport) {
    let t = &r.totals;
    anstream::println!(
        "{} · schema {} · {} images: {} labelled, {} unlabelled, {} invalid masks · {} labelled pixels",
        table::styled(table::HEADING, &show(&args.dataset.dataset)),
        r.schema,
        t.images,
        t.labelled,
        t.unlabelled,
        t.invalid_masks,
        thousands(t.labelled_pixels)
    );
    if t.partial > 0 {
        anstream::println!(
            "  {} of the labelled images are partly labelled ({:.1} % of their pixels carry a class); every figure counts labelled pixels only",
            t.partial,
            100.0 * t.partial_share
        );
    }
    if let Some(line) = review_line(t) {
        anstream::println!("  {line}");
    }
}

/// What review changed, when it changed anything: the counts above are of mask files.
fn review_line(t: &stats::Totals) -> Option<String> {
    let r = &t.review;
    if *r == stats::ReviewCounts::default() {
        return None;
    }
    let images = |n: usize| if n == 1 { "image" } else { "images" };
    Some(format!(
        "review in the workspace: {} {} corrected, {} accepted, {} more {} labelled by it ({} labelled in all); the figures here count mask files only, `semcurate export` writes the current labels",
        r.corrected,
        images(r.corrected),
        r.accepted,
        r.newly_labelled,
        images(r.newly_labelled),
        t.labelled + r.newly_labelled,
    ))
}

/// Class shares per scale bin (edges in µm/px), and a warning for images with no pixel size.
fn print_bins(r: &StatsReport, shorts: &[&str]) {
    let edges: Vec<String> = r
        .bin_edges
        .iter()
        .map(|e| crate::dataset::bins::fmt_edge(*e))
        .collect();
    anstream::println!(
        "\n{}",
        table::styled(
            table::HEADING,
            &format!("Scale bins (edges {} µm/px)", edges.join(", "))
        )
    );
    let bins: Vec<GroupStats> = r
        .bins
        .iter()
        .map(|b| GroupStats {
            name: b.range.clone(),
            ..b.stats.clone()
        })
        .collect();
    anstream::println!("{}", group_table("BIN", &bins, shorts));
    if r.totals.no_pixel_size > 0 {
        anstream::println!(
            "  {}",
            table::styled(
                table::WARN,
                &format!(
                    "{} images have no pixel size and no bin",
                    r.totals.no_pixel_size
                )
            )
        );
    }
}

/// Per split: groups assigned, labelled images and labelled pixels; `split_note` gives the
/// seed, the target fractions and the grouping rule.
fn print_splits(r: &StatsReport, split_note: &str) {
    anstream::println!(
        "\n{}",
        table::styled(table::HEADING, &format!("Splits ({split_note})"))
    );
    let mut tab = Table::new(&[
        ("SPLIT", Align::Left),
        ("GROUPS", Align::Right),
        ("IMAGES", Align::Right),
        ("PIXELS", Align::Right),
    ]);
    for s in &r.splits {
        tab.row(vec![
            s.split.to_string(),
            s.groups.to_string(),
            s.images.to_string(),
            thousands(s.labelled_pixels),
        ]);
    }
    anstream::println!("{}", tab.render(2));
}

/// One row per class: pixels and share of the labelled pixels, images holding it, and flags
/// (`absent`, `under` for underrepresented, `rare` from the schema).
fn print_classes(r: &StatsReport) {
    anstream::println!("\n{}", table::styled(table::HEADING, "Classes"));
    let mut tab = Table::new(&[
        ("ID", Align::Right),
        ("CLASS", Align::Left),
        ("PIXELS", Align::Right),
        ("SHARE %", Align::Right),
        ("IMAGES", Align::Right),
        ("FLAGS", Align::Left),
        ("NAME", Align::Left),
    ]);
    for c in &r.classes {
        let mut flags = Vec::new();
        if c.absent {
            flags.push(table::styled(table::WARN, "absent"));
        } else if c.underrepresented {
            flags.push(table::styled(table::WARN, "under"));
        }
        if c.rare {
            flags.push("rare".to_string());
        }
        tab.row(vec![
            c.id.to_string(),
            c.short.clone(),
            thousands(c.pixels),
            percent(c.share),
            c.images.to_string(),
            flags.join(","),
            c.name.clone(),
        ]);
    }
    anstream::println!("{}", tab.render(2));
}

/// Samples or scale bins (named in column `first`): images, labelled images, the pixel-size
/// range in µm/px, and each class's share of the group's labelled pixels in %.
fn group_table(first: &str, groups: &[GroupStats], shorts: &[&str]) -> String {
    let mut cols: Vec<(&str, Align)> = vec![
        (first, Align::Left),
        ("IMAGES", Align::Right),
        ("LABELLED", Align::Right),
        ("µm/px", Align::Left),
    ];
    cols.extend(shorts.iter().map(|s| (*s, Align::Right)));
    let mut tab = Table::new(&cols);
    for g in groups {
        let range = match (g.pixel_size_min, g.pixel_size_max) {
            (Some(a), Some(b)) => format!("{}–{}", short_num(a), short_num(b)),
            _ => "-".to_string(),
        };
        let mut row = vec![
            g.name.clone(),
            g.images.to_string(),
            g.labelled.to_string(),
            range,
        ];
        row.extend(g.class_share.iter().map(|s| percent(*s)));
        tab.row(row);
    }
    tab.render(2)
}

/// A pixel size with 1 decimal from 10 up, 2 from 0.1, 3 below.
fn short_num(x: f64) -> String {
    if x >= 10.0 {
        format!("{x:.1}")
    } else if x >= 0.1 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

/// Absent and underrepresented classes, and the problem count by kind.
fn print_footer(r: &StatsReport) {
    let under: Vec<&str> = r
        .classes
        .iter()
        .filter(|c| c.underrepresented)
        .map(|c| c.short.as_str())
        .collect();
    let absent: Vec<&str> = r
        .classes
        .iter()
        .filter(|c| c.absent)
        .map(|c| c.short.as_str())
        .collect();
    if !absent.is_empty() {
        anstream::println!(
            "\n{} {}",
            table::styled(table::WARN, "Absent (no labelled pixels):"),
            absent.join(", ")
        );
    }
    if !under.is_empty() {
        anstream::println!(
            "\n{} {}",
            table::styled(
                table::WARN,
                &format!(
                    "Underrepresented (< {}% of labelled pixels):",
                    r.rare_threshold * 100.0
                )
            ),
            under.join(", ")
        );
    }
    if r.totals.problems > 0 {
        let kinds: Vec<String> = r.problems.iter().map(|(k, n)| format!("{k} {n}")).collect();
        anstream::println!(
            "\n{} ({}); list them with `semcurate index DATASET`",
            table::styled(table::ERROR, &format!("{} problems", r.totals.problems)),
            kinds.join(", ")
        );
    }
}
