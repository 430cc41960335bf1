//! Per-pixel and per-class reductions of class probabilities: argmax and top-two margin,
//! expected class areas and entropy, per-class summaries, and the byte form of [0, 1] maps.
//!
//! Probabilities are class-major planes, `[classes][n]` with `n` pixels each (pixel `i` of
//! class `c` at `c · n + i`), as one image's slice of the network's `[batch, classes, H, W]`
//! output. Ties go to the lower class id.

use crate::dataset::prediction::ClassSummary;

/// The most probable class and its margin over the second (1 with a single class).
pub(super) fn top_two(prob: impl Fn(usize) -> f32, classes: usize) -> (usize, f32) {
    let (mut best, mut b1, mut b2) = (0usize, f32::NEG_INFINITY, f32::NEG_INFINITY);
    for c in 0..classes {
        let v = prob(c);
        if v > b1 {
            b2 = b1;
            b1 = v;
            best = c;
        } else if v > b2 {
            b2 = v;
        }
    }
    let margin = if classes > 1 {
        (b1 - b2).clamp(0.0, 1.0)
    } else {
        1.0
    };
    (best, margin)
}

/// Argmax and top-two margin per pixel of `[classes][n]` probabilities.
///
/// Classes come back as `u8` (at most 256 classes); margins are in [0, 1].
pub fn argmax_margin(probs: &[f32], classes: usize) -> (Vec<u8>, Vec<f32>) {
    let n = probs.len() / classes.max(1);
    (0..n)
        .map(|i| {
            let (best, margin) = top_two(|c| probs[c * n + i], classes);
            (best as u8, margin)
        })
        .unzip()
}

/// Per class, the summed probability over all pixels of `[classes][n]` probabilities, and the
/// summed normalised entropy of the pixels predicted as it.
///
/// Normalised entropy is `−Σ p ln p / ln(classes)`, 0 for a certain pixel and 1 for a uniform
/// one. `argmax` must hold the class of each of the `n` pixels.
pub fn prob_stats(probs: &[f32], argmax: &[u8], classes: usize) -> (Vec<f64>, Vec<f64>) {
    let n = argmax.len();
    let mut sum = vec![0f64; classes];
    let mut ent = vec![0f64; classes];
    let norm = if classes > 1 {
        (classes as f64).ln()
    } else {
        1.0
    };
    for (i, &best) in argmax.iter().enumerate() {
        let mut h = 0.0;
        for (c, s) in sum.iter_mut().enumerate() {
            let p = f64::from(probs[c * n + i]);
            *s += p;
            if p > 0.0 {
                h -= p * p.ln();
            }
        }
        ent[usize::from(best)] += h / norm;
    }
    (sum, ent)
}

/// Per-class pixel counts and mean margin / disagreement.
///
/// `classes`, `margin` and `disagreement` are per pixel (same length); class ids must be below
/// `n_classes`. Means are `None` for classes with no pixel; expected pixels, entropy and grey
/// histograms are left for the caller to fill.
pub fn summarise(
    classes: &[u8],
    margin: &[f32],
    disagreement: Option<&[f32]>,
    n_classes: usize,
) -> Vec<ClassSummary> {
    let mut pixels = vec![0u64; n_classes];
    let mut m = vec![0f64; n_classes];
    let mut d = vec![0f64; n_classes];
    for (i, &c) in classes.iter().enumerate() {
        let c = usize::from(c);
        pixels[c] += 1;
        m[c] += f64::from(margin[i]);
        if let Some(dis) = disagreement {
            d[c] += f64::from(dis[i]);
        }
    }
    (0..n_classes)
        .map(|c| {
            let mean = |s: f64| (pixels[c] > 0).then(|| (s / pixels[c] as f64) as f32);
            ClassSummary {
                pixels: pixels[c],
                mean_margin: mean(m[c]),
                mc_disagreement: disagreement.and_then(|_| mean(d[c])),
                ..ClassSummary::default()
            }
        })
        .collect()
}

/// Quantises [0, 1] to a byte.
pub fn to_byte(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}
