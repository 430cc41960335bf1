//! One bin's training run: its crop sampler and class weights ([`BinRun`]), the network
//! stepped on burn's autodiff or on the engine ([`Stepper`]), validation after every epoch and
//! the best epoch kept ([`Best`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Instant;

use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;

use super::batch::{self, Batch, crop_size, draw};
use super::engine::EngineTrainer;
use super::eval::{EvalSummary, evaluate};
use super::loss;
use super::sampler::CropSampler;
use super::{BinReport, TrainEvent, TrainOptions, Trainer, learning_rate};
use crate::dataset::load::LabelledImage;
use crate::model::config::ModelConfig;
use crate::model::unet::UNet;
use crate::rng::{Rng, derive};

/// What every step of one bin's run shares.
pub(super) struct BinRun<'a> {
    /// The model's config: schema (class count), bins (for labels) and input normalisation.
    config: &'a ModelConfig,
    /// The scale bin being trained, 0 for the smallest pixel sizes.
    bin: usize,
    /// The bin's train-split images with their masks (class ids, row-major, 254 unlabelled).
    train: &'a [LabelledImage],
    opts: &'a TrainOptions,
    /// Crop side in px.
    size: usize,
    /// Crops per step (at least 1).
    batch: usize,
    /// Steps per epoch: the option, else enough crops to cover the train images' area once.
    steps: usize,
    /// Where crops are centred: uniformly, or near a pixel of a class drawn uniformly (`balance`).
    sampler: CropSampler,
    /// How a crop's grey levels become network input: the model's `InputNorm`, with each
    /// image's percentile levels taken once from the whole image (or its site).
    input: batch::CropInput,
    /// Per-class cross-entropy weights, when asked for.
    weights: Option<Vec<f32>>,
    /// Where progress goes; a closed receiver is ignored (sends are not checked).
    events: &'a Sender<TrainEvent>,
    /// Checked before every step; set, the epoch ends with `None`.
    cancel: &'a AtomicBool,
}

impl<'a> BinRun<'a> {
    pub(super) fn new(
        config: &'a ModelConfig,
        bin: usize,
        train: &'a [LabelledImage],
        opts: &'a TrainOptions,
        events: &'a Sender<TrainEvent>,
        cancel: &'a AtomicBool,
    ) -> Self {
        let size = crop_size(train, opts.crop);
        let batch = opts.batch.max(1);
        let area: usize = train.iter().map(|s| s.mask.len()).sum();
        let steps = opts
            .steps_per_epoch
            .unwrap_or_else(|| area.div_ceil(batch * size * size).max(1));
        let sampler = CropSampler::new(train, config.schema.len(), opts.balance);
        let weights = opts.class_weights.then(|| {
            let mut rng = Rng::new(derive(opts.seed, &[bin as u64, 3]));
            loss::class_weights(&sampler.sampled_counts(train, size, 2000, &mut rng))
        });
        Self {
            config,
            bin,
            train,
            opts,
            size,
            batch,
            steps,
            input: batch::CropInput::new(config.input, train),
            sampler,
            weights,
            events,
            cancel,
        }
    }

    /// One epoch of steps; the mean loss, or `None` when cancelled.
    fn epoch(&self, epoch: usize, net: &mut Stepper, rng: &mut Rng) -> Option<f32> {
        let mut loss_sum = 0.0f32;
        for step in 1..=self.steps {
            if self.cancel.load(Ordering::Relaxed) {
                return None;
            }
            let b = draw(
                self.train,
                &self.input,
                &self.sampler,
                self.batch,
                self.size,
                self.opts.augment,
                rng,
            );
            let all = (self.opts.epochs * self.steps).max(1);
            let done = ((epoch - 1) * self.steps + step - 1) as f64 / all as f64;
            let lr = learning_rate(self.opts, done);
            let value = net.step(&b, self.weights.as_deref(), self.opts.dice_weight, lr);
            loss_sum += value;
            let _ = self.events.send(TrainEvent::Step {
                bin: self.bin,
                epoch,
                step,
                steps: self.steps,
                loss: value,
            });
        }
        Some(loss_sum / self.steps as f32)
    }
}

/// The network being trained, on burn's autodiff or on the engine. One per bin, built once:
/// the variants' size difference costs nothing.
#[allow(clippy::large_enum_variant)]
enum Stepper {
    /// burn's autodiff network and its Adam state, on the run's device.
    Burn {
        /// Always `Some` between steps (Adam's step consumes and returns the module).
        net: Option<UNet>,
        optim: burn::optim::ModuleOptimizer,
        device: Device,
    },
    /// semcurate's CPU engine with its own Adam state; `to_unet` copies the weights back.
    Engine {
        trainer: Box<EngineTrainer>,
        /// Seeds of the dropout masks, one draw per step.
        masks: Rng,
    },
}

