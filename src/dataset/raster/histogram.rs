//! Counts of grey levels over one or more images: what per-site input levels are taken from.

/// How many pixels have each grey level 0–255, over every image added.
///
/// Invariant: the counts sum to the number of pixels added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GreyHistogram {
    counts: [u64; 256],
}

impl Default for GreyHistogram {
    fn default() -> Self {
        Self { counts: [0; 256] }
    }
}

impl GreyHistogram {
    /// The histogram of one image's `pixels`.
    pub fn of(pixels: &[u8]) -> Self {
        let mut h = Self::default();
        h.add(pixels);
        h
    }

    /// Counts `pixels` in.
    pub fn add(&mut self, pixels: &[u8]) {
        for &v in pixels {
            self.counts[usize::from(v)] += 1;
        }
    }

    /// Counts `other`'s pixels in.
    pub fn merge(&mut self, other: &Self) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// The count of each grey level 0–255.
    pub fn counts(&self) -> &[u64; 256] {
        &self.counts
    }

    /// A histogram from the count of each grey level 0–255.
    pub fn from_counts(counts: [u64; 256]) -> Self {
        Self { counts }
    }

    /// Pixels counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The grey level at percentile `p` (0–100): the lowest level with at least
    /// `⌈p/100 · total⌉` (and at least one) pixels at or below it; 255 for an empty histogram.
    pub fn percentile(&self, p: f64) -> u8 {
        let want = (p / 100.0 * self.total() as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        (0..=255u8)
            .find(|&v| {
                seen += self.counts[usize::from(v)];
                seen >= want
            })
            .unwrap_or(255)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_histogram() {
        let mut h = GreyHistogram::of(&[10; 90]);
        h.add(&[200; 10]);
        assert_eq!(h.total(), 100);
        assert_eq!(h.percentile(1.0), 10);
        assert_eq!(h.percentile(90.0), 10);
        assert_eq!(h.percentile(91.0), 200);
        assert_eq!(h.percentile(0.0), 10, "at least one pixel");
        assert_eq!(GreyHistogram::default().percentile(50.0), 255);
    }
}
