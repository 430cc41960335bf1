//! Synthetic BSE tiles with known phases, and simulated clicks, for the assist's tests and
//! benchmarks (and for the lead's clicks-to-quality tables).
//!
//! A tile is a jittered-grid Voronoi mosaic of grains (one seed per `cell × cell` square), each
//! grain one phase, phases dealt evenly over the grains and shuffled. Phases, by id: 0 dark
//! smooth (grey 60), 1 mid smooth (130), 2 mid speckled (130 ± 45 per pixel: the same mean as
//! phase 1, so only texture separates them), 3 bright grainy (200, σ 20); phase ids above 3
//! repeat these greys shifted by 10 per round. Every pixel gets Gaussian noise of σ 8.

use crate::rng::Rng;

use super::UNLABELLED;

/// A `side × side` tile of `phases` phases in grains of about `cell` pixels: (grey image,
/// true phase per pixel), both row-major.
pub fn phase_tile(side: usize, phases: u8, cell: usize, seed: u64) -> (Vec<u8>, Vec<u8>) {
    let mut rng = Rng::new(seed);
    let cell = cell.max(1);
    let cells = side.div_ceil(cell);
    let mut classes: Vec<u8> = (0..cells * cells)
        .map(|i| (i % phases.max(1) as usize) as u8)
        .collect();
    rng.shuffle(&mut classes);
    let centres: Vec<(f64, f64, u8)> = classes
        .iter()
        .enumerate()
        .map(|(i, &class)| {
            let (cx, cy) = ((i % cells) as f64, (i / cells) as f64);
            let x = (cx + rng.f64()) * cell as f64;
            (x, (cy + rng.f64()) * cell as f64, class)
        })
        .collect();
    let mut grey = Vec::with_capacity(side * side);
    let mut truth = Vec::with_capacity(side * side);
    for y in 0..side {
        for x in 0..side {
            let class = nearest(&centres, cells, cell, x, y);
            let shift = 10.0 * f64::from(class / 4);
            let base = match class % 4 {
                0 => 60.0,
                1 => 130.0,
                2 => 130.0 + if rng.chance(0.5) { 45.0 } else { -45.0 },
                _ => 200.0 + 20.0 * rng.normal(),
            };
            grey.push((base + shift + 8.0 * rng.normal()).clamp(0.0, 255.0) as u8);
            truth.push(class);
        }
    }
    (grey, truth)
}

/// The phase of the nearest grain seed among the 3 × 3 cells around pixel (x, y).
fn nearest(centres: &[(f64, f64, u8)], cells: usize, cell: usize, x: usize, y: usize) -> u8 {
    let (cx, cy) = ((x / cell) as isize, (y / cell) as isize);
    let mut best = (f64::MAX, 0u8);
    for gy in (cy - 1).max(0)..=(cy + 1).min(cells as isize - 1) {
        for gx in (cx - 1).max(0)..=(cx + 1).min(cells as isize - 1) {
            let (px, py, class) = centres[gy as usize * cells + gx as usize];
            let d = (px - x as f64).powi(2) + (py - y as f64).powi(2);
            if d < best.0 {
                best = (d, class);
            }
        }
    }
    best.1
}

/// `per_class` clicks per phase present in `truth` (`side × side`): disks of radius 3 around
/// random pixels of that phase, keeping only the disk's pixels of the same phase (a click
/// inside a grain); every other pixel is [`UNLABELLED`].
pub fn clicks(truth: &[u8], side: usize, per_class: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut labels = vec![UNLABELLED; truth.len()];
    let phases = truth.iter().copied().max().map_or(0, |m| m + 1);
    for class in 0..phases {
        if !truth.contains(&class) {
            continue;
        }
        let mut done = 0;
        while done < per_class {
            let centre = rng.below(truth.len());
            if truth[centre] == class {
                paint_disk(&mut labels, truth, side, centre, class);
                done += 1;
            }
        }
    }
    labels
}

fn paint_disk(labels: &mut [u8], truth: &[u8], side: usize, centre: usize, class: u8) {
    let (cx, cy) = ((centre % side) as i64, (centre / side) as i64);
    for dy in -3i64..=3 {
        for dx in -3i64..=3 {
            let (x, y) = (cx + dx, cy + dy);
            let inside = (0..side as i64).contains(&x) && (0..side as i64).contains(&y);
            if inside && dx * dx + dy * dy <= 9 {
                let p = y as usize * side + x as usize;
                if truth[p] == class {
                    labels[p] = class;
                }
            }
        }
    }
}
