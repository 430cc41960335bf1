//! A training run end to end: labelled images per split and scale bin from the index, the
//! per-bin training loop, the saved model folder, test metrics through the routed model, and
//! the model card. Runs on the caller's thread; progress goes out on a channel.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;
use std::time::Instant;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::dataset::load::{LabelledImage, load_labelled};
use crate::dataset::split::Split;
use crate::dataset::workspace::ImageRow;
use crate::dataset::{ClassSchema, ScaleBins};
use crate::metrics::Confusion;
use crate::model::card::{BinCard, MetricsCard, ModelCard, SplitCounts};
use crate::model::config::ModelConfig;
use crate::model::multi::{ModelError, MultiUNet};
use crate::model::train::{TrainData, TrainEvent, TrainOptions, train};
use crate::model::{BackendKind, UNet};

/// Labelled images of one split, grouped by scale bin.
pub type ByBin = Vec<Vec<LabelledImage>>;

/// Everything a training run needs.
pub struct TrainJob<'a> {
    pub config: ModelConfig,
    pub options: TrainOptions,
    pub root: &'a Path,
    pub out: &'a Path,
    pub init: Option<PathBuf>,
    pub data: TrainData,
    pub test: ByBin,
    pub fingerprint: String,
    pub command: String,
    pub backend: BackendKind,
    pub events: Sender<TrainEvent>,
    pub cancel: &'a AtomicBool,
}

/// Loads labelled images of the given rows in parallel, grouped by bin; rows that cannot be
/// loaded are skipped and counted.
pub fn load_by_bin(
    root: &Path,
    rows: &[&ImageRow],
    schema: &ClassSchema,
    bins: &ScaleBins,
) -> (ByBin, usize) {
    let loaded: Vec<Option<LabelledImage>> = rows
        .par_iter()
        .map(|r| load_labelled(root, r, schema).ok().flatten())
        .collect();
    let mut out: ByBin = (0..bins.len()).map(|_| Vec::new()).collect();
    let mut failed = 0;
    for img in loaded {
        match img {
            Some(i) => {
                let k = bins.bin_of(i.pixel_size);
                out[k].push(i);
            }
            None => failed += 1,
        }
    }
    (out, failed)
}

/// A dataset's labelled images, loaded and grouped for a training run.
pub struct PreparedData {
    pub data: TrainData,
    pub test: ByBin,
    /// Of every image used (train, val, test): see [`data_fingerprint`].
    pub fingerprint: String,
    /// Labelled images that could not be loaded and were left out.
    pub unreadable: usize,
}

/// Why a training run cannot start.
#[derive(Debug, thiserror::Error)]
pub enum TrainSetupError {
    #[error(
        "no labelled images with a pixel size in the train split of '{0}': check `semcurate stats`"
    )]
    NoTrainImages(PathBuf),
    #[error(transparent)]
    Workspace(#[from] crate::dataset::workspace::WorkspaceError),
}

/// Loads the train, val and test images of the dataset at `root` (indexed in `ws`), grouped by
/// scale bin under `bins`.
pub fn prepare_data(
    root: &Path,
    ws: &crate::dataset::workspace::Workspace,
    schema: &ClassSchema,
    bins: &ScaleBins,
) -> Result<PreparedData, TrainSetupError> {
    let rows = ws.images()?;
    let splits = ws.splits()?;
    let (train_rows, val_rows, test_rows) = (
        split_rows(&rows, &splits, Split::Train),
        split_rows(&rows, &splits, Split::Val),
        split_rows(&rows, &splits, Split::Test),
    );
    if train_rows.is_empty() {
        return Err(TrainSetupError::NoTrainImages(root.to_path_buf()));
    }
    let all: Vec<&ImageRow> = train_rows
        .iter()
        .chain(&val_rows)
        .chain(&test_rows)
        .copied()
        .collect();
    let (train, f1) = load_by_bin(root, &train_rows, schema, bins);
    let (val, f2) = load_by_bin(root, &val_rows, schema, bins);
    let (test, f3) = load_by_bin(root, &test_rows, schema, bins);
    Ok(PreparedData {
        data: TrainData { train, val },
        test,
        fingerprint: data_fingerprint(&all),
        unreadable: f1 + f2 + f3,
    })
}

/// Labelled, present rows of a split.
pub fn split_rows<'r>(
    rows: &'r [ImageRow],
    splits: &BTreeMap<String, Split>,
    split: Split,
) -> Vec<&'r ImageRow> {
    rows.iter()
        .filter(|r| {
            !r.missing
                && r.is_labelled()
                && r.pixel_size.is_some()
                && splits.get(&r.group) == Some(&split)
        })
        .collect()
}

