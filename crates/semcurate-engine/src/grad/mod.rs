//! Training kernels for the U-Net's convolutions (a spike, issue 24 §2): batched forward,
//! input gradient and weight gradient of the 3×3 convolutions (stride 1, padding 1) and of
//! the 2×2 stride-2 transposed convolutions.
//!
//! Layouts: a batch is one [`Act`] per image (`[h + 2][c][rs]`, zero border); a layer input
//! read as a concatenation (the decoder's skip + up-sampled tensors) is a `Vec<&Act>` per
//! image. Output gradients `dY` must keep the zero border (and zero columns past `w`), as
//! every [`Act`] made by the engine does. Weight gradients come back in the weights' own
//! layouts ([`Conv`]: `[co][ci][ky][kx]`, [`UpConv`]: `[ci][co][dy][dx]`), bias gradients
//! `[co]`.
//!
//! - Input gradient of a 3×3 convolution: the forward kernel run on `dY` with the weights
//!   flipped and in / out channels swapped ([`pack_input_grad`]).
//! - Input gradient of a 2×2 transposed convolution: `dY` split into its four stride-2
//!   phases ([`up_split`]), read as one 4·cout-channel concatenation by a 1×1 forward
//!   convolution ([`pack_up_input_grad`]).
//! - Weight gradients: [`dw`]'s register-blocked reductions, one task per 32 gradient
//!   channels × band of rows (bands cross images), partial sums added in task
//!   order (the result does not depend on the thread count).

pub mod dw;

use rayon::prelude::*;

use crate::kernels::Packed;
use crate::{Act, Conv, Isa, UpConv};
use dw::TASK_CO;

