//! Assist budgets (issue 23) measured in-process on synthetic four-phase BSE tiles (Voronoi
//! grains: dark, mid, mid speckled, bright grainy; grey noise σ 8):
//! - features of a 256² and a 2048² image (49 channels; 37 without the structure tensor);
//! - after a stroke, with features cached: training rows (10 clicks per class × 4 classes on the
//!   edited image, weight 4, plus rows drawn from a densely labelled dataset image), fit, and
//!   predict the whole image; goals: ≤ 0.25 s on 256², ≤ 3 s on 2048²;
//! - pixel accuracy of the proposal against the tile's truth.
//!
//! Usage: `cargo bench --bench assist` (timings); `-- --sweep` compares forest settings;
//! `-- --export DIR` writes the training rows and test features as `.npy` and the Rust fit and
//! predict times on them as `DIR/rust.json`, for `benches/assist_sklearn.py DIR`, which runs
//! this export itself and prints both side by side. Wall times are medians; CPU times (all
//! threads) show how much of a wall time was contention on a shared machine.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use semcurate::assist::synthetic::{clicks, phase_tile};
use semcurate::assist::{
    FeatureSettings, Features, Forest, ForestSettings, LabelledImage, ProposeOptions, RaforForest,
    Rect, SamplingSettings, SplitFeatures, TrainingSet, propose, propose_rect, training_set,
};

const CLASSES: u8 = 4;

/// Wall time and CPU time (all threads) of one run.
#[derive(Clone, Copy)]
struct Run {
    wall: Duration,
    cpu: Duration,
}

/// Prints median wall time, minimum wall time and median CPU time; returns the median wall
/// time in ms. CPU time is the honest figure on a shared machine: wall ≥ CPU / 2 on 2 cores.
fn stats(name: &str, runs: &[Run]) -> f64 {
    stats_cpu(name, runs).0
}

/// As [`stats`], returning (median wall ms, median CPU ms).
fn stats_cpu(name: &str, runs: &[Run]) -> (f64, f64) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mut wall: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
    let mut cpu: Vec<Duration> = runs.iter().map(|r| r.cpu).collect();
    wall.sort();
    cpu.sort();
    println!(
        "{name:<50} wall median {:9.2} ms  min {:9.2} ms   cpu median {:9.2} ms  (n={})",
        ms(wall[wall.len() / 2]),
        ms(wall[0]),
        ms(cpu[cpu.len() / 2]),
        wall.len()
    );
    (ms(wall[wall.len() / 2]), ms(cpu[cpu.len() / 2]))
}

/// CPU time of this process so far, all threads including finished ones (Linux
/// `/proc/self/stat` utime + stime, in clock ticks of 10 ms: coarse for runs under 100 ms).
fn cpu_now() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat(5), counted from the state field (3) here.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

fn time<T>(n: usize, mut f: impl FnMut() -> T) -> (Vec<Run>, T) {
    let mut out = None;
    let runs = (0..n)
        .map(|_| {
            let (t, c) = (Instant::now(), cpu_now());
            out = Some(f());
            Run {
                wall: t.elapsed(),
                cpu: cpu_now().saturating_sub(c),
            }
        })
        .collect();
    (runs, out.unwrap())
}

fn accuracy(predicted: &[u8], truth: &[u8]) -> f64 {
    let right = predicted.iter().zip(truth).filter(|(p, t)| p == t).count();
    right as f64 / truth.len() as f64
}

/// One image under test: features, truth and the edited image's clicks.
struct Case {
    side: usize,
    features: Features,
    truth: Vec<u8>,
    clicks: Vec<u8>,
}

fn bench_features(side: usize, runs: usize) -> Case {
    let (grey, truth) = phase_tile(side, CLASSES, 40, side as u64);
    let lean = FeatureSettings {
        structure_tensor: false,
        ..FeatureSettings::default()
    };
    let (t, _) = time(runs, || {
        Features::compute(&grey, side, side, &lean).unwrap()
    });
    stats(&format!("features {side}² (37 channels)"), &t);
    let (t, features) = time(runs, || {
        Features::compute(&grey, side, side, &FeatureSettings::default()).unwrap()
    });
    stats(&format!("features {side}² (49 channels)"), &t);
    let clicks = clicks(&truth, side, 10, 99);
    Case {
        side,
        features,
        truth,
        clicks,
    }
}

