//! `semcurate queue`: images to review or label first, ranked, with reasons.
//!
//! Reads the workspace (stored predictions, review decisions, audit cache) and the labels;
//! writes only the audit cache. Exits 0 whenever it ran, even with an empty list.

use serde::Serialize;

use crate::audit::AuditReport;
use crate::dataset::ClassSchema;
use crate::jobs::overview::{Overview, load_overview};
use crate::review::queue::{QueueItem, Strategy};

use super::Outcome;
use super::common::{DatasetArgs, show};
use super::model_args::ModelArgs;
use super::progress::CliProgress;
use super::table::{Align, Table};

/// Rank images for review or labelling, each with the reason in words and the numbers behind it.
///
/// Strategies (deterministic; details in docs/QUEUE.md):
///   rare-low-iou   labelled images where an at-risk class (low IoU) has low IoU
///   label-suspect  labelled images where the model confidently disagrees with the mask over a
///                  region (confident-learning thresholds per class), discounted by how often the
///                  model makes that confusion elsewhere and weighed by the region's grey level
///                  against the image's own pixels of both classes: likely label errors
///   uncertain      unlabelled images by low margin / Monte-Carlo disagreement, boosted where at-risk
///                  classes are predicted, spread over samples and scale bins
///   mixed          the three in turn
///
/// Active learning, over unlabelled tiles (e.g. from `semcurate import`, after `predict`):
///   margin         1 − mean top-two margin
///   entropy        mean normalised entropy of the class probabilities
///   mc-disagreement  mean Monte-Carlo dropout disagreement (predict --mc-dropout K)
///   rare-boost     expected area of rare / at-risk classes, weighted by how rare each is in
///                  the labelled pixels: the mean of the model's estimate (summed
///                  probabilities) and the grey levels' (the tile's grey histogram against the
///                  grey range each class occupies in the labelled images)
///   diverse        entropy × (1 + rare-boost), no two touching tiles of one raw image, a
///                  spread over raw images, samples and scale bins
/// A tile someone corrected, accepted or rejected leaves the queue.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate queue datasets/demo --strategy label-suspect --budget 10\n  semcurate queue /data/apollo --strategy uncertain --budget 50 --json > next.json\n  semcurate queue /data/apollo --strategy diverse --budget 40"
)]
pub struct Args {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    #[arg(long, default_value = "mixed", value_parser = clap::builder::PossibleValuesParser::new(Strategy::ALL.map(Strategy::name)))]
    pub strategy: String,
    /// Images to list.
    #[arg(long, default_value_t = 20)]
    pub budget: usize,
    #[command(flatten)]
    pub risk: super::audit::RiskArgs,
    /// rare-boost and diverse: estimate rare-class areas from the model's probabilities
    /// alone, without the grey-range estimate (worth trying when sites differ much in gain
    /// and offset, which blurs the grey ranges; measured in the docs' active-learning page).
    #[arg(long)]
    pub no_grey_range: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The JSON of `queue --json`: model hash, strategy, at-risk and underrepresented classes by
/// short name, counts of what was not ranked, then the ranked items.
#[derive(Serialize)]
struct QueueJson<'a> {
    model: &'a str,
    strategy: &'a str,
    at_risk: Vec<&'a str>,
    underrepresented: Vec<&'a str>,
    /// Present images with no mask.
    unlabelled: usize,
    /// Present images whose mask file cannot be used.
    mask_invalid: usize,
    /// Unlabelled images the model has not predicted: not ranked.
    unpredicted: usize,
    items: &'a [QueueItem],
}

/// Indexes, loads the model's overview (audit and prediction summaries) and prints the first
/// `--budget` images under `--strategy`. Fails when the model has no prediction in this
/// workspace; `--no-grey-range` drops the grey-level estimate from rare-boost.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let (mut ws, schema, _) = args.dataset.index(None, false)?;
    let info = args.model.info(&schema)?;
    let (dir, hash, config) = (&info.dir, &info.hash, &info.config);
    let thresholds = args.risk.thresholds();
    let mut ov = load_overview(
        &mut ws,
        &args.dataset.dataset,
        &schema,
        hash,
        &config.bins,
        thresholds,
        &CliProgress::new(args.dataset.quiet),
    )?;
    if ov.summaries.is_empty() {
        anyhow::bail!(
            "no prediction by model {hash} ('{}') in this workspace: run `semcurate predict` first",
            show(dir)
        );
    }
    if args.no_grey_range {
        ov.grey_class.clear();
    }
    let listing = Listing::new(args, &ov, &schema);
    if args.json {
        print_json(args, hash, &ov.report, &listing)?;
    } else {
        print_text(args, hash, &ov.report, &listing);
    }
    Ok(Outcome::Clean)
}

