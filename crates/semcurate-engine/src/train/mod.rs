//! The engine's training step for the fixed U-Net (issue 24 §2): a forward pass in training
//! mode that keeps what the backward pass needs ([`forward_train`]), the loss of semcurate's
//! `loss()` and its gradient ([`loss_and_grad`]), the backward pass to every parameter
//! ([`backward()`]) and burn's Adam ([`adam_step`]).
//!
//! The network is semcurate's `UNet` (src/model/unet.rs) exactly: 1 grey input channel;
//! double-conv blocks (3×3 conv, padding 1, bias → `BatchNorm` in training mode → `ReLU`, twice)
//! of widths b, 2b, 4b and an 8b bottleneck with 2×2 max-pools between them; channel dropout
//! (a Bernoulli keep mask per image and channel, scaled by 1/(1 − p)) after *every* double
//! conv, encoder and decoder, before the output is pooled or used as a skip; a decoder of
//! 2×2 stride-2 transposed convs whose output is concatenated after the skip (skip first),
//! then a double conv; a 1×1 head to K classes.
//!
//! `BatchNorm` is burn 0.22's: batch mean and biased variance over (image, row, column) per
//! channel, ε = 1e-5, output `(z − mean) / sqrt(var + ε) · γ + β`, gradients through the
//! statistics; running mean / variance `← (1 − 0.1) · running + 0.1 · batch` (the biased
//! variance, as burn does; PyTorch would use the unbiased one).
//!
//! Layouts: activations are the engine's bordered [`Act`](crate::act::Act)s, one per image (`[h + 2][c][rs]`,
//! zero border, zero columns past `w`); parameters and their gradients are in burn / PyTorch
//! layouts ([`Conv`]: `[co][ci][ky][kx]`, [`UpConv`]: `[ci][co][dy][dx]`, `BatchNorm` vectors
//! `[c]`), so they copy to and from semcurate's burn model tensor by tensor.

mod adam;
mod backward;
mod bn;
mod forward;
mod loss;

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;

pub use adam::{Adam, adam_step};
pub use backward::backward;
pub use forward::{BlockSaved, ConvSaved, DropMasks, Saved, forward_train};
pub use loss::{LossParts, loss_and_grad};

use crate::{Conv, UNetWeights, UpConv};

/// burn's `BatchNormConfig` defaults.
pub const BN_EPS: f64 = 1e-5;
pub const BN_MOMENTUM: f64 = 0.1;

/// One `BatchNorm`'s parameters (`gamma`, `beta`) and running statistics, all `[c]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bn {
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
    pub running_mean: Vec<f32>,
    pub running_var: Vec<f32>,
}

impl Bn {
    /// burn's initial values: γ = 1, β = 0, running mean 0, running variance 1.
    pub fn new(c: usize) -> Self {
        Self {
            gamma: vec![1.0; c],
            beta: vec![0.0; c],
            running_mean: vec![0.0; c],
            running_var: vec![1.0; c],
        }
    }
}

/// A 3×3 convolution and the `BatchNorm` after it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvBn {
    pub conv: Conv,
    pub bn: Bn,
}

/// The trainable U-Net: encoder blocks `conv1`–`conv4`, up-convs `upconv3`, `upconv2`,
/// `upconv1` (deepest first), decoder blocks `conv5`–`conv7`, the head. Gradients
/// ([`backward()`]) come in the same type, with empty running statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainWeights {
    pub enc: [[ConvBn; 2]; 4],
    pub up: [UpConv; 3],
    pub dec: [[ConvBn; 2]; 3],
    pub head: Conv,
}