fn rows(case: &Case, dataset: &LabelledImage<'_>, cap: usize) -> TrainingSet {
    let edited = LabelledImage {
        features: &case.features,
        labels: &case.clicks,
        weight: 4.0,
    };
    let sampling = SamplingSettings {
        per_class_cap: cap,
        ..SamplingSettings::default()
    };
    training_set(&[edited, *dataset], &sampling).unwrap()
}

/// Rows, fit and predict after a stroke, and their total (medians).
fn bench_stroke(
    case: &Case,
    dataset: &LabelledImage<'_>,
    cap: usize,
    name: &str,
    forest: &ForestSettings,
    runs: usize,
) {
    let side = case.side;
    let (t_rows, set) = time(runs, || rows(case, dataset, cap));
    let label = format!("{side}² {name}, {} rows", set.len());
    let mut total = stats(&format!("  rows ({label})"), &t_rows);
    let (t_fit, model) = time(runs, || RaforForest::fit(&set, forest).unwrap());
    total += stats(&format!("  fit ({label})"), &t_fit);
    let bytes = model.to_bytes().unwrap().len();
    println!(
        "  model: {} trees, {:.2} MB as JSON",
        forest.trees(),
        bytes as f64 / 1e6
    );
    let options = ProposeOptions::default();
    let (t_pred, proposal) = time(runs, || propose(&model, &case.features, &options).unwrap());
    let predict_ms = stats(&format!("  predict {side}² ({name})"), &t_pred);
    total += predict_ms;
    let acc = accuracy(&proposal.classes, &case.truth);
    println!("  => stroke to overlay {total:8.1} ms   pixel accuracy {acc:.4}");
    if side > 512 {
        let view = Rect {
            x: side / 2 - 256,
            y: side / 2 - 256,
            width: 512,
            height: 512,
        };
        let (t, _) = time(runs, || {
            propose_rect(&model, &case.features, view, &options).unwrap()
        });
        let ms = stats(
            &format!("  predict a 512² viewport of {side}² ({name})"),
            &t,
        );
        let first = total - predict_ms + ms;
        println!("  => stroke to viewport overlay {first:8.1} ms");
    }
}

