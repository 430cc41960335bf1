//! Training: one U-Net per scale bin on that bin's train-split images, validated on its
//! val-split images after every epoch, keeping the epoch with the best mean IoU. Adam,
//! cross-entropy (optionally class-weighted) plus Dice, random crops with rotations, flips and
//! brightness changes. Deterministic per seed on CPU. Progress goes out as [`TrainEvent`]s on a
//! channel, so the CLI and the TUI render it the same way.

pub mod batch;
mod bin;
pub mod engine;
pub mod eval;
pub mod loss;
pub mod sampler;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use burn::module::AutodiffModule;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use self::batch::Augment;
use self::bin::{BinRun, train_bin};
use self::eval::EvalSummary;
use super::config::ModelConfig;
use super::multi::MultiUNet;
use super::unet::UNet;
use crate::dataset::load::LabelledImage;
use crate::rng::derive;

/// Settings of a training run (recorded in the model card).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Passes over the train data per bin (an epoch is `steps_per_epoch` optimiser steps).
    pub epochs: usize,
    /// Adam's learning rate (peak rate when `cosine`).
    pub lr: f64,
    /// Cosine decay of the learning rate to `lr / 20` over all steps (constant when false).
    #[serde(default)]
    pub cosine: bool,
    /// Crops (or whole images) per optimiser step.
    pub batch: usize,
    /// Square crop side in px; `None` trains on whole images.
    pub crop: Option<usize>,
    /// Optimiser steps per epoch; `None`: enough crops to cover each train image's area once.
    pub steps_per_epoch: Option<usize>,
    /// Seed of initial weights, crop sampling, augmentation and dropout; per bin it is derived
    /// from this, so bins do not share draws.
    pub seed: u64,
    /// Weight cross-entropy by `sqrt(median / count)` per class, counts as the crop sampler
    /// delivers them.
    pub class_weights: bool,
    /// Weight of the Dice term (0 = cross-entropy only).
    pub dice_weight: f64,
    /// Share of crops centred near a pixel of a class drawn uniformly (0 = uniform crops).
    #[serde(default)]
    pub balance: f64,
    /// Augmentations of each crop.
    #[serde(default = "Augment::legacy")]
    pub augment: Augment,
    /// Stop a bin after this many epochs without a better validation mIoU.
    #[serde(default)]
    pub patience: Option<usize>,
    /// Which code computes the steps (absent in cards from before the engine trained: burn).
    /// Which code computes the steps.
    #[serde(default = "Trainer::burn")]
    pub trainer: Trainer,
}

/// Which code computes a training step. Both run the same network, loss and Adam
/// (`tests/engine_train_burn.rs` holds them to 1e-4); they differ in speed and device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trainer {
    /// burn's autodiff on the run's backend (CPU or GPU).
    Burn,
    /// semcurate's CPU engine, about PyTorch's speed on CPU (`docs/TRAIN_ENGINE.md`).
    Engine,
}

impl Trainer {
    fn burn() -> Self {
        Self::Burn
    }

    /// Lower-case name, as on the command line and in model cards.
    pub fn name(self) -> &'static str {
        match self {
            Self::Burn => "burn",
            Self::Engine => "engine",
        }
    }
}

impl std::str::FromStr for Trainer {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Engine, Self::Burn]
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| format!("trainer '{s}' is not known; use 'engine' (CPU) or 'burn'"))
    }
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            epochs: 10,
            lr: 1e-3,
            cosine: false,
            batch: 4,
            crop: None,
            steps_per_epoch: None,
            seed: 0,
            class_weights: true,
            dice_weight: 1.0,
            balance: 0.5,
            augment: Augment::default(),
            patience: None,
            trainer: Trainer::Engine,
        }
    }
}

/// Progress of a training run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TrainEvent {
    /// Training of bin `bin` begins: `steps` optimiser steps per epoch, `epochs` epochs at most.
    BinStart {
        bin: usize,
        label: String,
        train_images: usize,
        val_images: usize,
        steps: usize,
        epochs: usize,
    },
    /// A bin with no train images when fine-tuning: it keeps the weights it started from.
    BinKept { bin: usize, label: String },
    /// A bin with no train images: it will fall back to a neighbour at inference.
    BinSkipped { bin: usize, label: String },
    /// One optimiser step done; `epoch` and `step` count from 1, `loss` is the batch's loss.
    Step {
        bin: usize,
        epoch: usize,
        step: usize,
        steps: usize,
        loss: f32,
    },
    /// An epoch done: mean train loss, validation scores (none without val images), whether
    /// its weights are the best so far (kept), and its wall-clock seconds.
    Epoch {
        bin: usize,
        epoch: usize,
        epochs: usize,
        train_loss: f32,
        val: Option<EvalSummary>,
        best: bool,
        seconds: f64,
    },
    /// The cancel flag was seen mid-epoch: the bin keeps its best epoch so far, later bins are
    /// not trained.
    Cancelled,
}

