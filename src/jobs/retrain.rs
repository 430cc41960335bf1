//! Retrain and refresh: fine-tune the session's model (or, with none, train a small one from
//! nothing) on the dataset's current labels, partial masks and the workspace's edits included;
//! save it as a new model folder under `WORKSPACE/models/` (the model it started from is never
//! written); score the old and the new model on the same labelled images; then predict the
//! dataset with the new model so the queue and the audit use it. Runs on the caller's thread,
//! cancellable, with progress as stages (`retrain`: optimiser steps, `score`, `predict`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::channel;
use std::time::Instant;

use super::predict::{PredictOptions, PredictSummary, predict_dataset};
use super::train::{PreparedData, TrainJob, TrainSetupError, prepare_data};
use super::train_data::prepare_data_pooled;
use crate::dataset::load::LabelledImage;
use crate::dataset::lock::{JobLock, LockError};
use crate::dataset::workspace::{Workspace, WorkspaceError};
use crate::dataset::{ClassSchema, ScaleBins};
use crate::model::BackendKind;
use crate::model::card::MetricsCard;
use crate::model::config::ModelConfig;
use crate::model::multi::{ModelError, MultiUNet, model_hash};
use crate::model::train::TrainEvent;
use crate::progress::Progress;

/// Where retrained models go, under the workspace.
pub const MODELS_DIR: &str = "models";

/// What a retrain works on.
pub struct RetrainInput<'a> {
    /// The dataset root.
    pub root: &'a Path,
    /// The workspace folder: the lock, the splits, the labels, and where the model goes.
    pub workspace: &'a Path,
    /// The dataset's class schema; a base model must have the same classes.
    pub schema: &'a ClassSchema,
    /// The model to fine-tune; `None` trains from nothing.
    pub base: Option<&'a Path>,
    /// Backend for training, scoring and prediction.
    pub backend: BackendKind,
    /// Epochs, steps, rate, crop and width.
    pub recipe: Recipe,
    /// The new model folder [default: `WORKSPACE/models/retrain-UNIXTIME`]; must not exist.
    pub out: Option<PathBuf>,
    /// The command line, for the model card.
    pub command: String,
    /// Set to stop: during training nothing is kept; during the final prediction the new
    /// model and the predictions made so far are kept.
    pub cancel: &'a AtomicBool,
    /// Receives the stages `retrain` (steps), `score` and `predict`.
    pub progress: &'a dyn Progress,
}

/// Which images the before/after scores are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoredOn {
    /// The val and test splits: images the new model did not train on.
    HeldOut,
    /// No labelled image was held out, so the scores are on the training images.
    Training,
}

/// A finished retrain.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Retrained {
    /// The new model folder (canonical when it resolves).
    pub dir: PathBuf,
    /// The new model's hash, which keys its predictions.
    pub hash: String,
    /// The model it started from, with its hash.
    pub base: Option<(PathBuf, String)>,
    /// Images trained on, all bins.
    pub train_images: usize,
    /// Labelled pixels of the training images.
    pub train_pixels: u64,
    /// Whether `before` and `after` are on held-out or training images.
    pub scored_on: ScoredOn,
    /// The old model's scores; `None` when trained from nothing.
    pub before: Option<MetricsCard>,
    /// The new model's scores on the same images.
    pub after: MetricsCard,
    /// Wall-clock time of the training itself.
    pub training_seconds: f64,
    /// What predicting the dataset with the new model did.
    pub predicted: PredictSummary,
}

