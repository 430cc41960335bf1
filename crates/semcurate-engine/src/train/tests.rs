//! The training step against an f64 reference ([`super::reference`]): logits and running
//! statistics, the loss on a hand-computed case, every parameter's gradient against central
//! finite differences of the reference loss, Adam against two hand-computed steps, and a
//! tiny net learning a trivial task.

use super::reference::{self, T};
use super::*;
use crate::{Act, Isa};

/// Deterministic values in [0, 1).
fn unit(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 24) as f32
        })
        .collect()
}

/// Tolerance: `|got − want| ≤ rel · |want| + abs`.
#[track_caller]
fn close(got: f64, want: f64, rel: f64, abs: f64, what: &str) {
    assert!(
        (got - want).abs() <= rel * want.abs() + abs,
        "{what}: {got} vs {want} (diff {:e})",
        (got - want).abs()
    );
}

#[test]
fn loss_matches_a_hand_computed_case() {
    // One image, 1 × 3 pixels, 2 classes: p = (1/4, 3/4) target 1, p = (1/2, 1/2) target 0,
    // the third pixel unlabelled (its logits must not matter).
    let mut l = Act::zeros(2, 1, 3);
    let at = |c: usize, x: usize| l.at(1, c) + 1 + x;
    let (i1, i2) = (at(1, 0), at(0, 2));
    l.data[i1] = 3f32.ln();
    l.data[i2] = 7.0;
    let weights = [2.0f32, 1.0];
    let (got, grads) = loss_and_grad(&[l], &[1, 0, 254], Some(&weights), 0.5);
    let ce = -(0.75f64.ln() + 2.0 * 0.5f64.ln()) / 3.0;
    let dice = f64::midpoint(2.0 / 2.75, 2.5 / 3.25);
    close(got.ce, ce, 1e-6, 0.0, "cross-entropy");
    close(got.dice, dice, 1e-6, 0.0, "dice");
    close(got.loss, ce + 0.5 * (1.0 - dice), 1e-6, 0.0, "loss");
    let g = &grads[0];
    assert!(
        (0..2).all(|c| g.data[g.at(1, c) + 3] == 0.0),
        "unlabelled pixel"
    );
    // Cross-entropy alone at the first pixel: w_t / Σw · (p − onehot) = (1/4, −1/4) / 3.
    let (ce_only, g) = loss_and_grad(&grads_input(), &[1, 0, 254], Some(&weights), 0.0);
    close(ce_only.loss, ce, 1e-6, 0.0, "cross-entropy only");
    close(
        f64::from(g[0].data[g[0].at(1, 0) + 1]),
        0.25 / 3.0,
        1e-6,
        0.0,
        "dCE/dz0",
    );
    close(
        f64::from(g[0].data[g[0].at(1, 1) + 1]),
        -0.25 / 3.0,
        1e-6,
        0.0,
        "dCE/dz1",
    );
    // No labelled pixel: no cross-entropy, the Dice term has no class (semcurate: 0.5).
    let (none, _) = loss_and_grad(&grads_input(), &[254, 254, 254], None, 0.5);
    close(none.loss, 0.5, 0.0, 1e-12, "no labels");
}

/// The hand-computed case's logits.
fn grads_input() -> Vec<Act> {
    let mut l = Act::zeros(2, 1, 3);
    let i = l.at(1, 1) + 1;
    l.data[i] = 3f32.ln();
    vec![l]
}

/// The tiny net of the gradient checks: b = 2, K = 4, batch 2 of `h` × `w` (16 × 16 from
/// [`case`]).
struct Case {
    h: usize,
    w_px: usize,
    w: TrainWeights,
    x: Vec<f32>,
    targets: Vec<i64>,
    weights: Vec<f32>,
    masks: DropMasks,
}

fn case() -> Case {
    case_of(16, 16)
}

fn case_of(h: usize, s: usize) -> Case {
    let n = 2;
    let mut w = TrainWeights::init(2, 4, 7);
    // γ, β away from 1, 0 so that their gradients and the BN backward are exercised fully.
    for (i, t) in w.params_mut().into_iter().enumerate() {
        if i % 4 == 2 || i % 4 == 3 {
            let v = unit(t.len(), 100 + i as u64);
            t.iter_mut().zip(v).for_each(|(t, v)| *t += v - 0.5);
        }
    }
    let x = unit(n * h * s, 1);
    // Classes 0–2 from the grey level and position; class 3 absent; every 5th pixel unlabelled.
    let targets = (0..n * h * s)
        .map(|i| {
            if i % 5 == 0 {
                254
            } else {
                i64::from(x[i] > 0.5) + i64::from(i % s > 10)
            }
        })
        .collect();
    let mut masks = DropMasks::draw(n, 2, 0.3, 11);
    masks.0[0][1] = 0.0; // at least one dropped channel in the first block
    Case {
        h,
        w_px: s,
        w,
        x,
        targets,
        weights: vec![0.5, 2.0, 1.0, 1.0],
        masks,
    }
}

