//! Superpixels of a grey image (issue 23 §3): a paint unit for the editor (one key gives the
//! segment under the cursor or under a brush stroke to the active class) and a region over
//! which the forest's class probabilities can be averaged.
//!
//! The algorithm is SNIC (Achanta & Süsstrunk, CVPR 2017) on grey levels: seeds on a regular
//! grid (each moved to the lowest-gradient pixel of its 3 × 3 neighbourhood), then one
//! priority queue grows every segment at once, always labelling next the pixel that is closest
//! (to 1/8 grey level) to the running mean of the segment that reached it, with
//! `d² = Δgrey² + (compactness × Δxy / S)²`, `S = √segment_size`. Being written here rather
//! than taken from `simple_clustering` keeps it on `u8` grey (the crate works on `Lab<f64>`
//! colour, 24 bytes a pixel) and gives the CSR index and queries the editor needs.
//!
//! Invariants: labels are `0..count()`, row-major, one per pixel; every segment is 4-connected
//! (a pixel is only ever queued from a 4-neighbour already in its segment, and merging joins
//! adjacent segments only) and holds at least one seed; labels are numbered in seed-grid order
//! (row by row); the result depends only on the grey bytes, the size and the settings (the
//! queue is filled and served in a fixed order).

use serde::{Deserialize, Serialize};

mod merge;
mod snic;
#[cfg(test)]
mod tests;

/// How big and how regular the segments are.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SuperpixelSettings {
    /// Target pixels per segment (seed spacing `S = √segment_size`). The default, 150, gives
    /// about `pixels / 150` segments (437 on a 256² tile, each about 12 × 12 px); 0 counts as 1.
    pub segment_size: usize,
    /// Grey levels that a step of one seed spacing `S` away from a segment's centre costs: 0
    /// follows grey edges only (ragged shapes), large values give square cells. Default 10.
    pub compactness: f32,
    /// Segments smaller than this many pixels are merged into the 4-adjacent segment of
    /// nearest mean grey; 0 or 1 keeps SNIC's segments as they are. Default 37, a quarter of
    /// the default segment size.
    pub min_size: usize,
}

impl Default for SuperpixelSettings {
    fn default() -> Self {
        Self {
            segment_size: 150,
            compactness: 10.0,
            min_size: 37,
        }
    }
}

/// What can go wrong computing or using superpixels.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SuperpixelError {
    #[error("the grey image has {len} values, but it is {width}x{height}: pass one byte per pixel")]
    Size {
        len: usize,
        width: usize,
        height: usize,
    },
    #[error("a {width}x{height} image has more pixels than superpixels index (2^32 - 1)")]
    TooLarge { width: usize, height: usize },
    #[error("compactness {0} is not a finite number of grey levels >= 0")]
    Compactness(f32),
    #[error(
        "probabilities have {len} values, but {pixels} pixels of {n_classes} classes need {}: pass pixel-major rows",
        pixels * n_classes
    )]
    Probabilities {
        len: usize,
        pixels: usize,
        n_classes: usize,
    },
}

/// A grey image cut into superpixels, with an index from each segment to its pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Superpixels {
    width: usize,
    height: usize,
    /// Segment of each pixel, row-major.
    labels: Vec<u32>,
    /// Segment `l`'s pixels are `members[starts[l]..starts[l + 1]]` (CSR), in increasing
    /// pixel order.
    starts: Vec<u32>,
    members: Vec<u32>,
    /// Mean grey level of each segment.
    means: Vec<f32>,
}

impl Superpixels {
    /// Cuts `grey` (row-major `width × height`, one byte per pixel) into superpixels. An empty
    /// image gives no segments.
    pub fn compute(
        grey: &[u8],
        width: usize,
        height: usize,
        settings: &SuperpixelSettings,
    ) -> Result<Self, SuperpixelError> {
        let pixels = width
            .checked_mul(height)
            .filter(|&n| n < u32::MAX as usize)
            .ok_or(SuperpixelError::TooLarge { width, height })?;
        if grey.len() != pixels {
            return Err(SuperpixelError::Size {
                len: grey.len(),
                width,
                height,
            });
        }
        let m = settings.compactness;
        if !m.is_finite() || m < 0.0 {
            return Err(SuperpixelError::Compactness(m));
        }
        if pixels == 0 {
            return Ok(Self::from_labels(width, height, Vec::new(), grey, 0));
        }
        let seeds = snic::seeds(grey, width, height, settings.segment_size.max(1));
        let spacing = (settings.segment_size.max(1) as f32).sqrt();
        let labels = snic::grow(grey, width, height, &seeds, (m / spacing).powi(2));
        let sp = Self::from_labels(width, height, labels, grey, seeds.len());
        Ok(merge::merge_small(sp, grey, settings.min_size))
    }

