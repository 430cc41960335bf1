//! Training rows from sparse labels: which labelled pixels the forest sees, and with what weight.
//!
//! Labels are one byte per pixel, a class id (0–253) or no label: the project's in-memory
//! marker [`UNLABELLED`] (254, `dataset::schema`) or 255 (`OUTSIDE`, and the raw "no label"
//! value that scribble tools write), both skipped.
//!
//! For each class, at most `per_class_cap` rows are drawn from all images together. The cap
//! is shared out by water-filling over the images that hold the class: the smallest
//! groups (typically the current image's strokes) are kept whole, and what is left is split
//! evenly among the larger ones, each sampled uniformly without replacement (Floyd's
//! algorithm, a seed derived from the settings' seed, the image index and the class), so rows
//! are the same for the same inputs.
//!
//! Each row's weight is its image's weight (the current image's strokes get more than the rest
//! of the dataset) times a class factor that gives every class the same total weight, so rare
//! classes count as much as common ones (scikit-learn's `class_weight="balanced"`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::AssistError;
use super::features::{Features, check_size};
use super::forest::{Forest, ForestSettings};
use crate::rng::{Rng, derive};

pub use crate::dataset::schema::UNLABELLED;

/// Class ids are below this (254): labels at or above it are not labels.
const LABEL_LIMIT: usize = crate::dataset::schema::MAX_CLASSES;

/// One image's features and sparse labels (`width × height` bytes, [`UNLABELLED`] or a class
/// id), and the weight of each of its rows (> 0; e.g. 4 for the image being edited, 1 for the
/// rest of the dataset).
#[derive(Debug, Clone, Copy)]
pub struct LabelledImage<'a> {
    pub features: &'a Features,
    pub labels: &'a [u8],
    pub weight: f32,
}

/// How rows are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamplingSettings {
    /// Most rows per class, over all images (at least 1). The default, 1,000, keeps a 4-class
    /// fit under 0.1 s on 2 cores (3,000 makes it about 0.25 s: `benches/assist.rs`).
    pub per_class_cap: usize,
    /// Weight classes so that each has the same total weight.
    pub balance_classes: bool,
    pub seed: u64,
}

impl Default for SamplingSettings {
    fn default() -> Self {
        Self {
            per_class_cap: 1000,
            balance_classes: true,
            seed: 7,
        }
    }
}

/// Training rows: `labels.len()` rows of `n_features` f32, pixel-major, with a class id and a
/// weight each.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingSet {
    pub rows: Vec<f32>,
    pub labels: Vec<u8>,
    pub weights: Vec<f32>,
    pub n_features: usize,
    /// Class slots of the model: the largest class id seen, plus one.
    pub n_classes: usize,
}

impl TrainingSet {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The set is usable for training: rows, shapes and weights agree.
    pub(crate) fn check(&self) -> Result<(), AssistError> {
        if self.labels.is_empty() {
            return Err(AssistError::NoLabels);
        }
        let n = self.labels.len();
        if self.rows.len() != n * self.n_features || self.weights.len() != n {
            return Err(AssistError::RowShape {
                rows: n,
                values: self.rows.len(),
                weights: self.weights.len(),
                n_features: self.n_features,
            });
        }
        if let Some(&label) = self
            .labels
            .iter()
            .find(|&&l| usize::from(l) >= self.n_classes)
        {
            return Err(AssistError::LabelRange {
                label,
                n_classes: self.n_classes,
            });
        }
        Ok(())
    }
}