fn ref_input(c: &Case) -> T {
    let mut x = T::zeros(2, 1, c.h, c.w_px);
    x.d = c.x.iter().map(|&v| f64::from(v)).collect();
    x
}

fn params64(w: &TrainWeights) -> Vec<Vec<f64>> {
    w.params()
        .iter()
        .map(|p| p.iter().map(|&v| f64::from(v)).collect())
        .collect()
}

#[test]
fn forward_matches_the_reference_and_updates_running_statistics() {
    let c = case();
    for isa in Isa::supported() {
        let mut w = c.w.clone();
        let s = forward_train(isa, &c.x, [2, 16, 16], &mut w, &c.masks);
        let (logits, stats) = reference::forward(&params64(&c.w), &ref_input(&c), &c.masks.0, None);
        for (g, r) in s.logits_planar().iter().zip(&logits.d) {
            close(f64::from(*g), *r, 1e-4, 1e-5, "logit");
        }
        let bns = w.enc.iter().chain(&w.dec).flatten().map(|cb| &cb.bn);
        for (bn, (mean, var)) in bns.zip(&stats) {
            for ch in 0..mean.len() {
                close(
                    f64::from(bn.running_mean[ch]),
                    0.1 * mean[ch],
                    1e-4,
                    1e-6,
                    "mean",
                );
                close(
                    f64::from(bn.running_var[ch]),
                    0.9 + 0.1 * var[ch],
                    1e-4,
                    1e-6,
                    "var",
                );
            }
        }
    }
}

/// Entries of a tensor to check: all of small ones, `spread` spread over large ones.
fn picks(len: usize, spread: usize) -> Vec<usize> {
    if len <= 48 {
        return (0..len).collect();
    }
    (0..spread).map(|i| (i * 7919 + 3) % len).collect()
}

#[test]
fn every_gradient_matches_finite_differences_of_the_reference() {
    check_gradients(&case(), 40);
}

/// Wide enough for the in-place weight-gradient path (≥ 64 columns) and several column
/// blocks of the AVX2 kernels; a 1 × 8 bottleneck.
#[test]
fn every_gradient_matches_finite_differences_on_wide_images() {
    check_gradients(&case_of(8, 64), 12);
}

fn check_gradients(c: &Case, spread: usize) {
    let dims = [2, c.h, c.w_px];
    let x = ref_input(c);
    let p0 = params64(&c.w);
    let loss_at = |p: &[Vec<f64>]| {
        let (l, _) = reference::forward(p, &x, &c.masks.0, None);
        reference::loss(&l, &c.targets, Some(&c.weights), 0.7)
    };
    let eps = 1e-5;
    let mut worst = 0.0f64;
    for isa in Isa::supported() {
        let mut w = c.w.clone();
        let s = forward_train(isa, &c.x, dims, &mut w, &c.masks);
        let (l, dl) = loss_and_grad(&s.logits, &c.targets, Some(&c.weights), 0.7);
        close(l.loss, loss_at(&p0), 1e-5, 0.0, "loss");
        let g = backward(isa, &c.w, &s, &c.masks.0, &dl);
        for (j, (gt, pt)) in g.params().iter().zip(&p0).enumerate() {
            assert_eq!(gt.len(), pt.len(), "tensor {j}");
            let scale = gt.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            for i in picks(pt.len(), spread) {
                let mut p = p0.clone();
                p[j][i] += eps;
                let up = loss_at(&p);
                p[j][i] -= 2.0 * eps;
                let fd = (up - loss_at(&p)) / (2.0 * eps);
                let got = f64::from(gt[i]);
                let abs = 1e-4 * f64::from(scale) * 1e-2 + 1e-7;
                worst = worst.max((got - fd).abs() / (fd.abs() + abs / 1e-4));
                close(
                    got,
                    fd,
                    1e-4,
                    abs,
                    &format!("{} tensor {j}[{i}]", isa.name()),
                );
            }
        }
    }
    eprintln!("worst relative error {worst:e}");
}

