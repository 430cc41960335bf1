//! The engine's convolution kernels, written once as plain Rust over fixed-size arrays and
//! compiled per instruction set by [`super::isa`]: `COB` output channels × `XB` vectors of
//! `L` lanes of one output row are accumulated in registers while the input channels and taps
//! stream past (a register-blocked direct convolution). Bias starts the sums; ReLU is applied
//! as they are stored. No `unsafe` here: the instruction set only changes how LLVM compiles
//! these loops.

use super::act::{ALIGN_X, Act};

/// Output channels per packed group: a block of up to this many channels reads its weights
/// as one contiguous run.
pub const GROUP: usize = 8;

/// One convolution's weights packed `[co / GROUP][ci][tap][co % GROUP]`, output channels
/// padded with zeros to a multiple of [`GROUP`], and its (padded) biases.
#[derive(Debug, Clone, PartialEq)]
pub struct Packed {
    pub cin: usize,
    pub cout: usize,
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

impl Packed {
    /// Packs `weight(co, ci, tap)` for `taps` taps.
    pub fn new(
        cin: usize,
        cout: usize,
        taps: usize,
        weight: impl Fn(usize, usize, usize) -> f32,
        bias: &[f32],
    ) -> Self {
        let padded = cout.next_multiple_of(GROUP);
        let mut w = vec![0.0; padded * cin * taps];
        for co in 0..cout {
            for ci in 0..cin {
                for t in 0..taps {
                    w[Self::index(cin, taps, co, ci, t)] = weight(co, ci, t);
                }
            }
        }
        let mut b = bias.to_vec();
        b.resize(padded, 0.0);
        Self { cin, cout, w, b }
    }

    #[inline(always)]
    pub(super) fn index(cin: usize, taps: usize, co: usize, ci: usize, t: usize) -> usize {
        (((co / GROUP) * cin + ci) * taps + t) * GROUP + co % GROUP
    }
}

/// Where one output row's values go.
pub struct Dst<'a> {
    /// The output row (all channels).
    pub row: &'a mut [f32],
    /// Distance between channels in `row`.
    pub ch_stride: usize,
    /// Index of column 0 within a channel (1 for a bordered [`Act`]).
    pub x_off: usize,
    /// Output column of input column x: `x * x_step + x_shift` (2 and dx for a 2× up-conv).
    pub x_step: usize,
    pub x_shift: usize,
    /// Columns to store (the image width; blocks beyond it are computed and dropped).
    pub w: usize,
    /// Channels to store (the rest of the last group is padding).
    pub cout: usize,
    pub relu: bool,
}

#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// Sums of output channels `co0..co0 + COB` at columns `x0..x0 + XB·L` of output row `y`, for
/// a `K`×`K` convolution (stride 1, zero padding `K / 2`) over the channels of `srcs` taken
/// as one concatenation.
#[inline(always)]
fn block<const COB: usize, const XB: usize, const L: usize, const FMA: bool, const K: usize>(
    srcs: &[&Act],
    p: &Packed,
    co0: usize,
    y: usize,
    x0: usize,
) -> [[[f32; L]; XB]; COB] {
    let off = 1 - K / 2;
    let mut acc = [[[0.0f32; L]; XB]; COB];
    for (j, a) in acc.iter_mut().enumerate() {
        *a = [[p.b[co0 + j]; L]; XB];
    }
    let mut ci = 0;
    for src in srcs {
        for c in 0..src.c {
            for ky in 0..K {
                let start = src.at(y + ky + off, c) + x0 + off;
                let row = &src.data[start..start + XB * L + K - 1];
                for kx in 0..K {
                    let wb = Packed::index(p.cin, K * K, co0, ci, ky * K + kx);
                    let wv = &p.w[wb..wb + COB];
                    let mut inp = [[0.0f32; L]; XB];
                    for (v, iv) in inp.iter_mut().enumerate() {
                        iv.copy_from_slice(&row[kx + v * L..kx + v * L + L]);
                    }
                    for j in 0..COB {
                        let wj = wv[j];
                        for v in 0..XB {
                            for l in 0..L {
                                acc[j][v][l] = madd::<FMA>(wj, inp[v][l], acc[j][v][l]);
                            }
                        }
                    }
                }
            }
            ci += 1;
        }
    }
    acc
}

#[inline(always)]
pub(super) fn store<const COB: usize, const XB: usize, const L: usize>(
    acc: &[[[f32; L]; XB]; COB],
    dst: &mut Dst<'_>,
    co0: usize,
    x0: usize,
) {
    for (j, a) in acc.iter().enumerate().take(dst.cout - co0) {
        let base = (co0 + j) * dst.ch_stride + dst.x_off + dst.x_shift;
        for (v, lanes) in a.iter().enumerate() {
            let x = x0 + v * L;
            if x >= dst.w {
                break;
            }
            for (l, &s) in lanes.iter().enumerate().take(dst.w - x) {
                let s = if dst.relu { s.max(0.0) } else { s };
                dst.row[base + (x + l) * dst.x_step] = s;
            }
        }
    }
}

/// Output row `y` of a `K`×`K` convolution (K = 1 or 3) of `srcs` (concatenated) into `dst`:
/// for each block of columns, every block of `COB` channels (the columns' inputs stay in L1
/// while the weights stream past).
#[inline(always)]
pub fn conv_row<
    const COB: usize,
    const XB: usize,
    const L: usize,
    const FMA: bool,
    const K: usize,
>(
    srcs: &[&Act],
    p: &Packed,
    y: usize,
    dst: &mut Dst<'_>,
) {
    const { assert!(GROUP.is_multiple_of(COB)) };
    let width = srcs[0].w.next_multiple_of(ALIGN_X);
    for x0 in (0..width).step_by(XB * L) {
        for co0 in (0..p.cout).step_by(COB) {
            let acc = block::<COB, XB, L, FMA, K>(srcs, p, co0, y, x0);
            store(&acc, dst, co0, x0);
        }
    }
}

/// Output row `oy` of a 2×2, stride-2 transposed convolution of `src`: input row `oy / 2`
/// through the 1×1 weights of tap (`oy % 2`, dx), written to every second column from dx.
/// `taps` holds the four taps `dy * 2 + dx`.
#[inline(always)]
pub fn up_row<const COB: usize, const XB: usize, const L: usize, const FMA: bool>(
    src: &Act,
    taps: &[Packed; 4],
    oy: usize,
    dst: &mut Dst<'_>,
) {
    let dy = oy % 2;
    for dx in 0..2 {
        dst.x_step = 2;
        dst.x_shift = dx;
        conv_row::<COB, XB, L, FMA, 1>(&[src], &taps[dy * 2 + dx], oy / 2, dst);
    }
}
