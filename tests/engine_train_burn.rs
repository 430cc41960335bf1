//! The engine's training step (crate `semcurate-engine`, `train`) against burn's (issue 24
//! §2): semcurate's burn `UNet` on the autodiff flex backend, as `semcurate train` builds and
//! steps it, and the engine's `TrainWeights` copied from it tensor by tensor. One batch,
//! dropout off, class weights and Dice as `loss()` uses them; the loss, every parameter's
//! gradient, the `BatchNorm` running statistics and the parameters after one Adam step must
//! agree.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

use std::fmt::Write as _;

use burn::module::{Param, ParamId, RunningState};
use burn::nn::conv::ConvTranspose2d;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use semcurate::model::train::engine::train_weights;
use semcurate::model::train::loss::{class_weights, loss};
use semcurate::model::unet::DoubleConv;
use semcurate::model::{BackendKind, UNet, UNetConfig};
use semcurate_engine::Isa;
use semcurate_engine::train::{
    Adam, DropMasks, TrainWeights, adam_step, backward, forward_train, loss_and_grad,
};

const WIDTH: usize = 8;
const CLASSES: usize = 7;
const N: usize = 2;
const H: usize = 32;
const W: usize = 32;
/// The mask value of an unlabelled pixel (`DEFAULT_UNLABELLED`): outside `0..CLASSES`.
const UNLABELLED: i64 = 255;
const LR: f64 = 1e-3;

/// Deterministic values in [0, 1) (xorshift64).
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

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

fn vector(v: &[f32], device: &Device) -> Tensor<1> {
    Tensor::<1>::from_floats(v, device)
}

/// The double convs in `TrainWeights` order: encoder `conv1`–`conv4`, decoder `conv5`–`conv7`.
fn blocks(net: &UNet) -> [&DoubleConv; 7] {
    [
        &net.conv1, &net.conv2, &net.conv3, &net.conv4, &net.conv5, &net.conv6, &net.conv7,
    ]
}

/// One trainable tensor of burn's network.
struct BurnParam {
    name: String,
    id: ParamId,
    rank: usize,
    values: Vec<f32>,
}

/// burn's trainable tensors in `TrainWeights::params` order.
fn burn_params(net: &UNet) -> Vec<BurnParam> {
    fn p4(out: &mut Vec<BurnParam>, name: String, p: &Param<Tensor<4>>) {
        out.push(BurnParam {
            name,
            id: p.id,
            rank: 4,
            values: values(p.val()),
        });
    }
    fn p1(out: &mut Vec<BurnParam>, name: String, p: &Param<Tensor<1>>) {
        out.push(BurnParam {
            name,
            id: p.id,
            rank: 1,
            values: values(p.val()),
        });
    }
    fn block(out: &mut Vec<BurnParam>, name: &str, d: &DoubleConv) {
        for (part, c, b) in [("a", &d.conv_a, &d.bn_a), ("b", &d.conv_b, &d.bn_b)] {
            p4(out, format!("{name}.conv_{part}.weight"), &c.weight);
            p1(
                out,
                format!("{name}.conv_{part}.bias"),
                c.bias.as_ref().unwrap(),
            );
            p1(out, format!("{name}.bn_{part}.gamma"), &b.gamma);
            p1(out, format!("{name}.bn_{part}.beta"), &b.beta);
        }
    }
    fn upconv(out: &mut Vec<BurnParam>, name: &str, u: &ConvTranspose2d) {
        p4(out, format!("{name}.weight"), &u.weight);
        p1(out, format!("{name}.bias"), u.bias.as_ref().unwrap());
    }
    let mut out = Vec::new();
    let b = blocks(net);
    for (i, d) in b[..4].iter().enumerate() {
        block(&mut out, &format!("conv{}", i + 1), d);
    }
    upconv(&mut out, "upconv3", &net.upconv3);
    block(&mut out, "conv5", b[4]);
    upconv(&mut out, "upconv2", &net.upconv2);
    block(&mut out, "conv6", b[5]);
    upconv(&mut out, "upconv1", &net.upconv1);
    block(&mut out, "conv7", b[6]);
    p4(&mut out, "head.weight".into(), &net.head.weight);
    p1(
        &mut out,
        "head.bias".into(),
        net.head.bias.as_ref().unwrap(),
    );
    out
}

