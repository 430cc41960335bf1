//! The background threads behind an interactive front end (the TUI): the image loader and the
//! model worker (both latest-wins slots), the task thread (index refresh, overview, decisions,
//! re-binning, in order), and the batch-prediction job. They report through an [`Outbox`]. Each opens its own workspace connection; SQLite's WAL lets them
//! read while another writes. Work runs under `catch_unwind` so a bug becomes a message,
//! never a wrecked terminal.

use std::path::PathBuf;
use std::sync::Arc;

use super::predict::{put_all, stored};
use crate::dataset::decision::DecisionEntry;
use crate::dataset::image::IndexedImage;
use crate::dataset::load::{load_image, load_mask};
use crate::dataset::raster::Grey8;
use crate::dataset::workspace::Workspace;
use crate::dataset::{ClassSchema, ScaleBins};
use crate::model::{BackendKind, MultiUNet};

use super::error::JobError;
use super::report::{Loaded, Outbox, Report};
use super::runtime::{TaskId, guarded, slot::Slot};
use super::sites::SiteCache;

/// What every worker needs to find the data.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The dataset root image paths are relative to.
    pub root: PathBuf,
    /// The workspace folder each worker opens its own connection to.
    pub workspace: PathBuf,
    /// The class schema masks are decoded with.
    pub schema: ClassSchema,
    /// µm/px for images without one.
    pub default_pixel_size: Option<f64>,
}

/// The model the workers use.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRef {
    /// The model folder the worker loads.
    pub dir: PathBuf,
    /// Its identity ([`crate::model::multi::model_hash`]): the key of its stored predictions.
    pub hash: String,
    /// Its scale-bin edges (µm/px): the audit overview falls back to them when the
    /// workspace's stored bins cannot be read.
    pub bins: ScaleBins,
    /// The burn backend inference runs on.
    pub backend: BackendKind,
}

/// A request for the loader: the image to load, and the generation the front end will match
/// the answer against (an answer for an older generation is dropped).
pub struct LoadReq {
    /// The image's index row.
    pub row: IndexedImage,
    /// Increases with every request; the answer carries it back.
    pub generation: u64,
}

/// A request for the model worker: predict this already-loaded image now.
pub struct PredictReq {
    /// The image's index row (its pixel size picks the U-Net).
    pub row: IndexedImage,
    /// Its 8-bit grey pixels, shared with the front end rather than read again.
    pub image: Arc<Grey8>,
    /// As in [`LoadReq`]: stale answers are dropped by the front end.
    pub generation: u64,
}

/// Work for the task thread. Index work carries its entry in the front end's task table,
/// which is always ended (finished or failed), also when several refreshes are coalesced.
pub enum Task {
    /// Re-index the dataset (new or changed files); ends task `TaskId` in the table.
    Refresh(TaskId),
    /// Recompute the audit overview and queues of the current model.
    Overview,
    /// Append a review decision to the log.
    Decide(DecisionEntry),
    /// Store new scale-bin edges (µm/px) and re-bin every image; ends task `TaskId`.
    ApplyBins(Vec<f64>, TaskId),
}

/// The loader thread: image, mask and stored prediction of the latest requested image.
pub fn loader(slot: &Slot<LoadReq>, tx: &Outbox, paths: &Paths, model: Option<&ModelRef>) {
    let ws = Workspace::open(&paths.workspace).ok();
    while let Some(req) = slot.take() {
        let result = guarded("loading", || load(paths, ws.as_ref(), model, &req.row));
        let event = Report::Loaded {
            id: req.row.id,
            generation: req.generation,
            result,
        };
        if !tx.send(event) {
            return;
        }
    }
}

