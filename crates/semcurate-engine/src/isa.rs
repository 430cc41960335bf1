//! Which vector instructions the kernels are compiled for, chosen at run time.
//!
//! The only `unsafe` in semcurate is here: calling a function compiled for AVX2 + FMA or
//! AVX-512 is sound only on a CPU that has them. [`Isa`] can only be made by
//! [`Isa::best`] or [`Isa::supported`], which ask the CPU first, so holding one proves the
//! instructions exist; the kernels themselves ([`super::kernels`]) are safe Rust that LLVM
//! vectorises for the chosen width.
#![allow(unsafe_code)]

use super::act::Act;
use super::grad::dw::{self, Task};
use super::kernels::{self, Dst, Packed};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

/// A supported instruction set (private field: only made after asking the CPU).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Isa(Level);

impl Isa {
    /// Every instruction set this CPU runs, best last.
    pub fn supported() -> Vec<Self> {
        #[allow(unused_mut)]
        let mut out = vec![Self(Level::Portable)];
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
            if avx2 {
                out.push(Self(Level::Avx2));
            }
            if avx2 && is_x86_feature_detected!("avx512f") {
                out.push(Self(Level::Avx512));
            }
        }
        out
    }

    /// The widest supported one, or the one `SEMCURATE_ISA` names (portable, avx2, avx512)
    /// when this CPU has it.
    pub fn best() -> Self {
        let all = Self::supported();
        let wanted = std::env::var("SEMCURATE_ISA").ok();
        wanted
            .and_then(|n| all.iter().copied().find(|i| i.name() == n))
            .or_else(|| all.last().copied())
            .unwrap_or(Self(Level::Portable))
    }

    /// Whether the engine beats burn's op-by-op path with these kernels (AVX2 or AVX-512;
    /// the portable kernels do not, docs/BENCHMARKS.md).
    pub fn is_fast(self) -> bool {
        self.0 != Level::Portable
    }

    pub fn name(self) -> &'static str {
        match self.0 {
            Level::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => "avx2",
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => "avx512",
        }
    }

    /// Row `y` of a `K`×`K` convolution (K = 1 or 3); see [`kernels::conv_row`].
    pub fn conv_row<const K: usize>(self, srcs: &[&Act], p: &Packed, y: usize, dst: &mut Dst<'_>) {
        match self.0 {
            Level::Portable => kernels::conv_row::<4, 1, 16, false, K>(srcs, p, y, dst),
            // SAFETY: a `Level::Avx2` is only made when the CPU reported AVX2 and FMA.
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => unsafe { x86::conv_row_avx2::<K>(srcs, p, y, dst) },
            // SAFETY: a `Level::Avx512` is only made when the CPU reported AVX-512F, AVX2, FMA.
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => unsafe { x86::conv_row_avx512::<K>(srcs, p, y, dst) },
        }
    }

    /// Row `oy` of a 2× transposed convolution; see [`kernels::up_row`].
    pub fn up_row(self, src: &Act, taps: &[Packed; 4], oy: usize, dst: &mut Dst<'_>) {
        match self.0 {
            Level::Portable => kernels::up_row::<4, 1, 16, false>(src, taps, oy, dst),
            // SAFETY: as in `conv_row`.
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => unsafe { x86::up_row_avx2(src, taps, oy, dst) },
            // SAFETY: as in `conv_row`.
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => unsafe { x86::up_row_avx512(src, taps, oy, dst) },
        }
    }

    /// One task of a `K`×`K` convolution's weight and bias gradient; see
    /// [`dw::weight_grad`].
    pub fn weight_grad<const K: usize>(self, t: &Task<'_>, out: &mut [f32]) {
        match self.0 {
            Level::Portable => dw::weight_grad::<4, 8, K>(t, &dw::Lanes::<false>, out),
            // SAFETY: as in `conv_row`.
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => unsafe { x86::weight_grad_avx2::<K>(t, out) },
            // SAFETY: as in `conv_row`.
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => unsafe { x86::weight_grad_avx512::<K>(t, out) },
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{
        __m256, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_ps, _mm256_setzero_ps,
        _mm256_storeu_ps,
    };

    use super::{Act, Dst, Packed, Task, dw, kernels};

    /// AVX2 by hand: LLVM's vectoriser turns the generic kernel's 8-lane blocks into
    /// shuffles (it pairs the 8 adjacent weights instead of the 8 adjacent pixels), so this
    /// one names its vectors: 4 channels × 2 vectors of 8 pixels per block.
    #[target_feature(enable = "avx2,fma")]
    pub fn conv_row_avx2<const K: usize>(srcs: &[&Act], p: &Packed, y: usize, dst: &mut Dst<'_>) {
        // Blocks of 16 columns: a 16-wide image (the bottleneck of a 128² crop) is one block,
        // not two (rows are `ALIGN_X`-padded, so the reads stay inside them).
        let width = srcs[0].w.next_multiple_of(16);
        for x0 in (0..width).step_by(16) {
            for co0 in (0..p.cout).step_by(4) {
                let acc = block_avx2::<K>(srcs, p, co0, y, x0);
                let mut out = [[[0.0f32; 8]; 2]; 4];
                for (o, a) in out.iter_mut().zip(&acc) {
                    store8(&mut o[0], a[0]);
                    store8(&mut o[1], a[1]);
                }
                kernels::store(&out, dst, co0, x0);
            }
        }
    }

    #[target_feature(enable = "avx2,fma")]
    fn block_avx2<const K: usize>(
        srcs: &[&Act],
        p: &Packed,
        co0: usize,
        y: usize,
        x0: usize,
    ) -> [[__m256; 2]; 4] {
        let off = 1 - K / 2;
        let mut acc = [[_mm256_setzero_ps(); 2]; 4];
        for (j, a) in acc.iter_mut().enumerate() {
            let b = _mm256_set1_ps(p.b[co0 + j]);
            *a = [b, b];
        }
        let mut ci = 0;
        for src in srcs {
            for c in 0..src.c {
                for ky in 0..K {
                    let start = src.at(y + ky + off, c) + x0 + off;
                    let row = &src.data[start..start + 16 + K - 1];
                    for kx in 0..K {
                        let wb = Packed::index(p.cin, K * K, co0, ci, ky * K + kx);
                        let wv = &p.w[wb..wb + 4];
                        let i0 = load8(&row[kx..kx + 8]);
                        let i1 = load8(&row[kx + 8..kx + 16]);
                        for (a, &w) in acc.iter_mut().zip(wv) {
                            let w = _mm256_set1_ps(w);
                            a[0] = _mm256_fmadd_ps(w, i0, a[0]);
                            a[1] = _mm256_fmadd_ps(w, i1, a[1]);
                        }
                    }
                }
                ci += 1;
            }
        }
        acc
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn load8(s: &[f32]) -> __m256 {
        let s: &[f32; 8] = s.first_chunk().expect("kernels slice 8 floats");
        // SAFETY: `s` is 8 readable floats; unaligned loads need no alignment.
        unsafe { _mm256_loadu_ps(s.as_ptr()) }
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn store8(d: &mut [f32; 8], v: __m256) {
        // SAFETY: `d` is 8 writable floats; unaligned stores need no alignment.
        unsafe { _mm256_storeu_ps(d.as_mut_ptr(), v) }
    }

    #[target_feature(enable = "avx512f,avx2,fma")]
    pub fn conv_row_avx512<const K: usize>(srcs: &[&Act], p: &Packed, y: usize, dst: &mut Dst<'_>) {
        kernels::conv_row::<8, 2, 16, true, K>(srcs, p, y, dst);
    }

    #[target_feature(enable = "avx2,fma")]
    pub fn up_row_avx2(src: &Act, taps: &[Packed; 4], oy: usize, dst: &mut Dst<'_>) {
        for dx in 0..2 {
            dst.x_step = 2;
            dst.x_shift = dx;
            conv_row_avx2::<1>(&[src], &taps[(oy % 2) * 2 + dx], oy / 2, dst);
        }
    }

    #[target_feature(enable = "avx512f,avx2,fma")]
    pub fn up_row_avx512(src: &Act, taps: &[Packed; 4], oy: usize, dst: &mut Dst<'_>) {
        kernels::up_row::<8, 2, 16, true>(src, taps, oy, dst);
    }

    #[target_feature(enable = "avx2,fma")]
    pub fn weight_grad_avx2<const K: usize>(t: &Task<'_>, out: &mut [f32]) {
        dw::weight_grad::<4, 8, K>(t, &DotAvx2, out);
    }

    #[target_feature(enable = "avx512f,avx2,fma")]
    pub fn weight_grad_avx512<const K: usize>(t: &Task<'_>, out: &mut [f32]) {
        dw::weight_grad::<8, 16, K>(t, &dw::Lanes::<true>, out);
    }

    /// The AVX2 weight-gradient kernel (only made in `weight_grad_avx2`). By hand for the
    /// same reason as `conv_row_avx2`: LLVM builds the three shifted input vectors from one
    /// load with shuffles and spills sums (2× slower).
    struct DotAvx2;

    impl dw::Dot<4, 8> for DotAvx2 {
        #[inline(always)]
        fn run(&self, dy: &[f32], x: &[f32], r: &dw::Run<4>) -> [[f32; 3]; 4] {
            // SAFETY: a `DotAvx2` is only made in `weight_grad_avx2`, which runs only where
            // the CPU reported AVX2 and FMA.
            unsafe { dot_avx2(dy, x, r) }
        }
    }

    /// Plain loops only: closures (`map`, `from_fn`) are not compiled with the target
    /// features and end up as calls in the inner loop.
    #[target_feature(enable = "avx2,fma")]
    fn dot_avx2(dy: &[f32], x: &[f32], r: &dw::Run<4>) -> [[f32; 3]; 4] {
        let mut acc = [[_mm256_setzero_ps(); 3]; 4];
        let n = r.nv * 8;
        for row in 0..r.rows {
            let mut xr: [&[f32]; 3] = [&[]; 3];
            for i in 0..3 {
                xr[i] = &x[r.x[i] + row * r.x_stride..][..n];
            }
            let mut dr: [&[f32]; 4] = [&[]; 4];
            for j in 0..4 {
                dr[j] = &dy[r.dy[j] + row * r.dy_stride..][..n];
            }
            for s in (0..n).step_by(8) {
                let xv = [
                    load8(&xr[0][s..s + 8]),
                    load8(&xr[1][s..s + 8]),
                    load8(&xr[2][s..s + 8]),
                ];
                for j in 0..4 {
                    let d = load8(&dr[j][s..s + 8]);
                    for i in 0..3 {
                        acc[j][i] = _mm256_fmadd_ps(d, xv[i], acc[j][i]);
                    }
                }
            }
        }
        let mut sums = [[0.0f32; 3]; 4];
        let mut lanes = [0.0f32; 8];
        for j in 0..4 {
            for i in 0..3 {
                store8(&mut lanes, acc[j][i]);
                sums[j][i] = lanes.iter().sum();
            }
        }
        sums
    }
}
