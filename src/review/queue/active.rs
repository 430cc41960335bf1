//! Active-learning strategies: which unlabelled tiles a person should label first.
//!
//! - `margin`: 1 − mean top-two margin of the proposal.
//! - `entropy`: mean normalised entropy of the class distribution per pixel (falls back to
//!   `margin` for predictions stored before entropy was).
//! - `mc-disagreement`: mean Monte-Carlo dropout disagreement (`predict --mc-dropout K`).
//! - `rare-boost`: expected share of the tile in rare classes, each weighted by how rare it is
//!   in the labelled pixels (1 / share, at most 100). A class's expected area is the mean of
//!   two estimates: the model's (its summed probability, so a class the model never ranks
//!   first still counts) and the grey levels' (the tile's grey histogram read against how often
//!   each grey level belongs to the class in the labelled images), which does not depend on
//!   the model at all: a tile full of metal-bright or silica-dark pixels scores even when the
//!   model predicts neither. Rare: at-risk classes and classes under 2 % of labelled pixels,
//!   Void aside.
//! - `diverse`: entropy × (1 + rare-boost scaled to 0–1), picked greedily so that no two
//!   picked tiles of one raw image touch or overlap, at most ⌈budget / regions⌉ come from one
//!   region (a raw image, else a site group) until every region had its turn, and each further
//!   pick from the same sample and scale bin counts 0.7× as much.

use std::collections::BTreeMap;

mod diverse;

pub use diverse::diverse;

use super::{QueueInput, QueueItem, Strategy, UnlabelledInput, sort, unlabelled_item};
use crate::dataset::prediction::GREY_BINS;
use crate::dataset::schema::ClassSchema;

/// Where a tile lies in the raw image it was cut from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileRegion {
    /// Path of the raw file the tile was cut from, as recorded at import.
    pub source: String,
    /// Left edge, top edge, width and height of the tile in the raw image's pixels (after the
    /// data bar was cropped).
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

impl TileRegion {
    /// Whether two tiles of one raw image overlap or touch.
    pub fn touches(&self, o: &Self) -> bool {
        self.source == o.source
            && self.x <= o.x + o.w
            && o.x <= self.x + self.w
            && self.y <= o.y + o.h
            && o.y <= self.y + self.h
    }
}

fn pixels(u: &UnlabelledInput<'_>) -> f64 {
    u.per_class.iter().map(|c| c.pixels).sum::<u64>().max(1) as f64
}

/// Mean normalised entropy of the tile, when stored.
fn entropy_of(u: &UnlabelledInput<'_>) -> Option<f64> {
    if u.per_class.iter().all(|c| c.mean_entropy.is_none()) {
        return None;
    }
    let s: f64 = u
        .per_class
        .iter()
        .map(|c| f64::from(c.mean_entropy.unwrap_or(0.0)) * c.pixels as f64)
        .sum();
    Some(s / pixels(u))
}

/// The classes rare-boost looks for, with their weights.
fn rare_weights(input: &QueueInput<'_>) -> Vec<(usize, f64)> {
    let n = input.class_names.len();
    (0..n)
        .filter(|&c| !input.class_names[c].eq_ignore_ascii_case("void"))
        .filter_map(|c| {
            let share = input.class_share.get(c).copied().unwrap_or(0.0);
            let at_risk = input.at_risk.contains(&(c as u8));
            (at_risk || share < 0.02).then(|| (c, (1.0 / share.max(0.01)).min(100.0)))
        })
        .collect()
}

/// Each class's share of the labelled pixels, from per-image pixel counts by class id (the
/// prior that rare-boost and the expected-pixel scores use). With nothing labelled yet, the
/// schema's rare flags stand in for measured shares: 0.5 % for a rare class, 20 % for others.
pub fn class_share<'a>(counts: impl Iterator<Item = &'a [u64]>, schema: &ClassSchema) -> Vec<f64> {
    let mut pixels = vec![0u64; schema.len()];
    for image in counts {
        for (p, n) in pixels.iter_mut().zip(image) {
            *p += n;
        }
    }
    let total = pixels.iter().sum::<u64>();
    if total == 0 {
        return schema
            .classes
            .iter()
            .map(|c| if c.rare { 0.005 } else { 0.2 })
            .collect();
    }
    pixels.iter().map(|&n| n as f64 / total as f64).collect()
}

/// P(class | grey bin) from per-image histograms of each true class's grey levels
/// (`[class][bin]`, [`GREY_BINS`] bins): how often a pixel of that grey belongs to each class in
/// the labelled images. Empty when no labelled pixel was read with its grey level.
pub fn class_given_grey<'a>(
    hists: impl Iterator<Item = &'a [Vec<u32>]>,
    classes: usize,
) -> Vec<Vec<f64>> {
    let mut n = vec![vec![0f64; GREY_BINS]; classes];
    let mut any = false;
    for image in hists {
        for (c, h) in image.iter().enumerate().take(classes) {
            for (b, &k) in h.iter().enumerate().take(GREY_BINS) {
                n[c][b] += f64::from(k);
                any |= k > 0;
            }
        }
    }
    if !any {
        return Vec::new();
    }
    for b in 0..GREY_BINS {
        let total: f64 = n.iter().map(|row| row[b]).sum();
        for row in &mut n {
            row[b] = if total > 0.0 { row[b] / total } else { 0.0 };
        }
    }
    n
}

