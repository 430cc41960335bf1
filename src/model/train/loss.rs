//! Training loss: pixel cross-entropy (optionally class-weighted) plus soft Dice over the
//! classes present in the batch, so rare classes count without dominating empty crops.
//! Unlabelled pixels (a partial mask's [`UNLABELLED`], or any id outside the classes) take no
//! part in either term: scribbles train the network where they are, and nowhere else.

use burn::prelude::*;
use burn::tensor::activation::{log_softmax, softmax};

#[cfg(doc)]
use crate::dataset::schema::UNLABELLED;

/// Per-class weights from pixel counts: `sqrt(median / count)`, clipped to [0.1, 10];
/// absent classes get 1. Rare classes weigh more, without the instability of 1/count.
pub fn class_weights(counts: &[u64]) -> Vec<f32> {
    let mut present: Vec<u64> = counts.iter().copied().filter(|&c| c > 0).collect();
    present.sort_unstable();
    let median = present.get(present.len() / 2).copied().unwrap_or(1) as f64;
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                1.0
            } else {
                (median / c as f64).sqrt().clamp(0.1, 10.0) as f32
            }
        })
        .collect()
}

/// Cross-entropy + `dice_weight` · (1 − mean Dice of present classes), over labelled pixels.
///
/// The cross-entropy is the weighted mean PyTorch's `CrossEntropyLoss(weight, ignore_index)`
/// computes: `Σ −w[t]·log p[t] / Σ w[t]` over the labelled pixels. With every pixel labelled it
/// equals burn's `CrossEntropyLoss` (tested). A batch with no labelled pixel gives 0.
///
/// # Shapes
/// - logits `[n, classes, h, w]`
/// - targets `[n, h, w]` class ids; ids outside `0..classes` are unlabelled
pub fn loss(
    logits: Tensor<4>,
    targets: &[i64],
    weights: Option<&[f32]>,
    dice_weight: f64,
) -> Tensor<1> {
    let [n, c, h, w] = logits.dims();
    let device = logits.device();
    let flat = logits.clone().permute([0, 2, 3, 1]).reshape([n * h * w, c]);
    let (index, pixel_weight) = labelled(targets, c, weights);
    let total = pixel_weight.iter().sum::<f32>().max(f32::MIN_POSITIVE);
    let index = Tensor::<1, Int>::from_ints(index.as_slice(), &device).reshape([n * h * w, 1]);
    let picked = log_softmax(flat, 1).gather(1, index).reshape([n * h * w]);
    let weight = Tensor::<1>::from_floats(pixel_weight.as_slice(), &device);
    let ce = (picked * weight).sum().neg().div_scalar(total);
    if dice_weight <= 0.0 {
        return ce;
    }
    let (onehot, present) = one_hot(targets, n, c, h * w);
    let t = Tensor::<1>::from_floats(onehot.as_slice(), &device).reshape([n, c, h, w]);
    let valid: Vec<f32> = targets
        .iter()
        .map(|&t| f32::from(u8::from((0..c as i64).contains(&t))))
        .collect();
    let valid = Tensor::<1>::from_floats(valid.as_slice(), &device).reshape([n, 1, h, w]);
    // Predictions on unlabelled pixels are neither right nor wrong.
    let p = softmax(logits, 1) * valid;
    let sum = |x: Tensor<4>| x.sum_dim(0).sum_dim(2).sum_dim(3).reshape([c]);
    let inter = sum(p.clone() * t.clone());
    let denom = sum(p) + sum(t);
    let dice = (inter.mul_scalar(2.0).add_scalar(1.0)) / denom.add_scalar(1.0);
    let mask = Tensor::<1>::from_floats(present.as_slice(), &device);
    let n_present = present.iter().sum::<f32>().max(1.0);
    let mean_dice = (dice * mask).sum().div_scalar(n_present);
    ce + mean_dice.neg().add_scalar(1.0).mul_scalar(dice_weight)
}

/// Per pixel: the class index to gather (0 for an unlabelled pixel, whose weight is 0) and
/// the pixel's weight (its class's, or 1 without weights; 0 when unlabelled).
fn labelled(targets: &[i64], c: usize, weights: Option<&[f32]>) -> (Vec<i64>, Vec<f32>) {
    targets
        .iter()
        .map(|&t| match usize::try_from(t).ok().filter(|&t| t < c) {
            Some(t) => (t as i64, weights.map_or(1.0, |w| w[t])),
            None => (0, 0.0),
        })
        .unzip()
}

