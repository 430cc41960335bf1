//! One training step of the U-Net on the CPU (issue 24: ≤ 1.5× PyTorch CPU; figures in
//! docs/BENCHMARKS.md): forward, the loss `semcurate train` uses (class-weighted
//! cross-entropy + Dice), backward and an Adam update, on a batch of crops, by both of
//! `train`'s trainers: burn's autodiff (`burn-flex`) and semcurate's engine (`engine`).
//!
//! Prints one JSON line per implementation and configuration: width, batch, crop, ms per
//! step (median after a warm-up), threads, and CPU use (process CPU time / wall time over
//! the timed steps, in cores). Run through `benches/train.sh`, which also runs
//! `benches/train_torch.py` on the same model, loss, optimiser and input and prints the
//! ratios. Environment: `BENCH_WIDTHS` (default "8,32"), `BENCH_IMPLS` ("burn,engine"),
//! `BENCH_BACKEND` (flex; cuda when built with it), `BENCH_BATCH` (8), `BENCH_CROP` (128),
//! `BENCH_SECONDS` (20 per configuration); `RAYON_NUM_THREADS` sets the threads.

use std::time::Instant;

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use semcurate::model::BackendKind;
use semcurate::model::UNetConfig;
use semcurate::model::train::batch::Batch;
use semcurate::model::train::engine::EngineTrainer;
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

/// This process's CPU time (user + system) in seconds, from /proc (Linux); `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; ticks at
    // the usual USER_HZ of 100.
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Times `step` (seconds per call): a warm-up, then at least 3 and at most 20 steps within
/// `budget` seconds. Prints the JSON line.
fn time_steps(name: &str, [width, n, crop]: [usize; 3], budget: f64, step: &mut dyn FnMut()) {
    let t = Instant::now();
    step();
    let first = t.elapsed().as_secs_f64();
    let (mut times, started, cpu0) = (Vec::new(), Instant::now(), cpu_seconds());
    while times.len() < 3 || (started.elapsed().as_secs_f64() < budget && times.len() < 20) {
        let t = Instant::now();
        step();
        times.push(t.elapsed().as_secs_f64());
        if first > budget {
            break;
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let cores = match (cpu0, cpu_seconds()) {
        (Some(a), Some(b)) => format!("{:.2}", (b - a) / wall),
        _ => "null".into(),
    };
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"impl\":\"{name}\",\"width\":{width},\"batch\":{n},\"crop\":{crop},\"ms_per_step\":{:.1},\"runs\":{},\"threads\":{},\"cores_busy\":{cores}}}",
        1000.0 * times[times.len() / 2],
        times.len(),
        rayon::current_num_threads(),
    );
}

fn bench_burn(width: usize, n: usize, crop: usize, budget: f64) {
    let kind: BackendKind = env("BENCH_BACKEND", "flex")
        .parse()
        .unwrap_or_else(|e| panic!("BENCH_BACKEND: {e}"));
    let device = kind.train_device();
    device.seed(1);
    let mut net = UNetConfig::new(CLASSES).with_width(width).init(&device);
    let mut optim = AdamConfig::new().init();
    let (inputs, targets) = batch(n, crop);
    let weights = class_weights(&COUNTS);
    let mut step = || {
        let x = Tensor::<1>::from_floats(inputs.as_slice(), &device).reshape([n, 1, crop, crop]);
        let l = loss(net.clone().forward(x), &targets, Some(&weights), 1.0);
        let value: f32 = l.clone().into_scalar();
        let grads = GradientsParams::from_grads(l.backward(), &net);
        net = optim.step(1e-3, net.clone(), grads);
        assert!(value.is_finite(), "loss went non-finite: {value}");
    };
    let name = format!("burn-{}", kind.name());
    time_steps(&name, [width, n, crop], budget, &mut step);
}

/// The engine's step as `semcurate train --trainer engine` runs it (dropout 0.3 masks drawn
/// per step, like PyTorch's `Dropout2d` in train mode).
fn bench_engine(width: usize, n: usize, crop: usize, budget: f64) {
    let device = BackendKind::Flex.device();
    device.seed(1);
    let net = UNetConfig::new(CLASSES).with_width(width).init(&device);
    let mut trainer = EngineTrainer::new(&net);
    let (inputs, targets) = batch(n, crop);
    let b = Batch {
        n,
        size: crop,
        inputs,
        targets,
    };
    let weights = class_weights(&COUNTS);
    let mut seed = 0;
    let mut step = || {
        seed += 1;
        let value = trainer.step(&b, Some(&weights), 1.0, 1e-3, seed);
        assert!(value.is_finite(), "loss went non-finite: {value}");
    };
    time_steps("engine", [width, n, crop], budget, &mut step);
}

/// Class pixel counts the class weights come from (as in `train_torch.py`).
const COUNTS: [u64; CLASSES] = [9, 1, 2, 5, 40, 30, 3, 6, 8, 1];

fn main() {
    let budget: f64 = env("BENCH_SECONDS", "20").parse().unwrap_or(20.0);
    let n: usize = env("BENCH_BATCH", "8").parse().unwrap_or(8);
    let crop: usize = env("BENCH_CROP", "128").parse().unwrap_or(128);
    for width in env("BENCH_WIDTHS", "8,32")
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
    {
        for which in env("BENCH_IMPLS", "burn,engine").split(',') {
            match which.trim() {
                "burn" => bench_burn(width, n, crop, budget),
                "engine" => bench_engine(width, n, crop, budget),
                other => panic!("BENCH_IMPLS: '{other}' is not burn or engine"),
            }
        }
    }
}
