//! The background threads behind an interactive front end (the TUI): the image loader and the
//! model worker (both latest-wins slots), the task thread (index refresh, overview, decisions,
//! re-binning, in order), and the batch-prediction job. They report through an [`Outbox`]. Each opens its own workspace connection; SQLite's WAL lets them
//! read while another writes. Work runs under `catch_unwind` so a bug becomes a message,
//! never a wrecked terminal.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Receiver;

use super::overview::load_overview;
use super::predict::{put_all, stored};
use crate::audit::RiskThresholds;
use crate::dataset::index::{IndexOptions, index};
use crate::dataset::load::{load_image, load_mask};
use crate::dataset::raster::Grey8;
use crate::dataset::workspace::{DecisionEntry, ImageRow, Workspace};
use crate::dataset::{ClassSchema, ScaleBins};
use crate::model::{BackendKind, MultiUNet};
use crate::progress::NoProgress;

use super::error::{JobError, guarded};
use super::progress_channel::ChannelProgress;
use super::report::{JobEvent, Loaded, Outbox, Report};
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
    pub row: ImageRow,
    pub generation: u64,
}

pub struct PredictReq {
    pub row: ImageRow,
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
    row: &ImageRow,
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
        while let Some(req) = self.slot.take() {
            let result = match &loaded {
                Ok(model) => guarded("prediction", || {
                    let site = site_of(model, &self.paths.root, &req.row, ws.as_ref());
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

/// The histogram of `row`'s site when the model reads per-site levels (its site's images are
/// decoded for it; an image proposed in the TUI is seldom re-proposed, so nothing is kept).
fn site_of(
    model: &MultiUNet,
    root: &std::path::Path,
    row: &ImageRow,
    ws: Option<&Workspace>,
) -> Option<Arc<crate::dataset::raster::GreyHistogram>> {
    if !model.config.input.wants_site() {
        return None;
    }
    let all = ws?.images().ok()?;
    super::sites::Sites::gather(root, &all, [row]).of(row)
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

/// How often the task thread, when idle, looks whether another process changed the index.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// The task thread: runs tasks in order, coalescing repeated refresh and overview requests;
/// when idle, it watches the index ([`Workspace::index_stamp`]) and reports
/// [`Report::DatasetChanged`] when another process added or lost images.
pub fn tasks(rx: &Receiver<Task>, tx: &Outbox, paths: &Paths, model: Option<&ModelRef>) {
    let mut ws = match Workspace::open(&paths.workspace) {
        Ok(ws) => ws,
        Err(e) => {
            tx.send(Report::Failed(format!("cannot open the workspace: {e}")));
            return;
        }
    };
    let mut seen = ws.index_stamp().ok();
    loop {
        let first = match rx.recv_timeout(WATCH_EVERY) {
            Ok(task) => task,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let now = ws.index_stamp().ok();
                if now.is_some() && now != seen {
                    seen = now;
                    tx.send(Report::DatasetChanged);
                }
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        run_batch(&mut ws, batch, tx, paths, model);
        // Our own re-index changed the stamp: only another process's change is news.
        seen = ws.index_stamp().ok();
    }
}

/// Runs a batch of tasks: decisions and re-binning in order, then one re-index for all the
/// refreshes asked and one audit overview.
fn run_batch(
    ws: &mut Workspace,
    batch: Vec<Task>,
    tx: &Outbox,
    paths: &Paths,
    model: Option<&ModelRef>,
) {
    let (mut refresh, mut overview) = (Vec::new(), false);
    for task in batch {
        match task {
            Task::Refresh(id) => refresh.push(id),
            Task::Overview => overview = true,
            Task::Decide(e) => {
                if let Err(err) = ws.record_decision(&e) {
                    tx.send(Report::Failed(format!("cannot store the decision: {err}")));
                }
            }
            Task::ApplyBins(edges, id) => {
                let r = guarded("re-binning", || reindex(ws, paths, Some(edges), tx, id));
                end_task(tx, &[id], r);
                overview = true;
            }
        }
    }
    if let Some(&first) = refresh.first() {
        let r = guarded("indexing", || reindex(ws, paths, None, tx, first));
        end_task(tx, &refresh, r);
    }
    if overview && let Some(m) = model {
        send_result(tx, guarded("the audit", || overview_of(ws, paths, m)));
    }
}

/// The audit overview of the model `m`, under the workspace's bins as they are now
/// (re-binning changes them), not the ones the session started with.
fn overview_of(ws: &mut Workspace, paths: &Paths, m: &ModelRef) -> Result<Vec<Report>, JobError> {
    let bins = crate::dataset::index::stored_bins(ws).unwrap_or_else(|_| m.bins.clone());
    load_overview(
        ws,
        &paths.root,
        &paths.schema,
        &m.hash,
        &bins,
        RiskThresholds::default(),
        &NoProgress,
    )
    .map(|ov| vec![Report::Overview(Box::new(ov))])
    .map_err(JobError::from)
}

/// Sends a task's results and ends its table entries (`ids`: the task and any coalesced into
/// it) with the result's message.
fn end_task(tx: &Outbox, ids: &[TaskId], r: Result<(Vec<Report>, String), String>) {
    let (reports, end) = match r {
        Ok((reports, message)) => (reports, Ok(message)),
        Err(message) => (Vec::new(), Err(message)),
    };
    for report in reports {
        tx.send(report);
    }
    for &task in ids {
        tx.send(Report::Job(match &end {
            Ok(message) => JobEvent::Finished {
                task,
                message: message.clone(),
            },
            Err(message) => JobEvent::Failed {
                task,
                message: message.clone(),
            },
        }));
    }
}

fn send_result(tx: &Outbox, r: Result<Vec<Report>, String>) {
    match r {
        Ok(events) => events.into_iter().for_each(|e| {
            tx.send(e);
        }),
        Err(e) => {
            tx.send(Report::Failed(e));
        }
    }
}

fn reindex(
    ws: &mut Workspace,
    paths: &Paths,
    edges: Option<Vec<f64>>,
    tx: &Outbox,
    task: TaskId,
) -> Result<(Vec<Report>, String), JobError> {
    let bins = edges
        .map(ScaleBins::new)
        .transpose()
        .map_err(|e| JobError::Invalid(e.to_string()))?;
    let opts = IndexOptions {
        schema: paths.schema.clone(),
        bins,
        full: false,
        default_pixel_size: paths.default_pixel_size,
        group_rule: None,
    };
    let progress = ChannelProgress::new(tx.clone(), task);
    let summary = index(&paths.root, ws, &opts, &progress)
        .map_err(|e| JobError::Invalid(format!("cannot index '{}': {e}", paths.root.display())))?;
    let rows = ws.images()?;
    let reviews = ws.review_status()?;
    let labels = crate::labels::status::ExportState::read(ws)?;
    let ids: std::collections::HashMap<(&str, &str), i64> = rows
        .iter()
        .map(|r| ((r.sample.as_str(), r.stem.as_str()), r.id))
        .collect();
    let tiles = ws
        .import_tiles()?
        .into_iter()
        .filter_map(|(t, path)| {
            let id = *ids.get(&(t.sample.as_str(), t.stem.as_str()))?;
            let source = std::path::Path::new(&path)
                .file_name()
                .map_or(path.clone(), |n| n.to_string_lossy().into_owned());
            Some((
                id,
                crate::labels::status::TilePos {
                    source,
                    x: t.x,
                    y: t.y,
                },
            ))
        })
        .collect();
    let message = format!(
        "indexed: {} images found, {} read",
        summary.found, summary.read
    );
    Ok((
        vec![
            Report::Rows(rows),
            Report::Reviews(reviews),
            Report::Labels(labels),
            Report::Tiles(tiles),
        ],
        message,
    ))
}
