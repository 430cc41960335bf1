//! Training batches: random square crops with the study's augmentations (the three 90°
//! rotations, brightness changes) plus flips. Pure data work on `Vec`s; tensors are made by
//! the caller.

use crate::dataset::load::LabelledImage;
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
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Augment {
    /// Rotations by 90° and flips.
    pub geometric: bool,
    /// Contrast gain drawn from `1 ± gain`.
    pub gain: f64,
    /// Brightness offset drawn from `± offset` (input units, grey / 255).
    pub offset: f64,
}

impl Default for Augment {
    fn default() -> Self {
        Self {
            geometric: true,
            gain: 0.2,
            offset: 0.08,
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

/// Draws a batch of `n` augmented crops from random images.
pub(crate) fn draw(
    images: &[LabelledImage],
    n: usize,
    size: usize,
    aug: Augment,
    rng: &mut Rng,
) -> Batch {
    let mut inputs = Vec::with_capacity(n * size * size);
    let mut targets = Vec::with_capacity(n * size * size);
    for _ in 0..n {
        let s = &images[rng.below(images.len())];
        let (w, h) = (s.image.width as usize, s.image.height as usize);
        let (x0, y0) = (rng.below(w - size + 1), rng.below(h - size + 1));
        let mut img = window(&s.image.pixels, w, x0, y0, size);
        let mut mask = window(&s.mask, w, x0, y0, size);
        if aug.geometric {
            let k = rng.below(4);
            let flip = rng.chance(0.5);
            img = orient(&img, size, k, flip);
            mask = orient(&mask, size, k, flip);
        }
        let gain = rng.range(1.0 - aug.gain, 1.0 + aug.gain);
        let offset = rng.range(-aug.offset, aug.offset);
        inputs.extend(
            img.iter()
                .map(|&v| ((f64::from(v) / 255.0 * gain + offset).clamp(0.0, 1.0)) as f32),
        );
        targets.extend(mask.iter().map(|&c| i64::from(c)));
    }
    Batch {
        n,
        size,
        inputs,
        targets,
    }
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
            ..Augment::default()
        };
        let b = draw(&images, 3, 16, aug, &mut rng);
        assert_eq!((b.inputs.len(), b.targets.len()), (3 * 256, 3 * 256));
        for (x, t) in b.inputs.iter().zip(&b.targets) {
            let v = (x * 255.0).round() as i64;
            assert_eq!(v % 10, *t);
        }
    }
}
