//! Weight-gradient kernels, generic like [`crate::kernels`] and compiled per instruction set
//! by [`crate::isa`]. A weight gradient is a reduction over pixels:
//! `dW[co][ci][ky][kx] = Σ_n,y,x dY[n][co][y][x] · X[n][ci][y + ky − 1][x + kx − 1]`.
//! One block keeps `COB` output channels × 3 inputs (the three `kx` shifts of one input row
//! for a 3×3 convolution, three input channels for a 1×1 one) × `L` lanes of columns in
//! registers while it walks every row of its task; the lanes are summed once at the end.

use std::ops::Range;

use crate::act::Act;
/// Output-gradient channels per task: for each input channel (and row of taps) every block
/// of `COB` of them meets the same input rows (in L1) while the task's gradient rows stay in
/// L2; an input channel is then streamed once per 32 gradient channels, not per `COB`.
pub const TASK_CO: usize = 32;

/// One image's tensor (zero border of one pixel) as the weight-gradient kernels read it:
/// either an [`Act`] (`[h + 2][c][rs]`) or a planar copy (`[c][h + 2][rs]`, see
/// [`View::planar`]), whose rows of one channel are adjacent (narrow images read them
/// with fewer cache and TLB misses).
#[derive(Clone, Copy)]
pub struct View<'a> {
    pub data: &'a [f32],
    pub c: usize,
    pub h: usize,
    pub w: usize,
    /// Distance between channels and between padded rows.
    pub ch: usize,
    pub row: usize,
}

impl<'a> View<'a> {
    pub fn act(a: &'a Act) -> Self {
        Self {
            data: &a.data,
            c: a.c,
            h: a.h,
            w: a.w,
            ch: a.rs,
            row: a.row_len(),
        }
    }

    /// Row length of a planar copy: the kernels read `w` rounded up to their vectors (16
    /// lanes at most) plus the two border columns.
    fn planar_rs(a: &Act) -> usize {
        a.w.next_multiple_of(16) + 2
    }

    /// A planar `[c][h + 2][rs]` copy of the concatenation `cat` (same sizes; `rs` from
    /// `planar_rs`, shorter than an [`Act`]'s for narrow images).
    pub fn planar(cat: &[&Act]) -> Vec<f32> {
        let (h, rs) = (cat[0].h, Self::planar_rs(cat[0]));
        let mut out = Vec::with_capacity(channels(cat) * (h + 2) * rs);
        for a in cat {
            for c in 0..a.c {
                for yp in 0..h + 2 {
                    out.extend_from_slice(&a.data[a.at(yp, c)..a.at(yp, c) + rs]);
                }
            }
        }
        out
    }

    /// A view of [`View::planar`]'s `data` copied from `cat`.
    pub fn of_planar(data: &'a [f32], cat: &[&Act]) -> Self {
        let (c, a) = (channels(cat), cat[0]);
        let rs = Self::planar_rs(a);
        Self {
            data,
            c,
            h: a.h,
            w: a.w,
            ch: (a.h + 2) * rs,
            row: rs,
        }
    }

    /// Index of padded column 0 of channel `c` in padded row `yp`.
    #[inline(always)]
    pub fn at(&self, yp: usize, c: usize) -> usize {
        yp * self.row + c * self.ch
    }
}

/// One task of a weight gradient: output-gradient channels `co0..co0 + TASK_CO` over the global
/// rows `rows` (row `r` is row `r % h` of image `r / h`) of a batch.
pub struct Task<'a> {
    /// Per image, the convolution's input (all channels).
    pub xs: &'a [View<'a>],
    /// Per image, the output gradient (zero border).
    pub dy: &'a [View<'a>],
    pub co0: usize,
    pub rows: Range<usize>,
}

/// Total channels of a concatenation.
pub fn channels(cat: &[&Act]) -> usize {
    cat.iter().map(|a| a.c).sum()
}

