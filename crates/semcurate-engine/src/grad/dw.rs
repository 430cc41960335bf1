//! Weight-gradient kernels, generic like [`crate::kernels`] and compiled per instruction set
//! by [`crate::isa`]. A weight gradient is a reduction over pixels:
//! `dW[co][ci][ky][kx] = Σ_n,y,x dY[n][co][y][x] · X[n][ci][y + ky − 1][x + kx − 1]`.
//! One block keeps `COB` output channels × 3 inputs (the three `kx` shifts of one input row
//! for a 3×3 convolution, three input channels for a 1×1 one) × `L` lanes of columns in
//! registers while it walks every row of its task; the lanes are summed once at the end.

use std::ops::Range;

use crate::act::Act;
use crate::kernels::GROUP;

/// One task of a weight gradient: output-gradient channels `co0..co0 + GROUP` over the global
/// rows `rows` (row `r` is row `r % h` of image `r / h`) of a batch.
pub struct Task<'a> {
    /// Per image, the convolution's input as a concatenation of activations.
    pub xs: &'a [Vec<&'a Act>],
    /// Per image, the output gradient (zero border) as a concatenation of activations.
    pub dy: &'a [Vec<&'a Act>],
    pub co0: usize,
    pub rows: Range<usize>,
}

/// Total channels of a concatenation.
pub fn channels(cat: &[&Act]) -> usize {
    cat.iter().map(|a| a.c).sum()
}

/// The activation and channel that hold channel `c` of a concatenation.
#[inline(always)]
fn locate<'a>(cat: &[&'a Act], mut c: usize) -> (&'a Act, usize) {
    for a in cat {
        if c < a.c {
            return (a, c);
        }
        c -= a.c;
    }
    panic!("channel {c} past the concatenation")
}

/// `len` values of channel `c` of `cat` from padded row `yp`, padded column `xp`, or `zero`
/// where `c` is past the concatenation.
#[inline(always)]
fn row<'a>(cat: &[&'a Act], c: usize, yp: usize, xp: usize, zero: &'a [f32]) -> &'a [f32] {
    if c >= channels(cat) {
        return zero;
    }
    let (a, c) = locate(cat, c);
    let at = a.at(yp, c) + xp;
    &a.data[at..at + zero.len()]
}

#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// `acc[j][i] += dy[j] · xs[i]` lane-wise over the `nv` vectors of `L` columns of each row.
#[inline(always)]
fn dot<const COB: usize, const L: usize, const FMA: bool>(
    acc: &mut [[[f32; L]; 3]; COB],
    dy: &[&[f32]; COB],
    xs: &[&[f32]; 3],
    nv: usize,
) {
    // A local copy: LLVM keeps it in registers (through `acc` it stores every sum).
    let mut sums = *acc;
    for v in 0..nv {
        let s = v * L..v * L + L;
        let mut xv = [[0.0f32; L]; 3];
        for i in 0..3 {
            xv[i].copy_from_slice(&xs[i][s.clone()]);
        }
        let mut dv = [[0.0f32; L]; COB];
        for j in 0..COB {
            dv[j].copy_from_slice(&dy[j][s.clone()]);
        }
        for j in 0..COB {
            for i in 0..3 {
                for l in 0..L {
                    sums[j][i][l] = madd::<FMA>(dv[j][l], xv[i][l], sums[j][i][l]);
                }
            }
        }
    }
    *acc = sums;
}

/// Image rows and `L`-vectors per row of a task (all images have the same size).
fn dims<const L: usize>(t: &Task<'_>) -> (usize, usize) {
    let a = t.dy[0][0];
    (a.h, a.w.div_ceil(L))
}

/// `acc[j][kx]` summed over lanes into `out[j][ci][ky * 3 + kx]` of a `[GROUP][cin][taps]`
/// partial, taps 9 (`k3`) or `out[j][ci + kx]` of a `[GROUP][cin]` one.
#[inline(always)]
fn flush<const COB: usize, const L: usize>(
    acc: &[[[f32; L]; 3]; COB],
    out: &mut [f32],
    j0: usize,
    cin: usize,
    ci: usize,
    k3: Option<usize>,
) {
    for (j, a) in acc.iter().enumerate() {
        for (i, lanes) in a.iter().enumerate() {
            let at = match k3 {
                Some(ky) => ((j0 + j) * cin + ci) * 9 + ky * 3 + i,
                None if ci + i < cin => (j0 + j) * cin + ci + i,
                None => continue,
            };
            out[at] += lanes.iter().sum::<f32>();
        }
    }
}