/// Running (mean, variance) of the 14 `BatchNorm`s, block by block (`conv1`–`conv7`).
fn burn_running(net: &UNet) -> Vec<(Vec<f32>, Vec<f32>)> {
    blocks(net)
        .iter()
        .flat_map(|d| [&d.bn_a, &d.bn_b])
        .map(|b| {
            (
                values(b.running_mean.value_sync()),
                values(b.running_var.value_sync()),
            )
        })
        .collect()
}

fn engine_running(w: &TrainWeights) -> Vec<(Vec<f32>, Vec<f32>)> {
    w.enc
        .iter()
        .chain(&w.dec)
        .flatten()
        .map(|c| (c.bn.running_mean.clone(), c.bn.running_var.clone()))
        .collect()
}

/// The worst `|got − want| / max|want|` over a tensor (relative to the tensor's ∞-norm, so
/// entries near zero are judged on the tensor's scale), and whether every entry is within
/// `rel · max|want| + abs`.
fn compare(got: &[f32], want: &[f32], rel: f64, abs: f64) -> (f64, bool) {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0f64, |m, &v| m.max(f64::from(v).abs()));
    let worst = got.iter().zip(want).fold(0f64, |m, (&a, &b)| {
        m.max((f64::from(a) - f64::from(b)).abs())
    });
    (
        worst / scale.max(f64::MIN_POSITIVE),
        worst <= rel * scale + abs,
    )
}

/// Checks every pair, then fails listing the worst relative error of every tensor.
#[track_caller]
fn check_all(what: &str, pairs: &[(String, &[f32], &[f32])], rel: f64, abs: f64) -> f64 {
    let mut report = String::new();
    let mut ok = true;
    let mut worst = 0f64;
    for (name, got, want) in pairs {
        let (r, good) = compare(got, want, rel, abs);
        ok &= good;
        worst = worst.max(r);
        let _ = write!(
            report,
            "\n  {name:<22} {r:.2e}{}",
            if good { "" } else { "  <-- FAILS" }
        );
    }
    eprintln!("{what}: worst relative error {worst:.2e}{report}");
    assert!(
        ok,
        "{what}: engine vs burn beyond {rel:e} of max|burn| + {abs:e}:{report}"
    );
    worst
}

/// A grey batch in [0, 1] with structure (a gradient, a disc, noise) and targets from grey
/// bands: every 7th pixel unlabelled, the last class absent.
fn batch() -> (Vec<f32>, Vec<i64>) {
    let noise = unit(N * H * W, 7);
    let mut x = Vec::with_capacity(N * H * W);
    for img in 0..N {
        for y in 0..H {
            for col in 0..W {
                let (fy, fx) = (y as f32 / H as f32, col as f32 / W as f32);
                let disc = ((fy - 0.5).powi(2) + (fx - 0.4 - 0.2 * img as f32).powi(2)) < 0.06;
                let v = 0.5 * fx + 0.3 * f32::from(u8::from(disc)) + 0.2 * noise[x.len()];
                x.push(v.clamp(0.0, 1.0));
            }
        }
    }
    let targets = x
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if i % 7 == 3 {
                UNLABELLED
            } else {
                ((v * (CLASSES - 1) as f32) as i64).min(CLASSES as i64 - 2)
            }
        })
        .collect();
    (x, targets)
}

