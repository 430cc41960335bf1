//! One training step of the U-Net on the CPU (SPEC 5: within 2× of PyTorch CPU; figures in
//! docs/BENCHMARKS.md): forward, the loss `semcurate train` uses (class-weighted
//! cross-entropy + Dice), backward and an Adam update, on a batch of crops.
//!
//! Prints one JSON line per configuration: width, batch, crop, ms per step (median after a
//! warm-up). Run through `benches/train.sh`, which runs `benches/train_torch.py` on the same
//! model, loss, optimiser and input and prints the ratios. Environment: `BENCH_WIDTHS`
//! (default "8,32"), `BENCH_BACKEND` (flex; cuda when built with it), `BENCH_BATCH` (8),
//! `BENCH_CROP` (128), `BENCH_SECONDS` (20 per
//! configuration).

use std::time::Instant;

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use semcurate::model::BackendKind;
use semcurate::model::UNetConfig;
use semcurate::model::train::loss::{class_weights, loss};

const CLASSES: usize = 10;

fn env(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}

/// The same deterministic batch as `train_torch.py`: grey ramp inputs, class stripes.
fn batch(n: usize, crop: usize) -> (Vec<f32>, Vec<i64>) {
    let inputs = (0..n * crop * crop)
        .map(|i| ((i * 37) % 256) as f32 / 255.0)
        .collect();
    let targets = (0..n * crop * crop)
        .map(|i| (((i % crop) / 8 + (i / crop) / 16) % CLASSES) as i64)
        .collect();
    (inputs, targets)
}

fn bench(width: usize, n: usize, crop: usize, budget: f64) {
    let kind: BackendKind = env("BENCH_BACKEND", "flex")
        .parse()
        .unwrap_or_else(|e| panic!("BENCH_BACKEND: {e}"));
    let name = kind.name();
    let device = kind.train_device();
    device.seed(1);
    let mut net = UNetConfig::new(CLASSES).with_width(width).init(&device);
    let mut optim = AdamConfig::new().init();
    let (inputs, targets) = batch(n, crop);
    let weights = class_weights(&[9, 1, 2, 5, 40, 30, 3, 6, 8, 1]);
    let mut step = || {
        let t = Instant::now();
        let x = Tensor::<1>::from_floats(inputs.as_slice(), &device).reshape([n, 1, crop, crop]);
        let l = loss(net.clone().forward(x), &targets, Some(&weights), 1.0);
        let value: f32 = l.clone().into_scalar();
        let grads = GradientsParams::from_grads(l.backward(), &net);
        net = optim.step(1e-3, net.clone(), grads);
        assert!(value.is_finite(), "loss went non-finite: {value}");
        t.elapsed().as_secs_f64()
    };
    let first = step();
    let mut times = Vec::new();
    let started = Instant::now();
    while times.len() < 3 || (started.elapsed().as_secs_f64() < budget && times.len() < 20) {
        times.push(step());
        if first > budget {
            break;
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"impl\":\"burn-{name}\",\"width\":{width},\"batch\":{n},\"crop\":{crop},\"ms_per_step\":{:.1},\"runs\":{}}}",
        1000.0 * times[times.len() / 2],
        times.len()
    );
}

fn main() {
    let budget: f64 = env("BENCH_SECONDS", "20").parse().unwrap_or(20.0);
    let n: usize = env("BENCH_BATCH", "8").parse().unwrap_or(8);
    let crop: usize = env("BENCH_CROP", "128").parse().unwrap_or(128);
    for width in env("BENCH_WIDTHS", "8,32")
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
    {
        bench(width, n, crop, budget);
    }
}