/// Draws the training rows from `images`; see the module documentation.
pub fn training_set(
    images: &[LabelledImage<'_>],
    settings: &SamplingSettings,
) -> Result<TrainingSet, AssistError> {
    let n_features = check_images(images)?;
    let counts: Vec<[usize; LABEL_LIMIT]> =
        images.iter().map(|im| class_counts(im.labels)).collect();
    let n_classes = counts
        .iter()
        .filter_map(|c| c.iter().rposition(|&n| n > 0))
        .max()
        .map_or(0, |c| c + 1);
    if n_classes == 0 {
        return Err(AssistError::NoLabels);
    }
    let quotas = quotas(&counts, n_classes, settings.per_class_cap.max(1));
    let mut set = TrainingSet {
        rows: Vec::new(),
        labels: Vec::new(),
        weights: Vec::new(),
        n_features,
        n_classes,
    };
    for (index, image) in images.iter().enumerate() {
        let picks = picks(&counts[index], &quotas[index], settings.seed, index);
        collect_rows(image, &picks, &mut set);
    }
    if settings.balance_classes {
        set.balance_classes();
    }
    Ok(set)
}

/// Draws the rows and trains a forest of type `F` on them.
pub fn fit<F: Forest>(
    images: &[LabelledImage<'_>],
    sampling: &SamplingSettings,
    forest: &ForestSettings,
) -> Result<F, AssistError> {
    F::fit(&training_set(images, sampling)?, forest)
}

/// The shared channel count; every image's labels match its size and its weight is positive.
fn check_images(images: &[LabelledImage<'_>]) -> Result<usize, AssistError> {
    let Some(first) = images.first() else {
        return Err(AssistError::NoLabels);
    };
    let n_features = first.features.n_channels();
    for (index, image) in images.iter().enumerate() {
        let f = image.features;
        check_size("labels", image.labels.len(), f.width(), f.height())?;
        if f.n_channels() != n_features {
            return Err(AssistError::ChannelMismatch {
                index,
                channels: f.n_channels(),
                expected: n_features,
            });
        }
        if !(image.weight.is_finite() && image.weight > 0.0) {
            return Err(AssistError::BadWeight {
                index,
                weight: image.weight,
            });
        }
    }
    Ok(n_features)
}

/// Labelled pixels per class id (0–253).
fn class_counts(labels: &[u8]) -> [usize; LABEL_LIMIT] {
    let mut counts = [0usize; LABEL_LIMIT];
    for &l in labels {
        if usize::from(l) < LABEL_LIMIT {
            counts[l as usize] += 1;
        }
    }
    counts
}

/// Rows to draw per image and class: per class, the cap water-filled over the images.
fn quotas(counts: &[[usize; LABEL_LIMIT]], n_classes: usize, cap: usize) -> Vec<Vec<usize>> {
    let mut quotas = vec![vec![0usize; n_classes]; counts.len()];
    for class in 0..n_classes {
        let mut groups: Vec<(usize, usize)> = counts
            .iter()
            .enumerate()
            .map(|(i, c)| (c[class], i))
            .filter(|&(n, _)| n > 0)
            .collect();
        groups.sort_unstable();
        let mut left = cap;
        for (rank, &(n, image)) in groups.iter().enumerate() {
            let share = left / (groups.len() - rank);
            let take = n.min(share);
            quotas[image][class] = take;
            left -= take;
        }
    }
    quotas
}

/// For one image, per class, the sorted ranks (among that class's pixels in scan order) to keep.
fn picks(
    counts: &[usize; LABEL_LIMIT],
    quotas: &[usize],
    seed: u64,
    image: usize,
) -> Vec<Vec<usize>> {
    quotas
        .iter()
        .enumerate()
        .map(|(class, &k)| {
            let n = counts[class];
            if k >= n {
                return (0..n).collect();
            }
            let mut rng = Rng::new(derive(seed, &[image as u64, class as u64]));
            let mut chosen = BTreeSet::new();
            for j in n - k..n {
                let t = rng.below(j + 1);
                if !chosen.insert(t) {
                    chosen.insert(j);
                }
            }
            chosen.into_iter().collect()
        })
        .collect()
}

/// Appends the picked pixels of `image` to `set`, in scan order.
fn collect_rows(image: &LabelledImage<'_>, picks: &[Vec<usize>], set: &mut TrainingSet) {
    let mut seen = vec![0usize; picks.len()];
    let mut next = vec![0usize; picks.len()];
    for (pixel, &label) in image.labels.iter().enumerate() {
        let class = label as usize;
        if class >= picks.len() {
            continue;
        }
        if picks[class].get(next[class]) == Some(&seen[class]) {
            image.features.push_row(pixel, &mut set.rows);
            set.labels.push(label);
            set.weights.push(image.weight);
            next[class] += 1;
        }
        seen[class] += 1;
    }
}
