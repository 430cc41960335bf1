//! Every training kernel against a direct-loop reference in f64, on every instruction set
//! this CPU runs, at sizes that are not multiples of the kernels' blocks (channels 3, 5, 7,
//! 12, 17; widths 8 to 72; odd heights). Tolerance: `|got − want| ≤ 1e-4 · max(|want|, 1)`.

// Test sizes are tiny (isize index arithmetic cannot wrap); the references index like the
// formulas they check.
#![allow(
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::needless_range_loop
)]

use super::*;
use crate::{pack, pack_up};

/// Deterministic values in [-1, 1).
fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// A `[n][c][h][w]` batch as activations and as plain values.
fn batch(n: usize, c: usize, h: usize, w: usize, seed: u64) -> (Vec<Act>, Vec<f32>) {
    let v = values(n * c * h * w, seed);
    let acts = v
        .chunks_exact(c * h * w)
        .map(|img| {
            let mut a = Act::zeros(c, h, w);
            for (ch, plane) in img.chunks_exact(h * w).enumerate() {
                for (y, r) in plane.chunks_exact(w).enumerate() {
                    let at = a.at(y + 1, ch) + 1;
                    a.data[at..at + w].copy_from_slice(r);
                }
            }
            a
        })
        .collect();
    (acts, v)
}

fn planes(acts: &[Act]) -> Vec<f32> {
    acts.iter()
        .flat_map(|a| (0..a.c).flat_map(|c| a.plane(c)))
        .collect()
}

fn conv(cout: usize, cin: usize, seed: u64) -> Conv {
    Conv {
        cout,
        cin,
        k: 3,
        w: values(cout * cin * 9, seed),
        b: values(cout, seed + 1),
    }
}

#[track_caller]
fn assert_close(got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    assert!(
        want.iter().any(|w| w.abs() > 0.1),
        "reference is not trivial"
    );
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let err = (f64::from(g) - w).abs();
        assert!(err <= 1e-4 * w.abs().max(1.0), "[{i}]: {g} vs {w}");
    }
}

/// Value of `[n][c][h][w]` `v` at (y, x), zero outside.
fn at(v: &[f32], dims: [usize; 4], n: usize, c: usize, y: isize, x: isize) -> f64 {
    let [_, cs, h, w] = dims;
    if y < 0 || x < 0 || y >= h as isize || x >= w as isize {
        return 0.0;
    }
    f64::from(v[((n * cs + c) * h + y as usize) * w + x as usize])
}

/// Direct 3×3 convolution (padding 1) of `x` (`[n][cin][h][w]`).
fn naive_conv(c: &Conv, x: &[f32], [n, h, w]: [usize; 3]) -> Vec<f64> {
    let mut out = vec![0.0; n * c.cout * h * w];
    let xd = [n, c.cin, h, w];
    for (i, o) in out.iter_mut().enumerate() {
        let (img, co, y, xx) = (i / (c.cout * h * w), i / (h * w) % c.cout, i / w % h, i % w);
        *o = f64::from(c.b[co]);
        for ci in 0..c.cin {
            for t in 0..9 {
                let (yy, xs) = ((y + t / 3) as isize - 1, (xx + t % 3) as isize - 1);
                *o += f64::from(c.w[(co * c.cin + ci) * 9 + t]) * at(x, xd, img, ci, yy, xs);
            }
        }
    }
    out
}

/// Direct `dX[n][ci][y][x] = Σ dY[n][co][y − ky + 1][x − kx + 1] · W[co][ci][ky][kx]`.
fn naive_dx(c: &Conv, dy: &[f32], [n, h, w]: [usize; 3]) -> Vec<f64> {
    let mut out = vec![0.0; n * c.cin * h * w];
    let dd = [n, c.cout, h, w];
    for (i, o) in out.iter_mut().enumerate() {
        let (img, ci, y, x) = (i / (c.cin * h * w), i / (h * w) % c.cin, i / w % h, i % w);
        for co in 0..c.cout {
            for t in 0..9 {
                let (yy, xx) = (
                    y as isize - (t / 3) as isize + 1,
                    x as isize - (t % 3) as isize + 1,
                );
                *o += f64::from(c.w[(co * c.cin + ci) * 9 + t]) * at(dy, dd, img, co, yy, xx);
            }
        }
    }
    out
}