/// One-hot `[n][c][hw]` targets and a 0/1 flag per class present in the batch.
fn one_hot(targets: &[i64], n: usize, c: usize, hw: usize) -> (Vec<f32>, Vec<f32>) {
    let mut out = vec![0f32; n * c * hw];
    let mut present = vec![0f32; c];
    for (i, &t) in targets.iter().enumerate() {
        let (img, px) = (i / hw, i % hw);
        let t = t as usize;
        if t < c {
            out[(img * c + t) * hw + px] = 1.0;
            present[t] = 1.0;
        }
    }
    (out, present)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_favour_rare_classes() {
        let w = class_weights(&[1000, 10, 0, 100_000]);
        assert!((w[0] - 1.0).abs() < 1e-6, "median class weighs 1: {w:?}");
        assert!(
            (w[1] - 10.0).abs() < 1e-6,
            "1000/10 → sqrt 10, clipped at 10: {w:?}"
        );
        assert!((w[2] - 1.0).abs() < f32::EPSILON);
        assert!((w[3] - 0.1).abs() < 1e-6);
    }

    fn logits_of(values: &[f32], n: usize, c: usize, hw: usize) -> Tensor<4> {
        Tensor::<1>::from_floats(values, &Device::default()).reshape([n, c, 1, hw])
    }

    #[test]
    fn cross_entropy_equals_burns_on_full_labels_and_ignores_unlabelled_pixels() {
        use burn::nn::loss::CrossEntropyLossConfig;
        // 2 images × 3 classes × 4 pixels of varied logits.
        let values: Vec<f32> = (0..24).map(|i| ((i * 7 % 11) as f32 - 5.0) / 3.0).collect();
        let targets = [0i64, 2, 1, 1, 2, 0, 0, 1];
        let weights = [0.5f32, 2.0, 1.0];
        for w in [None, Some(&weights[..])] {
            let ours: f32 = loss(logits_of(&values, 2, 3, 4), &targets, w, 0.0).into_scalar();
            let flat = logits_of(&values, 2, 3, 4)
                .permute([0, 2, 3, 1])
                .reshape([8, 3]);
            let burns: f32 = CrossEntropyLossConfig::new()
                .with_weights(w.map(<[f32]>::to_vec))
                .init(&Device::default())
                .forward(
                    flat,
                    Tensor::<1, Int>::from_ints(&targets[..], &Device::default()),
                )
                .into_scalar();
            assert!(
                (ours - burns).abs() < 1e-5,
                "{ours} vs burn {burns} ({w:?})"
            );
        }
        // Unlabelled pixels (254) change nothing: the loss is that of the labelled ones alone.
        let partial = [0i64, 254, 1, 254, 254, 0, 0, 254];
        let full: f32 =
            loss(logits_of(&values, 2, 3, 4), &partial, Some(&weights), 0.5).into_scalar();
        let mut moved = values.clone();
        for (k, &t) in partial.iter().enumerate() {
            if t == 254 {
                // Any logits at an unlabelled pixel: the loss must not see them.
                let (img, px) = (k / 4, k % 4);
                for ch in 0..3 {
                    moved[(img * 3 + ch) * 4 + px] += 9.0 * (ch as f32 - 1.0);
                }
            }
        }
        let same: f32 =
            loss(logits_of(&moved, 2, 3, 4), &partial, Some(&weights), 0.5).into_scalar();
        assert!((full - same).abs() < 1e-6, "{full} vs {same}");
        assert!(full.is_finite() && full > 0.0);
        // No labelled pixel: the cross-entropy is 0 and the Dice term has no class.
        let none: f32 = loss(logits_of(&values, 2, 3, 4), &[254; 8], None, 0.5).into_scalar();
        assert!((none - 0.5).abs() < 1e-6, "{none}");
    }

    #[test]
    fn one_hot_layout() {
        let (o, p) = one_hot(&[1, 0, 2, 1], 2, 3, 2);
        // image 0: pixels (1, 0); image 1: pixels (2, 1)
        assert_eq!(o, vec![0., 1., 1., 0., 0., 0., 0., 0., 0., 1., 1., 0.]);
        assert_eq!(p, vec![1., 1., 1.]);
    }
}
