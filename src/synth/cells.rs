//! Voronoi cell fields on a jittered grid: the pyroxene groundmass (one cell per grain) and the
//! fine intergrowth inside mesostasis pockets (one cell per crystallite).
//!
//! Sites are hashed from (field seed, cell index), so a field is defined everywhere without
//! storing it. The painter asks for the few sites that can be nearest anywhere in a block of
//! subsamples ([`CellField::candidates`]) and then tests only those per subsample.

use super::shape::{Pt, norm};
use crate::rng::{derive, unit};

/// A Voronoi tessellation with one site per `spacing`-sized grid cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CellField {
    /// Grid spacing in µm (about the mean cell diameter).
    pub spacing: f64,
    /// Hash seed of the sites.
    pub seed: u64,
}

/// One Voronoi site: position (µm) and a hash that decides the cell's properties.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Site {
    pub pos: Pt,
    pub hash: u64,
}

/// Fraction of a grid cell over which a site may wander from the cell centre.
const JITTER: f64 = 0.9;

impl CellField {
    fn site(&self, ix: i64, iy: i64) -> Site {
        let hash = derive(self.seed, &[ix as u64, iy as u64]);
        let jx = unit(hash) - 0.5;
        let jy = unit(hash.rotate_left(29)) - 0.5;
        Site {
            pos: [
                (ix as f64 + 0.5 + JITTER * jx) * self.spacing,
                (iy as f64 + 0.5 + JITTER * jy) * self.spacing,
            ],
            hash: hash.rotate_left(47),
        }
    }

    /// The site of the grid cell holding `q`.
    pub(crate) fn site_at(&self, q: Pt) -> Site {
        self.site(floor(q[0] / self.spacing), floor(q[1] / self.spacing))
    }

    /// The nearest site to `q` among the 3 × 3 cells around it: exact except in rare corner
    /// cases, which a random texture does not show.
    pub(crate) fn nearest_nearby(&self, q: Pt) -> Site {
        let ix = floor(q[0] / self.spacing);
        let iy = floor(q[1] / self.spacing);
        let mut best = (self.site(ix, iy), f64::INFINITY);
        for dy in -1..=1 {
            for dx in -1..=1 {
                let site = self.site(ix + dx, iy + dy);
                let d = (site.pos[0] - q[0]).powi(2) + (site.pos[1] - q[1]).powi(2);
                if d < best.1 {
                    best = (site, d);
                }
            }
        }
        best.0
    }

    fn push_sites(&self, rect: [f64; 4], grow: f64, out: &mut Vec<Site>) {
        let g = self.spacing;
        let ix0 = floor((rect[0] - grow) / g);
        let ix1 = floor((rect[2] + grow) / g);
        let iy0 = floor((rect[1] - grow) / g);
        let iy1 = floor((rect[3] + grow) / g);
        for iy in iy0..=iy1 {
            for ix in ix0..=ix1 {
                out.push(self.site(ix, iy));
            }
        }
    }

    /// Fills `out` with every site that can be among the `k` nearest (k = 1 or 2) to some
    /// point of `rect` = `[x0, y0, x1, y1]`.
    pub(crate) fn candidates(&self, rect: [f64; 4], k: usize, out: &mut Vec<Site>) {
        out.clear();
        self.push_sites(rect, self.spacing, out);
        let mut far: Vec<f64> = out.iter().map(|s| max_dist(rect, s.pos)).collect();
        far.sort_by(f64::total_cmp);
        let threshold = far[(k.max(1) - 1).min(far.len() - 1)];
        out.clear();
        self.push_sites(rect, threshold, out);
        out.retain(|s| min_dist(rect, s.pos) <= threshold);
    }
}

/// `x.floor()` as an integer without a libm call (the default x86-64 target has no SSE4.1).
fn floor(x: f64) -> i64 {
    let i = x as i64;
    if (i as f64) > x { i - 1 } else { i }
}

fn min_dist(rect: [f64; 4], p: Pt) -> f64 {
    let dx = (rect[0] - p[0]).max(p[0] - rect[2]).max(0.0);
    let dy = (rect[1] - p[1]).max(p[1] - rect[3]).max(0.0);
    norm(dx, dy)
}

fn max_dist(rect: [f64; 4], p: Pt) -> f64 {
    let dx = (p[0] - rect[0]).abs().max((p[0] - rect[2]).abs());
    let dy = (p[1] - rect[1]).abs().max((p[1] - rect[3]).abs());
    norm(dx, dy)
}

/// Index of the nearest site to `p` among `sites` (not empty).
pub(crate) fn nearest(sites: &[Site], p: Pt) -> usize {
    let mut best = (0, f64::INFINITY);
    for (i, s) in sites.iter().enumerate() {
        let d = (s.pos[0] - p[0]).powi(2) + (s.pos[1] - p[1]).powi(2);
        if d < best.1 {
            best = (i, d);
        }
    }
    best.0
}

/// The nearest site to `p` and the distance from `p` to the boundary with the second nearest
/// (µm, along the normal of their bisector); infinite when there is only one site.
pub(crate) fn nearest_with_boundary(sites: &[Site], p: Pt) -> (usize, f64) {
    let (mut i1, mut d1, mut i2, mut d2) = (0, f64::INFINITY, usize::MAX, f64::INFINITY);
    for (i, s) in sites.iter().enumerate() {
        let d = (s.pos[0] - p[0]).powi(2) + (s.pos[1] - p[1]).powi(2);
        if d < d1 {
            (i2, d2) = (i1, d1);
            (i1, d1) = (i, d);
        } else if d < d2 {
            (i2, d2) = (i, d);
        }
    }
    if i2 == usize::MAX {
        return (i1, f64::INFINITY);
    }
    let (a, b) = (sites[i1].pos, sites[i2].pos);
    let sep = norm(a[0] - b[0], a[1] - b[1]).max(1e-12);
    (i1, (d2 - d1) / (2.0 * sep))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_contain_the_true_nearest_two() {
        let field = CellField {
            spacing: 7.0,
            seed: 99,
        };
        let mut all = Vec::new();
        field.push_sites([-60.0, -60.0, 120.0, 120.0], 0.0, &mut all);
        let mut cands = Vec::new();
        for (rect, step) in [([3.0, 4.0, 9.0, 10.0], 0.5), ([0.0, 0.0, 40.0, 40.0], 2.0)] {
            field.candidates(rect, 2, &mut cands);
            let mut y = rect[1];
            while y <= rect[3] {
                let mut x = rect[0];
                while x <= rect[2] {
                    let p = [x, y];
                    let (ia, da) = nearest_with_boundary(&all, p);
                    let (ib, db) = nearest_with_boundary(&cands, p);
                    assert_eq!(all[ia], cands[ib], "nearest at {p:?}");
                    assert!((da - db).abs() < 1e-9, "boundary distance at {p:?}");
                    x += step;
                }
                y += step;
            }
        }
    }

    #[test]
    fn boundary_distance_is_half_way_between_two_sites() {
        let sites = [
            Site {
                pos: [0.0, 0.0],
                hash: 0,
            },
            Site {
                pos: [10.0, 0.0],
                hash: 1,
            },
        ];
        let (i, d) = nearest_with_boundary(&sites, [2.0, 3.0]);
        assert_eq!(i, 0);
        assert!((d - 3.0).abs() < 1e-12);
        assert_eq!(nearest(&sites, [7.0, -1.0]), 1);
    }
}
