//! Element-wise passes of the training step over a batch of [`Act`]s (one per image, all of
//! the same shape): `BatchNorm` statistics, `BatchNorm` + `ReLU` + channel dropout in one
//! store, their backward in two passes, and the max-pool's backward. Images run in parallel;
//! per-image partial sums (f64) are added in image order, so results do not depend on the
//! thread count. Only interior columns are written: borders stay zero.

use rayon::prelude::*;

use crate::Act;

/// Σ f(v) over `row` in 8 lanes (so that the loop vectorises), then across lanes.
#[inline]
fn lane_sum(row: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut lanes = [0.0f32; 8];
    let mut chunks = row.chunks_exact(8);
    for c in &mut chunks {
        for (l, &v) in lanes.iter_mut().zip(c) {
            *l += f(v);
        }
    }
    let tail: f32 = chunks.remainder().iter().map(|&v| f(v)).sum();
    lanes.iter().sum::<f32>() + tail
}

/// Per-channel sums of `f(channel, row)` over every interior row of every image.
fn channel_sums<const S: usize>(
    acts: &[Act],
    f: impl Fn(usize, &[f32]) -> [f32; S] + Sync,
) -> Vec<[f64; S]> {
    let c = acts[0].c;
    let parts: Vec<Vec<[f64; S]>> = acts
        .par_iter()
        .map(|a| {
            let mut s = vec![[0.0f64; S]; c];
            for y in 1..=a.h {
                for (ch, acc) in s.iter_mut().enumerate() {
                    let at = a.at(y, ch) + 1;
                    let r = f(ch, &a.data[at..at + a.w]);
                    acc.iter_mut().zip(r).for_each(|(a, r)| *a += f64::from(r));
                }
            }
            s
        })
        .collect();
    let mut total = vec![[0.0f64; S]; c];
    for p in parts {
        for (t, s) in total.iter_mut().zip(p) {
            t.iter_mut().zip(s).for_each(|(t, s)| *t += s);
        }
    }
    total
}

/// Batch mean and biased variance per channel (two passes, as burn computes them).
pub fn stats(z: &[Act]) -> (Vec<f64>, Vec<f64>) {
    let m = (z.len() * z[0].h * z[0].w) as f64;
    let mean: Vec<f64> = channel_sums(z, |_, r| [lane_sum(r, |v| v)])
        .iter()
        .map(|s| s[0] / m)
        .collect();
    let mf: Vec<f32> = mean.iter().map(|&v| v as f32).collect();
    let var = channel_sums(z, |c, r| {
        let mc = mf[c];
        [lane_sum(r, |v| (v - mc) * (v - mc))]
    })
    .iter()
    .map(|s| s[0] / m)
    .collect();
    (mean, var)
}

/// `max(scale[c] · z + shift[c], 0) · keep[n][c]` (no `keep`: 1) per image `n`.
pub fn apply(z: &[Act], scale: &[f32], shift: &[f32], keep: Option<&[f32]>) -> Vec<Act> {
    z.par_iter()
        .enumerate()
        .map(|(n, a)| {
            let mut out = Act::zeros(a.c, a.h, a.w);
            for y in 1..=a.h {
                for c in 0..a.c {
                    let k = keep.map_or(1.0, |m| m[n * a.c + c]);
                    let at = a.at(y, c) + 1;
                    let (s, t) = (scale[c], shift[c]);
                    let src = &a.data[at..at + a.w];
                    for (o, &v) in out.data[at..at + a.w].iter_mut().zip(src) {
                        *o = (s * v + t).max(0.0) * k;
                    }
                }
            }
            out
        })
        .collect()
}

/// Per-channel constants of one `BatchNorm` + `ReLU` in training mode.
pub struct Norm<'a> {
    pub mean: &'a [f32],
    pub inv_std: &'a [f32],
    pub gamma: &'a [f32],
    pub scale: &'a [f32],
    pub shift: &'a [f32],
}

