//! semcurate's CPU inference engine for the fixed U-Net graph of the MineralClassifier study
//! (three double-conv encoder levels of widths b, 2b, 4b, an 8b bottleneck, a decoder of 2×2
//! transposed convs with skip concatenation, a 1×1 head), fed by plain weight arrays with
//! batch norm already folded into the convolutions.
//!
//! burn runs such a network op by op: im2col copies, a GEMM, then separate passes for bias,
//! ReLU and concatenation. Here each 3×3 convolution is one register-blocked pass that starts
//! from the bias and stores through ReLU; activations carry a zero border, so no padding is
//! copied; the decoder's convolutions read the skip and the up-sampled tensors as one
//! concatenation without building it; a 2×2 transposed convolution is four 1×1 convolutions
//! written to alternate columns. Rows of each layer are spread over the rayon pool.
//!
//! It is its own crate so that it is optimised in debug builds too (semcurate's tests run it)
//! and so that the only `unsafe` code of semcurate is fenced in one place ([`isa`]).

// The kernels are generic code that must be inlined into the functions compiled for each
// instruction set (`isa`), or they would run without the wide vectors.
#![allow(clippy::inline_always)]

pub mod act;
pub mod grad;
pub mod isa;
pub mod kernels;
pub mod train;

pub use act::Act;
pub use isa::Isa;
use kernels::{Dst, Packed};
use rayon::prelude::*;

/// One convolution as burn and PyTorch store it: weights `[co][ci][ky][kx]`, biases `[co]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv {
    pub cout: usize,
    pub cin: usize,
    /// Kernel side (3 for the double convs, 1 for the head).
    pub k: usize,
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

/// A 2×2, stride-2 transposed convolution: weights `[ci][co][dy][dx]`, biases `[co]`.
#[derive(Debug, Clone, PartialEq)]
pub struct UpConv {
    pub cin: usize,
    pub cout: usize,
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

/// The whole network: encoder double convs 1–4, the three up-convs (deepest first), the
/// decoder double convs 5–7 and the head.
#[derive(Debug, Clone, PartialEq)]
pub struct UNetWeights {
    pub enc: [[Conv; 2]; 4],
    pub up: [UpConv; 3],
    pub dec: [[Conv; 2]; 3],
    pub head: Conv,
}

/// A `K`×`K` (1 or 3) convolution, stride 1, of `srcs` (concatenated along channels), with
/// bias and optional `ReLU`, rows spread over the rayon pool: one image, inference and
/// training alike.
#[inline]
pub(crate) fn conv_act<const K: usize>(isa: Isa, srcs: &[&Act], p: &Packed, relu: bool) -> Act {
    let mut out = Act::zeros(p.cout, srcs[0].h, srcs[0].w);
    let (rs, w) = (out.rs, out.w);
    out.interior_rows_mut().enumerate().for_each(|(y, row)| {
        let mut dst = Dst {
            row,
            ch_stride: rs,
            x_off: 1,
            x_step: 1,
            x_shift: 0,
            w,
            cout: p.cout,
            relu,
        };
        isa.conv_row::<K>(srcs, p, y, &mut dst);
    });
    out
}

/// 2× up-sampling of `src` by a 2×2 stride-2 transposed convolution (`taps` from
/// [`pack_up`]), with bias, no activation.
pub(crate) fn up_act(isa: Isa, src: &Act, taps: &[Packed; 4]) -> Act {
    let mut out = Act::zeros(taps[0].cout, 2 * src.h, 2 * src.w);
    let rs = out.rs;
    out.interior_rows_mut().enumerate().for_each(|(oy, row)| {
        let mut dst = Dst {
            row,
            ch_stride: rs,
            x_off: 1,
            x_step: 2,
            x_shift: 0,
            w: src.w,
            cout: taps[0].cout,
            relu: false,
        };
        isa.up_row(src, taps, oy, &mut dst);
    });
    out
}

pub(crate) fn pack(c: &Conv) -> Packed {
    let taps = c.k * c.k;
    let (cin, w) = (c.cin, &c.w);
    Packed::new(
        cin,
        c.cout,
        taps,
        |co, ci, t| w[(co * cin + ci) * taps + t],
        &c.b,
    )
}

pub(crate) fn pack_up(c: &UpConv) -> [Packed; 4] {
    let (cout, w) = (c.cout, &c.w);
    std::array::from_fn(|tap| {
        Packed::new(
            c.cin,
            cout,
            1,
            |co, ci, _| w[(ci * cout + co) * 4 + tap],
            &c.b,
        )
    })
}

struct Double {
    a: Packed,
    b: Packed,
}

fn double(d: &[Conv; 2]) -> Double {
    Double {
        a: pack(&d[0]),
        b: pack(&d[1]),
    }
}

/// The U-Net's weights packed for the kernels of one instruction set.
pub struct Engine {
    enc: [Double; 4],
    up: [[Packed; 4]; 3],
    dec: [Double; 3],
    head: Packed,
    isa: Isa,
}

impl Engine {
    /// Packs `w` for the widest instruction set this CPU has ([`Isa::best`]).
    pub fn new(w: &UNetWeights) -> Self {
        Self {
            enc: std::array::from_fn(|i| double(&w.enc[i])),
            up: std::array::from_fn(|i| pack_up(&w.up[i])),
            dec: std::array::from_fn(|i| double(&w.dec[i])),
            head: pack(&w.head),
            isa: Isa::best(),
        }
    }