/// Reads an image, its mask and its stored prediction by `model`.
///
/// A mask is returned only when valid and of the image's size (otherwise `mask_error` says
/// why); a stored prediction only when it was made from this image file at this size. The
/// image's saved edits are replayed on their base.
pub fn load(
    paths: &Paths,
    ws: Option<&Workspace>,
    model: Option<&ModelRef>,
    row: &IndexedImage,
) -> Result<Loaded, JobError> {
    let image = load_image(&paths.root, row).map_err(|source| JobError::Image {
        path: row.image_path.clone(),
        source,
    })?;
    let (mask, mask_error) = if row.is_labelled() {
        match load_mask(&paths.root, row, &paths.schema) {
            Ok(Some(m)) if m.len() == image.pixels.len() => (Some(m), None),
            Ok(Some(m)) => (
                None,
                Some(format!(
                    "the mask has {} pixels, the image {}",
                    m.len(),
                    image.pixels.len()
                )),
            ),
            Ok(None) => (None, None),
            Err(e) => (None, Some(format!("cannot read the mask: {e}"))),
        }
    } else if row.mask_path.is_some() {
        let state = row.mask_state.as_str();
        (
            None,
            Some(format!(
                "the mask is not usable ({state}); see `semcurate index`"
            )),
        )
    } else {
        (None, None)
    };
    let prediction = match (ws, model) {
        (Some(ws), Some(m)) => ws.prediction(row.id, &m.hash)?.filter(|p| {
            p.image_fp == row.image_fp && p.width == image.width && p.height == image.height
        }),
        _ => None,
    };
    let edits = match ws {
        Some(ws) => crate::labels::journal::load_edits(
            ws,
            row,
            mask.as_deref(),
            (image.width, image.height),
        )
        .map_err(|e| JobError::Invalid(format!("cannot read the saved edits: {e}")))?
        .map(Box::new),
        None => None,
    };
    Ok(Loaded {
        image: Arc::new(image),
        mask,
        mask_error,
        prediction,
        edits,
    })
}

/// The model worker: owns the loaded model for the whole session.
pub struct ModelWorker {
    /// Where requests arrive; a newer request replaces one not yet taken.
    pub slot: Arc<Slot<PredictReq>>,
    /// Where results go.
    pub tx: Outbox,
    /// Where the data and workspace are.
    pub paths: Paths,
    /// The model to load once and serve with.
    pub model: ModelRef,
}

impl ModelWorker {
    /// Serves prediction requests until the slot closes or the UI goes away.
    pub fn run(self) {
        let device = self.model.backend.device();
        let loaded = guarded("loading the model", || {
            Ok::<_, JobError>(MultiUNet::load(&self.model.dir, &device)?)
        });
        let mut ws = Workspace::open(&self.paths.workspace).ok();
        let mut sites = SiteCache::default();
        while let Some(req) = self.slot.take() {
            let result = match &loaded {
                Ok(model) => guarded("prediction", || {
                    let site = site_of(model, &self.paths.root, &req.row, ws.as_ref(), &mut sites);
                    predict_one(model, &self.model.hash, &req, site.as_deref(), ws.as_mut())
                }),
                Err(e) => Err(format!("{e} ('{}')", self.model.dir.display())),
            };
            let event = Report::Predicted {
                id: req.row.id,
                generation: req.generation,
                result,
            };
            if !self.tx.send(event) {
                return;
            }
        }
    }
}

/// The histogram of `row`'s site when the model reads per-site levels: its site's images are
/// decoded for it, or taken from `cache` when they are unchanged (the next image proposed is
/// often a neighbour tile of the same site).
fn site_of(
    model: &MultiUNet,
    root: &std::path::Path,
    row: &IndexedImage,
    ws: Option<&Workspace>,
    cache: &mut SiteCache,
) -> Option<Arc<crate::dataset::raster::GreyHistogram>> {
    if !model.config.input.wants_site() {
        return None;
    }
    let all = ws?.images().ok()?;
    cache.get(root, &all, row)
}

/// Predicts one image without MC passes and stores the result in the workspace (when one is
/// open), so the next visit, the audit and the queue find it.
fn predict_one(
    model: &MultiUNet,
    hash: &str,
    req: &PredictReq,
    site: Option<&crate::dataset::raster::GreyHistogram>,
    ws: Option<&mut Workspace>,
) -> Result<crate::dataset::prediction::StoredPrediction, JobError> {
    let Some(pixel_size) = req.row.pixel_size else {
        return Err(JobError::Invalid("the image has no pixel size, so no U-Net can be chosen: add its input-features file or start with --pixel-size".into()));
    };
    let specimen = crate::model::input::Specimen {
        image: &req.image,
        site,
    };
    let p = model.predict(specimen, pixel_size, 0);
    let s = stored(&req.row, hash, p);
    if let Some(ws) = ws {
        // Keep it: the next visit, the audit and the queue use it.
        put_all(ws, hash, &model.config, std::slice::from_ref(&s)).map_err(|e| {
            JobError::Invalid(format!("predicted, but cannot store the result: {e}"))
        })?;
    }
    Ok(s)
}

mod tasks;
pub use tasks::tasks;
