//! semcurate's training loss (src/model/train/loss.rs `loss()`) and its gradient.
//!
//! Over labelled pixels only (targets outside `0..K`, e.g. 254 or negative, are unlabelled):
//! - cross-entropy `CE = Σ −w[t]·log p_t / max(Σ w[t], f32::MIN_POSITIVE)` (PyTorch's
//!   weighted mean; `w` = 1 without class weights);
//! - soft Dice per class `(2·I_c + 1) / (Σ p_c + Σ t_c + 1)` with `I_c = Σ p_c·t_c`, softmax
//!   `p` zeroed on unlabelled pixels; its mean over the classes present in the targets
//!   (divided by max(#present, 1));
//! - `loss = CE + dice_weight · (1 − mean Dice)`, or `CE` alone when `dice_weight ≤ 0`.
//!
//! Sums are f64, per image and then in image order.

use rayon::prelude::*;

use crate::Act;

/// The loss and its terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossParts {
    pub loss: f64,
    pub ce: f64,
    /// Mean soft Dice over the present classes (0 without a Dice term or present class).
    pub dice: f64,
}

/// The target class of a pixel, `None` when unlabelled.
fn class(t: i64, k: usize) -> Option<usize> {
    usize::try_from(t).ok().filter(|&t| t < k)
}

/// Per-image sums: `[ce, Σw]` then per class `[Σ p_c, I_c, count_c]`.
struct Sums {
    ce: [f64; 2],
    class: Vec<[f64; 3]>,
}

/// Softmax of every pixel of `logits` (written to `p`) and its [`Sums`].
fn softmax_sums(logits: &Act, targets: &[i64], weights: Option<&[f32]>, p: &mut Act) -> Sums {
    let (k, w) = (logits.c, logits.w);
    let mut s = Sums {
        ce: [0.0; 2],
        class: vec![[0.0; 3]; k],
    };
    let mut e = vec![0.0f32; k];
    for y in 0..logits.h {
        for x in 0..w {
            let Some(t) = class(targets[y * w + x], k) else {
                continue;
            };
            let at = |c| logits.at(y + 1, c) + 1 + x;
            let max = (0..k).map(|c| logits.data[at(c)]).fold(f32::MIN, f32::max);
            let mut sum = 0.0f32;
            for (c, e) in e.iter_mut().enumerate() {
                *e = (logits.data[at(c)] - max).exp();
                sum += *e;
            }
            for (c, &e) in e.iter().enumerate() {
                let pc = e / sum;
                p.data[at(c)] = pc;
                s.class[c][0] += f64::from(pc);
            }
            let wt = f64::from(weights.map_or(1.0, |w| w[t]));
            let logp = f64::from(logits.data[at(t)] - max) - f64::from(sum).ln();
            s.ce[0] -= wt * logp;
            s.ce[1] += wt;
            s.class[t][1] += f64::from(p.data[at(t)]);
            s.class[t][2] += 1.0;
        }
    }
    s
}

/// The loss of `logits` (K channels per image) against `targets` (`[n][h][w]`) and its
/// gradient with respect to the logits (zero at unlabelled pixels).
pub fn loss_and_grad(
    logits: &[Act],
    targets: &[i64],
    weights: Option<&[f32]>,
    dice_weight: f64,
) -> (LossParts, Vec<Act>) {
    let (k, h, w) = (logits[0].c, logits[0].h, logits[0].w);
    assert_eq!(targets.len(), logits.len() * h * w, "targets are [n][h][w]");
    let mut grads: Vec<Act> = logits.iter().map(|_| Act::zeros(k, h, w)).collect();
    let parts: Vec<Sums> = grads
        .par_iter_mut()
        .zip(logits)
        .zip(targets.par_chunks_exact(h * w))
        .map(|((p, l), t)| softmax_sums(l, t, weights, p))
        .collect();
    let mut ce = [0.0f64; 2];
    let mut cls = vec![[0.0f64; 3]; k];
    for s in &parts {
        ce[0] += s.ce[0];
        ce[1] += s.ce[1];
        for (a, b) in cls.iter_mut().zip(&s.class) {
            a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        }
    }
    let total = ce[1].max(f64::from(f32::MIN_POSITIVE));
    let ce_loss = ce[0] / total;
    let present = cls.iter().filter(|c| c[2] > 0.0).count();
    let np = (present as f64).max(1.0);
    let dice_on = dice_weight > 0.0;
    // dL/dp_c = G_c·(2·t_c·(D_c + 1) − (2·I_c + 1)), G_c = −dice_weight / (#present·(D_c + 1)²).
    let mut dice = 0.0;
    let mut g = vec![[0.0f32; 2]; k];
    for (c, &[sp, inter, count]) in cls.iter().enumerate() {
        if !dice_on || count == 0.0 {
            continue;
        }
        let d1 = sp + count + 1.0;
        dice += (2.0 * inter + 1.0) / d1;
        let gc = -dice_weight / (np * d1 * d1);
        // [not the target, the target]
        g[c] = [
            (-gc * (2.0 * inter + 1.0)) as f32,
            (gc * (2.0 * d1 - 2.0 * inter - 1.0)) as f32,
        ];
    }
    dice /= np;
    let loss = ce_loss
        + if dice_on {
            dice_weight * (1.0 - dice)
        } else {
            0.0
        };
    let ce_scale = 1.0 / total;
    grads
        .par_iter_mut()
        .zip(targets.par_chunks_exact(h * w))
        .for_each(|(p, t)| pixel_grads(p, t, weights, &g, ce_scale));
    let parts = LossParts {
        loss,
        ce: ce_loss,
        dice,
    };
    (parts, grads)
}

/// Softmax probabilities `p` (labelled pixels) → `dL/dlogit`:
/// `w_t/W·(p_j − δ_jt) + p_j·(g_j − Σ_c p_c·g_c)`; unlabelled pixels stay 0.
fn pixel_grads(p: &mut Act, targets: &[i64], weights: Option<&[f32]>, g: &[[f32; 2]], s: f64) {
    let (k, w) = (p.c, p.w);
    let mut gp = vec![0.0f32; k];
    for y in 0..p.h {
        for x in 0..w {
            let Some(t) = class(targets[y * w + x], k) else {
                continue;
            };
            let (row, rs) = (p.at(y + 1, 0) + 1 + x, p.rs);
            let at = |c: usize| row + c * rs;
            let mut dot = 0.0f32;
            for (c, gp) in gp.iter_mut().enumerate() {
                *gp = g[c][usize::from(c == t)];
                dot += p.data[at(c)] * *gp;
            }
            let wt = (f64::from(weights.map_or(1.0, |w| w[t])) * s) as f32;
            for (c, &gc) in gp.iter().enumerate() {
                let pc = p.data[at(c)];
                let onehot = if c == t { 1.0 } else { 0.0 };
                p.data[at(c)] = wt * (pc - onehot) + pc * (gc - dot);
            }
        }
    }
}