/// Gradients of one convolution's parameters, laid out like them.
#[derive(Debug, Clone, PartialEq)]
pub struct Grads {
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

/// Fewest tasks a weight gradient is cut into (for two cores and load balance).
const MIN_TASKS: usize = 8;
/// Most bytes of one band's output gradient (`TASK_CO` channels): an L2 share.
const BAND_BYTES: usize = 512 << 10;

/// Each image of a batch as a one-activation concatenation.
pub fn singles(a: &[Act]) -> Vec<Vec<&Act>> {
    a.iter().map(|a| vec![a]).collect()
}

/// A 3×3 convolution (stride 1, padding 1) of each image's concatenation `xs[n]`, with bias
/// and optional `ReLU`: `[n]` activations of `p.cout` channels.
///
/// Not generic on purpose: a generic kernel entry is compiled in the calling crate, where the
/// AVX2 kernel's helpers were not inlined (2.5× slower in `examples/train_convs.rs`).
pub fn conv3_batch(isa: Isa, p: &Packed, xs: &[Vec<&Act>], relu: bool) -> Vec<Act> {
    conv_batch::<3>(isa, p, xs, relu)
}

/// A 1×1 convolution of each image's concatenation `xs[n]`, with bias, no activation (the
/// head); non-generic like [`conv3_batch`].
pub fn conv1_batch(isa: Isa, p: &Packed, xs: &[Vec<&Act>]) -> Vec<Act> {
    conv_batch::<1>(isa, p, xs, false)
}

/// `dW` (`[co][ci]`) and `db` of a 1×1 convolution of inputs `xs` with output gradients `dy`.
pub fn conv1_weight_grad(isa: Isa, xs: &[Vec<&Act>], dy: &[Act]) -> Grads {
    let (w, b) = weight_grad::<1>(isa, xs, &singles(dy));
    Grads { w, b }
}

/// A `K`×`K` (1 or 3) convolution, stride 1, of each image's concatenation `xs[n]`, with
/// bias and optional `ReLU`: `[n]` activations of `p.cout` channels.
fn conv_batch<const K: usize>(isa: Isa, p: &Packed, xs: &[Vec<&Act>], relu: bool) -> Vec<Act> {
    xs.par_iter()
        .map(|srcs| crate::conv_act::<K>(isa, srcs, p, relu))
        .collect()
}

/// The weights of a 3×3 convolution's input gradient: `W'[ci][co][t] = W[co][ci][8 − t]`
/// (flipped, channels swapped), no bias.
pub fn pack_input_grad(c: &Conv) -> Packed {
    assert_eq!(c.k, 3, "input gradient of a 3×3 convolution");
    let (cin, w) = (c.cin, &c.w);
    Packed::new(
        c.cout,
        cin,
        9,
        |o, i, t| w[(i * cin + o) * 9 + 8 - t],
        &vec![0.0; cin],
    )
}

/// `dX[n]` (`cin` channels) of a 3×3 convolution from `dy[n]`, with `p` from
/// [`pack_input_grad`].
pub fn conv3_input_grad(isa: Isa, p: &Packed, dy: &[Act]) -> Vec<Act> {
    conv_batch::<3>(isa, p, &singles(dy), false)
}

/// `dW` (`[co][ci][3][3]`) and `db` of a 3×3 convolution of inputs `xs` with output
/// gradients `dy`.
pub fn conv3_weight_grad(isa: Isa, xs: &[Vec<&Act>], dy: &[Act]) -> Grads {
    let (w, b) = weight_grad::<3>(isa, xs, &singles(dy));
    Grads { w, b }
}

/// Bands of rows per group: at least [`MIN_TASKS`] tasks, one band's gradient rows in L2.
fn bands(rows: usize, groups: usize, rs: usize) -> usize {
    let for_tasks = MIN_TASKS.div_ceil(groups);
    let for_cache = (rows * TASK_CO * rs * 4).div_ceil(BAND_BYTES);
    for_tasks.max(for_cache).clamp(1, rows)
}

/// Narrowest images whose activations the weight gradients read in place; narrower ones are
/// copied planar first ([`dw::View::planar`]): in `[row][channel][column]` order one
/// channel's rows are a whole row of channels apart, a cache and TLB miss each.
const IN_PLACE_W: usize = 64;

/// `[cdy][cin][K²]` weight and `[cdy]` bias gradients of a `K`×`K` convolution from inputs
/// `xs` and output gradients `dy` (both concatenations per image).
fn weight_grad<const K: usize>(
    isa: Isa,
    xs: &[Vec<&Act>],
    dy: &[Vec<&Act>],
) -> (Vec<f32>, Vec<f32>) {
    if dy[0][0].w >= IN_PLACE_W && xs[0].len() == 1 && dy[0].len() == 1 {
        let xv: Vec<dw::View> = xs.iter().map(|x| dw::View::act(x[0])).collect();
        let dv: Vec<dw::View> = dy.iter().map(|d| dw::View::act(d[0])).collect();
        return weight_grad_views::<K>(isa, &xv, &dv);
    }
    let xp: Vec<Vec<f32>> = xs.par_iter().map(|x| dw::View::planar(x)).collect();
    let dp: Vec<Vec<f32>> = dy.par_iter().map(|d| dw::View::planar(d)).collect();
    let xv: Vec<dw::View> = xp
        .iter()
        .zip(xs)
        .map(|(p, x)| dw::View::of_planar(p, x))
        .collect();
    let dv: Vec<dw::View> = dp
        .iter()
        .zip(dy)
        .map(|(p, d)| dw::View::of_planar(p, d))
        .collect();
    weight_grad_views::<K>(isa, &xv, &dv)
}

/// [`weight_grad`] over views.
fn weight_grad_views<const K: usize>(
    isa: Isa,
    xs: &[dw::View],
    dy: &[dw::View],
) -> (Vec<f32>, Vec<f32>) {
    let (cin, cdy) = (xs[0].c, dy[0].c);
    let rows = xs.len() * dy[0].h;
    let groups = cdy.div_ceil(TASK_CO);
    let nb = bands(rows, groups, dy[0].row.min(dy[0].ch));
    let per = cin * K * K;
    let parts: Vec<Vec<f32>> = (0..groups * nb)
        .into_par_iter()
        .map(|t| {
            let b = t % nb;
            let task = dw::Task {
                xs,
                dy,
                co0: t / nb * TASK_CO,
                rows: rows * b / nb..rows * (b + 1) / nb,
            };
            let mut out = vec![0.0; TASK_CO * per + TASK_CO];
            isa.weight_grad::<K>(&task, &mut out);
            out
        })
        .collect();
    let (mut w, mut bias) = (vec![0.0; cdy * per], vec![0.0; cdy]);
    for (t, p) in parts.iter().enumerate() {
        let co0 = t / nb * TASK_CO;
        let n = TASK_CO.min(cdy - co0);
        let dst = &mut w[co0 * per..(co0 + n) * per];
        dst.iter_mut().zip(&p[..n * per]).for_each(|(d, s)| *d += s);
        let dst = &mut bias[co0..co0 + n];
        dst.iter_mut()
            .zip(&p[TASK_CO * per..])
            .for_each(|(d, s)| *d += s);
    }
    (w, bias)
}

/// 2× up-sampling of each image by a 2×2 stride-2 transposed convolution (taps from
/// `crate::pack_up`), with bias, no activation.
pub fn up_batch(isa: Isa, taps: &[Packed; 4], xs: &[Act]) -> Vec<Act> {
    xs.par_iter()
        .map(|src| crate::up_act(isa, src, taps))
        .collect()
}

/// The four stride-2 phases of `dy` (h, w even): phase `ty * 2 + tx` is
/// `dy[c][2y + ty][2x + tx]` as an `h / 2` × `w / 2` activation.
pub fn up_split(dy: &Act) -> [Act; 4] {
    let (h, w) = (dy.h / 2, dy.w / 2);
    std::array::from_fn(|tap| {
        let (ty, tx) = (tap / 2, tap % 2);
        let mut s = Act::zeros(dy.c, h, w);
        let rs = s.rs;
        s.interior_rows_mut().enumerate().for_each(|(y, row)| {
            for c in 0..dy.c {
                let src = dy.at(2 * y + ty + 1, c) + 1 + tx;
                let dst = &mut row[c * rs + 1..c * rs + 1 + w];
                for (x, d) in dst.iter_mut().enumerate() {
                    *d = dy.data[src + 2 * x];
                }
            }
        });
        s
    })
}

/// [`up_split`] of every image of a batch.
pub fn up_split_batch(dy: &[Act]) -> Vec<[Act; 4]> {
    dy.par_iter().map(up_split).collect()
}

/// The weights of a transposed convolution's input gradient: a 1×1 convolution from the
/// 4·cout phase channels (`tap * cout + co`) to `cin`, no bias.
pub fn pack_up_input_grad(c: &UpConv) -> Packed {
    let (cout, w) = (c.cout, &c.w);
    Packed::new(
        4 * cout,
        c.cin,
        1,
        |o, i, _| w[(o * cout + i % cout) * 4 + i / cout],
        &vec![0.0; c.cin],
    )
}

/// `dX[n]` of a transposed convolution from the phases of `dY` ([`up_split_batch`]), with `p`
/// from [`pack_up_input_grad`].
pub fn up_input_grad(isa: Isa, p: &Packed, phases: &[[Act; 4]]) -> Vec<Act> {
    let cats: Vec<Vec<&Act>> = phases.iter().map(|s| s.iter().collect()).collect();
    conv_batch::<1>(isa, p, &cats, false)
}

/// `dW` (`[ci][co][2][2]`) and `db` of a transposed convolution of inputs `xs` whose output
/// gradients have the phases `phases`: the 1×1 weight gradient of the phases read as one
/// 4·cout-channel concatenation (`tap * cout + co`).
pub fn up_weight_grad(isa: Isa, xs: &[Act], phases: &[[Act; 4]]) -> Grads {
    let (cin, cout) = (xs[0].c, phases[0][0].c);
    let cats: Vec<Vec<&Act>> = phases.iter().map(|s| s.iter().collect()).collect();
    let (w1, b1) = weight_grad::<1>(isa, &singles(xs), &cats);
    let mut w = vec![0.0; cin * cout * 4];
    for ci in 0..cin {
        for co in 0..cout {
            for tap in 0..4 {
                w[(ci * cout + co) * 4 + tap] = w1[(tap * cout + co) * cin + ci];
            }
        }
    }
    let b = (0..cout)
        .map(|co| (0..4).map(|tap| b1[tap * cout + co]).sum())
        .collect();
    Grads { w, b }
}

#[cfg(test)]
mod tests;
