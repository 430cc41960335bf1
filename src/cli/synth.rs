//! `semcurate synth`: write a synthetic BSE dataset (see `crate::synth`).
//!
//! Writes a new dataset folder (refused when it exists and is not empty); the same flags
//! write byte-identical files.

use std::path::PathBuf;

use anyhow::Context;

use crate::synth::{Imaging, SynthConfig, generate};

use super::Outcome;
use super::common::show;
use super::progress::CliProgress;

/// Write a physically grounded synthetic BSE dataset in the MineralClassifier layout.
///
/// Grains are placed in micrometres and rasterised at each site's pixel size (log-uniform
/// over the range); grey levels follow each phase's backscatter coefficient with per-site
/// gain, offset, blur and noise. The same arguments always write the same files.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate synth /tmp/d --samples 4 --per-sample 25 --seed 1\n  semcurate synth /tmp/d --unlabelled 10 --schema extended\n  semcurate synth /tmp/bench --samples 32 --per-sample 500 --pixel-size-range 0.02,20"
)]
pub struct Args {
    /// Output folder: must not exist or be empty.
    pub out: PathBuf,
    /// Sample folders to write.
    #[arg(long, default_value_t = 4)]
    pub samples: usize,
    /// Labelled images per sample.
    #[arg(long, default_value_t = 25)]
    pub per_sample: usize,
    /// Images without masks, spread over the samples (in total, not per sample).
    #[arg(long, default_value_t = 0)]
    pub unlabelled: usize,
    /// Seed: the same seed writes the same files.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Tile width and height in pixels.
    #[arg(long, default_value_t = 256)]
    pub size: u32,
    /// Smallest and largest pixel size in µm/px, drawn log-uniform per site.
    #[arg(long, default_value = "0.02,20", value_name = "MIN,MAX", value_parser = range)]
    pub pixel_size_range: (f64, f64),
    /// 'default' (10 classes) or 'extended' (zircon 9 and phosphate 10 apart).
    #[arg(long, default_value = "default", value_parser = ["default", "extended"])]
    pub schema: String,
    /// Detector settings: 'default', or 'other' (a second SEM: lower contrast, brighter,
    /// noisier, blurrier; ranges in the synth docs), for testing a model on a new instrument.
    #[arg(long, default_value = "default", value_parser = ["default", "other"])]
    pub imaging: String,
    /// No progress output on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Parses `--pixel-size-range MIN,MAX` in µm/px: finite, MIN above 0 and not above MAX.
fn range(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| format!("'{s}' is not MIN,MAX"))?;
    let parse = |t: &str| {
        t.trim()
            .parse::<f64>()
            .map_err(|_| format!("'{t}' is not a number"))
    };
    let (a, b) = (parse(a)?, parse(b)?);
    if !(a.is_finite() && b.is_finite() && a > 0.0 && b >= a) {
        return Err(format!("need 0 < MIN ≤ MAX µm/px, got {a},{b}"));
    }
    Ok((a, b))
}

/// Generates the synthetic dataset (`extended` schema and `other` imaging when asked) and
/// prints how many images went into which samples.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let cfg = SynthConfig {
        samples: args.samples,
        per_sample: args.per_sample,
        unlabelled: args.unlabelled,
        seed: args.seed,
        size: args.size,
        pixel_size_min: args.pixel_size_range.0,
        pixel_size_max: args.pixel_size_range.1,
        extended_schema: args.schema == "extended",
        imaging: if args.imaging == "other" {
            Imaging::Other
        } else {
            Imaging::Default
        },
    };
    let progress = CliProgress::new(args.quiet);
    let summary = generate(&args.out, &cfg, &progress).with_context(|| {
        format!(
            "cannot write the synthetic dataset to '{}'",
            show(&args.out)
        )
    })?;
    println!(
        "wrote {} labelled and {} unlabelled images in {} samples ({}) to {}",
        summary.labelled,
        summary.unlabelled,
        summary.samples.len(),
        summary.samples.join(", "),
        show(&args.out)
    );
    Ok(Outcome::Clean)
}
