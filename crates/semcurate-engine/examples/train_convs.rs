//! Times the U-Net's convolution layers for a training step (issue 24 §2 spike): forward,
//! input gradient (dX) and weight + bias gradient (dW) of every 3×3 convolution and 2×2
//! transposed convolution, batch `BENCH_BATCH` (8) of `BENCH_CROP`² (128²) crops, widths
//! `BENCH_WIDTHS` (8,32). Median of `BENCH_REPS` (7) runs per layer and pass; CPU use is
//! user + system time over wall time of all runs of a pass (from /proc/self/stat).
//! Threads: rayon's default (`RAYON_NUM_THREADS`); instruction set: `SEMCURATE_ISA` or the
//! best; `BENCH_ONLY` (names) picks layers. The first layer's dX is not timed (a training step does not need it).
//!
//! `cargo run --release -p semcurate-engine --example train_convs`

use std::time::Instant;

use semcurate_engine::grad::{self, Grads};
use semcurate_engine::kernels::Packed;
use semcurate_engine::{Act, Conv, Isa, UpConv};

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        })
        .collect()
}

fn batch(n: usize, c: usize, side: usize, seed: u64) -> Vec<Act> {
    (0..n)
        .map(|i| {
            let mut a = Act::zeros(c, side, side);
            let v = values(c * side * side, seed * 1000 + i as u64);
            for (j, row) in v.chunks_exact(side).enumerate() {
                let at = a.at(j % side + 1, j / side) + 1;
                a.data[at..at + side].copy_from_slice(row);
            }
            a
        })
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
    // Fields 14 and 15 of the file (utime, stime) are 12 and 13 after the command name.
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

/// Wall and CPU seconds of all runs of one pass.
#[derive(Default, Clone, Copy)]
struct Pass {
    ms: f64,
    wall: f64,
    cpu: f64,
}

/// Median ms of `reps` runs of `f`, adding the runs' wall and CPU time to `total`.
fn time<T>(reps: usize, total: &mut Pass, mut f: impl FnMut() -> T) -> f64 {
    drop(f());
    let (c0, w0) = (cpu_seconds(), Instant::now());
    let mut ms: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            drop(std::hint::black_box(f()));
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    total.wall += w0.elapsed().as_secs_f64();
    total.cpu += cpu_seconds() - c0;
    ms.sort_by(f64::total_cmp);
    let m = ms[reps / 2];
    total.ms += m;
    m
}

/// One 3×3 convolution layer: input parts (channels), output channels, side.
struct Layer {
    name: &'static str,
    cin: Vec<usize>,
    cout: usize,
    side: usize,
    up: bool,
}

fn layers(b: usize, crop: usize) -> Vec<Layer> {
    let l = |name, cin: &[usize], cout, level: u32, up| Layer {
        name,
        cin: cin.to_vec(),
        cout,
        side: crop >> level,
        up,
    };
    vec![
        l("enc1a", &[1], b, 0, false),
        l("enc1b", &[b], b, 0, false),
        l("enc2a", &[b], 2 * b, 1, false),
        l("enc2b", &[2 * b], 2 * b, 1, false),
        l("enc3a", &[2 * b], 4 * b, 2, false),
        l("enc3b", &[4 * b], 4 * b, 2, false),
        l("enc4a", &[4 * b], 8 * b, 3, false),
        l("enc4b", &[8 * b], 8 * b, 3, false),
        l("up3", &[8 * b], 4 * b, 3, true),
        l("dec5a", &[4 * b, 4 * b], 4 * b, 2, false),
        l("dec5b", &[4 * b], 4 * b, 2, false),
        l("up2", &[4 * b], 2 * b, 2, true),
        l("dec6a", &[2 * b, 2 * b], 2 * b, 1, false),
        l("dec6b", &[2 * b], 2 * b, 1, false),
        l("up1", &[2 * b], b, 1, true),
        l("dec7a", &[b, b], b, 0, false),
        l("dec7b", &[b], b, 0, false),
    ]
}

/// Forward, dX and dW medians (ms) of one 3×3 layer.
fn conv_layer(isa: Isa, l: &Layer, n: usize, reps: usize, t: &mut [Pass; 3]) -> [f64; 3] {
    let cin: usize = l.cin.iter().sum();
    let c = Conv {
        cout: l.cout,
        cin,
        k: 3,
        w: values(l.cout * cin * 9, 1),
        b: values(l.cout, 2),
    };
    let parts: Vec<Vec<Act>> = l
        .cin
        .iter()
        .enumerate()
        .map(|(i, &ci)| batch(n, ci, l.side, 10 + i as u64))
        .collect();
    let xs: Vec<Vec<&Act>> = (0..n)
        .map(|i| parts.iter().map(|p| &p[i]).collect())
        .collect();
    let dy = batch(n, l.cout, l.side, 20);
    let p = Packed::new(
        cin,
        l.cout,
        9,
        |co, ci, k| c.w[(co * cin + ci) * 9 + k],
        &c.b,
    );
    let fwd = time(reps, &mut t[0], || grad::conv3_batch(isa, &p, &xs, false));
    let dx = if cin == 1 {
        0.0
    } else {
        let pdx = grad::pack_input_grad(&c);
        time(reps, &mut t[1], || grad::conv3_input_grad(isa, &pdx, &dy))
    };
    let dw = time(reps, &mut t[2], || -> Grads {
        grad::conv3_weight_grad(isa, &xs, &dy)
    });
    [fwd, dx, dw]
}

/// Forward, dX (phase split included) and dW medians (ms) of one transposed convolution.
fn up_layer(isa: Isa, l: &Layer, n: usize, reps: usize, t: &mut [Pass; 3]) -> [f64; 3] {
    let (cin, cout) = (l.cin[0], l.cout);
    let c = UpConv {
        cin,
        cout,
        w: values(cin * cout * 4, 3),
        b: values(cout, 4),
    };
    let taps: [Packed; 4] = std::array::from_fn(|tap| {
        Packed::new(
            cin,
            cout,
            1,
            |co, ci, _| c.w[(ci * cout + co) * 4 + tap],
            &c.b,
        )
    });
    let x = batch(n, cin, l.side, 30);
    let dy = batch(n, cout, 2 * l.side, 40);
    let fwd = time(reps, &mut t[0], || grad::up_batch(isa, &taps, &x));
    let pdx = grad::pack_up_input_grad(&c);
    let dx = time(reps, &mut t[1], || {
        grad::up_input_grad(isa, &pdx, &grad::up_split_batch(&dy))
    });
    let phases = grad::up_split_batch(&dy);
    let dw = time(reps, &mut t[2], || grad::up_weight_grad(isa, &x, &phases));
    [fwd, dx, dw]
}

fn main() {
    let isa = Isa::best();
    let n: usize = env("BENCH_BATCH", "8").parse().unwrap_or(8);
    let crop: usize = env("BENCH_CROP", "128").parse().unwrap_or(128);
    let reps: usize = env("BENCH_REPS", "7").parse().unwrap_or(7);
    let threads = rayon::current_num_threads();
    for b in env("BENCH_WIDTHS", "8,32")
        .split(',')
        .filter_map(|w| w.parse().ok())
    {
        println!(
            "width {b}, batch {n}, crop {crop}, isa {}, threads {threads}",
            isa.name()
        );
        println!(
            "{:<6} {:>14} {:>8} {:>8} {:>8}",
            "layer", "cin>cout@side", "fwd", "dX", "dW"
        );
        let mut t = [Pass::default(); 3];
        let only = env("BENCH_ONLY", "");
        for l in layers(b, crop)
            .into_iter()
            .filter(|l| only.is_empty() || only.contains(l.name))
        {
            let ms = if l.up {
                up_layer(isa, &l, n, reps, &mut t)
            } else {
                conv_layer(isa, &l, n, reps, &mut t)
            };
            let shape = format!("{:?}>{}@{}", l.cin, l.cout, l.side);
            println!(
                "{:<6} {shape:>14} {:>8.2} {:>8.2} {:>8.2}",
                l.name, ms[0], ms[1], ms[2]
            );
        }
        let cpu = t.map(|p| 100.0 * p.cpu / p.wall);
        println!(
            "TOTAL  {:>14} {:>8.1} {:>8.1} {:>8.1}  sum {:.1} ms; CPU use fwd {:.0} % dX {:.0} % dW {:.0} %",
            "",
            t[0].ms,
            t[1].ms,
            t[2].ms,
            t.iter().map(|p| p.ms).sum::<f64>(),
            cpu[0],
            cpu[1],
            cpu[2]
        );
    }
}