/// Why a retrain stopped.
#[derive(Debug, thiserror::Error)]
pub enum RetrainError {
    #[error("{0}")]
    Setup(#[from] TrainSetupError),
    #[error("{0}")]
    Model(#[from] ModelError),
    #[error("{0}")]
    Workspace(#[from] WorkspaceError),
    #[error("{0}")]
    Lock(#[from] LockError),
    /// The output folder exists already.
    #[error("'{0}' already exists: retrain writes a new model folder, never over one")]
    Exists(PathBuf),
    /// The staging folder could not be made or renamed into place.
    #[error("cannot move the trained model into '{path}': {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The cancel flag was set during training; the staging folder was removed.
    #[error("retraining cancelled: nothing was kept")]
    Cancelled,
}

/// Trains, saves, scores and predicts; see the module docs.
///
/// Holds the workspace's `train` lock throughout; gives new labelled groups a split first. The
/// new folder's path is stored in the workspace (`retrained_model`) for the TUI to open next.
pub fn retrain(input: &RetrainInput<'_>) -> Result<Retrained, RetrainError> {
    let mut ws = Workspace::open(input.workspace)?;
    let _lock = JobLock::try_acquire(ws.dir(), "train")?;
    crate::dataset::index::assign_new_splits(&mut ws)?;
    let base = load_base(input)?;
    let bins = match &base {
        Some(b) => b.bins.clone(),
        None => crate::dataset::index::stored_bins(&ws).unwrap_or_else(|_| ScaleBins::single()),
    };
    let config = retrain_config(input, bins, base.as_ref());
    let (prepared, scored_on) = prepare(input, &ws, &config)?;
    let scored = scores::scored_images(&prepared, scored_on);
    let out = new_model_dir(input, &ws)?;
    let train_images = prepared.data.train.iter().map(Vec::len).sum();
    let train_pixels = labelled_pixels(prepared.data.train.iter().flatten(), input.schema);
    let started = Instant::now();
    train_into(input, config, prepared, &out)?;
    let training_seconds = started.elapsed().as_secs_f64();
    let out = std::fs::canonicalize(&out).unwrap_or(out);
    ws.set_meta(
        crate::dataset::index::keys::RETRAINED_MODEL,
        &out.display().to_string(),
    )?;
    let hash = model_hash(&out)?;
    let device = input.backend.device();
    let new = MultiUNet::load(&out, &device)?;
    let old = input
        .base
        .map(|d| MultiUNet::load(d, &device))
        .transpose()?;
    let (before, after) = scores::score_both(input, old.as_ref(), &new, &scored);
    let predicted = predict_all(input, &new, &hash, &mut ws)?;
    Ok(Retrained {
        dir: out,
        base: input
            .base
            .map(|d| (d.to_path_buf(), model_hash(d).unwrap_or_default())),
        hash,
        train_images,
        train_pixels,
        scored_on,
        before,
        after,
        training_seconds,
        predicted,
    })
}

/// The configuration of the model retraining starts from, when there is one; it must use
/// the dataset's schema.
fn load_base(input: &RetrainInput<'_>) -> Result<Option<ModelConfig>, RetrainError> {
    let base = input
        .base
        .map(ModelConfig::load)
        .transpose()
        .map_err(ModelError::from)?;
    if let Some(b) = &base {
        b.check_schema(input.schema).map_err(ModelError::from)?;
    }
    Ok(base)
}

/// The folder the new model goes to (`--out`, else `WORKSPACE/models/retrain-UNIXTIME`),
/// which must not exist yet.
fn new_model_dir(input: &RetrainInput<'_>, ws: &Workspace) -> Result<PathBuf, RetrainError> {
    let out = match &input.out {
        Some(p) => p.clone(),
        None => ws
            .dir()
            .join(MODELS_DIR)
            .join(format!("retrain-{}", crate::clock::now())),
    };
    if out.exists() {
        return Err(RetrainError::Exists(out));
    }
    Ok(out)
}

/// The labelled images by split; all of them train when none would otherwise (a few labels
/// that all fell in val or test), and then the scores are on the training images.
fn prepare(
    input: &RetrainInput<'_>,
    ws: &Workspace,
    config: &ModelConfig,
) -> Result<(PreparedData, ScoredOn), RetrainError> {
    let (bins, site_levels) = (&config.bins, config.input.wants_site());
    let held = |p: &PreparedData| p.data.val.iter().chain(&p.test).any(|v| !v.is_empty());
    match prepare_data(input.root, ws, input.schema, bins, false, site_levels) {
        Ok(p) if held(&p) => Ok((p, ScoredOn::HeldOut)),
        Ok(p) => Ok((p, ScoredOn::Training)),
        Err(TrainSetupError::NoTrainImages(_)) => Ok((
            prepare_data_pooled(input.root, ws, input.schema, bins, site_levels)?,
            ScoredOn::Training,
        )),
        Err(e) => Err(e.into()),
    }
}

/// Pixels of `images` whose mask holds a class id of `schema` (unlabelled ones left out).
fn labelled_pixels<'a>(
    images: impl Iterator<Item = &'a LabelledImage>,
    schema: &ClassSchema,
) -> u64 {
    images
        .map(|i| {
            i.mask
                .iter()
                .filter(|&&c| usize::from(c) < schema.len())
                .count() as u64
        })
        .sum()
}

/// Trains into a staging folder beside `out` and renames it into place, so `out` is either
/// absent or a whole model folder; a cancelled run leaves nothing.
fn train_into(
    input: &RetrainInput<'_>,
    config: ModelConfig,
    prepared: PreparedData,
    out: &Path,
) -> Result<(), RetrainError> {
    let parent = out.parent().unwrap_or(Path::new("."));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RetrainError::Io { path, source }
    };
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let name = out
        .file_name()
        .map_or("model".into(), |n| n.to_string_lossy().into_owned());
    let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let steps = trained_bins(&prepared) * input.recipe.epochs * input.recipe.steps_per_epoch;
    input.progress.begin("retrain", steps as u64);
    let (tx, rx) = channel();
    let result = std::thread::scope(|s| {
        s.spawn(|| {
            for e in rx {
                if matches!(e, TrainEvent::Step { .. }) {
                    input.progress.advance(1);
                }
            }
        });
        TrainJob {
            fingerprint: prepared.fingerprint,
            labels: prepared.labels,
            command: input.command.clone(),
            config,
            options: input.recipe.options(input.backend),
            root: input.root,
            out: &staging,
            init: input.base.map(Path::to_path_buf),
            data: prepared.data,
            test: prepared.test,
            backend: input.backend,
            events: tx,
            cancel: input.cancel,
        }
        .run()
    });
    if input.cancel.load(Ordering::Relaxed) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(RetrainError::Cancelled);
    }
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e.into());
    }
    std::fs::rename(&staging, out).map_err(io(out))?;
    // Durability only: the model is in place whatever this says.
    let _ = crate::fsutil::sync_dir(parent);
    Ok(())
}

fn trained_bins(p: &PreparedData) -> usize {
    p.data.train.iter().filter(|v| !v.is_empty()).count()
}

fn predict_all(
    input: &RetrainInput<'_>,
    model: &MultiUNet,
    hash: &str,
    ws: &mut Workspace,
) -> Result<PredictSummary, RetrainError> {
    let opts = PredictOptions {
        batch: input.backend.default_batch(),
        ..PredictOptions::default()
    };
    // A batch prediction already running (`P`, `semcurate predict`) is waited for: the model
    // is trained and saved by now, and its predictions follow the other job's.
    let _lock = JobLock::acquire(ws.dir(), "predict", |_| {
        input.progress.begin("waiting for another prediction", 0);
    })?;
    // A cancel during prediction keeps the model and what was predicted.
    Ok(predict_dataset(
        model,
        hash,
        input.root,
        ws,
        &opts,
        input.progress,
        input.cancel,
    )?)
}

mod recipe;
mod scores;
pub use recipe::Recipe;
use recipe::retrain_config;
pub use scores::Change;