/// Direct `dW[co][ci][ky][kx]` and `db[co]`.
fn naive_dw(
    cin: usize,
    cout: usize,
    x: &[f32],
    dy: &[f32],
    [n, h, w]: [usize; 3],
) -> (Vec<f64>, Vec<f64>) {
    let (mut dw, mut db) = (vec![0.0; cout * cin * 9], vec![0.0; cout]);
    let (xd, dd) = ([n, cin, h, w], [n, cout, h, w]);
    for img in 0..n {
        for co in 0..cout {
            for y in 0..h as isize {
                for xx in 0..w as isize {
                    let g = at(dy, dd, img, co, y, xx);
                    db[co] += g;
                    for ci in 0..cin {
                        for t in 0..9 {
                            let v = at(
                                x,
                                xd,
                                img,
                                ci,
                                y + (t / 3) as isize - 1,
                                xx + (t % 3) as isize - 1,
                            );
                            dw[(co * cin + ci) * 9 + t] += g * v;
                        }
                    }
                }
            }
        }
    }
    (dw, db)
}

#[test]
fn conv3_forward_matches_direct_loops() {
    for isa in Isa::supported() {
        for (n, cin, cout, h, w) in [(2, 5, 12, 8, 24), (3, 7, 8, 5, 40)] {
            let c = conv(cout, cin, 11);
            let (x, xv) = batch(n, cin, h, w, 3);
            let got = conv3_batch(isa, &pack(&c), &singles(&x), false);
            assert_close(&planes(&got), &naive_conv(&c, &xv, [n, h, w]));
        }
    }
}

#[test]
fn conv3_input_gradient_matches_direct_loops() {
    for isa in Isa::supported() {
        for (n, cin, cout, h, w) in [(2, 5, 12, 8, 24), (3, 7, 3, 5, 40), (1, 16, 16, 4, 16)] {
            let c = conv(cout, cin, 5);
            let (dy, dyv) = batch(n, cout, h, w, 9);
            let got = conv3_input_grad(isa, &pack_input_grad(&c), &dy);
            assert_close(&planes(&got), &naive_dx(&c, &dyv, [n, h, w]));
        }
    }
}

#[test]
fn conv3_weight_gradient_matches_direct_loops_over_a_concatenation() {
    for isa in Isa::supported() {
        for (n, c1, c2, cout, h, w) in [
            (2, 3, 4, 12, 8, 24),
            (3, 5, 2, 8, 5, 40),
            (8, 9, 1, 17, 3, 20),
            (2, 6, 0, 12, 3, 72),
        ] {
            let (x1, v1) = batch(n, c1, h, w, 1);
            let (x2, v2) = batch(n, c2.max(1), h, w, 2);
            let (dy, dyv) = batch(n, cout, h, w, 4);
            // c2 = 0: one activation per image (images ≥ 64 wide are then read in place).
            let xs: Vec<Vec<&Act>> = x1
                .iter()
                .zip(&x2)
                .map(|(a, b)| if c2 == 0 { vec![a] } else { vec![a, b] })
                .collect();
            // The reference input: both parts of each image, one after the other.
            let per =
                |v: &[f32], c: usize, i: usize| v[i * c * h * w..(i + 1) * c * h * w].to_vec();
            let xv: Vec<f32> = (0..n)
                .flat_map(|i| [per(&v1, c1, i), per(&v2, c2, i)].concat())
                .collect();
            let g = conv3_weight_grad(isa, &xs, &dy);
            let (dw, db) = naive_dw(c1 + c2, cout, &xv, &dyv, [n, h, w]);
            assert_close(&g.w, &dw);
            assert_close(&g.b, &db);
        }
    }
}

fn up_conv(cin: usize, cout: usize, seed: u64) -> UpConv {
    UpConv {
        cin,
        cout,
        w: values(cin * cout * 4, seed),
        b: values(cout, seed + 1),
    }
}

