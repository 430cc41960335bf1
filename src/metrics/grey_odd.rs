//! Labelled regions whose grey level says they belong to another class: evidence of a label
//! error that does not come from any model.
//!
//! Backscatter grows with mean atomic number, so within one image (one detector gain and
//! offset) each phase sits at its own grey level. Per class, the image's *interior* labelled
//! pixels (whose 3×3 neighbourhood carries the same label, so borders and partial-volume
//! pixels do not count) give a centre (median of the 3×3 mean grey) and a spread (1.4826 ×
//! the median absolute deviation, at least 2 grey levels). Two classes are *told apart* by
//! grey in this image when at most [`MAX_OVERLAP`] of either's interior pixels lie nearer the
//! other's centre. Olivine and pyroxene (Z̄ 13.7 against 13.5), or plagioclase and glass,
//! usually are not, and are then never compared: grey cannot overrule anyone there.
//!
//! A labelled pixel of class c whose grey (0–255) lies nearer the centre of some class told
//! apart from c than c's own *leans* away, darker or brighter. 8-connected pixels of one
//! label leaning to one side form a region, kept when at least [`MIN_CLEAR`] of its interior
//! pixels lean clearly (their 3×3 mean nearer another centre by more than c's spread, and by
//! at least 4 levels). The region resembles the class k whose centre lies nearest its mean
//! grey; its evidence is `g = clamp((z_c − z_k) / 2, −1, 1)`, z being the distance of that mean to
//! a centre in units of that class's spread: +1 when it looks like k and not like c.
//!
//! Regions that are lines rather than blobs (fewer than [`MIN_CORE_SHARE`] of their pixels
//! with all 8 neighbours inside) are dropped: fractures and rims look like other classes by
//! grey, and only their shape says they are not grains.
//!
//! A class needs [`MIN_INTERIOR`] interior pixels in the image to have a centre, so a grain
//! relabelled as c in an image that holds no other pixels of its true class is not found
//! here (the model's dispute may still find it).

use serde::{Deserialize, Serialize};

/// Fewest interior pixels of a class in the image for it to have a grey centre.
pub const MIN_INTERIOR: usize = 200;
/// Largest share of one class's interior pixels nearer another's centre for the two to be
/// told apart by grey.
pub const MAX_OVERLAP: f64 = 0.1;
/// Fewest clearly leaning interior pixels for a region to count.
pub const MIN_CLEAR: u32 = 20;
/// Fewest pixels for a region to be kept.
pub const MIN_PIXELS: u32 = 50;
/// Smallest share of a region's pixels in its core (all 8 neighbours in the region) for it to
/// be kept: a grain is a blob, a dark fracture through olivine or a bright rim is a line of
/// one to three pixels, which grey alone cannot tell from a mislabelled grain.
pub const MIN_CORE_SHARE: f64 = 0.25;
/// Regions kept per image, largest first.
pub const KEEP: usize = 3;
/// A pixel that leans to no other class.
const NONE: u8 = 0;
/// A pixel that leans to a class darker than its own.
const DARKER: u8 = 1;
/// A pixel that leans to a class brighter than its own.
const BRIGHTER: u8 = 2;

/// A labelled region whose grey level lies nearer another class's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OddRegion {
    /// The class the mask gives it.
    pub claimed: u8,
    /// The class whose grey it resembles.
    pub resembles: u8,
    pub pixels: u32,
    /// Mean grey level (0–255) of its pixels.
    pub grey: f64,
    /// The image's centre and spread (grey levels) of the claimed class.
    pub claimed_centre: f64,
    pub claimed_spread: f64,
    /// The image's centre and spread of the class it resembles.
    pub resembled_centre: f64,
    pub resembled_spread: f64,
    /// g ∈ [−1, 1]: +1 looks like `resembles` and not like `claimed`.
    pub evidence: f64,
    /// Bounding box `[x0, y0, x1, y1]` (inclusive).
    pub bbox: [u32; 4],
}

/// A class's grey centre in one image, in 3×3-sum units (9 × grey level): `spread` is at
/// least 18 (2 grey levels).
#[derive(Debug, Clone)]
struct Centre {
    median: f64,
    spread: f64,
    /// 3×3 sums of the class's interior pixels.
    values: Vec<u16>,
}

/// The largest ([`KEEP`]) odd regions of a `w`-wide image, largest first. `truth` values ≥
/// `classes` (unlabelled) are never part of a region.
pub fn odd_regions(grey: &[u8], truth: &[u8], w: usize, classes: usize) -> Vec<OddRegion> {
    if w == 0 || grey.len() != truth.len() || !truth.len().is_multiple_of(w) {
        return Vec::new();
    }
    let sums = box3(grey, w);
    let inner = interior(truth, w, classes);
    let centres = centres(&sums, truth, &inner, classes);
    let apart = told_apart(&centres);
    let lean = leanings(grey, truth, &centres, &apart);
    let mut regions = regions(&Maps {
        grey,
        truth,
        sums: &sums,
        inner: &inner,
        lean: &lean,
        centres: &centres,
        apart: &apart,
        w,
    })
    .into_iter()
    .filter(|r| {
        r.pixels >= MIN_PIXELS
            && r.clear >= MIN_CLEAR
            && f64::from(r.core) >= MIN_CORE_SHARE * f64::from(r.pixels)
    })
    .collect::<Vec<_>>();
    regions.sort_by(|a, b| b.pixels.cmp(&a.pixels).then(a.bbox.cmp(&b.bbox)));
    regions
        .into_iter()
        .take(KEEP)
        .filter_map(|r| r.finish(&centres, &apart))
        .collect()
}