#[test]
fn adam_matches_two_hand_computed_steps() {
    let mut w = TrainWeights::init(1, 2, 3);
    let start = w.clone();
    let mut state = Adam::new(&w);
    let lr = 0.01;
    let (g1, g2) = (0.5f64, -0.25f64);
    for g in [g1, g2] {
        let mut grads = w.clone();
        grads
            .params_mut()
            .into_iter()
            .for_each(|t| t.fill(g as f32));
        adam_step(&mut w, &grads, &mut state, lr);
    }
    // Textbook Adam: m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), θ −= lr · m̂ / (√v̂ + ε).
    let (b1, b2, e) = (0.9f64, 0.999f64, 1e-5f64);
    let (m1, v1) = ((1.0 - b1) * g1, (1.0 - b2) * g1 * g1);
    let d1 = lr * (m1 / (1.0 - b1)) / ((v1 / (1.0 - b2)).sqrt() + e);
    let (m2, v2) = (b1 * m1 + (1.0 - b1) * g2, b2 * v1 + (1.0 - b2) * g2 * g2);
    let d2 = lr * (m2 / (1.0 - b1 * b1)) / ((v2 / (1.0 - b2 * b2)).sqrt() + e);
    for (a, b) in w.params().iter().zip(start.params()) {
        for (&a, &b) in a.iter().zip(b.iter()) {
            close(
                f64::from(a),
                f64::from(b) - d1 - d2,
                0.0,
                2e-7,
                "θ after 2 steps",
            );
        }
    }
    assert_eq!(state.time, 2);
}

#[test]
fn a_tiny_net_learns_a_threshold() {
    // Class = grey > 0.5 on images of 4 × 4 blocks; b = 4, batch 4 of 32², dropout 0.1.
    let (n, s, isa) = (4, 32, Isa::best());
    let mut w = TrainWeights::init(4, 2, 5);
    let mut adam = Adam::new(&w);
    let mut losses = Vec::new();
    for step in 0..50u64 {
        let v = unit(n * (s / 4) * (s / 4), 1000 + step);
        let x: Vec<f32> = (0..n * s * s)
            .map(|i| v[(i / (s * s)) * (s / 4) * (s / 4) + (i / s % s / 4) * (s / 4) + i % s / 4])
            .collect();
        let t: Vec<i64> = x.iter().map(|&g| i64::from(g > 0.5)).collect();
        let masks = DropMasks::draw(n, 4, 0.1, step);
        let saved = forward_train(isa, &x, [n, s, s], &mut w, &masks);
        let (l, dl) = loss_and_grad(&saved.logits, &t, None, 1.0);
        let g = backward(isa, &w, &saved, &masks.0, &dl);
        adam_step(&mut w, &g, &mut adam, 1e-2);
        losses.push(l.loss);
    }
    let first: f64 = losses[..5].iter().sum::<f64>() / 5.0;
    let last: f64 = losses[45..].iter().sum::<f64>() / 5.0;
    assert!(last < 0.4 * first, "loss {first} → {last}: {losses:?}");
}

#[test]
fn a_step_does_not_depend_on_the_thread_count() {
    let c = case();
    let step = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a rayon pool");
        pool.install(|| {
            let mut w = c.w.clone();
            let s = forward_train(Isa::best(), &c.x, [2, 16, 16], &mut w, &c.masks);
            let (l, dl) = loss_and_grad(&s.logits, &c.targets, Some(&c.weights), 0.7);
            let g = backward(Isa::best(), &c.w, &s, &c.masks.0, &dl);
            let mut adam = Adam::new(&w);
            adam_step(&mut w, &g, &mut adam, 1e-3);
            (l, g, w)
        })
    };
    assert!(
        step(1) == step(3),
        "1 and 3 threads give the same loss, gradients and weights"
    );
}

#[test]
fn folded_weights_run_in_the_inference_engine_like_the_reference_in_eval_mode() {
    let c = case();
    let mut w = c.w.clone();
    // Running statistics away from their start: a few training forward passes.
    for _ in 0..3 {
        forward_train(Isa::best(), &c.x, [2, 16, 16], &mut w, &c.masks);
    }
    let stats: Vec<reference::Stats> = w
        .enc
        .iter()
        .chain(&w.dec)
        .flatten()
        .map(|cb| {
            let f = |v: &[f32]| v.iter().map(|&v| f64::from(v)).collect();
            (f(&cb.bn.running_mean), f(&cb.bn.running_var))
        })
        .collect();
    let keep = DropMasks::none(2, 2);
    let (want, _) = reference::forward(&params64(&w), &ref_input(&c), &keep.0, Some(&stats));
    let engine = crate::Engine::new(&w.fold());
    let got: Vec<f32> =
        c.x.chunks_exact(256)
            .flat_map(|img| engine.forward_plane(img, 16, 16, false))
            .collect();
    for (g, r) in got.iter().zip(&want.d) {
        close(f64::from(*g), *r, 1e-4, 1e-5, "eval logit");
    }
}