/// The partial weight gradient of a 3×3 convolution over one task into `out`
/// (`[GROUP][cin][9]`, zeros in; channels past the gradient's stay zero).
#[inline(always)]
pub fn weight_grad3<const COB: usize, const L: usize, const FMA: bool>(
    t: &Task<'_>,
    out: &mut [f32],
) {
    let (h, nv) = dims::<L>(t);
    let (cin, cout) = (channels(&t.xs[0]), channels(&t.dy[0]));
    let zero = vec![0.0f32; nv * L];
    for j0 in (0..GROUP).step_by(COB).take_while(|j| t.co0 + j < cout) {
        for ci in 0..cin {
            for ky in 0..3 {
                let mut acc = [[[0.0f32; L]; 3]; COB];
                for r in t.rows.clone() {
                    let (n, y) = (r / h, r % h);
                    let dy: [&[f32]; COB] =
                        std::array::from_fn(|j| row(&t.dy[n], t.co0 + j0 + j, y + 1, 1, &zero));
                    let (a, c) = locate(&t.xs[n], ci);
                    let at = a.at(y + ky, c);
                    let xs: [&[f32]; 3] =
                        std::array::from_fn(|kx| &a.data[at + kx..at + kx + nv * L]);
                    dot::<COB, L, FMA>(&mut acc, &dy, &xs, nv);
                }
                flush(&acc, out, j0, cin, ci, Some(ky));
            }
        }
    }
}

/// The partial weight gradient of a 1×1 convolution (`[GROUP][cin]`, zeros in); a 2×2
/// transposed convolution is four of them, one per tap (see [`super::up_weight_grad`]).
#[inline(always)]
pub fn weight_grad1<const COB: usize, const L: usize, const FMA: bool>(
    t: &Task<'_>,
    out: &mut [f32],
) {
    let (h, nv) = dims::<L>(t);
    let (cin, cout) = (channels(&t.xs[0]), channels(&t.dy[0]));
    let zero = vec![0.0f32; nv * L];
    for j0 in (0..GROUP).step_by(COB).take_while(|j| t.co0 + j < cout) {
        for ci in (0..cin).step_by(3) {
            let mut acc = [[[0.0f32; L]; 3]; COB];
            for r in t.rows.clone() {
                let (n, y) = (r / h, r % h);
                let dy: [&[f32]; COB] =
                    std::array::from_fn(|j| row(&t.dy[n], t.co0 + j0 + j, y + 1, 1, &zero));
                let xs: [&[f32]; 3] =
                    std::array::from_fn(|i| row(&t.xs[n], ci + i, y + 1, 1, &zero));
                dot::<COB, L, FMA>(&mut acc, &dy, &xs, nv);
            }
            flush(&acc, out, j0, cin, ci, None);
        }
    }
}

/// Sums of the task's output-gradient channels over its rows (the bias gradient) into `out`
/// (`[GROUP]`).
#[inline(always)]
pub fn bias_grad<const L: usize>(t: &Task<'_>, out: &mut [f32]) {
    let (h, nv) = dims::<L>(t);
    let cout = channels(&t.dy[0]);
    let zero = vec![0.0f32; nv * L];
    for (j, o) in out.iter_mut().enumerate().take(cout.saturating_sub(t.co0)) {
        let mut acc = [0.0f32; L];
        for r in t.rows.clone() {
            let (n, y) = (r / h, r % h);
            let d = row(&t.dy[n], t.co0 + j, y + 1, 1, &zero);
            for v in d.chunks_exact(L) {
                for (a, x) in acc.iter_mut().zip(v) {
                    *a += x;
                }
            }
        }
        *o += acc.iter().sum::<f32>();
    }
}

/// One task of a `K`×`K` (1 or 3) weight gradient: `out` is the `[GROUP][cin][K²]` partial
/// followed by the `[GROUP]` bias partial.
#[inline(always)]
pub fn weight_grad<const COB: usize, const L: usize, const FMA: bool, const K: usize>(
    t: &Task<'_>,
    out: &mut [f32],
) {
    let (w, b) = out.split_at_mut(out.len() - GROUP);
    if K == 3 {
        weight_grad3::<COB, L, FMA>(t, w);
    } else {
        weight_grad1::<COB, L, FMA>(t, w);
    }
    bias_grad::<L>(t, b);
}
