//! Times the engine's whole training step (issue 24 §2): forward in training mode, loss (CE +
//! Dice) and its gradient, backward, Adam, on the batch of `benches/train_torch.py` (10
//! classes, class weights, Dice weight 1, dropout 0.3, lr 1e-3). Widths `BENCH_WIDTHS` (8,32),
//! batch `BENCH_BATCH` (8), crop `BENCH_CROP` (128), rayon pools of `BENCH_THREADS` (1,2)
//! threads, median of `BENCH_REPS` (5) steps after one warm-up step, `BENCH_ROUNDS` (2)
//! interleaved rounds. CPU use = process CPU time / wall time over the timed steps, in % of
//! one core. When `/tmp/torchvenv/bin/python` exists, `examples/train_step_torch.py` runs the same
//! step in PyTorch with the same thread counts, right after each engine measurement.
//!
//! `cargo run --release -p semcurate-engine --example train_step`

use std::time::Instant;

use semcurate_engine::Isa;
use semcurate_engine::train::{
    Adam, DropMasks, TrainWeights, adam_step, backward, forward_train, loss_and_grad,
};

const CLASSES: usize = 10;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn list(name: &str, default: &str) -> Vec<usize> {
    env(name, default)
        .split(',')
        .filter_map(|v| v.parse().ok())
        .collect()
}

/// CPU seconds (user + system) of this process so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

/// src/model/train/loss.rs `class_weights`.
fn class_weights(counts: &[u64]) -> Vec<f32> {
    let mut present: Vec<u64> = counts.iter().copied().filter(|&c| c > 0).collect();
    present.sort_unstable();
    let median = present.get(present.len() / 2).copied().unwrap_or(1) as f64;
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                1.0
            } else {
                (median / c as f64).sqrt().clamp(0.1, 10.0) as f32
            }
        })
        .collect()
}

/// `benches/train_torch.py`'s batch: grey `(i·37 mod 256) / 255`, class
/// `(x / 8 + y / 16) mod 10`.
#[allow(clippy::cast_possible_wrap)] // class ids < 10
fn data(n: usize, crop: usize) -> (Vec<f32>, Vec<i64>) {
    let x = (0..n * crop * crop)
        .map(|i| ((i * 37) % 256) as f32 / 255.0)
        .collect();
    let y = (0..n * crop * crop)
        .map(|i| ((i % crop / 8 + i / crop / 16) % CLASSES) as i64)
        .collect();
    (x, y)
}

/// Median ms per phase (forward, loss, backward, Adam) and of whole steps; CPU use in %.
fn engine(b: usize, n: usize, crop: usize, reps: usize) -> ([f64; 5], f64) {
    let isa = Isa::best();
    let (x, y) = data(n, crop);
    let weights = class_weights(&[9, 1, 2, 5, 40, 30, 3, 6, 8, 1]);
    let mut w = TrainWeights::init(b, CLASSES, 1);
    let mut adam = Adam::new(&w);
    let mut times: Vec<[f64; 5]> = Vec::new();
    let (mut cpu, mut wall) = (0.0, 0.0);
    for rep in 0..=reps {
        let (c0, t0) = (cpu_seconds(), Instant::now());
        let masks = DropMasks::draw(n, b, 0.3, rep as u64);
        let saved = forward_train(isa, &x, [n, crop, crop], &mut w, &masks);
        let t1 = Instant::now();
        let (l, dl) = loss_and_grad(&saved.logits, &y, Some(&weights), 1.0);
        let t2 = Instant::now();
        let g = backward(isa, &w, &saved, &masks.0, &dl);
        drop((saved, dl));
        let t3 = Instant::now();
        adam_step(&mut w, &g, &mut adam, 1e-3);
        let t4 = Instant::now();
        assert!(l.loss.is_finite());
        if rep > 0 {
            let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
            times.push([ms(t0, t1), ms(t1, t2), ms(t2, t3), ms(t3, t4), ms(t0, t4)]);
            cpu += cpu_seconds() - c0;
            wall += t0.elapsed().as_secs_f64();
        }
    }
    let med = std::array::from_fn(|k| {
        let mut v: Vec<f64> = times.iter().map(|t| t[k]).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    });
    (med, 100.0 * cpu / wall)
}

/// PyTorch's line for the same step, when /tmp/torchvenv exists.
fn torch(b: usize, threads: usize, n: usize, crop: usize, reps: usize) -> Option<String> {
    let python = "/tmp/torchvenv/bin/python";
    if !std::path::Path::new(python).exists() {
        return None;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/train_step_torch.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .env("BENCH_WIDTH", b.to_string())
        .env("TORCH_THREADS", threads.to_string())
        .env("BENCH_BATCH", n.to_string())
        .env("BENCH_CROP", crop.to_string())
        .env("BENCH_REPS", reps.to_string())
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let n = list("BENCH_BATCH", "8")[0];
    let crop = list("BENCH_CROP", "128")[0];
    let reps = list("BENCH_REPS", "5")[0];
    let rounds = list("BENCH_ROUNDS", "2")[0];
    println!(
        "whole step, batch {n}, crop {crop}, isa {}, median of {reps}",
        Isa::best().name()
    );
    for round in 1..=rounds {
        for b in list("BENCH_WIDTHS", "8,32") {
            for threads in list("BENCH_THREADS", "1,2") {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .expect("a rayon pool");
                let ([f, l, bw, a, total], cpu) = pool.install(|| engine(b, n, crop, reps));
                println!(
                    "round {round} width {b:>2} engine  {threads} thr: step {total:>7.1} ms \
                     (fwd {f:.1}, loss {l:.1}, bwd {bw:.1}, adam {a:.1}), CPU {cpu:.0} %"
                );
                if let Some(line) = torch(b, threads, n, crop, reps) {
                    println!("round {round} width {b:>2} pytorch {threads} thr: {line}");
                }
            }
        }
    }
}
