//! One image's audit summary, computed in a single pass over its true mask, predicted class
//! map and margin map, and small enough to store for every image: audits and review queues
//! then sum summaries instead of re-reading maps.
//!
//! Besides the confusion matrix it keeps, for the wrongly predicted pixels, a histogram of
//! their margins per predicted class (so confident-learning thresholds chosen later can count
//! "confidently wrong" pixels without the maps), and the largest 4-connected region of pixels
//! predicted differently from the mask with margin ≥ [`CONFIDENT_MARGIN`]: a planted or real
//! labelling error shows up as such a region.

use serde::{Deserialize, Serialize};

use super::Confusion;

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
}

impl ImageAudit {
    /// Summarises a `w`-wide image; pixels whose true id is outside the classes are ignored.
    pub fn compute(truth: &[u8], pred: &[u8], margin: &[u8], w: usize, classes: usize) -> Self {
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
        let region = largest_confident_region(truth, pred, margin, w, classes);
        Self {
            confusion,
            wrong_margins,
            correct_margin_sum,
            region,
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
}

fn largest_confident_region(
    truth: &[u8],
    pred: &[u8],
    margin: &[u8],
    w: usize,
    classes: usize,
) -> Region {
    let n = truth.len();
    let flagged = |i: usize| {
        truth[i] != pred[i] && usize::from(truth[i]) < classes && margin[i] >= CONFIDENT_MARGIN
    };
    let mut seen = vec![false; n];
    let mut best = Region::default();
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
        }
    }
    best
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
        assert_eq!(a.correct_margin_sum[4], 18 * 200);
    }

    #[test]
    fn unlabelled_pixels_are_ignored() {
        let a = ImageAudit::compute(&[255, 1], &[0, 1], &[255, 255], 2, 3);
        assert_eq!(a.confusion.total(), 1);
        assert_eq!(a.region.pixels, 0);
    }
}