/// Rows `y0..y0 + rows` of one image for a kernel: `COB` output-gradient streams in the
/// gradient's data and 3 input streams in the input's data, each given by the index of its
/// first value, advancing by the strides per row; `nv` vectors of `L` columns per row.
pub struct Run<const COB: usize> {
    pub dy: [usize; COB],
    pub x: [usize; 3],
    pub dy_stride: usize,
    pub x_stride: usize,
    pub rows: usize,
    pub nv: usize,
}

/// The kernel: `Σ_rows Σ_x dy[j][x] · x[i][x]` over a [`Run`], as `[j][i]` sums; each
/// instruction set brings its own.
pub trait Dot<const COB: usize, const L: usize> {
    fn run(&self, dy: &[f32], x: &[f32], r: &Run<COB>) -> [[f32; 3]; COB];
}

#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// [`Dot`] in plain Rust over `L`-lane arrays (the portable and AVX-512 kernels).
pub struct Lanes<const FMA: bool>;

impl<const COB: usize, const L: usize, const FMA: bool> Dot<COB, L> for Lanes<FMA> {
    // Indexed loops over fixed-size arrays: the form LLVM keeps in vector registers.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn run(&self, dy: &[f32], x: &[f32], r: &Run<COB>) -> [[f32; 3]; COB] {
        let mut sums = [[[0.0f32; L]; 3]; COB];
        for row in 0..r.rows {
            for v in 0..r.nv {
                let mut xv = [[0.0f32; L]; 3];
                for i in 0..3 {
                    let at = r.x[i] + row * r.x_stride + v * L;
                    xv[i].copy_from_slice(&x[at..at + L]);
                }
                let mut dv = [[0.0f32; L]; COB];
                for j in 0..COB {
                    let at = r.dy[j] + row * r.dy_stride + v * L;
                    dv[j].copy_from_slice(&dy[at..at + L]);
                }
                for j in 0..COB {
                    for i in 0..3 {
                        for l in 0..L {
                            sums[j][i][l] = madd::<FMA>(dv[j][l], xv[i][l], sums[j][i][l]);
                        }
                    }
                }
            }
        }
        sums.map(|a| a.map(|lanes| lanes.iter().sum()))
    }
}

/// The task's rows as runs within one image: `(image, first row, rows)`.
fn segments(rows: &Range<usize>, h: usize) -> impl Iterator<Item = (usize, usize, usize)> {
    let mut r = rows.start;
    std::iter::from_fn(move || {
        (r < rows.end).then(|| {
            let (n, y0) = (r / h, r % h);
            let k = (h - y0).min(rows.end - r);
            r += k;
            (n, y0, k)
        })
    })
}

/// Sums of every kernel run over the task's rows: input streams `x(image) -> (offsets from
/// padded column 0 of channel 0, padded row offset)` against gradient channels `co0 + j0 + j` (the last
/// channel stands in for those past it; their sums are dropped).
#[inline(always)]
fn run_task<const COB: usize, const L: usize>(
    t: &Task<'_>,
    dot: &impl Dot<COB, L>,
    j0: usize,
    x: impl Fn(usize) -> ([usize; 3], usize),
) -> [[f32; 3]; COB] {
    let d0 = t.dy[0];
    let nv = d0.w.div_ceil(L);
    let mut acc = [[0.0f32; 3]; COB];
    for (n, y0, rows) in segments(&t.rows, d0.h) {
        let (d, a) = (t.dy[n], t.xs[n]);
        let (cols, yp) = x(n);
        let run = Run {
            dy: std::array::from_fn(|j| d.at(y0 + 1, (t.co0 + j0 + j).min(d.c - 1)) + 1),
            x: cols.map(|c| a.at(y0 + yp, 0) + c),
            dy_stride: d.row,
            x_stride: a.row,
            rows,
            nv,
        };
        let s = dot.run(d.data, a.data, &run);
        for (acc, s) in acc.iter_mut().zip(&s) {
            for (a, s) in acc.iter_mut().zip(s) {
                *a += s;
            }
        }
    }
    acc
}

