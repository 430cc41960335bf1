//! The forward pass in training mode, keeping every tensor the backward pass reads.

use super::bn::{self, Norm};
use super::{BN_EPS, BN_MOMENTUM, ConvBn, TrainWeights};
use crate::grad::{self, singles};
use crate::{Act, Isa, act, pack, pack_up};

/// Channel-dropout keep masks of the 7 double convs (`conv1`–`conv7`), each `[n][c]`: 0
/// (dropped) or 1/(1 − p) (kept), as semcurate's `channel_dropout` draws them.
#[derive(Debug, Clone, PartialEq)]
pub struct DropMasks(pub [Vec<f32>; 7]);

impl DropMasks {
    /// Output channels of the 7 double convs for base width `b`.
    pub fn widths(b: usize) -> [usize; 7] {
        [b, 2 * b, 4 * b, 8 * b, 4 * b, 2 * b, b]
    }

    /// No dropout (p = 0): every mask 1.
    pub fn none(n: usize, b: usize) -> Self {
        Self(Self::widths(b).map(|c| vec![1.0; n * c]))
    }

    /// Masks drawn with probability `p` of dropping a channel, from `seed` (splitmix64; the
    /// same seed gives the same masks).
    pub fn draw(n: usize, b: usize, p: f64, seed: u64) -> Self {
        if p <= 0.0 {
            return Self::none(n, b);
        }
        let scale = (1.0 / (1.0 - p)) as f32;
        let mut s = seed;
        let mut next = move || {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        };
        Self(Self::widths(b).map(|c| {
            (0..n * c)
                .map(|_| if next() < p { 0.0 } else { scale })
                .collect()
        }))
    }
}

/// One convolution + `BatchNorm` of a training forward pass.
pub struct ConvSaved {
    /// The convolution's output (bias included), before `BatchNorm`.
    pub z: Vec<Act>,
    /// Batch mean, 1/√(var + ε), and the folded `γ·σ⁻¹`, `β − μ·γ·σ⁻¹` per channel.
    pub mean: Vec<f32>,
    pub inv_std: Vec<f32>,
    pub scale: Vec<f32>,
    pub shift: Vec<f32>,
}

impl ConvSaved {
    pub(super) fn norm<'a>(&'a self, gamma: &'a [f32]) -> Norm<'a> {
        Norm {
            mean: &self.mean,
            inv_std: &self.inv_std,
            gamma,
            scale: &self.scale,
            shift: &self.shift,
        }
    }
}

/// One double conv of a training forward pass.
pub struct BlockSaved {
    pub a: ConvSaved,
    /// `ReLU(BN(conv a))`: conv b's input.
    pub mid: Vec<Act>,
    pub b: ConvSaved,
    /// The block's output, after dropout.
    pub out: Vec<Act>,
}

/// Everything a training forward pass keeps, per image.
pub struct Saved {
    /// The input images (1 channel).
    pub x0: Vec<Act>,
    /// Encoder blocks 1–4.
    pub enc: [BlockSaved; 4],
    /// Max-pools of encoder outputs 1–3 (the inputs of blocks 2–4).
    pub pooled: [Vec<Act>; 3],
    /// Outputs of up-convs 3, 2, 1.
    pub ups: [Vec<Act>; 3],
    /// Decoder blocks 5–7.
    pub dec: [BlockSaved; 3],
    /// The head's output, K channels.
    pub logits: Vec<Act>,
}

impl Saved {
    /// The logits as `[n][K][h][w]` values.
    pub fn logits_planar(&self) -> Vec<f32> {
        self.logits
            .iter()
            .flat_map(|a| (0..a.c).flat_map(|c| a.plane(c)))
            .collect()
    }
}

