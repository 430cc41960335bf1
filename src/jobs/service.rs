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

use super::error::{JobError, guarded};
use super::report::{Loaded, Outbox, Report};
use super::sites::SiteCache;
use super::slot::Slot;
use super::table::TaskId;

/// What every worker needs to find the data.
#[derive(Debug, Clone)]
pub struct Paths {
    pub root: PathBuf,
    pub workspace: PathBuf,
    pub schema: ClassSchema,
    /// µm/px for images without one.
    pub default_pixel_size: Option<f64>,
}

/// The model the workers use.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRef {
    pub dir: PathBuf,
    pub hash: String,
    pub bins: ScaleBins,
    pub backend: BackendKind,
}

pub struct LoadReq {
    pub row: IndexedImage,
    pub generation: u64,
}

pub struct PredictReq {
    pub row: IndexedImage,
    pub image: Arc<Grey8>,
    pub generation: u64,
}

/// Work for the task thread. Index work carries its entry in the front end's task table,
/// which is always ended (finished or failed), also when several refreshes are coalesced.
pub enum Task {
    Refresh(TaskId),
    Overview,
    Decide(DecisionEntry),
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
    pub slot: Arc<Slot<PredictReq>>,
    pub tx: Outbox,
    pub paths: Paths,
    pub model: ModelRef,
}

impl ModelWorker {
    /// Serves prediction requests until the slot closes or the UI goes away.
    pub fn run(self) {
        let device = self.model.backend.device();
        let loaded = guarded("loading the model", || {
            Ok(MultiUNet::load(&self.model.dir, &device)?)
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
