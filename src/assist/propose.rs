//! A forest's proposal for every pixel of an image: class, confidence and, on request, the
//! class probabilities.
//!
//! Pixels are predicted in chunks of about [`ProposeOptions::chunk_pixels`] (whole rows of the
//! requested rectangle) over the rayon pool;
//! each chunk's pixel-major rows (`chunk × channels` f32, about 1.5 MB for 8,192 pixels of 49
//! channels) are built from the channel-major features just before they are read, so they stay
//! in cache while every tree walks them. Results do not depend on the chunk size or the number
//! of threads.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::AssistError;
use super::features::Features;
use super::forest::Forest;

/// What [`Proposal::confidence`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConfidenceKind {
    /// The top class's probability, in [`1 / n_classes`, 1].
    TopProbability,
    /// Top minus second probability, in [0, 1]: small where the forest hesitates between two.
    Margin,
}

/// How to predict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposeOptions {
    pub confidence: ConfidenceKind,
    /// Keep every pixel's class probabilities (`pixels × n_classes` f32).
    pub keep_probabilities: bool,
    /// Pixels per parallel task (8–16k keeps a chunk's rows in the L2 cache).
    pub chunk_pixels: usize,
}

impl Default for ProposeOptions {
    fn default() -> Self {
        Self {
            confidence: ConfidenceKind::Margin,
            keep_probabilities: false,
            chunk_pixels: 8192,
        }
    }
}

/// The forest's answer for one image, pixel by pixel in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub width: usize,
    pub height: usize,
    pub n_classes: usize,
    /// The most probable class id (the lowest id on a tie).
    pub classes: Vec<u8>,
    /// As [`ProposeOptions::confidence`] says.
    pub confidence: Vec<f32>,
    /// Pixel-major `pixels × n_classes` probabilities, each pixel's summing to 1, if kept.
    pub probabilities: Option<Vec<f32>>,
}

/// A rectangle of pixels: columns `x..x + width`, rows `y..y + height`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rect {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
}

/// Predicts every pixel of `features` with `forest`.
pub fn propose<F: Forest + ?Sized>(
    forest: &F,
    features: &Features,
    options: &ProposeOptions,
) -> Result<Proposal, AssistError> {
    let whole = Rect {
        x: 0,
        y: 0,
        width: features.width(),
        height: features.height(),
    };
    propose_rect(forest, features, whole, options)
}

/// Predicts the pixels of `rect` only (e.g. the viewport first on a large image); the
/// proposal is `rect.width × rect.height`, row-major, and equals that crop of [`propose`].
pub fn propose_rect<F: Forest + ?Sized>(
    forest: &F,
    features: &Features,
    rect: Rect,
    options: &ProposeOptions,
) -> Result<Proposal, AssistError> {
    propose_cancellable(forest, features, rect, options, &AtomicBool::new(false))
}

/// As [`propose_rect`], but gives up with [`AssistError::Cancelled`] once `cancel` is set
/// (checked before each chunk), so a newer stroke need not wait for a stale 2048² prediction.
pub fn propose_cancellable<F: Forest + ?Sized>(
    forest: &F,
    features: &Features,
    rect: Rect,
    options: &ProposeOptions,
    cancel: &AtomicBool,
) -> Result<Proposal, AssistError> {
    check(forest, features, rect)?;
    let (n, k) = (rect.width * rect.height, forest.n_classes());
    let band = (options.chunk_pixels / rect.width).max(1);
    let parts: Option<Vec<Chunk>> = (0..rect.height.div_ceil(band))
        .into_par_iter()
        .map_init(Vec::new, |rows, index| {
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            let first = index * band;
            let lines = band.min(rect.height - first);
            let line = rect.width * features.n_channels();
            rows.resize(lines * line, 0.0);
            for (dy, out) in rows.chunks_exact_mut(line).enumerate() {
                let start = (rect.y + first + dy) * features.width() + rect.x;
                features.write_rows(start, rect.width, out);
            }
            let mut proba = vec![0.0f32; lines * rect.width * k];
            forest.predict_proba(rows, &mut proba);
            let (classes, confidence) = decide(&proba, k, options.confidence);
            if !options.keep_probabilities {
                proba = Vec::new();
            }
            Some((classes, confidence, proba))
        })
        .collect();
    let parts = parts.ok_or(AssistError::Cancelled)?;
    let mut proposal = Proposal {
        width: rect.width,
        height: rect.height,
        n_classes: k,
        classes: Vec::with_capacity(n),
        confidence: Vec::with_capacity(n),
        probabilities: options
            .keep_probabilities
            .then(|| Vec::with_capacity(n * k)),
    };
    for (classes, confidence, proba) in parts {
        proposal.classes.extend(classes);
        proposal.confidence.extend(confidence);
        if let Some(all) = proposal.probabilities.as_mut() {
            all.extend(proba);
        }
    }
    Ok(proposal)
}

/// One chunk's classes, confidences and (if kept) probabilities.
type Chunk = (Vec<u8>, Vec<f32>, Vec<f32>);

/// The features fit the forest and `rect` is a non-empty part of the image.
fn check<F: Forest + ?Sized>(
    forest: &F,
    features: &Features,
    rect: Rect,
) -> Result<(), AssistError> {
    if features.n_channels() != forest.n_features() {
        return Err(AssistError::ModelChannels {
            model: forest.n_features(),
            features: features.n_channels(),
        });
    }
    let inside =
        rect.x + rect.width <= features.width() && rect.y + rect.height <= features.height();
    if rect.width == 0 || rect.height == 0 || !inside {
        return Err(AssistError::Rect {
            rect,
            width: features.width(),
            height: features.height(),
        });
    }
    Ok(())
}

/// Class and confidence of each probability row of `proba` (`k` per row).
fn decide(proba: &[f32], k: usize, kind: ConfidenceKind) -> (Vec<u8>, Vec<f32>) {
    proba
        .chunks_exact(k.max(1))
        .map(|p| {
            let (mut best, mut top, mut second) = (0usize, f32::NEG_INFINITY, 0.0f32);
            for (class, &v) in p.iter().enumerate() {
                if v > top {
                    second = top.max(0.0);
                    best = class;
                    top = v;
                } else if v > second {
                    second = v;
                }
            }
            let confidence = match kind {
                ConfidenceKind::TopProbability => top,
                ConfidenceKind::Margin => top - second,
            };
            (best as u8, confidence)
        })
        .unzip()
}