/// What happened to one bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinReport {
    /// The scale bin, 0 for the smallest pixel sizes.
    pub bin: usize,
    /// Images the bin trained and validated on.
    pub train_images: usize,
    pub val_images: usize,
    /// Epoch whose weights were kept (0 = none trained).
    pub best_epoch: usize,
    /// Validation scores of the kept epoch; `None` without val images.
    pub best_val: Option<EvalSummary>,
    /// Mean train loss of the last epoch run.
    pub final_train_loss: Option<f32>,
    /// Wall-clock time of the bin's training, validation included.
    pub seconds: f64,
}

/// Labelled images per bin.
pub struct TrainData {
    /// Train-split images, one list per scale bin (index = bin).
    pub train: Vec<Vec<LabelledImage>>,
    /// Val-split images, one list per scale bin.
    pub val: Vec<Vec<LabelledImage>>,
}

/// Trains every bin that has train images on `device` (an autodiff device). `init` holds
/// starting networks per bin (fine-tuning) or `None` entries for fresh weights. The trained
/// model lives on the same device without autodiff.
pub fn train(
    config: &ModelConfig,
    init: Vec<Option<UNet>>,
    data: &TrainData,
    opts: &TrainOptions,
    events: &Sender<TrainEvent>,
    cancel: &AtomicBool,
    device: &Device,
) -> (MultiUNet, Vec<BinReport>) {
    let mut nets = Vec::new();
    let mut reports = Vec::new();
    let mut trained = Vec::new();
    for (bin, start) in init.into_iter().enumerate() {
        let label = config.bins.label(bin);
        if data.train[bin].is_empty() || cancel.load(Ordering::Relaxed) {
            // Fine-tuning keeps a bin it has no data for as it started; from scratch, the bin
            // falls back to a neighbour.
            if let Some(net) = start {
                let _ = events.send(TrainEvent::BinKept { bin, label });
                nets.push(Some(net.valid()));
                trained.push(true);
            } else {
                let _ = events.send(TrainEvent::BinSkipped { bin, label });
                nets.push(None);
                trained.push(false);
            }
            continue;
        }
        device.seed(derive(opts.seed, &[bin as u64, 1]));
        let net = start.unwrap_or_else(|| config.unet.init(device));
        let run = BinRun::new(config, bin, &data.train[bin], opts, events, cancel);
        let (best, report) = train_bin(&run, net, &data.val[bin], device);
        trained.push(best.is_some());
        nets.push(best);
        reports.push(report);
    }
    let mut cfg = config.clone();
    cfg.trained = trained;
    (MultiUNet::new(cfg, nets, device.clone().inner()), reports)
}

/// The learning rate after a `done` fraction (0–1) of all steps.
pub fn learning_rate(opts: &TrainOptions, done: f64) -> f64 {
    if !opts.cosine {
        return opts.lr;
    }
    let floor = opts.lr / 20.0;
    floor + (opts.lr - floor) * 0.5 * (1.0 + (std::f64::consts::PI * done.clamp(0.0, 1.0)).cos())
}

/// Pixels per class over the images' masks.
///
/// `classes` entries, indexed by class id; mask values at or above it (the unlabelled 254)
/// are not counted.
pub fn pixel_counts(images: &[LabelledImage], classes: usize) -> Vec<u64> {
    let mut counts = vec![0u64; classes];
    for s in images {
        for &c in &s.mask {
            if let Some(n) = counts.get_mut(usize::from(c)) {
                *n += 1;
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_schedule_ends_at_a_twentieth() {
        let opts = TrainOptions {
            lr: 2e-3,
            cosine: true,
            ..TrainOptions::default()
        };
        assert!((learning_rate(&opts, 0.0) - 2e-3).abs() < 1e-12);
        assert!((learning_rate(&opts, 0.5) - (1e-4 + 1.9e-3 * 0.5)).abs() < 1e-12);
        assert!((learning_rate(&opts, 1.0) - 1e-4).abs() < 1e-12);
        let flat = TrainOptions {
            lr: 2e-3,
            ..TrainOptions::default()
        };
        assert!((learning_rate(&flat, 0.7) - 2e-3).abs() < 1e-12);
    }
}