#[test]
fn engine_training_step_matches_burns() {
    let device = BackendKind::Flex.train_device();
    device.seed(24);
    // As `semcurate train` builds it, dropout off (p = 0: `channel_dropout` is the identity).
    let mut net = UNetConfig::new(CLASSES)
        .with_width(WIDTH)
        .with_dropout(0.0)
        .init(&device);
    // BatchNorm away from its initial γ = 1, β = 0, running mean 0 / variance 1.
    let mut seed = 100;
    for d in net.blocks_mut() {
        for b in [&mut d.bn_a, &mut d.bn_b] {
            let c = b.gamma.dims()[0];
            let r: Vec<Vec<f32>> = (0..4)
                .map(|_| {
                    seed += 1;
                    unit(c, seed)
                })
                .collect();
            let shift = |v: &[f32], a: f32, s: f32| v.iter().map(|u| a + s * u).collect::<Vec<_>>();
            b.gamma = Param::from_tensor(vector(&shift(&r[0], 0.5, 1.0), &device));
            b.beta = Param::from_tensor(vector(&shift(&r[1], -0.3, 0.6), &device));
            b.running_mean = RunningState::new(vector(&shift(&r[2], -0.2, 0.4), &device));
            b.running_var = RunningState::new(vector(&shift(&r[3], 0.5, 1.0), &device));
        }
    }
    let mut weights = train_weights(&net);
    let before = burn_params(&net);
    assert_eq!(before.len(), weights.params().len(), "one tensor each");
    for (b, e) in before.iter().zip(weights.params()) {
        assert_eq!(&b.values, e, "{} copied", b.name);
    }

    let (x, targets) = batch();
    let mut counts = vec![0u64; CLASSES];
    for &t in &targets {
        if let Some(c) = usize::try_from(t).ok().and_then(|t| counts.get_mut(t)) {
            *c += 1;
        }
    }
    assert!(counts[CLASSES - 1] == 0 && counts[..CLASSES - 1].iter().all(|&c| c > 0));
    let cw = class_weights(&counts);
    let dice_weight = 1.0;

    // burn: forward (training mode), loss, backward.
    let xt = Tensor::<1>::from_floats(x.as_slice(), &device).reshape([N, 1, H, W]);
    let logits_burn = net.forward(xt);
    let lb = loss(logits_burn.clone(), &targets, Some(&cw), dice_weight);
    let loss_burn: f32 = lb.clone().into_scalar();
    let grads = GradientsParams::from_grads(lb.backward(), &net);

    // The engine: the same step.
    let isa = Isa::best();
    let masks = DropMasks::none(N, WIDTH);
    let saved = forward_train(isa, &x, [N, H, W], &mut weights, &masks);
    let (parts, dlogits) = loss_and_grad(&saved.logits, &targets, Some(&cw), dice_weight);
    let g = backward(isa, &weights, &saved, &masks.0, &dlogits);

    check_all(
        "logits",
        &[(
            "logits".into(),
            &saved.logits_planar(),
            &values(logits_burn.clone()),
        )],
        1e-5,
        1e-6,
    );
    let rel = (parts.loss - f64::from(loss_burn)).abs() / f64::from(loss_burn).abs();
    eprintln!(
        "loss: engine {} burn {loss_burn} (relative {rel:.2e})",
        parts.loss
    );
    assert!(
        rel <= 1e-5,
        "loss: engine {} vs burn {loss_burn}",
        parts.loss
    );

    // Gradients: |engine − burn| ≤ 1e-4 · max|burn gradient of that tensor| + 1e-9, entry by
    // entry (a relative test per tensor: entries near zero are judged on the tensor's scale).
    // A convolution's bias before a training-mode BatchNorm has gradient 0 in exact arithmetic
    // (the batch mean removes it): both sides give rounding noise there, so those biases are
    // held to ≤ 1e-4 · max|gradient of that BatchNorm's β| on both sides instead.
    let burn_grads: Vec<Vec<f32>> = before
        .iter()
        .map(|p| match p.rank {
            4 => values(grads.get::<4>(p.id).unwrap()),
            _ => values(grads.get::<1>(p.id).unwrap()),
        })
        .collect();
    let eng_grads = g.params();
    let mut pairs: Vec<(String, &[f32], &[f32])> = Vec::new();
    for (i, p) in before.iter().enumerate() {
        if pre_bn_bias(&p.name) {
            // Tensor order: conv w, conv b, bn γ, bn β.
            let beta = &burn_grads[i + 2];
            let scale = beta.iter().fold(0f32, |m, v| m.max(v.abs()));
            let noise = |g: &[f32]| g.iter().fold(0f32, |m, v| m.max(v.abs())) / scale;
            let (e, b) = (noise(eng_grads[i]), noise(&burn_grads[i]));
            eprintln!(
                "{:<22} (zero in exact arithmetic) max |g| / max |dβ|: engine {e:.1e} burn {b:.1e}",
                p.name
            );
            assert!(
                e <= 1e-4 && b <= 1e-4,
                "{}: engine {e:e} burn {b:e}",
                p.name
            );
        } else {
            pairs.push((p.name.clone(), eng_grads[i], &burn_grads[i]));
        }
    }
    check_all("gradients", &pairs, 1e-4, 1e-9);
    // Diagnostic: `loss()` sums the pixel weights (the cross-entropy's divisor) in f32, the
    // engine in f64.
    let pw: Vec<f32> = targets
        .iter()
        .filter_map(|&t| usize::try_from(t).ok().and_then(|t| cw.get(t)).copied())
        .collect();
    let (s32, s64) = (
        pw.iter().sum::<f32>(),
        pw.iter().map(|&v| f64::from(v)).sum::<f64>(),
    );
    eprintln!(
        "pixel weights: f32 sum {s32}, f64 sum {s64} (relative {:.2e})",
        (f64::from(s32) - s64) / s64
    );

    // Running statistics after the step (burn updates them in the forward pass).
    let (rb, re) = (burn_running(&net), engine_running(&weights));
    let names: Vec<String> = (1..=7)
        .flat_map(|i| [format!("conv{i}.bn_a"), format!("conv{i}.bn_b")])
        .collect();
    let pairs: Vec<(String, &[f32], &[f32])> = names
        .iter()
        .zip(re.iter().zip(&rb))
        .flat_map(|(n, (e, b))| {
            [
                (format!("{n}.running_mean"), e.0.as_slice(), b.0.as_slice()),
                (format!("{n}.running_var"), e.1.as_slice(), b.1.as_slice()),
            ]
        })
        .collect();
    check_all("running statistics", &pairs, 1e-5, 1e-7);

    // One Adam step with burn's `AdamConfig::new()` (as `semcurate train` uses) and lr 1e-3.
    let mut optim = AdamConfig::new().init();
    let net = optim.step(LR, net, grads);
    let after = burn_params(&net);
    // (1) The engine's Adam fed burn's gradients: every tensor within 1e-5 of its max |value|.
    let start = weights.clone();
    let mut fed = g.clone();
    for (dst, src) in fed.params_mut().into_iter().zip(&burn_grads) {
        dst.clone_from(src);
    }
    let mut same = start.clone();
    let mut adam = Adam::new(&same);
    adam_step(&mut same, &fed, &mut adam, LR);
    let pairs: Vec<(String, &[f32], &[f32])> = after
        .iter()
        .zip(same.params())
        .map(|(p, e)| (p.name.clone(), e.as_slice(), p.values.as_slice()))
        .collect();
    check_all("Adam on burn's gradients", &pairs, 1e-5, 1e-9);
    // (2) The whole step, each side on its own gradients. Adam's first step moves a parameter
    // by lr·g/(|g| + ε) (ε = 1e-5), whose slope is at most 1/ε: a gradient difference Δg
    // (checked above) may move it by up to lr·|Δg|/ε (0.1·|Δg| here) more, most where |g| ≲ ε.
    // So: |engine − burn| ≤ 1e-5·max|θ of that tensor| + lr·|Δg|/ε + 1e-9 per entry. The
    // pre-BatchNorm biases (gradient = rounding noise on both sides, so Adam's step is ±lr in
    // a direction neither side can be held to) are covered by (1) only.
    let mut adam = Adam::new(&weights);
    adam_step(&mut weights, &g, &mut adam, LR);
    let eps = f64::from(adam.epsilon);
    let mut report = String::new();
    let mut ok = true;
    let mut worst = 0f64;
    for (i, p) in after.iter().enumerate() {
        if pre_bn_bias(&p.name) {
            continue;
        }
        let (e, want) = (&weights.params()[i], &p.values);
        let scale = want.iter().fold(0f64, |m, &v| m.max(f64::from(v).abs()));
        let (mut rel, mut fits) = (0f64, true);
        for j in 0..want.len() {
            let d = (f64::from(e[j]) - f64::from(want[j])).abs();
            let dg = (f64::from(eng_grads[i][j]) - f64::from(burn_grads[i][j])).abs();
            rel = rel.max(d / scale);
            fits &= d <= 1e-5 * scale + LR * dg / eps + 1e-9;
        }
        ok &= fits;
        worst = worst.max(rel);
        let _ = write!(
            report,
            "\n  {:<22} {rel:.2e}{}",
            p.name,
            if fits { "" } else { "  <-- FAILS" }
        );
    }
    eprintln!("parameters after Adam (own gradients): worst relative error {worst:.2e}{report}");
    assert!(
        ok,
        "parameters after Adam beyond 1e-5·max|θ| + lr·|Δg|/ε:{report}"
    );
    // The step moved every tensor (a no-op on both sides would pass the checks above).
    for (b, a) in before.iter().zip(&after) {
        assert!(
            pre_bn_bias(&b.name) || b.values != a.values,
            "{} moved",
            b.name
        );
    }
}

/// A double conv's convolution bias (followed by a training-mode `BatchNorm`).
fn pre_bn_bias(name: &str) -> bool {
    name.contains(".conv_") && name.rsplit('.').next() == Some("bias")
}
