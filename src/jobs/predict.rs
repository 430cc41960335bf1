//! Predicting a dataset: every present, readable image (labelled or not) through its scale
//! bin's U-Net; results stored in the workspace keyed by the model's hash, committed every few
//! images so an interrupted run keeps what it finished and the store stays consistent. A
//! second run skips images whose stored prediction was made from the same image file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::Serialize;

use super::sites::Sites;
use crate::dataset::image::{ImageId, IndexedImage};
use crate::dataset::load::load_image;
use crate::dataset::problems::{Problem, ProblemKind};
use crate::dataset::raster::Grey8;
use crate::dataset::workspace::{PredictionKey, Workspace, WorkspaceError};
use crate::model::MultiUNet;
use crate::model::infer::{Prediction, fits_one_tile, predict_batch, predict_reporting};
use crate::model::input::Specimen;
use crate::progress::Progress;
use store::{commit, write_stored};
pub use store::{put_all, stored};

/// Images committed per transaction.
const COMMIT_EVERY: usize = 8;

/// How to predict.
#[derive(Debug, Clone, Default)]
pub struct PredictOptions {
    /// Monte-Carlo dropout passes (0 = none).
    pub mc: usize,
    /// Same-size single-tile images per forward pass.
    pub batch: usize,
    /// Also write class maps as PNG in the MineralClassifier layout under this folder.
    pub out: Option<PathBuf>,
    /// Predict again images whose stored prediction was made before this time (Unix seconds;
    /// the moment the command was given). A second `--redo` started while the first runs
    /// waits for its lock and then keeps what the first made instead of doing it again.
    pub redo_before: Option<i64>,
    /// Site histograms to use, for a model with per-site input, instead of gathering them
    /// from the workspace's own images: a shard's part holds only its share of each site.
    pub sites: Option<Arc<Sites>>,
}

/// What a prediction run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PredictSummary {
    pub model: String,
    /// Present images considered.
    pub images: usize,
    pub predicted: usize,
    /// Already predicted from the same file.
    pub skipped: usize,
    /// Predicted with a neighbouring bin's U-Net because their own bin has none.
    pub fallbacks: usize,
    /// PNG files written under `--out`.
    pub written: usize,
    pub problems: Vec<Problem>,
    pub cancelled: bool,
    pub seconds: f64,
}

/// Predicts the dataset at `root` whose index is `ws`.
pub fn predict_dataset(
    model: &MultiUNet,
    hash: &str,
    root: &Path,
    ws: &mut Workspace,
    opts: &PredictOptions,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<PredictSummary, WorkspaceError> {
    let started = Instant::now();
    let mut job = Job {
        model,
        hash,
        root,
        opts,
        progress,
        sites: Arc::default(),
    };
    let keys = ws.prediction_keys(hash)?;
    let all = ws.images()?;
    let (rows, unreadable): (Vec<IndexedImage>, Vec<IndexedImage>) = all
        .iter()
        .filter(|r| !r.missing)
        .cloned()
        .partition(IndexedImage::is_readable);
    let mut s = PredictSummary {
        model: hash.to_string(),
        images: rows.len() + unreadable.len(),
        ..PredictSummary::default()
    };
    s.problems.extend(unreadable_problems(ws, &unreadable)?);
    let todo = job.not_done(ws, rows, &keys, &mut s)?;
    if model.config.input.wants_site() {
        job.sites = match &opts.sites {
            Some(given) => Arc::clone(given),
            None => Arc::new(Sites::gather(root, &all, &todo)),
        };
    }
    progress.begin("predict", todo.len() as u64);
    let lanes = lanes(model, opts);
    let mut pending: Vec<(IndexedImage, Prediction)> = Vec::new();
    let mut i = 0;
    while i < todo.len() {
        if cancel.load(Ordering::Relaxed) {
            s.cancelled = true;
            break;
        }
        let (groups, consumed) = job.next_groups(&todo, &mut i, lanes, &mut s);
        for (row, p) in job.run_groups(groups).into_iter().flatten() {
            s.fallbacks += usize::from(p.route.is_fallback());
            pending.push((row, p));
        }
        progress.advance(consumed as u64);
        if pending.len() >= COMMIT_EVERY {
            commit(ws, hash, &model.config, &mut pending, root, opts, &mut s)?;
        }
    }
    commit(ws, hash, &model.config, &mut pending, root, opts, &mut s)?;
    progress.end();
    s.seconds = started.elapsed().as_secs_f64();
    Ok(s)
}

/// What every step of a prediction run shares.
struct Job<'a> {
    model: &'a MultiUNet,
    /// The model's hash, the key of its stored predictions.
    hash: &'a str,
    root: &'a Path,
    opts: &'a PredictOptions,
    progress: &'a dyn Progress,
    /// Site histograms of the rows to predict, for a model with per-site input.
    sites: Arc<Sites>,
}

