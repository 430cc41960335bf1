//! One image's audit summary, computed in a single pass over its true mask, predicted class
//! map and margin map, and small enough to store for every image: audits and review queues
//! then sum summaries instead of re-reading maps.
//!
//! Besides the confusion matrix it keeps, for the wrongly predicted pixels, a histogram of
//! their margins per predicted class (so confident-learning thresholds chosen later can count
//! "confidently wrong" pixels without the maps), and the largest 4-connected region of pixels
//! predicted differently from the mask with margin ≥ [`CONFIDENT_MARGIN`]: a planted or real
//! labelling error shows up as such a region. With the image's grey levels it also keeps the
//! grey statistics [`GreyStats`] that let a reviewer weigh independent evidence: backscatter
//! tracks mean atomic number, so a region's grey level says which class it resembles.

use serde::{Deserialize, Serialize};

use crate::dataset::prediction::{GREY_BINS, grey_bin};

use super::Confusion;
use super::grey_odd::{OddRegion, odd_regions};

/// Margin buckets of the wrong-pixel histogram (margin 0–255 in steps of 16).
pub const MARGIN_BUCKETS: usize = 16;
/// Margin (0–255 scale) from which a wrong pixel counts as confidently wrong in regions.
pub const CONFIDENT_MARGIN: u8 = 128;

/// The largest connected region of confident disagreement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// Pixels in the region.
    pub pixels: u32,
    /// Most frequent true class in it.
    pub truth: u8,
    /// Most frequent predicted class in it.
    pub predicted: u8,
    /// Bounding box `[x0, y0, x1, y1]` (inclusive).
    pub bbox: [u32; 4],
}

/// Audit summary of one image and one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageAudit {
    pub confusion: Confusion,
    /// `[predicted class][bucket]` counts of wrong pixels by margin.
    pub wrong_margins: Vec<[u32; MARGIN_BUCKETS]>,
    /// Sum of margins (0–255) of correctly predicted pixels per class.
    pub correct_margin_sum: Vec<u64>,
    pub region: Region,
    /// Grey statistics, when the image could be read with the maps.
    pub grey: Option<GreyStats>,
}

/// Count, sum and sum of squares of grey levels (0–255) over a set of pixels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moments {
    pub count: u64,
    pub sum: u64,
    pub sq: u64,
}

impl Moments {
    fn add(&mut self, g: u8) {
        let g = u64::from(g);
        self.count += 1;
        self.sum += g;
        self.sq += g * g;
    }

    /// Mean and standard deviation, when there are pixels.
    pub fn mean_sd(&self) -> Option<(f64, f64)> {
        if self.count == 0 {
            return None;
        }
        let n = self.count as f64;
        let mean = self.sum as f64 / n;
        let var = (self.sq as f64 / n - mean * mean).max(0.0);
        Some((mean, var.sqrt()))
    }
}

/// Grey levels of the pixels where mask and model agree, per class (a reference for what each
/// class looks like), of the wrongly predicted pixels per predicted class, and of the largest
/// confident-disagreement region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GreyStats {
    pub agreeing: Vec<Moments>,
    pub wrong: Vec<Moments>,
    pub region: Moments,
    /// Grey levels of all labelled pixels per class, whatever the model says: the reference
    /// for a class the model never gets right. Required (like `odd`), so summaries cached
    /// before they were added are computed again.
    pub truth: Vec<Moments>,
    /// Labelled regions whose grey level lies nearer another class's, in this image alone
    /// (model-independent evidence of a label error; [`super::grey_odd`]).
    pub odd: Vec<OddRegion>,
    /// Grey-level histogram of each true class (`GREY_BINS` bins; empty for a class absent
    /// from the mask): the grey range each class occupies, which rare-boost scores unlabelled
    /// tiles against. Required, so summaries cached before it was added are computed again.
    pub truth_hist: Vec<Vec<u32>>,
}

impl Moments {
    /// These moments without `other`'s pixels (a subset of them).
    #[must_use]
    pub fn minus(&self, other: &Self) -> Self {
        Self {
            count: self.count.saturating_sub(other.count),
            sum: self.sum.saturating_sub(other.sum),
            sq: self.sq.saturating_sub(other.sq),
        }
    }

    #[must_use]
    pub fn plus(&self, other: &Self) -> Self {
        Self {
            count: self.count + other.count,
            sum: self.sum + other.sum,
            sq: self.sq + other.sq,
        }
    }
}

impl ImageAudit {
    /// Summarises a `w`-wide image; pixels whose true id is outside the classes are ignored.
    pub fn compute(truth: &[u8], pred: &[u8], margin: &[u8], w: usize, classes: usize) -> Self {
        Self::compute_with_grey(truth, pred, margin, None, w, classes)
    }