/// `acc[j][kx]` added to `out[j][ci][ky * 3 + kx]` of a `[TASK_CO][cin][9]` partial (`k3`
/// is `Some(ky)`) or `acc[j][i]` to `out[j][ci + i]` of a `[TASK_CO][cin]` one.
fn flush<const COB: usize>(
    acc: &[[f32; 3]; COB],
    out: &mut [f32],
    j0: usize,
    cin: usize,
    ci: usize,
    k3: Option<usize>,
) {
    for (j, a) in acc.iter().enumerate() {
        for (i, &sum) in a.iter().enumerate() {
            let at = match k3 {
                Some(ky) => ((j0 + j) * cin + ci) * 9 + ky * 3 + i,
                None if ci + i < cin => (j0 + j) * cin + ci + i,
                None => continue,
            };
            out[at] += sum;
        }
    }
}

/// The partial weight gradient of a 3×3 convolution over one task into `out`
/// (`[TASK_CO][cin][9]`, zeros in; rows of channels past the gradient's are not meaningful).
#[inline(always)]
pub fn weight_grad3<const COB: usize, const L: usize>(
    t: &Task<'_>,
    dot: &impl Dot<COB, L>,
    out: &mut [f32],
) {
    let cin = t.xs[0].c;
    let blocks = (0..TASK_CO)
        .step_by(COB)
        .take_while(|j| t.co0 + j < t.dy[0].c);
    for ci in 0..cin {
        for ky in 0..3 {
            for j0 in blocks.clone() {
                let acc = run_task(t, dot, j0, |n| {
                    ([0, 1, 2].map(|kx| ci * t.xs[n].ch + kx), ky)
                });
                flush(&acc, out, j0, cin, ci, Some(ky));
            }
        }
    }
}

/// The partial weight gradient of a 1×1 convolution (`[TASK_CO][cin]`, zeros in); a 2×2 transposed convolution is four of them, one per tap.
#[inline(always)]
pub fn weight_grad1<const COB: usize, const L: usize>(
    t: &Task<'_>,
    dot: &impl Dot<COB, L>,
    out: &mut [f32],
) {
    let cin = t.xs[0].c;
    let blocks = (0..TASK_CO)
        .step_by(COB)
        .take_while(|j| t.co0 + j < t.dy[0].c);
    for ci in (0..cin).step_by(3) {
        for j0 in blocks.clone() {
            let acc = run_task(t, dot, j0, |n| {
                ([0, 1, 2].map(|i| (ci + i).min(cin - 1) * t.xs[n].ch + 1), 1)
            });
            flush(&acc, out, j0, cin, ci, None);
        }
    }
}

/// Sums of the task's output-gradient channels over its rows (the bias gradient) into `out`
/// (`[TASK_CO]`).
pub fn bias_grad(t: &Task<'_>, out: &mut [f32]) {
    let d0 = t.dy[0];
    for (j, o) in out.iter_mut().enumerate().take(d0.c.saturating_sub(t.co0)) {
        let mut sum = 0.0f32;
        for (n, y0, rows) in segments(&t.rows, d0.h) {
            for y in y0..y0 + rows {
                let at = t.dy[n].at(y + 1, t.co0 + j) + 1;
                sum += t.dy[n].data[at..at + d0.w].iter().sum::<f32>();
            }
        }
        *o += sum;
    }
}

/// One task of a `K`×`K` (1 or 3) weight gradient with the kernel `dot`: `out` is the
/// `[TASK_CO][cin][K²]` partial followed by the `[TASK_CO]` bias partial.
#[inline(always)]
pub fn weight_grad<const COB: usize, const L: usize, const K: usize>(
    t: &Task<'_>,
    dot: &impl Dot<COB, L>,
    out: &mut [f32],
) {
    let (w, b) = out.split_at_mut(out.len() - TASK_CO);
    if K == 3 {
        weight_grad3::<COB, L>(t, dot, w);
    } else {
        weight_grad1::<COB, L>(t, dot, w);
    }
    bias_grad(t, b);
}