impl Job<'_> {
    /// The rows still to predict, in order. A row is done when its stored prediction was made
    /// from the same image file, with at least the asked Monte-Carlo passes, and not before
    /// `redo_before`; done rows are counted as skipped and, under `--out`, their stored
    /// prediction is written.
    fn not_done(
        &self,
        ws: &Workspace,
        rows: Vec<IndexedImage>,
        keys: &HashMap<ImageId, PredictionKey>,
        s: &mut PredictSummary,
    ) -> Result<Vec<IndexedImage>, WorkspaceError> {
        let opts = self.opts;
        let mut todo = Vec::new();
        for row in rows {
            let done = keys.get(&row.id).is_some_and(|k| {
                k.image_fp == row.image_fp
                    && k.mc_passes as usize >= opts.mc
                    && opts.redo_before.is_none_or(|t| k.created_at >= t)
            });
            if done {
                s.skipped += 1;
                if let Some(out) = &opts.out {
                    write_stored(ws, &row, self.hash, self.root, out, s)?;
                }
            } else {
                todo.push(row);
            }
        }
        Ok(todo)
    }

    /// Up to `lanes` non-empty groups from `todo[*i..]`, advancing `*i`; with the number of
    /// rows consumed (rows that could not be loaded included, as problems in `s`).
    fn next_groups(
        &self,
        todo: &[IndexedImage],
        i: &mut usize,
        lanes: usize,
        s: &mut PredictSummary,
    ) -> (Vec<Group>, usize) {
        let mut groups = Vec::with_capacity(lanes);
        let mut consumed = 0;
        while groups.len() < lanes && *i < todo.len() {
            let group = next_group(
                self.model,
                &todo[*i..],
                self.root,
                self.opts.batch.max(1),
                s,
            );
            *i += group.consumed;
            consumed += group.consumed;
            if !group.images.is_empty() {
                groups.push(group);
            }
        }
        (groups, consumed)
    }

    /// Predicts the groups, side by side when there are several and all their images fit one
    /// tile; results per group, in order.
    fn run_groups(&self, groups: Vec<Group>) -> Vec<Vec<(IndexedImage, Prediction)>> {
        let (model, opts, progress, sites) = (self.model, self.opts, self.progress, &self.sites);
        let small = groups.iter().all(|g| {
            g.images
                .iter()
                .all(|(_, img)| fits_one_tile(&model.config, img))
        });
        if groups.len() > 1 && small {
            use rayon::prelude::*;
            groups
                .into_par_iter()
                .map(|g| run_group(model, g, opts, progress, sites))
                .collect()
        } else {
            groups
                .into_iter()
                .map(|g| run_group(model, g, opts, progress, sites))
                .collect()
        }
    }
}

/// Images the index could not decode, with the index's reason: they are problems of the run,
/// not silently skipped.
fn unreadable_problems(
    ws: &Workspace,
    rows: &[IndexedImage],
) -> Result<Vec<Problem>, WorkspaceError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let reasons: std::collections::HashMap<ImageId, String> = ws
        .problems()?
        .into_iter()
        .filter(|(_, p)| p.kind == ProblemKind::UnreadableImage)
        .filter_map(|(id, p)| Some((id?, p.message)))
        .collect();
    Ok(rows
        .iter()
        .map(|r| {
            let why = reasons
                .get(&r.id)
                .map_or("the index could not decode it", String::as_str);
            Problem::new(
                ProblemKind::UnreadableImage,
                &r.image_path,
                format!("not predicted: {why}"),
            )
        })
        .collect())
}