    /// [`compute`](Self::compute) plus [`GreyStats`] from `grey` (same size as the maps).
    pub fn compute_with_grey(
        truth: &[u8],
        pred: &[u8],
        margin: &[u8],
        grey: Option<&[u8]>,
        w: usize,
        classes: usize,
    ) -> Self {
        let mut confusion = Confusion::new(classes);
        let mut wrong_margins = vec![[0u32; MARGIN_BUCKETS]; classes];
        let mut correct_margin_sum = vec![0u64; classes];
        for ((&t, &p), &m) in truth.iter().zip(pred).zip(margin) {
            if usize::from(t) >= classes || usize::from(p) >= classes {
                continue;
            }
            confusion.add(t, p);
            if t == p {
                correct_margin_sum[usize::from(t)] += u64::from(m);
            } else {
                wrong_margins[usize::from(p)][usize::from(m) * MARGIN_BUCKETS / 256] += 1;
            }
        }
        let (region, region_pixels) = largest_confident_region(truth, pred, margin, w, classes);
        let grey = grey
            .filter(|g| g.len() == truth.len())
            .map(|g| grey_stats(g, truth, pred, &region_pixels, w, classes));
        Self {
            confusion,
            wrong_margins,
            correct_margin_sum,
            region,
            grey,
        }
    }

    /// Wrong pixels predicted as `class` with margin at least `threshold` (0–255), counted
    /// from the histogram (bucket resolution).
    pub fn confident_wrong(&self, class: usize, threshold: u8) -> u64 {
        let from = usize::from(threshold) * MARGIN_BUCKETS / 256;
        self.wrong_margins[class][from..]
            .iter()
            .map(|&c| u64::from(c))
            .sum()
    }

    /// Wrong pixels predicted as `class`, each weighed by how sure the model is of it
    /// against `threshold` (0–255): min(1, margin / threshold), the margin taken at its
    /// bucket's centre. A hesitant prediction counts in part, a confident one in full.
    pub fn weighed_wrong(&self, class: usize, threshold: u8) -> f64 {
        let t = f64::from(threshold.max(1));
        self.wrong_margins[class]
            .iter()
            .enumerate()
            .map(|(b, &c)| {
                let centre = (b as f64 + 0.5) * 256.0 / MARGIN_BUCKETS as f64;
                f64::from(c) * (centre / t).min(1.0)
            })
            .sum()
    }
}

