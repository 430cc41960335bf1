//! The before/after scores of a retrain: both models on the same labelled images, and the
//! lines of the table a front end shows.

use super::{RetrainInput, Retrained, ScoredOn};
use crate::dataset::ClassSchema;
use crate::dataset::load::LabelledImage;
use crate::jobs::train::PreparedData;
use crate::metrics::Confusion;
use crate::model::card::MetricsCard;
use crate::model::multi::MultiUNet;
use crate::progress::Progress;

/// Copies of the images the scores are on (the training run consumes its data).
///
/// Held out: the val and test images of every bin; otherwise the training images.
pub(super) fn scored_images(p: &PreparedData, on: ScoredOn) -> Vec<LabelledImage> {
    match on {
        ScoredOn::HeldOut => p
            .data
            .val
            .iter()
            .chain(&p.test)
            .flatten()
            .cloned()
            .collect(),
        ScoredOn::Training => p.data.train.iter().flatten().cloned().collect(),
    }
}

/// Scores of the old model (when there is one) and the new on the same images, as one
/// `score` progress stage: `(before, after)`.
pub(super) fn score_both(
    input: &RetrainInput<'_>,
    old: Option<&MultiUNet>,
    new: &MultiUNet,
    scored: &[LabelledImage],
) -> (Option<MetricsCard>, MetricsCard) {
    input.progress.begin(
        "score",
        scored.len() as u64 * (1 + u64::from(old.is_some())),
    );
    let after = score(new, scored, input.schema, input.progress);
    let before = old.map(|m| score(m, scored, input.schema, input.progress));
    (before, after)
}

/// Pixel accuracy, mIoU and per-class IoU of `model` on `images`' labelled pixels.
///
/// Each image is routed by its pixel size and predicted without MC passes; unlabelled mask
/// pixels are not scored (the card's `labelled_share` says how many were).
pub(super) fn score(
    model: &MultiUNet,
    images: &[LabelledImage],
    schema: &ClassSchema,
    progress: &dyn Progress,
) -> MetricsCard {
    let mut m = Confusion::new(schema.len());
    for img in images {
        let p = model.predict(img, img.pixel_size, 0);
        m.add_masks(&img.mask, &p.classes);
        progress.advance(1);
    }
    let all = images.iter().map(|i| i.mask.len() as u64).sum();
    MetricsCard::from_confusion(&m, images.len(), schema).over(all)
}

/// One line of the before/after table: a name and the two scores (`None`: undefined, e.g. a
/// class absent from both truth and proposal, or no model before).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// `pixel acc.`, `mIoU`, or a class's short name (its IoU).
    pub name: String,
    /// The old model's score, 0–1.
    pub before: Option<f64>,
    /// The new model's score on the same images, 0–1.
    pub after: Option<f64>,
}

impl Retrained {
    /// Pixel accuracy, mIoU, then the IoU of each class present in the scored labels.
    pub fn changes(&self) -> Vec<Change> {
        let before = self.before.as_ref();
        let mut out = vec![
            Change {
                name: "pixel acc.".into(),
                before: before.and_then(|b| b.pixel_accuracy),
                after: self.after.pixel_accuracy,
            },
            Change {
                name: "mIoU".into(),
                before: before.and_then(|b| b.mean_iou),
                after: self.after.mean_iou,
            },
        ];
        for (k, c) in self.after.per_class.iter().enumerate() {
            if c.support == 0 {
                continue;
            }
            out.push(Change {
                name: c.short.clone(),
                before: before.and_then(|b| b.per_class.get(k)).and_then(|m| m.iou),
                after: c.iou,
            });
        }
        out
    }

    /// Where the scores come from, in words.
    pub fn scored_on_text(&self) -> String {
        let n = self.after.images;
        let images = if n == 1 { "image" } else { "images" };
        match self.scored_on {
            ScoredOn::HeldOut => format!("{n} held-out {images} (val and test splits)"),
            ScoredOn::Training => format!(
                "the {n} training {images} (none held out: label more sites to get a fair score)"
            ),
        }
    }
}