    /// The same engine running the kernels compiled for `isa`.
    #[must_use]
    pub fn with_isa(mut self, isa: Isa) -> Self {
        self.isa = isa;
        self
    }

    pub fn isa(&self) -> Isa {
        self.isa
    }

    pub fn classes(&self) -> usize {
        self.head.cout
    }

    /// A 3×3 conv + ReLU of `srcs` (concatenated along channels).
    fn conv3(&self, srcs: &[&Act], p: &Packed) -> Act {
        conv_act::<3>(self.isa, srcs, p, true)
    }

    fn double(&self, srcs: &[&Act], d: &Double) -> Act {
        let mid = self.conv3(srcs, &d.a);
        self.conv3(&[&mid], &d.b)
    }

    /// 2× up-sampling by a transposed conv (no activation after it).
    fn up(&self, src: &Act, taps: &[Packed; 4]) -> Act {
        up_act(self.isa, src, taps)
    }

    /// Logits `[classes][h][w]` from the 1×1 head, or class probabilities with `softmax`.
    fn head(&self, src: &Act, softmax: bool) -> Vec<f32> {
        let (h, w, k) = (src.h, src.w, self.head.cout);
        let stride = w.next_multiple_of(act::ALIGN_X);
        let mut rows = vec![0.0f32; h * k * stride];
        rows.par_chunks_exact_mut(k * stride)
            .enumerate()
            .for_each(|(y, row)| {
                let mut dst = Dst {
                    row,
                    ch_stride: stride,
                    x_off: 0,
                    x_step: 1,
                    x_shift: 0,
                    w,
                    cout: k,
                    relu: false,
                };
                self.isa.conv_row::<1>(&[src], &self.head, y, &mut dst);
                if softmax {
                    softmax_row(row, k, stride, w);
                }
            });
        let mut out = vec![0.0f32; k * h * w];
        for (c, plane) in out.chunks_exact_mut(h * w).enumerate() {
            for (y, dst) in plane.chunks_exact_mut(w).enumerate() {
                let at = (y * k + c) * stride;
                dst.copy_from_slice(&rows[at..at + w]);
            }
        }
        out
    }

    /// Logits `[classes][h][w]` of one normalised image `x` (`h` × `w`, row-major; both
    /// multiples of 8); with `softmax`, class probabilities instead.
    pub fn forward_plane(&self, x: &[f32], h: usize, w: usize, softmax: bool) -> Vec<f32> {
        assert!(
            h.is_multiple_of(8) && w.is_multiple_of(8) && x.len() == h * w,
            "engine input must be h × w with h and w multiples of 8, got {h} × {w} for {} values",
            x.len()
        );
        let x0 = Act::from_plane(x, h, w);
        let x1 = self.double(&[&x0], &self.enc[0]);
        let x3 = self.double(&[&act::max_pool(&x1)], &self.enc[1]);
        let x5 = self.double(&[&act::max_pool(&x3)], &self.enc[2]);
        let x7 = self.double(&[&act::max_pool(&x5)], &self.enc[3]);
        let x10 = self.double(&[&x5, &self.up(&x7, &self.up[0])], &self.dec[0]);
        let x13 = self.double(&[&x3, &self.up(&x10, &self.up[1])], &self.dec[1]);
        let x16 = self.double(&[&x1, &self.up(&x13, &self.up[2])], &self.dec[2]);
        self.head(&x16, softmax)
    }
}

/// Soft-max over the `k` channels (`stride` apart) of each of the first `w` columns of `row`.
fn softmax_row(row: &mut [f32], k: usize, stride: usize, w: usize) {
    for x in 0..w {
        let max = (0..k)
            .map(|c| row[c * stride + x])
            .fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for c in 0..k {
            let e = (row[c * stride + x] - max).exp();
            row[c * stride + x] = e;
            sum += e;
        }
        for c in 0..k {
            row[c * stride + x] /= sum;
        }
    }
}