/// Groups predicted at once. On the CPU engine two single-tile images run side by side, so
/// one image's single-threaded work (tensor conversions, margins, entropy, summaries) overlaps
/// the other's parallel convolutions (docs/BENCHMARKS.md: 73–80 % of 2 cores busy with one).
/// Large (tiled) images and GPU batches run one group at a time.
fn lanes(model: &MultiUNet, opts: &PredictOptions) -> usize {
    if model.uses_engine() && opts.batch <= 1 && opts.mc == 0 {
        2
    } else {
        1
    }
}

/// Predicts one group: a batch of same-size single-tile images, or one image tiled, whose
/// tiles are reported as progress within it (a large image takes minutes).
fn run_group(
    model: &MultiUNet,
    group: Group,
    opts: &PredictOptions,
    progress: &dyn Progress,
    sites: &Sites,
) -> Vec<(IndexedImage, Prediction)> {
    let site_of: Vec<_> = group.images.iter().map(|(r, _)| sites.of(r)).collect();
    let refs: Vec<Specimen<'_>> = group
        .images
        .iter()
        .zip(&site_of)
        .map(|((_, image), site)| Specimen {
            image,
            site: site.as_deref(),
        })
        .collect();
    let (route, nets) = model.nets_for(group.pixel_size);
    let preds = if refs.iter().all(|g| fits_one_tile(&model.config, g.image)) {
        predict_batch(&model.config, nets, route, &refs, opts.mc, &model.device)
    } else {
        // Larger than a tile: alone in its group, tiled, memory bounded by the tile.
        refs.iter()
            .map(|g| {
                let device = &model.device;
                predict_reporting(&model.config, nets, route, *g, opts.mc, device, progress)
            })
            .collect()
    };
    group
        .images
        .into_iter()
        .map(|(row, _)| row)
        .zip(preds)
        .collect()
}

/// Images that go through one forward pass.
struct Group {
    consumed: usize,
    pixel_size: f64,
    images: Vec<(IndexedImage, Grey8)>,
}

/// Takes the next image and, with `batch` > 1, following ones of the same size and route.
fn next_group(
    model: &MultiUNet,
    rows: &[IndexedImage],
    root: &Path,
    batch: usize,
    s: &mut PredictSummary,
) -> Group {
    let mut g = Group {
        consumed: 0,
        pixel_size: 0.0,
        images: Vec::new(),
    };
    let single = model.config.bins.len() == 1;
    for row in rows {
        let Some(px) = row.pixel_size.or(single.then_some(1.0)) else {
            if g.images.is_empty() {
                g.consumed += 1;
                s.problems.push(Problem::new(
                    ProblemKind::MissingPixelSize,
                    &row.image_path,
                    format!("{}, so no scale bin", row.no_pixel_size()),
                ));
                continue;
            }
            break;
        };
        let image = match load_image(root, row) {
            Ok(img) => img,
            Err(e) if g.images.is_empty() => {
                g.consumed += 1;
                s.problems.push(Problem::new(
                    ProblemKind::UnreadableImage,
                    &row.image_path,
                    e.to_string(),
                ));
                continue;
            }
            Err(_) => break,
        };
        if let Some((_, first)) = g.images.first() {
            let same = (first.width, first.height) == (image.width, image.height)
                && model.config.route(g.pixel_size).used == model.config.route(px).used
                && fits_one_tile(&model.config, &image);
            if !same || g.images.len() >= batch {
                break;
            }
        } else {
            g.pixel_size = px;
        }
        g.consumed += 1;
        let alone = batch == 1 || !fits_one_tile(&model.config, &image);
        g.images.push((row.clone(), image));
        if alone {
            break;
        }
    }
    g
}

mod store;
#[cfg(test)]
mod tests;
