//! Training batches: square crops (placed by a [`CropSampler`]) with the study's
//! augmentations (the three 90° rotations, brightness changes) plus flips and what a second
//! SEM session changes: contrast gain, offset, noise and beam blur. Pure data work on `Vec`s;
//! tensors are made by the caller.

use serde::{Deserialize, Serialize};

use super::sampler::CropSampler;
use crate::dataset::load::LabelledImage;
use crate::rng::Rng;
use crate::synth::imaging_blur;

/// One batch, row-major, `n` crops of `size`×`size`.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub n: usize,
    pub size: usize,
    /// Network input, `n·size²` values (grey / 255 after brightness augmentation).
    pub inputs: Vec<f32>,
    /// Class id per pixel, `n·size²` values.
    pub targets: Vec<i64>,
}

/// Augmentation strengths.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Augment {
    /// Rotations by 90° and flips.
    pub geometric: bool,
    /// Contrast gain drawn from `1 ± gain`.
    pub gain: f64,
    /// Brightness offset drawn from `± offset` (input units, grey / 255).
    pub offset: f64,
    /// Added Gaussian noise, σ drawn from `0..noise` (input units).
    #[serde(default)]
    pub noise: f64,
    /// Gaussian blur of half the crops, σ drawn from `0..blur` px.
    #[serde(default)]
    pub blur: f64,
}

impl Default for Augment {
    fn default() -> Self {
        Self {
            geometric: true,
            gain: 0.2,
            offset: 0.08,
            noise: 0.03,
            blur: 1.2,
        }
    }
}

impl Augment {
    /// What models trained before noise and blur were added used.
    pub fn legacy() -> Self {
        Self {
            noise: 0.0,
            blur: 0.0,
            ..Self::default()
        }
    }
}

/// The crop side: `crop` (or the smallest image side when not given), at most the smallest
/// image side, rounded down to a multiple of 8.
pub fn crop_size(images: &[LabelledImage], crop: Option<usize>) -> usize {
    let smallest = images
        .iter()
        .map(|s| s.image.width.min(s.image.height) as usize)
        .min()
        .unwrap_or(0);
    (crop.unwrap_or(smallest).min(smallest) / 8) * 8
}

/// Draws a batch of `n` augmented crops placed by `sampler`.
pub(crate) fn draw(
    images: &[LabelledImage],
    sampler: &CropSampler,
    n: usize,
    size: usize,
    aug: Augment,
    rng: &mut Rng,
) -> Batch {
    let mut inputs = Vec::with_capacity(n * size * size);
    let mut targets = Vec::with_capacity(n * size * size);
    for _ in 0..n {
        let (i, x0, y0) = sampler.origin(images, size, rng);
        let s = &images[i];
        let w = s.image.width as usize;
        let mut img = window(&s.image.pixels, w, x0, y0, size);
        let mut mask = window(&s.mask, w, x0, y0, size);
        if aug.geometric {
            let k = rng.below(4);
            let flip = rng.chance(0.5);
            img = orient(&img, size, k, flip);
            mask = orient(&mask, size, k, flip);
        }
        inputs.extend(degrade(&img, size, aug, rng));
        targets.extend(mask.iter().map(|&c| i64::from(c)));
    }
    Batch {
        n,
        size,
        inputs,
        targets,
    }
}

/// Grey / 255 with the session changes of `aug`: blur first (the beam), then gain and offset
/// (the detector), then noise; clipped to 0–1 like an 8-bit image.
fn degrade(img: &[u8], size: usize, aug: Augment, rng: &mut Rng) -> Vec<f32> {
    let mut x: Vec<f32> = img.iter().map(|&v| f32::from(v) / 255.0).collect();
    if aug.blur > 0.0 && rng.chance(0.5) {
        imaging_blur(&mut x, size, rng.range(0.0, aug.blur));
    }
    let gain = rng.range(1.0 - aug.gain, 1.0 + aug.gain);
    let offset = rng.range(-aug.offset, aug.offset);
    let sigma = if aug.noise > 0.0 {
        rng.range(0.0, aug.noise)
    } else {
        0.0
    };
    for v in &mut x {
        let noise = if sigma > 0.0 {
            sigma * rng.normal()
        } else {
            0.0
        };
        *v = ((f64::from(*v) * gain + offset + noise).clamp(0.0, 1.0)) as f32;
    }
    x
}