/// Expected pixels of each class from the tile's grey histogram alone, when the prediction
/// stored one and the labelled grey ranges are known.
fn grey_expected(u: &UnlabelledInput<'_>, grey_class: &[Vec<f64>]) -> Option<Vec<f64>> {
    if grey_class.is_empty() || u.per_class.iter().all(|c| c.grey_hist.is_none()) {
        return None;
    }
    let mut hist = [0f64; GREY_BINS];
    for h in u.per_class.iter().filter_map(|c| c.grey_hist.as_ref()) {
        for (t, &k) in hist.iter_mut().zip(h) {
            *t += f64::from(k);
        }
    }
    Some(
        grey_class
            .iter()
            .map(|p| hist.iter().zip(p).map(|(k, p)| k * p).sum())
            .collect(),
    )
}

/// One rare class's expected pixels in a tile: the model's estimate and the grey levels'.
struct RarePart {
    class: usize,
    model: f64,
    grey: Option<f64>,
    /// Its share of the score.
    weighted: f64,
}

/// Expected rare-class share of a tile, weighted, with the classes that make it up (those
/// that weigh most first).
fn rare_score(
    u: &UnlabelledInput<'_>,
    weights: &[(usize, f64)],
    grey_class: &[Vec<f64>],
) -> (f64, Vec<RarePart>) {
    let total = pixels(u);
    let grey = grey_expected(u, grey_class);
    let mut parts = Vec::new();
    let mut score = 0.0;
    for &(c, w) in weights {
        let Some(s) = u.per_class.get(c) else {
            continue;
        };
        let model = s.expected_pixels.unwrap_or(s.pixels as f64);
        let by_grey = grey.as_ref().and_then(|g| g.get(c).copied());
        let expected = by_grey.map_or(model, |g| f64::midpoint(model, g));
        let share = expected / total;
        score += share * w;
        if share >= 0.001 {
            parts.push(RarePart {
                class: c,
                model,
                grey: by_grey,
                weighted: share * w,
            });
        }
    }
    // The classes that weigh most first: a narrow queue column shows those.
    parts.sort_by(|a, b| b.weighted.total_cmp(&a.weighted));
    (score, parts)
}

/// "Fe 12 px (grey 40)", one per part.
fn describe_parts(parts: &[RarePart], names: &[String]) -> Vec<String> {
    parts
        .iter()
        .map(|p| match p.grey {
            Some(g) => format!("{} {:.0} px (grey {g:.0})", names[p.class], p.model),
            None => format!("{} {:.0} px", names[p.class], p.model),
        })
        .collect()
}

fn numbers(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()
}

/// `margin`, `entropy`, `mc-disagreement` or `rare-boost` over the unlabelled tiles.
///
/// Scores are 0–1 for `margin`, `entropy` and `mc-disagreement`; rare-boost's is a weighted
/// share and can exceed 1. `mc-disagreement` leaves out tiles predicted without MC dropout.
pub fn score_each(input: &QueueInput<'_>, strategy: Strategy) -> Vec<QueueItem> {
    let weights = rare_weights(input);
    let mut out: Vec<QueueItem> = input
        .unlabelled
        .iter()
        .filter_map(|u| {
            let (score, reason, nums) = match strategy {
                Strategy::Margin => (
                    1.0 - u.mean_margin,
                    format!("mean margin {:.3}", u.mean_margin),
                    numbers(&[("mean_margin", u.mean_margin)]),
                ),
                Strategy::Entropy => match entropy_of(u) {
                    Some(e) => (
                        e,
                        format!("mean entropy {e:.3}"),
                        numbers(&[("entropy", e)]),
                    ),
                    None => (
                        1.0 - u.mean_margin,
                        format!(
                            "mean margin {:.3} (no entropy stored: predict again)",
                            u.mean_margin
                        ),
                        numbers(&[("mean_margin", u.mean_margin)]),
                    ),
                },
                Strategy::McDisagreement => {
                    let d = super::mc_mean(u.per_class, pixels(u) as u64)?;
                    (
                        d,
                        format!("Monte-Carlo disagreement {d:.3}"),
                        numbers(&[("mc_disagreement", d)]),
                    )
                }
                Strategy::RareBoost => {
                    let (s, parts) = rare_score(u, &weights, input.grey_class);
                    let names = describe_parts(&parts, input.class_names);
                    (
                        s,
                        format!(
                            "rare classes: {}",
                            if names.is_empty() {
                                "none".into()
                            } else {
                                names.join(", ")
                            }
                        ),
                        numbers(&[("rare_score", s)]),
                    )
                }
                _ => return None,
            };
            Some(unlabelled_item(u, strategy, score, reason, nums))
        })
        .collect();
    sort(&mut out);
    out
}

#[cfg(test)]
mod tests;
