//! Training loss: pixel cross-entropy (optionally class-weighted) plus soft Dice over the
//! classes present in the batch, so rare classes count without dominating empty crops.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use burn::tensor::activation::softmax;

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

/// Cross-entropy + `dice_weight` · (1 − mean Dice of present classes).
///
/// # Shapes
/// - logits `[n, classes, h, w]`
/// - targets `[n, h, w]` class ids
pub fn loss(
    logits: Tensor<4>,
    targets: &[i64],
    weights: Option<&[f32]>,
    dice_weight: f64,
) -> Tensor<1> {
    let [n, c, h, w] = logits.dims();
    let device = logits.device();
    let flat = logits.clone().permute([0, 2, 3, 1]).reshape([n * h * w, c]);
    let y = Tensor::<1, Int>::from_ints(targets, &device);
    let ce = CrossEntropyLossConfig::new()
        .with_weights(weights.map(<[f32]>::to_vec))
        .init(&device)
        .forward(flat, y);
    if dice_weight <= 0.0 {
        return ce;
    }
    let (onehot, present) = one_hot(targets, n, c, h * w);
    let t = Tensor::<1>::from_floats(onehot.as_slice(), &device).reshape([n, c, h, w]);
    let p = softmax(logits, 1);
    let sum = |x: Tensor<4>| x.sum_dim(0).sum_dim(2).sum_dim(3).reshape([c]);
    let inter = sum(p.clone() * t.clone());
    let denom = sum(p) + sum(t);
    let dice = (inter.mul_scalar(2.0).add_scalar(1.0)) / denom.add_scalar(1.0);
    let mask = Tensor::<1>::from_floats(present.as_slice(), &device);
    let n_present = present.iter().sum::<f32>().max(1.0);
    let mean_dice = (dice * mask).sum().div_scalar(n_present);
    ce + mean_dice.neg().add_scalar(1.0).mul_scalar(dice_weight)
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

    #[test]
    fn one_hot_layout() {
        let (o, p) = one_hot(&[1, 0, 2, 1], 2, 3, 2);
        // image 0: pixels (1, 0); image 1: pixels (2, 1)
        assert_eq!(o, vec![0., 1., 1., 0., 0., 0., 0., 0., 0., 1., 1., 0.]);
        assert_eq!(p, vec![1., 1., 1.]);
    }
}
