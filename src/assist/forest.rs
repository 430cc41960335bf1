//! The assist's random forest, behind the small [`Forest`] trait so that an in-tree forest can
//! replace the crate without touching training or proposals.
//!
//! [`RaforForest`] wraps `rafor` 0.4 (a true random forest: bootstrap, √n features per split,
//! Gini, per-sample weights, leaf class distributions averaged as scikit-learn does, serde).
//! It trains one sub-forest per worker, each single-threaded with a seed derived from the
//! settings' seed and its index, as ilastik's `ParallelVigraRfLazyflowClassifier` does; the
//! sub-forests are kept in index order, so a fixed seed gives the same model, bit for bit,
//! whatever the scheduling (rafor's own threaded training collects trees in finishing order).
//!
//! Class ids are the dataset's (`0..n_classes`); classes absent from the training rows get
//! probability 0 everywhere.

use rafor::MaxFeaturesPolicy;
use rafor::prelude::*;
use rafor::rf::Classifier;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::AssistError;
use super::train::TrainingSet;

/// A trained pixel classifier: class probabilities for pixel-major feature rows.
pub trait Forest: Send + Sync {
    /// Features per row the forest was trained on.
    fn n_features(&self) -> usize;

    /// Class slots in each probability row: class ids `0..n_classes`.
    fn n_classes(&self) -> usize;

    /// Class probabilities of `rows` (`n × n_features`, pixel-major) written to `out`
    /// (`n × n_classes`); each row of `out` sums to 1. Single-threaded: callers parallelise
    /// over chunks of pixels.
    fn predict_proba(&self, rows: &[f32], out: &mut [f32]);

    /// Trains a forest on `set` with `settings`.
    fn fit(set: &TrainingSet, settings: &ForestSettings) -> Result<Self, AssistError>
    where
        Self: Sized;
}

/// How many features each split looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SplitFeatures {
    /// √(features), rounded down (vigra, scikit-learn and ilastik's default).
    Sqrt,
    /// A fixed number (Weka's Trainable Segmentation uses 2).
    Count(usize),
}

/// Forest size and growth limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForestSettings {
    /// Trees per sub-forest.
    pub trees_per_part: usize,
    /// Sub-forests, trained in parallel (one per core).
    pub parts: usize,
    /// Deepest split level; `None` grows every tree to purity.
    pub max_depth: Option<usize>,
    pub split_features: SplitFeatures,
    /// Smallest number of rows in a leaf.
    pub min_samples_leaf: usize,
    pub seed: u64,
}

impl ForestSettings {
    /// For live proposals: 2 × 16 trees, depth ≤ 20, √n features per split.
    pub fn interactive() -> Self {
        Self {
            trees_per_part: 16,
            parts: 2,
            max_depth: Some(20),
            split_features: SplitFeatures::Sqrt,
            min_samples_leaf: 1,
            seed: 42,
        }
    }

    /// ilastik's and scikit-learn's defaults: 100 trees (2 × 50), grown to purity.
    pub fn parity() -> Self {
        Self {
            trees_per_part: 50,
            max_depth: None,
            ..Self::interactive()
        }
    }

    /// Total number of trees.
    pub fn trees(&self) -> usize {
        self.trees_per_part * self.parts
    }
}

impl Default for ForestSettings {
    fn default() -> Self {
        Self::interactive()
    }
}

/// A forest of `rafor` sub-forests; see the module documentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RaforForest {
    n_features: usize,
    n_classes: usize,
    /// The class id of each of rafor's encoded classes (rafor keeps only classes it saw).
    class_ids: Vec<u8>,
    parts: Vec<Classifier>,
}

impl RaforForest {
    /// Compact bytes of the model (JSON), for the workspace.
    pub fn to_bytes(&self) -> Result<Vec<u8>, AssistError> {
        serde_json::to_vec(self).map_err(|e| AssistError::Encode(e.to_string()))
    }

    /// The model [`Self::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AssistError> {
        serde_json::from_slice(bytes).map_err(|e| AssistError::Decode(e.to_string()))
    }

    /// The dataset class ids the forest was trained on, ascending.
    pub fn trained_classes(&self) -> &[u8] {
        &self.class_ids
    }
}

impl Forest for RaforForest {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn n_classes(&self) -> usize {
        self.n_classes
    }

    fn predict_proba(&self, rows: &[f32], out: &mut [f32]) {
        let n = rows.len() / self.n_features.max(1);
        let k = self.class_ids.len();
        out[..n * self.n_classes].fill(0.0);
        let share = 1.0 / self.parts.len() as f32;
        for part in &self.parts {
            let proba = part.proba(rows, 1);
            for (o, p) in out
                .chunks_exact_mut(self.n_classes)
                .zip(proba.chunks_exact(k))
            {
                for (&id, &v) in self.class_ids.iter().zip(p) {
                    o[id as usize] += share * v;
                }
            }
        }
    }

    fn fit(set: &TrainingSet, settings: &ForestSettings) -> Result<Self, AssistError> {
        set.check()?;
        if settings.parts == 0 || settings.trees_per_part == 0 {
            return Err(AssistError::EmptyForest {
                parts: settings.parts,
                trees_per_part: settings.trees_per_part,
            });
        }
        let labels: Vec<i64> = set.labels.iter().map(|&l| i64::from(l)).collect();
        let mut class_ids = set.labels.clone();
        class_ids.sort_unstable();
        class_ids.dedup();
        let parts = (0..settings.parts)
            .into_par_iter()
            .map(|i| train_part(set, &labels, settings, i))
            .collect();
        Ok(Self {
            n_features: set.n_features,
            n_classes: set.n_classes,
            class_ids,
            parts,
        })
    }
}

fn train_part(set: &TrainingSet, labels: &[i64], s: &ForestSettings, index: usize) -> Classifier {
    let max_features = match s.split_features {
        SplitFeatures::Sqrt => MaxFeaturesPolicy::SQRT,
        SplitFeatures::Count(n) => MaxFeaturesPolicy::NUMBER(n.max(1)),
    };
    Classifier::trainer()
        .with_trees(s.trees_per_part)
        .with_threads(1)
        .with_seed(crate::rng::derive(s.seed, &[index as u64]))
        .with_max_depth(s.max_depth.unwrap_or(usize::MAX))
        .with_max_features(max_features)
        .with_min_samples_leaf(s.min_samples_leaf.max(1))
        .with_weights(&set.weights)
        .train(&set.rows, labels)
}