/// Sum of each pixel's 3×3 neighbourhood (edges replicated): 9 × the local mean grey.
fn box3(grey: &[u8], w: usize) -> Vec<u16> {
    let h = grey.len() / w;
    let mut rows = vec![0u16; grey.len()];
    for (src, dst) in grey.chunks_exact(w).zip(rows.chunks_exact_mut(w)) {
        for (x, d) in dst.iter_mut().enumerate() {
            let (l, r) = (x.saturating_sub(1), (x + 1).min(w - 1));
            *d = u16::from(src[l]) + u16::from(src[x]) + u16::from(src[r]);
        }
    }
    let mut out = vec![0u16; grey.len()];
    for y in 0..h {
        let (u, d) = (y.saturating_sub(1), (y + 1).min(h - 1));
        for x in 0..w {
            out[y * w + x] = rows[u * w + x] + rows[y * w + x] + rows[d * w + x];
        }
    }
    out
}

/// Labelled pixels off the image border whose 8 neighbours carry the same label.
fn interior(truth: &[u8], w: usize, classes: usize) -> Vec<bool> {
    let h = truth.len() / w;
    let mut out = vec![false; truth.len()];
    for y in 1..h.saturating_sub(1) {
        for x in 1..w - 1 {
            let i = y * w + x;
            let t = truth[i];
            out[i] = usize::from(t) < classes
                && [
                    i - w - 1,
                    i - w,
                    i - w + 1,
                    i - 1,
                    i + 1,
                    i + w - 1,
                    i + w,
                    i + w + 1,
                ]
                .iter()
                .all(|&j| truth[j] == t);
        }
    }
    out
}

fn centres(sums: &[u16], truth: &[u8], inner: &[bool], classes: usize) -> Vec<Option<Centre>> {
    let mut values = vec![Vec::new(); classes];
    for ((&s, &t), &i) in sums.iter().zip(truth).zip(inner) {
        if i {
            values[usize::from(t)].push(s);
        }
    }
    values
        .into_iter()
        .map(|mut v| {
            if v.len() < MIN_INTERIOR {
                return None;
            }
            let median = f64::from(median_of(&mut v));
            let mut dev: Vec<u16> = v
                .iter()
                .map(|&s| (f64::from(s) - median).abs().round() as u16)
                .collect();
            let mad = f64::from(median_of(&mut dev));
            Some(Centre {
                median,
                spread: (1.4826 * mad).max(18.0),
                values: v,
            })
        })
        .collect()
}

fn median_of(v: &mut [u16]) -> u16 {
    let mid = v.len() / 2;
    *v.select_nth_unstable(mid).1
}

/// `apart[c][k]`: classes c and k both have centres and grey tells them apart.
fn told_apart(centres: &[Option<Centre>]) -> Vec<Vec<bool>> {
    let nearer = |a: &Centre, b: &Centre| {
        let n = a
            .values
            .iter()
            .filter(|&&s| (f64::from(s) - b.median).abs() < (f64::from(s) - a.median).abs())
            .count();
        n as f64 / a.values.len() as f64
    };
    centres
        .iter()
        .map(|a| {
            centres
                .iter()
                .map(|b| match (a, b) {
                    (Some(a), Some(b)) if (a.median - b.median).abs() >= 1.0 => {
                        nearer(a, b) <= MAX_OVERLAP && nearer(b, a) <= MAX_OVERLAP
                    }
                    _ => false,
                })
                .collect()
        })
        .collect()
}

/// The class told apart from `c` whose centre lies nearest `v9` (a grey level × 9), and that
/// distance.
fn nearest_other(
    c: usize,
    v9: f64,
    centres: &[Option<Centre>],
    apart: &[Vec<bool>],
) -> Option<(usize, f64)> {
    centres
        .iter()
        .enumerate()
        .filter(|&(k, _)| apart.get(c).is_some_and(|a| a[k]))
        .filter_map(|(k, ck)| ck.as_ref().map(|ck| (k, (v9 - ck.median).abs())))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// Per pixel: [`DARKER`] or [`BRIGHTER`] when its grey lies nearer the centre of a class told
/// apart from its label than its label's own centre (on that side of it), else [`NONE`].
fn leanings(grey: &[u8], truth: &[u8], centres: &[Option<Centre>], apart: &[Vec<bool>]) -> Vec<u8> {
    grey.iter()
        .zip(truth)
        .map(|(&g, &t)| {
            let c = usize::from(t);
            let Some(Some(own)) = centres.get(c) else {
                return NONE;
            };
            let g9 = f64::from(g) * 9.0;
            match nearest_other(c, g9, centres, apart) {
                Some((_, d)) if d < (g9 - own.median).abs() => {
                    if g9 < own.median {
                        DARKER
                    } else {
                        BRIGHTER
                    }
                }
                _ => NONE,
            }
        })
        .collect()
}

/// The per-pixel maps the region search reads.
struct Maps<'a> {
    grey: &'a [u8],
    truth: &'a [u8],
    sums: &'a [u16],
    inner: &'a [bool],
    lean: &'a [u8],
    centres: &'a [Option<Centre>],
    apart: &'a [Vec<bool>],
    w: usize,
}

