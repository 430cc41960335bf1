//! A plain f64 reference of the training forward pass and loss (tests only): `[n][c][h][w]`
//! tensors, direct loops, written from the formulas of src/model/unet.rs, burn's
//! `BatchNorm` and src/model/train/loss.rs, not from the engine's code.

// Index arithmetic like the formulas it checks.
#![allow(
    clippy::needless_range_loop,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss
)]

use super::BN_EPS;

#[derive(Clone)]
pub struct T {
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub d: Vec<f64>,
}

impl T {
    pub fn zeros(n: usize, c: usize, h: usize, w: usize) -> Self {
        Self {
            n,
            c,
            h,
            w,
            d: vec![0.0; n * c * h * w],
        }
    }
    fn i(&self, n: usize, c: usize, y: usize, x: usize) -> usize {
        ((n * self.c + c) * self.h + y) * self.w + x
    }
    fn get(&self, n: usize, c: usize, y: isize, x: isize) -> f64 {
        if y < 0 || x < 0 || y >= self.h as isize || x >= self.w as isize {
            return 0.0;
        }
        self.d[self.i(n, c, y as usize, x as usize)]
    }
}

/// 3×3 (padding 1) or 1×1 convolution, weights `[co][ci][k][k]`.
fn conv(x: &T, w: &[f64], b: &[f64], k: usize) -> T {
    let cout = b.len();
    let mut o = T::zeros(x.n, cout, x.h, x.w);
    let off = (k / 2) as isize;
    for n in 0..x.n {
        for co in 0..cout {
            for y in 0..x.h {
                for xx in 0..x.w {
                    let mut s = b[co];
                    for ci in 0..x.c {
                        for t in 0..k * k {
                            let (yy, xs) = (
                                y as isize + (t / k) as isize - off,
                                xx as isize + (t % k) as isize - off,
                            );
                            s += w[(co * x.c + ci) * k * k + t] * x.get(n, ci, yy, xs);
                        }
                    }
                    let i = o.i(n, co, y, xx);
                    o.d[i] = s;
                }
            }
        }
    }
    o
}

/// `BatchNorm` (batch statistics, biased variance, or the given `fixed` statistics) then
/// `ReLU`; returns the statistics used too.
fn bn_relu(z: &T, gamma: &[f64], beta: &[f64], fixed: Option<&Stats>) -> (T, Vec<f64>, Vec<f64>) {
    let m = (z.n * z.h * z.w) as f64;
    let mut o = z.clone();
    let (mut means, mut vars) = (Vec::new(), Vec::new());
    for c in 0..z.c {
        let total = |f: &dyn Fn(f64) -> f64| -> f64 {
            let mut s = 0.0;
            for n in 0..z.n {
                for p in 0..z.h * z.w {
                    s += f(z.d[(n * z.c + c) * z.h * z.w + p]);
                }
            }
            s
        };
        let (mean, var) = if let Some((mu, var)) = fixed {
            (mu[c], var[c])
        } else {
            let mean = total(&|v| v) / m;
            (mean, total(&|v| (v - mean) * (v - mean)) / m)
        };
        for n in 0..z.n {
            for p in 0..z.h * z.w {
                let i = (n * z.c + c) * z.h * z.w + p;
                o.d[i] = ((z.d[i] - mean) / (var + BN_EPS).sqrt() * gamma[c] + beta[c]).max(0.0);
            }
        }
        means.push(mean);
        vars.push(var);
    }
    (o, means, vars)
}

fn dropout(x: &mut T, keep: &[f32]) {
    let hw = x.h * x.w;
    for (i, v) in x.d.iter_mut().enumerate() {
        *v *= f64::from(keep[i / hw]);
    }
}

fn pool(x: &T) -> T {
    let mut o = T::zeros(x.n, x.c, x.h / 2, x.w / 2);
    for n in 0..x.n {
        for c in 0..x.c {
            for y in 0..o.h {
                for xx in 0..o.w {
                    let v = [(0, 0), (0, 1), (1, 0), (1, 1)]
                        .map(|(dy, dx)| x.d[x.i(n, c, 2 * y + dy, 2 * xx + dx)]);
                    let i = o.i(n, c, y, xx);
                    o.d[i] = v.into_iter().fold(f64::NEG_INFINITY, f64::max);
                }
            }
        }
    }
    o
}

