//! Superpixel budget (issue 23 §3: ≤ 50 ms for a 256² tile), measured in-process on the
//! synthetic BSE tiles of `semcurate::synth` (rendered rock, beam blur and shot noise) at 256²
//! and 1024², and on the assist's four-phase Voronoi tiles. For each: segments, median and
//! minimum wall time of `Superpixels::compute`, and the achievable accuracy against the tile's
//! mask (pixels whose segment's majority class is their own: 1 when no segment straddles two
//! classes), for the default settings and a few others (size, compactness m, min segment size).
//!
//! Usage: `cargo bench --bench superpixels` (optimised); `-- --quick` runs 3 repeats;
//! `-- --dump DIR` also writes each image as raw grey bytes (`DIR/<name>_<side>.u8`) and its
//! mask (`.mask`), to time or compare another implementation on the same pixels.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use semcurate::assist::synthetic::phase_tile;
use semcurate::assist::{SuperpixelSettings, Superpixels};
use semcurate::synth::{TileSpec, render_tile, sample_rock};

/// (name, grey, mask, side)
type Case = (String, Vec<u8>, Vec<u8>, usize);

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for side in [256usize, 1024] {
        let tile = render_tile(&TileSpec::new(7, side as u32, 0.5, sample_rock(2).1));
        out.push((
            format!("synth BSE {side}²"),
            tile.image.pixels,
            tile.mask,
            side,
        ));
        let (grey, truth) = phase_tile(side, 4, 24, 3);
        out.push((format!("phase tile {side}²"), grey, truth, side));
    }
    out
}

fn achievable_accuracy(sp: &Superpixels, truth: &[u8]) -> f64 {
    let mut right = 0;
    for l in 0..sp.count() as u32 {
        let mut counts = [0usize; 256];
        sp.pixels_of(l).for_each(|i| counts[truth[i] as usize] += 1);
        right += counts.iter().max().copied().unwrap_or(0);
    }
    right as f64 / truth.len() as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let dump = args
        .iter()
        .position(|a| a == "--dump")
        .map(|i| std::path::PathBuf::from(&args[i + 1]));
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let default = SuperpixelSettings::default();
    let with = |segment_size, compactness, min_size| SuperpixelSettings {
        segment_size,
        compactness,
        min_size,
    };
    let variants = [
        default,
        with(150, 10.0, 0),
        with(150, 0.0, 37),
        with(150, 30.0, 37),
        with(400, 10.0, 100),
    ];
    println!(
        "{:<20} {:>5} {:>6} {:>5} {:>8} {:>10} {:>10} {:>9}",
        "image", "size", "m", "min", "segments", "median ms", "min ms", "accuracy"
    );
    for (name, grey, truth, side) in cases() {
        if let Some(dir) = &dump {
            std::fs::create_dir_all(dir).unwrap();
            let stem = name.split(' ').next().unwrap();
            std::fs::write(dir.join(format!("{stem}_{side}.u8")), &grey).unwrap();
            std::fs::write(dir.join(format!("{stem}_{side}.mask")), &truth).unwrap();
        }
        for s in &variants {
            let repeats = match (quick, side) {
                (true, _) => 3,
                (false, 256) => 31,
                (false, _) => 7,
            };
            let mut times: Vec<Duration> = Vec::with_capacity(repeats);
            let mut sp = None;
            for _ in 0..repeats {
                let t = Instant::now();
                sp = Some(Superpixels::compute(&grey, side, side, s).unwrap());
                times.push(t.elapsed());
            }
            times.sort();
            let sp = sp.unwrap();
            println!(
                "{name:<20} {:>5} {:>6} {:>5} {:>8} {:>10.2} {:>10.2} {:>9.4}",
                s.segment_size,
                s.compactness,
                s.min_size,
                sp.count(),
                ms(times[times.len() / 2]),
                ms(times[0]),
                achievable_accuracy(&sp, &truth)
            );
        }
    }
}
