//! What a retrain trains: the recipe (how long and how hard, two presets) and the new
//! model's configuration (the base model's, or a small per-site model from nothing).

use super::RetrainInput;
use crate::dataset::ScaleBins;
use crate::model::BackendKind;
use crate::model::config::{DROPOUT_FROM_NOTHING, InputNorm, ModelConfig, new_config};
use crate::model::train::TrainOptions;

/// How long and how hard to train. Two presets: fine-tuning a model that exists, and a small
/// model from nothing (the first labels of a new microscope or schema).
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe {
    /// Epochs per bin.
    pub epochs: usize,
    /// Optimiser steps per epoch (fixed, so the run's length does not grow with the dataset).
    pub steps_per_epoch: usize,
    /// Adam learning rate (cosine decay to lr/20).
    pub lr: f64,
    /// Crops per step.
    pub batch: usize,
    /// Side of the square training crops, px.
    pub crop: usize,
    /// U-Net base width of a model from nothing (a fine-tuned model keeps its own).
    pub width: usize,
    /// Seed of weights, crops, augmentation and dropout.
    pub seed: u64,
}

impl Recipe {
    /// Fine-tuning: a few short epochs at a low rate, so the model moves towards the new
    /// labels without forgetting what it knew. The shipped width-16 model on the demo (3 bins,
    /// 240 steps): 309 s on two CPU cores shared with other work (load 5–6).
    pub fn fine_tune() -> Self {
        Self {
            epochs: 4,
            steps_per_epoch: 20,
            lr: 2e-4,
            batch: 4,
            crop: 96,
            width: 16,
            seed: 0,
        }
    }

    /// From nothing: a width-8 U-Net at a high rate (the demo, 3 bins, 540 steps: 106 s on two
    /// shared CPU cores).
    pub fn from_nothing() -> Self {
        Self {
            epochs: 6,
            steps_per_epoch: 30,
            lr: 2e-3,
            batch: 4,
            crop: 64,
            width: 8,
            seed: 0,
        }
    }

    /// The run's options; steps on the engine on CPU backends, on burn on a GPU.
    pub(super) fn options(&self, backend: BackendKind) -> TrainOptions {
        TrainOptions {
            trainer: backend.trainer(),
            epochs: self.epochs,
            lr: self.lr,
            cosine: true,
            batch: self.batch,
            crop: Some(self.crop),
            steps_per_epoch: Some(self.steps_per_epoch),
            seed: self.seed,
            ..TrainOptions::default()
        }
    }
}

/// The new model's configuration: the base's width, dropout, kind and input normalisation,
/// or from nothing the recipe's width, [`DROPOUT_FROM_NOTHING`], one U-Net per bin and
/// per-site input.
pub(super) fn retrain_config(
    input: &RetrainInput<'_>,
    bins: ScaleBins,
    base: Option<&ModelConfig>,
) -> ModelConfig {
    new_config(
        input.schema,
        bins,
        base.map_or(input.recipe.width, |b| b.unet.width),
        base.map_or(DROPOUT_FROM_NOTHING, |b| b.unet.dropout),
        base.is_some_and(|b| b.kind == crate::model::config::ModelKind::SingleUnet),
        // From nothing: per-site input, which does not depend on the detector's gain and
        // offset and keeps the contrast between a tile's phases (docs/MODELS.md).
        base.map_or_else(InputNorm::per_site, |b| b.input),
    )
}
