//! The model card: what a model was trained on (with a fingerprint of the data), how, for how
//! long, and how it scores on the test split per class and per scale bin. Written as
//! `model_card.json` and as readable `MODEL_CARD.md`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::config::{CARD_JSON, CARD_MD, ModelConfig};
use super::train::{BinReport, TrainOptions};
use crate::dataset::ClassSchema;
use crate::metrics::Confusion;

mod markdown;

/// Scores of a confusion matrix, per class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsCard {
    /// Images scored.
    pub images: usize,
    /// Labelled pixels scored: unlabelled pixels of partial masks are not.
    pub pixels: u64,
    /// `pixels` over all pixels of the scored images (1 with complete masks).
    #[serde(default)]
    pub labelled_share: Option<f64>,
    /// Correct pixels over `pixels`; `None` when nothing was scored.
    pub pixel_accuracy: Option<f64>,
    /// Mean of the defined per-class IoUs (classes in neither truth nor prediction skipped).
    pub mean_iou: Option<f64>,
    /// One entry per schema class, in id order.
    pub per_class: Vec<ClassMetric>,
}

/// One class's scores; `None` where undefined (the class is absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetric {
    /// Class id (mask value and output channel).
    pub id: u8,
    /// Short class name from the schema.
    pub short: String,
    /// Intersection over union over the scored pixels.
    pub iou: Option<f64>,
    /// Correct over predicted pixels of the class; `None` when none is predicted.
    pub precision: Option<f64>,
    /// Correct over true pixels of the class; `None` when it is not in the truth.
    pub recall: Option<f64>,
    /// True pixels of the class among the scored ones.
    pub support: u64,
}

impl MetricsCard {
    /// With the share of `total` pixels (all pixels of the scored images) that were labelled.
    #[must_use]
    pub fn over(mut self, total: u64) -> Self {
        self.labelled_share = (total > 0).then(|| self.pixels as f64 / total as f64);
        self
    }

    /// Scores of `m` over `images` images.
    pub fn from_confusion(m: &Confusion, images: usize, schema: &ClassSchema) -> Self {
        Self {
            images,
            pixels: m.total(),
            labelled_share: None,
            pixel_accuracy: m.pixel_accuracy(),
            mean_iou: m.mean_iou(),
            per_class: schema
                .classes
                .iter()
                .map(|c| {
                    let i = usize::from(c.id);
                    ClassMetric {
                        id: c.id,
                        short: c.short.clone(),
                        iou: m.iou(i),
                        precision: m.precision(i),
                        recall: m.recall(i),
                        support: m.support(i),
                    }
                })
                .collect(),
        }
    }
}

/// Labelled images per split.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SplitCounts {
    /// Labelled images in the train, val and test splits (all scale bins, or one bin's).
    pub train: usize,
    pub val: usize,
    pub test: usize,
}

/// One scale bin of the card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinCard {
    /// Scale-bin index, 0 for the smallest pixel sizes.
    pub bin: usize,
    /// The bin's pixel sizes in words, e.g. `0.25–1.8 µm/px`.
    pub range: String,
    /// Labelled images of this bin per split.
    pub images: SplitCounts,
    /// Whether this bin has a U-Net of its own.
    pub trained: bool,
    /// The bin whose U-Net serves this one when it has none.
    pub served_by: usize,
    /// Epochs, best validation scores and time, when the bin was trained in this run.
    pub training: Option<BinReport>,
    /// Scores on this bin's test images (with the U-Net that serves it); `None` without any.
    pub test: Option<MetricsCard>,
}

/// `model_card.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    /// Version of semcurate that trained the model.
    pub semcurate_version: String,
    /// When training finished, seconds since the Unix epoch.
    pub created_unix: i64,
    /// The command line that trained the model.
    pub command: String,
    /// The burn backend that trained it: `flex`, `ndarray` or `cuda`.
    pub backend: String,
    /// The dataset root trained on, as given.
    pub dataset: String,
    /// SHA-256 over the sorted (path, fingerprint) of every image and mask used, 16 hex digits.
    pub data_fingerprint: String,
    /// Labelled images per split, all bins together.
    pub images: SplitCounts,
    /// Labelled pixels per split (partial masks count their labelled pixels only).
    #[serde(default)]
    pub labelled_pixels: SplitPixels,
    /// Epochs, crop, batch, learning rate and the other training settings used.
    pub options: TrainOptions,
    /// The model folder whose weights training started from (`--init`); `None` for fresh weights.
    pub init: Option<String>,
    /// Wall-clock training time, all bins, in seconds.
    pub training_seconds: f64,
    /// One entry per scale bin of the model, trained or not.
    pub bins: Vec<BinCard>,
    /// Scores on every test image, each routed to its bin's U-Net; `None` without test images.
    pub test: Option<MetricsCard>,
    /// Mean inference time per test image on the training backend, in ms.
    pub ms_per_image: Option<f64>,
    /// Which labels it learnt from: an export, corrections made in the workspace.
    #[serde(default)]
    pub labels: LabelsSeen,
}

/// Pixels per split.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitPixels {
    /// Labelled pixels in the train, val and test splits.
    pub train: u64,
    pub val: u64,
    pub test: u64,
}

/// The labels a model learnt from, beyond the files: the export it was trained on and the
/// corrections and acceptances made in the workspace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LabelsSeen {
    /// The dataset is a `semcurate export`: which one.
    pub export: Option<ExportSeen>,
    /// Images whose label was corrected by hand in the workspace.
    pub corrected_images: usize,
    /// Images a person accepted.
    pub accepted_images: usize,
    /// SHA-256 over the corrected and accepted labels used, 16 hex digits.
    pub corrections_fingerprint: Option<String>,
    /// Trained on corrected and accepted images only (`--corrected-only`).
    pub corrected_only: bool,
}

/// The export a model was trained on, from its manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportSeen {
    /// The export's fingerprint (its manifest's), which names the exact training files.
    pub fingerprint: String,
    /// The dataset the export was made from (canonical root, from the manifest).
    pub source_dataset: String,
    /// Files (images or tiles) in the export.
    pub files: usize,
    /// Of them, with corrected masks, and accepted.
    pub corrected: usize,
    /// Of them, files whose image a reviewer accepted (review status `accepted`).
    pub accepted: usize,
}

impl ModelCard {
    /// Writes both card files into `dir`.
    pub fn save(&self, dir: &Path, config: &ModelConfig) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        crate::fsutil::write_durable(&dir.join(CARD_JSON), json.as_bytes())?;
        crate::fsutil::write_durable(&dir.join(CARD_MD), self.markdown(config).as_bytes())
    }
}
