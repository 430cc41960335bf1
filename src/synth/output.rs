//! Writing a synthetic dataset in the MineralClassifier layout: images, masks and pixel-size
//! files per sample, `classes.toml` for the extended schema, and `synth.json` describing how
//! it was made. Every file is written to a temporary name beside it and renamed into place.

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::phase::class;
use super::plan::{SamplePlan, SitePlan, TilePlan};
use super::tile::{TileSpec, render_tile};
use super::{GENERATOR_VERSION, SynthConfig, SynthError};
use crate::progress::Progress;

/// The extended schema (zircon and phosphate apart), copied to `classes.toml` when used.
const EXTENDED_TOML: &str = include_str!("../../schemas/extended.toml");

use crate::dataset::layout::writer::{self, Role};

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SynthError + '_ {
    move |source| SynthError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Refuses an existing non-empty folder or a file; creates the folder when missing.
pub(crate) fn prepare_root(out: &Path) -> Result<(), SynthError> {
    if out.exists() {
        if !out.is_dir() {
            return Err(SynthError::NotAFolder {
                path: out.to_path_buf(),
            });
        }
        if fs::read_dir(out).map_err(io(out))?.next().is_some() {
            return Err(SynthError::NotEmpty {
                path: out.to_path_buf(),
            });
        }
    }
    fs::create_dir_all(out).map_err(io(out))
}

/// Writes `bytes` to `path` through a temporary file in the same folder.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SynthError> {
    crate::fsutil::write_atomic(path, bytes).map_err(io(path))
}

/// Encodes 8-bit grey pixels as PNG, naming `path` in errors.
fn encode_png(width: u32, height: u32, pixels: &[u8], path: &Path) -> Result<Vec<u8>, SynthError> {
    crate::dataset::raster::encode_grey8_png(width, height, pixels).map_err(|e| {
        SynthError::Encode {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    })
}

/// Writes one file of a tile through the layout writer, atomically.
fn write_layout(root: &Path, rel: &str, bytes: &[u8]) -> Result<(), SynthError> {
    writer::write_file(root, rel, bytes, writer::Mode::Atomic)
        .map(|_| ())
        .map_err(|e| SynthError::Io {
            path: root.join(rel),
            source: std::io::Error::other(e),
        })
}

/// One tile to render and write, with the sample and site it belongs to.
struct Job<'a> {
    sample: &'a SamplePlan,
    site: &'a SitePlan,
    tile: &'a TilePlan,
}

/// Renders one tile and writes its image, pixel-size file and (labelled sites only) mask;
/// returns its per-class pixel counts (all zero for an unlabelled tile).
fn write_tile(root: &Path, cfg: &SynthConfig, job: &Job<'_>) -> Result<Vec<u64>, SynthError> {
    let spec = TileSpec {
        seed: job.tile.seed,
        size: cfg.size,
        pixel_size: job.site.pixel_size,
        rock: job.sample.rock.clone(),
        acquisition: job.site.acquisition.clone(),
        focus: job.tile.focus,
        extended_schema: cfg.extended_schema,
    };
    let tile = render_tile(&spec);
    let rel = |role| writer::file_path(&job.sample.name, role, &job.tile.name);
    let image_path = rel(Role::Image);
    let png = encode_png(
        cfg.size,
        cfg.size,
        &tile.image.pixels,
        &root.join(&image_path),
    )?;
    write_layout(root, &image_path, &png)?;
    // Synthetic pixel sizes are drawn with 4 decimals (`plan::pixel_sizes`).
    let text = writer::pixel_size_text(tile.pixel_size, None);
    write_layout(root, &rel(Role::Features), text.as_bytes())?;
    let mut counts = vec![0u64; class_count(cfg)];
    if job.site.labelled {
        let mask_path = rel(Role::Mask);
        let png = encode_png(cfg.size, cfg.size, &tile.mask, &root.join(&mask_path))?;
        write_layout(root, &mask_path, &png)?;
        for &c in &tile.mask {
            counts[usize::from(c)] += 1;
        }
    }
    Ok(counts)
}

/// Number of classes of the schema the config writes.
pub(crate) fn class_count(cfg: &SynthConfig) -> usize {
    if cfg.extended_schema {
        class::COUNT
    } else {
        class::COUNT - 1
    }
}

/// Creates the sample folders and renders and writes every tile in parallel; returns the
/// per-class pixel totals over the written masks.
pub(crate) fn write_tiles(
    root: &Path,
    cfg: &SynthConfig,
    plan: &[SamplePlan],
    progress: &dyn Progress,
) -> Result<Vec<u64>, SynthError> {
    for sample in plan {
        let labelled = sample.sites.iter().any(|s| s.labelled);
        for role in [Role::Image, Role::Features]
            .into_iter()
            .chain(labelled.then_some(Role::Mask))
        {
            let dir = root.join(&sample.name).join(role.folder());
            fs::create_dir_all(&dir).map_err(io(&dir))?;
        }
    }
    let jobs: Vec<Job<'_>> = plan
        .iter()
        .flat_map(|sample| {
            sample.sites.iter().flat_map(move |site| {
                site.tiles
                    .iter()
                    .map(move |tile| Job { sample, site, tile })
            })
        })
        .collect();
    let zero = vec![0u64; class_count(cfg)];
    jobs.par_iter()
        .map(|job| {
            let counts = write_tile(root, cfg, job)?;
            progress.advance(1);
            Ok(counts)
        })
        .try_reduce(
            || zero.clone(),
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                Ok(a)
            },
        )
}

/// `synth.json`: the generator and its version, the schema name, the config, and every
/// sample's rock and sites, so the dataset can be regenerated or explained.
#[derive(Serialize)]
struct Manifest<'a> {
    generator: &'static str,
    generator_version: u32,
    crate_version: &'static str,
    schema: &'static str,
    config: &'a SynthConfig,
    samples: &'a [SamplePlan],
}

/// Writes `classes.toml` (extended schema only) and `synth.json`.
pub(crate) fn write_metadata(
    root: &Path,
    cfg: &SynthConfig,
    plan: &[SamplePlan],
) -> Result<(), SynthError> {
    if cfg.extended_schema {
        write_atomic(&root.join("classes.toml"), EXTENDED_TOML.as_bytes())?;
    }
    let manifest = Manifest {
        generator: "semcurate synth",
        generator_version: GENERATOR_VERSION,
        crate_version: env!("CARGO_PKG_VERSION"),
        schema: if cfg.extended_schema {
            "mineralclassifier-extended"
        } else {
            "mineralclassifier-10"
        },
        config: cfg,
        samples: plan,
    };
    let path: PathBuf = root.join("synth.json");
    let mut json = serde_json::to_vec_pretty(&manifest).map_err(|e| SynthError::Io {
        path: path.clone(),
        source: e.into(),
    })?;
    json.push(b'\n');
    write_atomic(&path, &json)
}
