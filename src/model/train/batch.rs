//! Training batches: square crops (placed by a [`CropSampler`]) with the study's
//! augmentations (the three 90° rotations, brightness changes) plus flips and what a second
//! SEM session changes: contrast gain, offset, noise and beam blur. Pure data work on `Vec`s;
//! tensors are made by the caller.

use serde::{Deserialize, Serialize};

use super::sampler::CropSampler;
use crate::dataset::load::LabelledImage;
use crate::imaging::blur;
use crate::model::config::InputNorm;
use crate::rng::Rng;

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
    /// Detector gamma: input v (0–1) becomes v^γ after gain and offset, γ drawn
    /// log-uniformly from `e^−gamma..e^gamma` (0 = off; absent in older configs).
    #[serde(default)]
    pub gamma: f64,
}

impl Default for Augment {
    fn default() -> Self {
        Self {
            geometric: true,
            gain: 0.2,
            offset: 0.08,
            noise: 0.03,
            blur: 1.2,
            gamma: 0.0,
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

/// How the crops of a set of images become input: the model's [`InputNorm`] and each image's
/// grey levels at its percentiles (from the whole image, as at inference).
pub(crate) struct CropInput {
    pub norm: InputNorm,
    pub levels: Vec<Option<(f64, f64)>>,
}

impl CropInput {
    pub fn new(norm: InputNorm, images: &[LabelledImage]) -> Self {
        Self {
            norm,
            levels: images
                .iter()
                .map(|s| norm.levels(&s.image.pixels, s.site.as_deref()))
                .collect(),
        }
    }
}

/// Draws a batch of `n` augmented crops placed by `sampler`.
pub(crate) fn draw(
    images: &[LabelledImage],
    input: &CropInput,
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
        let levels = input.levels.get(i).copied().flatten();
        inputs.extend(degrade(&img, size, aug, rng, (input.norm, levels)));
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
/// (the detector), then noise; clipped to 0–1 like an 8-bit image. With per-image levels the
/// result is normalised by the image's levels moved by the same gain and offset, as the whole
/// augmented image's percentiles would be.
fn degrade(
    img: &[u8],
    size: usize,
    aug: Augment,
    rng: &mut Rng,
    (norm, levels): (InputNorm, Option<(f64, f64)>),
) -> Vec<f32> {
    let mut x: Vec<f32> = img.iter().map(|&v| f32::from(v) / 255.0).collect();
    if aug.blur > 0.0 && rng.chance(0.5) {
        blur(&mut x, size, rng.range(0.0, aug.blur));
    }
    let gain = rng.range(1.0 - aug.gain, 1.0 + aug.gain);
    let offset = rng.range(-aug.offset, aug.offset);
    let gamma = (aug.gamma > 0.0).then(|| rng.range(-aug.gamma, aug.gamma).exp());
    // Without gamma the linear response stays unclipped here, bit for bit as before gamma.
    let detector = |v: f64| {
        let linear = v * gain + offset;
        gamma.map_or(linear, |g| linear.clamp(0.0, 1.0).powf(g))
    };
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
        *v = ((detector(f64::from(*v)) + noise).clamp(0.0, 1.0)) as f32;
    }
    if let Some((lo, hi)) = levels {
        let lo = detector(lo);
        let moved = Some((lo, detector(hi).max(lo + 1e-3)));
        for v in &mut x {
            *v = norm.apply(f64::from(*v), moved);
        }
    } else if norm != InputNorm::default() {
        for v in &mut x {
            *v = norm.apply(f64::from(*v), None);
        }
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

    const ABSOLUTE: (InputNorm, Option<(f64, f64)>) = (
        InputNorm {
            scale: 1.0 / 255.0,
            mean: 0.0,
            std: 1.0,
            percentiles: None,
            scope: crate::model::config::LevelScope::Image,
        },
        None,
    );

    /// A 32² image of grey levels `grey(i)` and a mask of two classes.
    fn image_of(grey: impl Fn(usize) -> u8) -> LabelledImage {
        LabelledImage {
            image: Grey8 {
                width: 32,
                height: 32,
                pixels: (0..1024).map(&grey).collect(),
            },
            mask: (0..1024).map(|i| u8::from(i % 32 >= 16)).collect(),
            pixel_size: 1.0,
            site: None,
        }
    }

    #[test]
    fn per_image_crops_of_a_brighter_session_are_the_same_input() {
        let a = image_of(|i| 30 + (i * 13 % 90) as u8);
        let b = image_of(|i| 2 * (30 + (i * 13 % 90) as u8) + 5);
        // Gain and offset as augmentation too (small enough that nothing clips at white): the
        // levels move with them.
        let aug = Augment {
            geometric: false,
            gain: 0.03,
            offset: 0.01,
            noise: 0.0,
            blur: 0.0,
            gamma: 0.0,
        };
        let draw_one = |img: LabelledImage| {
            let images = vec![img];
            let input = CropInput::new(InputNorm::per_image(), &images);
            let sampler = CropSampler::new(&images, 2, 0.0);
            draw(&images, &input, &sampler, 4, 16, aug, &mut Rng::new(9)).inputs
        };
        let (xa, xb) = (draw_one(a), draw_one(b));
        let worst = xa
            .iter()
            .zip(&xb)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f32::max);
        assert!(worst < 1e-5, "largest difference {worst}");
        assert!(
            xa.iter().any(|&v| v < 0.2) && xa.iter().any(|&v| v > 0.8),
            "spread over 0–1"
        );
    }

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
            site: None,
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
        let input = CropInput::new(InputNorm::default(), &images);
        let b = draw(&images, &input, &sampler, 3, 16, aug, &mut rng);
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
            gamma: 0.0,
        };
        for _ in 0..20 {
            let x = degrade(&flat, 32, only(0.0, 0.0, 0.0, 2.0), &mut rng, ABSOLUTE);
            assert!(x.iter().all(|&v| (v - 128.0 / 255.0).abs() < 1e-5));
            let x = degrade(&flat, 32, only(0.2, 0.08, 0.0, 0.0), &mut rng, ABSOLUTE);
            let v = f64::from(x[0]);
            assert!(x.iter().all(|&y| (y - x[0]).abs() < 1e-7));
            assert!((128.0 / 255.0 * 0.8 - 0.08..=128.0 / 255.0 * 1.2 + 0.08).contains(&v));
            let x = degrade(&flat, 32, only(0.0, 0.0, 0.05, 0.0), &mut rng, ABSOLUTE);
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