impl Stepper {
    fn new(net: UNet, opts: &TrainOptions, bin: usize, device: &Device) -> Self {
        match opts.trainer {
            Trainer::Burn => Self::Burn {
                net: Some(net),
                optim: AdamConfig::new().init(),
                device: device.clone(),
            },
            Trainer::Engine => Self::Engine {
                trainer: Box::new(EngineTrainer::new(&net)),
                masks: Rng::new(derive(opts.seed, &[bin as u64, 4])),
            },
        }
    }

    /// One Adam step on `b`; the batch's loss before it.
    fn step(&mut self, b: &Batch, weights: Option<&[f32]>, dice: f64, lr: f64) -> f32 {
        match self {
            Self::Burn { net, optim, device } => {
                let Some(n) = net.take() else {
                    return f32::NAN;
                };
                let x = Tensor::<1>::from_floats(b.inputs.as_slice(), device)
                    .reshape([b.n, 1, b.size, b.size]);
                let l = loss::loss(n.forward(x), &b.targets, weights, dice);
                let value: f32 = l.clone().into_scalar();
                let grads = GradientsParams::from_grads(l.backward(), &n);
                *net = Some(optim.step(lr, n, grads));
                value
            }
            Self::Engine { trainer, masks } => trainer.step(b, weights, dice, lr, masks.next_u64()),
        }
    }

    /// The network without autodiff, on `inner`.
    fn valid(&self, inner: &Device) -> Option<UNet> {
        match self {
            Self::Burn { net, .. } => net.as_ref().map(|n| n.clone().valid()),
            Self::Engine { trainer, .. } => Some(trainer.to_unet(inner)),
        }
    }
}

/// Trains one bin from `net`: up to `epochs` epochs (fewer on cancel or with `patience`),
/// validating after each. Returns the best epoch's network (`None` when no epoch finished)
/// and the bin's report.
pub(super) fn train_bin(
    run: &BinRun<'_>,
    net: UNet,
    val: &[LabelledImage],
    device: &Device,
) -> (Option<UNet>, BinReport) {
    let (opts, bin) = (run.opts, run.bin);
    let started = Instant::now();
    let _ = run.events.send(TrainEvent::BinStart {
        bin,
        label: run.config.bins.label(bin),
        train_images: run.train.len(),
        val_images: val.len(),
        steps: run.steps,
        epochs: opts.epochs,
    });
    let mut net = Stepper::new(net, opts, bin, device);
    let mut rng = Rng::new(derive(opts.seed, &[bin as u64, 2]));
    let mut report = BinReport {
        bin,
        train_images: run.train.len(),
        val_images: val.len(),
        best_epoch: 0,
        best_val: None,
        final_train_loss: None,
        seconds: 0.0,
    };
    let mut best = Best {
        net: None,
        score: f64::NEG_INFINITY,
    };
    // Validation runs on the same device without autodiff, like `net.valid()`.
    let inner = device.clone().inner();
    for epoch in 1..=opts.epochs {
        let epoch_start = Instant::now();
        let Some(train_loss) = run.epoch(epoch, &mut net, &mut rng) else {
            let _ = run.events.send(TrainEvent::Cancelled);
            break;
        };
        let Some(valid) = net.valid(&inner) else {
            break;
        };
        let val_summary = (!val.is_empty())
            .then(|| EvalSummary::from(&evaluate(run.config, &valid, val, &inner)));
        let is_best = best.offer(epoch, valid, val_summary.as_ref(), &mut report);
        report.final_train_loss = Some(train_loss);
        let _ = run.events.send(TrainEvent::Epoch {
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
    (best.net, report)
}

/// The best epoch so far.
struct Best {
    net: Option<UNet>,
    score: f64,
}

impl Best {
    /// Keeps `net` when it beats the best: by validation mean IoU, or, without a val split,
    /// the latest epoch. Records it in `report`; true when kept.
    fn offer(
        &mut self,
        epoch: usize,
        net: UNet,
        val: Option<&EvalSummary>,
        report: &mut BinReport,
    ) -> bool {
        let score = val.map_or(epoch as f64, |v| v.mean_iou.unwrap_or(0.0));
        if score <= self.score {
            return false;
        }
        self.score = score;
        self.net = Some(net);
        report.best_epoch = epoch;
        report.best_val = val.cloned();
        true
    }
}