/// The ranked images and the counts of those left out of the ranking.
struct Listing {
    /// The strategy ranked by (mixed when the name is unknown).
    strategy: Strategy,
    /// The ranked images, best first.
    items: Vec<QueueItem>,
    /// Present images with no mask, and with a mask that cannot be used.
    unlabelled: usize,
    mask_invalid: usize,
    /// Unlabelled images not yet finished that the model has no prediction for: not ranked.
    unpredicted: usize,
}

impl Listing {
    /// Ranks the overview's images under the strategy asked for and counts those left out.
    fn new(args: &Args, ov: &Overview, schema: &ClassSchema) -> Self {
        let strategy = Strategy::parse(&args.strategy).unwrap_or(Strategy::Mixed);
        let items = ov.queue(schema, strategy, args.budget);
        let (unlabelled, mask_invalid) = ov.without_mask();
        // Unlabelled images this model has not predicted are not ranked: said, never silent.
        let unpredicted = ov
            .unlabelled
            .iter()
            .filter(|r| !ov.summaries.contains_key(&r.id) && !ov.finished.contains(&r.id))
            .count();
        Self {
            strategy,
            items,
            unlabelled,
            mask_invalid,
            unpredicted,
        }
    }
}

/// Prints the listing as [`QueueJson`].
fn print_json(args: &Args, hash: &str, rep: &AuditReport, l: &Listing) -> anyhow::Result<()> {
    let at: Vec<&str> = rep.at_risk.iter().map(|a| a.short.as_str()).collect();
    println!(
        "{}",
        serde_json::to_string_pretty(&QueueJson {
            model: hash,
            strategy: &args.strategy,
            at_risk: at,
            underrepresented: rep
                .underrepresented
                .iter()
                .map(|u| u.short.as_str())
                .collect(),
            unlabelled: l.unlabelled,
            mask_invalid: l.mask_invalid,
            unpredicted: l.unpredicted,
            items: &l.items
        })?
    );
    Ok(())
}

/// The heading (strategy, model, at-risk and underrepresented classes), the ranked table, a
/// note on rare-class figures, then what was not ranked and why.
fn print_text(args: &Args, hash: &str, rep: &AuditReport, l: &Listing) {
    let list = |v: Vec<String>| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    println!(
        "queue {} · model {hash} · at-risk classes: {} · underrepresented: {}",
        args.strategy,
        list(rep.at_risk.iter().map(|a| a.short.clone()).collect()),
        list(
            rep.underrepresented
                .iter()
                .map(|u| u.short.clone())
                .collect()
        )
    );
    anstream::println!("{}", items_table(&l.items));
    if matches!(l.strategy, Strategy::RareBoost | Strategy::Diverse) && !l.items.is_empty() {
        println!(
            "rare classes: the model's expected pixels, (grey N) the grey levels' estimate; \
             the score uses their mean (docs/QUEUE.md)"
        );
    }
    print_without_mask(l.unlabelled, l.mask_invalid);
    print_unranked(args, hash, l);
}

/// Rank, image path, scale bin, score to two places and the reason in words.
fn items_table(items: &[QueueItem]) -> String {
    let mut t = Table::new(&[
        ("#", Align::Right),
        ("IMAGE", Align::Left),
        ("BIN", Align::Right),
        ("SCORE", Align::Right),
        ("WHY", Align::Left),
    ]);
    for it in items {
        t.row(vec![
            it.rank.to_string(),
            it.image_path.clone(),
            it.bin.map_or("-".into(), |b| b.to_string()),
            format!("{:.2}", it.score),
            it.reason.clone(),
        ]);
    }
    t.render(0)
}

/// The unlabelled images the model has not predicted, and why the list is empty when it is.
fn print_unranked(args: &Args, hash: &str, l: &Listing) {
    let unpredicted = l.unpredicted;
    if unpredicted > 0 {
        println!(
            "{unpredicted} unlabelled {} no prediction by model {hash} and {} not ranked: run `semcurate predict` (or `semcurate assist`, then --model assist)",
            if unpredicted == 1 {
                "image has"
            } else {
                "images have"
            },
            if unpredicted == 1 { "is" } else { "are" }
        );
    }
    if l.items.is_empty() {
        if args.budget == 0 {
            println!("(--budget 0: nothing asked for)");
        } else {
            println!("(nothing to list: {})", l.strategy.empty_hint());
        }
    }
}

/// How many images have no usable mask, the invalid masks counted apart from the unlabelled.
fn print_without_mask(unlabelled: usize, mask_invalid: usize) {
    if unlabelled + mask_invalid == 0 {
        return;
    }
    print!("without a usable mask: {unlabelled} unlabelled, {mask_invalid} with an invalid mask");
    if mask_invalid > 0 {
        print!(
            " (listed as 'mask invalid'; `semcurate index` lists their problems: fix or remove those masks)"
        );
    }
    println!();
}