fn window(pixels: &[u8], w: usize, x0: usize, y0: usize, size: usize) -> Vec<u8> {
    (y0..y0 + size)
        .flat_map(|y| pixels[y * w + x0..y * w + x0 + size].iter().copied())
        .collect()
}

/// Rotates a square `size`×`size` block `k` quarter turns clockwise, then mirrors it
/// left–right when `flip`.
pub fn orient(block: &[u8], size: usize, k: usize, flip: bool) -> Vec<u8> {
    let mut out = vec![0u8; block.len()];
    for y in 0..size {
        for x in 0..size {
            let (mut sx, mut sy) = (x, y);
            if flip {
                sx = size - 1 - sx;
            }
            for _ in 0..k % 4 {
                // Destination (sx, sy) of a clockwise turn comes from (sy, size-1-sx).
                (sx, sy) = (sy, size - 1 - sx);
            }
            out[y * size + x] = block[sy * size + sx];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::raster::Grey8;

    #[test]
    fn quarter_turns_compose_to_identity_and_match_a_hand_case() {
        // 1 2
        // 3 4  turned clockwise is  3 1 / 4 2
        assert_eq!(orient(&[1, 2, 3, 4], 2, 1, false), vec![3, 1, 4, 2]);
        assert_eq!(orient(&[1, 2, 3, 4], 2, 2, false), vec![4, 3, 2, 1]);
        assert_eq!(orient(&[1, 2, 3, 4], 2, 0, true), vec![2, 1, 4, 3]);
        let b: Vec<u8> = (0..9).collect();
        assert_eq!(orient(&orient(&b, 3, 1, false), 3, 3, false), b);
    }

    #[test]
    fn crops_keep_image_and_mask_aligned() {
        // Mask = image value mod 10, so any misalignment shows.
        let pixels: Vec<u8> = (0..32 * 24).map(|i| (i % 250) as u8).collect();
        let mask: Vec<u8> = pixels.iter().map(|v| v % 10).collect();
        let s = LabelledImage {
            image: Grey8 {
                width: 32,
                height: 24,
                pixels,
            },
            mask,
            pixel_size: 1.0,
        };
        let images = vec![s];
        assert_eq!(crop_size(&images, Some(20)), 16);
        assert_eq!(crop_size(&images, None), 24);
        let mut rng = Rng::new(5);
        let aug = Augment {
            gain: 0.0,
            offset: 0.0,
            noise: 0.0,
            blur: 0.0,
            ..Augment::default()
        };
        let sampler = CropSampler::new(&images, 10, 0.5);
        let b = draw(&images, &sampler, 3, 16, aug, &mut rng);
        assert_eq!((b.inputs.len(), b.targets.len()), (3 * 256, 3 * 256));
        for (x, t) in b.inputs.iter().zip(&b.targets) {
            let v = (x * 255.0).round() as i64;
            assert_eq!(v % 10, *t);
        }
    }

    /// A flat grey crop stays flat under blur, gain and offset move it within their ranges,
    /// and noise spreads it by no more than its largest σ.
    #[test]
    fn session_changes_stay_within_their_ranges() {
        let flat = vec![128u8; 32 * 32];
        let mut rng = Rng::new(9);
        let only = |gain, offset, noise, blur| Augment {
            geometric: false,
            gain,
            offset,
            noise,
            blur,
        };
        for _ in 0..20 {
            let x = degrade(&flat, 32, only(0.0, 0.0, 0.0, 2.0), &mut rng);
            assert!(x.iter().all(|&v| (v - 128.0 / 255.0).abs() < 1e-5));
            let x = degrade(&flat, 32, only(0.2, 0.08, 0.0, 0.0), &mut rng);
            let v = f64::from(x[0]);
            assert!(x.iter().all(|&y| (y - x[0]).abs() < 1e-7));
            assert!((128.0 / 255.0 * 0.8 - 0.08..=128.0 / 255.0 * 1.2 + 0.08).contains(&v));
            let x = degrade(&flat, 32, only(0.0, 0.0, 0.05, 0.0), &mut rng);
            let mean = x.iter().map(|&v| f64::from(v)).sum::<f64>() / 1024.0;
            let sd = (x
                .iter()
                .map(|&v| (f64::from(v) - mean).powi(2))
                .sum::<f64>()
                / 1024.0)
                .sqrt();
            assert!(
                (mean - 128.0 / 255.0).abs() < 0.01 && sd < 0.056,
                "mean {mean} sd {sd}"
            );
        }
    }
}
