//! SNIC's two steps on grey levels: seeds on a grid, then region growing from one priority
//! queue (see the parent module for the distance and the invariants).

use std::collections::VecDeque;

/// Running sums of a segment while it grows.
#[derive(Debug, Clone, Copy, Default)]
struct Centre {
    grey: f64,
    x: f64,
    y: f64,
    n: u32,
}

impl Centre {
    fn add(&mut self, grey: u8, x: usize, y: usize) {
        self.grey += f64::from(grey);
        self.x += x as f64;
        self.y += y as f64;
        self.n += 1;
    }

    /// (mean grey, mean x, mean y); only called once the seed is in.
    fn means(&self) -> (f32, f32, f32) {
        let n = f64::from(self.n.max(1));
        (
            (self.grey / n) as f32,
            (self.x / n) as f32,
            (self.y / n) as f32,
        )
    }
}

/// Seed pixels: the centres of an `nx × ny` grid of cells of about `segment_size` pixels, row by
/// row, each moved to the lowest-gradient pixel of its 3 × 3 neighbourhood (first on a tie) so
/// that no seed starts on an edge. Cells narrower than 4 px keep their centres, which keeps
/// seeds distinct.
pub(super) fn seeds(grey: &[u8], width: usize, height: usize, segment_size: usize) -> Vec<usize> {
    let step = (segment_size as f64).sqrt();
    let nx = ((width as f64 / step).round() as usize).clamp(1, width);
    let ny = ((height as f64 / step).round() as usize).clamp(1, height);
    let (cw, ch) = (width as f64 / nx as f64, height as f64 / ny as f64);
    let perturb = cw >= 4.0 && ch >= 4.0;
    let mut out = Vec::with_capacity(nx * ny);
    for gy in 0..ny {
        for gx in 0..nx {
            let x = ((gx as f64 + 0.5) * cw) as usize;
            let y = ((gy as f64 + 0.5) * ch) as usize;
            let (x, y) = if perturb {
                calmest(grey, width, height, x, y)
            } else {
                (x, y)
            };
            out.push(y * width + x);
        }
    }
    out
}

/// The pixel of the 3 × 3 neighbourhood of (x, y) with the smallest squared central-difference
/// gradient.
fn calmest(grey: &[u8], width: usize, height: usize, x: usize, y: usize) -> (usize, usize) {
    let at = |x: usize, y: usize| i32::from(grey[y * width + x]);
    let gradient = |x: usize, y: usize| {
        let gx = at((x + 1).min(width - 1), y) - at(x.saturating_sub(1), y);
        let gy = at(x, (y + 1).min(height - 1)) - at(x, y.saturating_sub(1));
        gx * gx + gy * gy
    };
    let mut best = (gradient(x, y), x, y);
    for ny in y.saturating_sub(1)..=(y + 1).min(height - 1) {
        for nx in x.saturating_sub(1)..=(x + 1).min(width - 1) {
            let g = gradient(nx, ny);
            if g < best.0 {
                best = (g, nx, ny);
            }
        }
    }
    (best.1, best.2)
}

/// Buckets of the growth queue per grey level of distance `√d²`.
const BUCKET_STEPS: f32 = 8.0;
/// Buckets in the queue: distances past 512 grey levels share the last one.
const BUCKETS: usize = 4096;

/// SNIC's growth: labels every pixel from the seeds; `spatial` is `(compactness / S)²`.
///
/// The priority queue is a bucket queue: a pixel offered at distance `√d²` waits in bucket
/// `⌊8√d²⌋` (first in, first out), and the lowest non-empty bucket is served next; an offer
/// below the current bucket moves the cursor back, since SNIC's distances are not monotone. A
/// pixel is queued again only when a segment offers it a lower bucket than its best so far
/// (`best`, with the offering segment in `offer`); older entries are skipped when popped. This
/// is SNIC's "first pop wins" with distances rounded to 1/8 grey level, about 1.5x faster than
/// a binary heap on 256² and 2x on 1024² (the heap outgrows the cache there).
pub(super) fn grow(
    grey: &[u8],
    width: usize,
    height: usize,
    seeds: &[usize],
    spatial: f32,
) -> Vec<u32> {
    const NONE: u32 = u32::MAX;
    let bucket = |d: f32| ((d.sqrt() * BUCKET_STEPS) as usize).min(BUCKETS - 1);
    let mut labels = vec![NONE; grey.len()];
    let mut best = vec![u32::MAX; grey.len()];
    let mut offer = vec![NONE; grey.len()];
    let mut centres = vec![Centre::default(); seeds.len()];
    let mut queue = vec![VecDeque::<u32>::new(); BUCKETS];
    for (k, &s) in seeds.iter().enumerate() {
        best[s] = 0;
        offer[s] = k as u32;
        queue[0].push_back(s as u32);
    }
    let mut current = 0;
    while current < BUCKETS {
        let Some(i) = queue[current].pop_front() else {
            current += 1;
            continue;
        };
        let i = i as usize;
        if labels[i] != NONE || best[i] != current as u32 {
            continue;
        }
        let label = offer[i];
        labels[i] = label;
        let (x, y) = (i % width, i / width);
        let centre = &mut centres[label as usize];
        centre.add(grey[i], x, y);
        let (mg, mx, my) = centre.means();
        let mut visit = |j: usize, jx: usize, jy: usize| {
            if labels[j] == NONE {
                let dg = f32::from(grey[j]) - mg;
                let (dx, dy) = (jx as f32 - mx, jy as f32 - my);
                let b = bucket(dg * dg + spatial * (dx * dx + dy * dy));
                if (b as u32) < best[j] {
                    best[j] = b as u32;
                    offer[j] = label;
                    queue[b].push_back(j as u32);
                    current = current.min(b);
                }
            }
        };
        if x > 0 {
            visit(i - 1, x - 1, y);
        }
        if x + 1 < width {
            visit(i + 1, x + 1, y);
        }
        if y > 0 {
            visit(i - width, x, y - 1);
        }
        if y + 1 < height {
            visit(i + width, x, y + 1);
        }
    }
    labels
}
