//! U-Net inference time on the CPU backends (SPEC 5; figures in docs/BENCHMARKS.md).
//!
//! Prints one JSON line per configuration: backend, width, batch, ms per image (median over
//! repetitions after a warm-up). Run through `benches/unet.sh`, which also runs PyTorch on the
//! same architecture and input and prints the ratios. Environment: `BENCH_WIDTHS` (default
//! "8,64"), `BENCH_BATCHES` ("1,8"), `BENCH_SECONDS` (time budget per configuration, 6), `BENCH_BACKENDS` ("flex,ndarray,engine").

use std::time::Instant;

use burn::prelude::*;
use semcurate::model::UNetConfig;
use semcurate::model::engine::Engine;
use semcurate::model::fused::FusedUNet;

fn list(var: &str, default: &str) -> Vec<usize> {
    std::env::var(var)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn input(batch: usize, device: &Device) -> Tensor<4> {
    let data: Vec<f32> = (0..batch * 256 * 256)
        .map(|i| ((i * 37) % 256) as f32 / 255.0)
        .collect();
    Tensor::<1>::from_floats(data.as_slice(), device).reshape([batch, 1, 256, 256])
}

fn bench(name: &str, device: &Device, width: usize, batch: usize, budget: f64) {
    let net = UNetConfig::new(10).with_width(width).init(device);
    time(
        &format!("burn-{name}"),
        device,
        width,
        batch,
        budget,
        &|x| net.forward(x),
    );
    let fused = FusedUNet::from_unet(&net);
    time(
        &format!("burn-{name}-fused-bn"),
        device,
        width,
        batch,
        budget,
        &|x| fused.forward(x),
    );
}

/// semcurate's own inference engine, fed by the same (folded) weights as burn.
fn bench_engine(width: usize, batch: usize, budget: f64) {
    let device = Device::flex();
    let net = UNetConfig::new(10).with_width(width).init(&device);
    let engine = Engine::from_fused(&FusedUNet::from_unet(&net));
    let name = format!("semcurate-engine-{}", engine.isa().name());
    time(&name, &device, width, batch, budget, &|x| engine.forward(x));
}

fn time(
    name: &str,
    device: &Device,
    width: usize,
    batch: usize,
    budget: f64,
    forward: &dyn Fn(Tensor<4>) -> Tensor<4>,
) {
    let run = || {
        let t = Instant::now();
        let out = forward(input(batch, device));
        let _ = out.into_data();
        t.elapsed().as_secs_f64()
    };
    let first = run(); // warm-up (allocations, thread pool)
    let mut times = Vec::new();
    let started = Instant::now();
    while times.len() < 3 || (started.elapsed().as_secs_f64() < budget && times.len() < 30) {
        times.push(run());
        if first > budget {
            break;
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{{\"impl\":\"{name}\",\"width\":{width},\"batch\":{batch},\"ms_per_image\":{:.2},\"runs\":{}}}",
        1000.0 * median / batch as f64,
        times.len()
    );
}

fn main() {
    let budget: f64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6.0);
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "flex,ndarray,engine".into());
    for width in list("BENCH_WIDTHS", "8,64") {
        for batch in list("BENCH_BATCHES", "1,8") {
            if backends.contains("flex") {
                bench("flex", &Device::flex(), width, batch, budget);
            }
            if backends.contains("ndarray") {
                #[allow(deprecated)] // burn 0.22 deprecates ndarray; measured while it exists
                bench("ndarray", &Device::ndarray(), width, batch, budget);
            }
            #[cfg(feature = "cuda")]
            if backends.contains("cuda") {
                bench("cuda", &Device::cuda(0), width, batch, budget);
            }
            if backends.contains("engine") {
                bench_engine(width, batch, budget);
            }
        }
    }
}