    /// Builds the CSR index and the means from finished labels.
    fn from_labels(
        width: usize,
        height: usize,
        labels: Vec<u32>,
        grey: &[u8],
        count: usize,
    ) -> Self {
        let mut starts = vec![0u32; count + 1];
        let mut sums = vec![0u64; count];
        for (&l, &g) in labels.iter().zip(grey) {
            starts[l as usize + 1] += 1;
            sums[l as usize] += u64::from(g);
        }
        for l in 0..count {
            starts[l + 1] += starts[l];
        }
        let means = (0..count)
            .map(|l| sums[l] as f32 / (starts[l + 1] - starts[l]).max(1) as f32)
            .collect();
        let mut next: Vec<u32> = starts[..count].to_vec();
        let mut members = vec![0u32; labels.len()];
        for (i, &l) in labels.iter().enumerate() {
            members[next[l as usize] as usize] = i as u32;
            next[l as usize] += 1;
        }
        Self {
            width,
            height,
            labels,
            starts,
            members,
            means,
        }
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// Number of segments; labels are `0..count()`.
    pub fn count(&self) -> usize {
        self.means.len()
    }

    /// Segment of every pixel, row-major `width × height`.
    pub fn labels(&self) -> &[u32] {
        &self.labels
    }

    /// Segment of pixel (x, y); `None` outside the image.
    pub fn label_at(&self, x: usize, y: usize) -> Option<u32> {
        (x < self.width && y < self.height).then(|| self.labels[y * self.width + x])
    }

    /// Row-major indices (`y × width + x`) of segment `label`'s pixels, increasing; empty for a
    /// label that does not exist. O(segment size): the index is built once in `compute`.
    pub fn pixels_of(
        &self,
        label: u32,
    ) -> impl ExactSizeIterator<Item = usize> + DoubleEndedIterator + Clone + '_ {
        let l = label as usize;
        let range = if l < self.count() {
            self.starts[l] as usize..self.starts[l + 1] as usize
        } else {
            0..0
        };
        self.members[range].iter().map(|&i| i as usize)
    }

    /// Pixels in segment `label` (0 for a label that does not exist).
    pub fn size_of(&self, label: u32) -> usize {
        self.pixels_of(label).len()
    }

    /// Mean grey level (0–255) of segment `label`.
    pub fn mean_grey(&self, label: u32) -> Option<f32> {
        self.means.get(label as usize).copied()
    }

    /// Whether pixel `i` (row-major) lies on a segment boundary: its right or lower neighbour
    /// is in another segment. Drawing these pixels outlines every segment with a line one pixel
    /// wide. False outside the image.
    pub fn is_boundary(&self, i: usize) -> bool {
        let Some(&l) = self.labels.get(i) else {
            return false;
        };
        let right = (i % self.width + 1 < self.width) && self.labels[i + 1] != l;
        let below = self.labels.get(i + self.width).is_some_and(|&b| b != l);
        right || below
    }

    /// [`Self::is_boundary`] for every pixel, row-major.
    pub fn boundary(&self) -> Vec<bool> {
        (0..self.labels.len())
            .map(|i| self.is_boundary(i))
            .collect()
    }

    /// Segments touched by `pixels` (row-major indices, as a brush stroke covers them), sorted
    /// and without repeats; indices outside the image are skipped.
    pub fn segments_under(&self, pixels: &[usize]) -> Vec<u32> {
        let mut out: Vec<u32> = pixels
            .iter()
            .filter_map(|&i| self.labels.get(i).copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Replaces each pixel's class probabilities (pixel-major `pixels × n_classes`) by their
    /// mean over its segment, so a proposal follows segment edges and loses isolated noisy
    /// pixels. Rows that summed to 1 still do.
    pub fn smooth_probabilities(
        &self,
        probs: &mut [f32],
        n_classes: usize,
    ) -> Result<(), SuperpixelError> {
        let pixels = self.labels.len();
        if n_classes == 0 || probs.len() != pixels * n_classes {
            return Err(SuperpixelError::Probabilities {
                len: probs.len(),
                pixels,
                n_classes,
            });
        }
        let mut mean = vec![0f64; n_classes];
        for label in 0..self.count() as u32 {
            mean.fill(0.0);
            for i in self.pixels_of(label) {
                let row = &probs[i * n_classes..(i + 1) * n_classes];
                mean.iter_mut()
                    .zip(row)
                    .for_each(|(m, &p)| *m += f64::from(p));
            }
            let n = self.size_of(label).max(1) as f64;
            for i in self.pixels_of(label) {
                let row = &mut probs[i * n_classes..(i + 1) * n_classes];
                row.iter_mut()
                    .zip(&mean)
                    .for_each(|(p, &m)| *p = (m / n) as f32);
            }
        }
        Ok(())
    }
}
