//! Separable Gaussian filtering of f32 planes: sampled Gaussian and Gaussian-derivative
//! kernels cut at 3.5σ (ilastik's `WINDOW_SIZE`), applied as a row pass and a column pass
//! with reflect padding (vigra's `BORDER_TREATMENT_REFLECT`: `… c b | a b c …`, the edge
//! pixel is not repeated), both passes spread over the rayon pool by rows.
//!
//! Planes are row-major `width × height` f32. Kernels are applied as a correlation,
//! `out[x] = Σ_i k[i] · in[x + i − r]`, and normalised so that their moments are exact on the
//! sampled grid: order 0 sums to 1; order 1 sums to 0 with first moment 1 (so a ramp `a·x`
//! gives `a`); order 2 sums to 0 with first moment 0 and second moment 2 (so `a·x²/2` gives
//! `a`). Derivatives are per pixel (σ in pixels).

use rayon::prelude::*;

/// Rows per rayon task: enough work per task that scheduling stays under 1 % of the pass.
const ROWS_PER_TASK: usize = 16;

/// Kernel half-width in units of σ, as ilastik's `WINDOW_SIZE`.
pub(crate) const WINDOW: f64 = 3.5;

/// A 1-D correlation kernel of `2 · radius + 1` taps, tap `i` weighting offset `i − radius`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Kernel {
    pub radius: usize,
    pub taps: Vec<f32>,
}

impl Kernel {
    /// The sampled Gaussian of scale `sigma` (pixels, > 0) or its derivative of `order` 0, 1 or
    /// 2, cut at `WINDOW · sigma` (at least one pixel) and normalised as the module says.
    pub(crate) fn gaussian(sigma: f64, order: u8) -> Self {
        let radius = ((WINDOW * sigma).ceil() as usize).max(1);
        let r = radius as isize;
        let offsets: Vec<f64> = (-r..=r).map(|i| i as f64).collect();
        let g: Vec<f64> = offsets
            .iter()
            .map(|x| (-x * x / (2.0 * sigma * sigma)).exp())
            .collect();
        let taps = match order {
            0 => {
                let sum: f64 = g.iter().sum();
                g.iter().map(|v| v / sum).collect::<Vec<_>>()
            }
            1 => {
                let raw: Vec<f64> = offsets.iter().zip(&g).map(|(x, g)| x * g).collect();
                let moment: f64 = offsets.iter().zip(&raw).map(|(x, k)| x * k).sum();
                raw.iter().map(|k| k / moment).collect()
            }
            _ => {
                let s2 = sigma * sigma;
                let raw: Vec<f64> = offsets
                    .iter()
                    .zip(&g)
                    .map(|(x, g)| (x * x / s2 - 1.0) * g)
                    .collect();
                let mean = raw.iter().sum::<f64>() / raw.len() as f64;
                let centred: Vec<f64> = raw.iter().map(|k| k - mean).collect();
                let moment: f64 = offsets.iter().zip(&centred).map(|(x, k)| x * x * k).sum();
                centred.iter().map(|k| 2.0 * k / moment).collect()
            }
        };
        Self {
            radius,
            taps: taps.into_iter().map(|v| v as f32).collect(),
        }
    }
}

/// Index `i` reflected into `0..n` without repeating the edge pixel (`n` ≥ 1); any distance
/// from the image, so kernels wider than the image stay defined.
pub(crate) fn reflect(i: isize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n as isize - 1);
    let m = i.rem_euclid(period);
    if m >= n as isize {
        (period - m) as usize
    } else {
        m as usize
    }
}

/// `out += t · src`, written so that the compiler vectorises it.
fn axpy(out: &mut [f32], src: &[f32], t: f32) {
    for (o, s) in out.iter_mut().zip(src) {
        *o += t * s;
    }
}

/// Filters every row of `plane` (`width × height`) with `kernel`.
pub(crate) fn filter_rows(plane: &[f32], width: usize, kernel: &Kernel) -> Vec<f32> {
    let mut out = vec![0.0f32; plane.len()];
    let r = kernel.radius;
    out.par_chunks_mut(width * ROWS_PER_TASK)
        .zip(plane.par_chunks(width * ROWS_PER_TASK))
        .for_each_init(
            || vec![0.0f32; width + 2 * r],
            |padded, (out_rows, in_rows)| {
                for (o, row) in out_rows.chunks_mut(width).zip(in_rows.chunks(width)) {
                    for (j, p) in padded.iter_mut().enumerate() {
                        *p = row[reflect(j as isize - r as isize, width)];
                    }
                    for (k, &t) in kernel.taps.iter().enumerate() {
                        if t != 0.0 {
                            axpy(o, &padded[k..k + width], t);
                        }
                    }
                }
            },
        );
    out
}

/// Filters every column of `plane` (`width × height`) with `kernel`, row by row so that each
/// step is a contiguous multiply-add over a whole row.
pub(crate) fn filter_columns(plane: &[f32], width: usize, kernel: &Kernel) -> Vec<f32> {
    let height = plane.len() / width.max(1);
    let mut out = vec![0.0f32; plane.len()];
    let r = kernel.radius as isize;
    out.par_chunks_mut(width * ROWS_PER_TASK)
        .enumerate()
        .for_each(|(task, out_rows)| {
            for (dy, o) in out_rows.chunks_mut(width).enumerate() {
                let y = (task * ROWS_PER_TASK + dy) as isize;
                for (k, &t) in kernel.taps.iter().enumerate() {
                    if t != 0.0 {
                        let src = reflect(y + k as isize - r, height);
                        axpy(o, &plane[src * width..(src + 1) * width], t);
                    }
                }
            }
        });
    out
}

/// Separable filter: `row_kernel` along x, then `column_kernel` along y.
pub(crate) fn separable(
    plane: &[f32],
    width: usize,
    row_kernel: &Kernel,
    column_kernel: &Kernel,
) -> Vec<f32> {
    filter_columns(&filter_rows(plane, width, row_kernel), width, column_kernel)
}

/// Gaussian smoothing at `sigma` pixels (> 0).
pub(crate) fn smooth(plane: &[f32], width: usize, sigma: f64) -> Vec<f32> {
    let k = Kernel::gaussian(sigma, 0);
    separable(plane, width, &k, &k)
}

/// Eigenvalues of the symmetric 2 × 2 matrix `[[a, b], [b, c]]`, larger first.
pub(crate) fn eigen2(a: f32, b: f32, c: f32) -> (f32, f32) {
    let mean = 0.5 * (a + c);
    let half = 0.5 * (a - c);
    let root = (half * half + b * b).sqrt();
    (mean + root, mean - root)
}
