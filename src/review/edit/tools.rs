//! Which pixels a tool touches. Pure functions over row-major buffers; the session decides
//! what they become (and skips locked classes).
//!
//! Pixels are row-major indices `y · w + x` into a `w`×`h` image, x to the right and y down.
//! The functions that return indices clip to the image and return each index at most once,
//! which [`crate::review::edit::EditSession::apply`] relies on; [`line()`] returns (x, y)
//! points, unclipped.

/// Brush footprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BrushShape {
    /// The pixels of the brush's square whose centres lie within half its diameter.
    #[default]
    Round,
    /// The whole `size`×`size` square.
    Square,
}

/// Largest brush diameter in pixels.
pub const MAX_BRUSH: u32 = 64;

/// Pixels under a brush of diameter `size` (1–64) centred on pixel (`cx`, `cy`), clipped to
/// the `w`×`h` image. A square brush covers `size`×`size` pixels (even sizes reach one pixel
/// further towards +x/+y); a round one the pixels of that square whose centres lie within
/// `size / 2` of the brush centre.
pub fn brush(w: u32, h: u32, cx: u32, cy: u32, size: u32, shape: BrushShape) -> Vec<usize> {
    let size = size.clamp(1, MAX_BRUSH) as i64;
    // Even sizes extend one more pixel towards +x/+y, as image editors do.
    let lo = -(size - 1) / 2;
    let hi = size / 2;
    let centre = if size % 2 == 0 { 0.5 } else { 0.0 };
    let r2 = (size as f64 / 2.0).powi(2);
    let mut out = Vec::with_capacity((size * size) as usize);
    for dy in lo..=hi {
        for dx in lo..=hi {
            if shape == BrushShape::Round {
                let (fx, fy) = (dx as f64 - centre, dy as f64 - centre);
                if fx * fx + fy * fy > r2 {
                    continue;
                }
            }
            let (x, y) = (i64::from(cx) + dx, i64::from(cy) + dy);
            if x >= 0 && y >= 0 && x < i64::from(w) && y < i64::from(h) {
                out.push(y as usize * w as usize + x as usize);
            }
        }
    }
    out
}

/// The pixels of a straight line from `a` to `b`, both included (Bresenham).
///
/// Points are (x, y) in pixels; the line is 8-connected, one pixel per step along its longer
/// axis, and not clipped.
pub fn line(a: (u32, u32), b: (u32, u32)) -> Vec<(u32, u32)> {
    let (mut x, mut y) = (i64::from(a.0), i64::from(a.1));
    let (x1, y1) = (i64::from(b.0), i64::from(b.1));
    let (dx, dy) = ((x1 - x).abs(), -(y1 - y).abs());
    let (sx, sy) = ((x1 - x).signum(), (y1 - y).signum());
    let mut err = dx + dy;
    let mut out = Vec::with_capacity((dx.max(-dy) + 1) as usize);
    loop {
        out.push((x as u32, y as u32));
        if x == x1 && y == y1 {
            return out;
        }
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += sx;
        }
        if e2 <= dx {
            err += dx;
            y += sy;
        }
    }
}

/// Pixels under the brush dragged along the line from `a` to `b`.
pub fn brush_line(
    w: u32,
    h: u32,
    a: (u32, u32),
    b: (u32, u32),
    size: u32,
    shape: BrushShape,
) -> Vec<usize> {
    let mut out: Vec<usize> = line(a, b)
        .into_iter()
        .flat_map(|(x, y)| brush(w, h, x, y, size, shape))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The 4-connected region around `seed` whose pixels satisfy `inside` (which is asked once
/// per candidate pixel), in the order found.
fn region(w: u32, h: u32, seed: usize, inside: impl Fn(usize) -> bool) -> Vec<usize> {
    let (w, n) = (w as usize, w as usize * h as usize);
    if seed >= n || !inside(seed) {
        return Vec::new();
    }
    let mut seen = vec![false; n];
    let mut stack = vec![seed];
    seen[seed] = true;
    let mut out = Vec::new();
    while let Some(i) = stack.pop() {
        out.push(i);
        let (x, y) = (i % w, i / w);
        let mut visit = |j: usize| {
            if !seen[j] {
                seen[j] = true;
                if inside(j) {
                    stack.push(j);
                }
            }
        };
        if x > 0 {
            visit(i - 1);
        }
        if x + 1 < w {
            visit(i + 1);
        }
        if y > 0 {
            visit(i - w);
        }
        if i + w < n {
            visit(i + w);
        }
    }
    out
}

/// The connected (4-neighbour) region of the class at `seed`: flood fill, and relabelling
/// one component (A → B).
pub fn flood(classes: &[u8], w: u32, h: u32, seed: usize) -> Vec<usize> {
    let Some(&c) = classes.get(seed) else {
        return Vec::new();
    };
    region(w, h, seed, |j| classes[j] == c)
}

/// The magic wand for BSE: the connected pixels whose grey level is within ±`tolerance` of
/// the seed pixel's. Backscatter tracks mean atomic number, so this follows grain
/// boundaries.
pub fn grey_region(grey: &[u8], w: u32, h: u32, seed: usize, tolerance: u8) -> Vec<usize> {
    let Some(&g) = grey.get(seed) else {
        return Vec::new();
    };
    let (lo, hi) = (g.saturating_sub(tolerance), g.saturating_add(tolerance));
    region(w, h, seed, |j| (lo..=hi).contains(&grey[j]))
}

/// Pixels whose centres lie inside the polygon through `points` (even-odd rule), plus the
/// outline itself so that thin polygons still fill.
pub fn polygon(points: &[(u32, u32)], w: u32, h: u32) -> Vec<usize> {
    let mut out = Vec::new();
    if points.is_empty() {
        return out;
    }
    let (ymin, ymax) = points
        .iter()
        .fold((u32::MAX, 0), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    for y in ymin..=ymax.min(h.saturating_sub(1)) {
        let cy = f64::from(y) + 0.5;
        let mut xs: Vec<f64> = Vec::new();
        for k in 0..points.len() {
            let (a, b) = (points[k], points[(k + 1) % points.len()]);
            let (ay, by) = (f64::from(a.1) + 0.5, f64::from(b.1) + 0.5);
            if (ay <= cy) != (by <= cy) {
                let t = (cy - ay) / (by - ay);
                xs.push(f64::from(a.0) + 0.5 + t * (f64::from(b.0) - f64::from(a.0)));
            }
        }
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks_exact(2) {
            let x0 = (pair[0] - 0.5).ceil().max(0.0) as i64;
            let x1 = ((pair[1] - 0.5).floor() as i64).min(i64::from(w) - 1);
            for x in x0..=x1 {
                out.push(y as usize * w as usize + x as usize);
            }
        }
    }
    for k in 0..points.len() {
        for (x, y) in line(points[k], points[(k + 1) % points.len()]) {
            if x < w && y < h {
                out.push(y as usize * w as usize + x as usize);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}