/// SHA-256 over the sorted `(path, fingerprint)` of the images and masks used, 16 hex digits.
pub fn data_fingerprint(rows: &[&ImageRow]) -> String {
    let mut lines: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}\t{}\t{}\t{}\n",
                r.image_path,
                r.image_fp,
                r.mask_path.as_deref().unwrap_or(""),
                r.mask_fp.as_deref().unwrap_or("")
            )
        })
        .collect();
    lines.sort();
    let mut h = Sha256::new();
    for l in &lines {
        h.update(l.as_bytes());
    }
    crate::hashing::short_hex(h)
}

/// A pixel size that stands for bin `k` when routing into an initial model.
fn representative(bins: &ScaleBins, k: usize) -> f64 {
    match bins.range(k) {
        (None, None) => 1.0,
        (None, Some(hi)) => hi / 2.0,
        (Some(lo), None) => lo * 2.0,
        (Some(lo), Some(hi)) => (lo * hi).sqrt(),
    }
}

impl TrainJob<'_> {
    /// Trains on the job's backend, saves the model folder and its card.
    pub fn run(self) -> Result<ModelCard, ModelError> {
        let device = self.backend.train_device();
        let started = Instant::now();
        let init = initial_nets(&self, &device)?;
        let (model, reports) = train(
            &self.config,
            init,
            &self.data,
            &self.options,
            &self.events,
            self.cancel,
            &device,
        );
        let seconds = started.elapsed().as_secs_f64();
        model.save(self.out)?;
        let card = card(&self, &model, &reports, seconds);
        card.save(self.out, &model.config)
            .map_err(|source| ModelError::Io {
                path: self.out.to_path_buf(),
                source,
            })?;
        Ok(card)
    }
}

fn initial_nets(
    job: &TrainJob<'_>,
    device: &burn::tensor::Device,
) -> Result<Vec<Option<UNet>>, ModelError> {
    let Some(dir) = &job.init else {
        return Ok(vec![None; job.config.bins.len()]);
    };
    let start = MultiUNet::load(dir, device)?;
    start.config.check_schema(&job.config.schema)?;
    Ok((0..job.config.bins.len())
        .map(|k| Some(start.net_for(representative(&job.config.bins, k)).1.clone()))
        .collect())
}

fn card(
    job: &TrainJob<'_>,
    model: &MultiUNet,
    reports: &[crate::model::train::BinReport],
    seconds: f64,
) -> ModelCard {
    let schema = &model.config.schema;
    let n = schema.len();
    let mut all = Confusion::new(n);
    let mut infer_time = 0.0;
    let mut infer_images = 0usize;
    let mut bins = Vec::new();
    for k in 0..model.config.bins.len() {
        let mut m = Confusion::new(n);
        for img in &job.test[k] {
            let t = Instant::now();
            let p = model.predict(&img.image, img.pixel_size, 0);
            infer_time += t.elapsed().as_secs_f64();
            infer_images += 1;
            m.add_masks(&img.mask, &p.classes);
        }
        all.merge(&m);
        let counts = SplitCounts {
            train: job.data.train[k].len(),
            val: job.data.val[k].len(),
            test: job.test[k].len(),
        };
        bins.push(BinCard {
            bin: k,
            range: model.config.bins.label(k),
            images: counts,
            trained: model.config.trained[k],
            served_by: model
                .config
                .route(representative(&model.config.bins, k))
                .used,
            training: reports.iter().find(|r| r.bin == k).cloned(),
            test: (!job.test[k].is_empty())
                .then(|| MetricsCard::from_confusion(&m, job.test[k].len(), schema)),
        });
    }
    let count = |v: &ByBin| v.iter().map(Vec::len).sum::<usize>();
    ModelCard {
        semcurate_version: env!("CARGO_PKG_VERSION").to_string(),
        created_unix: crate::clock::now(),
        command: job.command.clone(),
        backend: job.backend.to_string(),
        dataset: job.root.display().to_string(),
        data_fingerprint: job.fingerprint.clone(),
        images: SplitCounts {
            train: count(&job.data.train),
            val: count(&job.data.val),
            test: count(&job.test),
        },
        options: job.options.clone(),
        init: job.init.as_ref().map(|p| p.display().to_string()),
        training_seconds: seconds,
        bins,
        test: (infer_images > 0).then(|| MetricsCard::from_confusion(&all, infer_images, schema)),
        ms_per_image: (infer_images > 0).then(|| 1000.0 * infer_time / infer_images as f64),
    }
}