/// Backward of `y = max(γ·(z − μ)·σ⁻¹ + β, 0) · keep` with batch statistics: turns `dy` into
/// `dz` in place and returns `(dγ, dβ)`.
///
/// Pass 1: `da = dy · keep · [a > 0]` (stored), `dβ = Σ da`, `dγ = Σ da · x̂`. Pass 2:
/// `dz = γσ⁻¹ · (da − dβ / M − x̂ · dγ / M)`, written as `α·da + b·z + c` per channel.
pub fn backward(dy: &mut [Act], z: &[Act], nm: &Norm<'_>, keep: Option<&[f32]>) -> [Vec<f32>; 2] {
    let m = (z.len() * z[0].h * z[0].w) as f64;
    let c = z[0].c;
    let sums = relu_backward_sums(dy, z, nm, keep);
    let dbeta: Vec<f32> = sums.iter().map(|s| s[0] as f32).collect();
    let dgamma: Vec<f32> = sums
        .iter()
        .zip(nm.inv_std)
        .map(|(s, &i)| (s[1] * f64::from(i)) as f32)
        .collect();
    let coef: Vec<[f32; 3]> = (0..c)
        .map(|ch| {
            let (g, i) = (f64::from(nm.gamma[ch]), f64::from(nm.inv_std[ch]));
            let alpha = g * i;
            let b = -alpha * i * f64::from(dgamma[ch]) / m;
            let k = -alpha * f64::from(dbeta[ch]) / m - b * f64::from(nm.mean[ch]);
            [alpha as f32, b as f32, k as f32]
        })
        .collect();
    dy.par_iter_mut().zip(z).for_each(|(d, a)| {
        for y in 1..=a.h {
            for (ch, &[al, b, k]) in coef.iter().enumerate() {
                let at = a.at(y, ch) + 1;
                let zr = &a.data[at..at + a.w];
                for (g, &v) in d.data[at..at + a.w].iter_mut().zip(zr) {
                    *g = al * *g + b * v + k;
                }
            }
        }
    });
    [dgamma, dbeta]
}

/// Pass 1 of [`backward`]: `dy ← da = dy · keep · [a > 0]` and per channel `(Σ da,
/// Σ da · (z − μ))`.
fn relu_backward_sums(
    dy: &mut [Act],
    z: &[Act],
    nm: &Norm<'_>,
    keep: Option<&[f32]>,
) -> Vec<[f64; 2]> {
    let c = z[0].c;
    let parts: Vec<Vec<[f64; 2]>> = dy
        .par_iter_mut()
        .zip(z)
        .enumerate()
        .map(|(n, (d, a))| {
            let mut s = vec![[0.0f64; 2]; c];
            for y in 1..=a.h {
                for (ch, acc) in s.iter_mut().enumerate() {
                    let k = keep.map_or(1.0, |m| m[n * c + ch]);
                    let at = a.at(y, ch) + 1;
                    let (sc, sh, mu) = (nm.scale[ch], nm.shift[ch], nm.mean[ch]);
                    let (mut s0, mut s1) = ([0.0f32; 8], [0.0f32; 8]);
                    let dr = &mut d.data[at..at + a.w];
                    let zr = &a.data[at..at + a.w];
                    for (i, (g, &v)) in dr.iter_mut().zip(zr).enumerate() {
                        let da = if sc * v + sh > 0.0 { *g * k } else { 0.0 };
                        *g = da;
                        s0[i % 8] += da;
                        s1[i % 8] += da * (v - mu);
                    }
                    acc[0] += f64::from(s0.iter().sum::<f32>());
                    acc[1] += f64::from(s1.iter().sum::<f32>());
                }
            }
            s
        })
        .collect();
    let mut sums = vec![[0.0f64; 2]; c];
    for p in parts {
        for (t, s) in sums.iter_mut().zip(p) {
            t[0] += s[0];
            t[1] += s[1];
        }
    }
    sums
}

/// Max-pool backward: each value of `dp` (h / 2 × w / 2) added to `acc` (h × w) at the first
/// maximum of its 2×2 square of `x` (the pool's input; order (0,0), (0,1), (1,0), (1,1)).
pub fn pool_backward_add(x: &[Act], dp: &[Act], acc: &mut [Act]) {
    acc.par_iter_mut()
        .zip(x)
        .zip(dp)
        .for_each(|((acc, x), dp)| {
            for y in 0..dp.h {
                for c in 0..dp.c {
                    let top = x.at(2 * y + 1, c) + 1;
                    let bottom = x.at(2 * y + 2, c) + 1;
                    let src = dp.at(y + 1, c) + 1;
                    for (i, &g) in dp.data[src..src + dp.w].iter().enumerate() {
                        let cand = [
                            top + 2 * i,
                            top + 2 * i + 1,
                            bottom + 2 * i,
                            bottom + 2 * i + 1,
                        ];
                        let mut best = cand[0];
                        for &k in &cand[1..] {
                            if x.data[k] > x.data[best] {
                                best = k;
                            }
                        }
                        acc.data[best] += g;
                    }
                }
            }
        });
}