fn largest_confident_region(
    truth: &[u8],
    pred: &[u8],
    margin: &[u8],
    w: usize,
    classes: usize,
) -> (Region, Vec<usize>) {
    let n = truth.len();
    let flagged = |i: usize| {
        truth[i] != pred[i] && usize::from(truth[i]) < classes && margin[i] >= CONFIDENT_MARGIN
    };
    let mut seen = vec![false; n];
    let mut best = Region::default();
    let mut best_pixels = Vec::new();
    let mut stack = Vec::new();
    for start in 0..n {
        if seen[start] || !flagged(start) {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut pixels = Vec::new();
        while let Some(i) = stack.pop() {
            pixels.push(i);
            let (x, y) = (i % w, i / w);
            let neighbours = [
                (x > 0).then(|| i - 1),
                (x + 1 < w).then(|| i + 1),
                (y > 0).then(|| i - w),
                (i + w < n).then(|| i + w),
            ];
            for j in neighbours.into_iter().flatten() {
                if !seen[j] && flagged(j) {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        if pixels.len() > best.pixels as usize {
            best = describe(&pixels, truth, pred, w, classes);
            best_pixels = pixels;
        }
    }
    (best, best_pixels)
}

fn grey_stats(
    grey: &[u8],
    truth: &[u8],
    pred: &[u8],
    region: &[usize],
    w: usize,
    classes: usize,
) -> GreyStats {
    let mut agreeing = vec![Moments::default(); classes];
    let mut wrong = vec![Moments::default(); classes];
    let mut labelled = vec![Moments::default(); classes];
    for ((&g, &t), &p) in grey.iter().zip(truth).zip(pred) {
        if usize::from(t) >= classes {
            continue;
        }
        labelled[usize::from(t)].add(g);
        let into = if t == p { &mut agreeing } else { &mut wrong };
        if let Some(m) = into.get_mut(usize::from(p)) {
            m.add(g);
        }
    }
    let mut r = Moments::default();
    for &i in region {
        r.add(grey[i]);
    }
    let mut truth_hist = vec![vec![0u32; GREY_BINS]; classes];
    for (&g, &t) in grey.iter().zip(truth) {
        if let Some(h) = truth_hist.get_mut(usize::from(t)) {
            h[grey_bin(g)] += 1;
        }
    }
    for h in &mut truth_hist {
        if h.iter().all(|&n| n == 0) {
            h.clear();
        }
    }
    GreyStats {
        agreeing,
        wrong,
        region: r,
        truth: labelled,
        odd: odd_regions(grey, truth, w, classes),
        truth_hist,
    }
}

fn describe(pixels: &[usize], truth: &[u8], pred: &[u8], w: usize, classes: usize) -> Region {
    let mut t = vec![0u32; classes];
    let mut p = vec![0u32; classes];
    let mut bbox = [u32::MAX, u32::MAX, 0, 0];
    for &i in pixels {
        t[usize::from(truth[i])] += 1;
        if let Some(c) = p.get_mut(usize::from(pred[i])) {
            *c += 1;
        }
        let (x, y) = ((i % w) as u32, (i / w) as u32);
        bbox = [
            bbox[0].min(x),
            bbox[1].min(y),
            bbox[2].max(x),
            bbox[3].max(y),
        ];
    }
    let argmax = |v: &[u32]| {
        v.iter()
            .enumerate()
            .max_by_key(|(k, c)| (**c, std::cmp::Reverse(*k)))
            .map_or(0, |(k, _)| k as u8)
    };
    Region {
        pixels: pixels.len() as u32,
        truth: argmax(&t),
        predicted: argmax(&p),
        bbox,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_histograms_and_margins() {
        // 6×4 image: truth all 4; prediction 5 in a 2×2 block (confident) and one lone pixel
        // (not confident), class 7 in one confident pixel apart from the block.
        let w = 6;
        let truth = vec![4u8; 24];
        let mut pred = vec![4u8; 24];
        let mut margin = vec![200u8; 24];
        for i in [7, 8, 13, 14] {
            pred[i] = 5;
        }
        pred[22] = 5;
        margin[22] = 40;
        pred[4] = 7;
        let a = ImageAudit::compute(&truth, &pred, &margin, w, 10);
        assert_eq!(a.confusion.get(4, 5), 5);
        assert_eq!(a.confusion.get(4, 7), 1);
        assert_eq!(
            a.region,
            Region {
                pixels: 4,
                truth: 4,
                predicted: 5,
                bbox: [1, 1, 2, 2]
            }
        );
        assert_eq!(a.confident_wrong(5, 128), 4);
        assert_eq!(a.confident_wrong(5, 0), 5);
        // Margin 200 (bucket 12, centre 200) counts in full against 128; margin 40 (bucket 2,
        // centre 40) by 40 / 128 = 0.3125; against 255, all by centre / 255.
        assert!((a.weighed_wrong(5, 128) - 4.3125).abs() < 1e-9);
        assert!((a.weighed_wrong(5, 255) - (4.0 * 200.0 + 40.0) / 255.0).abs() < 1e-9);
        assert!((a.weighed_wrong(7, 128) - 1.0).abs() < 1e-9);
        assert_eq!(a.correct_margin_sum[4], 18 * 200);
    }

    #[test]
    fn grey_moments_of_agreeing_pixels_and_of_the_region() {
        // 4×2: left half truth 5 predicted 5 at grey 100 and 104; right half truth 5
        // predicted 4 confidently at grey 140.
        let truth = [5u8; 8];
        let pred = [5, 5, 4, 4, 5, 5, 4, 4];
        let grey = [100, 104, 140, 140, 100, 104, 140, 140];
        let a = ImageAudit::compute_with_grey(&truth, &pred, &[255; 8], Some(&grey), 4, 10);
        let g = a.grey.unwrap();
        assert_eq!(
            g.agreeing[5],
            Moments {
                count: 4,
                sum: 408,
                sq: 2 * (10000 + 10816)
            }
        );
        assert_eq!(g.agreeing[4].count, 0);
        assert_eq!(
            g.wrong[4],
            Moments {
                count: 4,
                sum: 560,
                sq: 4 * 19600
            }
        );
        assert_eq!(g.region.mean_sd(), Some((140.0, 0.0)));
        // The true class's grey range (bins of 8 levels): 100 → 12, 104 → 13, 140 → 17.
        let mut h5 = vec![0u32; GREY_BINS];
        h5[12] = 2;
        h5[13] = 2;
        h5[17] = 4;
        assert_eq!(g.truth_hist[5], h5);
        assert!(g.truth_hist[4].is_empty(), "class 4 is not in the mask");
        let (m, sd) = g.agreeing[5].mean_sd().unwrap();
        assert!((m - 102.0).abs() < 1e-9 && (sd - 2.0).abs() < 1e-9);
        let without = ImageAudit::compute(&truth, &pred, &[255; 8], 4, 10);
        assert_eq!(without.grey, None);
        assert_eq!(without.region, a.region);
    }

    #[test]
    fn unlabelled_pixels_are_ignored() {
        let a = ImageAudit::compute(&[255, 1], &[0, 1], &[255, 255], 2, 3);
        assert_eq!(a.confusion.total(), 1);
        assert_eq!(a.region.pixels, 0);
    }
}