/// A region as it is gathered.
#[derive(Debug, Clone, Default)]
struct Gathered {
    claimed: u8,
    /// [`DARKER`] or [`BRIGHTER`].
    side: u8,
    pixels: u32,
    clear: u32,
    /// Pixels whose 8 neighbours all lie in the region.
    core: u32,
    grey_sum: u64,
    bbox: [u32; 4],
}

/// 8-connected regions of pixels with one label leaning to one side (a grain's pixels may
/// lean to two classes of nearly one grey, plagioclase and glass: one region still).
fn regions(m: &Maps<'_>) -> Vec<Gathered> {
    let n = m.truth.len();
    let mut seen = vec![false; n];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..n {
        if seen[start] || m.lean[start] == NONE {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let key = (m.truth[start], m.lean[start]);
        let mut r = Gathered {
            claimed: key.0,
            side: key.1,
            bbox: [u32::MAX, u32::MAX, 0, 0],
            ..Gathered::default()
        };
        while let Some(i) = stack.pop() {
            r.add(m, i);
            let mut inside = 0;
            for j in neighbours8(i, m.w, n) {
                if (m.truth[j], m.lean[j]) == key {
                    inside += 1;
                    if !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
            r.core += u32::from(inside == 8);
        }
        out.push(r);
    }
    out
}

fn neighbours8(i: usize, w: usize, n: usize) -> impl Iterator<Item = usize> {
    let (x, y) = ((i % w) as isize, (i / w) as isize);
    let (wi, h) = (w as isize, (n / w) as isize);
    (-1..=1isize)
        .flat_map(move |dy| (-1..=1isize).map(move |dx| (x + dx, y + dy)))
        .filter(move |&(nx, ny)| {
            (nx, ny) != (x, y) && (0..wi).contains(&nx) && (0..h).contains(&ny)
        })
        .map(move |(nx, ny)| (ny * wi + nx) as usize)
}

impl Gathered {
    fn add(&mut self, m: &Maps<'_>, i: usize) {
        self.pixels += 1;
        self.grey_sum += u64::from(m.grey[i]);
        let (x, y) = ((i % m.w) as u32, (i / m.w) as u32);
        self.bbox = [
            self.bbox[0].min(x),
            self.bbox[1].min(y),
            self.bbox[2].max(x),
            self.bbox[3].max(y),
        ];
        if m.inner[i] {
            self.clear += u32::from(self.leans_clearly(m, i));
        }
    }

    /// The pixel's 3×3 mean is nearer another class's centre, on the region's side, by more
    /// than the claimed class's spread, and by at least 4 grey levels.
    fn leans_clearly(&self, m: &Maps<'_>, i: usize) -> bool {
        let c = usize::from(self.claimed);
        let Some(Some(own)) = m.centres.get(c) else {
            return false;
        };
        let s = f64::from(m.sums[i]);
        let side = if s < own.median { DARKER } else { BRIGHTER };
        side == self.side
            && nearest_other(c, s, m.centres, m.apart)
                .is_some_and(|(_, d)| d < (s - own.median).abs() - own.spread.max(36.0))
    }

    /// The region with the class whose centre lies nearest its mean grey.
    fn finish(self, centres: &[Option<Centre>], apart: &[Vec<bool>]) -> Option<OddRegion> {
        let c = usize::from(self.claimed);
        let own = centres.get(c)?.as_ref()?;
        let grey = self.grey_sum as f64 / f64::from(self.pixels.max(1));
        let (k, _) = nearest_other(c, grey * 9.0, centres, apart)?;
        let other = centres[k].as_ref()?;
        let z = |c: &Centre| (grey * 9.0 - c.median).abs() / c.spread;
        Some(OddRegion {
            claimed: self.claimed,
            resembles: k as u8,
            pixels: self.pixels,
            grey,
            claimed_centre: own.median / 9.0,
            claimed_spread: own.spread / 9.0,
            resembled_centre: other.median / 9.0,
            resembled_spread: other.spread / 9.0,
            evidence: ((z(own) - z(other)) / 2.0).clamp(-1.0, 1.0),
            bbox: self.bbox,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests;
