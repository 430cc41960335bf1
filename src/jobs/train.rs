//! A training run end to end: labelled images per split and scale bin from the index, the
//! per-bin training loop, the saved model folder, test metrics through the routed model, and
//! the model card. Runs on the caller's thread; progress goes out on a channel.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;
use std::time::Instant;

use crate::dataset::ScaleBins;
use crate::metrics::Confusion;
use crate::model::card::{BinCard, MetricsCard, ModelCard, SplitCounts};
use crate::model::config::ModelConfig;
use crate::model::multi::{ModelError, MultiUNet};
use crate::model::train::{TrainData, TrainEvent, TrainOptions, train};
use crate::model::{BackendKind, UNet};

pub use super::train_data::{
    ByBin, PreparedData, TrainSetupError, prepare_data, prepare_data_pooled,
};

/// Everything a training run needs.
pub struct TrainJob<'a> {
    /// The model to train: schema, scale bins, U-Net width, input scaling.
    pub config: ModelConfig,
    /// Epochs, crop, batch, learning rate, seed…, recorded in the card.
    pub options: TrainOptions,
    /// The dataset root trained on (recorded in the card).
    pub root: &'a Path,
    /// The model folder to write (`config.json`, one `bin{k}.safetensors` per trained bin, card).
    pub out: &'a Path,
    /// A model folder to fine-tune from; each bin starts from the network that model routes a
    /// representative pixel size of the bin to. `None` starts from fresh weights.
    pub init: Option<PathBuf>,
    /// Train and val images per bin.
    pub data: TrainData,
    /// Test images per bin: never trained on, scored in the card with the routed model.
    pub test: ByBin,
    /// Fingerprint of every image and label used, for the card.
    pub fingerprint: String,
    /// Which export and workspace corrections the labels came from, for the card.
    pub labels: crate::model::card::LabelsSeen,
    /// The command line, for the card.
    pub command: String,
    /// Which burn backend trains (and runs the test predictions).
    pub backend: BackendKind,
    /// Where progress goes; the receiver may be gone.
    pub events: Sender<TrainEvent>,
    /// Set from another thread to stop before the next step; trained bins are still saved.
    pub cancel: &'a AtomicBool,
}

/// A pixel size that stands for bin `k` when routing into an initial model.
///
/// The geometric middle of a closed bin, half the upper edge of the first bin, twice the lower
/// edge of the last, 1 µm/px for the single bin.
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
    ///
    /// On cancel the bins trained so far are saved with a card like any other run; a bin with no
    /// weights falls back to its nearest trained neighbour at inference.
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

/// The starting network of each bin: `None` everywhere without `init`; otherwise the `init`
/// model's network for the bin's representative pixel size (its schema must match).
fn initial_nets(
    job: &TrainJob<'_>,
    device: &burn::tensor::Device,
) -> Result<Vec<Option<UNet>>, ModelError> {
    let Some(dir) = &job.init else {
        return Ok(vec![None; job.config.bins.len()]);
    };
    let (start, nets) = MultiUNet::load_nets(dir, device)?;
    start.check_schema(&job.config.schema)?;
    Ok((0..job.config.bins.len())
        .map(|k| {
            let used = start.route(representative(&job.config.bins, k)).used;
            nets[used].clone()
        })
        .collect())
}

/// The model card: the run's data, options and time, and the model's scores on the test
/// images, per bin and overall.
fn card(
    job: &TrainJob<'_>,
    model: &MultiUNet,
    reports: &[crate::model::train::BinReport],
    seconds: f64,
) -> ModelCard {
    let schema = &model.config.schema;
    let tested = TestRun::of(model, &job.test);
    let bins = tested
        .per_bin
        .iter()
        .enumerate()
        .map(|(k, m)| bin_card(job, model, reports, k, m))
        .collect();
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
        labelled_pixels: crate::model::card::SplitPixels {
            train: labelled(&job.data.train, schema.len()),
            val: labelled(&job.data.val, schema.len()),
            test: labelled(&job.test, schema.len()),
        },
        options: job.options.clone(),
        init: job.init.as_ref().map(|p| p.display().to_string()),
        training_seconds: seconds,
        bins,
        test: (tested.images > 0).then(|| {
            let total = job.test.iter().map(|v| all_pixels(v)).sum();
            MetricsCard::from_confusion(&tested.all, tested.images, schema).over(total)
        }),
        ms_per_image: (tested.images > 0).then(|| 1000.0 * tested.seconds / tested.images as f64),
        labels: job.labels.clone(),
    }
}

/// The trained model run on the test images of every bin.
struct TestRun {
    /// Truth against prediction over all test images.
    all: Confusion,
    /// The same per bin, indexed by bin.
    per_bin: Vec<Confusion>,
    /// Images predicted, and the seconds spent predicting them.
    images: usize,
    seconds: f64,
}

impl TestRun {
    fn of(model: &MultiUNet, test: &ByBin) -> Self {
        let n = model.config.schema.len();
        let mut run = Self {
            all: Confusion::new(n),
            per_bin: Vec::new(),
            images: 0,
            seconds: 0.0,
        };
        for images in &test[..model.config.bins.len()] {
            let mut m = Confusion::new(n);
            for img in images {
                let t = Instant::now();
                let p = model.predict(img, img.pixel_size, 0);
                run.seconds += t.elapsed().as_secs_f64();
                run.images += 1;
                m.add_masks(&img.mask, &p.classes);
            }
            run.all.merge(&m);
            run.per_bin.push(m);
        }
        run
    }
}

/// Bin `k`'s part of the card: its images per split, which U-Net serves it, its training
/// report and its test scores (`m`: its test confusion).
fn bin_card(
    job: &TrainJob<'_>,
    model: &MultiUNet,
    reports: &[crate::model::train::BinReport],
    k: usize,
    m: &Confusion,
) -> BinCard {
    let counts = SplitCounts {
        train: job.data.train[k].len(),
        val: job.data.val[k].len(),
        test: job.test[k].len(),
    };
    BinCard {
        bin: k,
        range: model.config.bins.label(k),
        images: counts,
        trained: model.config.trained[k],
        served_by: model
            .config
            .route(representative(&model.config.bins, k))
            .used,
        training: reports.iter().find(|r| r.bin == k).cloned(),
        test: (!job.test[k].is_empty()).then(|| {
            MetricsCard::from_confusion(m, job.test[k].len(), &model.config.schema)
                .over(all_pixels(&job.test[k]))
        }),
    }
}

/// All pixels of `images`.
fn all_pixels(images: &[crate::dataset::load::LabelledImage]) -> u64 {
    images.iter().map(|i| i.mask.len() as u64).sum()
}

/// Labelled pixels (a class id below `classes`) over every bin's images.
fn labelled(by_bin: &ByBin, classes: usize) -> u64 {
    by_bin
        .iter()
        .flatten()
        .map(|i| i.mask.iter().filter(|&&c| usize::from(c) < classes).count() as u64)
        .sum()
}
