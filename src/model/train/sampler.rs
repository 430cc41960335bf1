//! Where training crops come from: uniform over images and positions, or, with probability
//! `balance`, centred near a pixel of a class drawn uniformly among the classes present. A
//! class with 0.5 % of the pixels is then seen in about as many crops as one with 50 %, which a
//! class-weighted loss alone cannot do when a rare class is missing from most crops.

use crate::dataset::load::LabelledImage;
use crate::rng::Rng;

/// Crop origins for one bin's train images.
#[derive(Debug, Clone)]
pub struct CropSampler {
    /// Per class: (image index, pixels of the class in it) for images that contain it.
    by_class: Vec<Vec<(usize, usize)>>,
    /// Classes with at least one pixel.
    present: Vec<usize>,
    balance: f64,
}

impl CropSampler {
    /// Counts each class's pixels per image once (classes ≥ `classes`, unlabelled pixels
    /// included, are ignored). When any mask is partial (scribbles), every crop is placed on a
    /// labelled pixel: a crop placed at random would mostly hold no label to learn from.
    pub fn new(images: &[LabelledImage], classes: usize, balance: f64) -> Self {
        let partial = images
            .iter()
            .any(|s| s.mask.contains(&crate::dataset::schema::UNLABELLED));
        let balance = if partial { 1.0 } else { balance };
        let mut by_class = vec![Vec::new(); classes];
        for (i, s) in images.iter().enumerate() {
            let mut counts = vec![0usize; classes];
            for &c in &s.mask {
                if let Some(n) = counts.get_mut(usize::from(c)) {
                    *n += 1;
                }
            }
            for (c, &n) in counts.iter().enumerate() {
                if n > 0 {
                    by_class[c].push((i, n));
                }
            }
        }
        let present = (0..classes).filter(|&c| !by_class[c].is_empty()).collect();
        Self {
            by_class,
            present,
            balance: balance.clamp(0.0, 1.0),
        }
    }

    /// Classes with at least one pixel.
    pub fn present(&self) -> &[usize] {
        &self.present
    }

    /// Image index and top-left corner of a `size`×`size` crop (`size` ≤ every image side).
    pub(crate) fn origin(
        &self,
        images: &[LabelledImage],
        size: usize,
        rng: &mut Rng,
    ) -> (usize, usize, usize) {
        let present = &self.present;
        if present.is_empty() || !rng.chance(self.balance) {
            let i = rng.below(images.len());
            let (w, h) = dims(&images[i]);
            return (i, rng.below(w - size + 1), rng.below(h - size + 1));
        }
        let class = present[rng.below(present.len())];
        let (i, count) = self.by_class[class][rng.below(self.by_class[class].len())];
        let k = rng.below(count);
        let at = nth_pixel_of(&images[i].mask, class, k);
        let (w, h) = dims(&images[i]);
        // The pixel lands anywhere in the middle half of the crop, not always at its centre.
        let jitter = |rng: &mut Rng| rng.below(size / 2 + 1) as isize - (size / 4) as isize;
        let place = |centre: usize, side: usize, j: isize| {
            let x = centre as isize - (size / 2) as isize + j;
            x.clamp(0, (side - size) as isize) as usize
        };
        let jx = jitter(rng);
        let jy = jitter(rng);
        (i, place(at % w, w, jx), place(at / w, h, jy))
    }

    /// Pixels per class over `draws` crops placed as [`origin`](Self::origin) places them:
    /// the class frequencies training really sees, for loss weights that correct only the
    /// imbalance the sampler leaves (weights from whole images would count rare classes
    /// twice).
    pub(crate) fn sampled_counts(
        &self,
        images: &[LabelledImage],
        size: usize,
        draws: usize,
        rng: &mut Rng,
    ) -> Vec<u64> {
        let mut counts = vec![0u64; self.by_class.len()];
        for _ in 0..draws {
            let (i, x0, y0) = self.origin(images, size, rng);
            let w = images[i].image.width as usize;
            for y in y0..y0 + size {
                for &c in &images[i].mask[y * w + x0..y * w + x0 + size] {
                    if let Some(n) = counts.get_mut(usize::from(c)) {
                        *n += 1;
                    }
                }
            }
        }
        counts
    }
}

