//! `semcurate assist`: a random forest on the dataset's labelled pixels proposes every image.
//!
//! Writes the proposals as PNG class maps under OUT, stores them in the workspace as the
//! predictions of the model `assist`, and keeps the forest in `WORKSPACE/assist/forest.bin`.
//! Exit codes: 0 every image proposed, 1 some could not be (listed), 2 could not run.

use std::path::PathBuf;

use crate::assist::{ForestSettings, SamplingSettings};
use crate::jobs::assist::{ASSIST_MODEL, AssistOptions, AssistReport, run as assist};

use super::Outcome;
use super::common::{DatasetArgs, show};
use super::progress::CliProgress;

/// Propose a full mask for every image from the labels the dataset already has, with no
/// model: a random forest on ilastik-style pixel features (grey levels normalised per image,
/// Gaussian, Laplacian of Gaussian, gradient magnitude, difference of Gaussians and Hessian
/// eigenvalues at σ 0.3–10) trained on every labelled pixel: mask files, partial ones
/// (255 = unlabelled) included, and the corrections and labels made in the editor.
///
/// Proposals are written as OUT/SAMPLE/output-images/NAME.png (the layout of `predict --out`)
/// and stored in the workspace as the model 'assist', where the editor takes them as the
/// proposal to accept or correct. The forest is kept in WORKSPACE/assist/forest.bin.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate assist /data/new-scope --out /tmp/proposals\n  semcurate assist /data/shale --mask-map 0=0,255=1 --out /tmp/p --per-image\n\nExit codes: 0 every image proposed, 1 some could not be (listed), 2 could not run (no labelled pixel, say)."
)]
pub struct Args {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    /// Folder for the proposed masks (outside the dataset).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// An image with labels of its own is proposed by a forest of its own pixels.
    #[arg(long)]
    pub per_image: bool,
    /// 100 trees grown to purity (ilastik's and scikit-learn's forest) instead of the
    /// interactive 2 × 16 trees of depth ≤ 20: slower, for a final proposal.
    #[arg(long)]
    pub parity: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Trains the assist forest on every labelled pixel of the indexed dataset and writes a
/// proposal for every readable image under OUT (also stored in the workspace); exit 1 when
/// some image could not be proposed. `--parity` grows ilastik's and scikit-learn's default
/// forest (100 trees to purity) instead of the interactive one.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    args.dataset.check_output(&args.out)?;
    let (mut ws, schema, _) = args.dataset.index(None, false)?;
    let opts = AssistOptions {
        root: &args.dataset.dataset,
        out: &args.out,
        schema: &schema,
        per_image: args.per_image,
        forest: if args.parity {
            ForestSettings::parity()
        } else {
            ForestSettings::interactive()
        },
        sampling: SamplingSettings::default(),
    };
    let progress = CliProgress::new(args.dataset.quiet);
    let report = assist(&mut ws, &opts, &progress)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report, args, &schema);
    }
    Ok(if report.failed.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Problems
    })
}

/// One summary line (labelled images, training rows per class, times, images proposed),
/// then the images that failed.
fn print_text(r: &AssistReport, args: &Args, schema: &crate::dataset::ClassSchema) {
    let rows: Vec<String> = r
        .rows_per_class
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(c, n)| format!("{} {n}", schema.short(c as u8)))
        .collect();
    println!(
        "trained on {} labelled images ({} rows: {}) in {:.1} s; proposed {} images into {} in {:.1} s{}",
        r.labelled_images,
        r.rows_per_class.iter().sum::<usize>(),
        rows.join(", "),
        r.seconds_training,
        r.proposed,
        show(&args.out),
        r.seconds_total,
        if args.per_image {
            format!(" ({} by a forest of their own labels)", r.own_forest)
        } else {
            String::new()
        }
    );
    println!(
        "stored as the model '{ASSIST_MODEL}' in the workspace; forest in {}",
        show(&r.forest_file)
    );
    for (image, why) in &r.failed {
        println!("  not proposed: {image}: {why}");
    }
}