/// Forest settings against fit time, predict time and accuracy (`--sweep`).
fn sweep(case: &Case, dataset: &LabelledImage<'_>, runs: usize) {
    // (name, trees per part, depth cap, smallest leaf, features per split; 0 = √n).
    let variants = [
        ("2x16 depth 20", 16, Some(20), 1, 0),
        ("2x16 depth 12", 16, Some(12), 1, 0),
        ("2x16 leaf >= 3", 16, Some(20), 3, 0),
        ("2x8 depth 20", 8, Some(20), 1, 0),
        ("2x16 2 features/split", 16, Some(20), 1, 2),
        ("2x50 no cap (parity)", 50, None, 1, 0),
    ]
    .map(
        |(name, trees_per_part, max_depth, min_samples_leaf, split)| {
            let split_features = match split {
                0 => SplitFeatures::Sqrt,
                n => SplitFeatures::Count(n),
            };
            let settings = ForestSettings {
                trees_per_part,
                max_depth,
                min_samples_leaf,
                split_features,
                ..ForestSettings::interactive()
            };
            (name, settings)
        },
    );
    let set = rows(case, dataset, 1000);
    for (name, settings) in variants {
        let (t_fit, model) = time(runs, || RaforForest::fit(&set, &settings).unwrap());
        let fit = stats(&format!("  sweep {}² {name}: fit", case.side), &t_fit);
        let options = ProposeOptions::default();
        let (t, proposal) = time(runs, || propose(&model, &case.features, &options).unwrap());
        let predict = stats(&format!("  sweep {}² {name}: predict", case.side), &t);
        let acc = accuracy(&proposal.classes, &case.truth);
        println!("  => {:.1} ms, accuracy {acc:.4}", fit + predict);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let export = args.iter().position(|a| a == "--export");
    let export = export.and_then(|i| args.get(i + 1)).map(PathBuf::from);
    println!(
        "assist bench: {} rayon threads",
        rayon::current_num_threads()
    );
    let (dgrey, dtruth) = phase_tile(256, CLASSES, 40, 7);
    let dfeatures = Features::compute(&dgrey, 256, 256, &FeatureSettings::default()).unwrap();
    let dataset = LabelledImage {
        features: &dfeatures,
        labels: &dtruth,
        weight: 1.0,
    };
    if let Some(dir) = export {
        export_all(&dir, &dataset);
        return;
    }
    let small = bench_features(256, 10);
    let large = bench_features(2048, 2);
    if args.iter().any(|a| a == "--sweep") {
        sweep(&small, &dataset, 10);
        sweep(&large, &dataset, 1);
        return;
    }
    for (case, runs) in [(&small, 10), (&large, 2)] {
        for cap in [1000, 3000] {
            let interactive = ForestSettings::interactive();
            bench_stroke(case, &dataset, cap, "interactive", &interactive, runs);
        }
        let parity = ForestSettings::parity();
        bench_stroke(case, &dataset, 1000, "parity", &parity, runs.min(3));
    }
}

/// Writes, per tile size, the training rows (cap 1,000 per class) and the tile's pixel-major
/// features and truth as `.npy`, and the Rust fit and predict times and accuracy on exactly
/// those rows to `rust.json`, for `benches/assist_sklearn.py`.
fn export_all(dir: &Path, dataset: &LabelledImage<'_>) {
    std::fs::create_dir_all(dir).unwrap();
    let mut json = serde_json::Map::new();
    for (side, runs) in [(256, 5), (2048, 1)] {
        let case = bench_features(side, 1);
        let set = rows(&case, dataset, 1000);
        let (n, f) = (case.features.pixels(), set.n_features);
        let mut test = Vec::new();
        case.features.rows(0, n, &mut test);
        let path = |name: &str| dir.join(format!("{name}{side}.npy"));
        write_npy(&path("train_x"), "<f4", &[set.len(), f], &f32s(&set.rows));
        write_npy(&path("train_y"), "|u1", &[set.len()], &set.labels);
        write_npy(&path("train_w"), "<f4", &[set.len()], &f32s(&set.weights));
        write_npy(&path("test_x"), "<f4", &[n, f], &f32s(&test));
        write_npy(&path("test_y"), "|u1", &[n], &case.truth);
        drop(test);
        for (name, settings) in [
            ("interactive", ForestSettings::interactive()),
            ("parity", ForestSettings::parity()),
        ] {
            let (t, model) = time(runs, || RaforForest::fit(&set, &settings).unwrap());
            let (fit, fit_cpu) = stats_cpu(&format!("  rust fit {side}² {name}"), &t);
            let options = ProposeOptions::default();
            let (t, p) = time(runs, || propose(&model, &case.features, &options).unwrap());
            let (predict, predict_cpu) = stats_cpu(&format!("  rust predict {side}² {name}"), &t);
            let acc = accuracy(&p.classes, &case.truth);
            let entry = serde_json::json!({
                "fit_ms": fit, "fit_cpu_ms": fit_cpu, "predict_ms": predict,
                "predict_cpu_ms": predict_cpu, "accuracy": acc, "rows": set.len(),
            });
            json.insert(format!("{side}_{name}"), entry);
        }
    }
    json.insert("threads".into(), rayon::current_num_threads().into());
    let json = serde_json::to_string_pretty(&json).unwrap();
    std::fs::write(dir.join("rust.json"), json).unwrap();
    println!("exported to {}", dir.display());
}

fn f32s(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// `NumPy` format 1.0: magic, header length, a dict padded to 64 bytes, then the raw data.
fn write_npy(path: &Path, descr: &str, shape: &[usize], data: &[u8]) {
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    let shape = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(data);
    std::fs::write(path, out).unwrap();
}