fn dims(s: &LabelledImage) -> (usize, usize) {
    (s.image.width as usize, s.image.height as usize)
}

/// Index of the `k`-th pixel (0-based) whose class is `class`; the last one when there are
/// fewer.
fn nth_pixel_of(mask: &[u8], class: usize, k: usize) -> usize {
    let mut last = 0;
    let mut seen = 0;
    for (i, &c) in mask.iter().enumerate() {
        if usize::from(c) == class {
            if seen == k {
                return i;
            }
            seen += 1;
            last = i;
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::raster::Grey8;

    fn image(w: usize, h: usize, mask: Vec<u8>) -> LabelledImage {
        LabelledImage {
            image: Grey8 {
                width: w as u32,
                height: h as u32,
                pixels: vec![0; w * h],
            },
            mask,
            pixel_size: 1.0,
            site: None,
        }
    }

    /// One 64² image of class 0 with a single class-1 pixel at (50, 40). Uniform 16² crops
    /// contain it with odds 14/49 · 16/49 ≈ 9.3 % (≈ 187 of 2000); balanced ones whenever
    /// class 1 is drawn (half the time) plus some class-0 crops nearby (≈ 1000–1100).
    #[test]
    fn balanced_crops_find_a_one_pixel_class() {
        let mut mask = vec![0u8; 64 * 64];
        mask[40 * 64 + 50] = 1;
        let images = vec![image(64, 64, mask)];
        let hits = |balance: f64| {
            let sampler = CropSampler::new(&images, 3, balance);
            assert_eq!(sampler.present(), [0, 1]);
            let mut rng = Rng::new(3);
            (0..2000)
                .filter(|_| {
                    let (i, x, y) = sampler.origin(&images, 16, &mut rng);
                    assert_eq!(i, 0);
                    assert!(x <= 48 && y <= 48);
                    (x..x + 16).contains(&50) && (y..y + 16).contains(&40)
                })
                .count()
        };
        let (balanced, uniform) = (hits(1.0), hits(0.0));
        assert!((950..1250).contains(&balanced), "balanced {balanced}");
        assert!((140..240).contains(&uniform), "uniform {uniform}");
    }

    /// Uniform crops over one image see its classes in proportion; balanced ones lift the
    /// one-pixel class far above its 1/4096 share.
    #[test]
    fn sampled_counts_follow_the_sampler() {
        let mut mask = vec![0u8; 64 * 64];
        mask[40 * 64 + 50] = 1;
        let images = vec![image(64, 64, mask)];
        let mut rng = Rng::new(1);
        let whole = CropSampler::new(&images, 2, 0.0).sampled_counts(&images, 64, 3, &mut rng);
        assert_eq!(whole, vec![3 * 4095, 3]);
        let balanced = CropSampler::new(&images, 2, 1.0).sampled_counts(&images, 16, 400, &mut rng);
        assert_eq!(balanced.iter().sum::<u64>(), 400 * 256);
        assert!(balanced[1] >= 180, "{balanced:?}");
    }

    #[test]
    fn crops_of_partial_masks_always_hold_a_label() {
        // One scribble of 3 pixels in a 64² mask that is otherwise unlabelled.
        let mut mask = vec![crate::dataset::schema::UNLABELLED; 64 * 64];
        for x in 40..43 {
            mask[50 * 64 + x] = 2;
        }
        let images = vec![image(64, 64, mask)];
        let s = CropSampler::new(&images, 4, 0.0);
        let mut rng = Rng::new(3);
        for _ in 0..200 {
            let (_, x0, y0) = s.origin(&images, 16, &mut rng);
            let holds =
                (y0..y0 + 16).any(|y| (x0..x0 + 16).any(|x| images[0].mask[y * 64 + x] == 2));
            assert!(holds, "crop at ({x0}, {y0}) holds no labelled pixel");
        }
    }

    #[test]
    fn nth_pixel_counts_in_row_major_order() {
        let mask = [0u8, 2, 2, 0, 2];
        assert_eq!(nth_pixel_of(&mask, 2, 0), 1);
        assert_eq!(nth_pixel_of(&mask, 2, 2), 4);
        assert_eq!(nth_pixel_of(&mask, 2, 9), 4);
    }
}
