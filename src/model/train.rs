//! Training: one U-Net per scale bin on that bin's train-split images, validated on its
//! val-split images after every epoch, keeping the epoch with the best mean IoU. Adam,
//! cross-entropy (optionally class-weighted) plus Dice, random crops with rotations, flips and
//! brightness changes. Deterministic per seed on CPU. Progress goes out as [`TrainEvent`]s on a
//! channel, so the CLI and the TUI render it the same way.

pub mod batch;
pub mod eval;
pub mod loss;
pub mod sampler;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Instant;

use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use self::batch::{Augment, crop_size, draw};
use self::eval::{EvalSummary, evaluate};
use self::sampler::CropSampler;
use super::config::ModelConfig;
use super::multi::MultiUNet;
use super::unet::UNet;
use crate::dataset::load::LabelledImage;
use crate::rng::{Rng, derive};

/// Settings of a training run (recorded in the model card).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    pub epochs: usize,
    pub lr: f64,
    /// Cosine decay of the learning rate to `lr / 20` over all steps (constant when false).
    #[serde(default)]
    pub cosine: bool,
    pub batch: usize,
    /// Square crop side in px; `None` trains on whole images.
    pub crop: Option<usize>,
    /// Optimiser steps per epoch; `None`: enough crops to cover each train image's area once.
    pub steps_per_epoch: Option<usize>,
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
        }
    }
}

/// Progress of a training run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TrainEvent {
    BinStart {
        bin: usize,
        label: String,
        train_images: usize,
        val_images: usize,
        steps: usize,
        epochs: usize,
    },
    /// A bin with no train images when fine-tuning: it keeps the weights it started from.
    BinKept {
        bin: usize,
        label: String,
    },
    /// A bin with no train images: it will fall back to a neighbour at inference.
    BinSkipped {
        bin: usize,
        label: String,
    },
    Step {
        bin: usize,
        epoch: usize,
        step: usize,
        steps: usize,
        loss: f32,
    },
    Epoch {
        bin: usize,
        epoch: usize,
        epochs: usize,
        train_loss: f32,
        val: Option<EvalSummary>,
        best: bool,
        seconds: f64,
    },
    Cancelled,
}

/// What happened to one bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinReport {
    pub bin: usize,
    pub train_images: usize,
    pub val_images: usize,
    /// Epoch whose weights were kept (0 = none trained).
    pub best_epoch: usize,
    pub best_val: Option<EvalSummary>,
    pub final_train_loss: Option<f32>,
    pub seconds: f64,
}

/// Labelled images per bin.
pub struct TrainData {
    pub train: Vec<Vec<LabelledImage>>,
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
        let (best, report) = train_bin(
            config,
            net,
            bin,
            &data.train[bin],
            &data.val[bin],
            opts,
            events,
            cancel,
            device,
        );
        trained.push(best.is_some());
        nets.push(best);
        reports.push(report);
    }
    let mut cfg = config.clone();
    cfg.trained = trained;
    (MultiUNet::new(cfg, nets, device.clone().inner()), reports)
}

#[allow(clippy::too_many_arguments)]
fn train_bin(
    config: &ModelConfig,
    mut net: UNet,
    bin: usize,
    train: &[LabelledImage],
    val: &[LabelledImage],
    opts: &TrainOptions,
    events: &Sender<TrainEvent>,
    cancel: &AtomicBool,
    device: &Device,
) -> (Option<UNet>, BinReport) {
    let started = Instant::now();
    let size = crop_size(train, opts.crop);
    let batch = opts.batch.max(1);
    let area: usize = train.iter().map(|s| s.mask.len()).sum();
    let steps = opts
        .steps_per_epoch
        .unwrap_or_else(|| area.div_ceil(batch * size * size).max(1));
    let sampler = CropSampler::new(train, config.schema.len(), opts.balance);
    let input = batch::CropInput::new(config.input, train);
    let weights = opts.class_weights.then(|| {
        let mut rng = Rng::new(derive(opts.seed, &[bin as u64, 3]));
        loss::class_weights(&sampler.sampled_counts(train, size, 2000, &mut rng))
    });
    let _ = events.send(TrainEvent::BinStart {
        bin,
        label: config.bins.label(bin),
        train_images: train.len(),
        val_images: val.len(),
        steps,
        epochs: opts.epochs,
    });
    let mut optim = AdamConfig::new().init();
    let mut rng = Rng::new(derive(opts.seed, &[bin as u64, 2]));
    let mut report = BinReport {
        bin,
        train_images: train.len(),
        val_images: val.len(),
        best_epoch: 0,
        best_val: None,
        final_train_loss: None,
        seconds: 0.0,
    };
    let mut best: Option<UNet> = None;
    // Validation runs on the same device without autodiff, like `net.valid()`.
    let inner = device.clone().inner();
    let mut best_score = f64::NEG_INFINITY;
    for epoch in 1..=opts.epochs {
        let epoch_start = Instant::now();
        let mut loss_sum = 0.0f32;
        for step in 1..=steps {
            if cancel.load(Ordering::Relaxed) {
                let _ = events.send(TrainEvent::Cancelled);
                report.seconds = started.elapsed().as_secs_f64();
                return (best, report);
            }
            let b = draw(train, &input, &sampler, batch, size, opts.augment, &mut rng);
            let x =
                Tensor::<1>::from_floats(b.inputs.as_slice(), device).reshape([b.n, 1, size, size]);
            let l = loss::loss(
                net.forward(x),
                &b.targets,
                weights.as_deref(),
                opts.dice_weight,
            );
            let value: f32 = l.clone().into_scalar();
            loss_sum += value;
            let grads = GradientsParams::from_grads(l.backward(), &net);
            let done =
                ((epoch - 1) * steps + step - 1) as f64 / (opts.epochs * steps).max(1) as f64;
            net = optim.step(learning_rate(opts, done), net, grads);
            let _ = events.send(TrainEvent::Step {
                bin,
                epoch,
                step,
                steps,
                loss: value,
            });
        }
        let train_loss = loss_sum / steps as f32;
        let valid = net.valid();
        let val_summary =
            (!val.is_empty()).then(|| EvalSummary::from(&evaluate(config, &valid, val, &inner)));
        // Without a val split, the last epoch is kept; with one, the best mean IoU.
        let score = val_summary
            .as_ref()
            .map_or(epoch as f64, |v| v.mean_iou.unwrap_or(0.0));
        let is_best = score > best_score;
        if is_best {
            best_score = score;
            best = Some(valid);
            report.best_epoch = epoch;
            report.best_val.clone_from(&val_summary);
        }
        report.final_train_loss = Some(train_loss);
        let _ = events.send(TrainEvent::Epoch {
            bin,
            epoch,
            epochs: opts.epochs,
            train_loss,
            val: val_summary,
            best: is_best,
            seconds: epoch_start.elapsed().as_secs_f64(),
        });
        if opts
            .patience
            .is_some_and(|p| epoch >= report.best_epoch + p && report.best_epoch > 0)
        {
            break;
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    (best, report)
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