/// Convolution, batch statistics (running statistics updated), `BatchNorm` + `ReLU` (+ the
/// dropout `keep` mask).
fn conv_bn(
    isa: Isa,
    cb: &mut ConvBn,
    xs: &[Vec<&Act>],
    keep: Option<&[f32]>,
) -> (ConvSaved, Vec<Act>) {
    let z = grad::conv3_batch(isa, &pack(&cb.conv), xs, false);
    let (mean, var) = bn::stats(&z);
    let (keep_old, m) = ((1.0 - BN_MOMENTUM) as f32, BN_MOMENTUM as f32);
    let bn = &mut cb.bn;
    for c in 0..mean.len() {
        bn.running_mean[c] = bn.running_mean[c] * keep_old + mean[c] as f32 * m;
        bn.running_var[c] = bn.running_var[c] * keep_old + var[c] as f32 * m;
    }
    let inv: Vec<f64> = var.iter().map(|v| 1.0 / (v + BN_EPS).sqrt()).collect();
    let scale: Vec<f64> = inv
        .iter()
        .zip(&bn.gamma)
        .map(|(i, &g)| i * f64::from(g))
        .collect();
    let shift = (0..mean.len())
        .map(|c| (f64::from(bn.beta[c]) - mean[c] * scale[c]) as f32)
        .collect();
    let s = ConvSaved {
        z,
        mean: mean.iter().map(|&v| v as f32).collect(),
        inv_std: inv.iter().map(|&v| v as f32).collect(),
        scale: scale.iter().map(|&v| v as f32).collect(),
        shift,
    };
    let out = bn::apply(&s.z, &s.scale, &s.shift, keep);
    (s, out)
}

fn block(isa: Isa, d: &mut [ConvBn; 2], xs: &[Vec<&Act>], keep: &[f32]) -> BlockSaved {
    let (a, mid) = conv_bn(isa, &mut d[0], xs, None);
    let (b, out) = conv_bn(isa, &mut d[1], &singles(&mid), Some(keep));
    BlockSaved { a, mid, b, out }
}

/// Each image's skip and up-sampled tensors as one concatenation (skip first).
pub(super) fn cat<'a>(skip: &'a [Act], up: &'a [Act]) -> Vec<Vec<&'a Act>> {
    skip.iter().zip(up).map(|(s, u)| vec![s, u]).collect()
}

/// The forward pass in training mode of `n` images (`inputs`: `[n][h][w]`, h and w multiples
/// of 8) with dropout masks `masks`; updates the running statistics in `w` like burn does.
pub fn forward_train(
    isa: Isa,
    inputs: &[f32],
    [n, h, w]: [usize; 3],
    weights: &mut TrainWeights,
    masks: &DropMasks,
) -> Saved {
    assert!(h.is_multiple_of(8) && w.is_multiple_of(8) && inputs.len() == n * h * w);
    let x0: Vec<Act> = inputs
        .chunks_exact(h * w)
        .map(|p| Act::from_plane(p, h, w))
        .collect();
    let TrainWeights { enc, up, dec, head } = weights;
    let m = &masks.0;
    let e1 = block(isa, &mut enc[0], &singles(&x0), &m[0]);
    let pool = |a: &[Act]| a.iter().map(act::max_pool).collect::<Vec<_>>();
    let p1 = pool(&e1.out);
    let e2 = block(isa, &mut enc[1], &singles(&p1), &m[1]);
    let p2 = pool(&e2.out);
    let e3 = block(isa, &mut enc[2], &singles(&p2), &m[2]);
    let p3 = pool(&e3.out);
    let e4 = block(isa, &mut enc[3], &singles(&p3), &m[3]);
    let u3 = grad::up_batch(isa, &pack_up(&up[0]), &e4.out);
    let d5 = block(isa, &mut dec[0], &cat(&e3.out, &u3), &m[4]);
    let u2 = grad::up_batch(isa, &pack_up(&up[1]), &d5.out);
    let d6 = block(isa, &mut dec[1], &cat(&e2.out, &u2), &m[5]);
    let u1 = grad::up_batch(isa, &pack_up(&up[2]), &d6.out);
    let d7 = block(isa, &mut dec[2], &cat(&e1.out, &u1), &m[6]);
    let logits = grad::conv1_batch(isa, &pack(head), &singles(&d7.out));
    Saved {
        x0,
        enc: [e1, e2, e3, e4],
        pooled: [p1, p2, p3],
        ups: [u3, u2, u1],
        dec: [d5, d6, d7],
        logits,
    }
}
