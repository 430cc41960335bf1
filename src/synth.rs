//! A physically grounded synthetic BSE dataset generator, for demos and tests where the real
//! Apollo data cannot be shipped.
//!
//! Grey levels come from the backscatter coefficient η of each phase's mean atomic number
//! (Reuter 1972) through per-session gain and offset; grains are placed in micrometres with the
//! sizes of mare basalts and rasterised at each site's pixel size (0.02–20 µm/px), so that
//! small bright grains vanish into their neighbours at coarse scales; olivine and phosphate sit
//! at pyroxene grey and glass at plagioclase grey, as in real images. The physics and numbers
//! are those of `reference/BSE_PHYSICS.md`.
//!
//! Invariants: the same [`SynthConfig`] writes byte-identical files (own PRNG, every tile
//! seeded from (seed, sample, site, tile)); masks hold only ids of the chosen schema; an
//! existing non-empty output folder is never written into.
//!
//! Layout of the module: `plan` (samples, sites, tiles) → `tile` (render one tile) → `scene`
//! (grains in µm) → `canvas` (supersampled painting) → `imaging` (pixels, blur, noise);
//! `output` writes the files.

mod canvas;
mod cells;
mod imaging;
mod output;
mod phase;
mod plan;
mod rock;
mod scene;
mod shape;
mod size;
mod tile;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::progress::Progress;
pub use rock::{Modal, RockSpec, RockType, sample_rock};
pub use scene::Focus;
pub use tile::{Acquisition, Imaging, ImagingRanges, Tile, TileSpec, render_tile};

/// Version of the generator's output: bumped whenever the same config would write different
/// pixels, so that `synth.json` tells which generator made a dataset.
pub const GENERATOR_VERSION: u32 = 1;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SynthConfig {
    /// Sample folders.
    pub samples: usize,
    /// Labelled images per sample.
    pub per_sample: usize,
    /// Images without a mask, spread round-robin over the samples as extra sites.
    pub unlabelled: usize,
    /// Seed of every random choice; the same seed and settings give byte-identical files.
    pub seed: u64,
    /// Tile width = height in pixels.
    pub size: u32,
    /// Smallest pixel size in µm/px (log-uniform per site).
    pub pixel_size_min: f64,
    /// Largest pixel size in µm/px.
    pub pixel_size_max: f64,
    /// Label zircon (9) and phosphate (10) apart and write `classes.toml`.
    pub extended_schema: bool,
    /// The instrument the sessions' detector settings are drawn for.
    #[serde(skip_serializing_if = "Imaging::is_default")]
    pub imaging: Imaging,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            samples: 4,
            per_sample: 25,
            unlabelled: 0,
            seed: 0,
            size: 256,
            pixel_size_min: 0.02,
            pixel_size_max: 20.0,
            extended_schema: false,
            imaging: Imaging::Default,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthSummary {
    /// Images with a mask.
    pub labelled: usize,
    /// Images without a mask.
    pub unlabelled: usize,
    /// Sample folder names, in order.
    pub samples: Vec<String>,
    /// Pixels per class id over all written masks.
    pub class_pixels: Vec<u64>,
}

/// Why a dataset could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("output folder '{}' is not empty: give a new or empty folder, synth never writes into an existing dataset", path.display())]
    NotEmpty { path: PathBuf },
    #[error("output path '{}' exists and is not a folder: give a folder path", path.display())]
    NotAFolder { path: PathBuf },
    #[error("cannot write '{}': {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode PNG '{}': {message}", path.display())]
    Encode { path: PathBuf, message: String },
    #[error("synth setting {name} = {value} is invalid: {expected}")]
    Config {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
}

/// Largest tile side: the supersampled canvas of a tile is 9× its pixels, per thread.
const MAX_SIZE: u32 = 1024;
/// Largest field of view in µm (size × largest pixel size): bounds the grains per tile.
const MAX_WINDOW_UM: f64 = 100_000.0;

impl SynthConfig {
    /// Checks the values [`generate`] relies on.
    ///
    /// Limits: at least one sample and one image; tiles 1–1024 px; pixel sizes from 0.001 to
    /// 100 µm/px with min ≤ max; a field of view (`size × pixel_size_max`) of at most 100 mm.
    /// The first failing setting is named in [`SynthError::Config`].
    pub fn validate(&self) -> Result<(), SynthError> {
        let (lo, hi, size) = (self.pixel_size_min, self.pixel_size_max, self.size);
        // (setting, its value, whether it is fine, what is expected)
        let checks: [(&'static str, String, bool, &'static str); 6] = [
            (
                "samples",
                self.samples.to_string(),
                self.samples > 0,
                "generate at least 1 sample",
            ),
            (
                "per_sample",
                self.per_sample.to_string(),
                self.per_sample > 0 || self.unlabelled > 0,
                "with no unlabelled images there is nothing to generate",
            ),
            (
                "size",
                size.to_string(),
                (1..=MAX_SIZE).contains(&size),
                "tiles are 1 to 1024 pixels wide (256 in the study)",
            ),
            (
                "pixel_size_min",
                lo.to_string(),
                lo.is_finite() && lo >= 0.001,
                "at least 0.001 µm/px (pixel-size files keep 4 decimals)",
            ),
            (
                "pixel_size_max",
                hi.to_string(),
                hi.is_finite() && hi >= lo && hi <= 100.0,
                "at least pixel_size_min and at most 100 µm/px",
            ),
            (
                "pixel_size_max",
                hi.to_string(),
                f64::from(size) * hi <= MAX_WINDOW_UM,
                "size × pixel_size_max must stay within 100 mm",
            ),
        ];
        match checks.into_iter().find(|check| !check.2) {
            Some((name, value, _, expected)) => Err(SynthError::Config {
                name,
                value,
                expected,
            }),
            None => Ok(()),
        }
    }
}

/// Generates a synthetic dataset into `out` (created if missing, refused if not empty).
///
/// Validates the config first, renders tiles in parallel (rayon), and writes `synth.json`
/// last, so a folder without it is an interrupted run. Masks are written only for labelled
/// sites; every site's images get a pixel-size file.
pub fn generate(
    out: &Path,
    cfg: &SynthConfig,
    progress: &dyn Progress,
) -> Result<SynthSummary, SynthError> {
    cfg.validate()?;
    output::prepare_root(out)?;
    let plan: Vec<plan::SamplePlan> = (0..cfg.samples)
        .map(|k| plan::sample_plan(cfg, k))
        .collect();
    let count = |labelled: bool| -> usize {
        plan.iter()
            .flat_map(|s| &s.sites)
            .filter(|site| site.labelled == labelled)
            .map(|site| site.tiles.len())
            .sum()
    };
    let (labelled, unlabelled) = (count(true), count(false));
    progress.begin("synth", (labelled + unlabelled) as u64);
    let written = output::write_tiles(out, cfg, &plan, progress);
    progress.end();
    let class_pixels = written?;
    output::write_metadata(out, cfg, &plan)?;
    Ok(SynthSummary {
        labelled,
        unlabelled,
        samples: plan.into_iter().map(|s| s.name).collect(),
        class_pixels,
    })
}

#[cfg(test)]
mod tests;