/// Direct transposed convolution, its input gradient and its weight / bias gradients.
fn naive_up(c: &UpConv, x: &[f32], dy: &[f32], [n, h, w]: [usize; 3]) -> [Vec<f64>; 4] {
    let (cin, cout) = (c.cin, c.cout);
    let mut y = vec![0.0; n * cout * 4 * h * w];
    let (mut dx, mut dw, mut db) = (
        vec![0.0; n * cin * h * w],
        vec![0.0; cin * cout * 4],
        vec![0.0; cout],
    );
    for img in 0..n {
        for co in 0..cout {
            for oy in 0..2 * h {
                for ox in 0..2 * w {
                    let o = ((img * cout + co) * 2 * h + oy) * 2 * w + ox;
                    let (tap, yy, xx) = ((oy % 2) * 2 + ox % 2, oy / 2, ox / 2);
                    let g = f64::from(dy[o]);
                    y[o] = f64::from(c.b[co]);
                    db[co] += g;
                    for ci in 0..cin {
                        let xi = ((img * cin + ci) * h + yy) * w + xx;
                        let wi = (ci * cout + co) * 4 + tap;
                        y[o] += f64::from(c.w[wi]) * f64::from(x[xi]);
                        dx[xi] += g * f64::from(c.w[wi]);
                        dw[wi] += g * f64::from(x[xi]);
                    }
                }
            }
        }
    }
    [y, dx, dw, db]
}

#[test]
fn transposed_conv_forward_and_gradients_match_direct_loops() {
    for isa in Isa::supported() {
        for (n, cin, cout, h, w) in [
            (2, 12, 5, 4, 12),
            (3, 7, 9, 3, 20),
            (8, 16, 8, 2, 8),
            (1, 4, 3, 2, 64),
        ] {
            let c = up_conv(cin, cout, 21);
            let (x, xv) = batch(n, cin, h, w, 6);
            let (dy, dyv) = batch(n, cout, 2 * h, 2 * w, 8);
            let [y, dx, dw, db] = naive_up(&c, &xv, &dyv, [n, h, w]);
            assert_close(&planes(&up_batch(isa, &pack_up(&c), &x)), &y);
            let phases = up_split_batch(&dy);
            assert_close(
                &planes(&up_input_grad(isa, &pack_up_input_grad(&c), &phases)),
                &dx,
            );
            let g = up_weight_grad(isa, &x, &phases);
            assert_close(&g.w, &dw);
            assert_close(&g.b, &db);
        }
    }
}

#[test]
fn conv1_forward_and_weight_gradient_match_direct_loops() {
    // Width 72 reads the activations in place, 24 through planar copies.
    for isa in Isa::supported() {
        for (n, cin, cout, h, w) in [(2, 9, 5, 3, 72), (3, 4, 10, 4, 24)] {
            let c = Conv {
                cout,
                cin,
                k: 1,
                w: values(cout * cin, 31),
                b: values(cout, 32),
            };
            let (x, xv) = batch(n, cin, h, w, 33);
            let (dy, dyv) = batch(n, cout, h, w, 34);
            let hw = h * w;
            let (mut y, mut dw, mut db) = (
                vec![0.0f64; n * cout * hw],
                vec![0.0f64; cout * cin],
                vec![0.0f64; cout],
            );
            for img in 0..n {
                for co in 0..cout {
                    for p in 0..hw {
                        let o = (img * cout + co) * hw + p;
                        y[o] = f64::from(c.b[co]);
                        db[co] += f64::from(dyv[o]);
                        for ci in 0..cin {
                            let xi = f64::from(xv[(img * cin + ci) * hw + p]);
                            y[o] += f64::from(c.w[co * cin + ci]) * xi;
                            dw[co * cin + ci] += f64::from(dyv[o]) * xi;
                        }
                    }
                }
            }
            assert_close(&planes(&conv1_batch(isa, &pack(&c), &singles(&x))), &y);
            let g = conv1_weight_grad(isa, &singles(&x), &dy);
            assert_close(&g.w, &dw);
            assert_close(&g.b, &db);
        }
    }
}