/// Deterministic uniform values in [−bound, bound) (xorshift64*).
fn uniform(n: usize, bound: f32, state: &mut u64) -> Vec<f32> {
    (0..n)
        .map(|_| {
            *state ^= *state >> 12;
            *state ^= *state << 25;
            *state ^= *state >> 27;
            let r = state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
            (r as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * bound
        })
        .collect()
}

impl TrainWeights {
    /// Fresh weights for base width `b` and `classes` classes: weights and biases uniform in
    /// ±1/√fan-in (burn's and PyTorch's default bound), `BatchNorm` as burn starts it.
    pub fn init(b: usize, classes: usize, seed: u64) -> Self {
        let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut conv = |cin: usize, cout: usize, k: usize| {
            let bound = 1.0 / ((cin * k * k) as f32).sqrt();
            Conv {
                cout,
                cin,
                k,
                w: uniform(cout * cin * k * k, bound, &mut s),
                b: uniform(cout, bound, &mut s),
            }
        };
        let mut block = |cin: usize, cout: usize| {
            [cin, cout].map(|ci| ConvBn {
                conv: conv(ci, cout, 3),
                bn: Bn::new(cout),
            })
        };
        let enc = [
            block(1, b),
            block(b, 2 * b),
            block(2 * b, 4 * b),
            block(4 * b, 8 * b),
        ];
        let dec = [block(8 * b, 4 * b), block(4 * b, 2 * b), block(2 * b, b)];
        let mut s2 = s ^ 0x5555;
        let up = [(8 * b, 4 * b), (4 * b, 2 * b), (2 * b, b)].map(|(cin, cout)| {
            let bound = 1.0 / ((cout * 4) as f32).sqrt();
            UpConv {
                cin,
                cout,
                w: uniform(cin * cout * 4, bound, &mut s2),
                b: uniform(cout, bound, &mut s2),
            }
        });
        let bound = 1.0 / (b as f32).sqrt();
        let head = Conv {
            cout: classes,
            cin: b,
            k: 1,
            w: uniform(classes * b, bound, &mut s2),
            b: uniform(classes, bound, &mut s2),
        };
        Self { enc, up, dec, head }
    }

    /// Base width b.
    pub fn width(&self) -> usize {
        self.enc[0][0].conv.cout
    }

    pub fn classes(&self) -> usize {
        self.head.cout
    }

    /// Every trainable tensor in a fixed order: per block conv a (w, b), bn a (γ, β), conv b,
    /// bn b, encoder blocks first, then up-conv 3 (w, b), block 5, up-conv 2, block 6, up-conv
    /// 1, block 7, head (w, b).
    pub fn params(&self) -> Vec<&Vec<f32>> {
        fn block<'a>(out: &mut Vec<&'a Vec<f32>>, d: &'a [ConvBn; 2]) {
            for c in d {
                out.extend([&c.conv.w, &c.conv.b, &c.bn.gamma, &c.bn.beta]);
            }
        }
        let mut out = Vec::new();
        for d in &self.enc {
            block(&mut out, d);
        }
        for (u, d) in self.up.iter().zip(&self.dec) {
            out.extend([&u.w, &u.b]);
            block(&mut out, d);
        }
        out.extend([&self.head.w, &self.head.b]);
        out
    }

    /// [`TrainWeights::params`], writable.
    pub fn params_mut(&mut self) -> Vec<&mut Vec<f32>> {
        fn block<'a>(out: &mut Vec<&'a mut Vec<f32>>, d: &'a mut [ConvBn; 2]) {
            for c in d {
                let ConvBn { conv, bn } = c;
                out.extend([&mut conv.w, &mut conv.b, &mut bn.gamma, &mut bn.beta]);
            }
        }
        let mut out = Vec::new();
        let Self { enc, up, dec, head } = self;
        for d in enc {
            block(&mut out, d);
        }
        for (u, d) in up.iter_mut().zip(dec) {
            out.extend([&mut u.w, &mut u.b]);
            block(&mut out, d);
        }
        out.extend([&mut head.w, &mut head.b]);
        out
    }

    /// The inference network: each `BatchNorm` (running statistics) folded into its
    /// convolution, as semcurate's `FusedUNet` does.
    pub fn fold(&self) -> UNetWeights {
        let fold = |c: &ConvBn| {
            let mut f = c.conv.clone();
            let per = f.cin * 9;
            for co in 0..f.cout {
                let inv = 1.0 / (f64::from(c.bn.running_var[co]) + BN_EPS).sqrt();
                let s = (f64::from(c.bn.gamma[co]) * inv) as f32;
                f.w[co * per..(co + 1) * per]
                    .iter_mut()
                    .for_each(|w| *w *= s);
                f.b[co] = (f.b[co] - c.bn.running_mean[co]) * s + c.bn.beta[co];
            }
            f
        };
        let double = |d: &[ConvBn; 2]| [fold(&d[0]), fold(&d[1])];
        UNetWeights {
            enc: std::array::from_fn(|i| double(&self.enc[i])),
            up: self.up.clone(),
            dec: std::array::from_fn(|i| double(&self.dec[i])),
            head: self.head.clone(),
        }
    }
}
