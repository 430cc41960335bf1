//! Per-image grey-level normalisation to robust percentiles, so that features do not depend
//! on the instrument's absolute grey levels (brightness, contrast, detector gain).
//!
//! Percentiles are nearest-rank on the 256-bin histogram: the low point is the smallest grey
//! level whose cumulative count reaches ⌈1 % · N⌉, the high point the same for 99 %. Nearest rank
//! (no interpolation) makes the result exactly invariant to any increasing affine map of the
//! grey levels that keeps them integer, e.g. `2·g + 10`.

use serde::{Deserialize, Serialize};

/// Low percentile of the normalisation, in percent.
pub const LOW_PERCENTILE: f64 = 1.0;
/// High percentile of the normalisation, in percent.
pub const HIGH_PERCENTILE: f64 = 99.0;

/// The grey levels (0–255) that an image's normalisation maps to 0 and to 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Percentiles {
    pub low: u8,
    pub high: u8,
}

impl Percentiles {
    /// The nearest-rank 1st and 99th percentiles of `image` (non-empty).
    pub fn of(image: &[u8]) -> Self {
        let mut histogram = [0usize; 256];
        for &g in image {
            histogram[g as usize] += 1;
        }
        let n = image.len();
        Self {
            low: rank_value(&histogram, n, LOW_PERCENTILE),
            high: rank_value(&histogram, n, HIGH_PERCENTILE),
        }
    }

    /// `(g − low) / (high − low)` clamped to [0, 1]; a flat image (`high == low`) is divided
    /// by one grey level instead, so it maps to 0 and 1 rather than to NaN.
    pub fn apply(self, image: &[u8]) -> Vec<f32> {
        let low = f32::from(self.low);
        let span = f32::from(self.high.saturating_sub(self.low).max(1));
        image
            .iter()
            .map(|&g| ((f32::from(g) - low) / span).clamp(0.0, 1.0))
            .collect()
    }
}

/// The smallest grey level whose cumulative count reaches `⌈percent · n / 100⌉` (at least 1).
fn rank_value(histogram: &[usize; 256], n: usize, percent: f64) -> u8 {
    let rank = ((percent / 100.0 * n as f64).ceil() as usize).max(1);
    let mut seen = 0;
    for (level, &count) in histogram.iter().enumerate() {
        seen += count;
        if seen >= rank {
            return level as u8;
        }
    }
    u8::MAX
}