/// 2×2 stride-2 transposed convolution, weights `[ci][co][dy][dx]`.
fn up(x: &T, w: &[f64], b: &[f64]) -> T {
    let cout = b.len();
    let mut o = T::zeros(x.n, cout, 2 * x.h, 2 * x.w);
    for n in 0..x.n {
        for co in 0..cout {
            for oy in 0..o.h {
                for ox in 0..o.w {
                    let mut s = b[co];
                    for ci in 0..x.c {
                        let wi = (ci * cout + co) * 4 + (oy % 2) * 2 + ox % 2;
                        s += w[wi] * x.d[x.i(n, ci, oy / 2, ox / 2)];
                    }
                    let i = o.i(n, co, oy, ox);
                    o.d[i] = s;
                }
            }
        }
    }
    o
}

fn cat(a: &T, b: &T) -> T {
    let mut o = T::zeros(a.n, a.c + b.c, a.h, a.w);
    let hw = a.h * a.w;
    for n in 0..a.n {
        let dst = &mut o.d[n * (a.c + b.c) * hw..(n + 1) * (a.c + b.c) * hw];
        dst[..a.c * hw].copy_from_slice(&a.d[n * a.c * hw..(n + 1) * a.c * hw]);
        dst[a.c * hw..].copy_from_slice(&b.d[n * b.c * hw..(n + 1) * b.c * hw]);
    }
    o
}

/// One `BatchNorm`'s batch mean and variance.
pub type Stats = (Vec<f64>, Vec<f64>);

/// Logits and per-`BatchNorm` batch (mean, var) of the network whose trainable tensors are
/// `p` (`TrainWeights::params` order) on images `x` (`[n][1][h][w]`); with `fixed`, the
/// `BatchNorm`s use those statistics (inference mode; encoder then decoder, a then b).
pub fn forward(
    p: &[Vec<f64>],
    x: &T,
    keep: &[Vec<f32>; 7],
    fixed: Option<&[Stats]>,
) -> (T, Vec<Stats>) {
    let mut it = p.iter();
    let mut stats = Vec::new();
    let mut block = |x: &T, keep: &[f32], it: &mut std::slice::Iter<'_, Vec<f64>>| {
        let mut y = x.clone();
        for _ in 0..2 {
            let (w, b, g, be) = (it.next(), it.next(), it.next(), it.next());
            let [w, b, g, be] = [w, b, g, be].map(|v| v.expect("a tensor"));
            let given = fixed.map(|f| &f[stats.len()]);
            let (o, m, v) = bn_relu(&conv(&y, w, b, 3), g, be, given);
            stats.push((m, v));
            y = o;
        }
        dropout(&mut y, keep);
        y
    };
    let x1 = block(x, &keep[0], &mut it);
    let x3 = block(&pool(&x1), &keep[1], &mut it);
    let x5 = block(&pool(&x3), &keep[2], &mut it);
    let mut y = block(&pool(&x5), &keep[3], &mut it);
    for (i, skip) in [x5, x3, x1].iter().enumerate() {
        let (w, b) = (it.next().expect("up w"), it.next().expect("up b"));
        y = block(&cat(skip, &up(&y, w, b)), &keep[4 + i], &mut it);
    }
    let (w, b) = (it.next().expect("head w"), it.next().expect("head b"));
    (conv(&y, w, b, 1), stats)
}

/// semcurate's `loss()`, written as its tensor code reads.
pub fn loss(l: &T, targets: &[i64], weights: Option<&[f32]>, dice_weight: f64) -> f64 {
    let (k, hw) = (l.c, l.h * l.w);
    let (mut ce, mut total) = (0.0, 0.0);
    let (mut inter, mut sp, mut st) = (vec![0.0; k], vec![0.0; k], vec![0.0; k]);
    for n in 0..l.n {
        for px in 0..hw {
            let t = targets[n * hw + px];
            if t < 0 || t >= k as i64 {
                continue;
            }
            let t = t as usize;
            let z: Vec<f64> = (0..k).map(|c| l.d[(n * k + c) * hw + px]).collect();
            let lse = z.iter().map(|v| v.exp()).sum::<f64>().ln();
            let w = weights.map_or(1.0, |w| f64::from(w[t]));
            ce -= w * (z[t] - lse);
            total += w;
            for c in 0..k {
                let p = (z[c] - lse).exp();
                sp[c] += p;
                if c == t {
                    inter[c] += p;
                    st[c] += 1.0;
                }
            }
        }
    }
    let ce = ce / f64::max(total, f64::from(f32::MIN_POSITIVE));
    if dice_weight <= 0.0 {
        return ce;
    }
    let present: Vec<bool> = st.iter().map(|&s| s > 0.0).collect();
    let np = (present.iter().filter(|&&p| p).count() as f64).max(1.0);
    let dice: f64 = (0..k)
        .filter(|&c| present[c])
        .map(|c| (2.0 * inter[c] + 1.0) / (sp[c] + st[c] + 1.0))
        .sum();
    ce + dice_weight * (1.0 - dice / np)
}
