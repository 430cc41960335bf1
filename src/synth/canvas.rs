//! The supersampled canvas: a class id and a backscatter coefficient η per subsample, painted
//! primitive by primitive in painter's order.
//!
//! Edges are anti-aliased: a primitive covering a fraction `a` of a subsample blends its η in
//! by `a` and takes the subsample's label when `a ≥ 0.5`. Thin laths, cracks and grains smaller
//! than a subsample use box-filtered coverage, so that their area (and hence their share of
//! grey) is kept even when they are far below one pixel. Whole blocks of subsamples that lie
//! inside or outside a primitive are filled or skipped without per-subsample tests.

use super::cells::{CellField, Site, nearest, nearest_with_boundary};
use super::phase::{class, reuter_eta, zbar};
use super::rng::unit;
use super::shape::{Pt, Region, Shape};

/// Side of the square blocks the painter classifies at once, in subsamples.
const BLOCK: usize = 16;

/// What a primitive paints inside its outline.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fill {
    /// One phase.
    Solid { class: u8, eta: f32 },
    /// A zoned grain: Z̄ goes from `z_rim` at the outline to `z_core` at `depth` µm inside.
    Zoned {
        class: u8,
        z_core: f64,
        z_rim: f64,
        depth: f64,
    },
    /// Mesostasis: a fine intergrowth of crystallites, all labelled late-stage melt.
    Texture(Texture),
}

/// The intergrowth inside a mesostasis pocket: Voronoi crystallites in a frame rotated to
/// `dir` and stretched by `stretch` along it, each one a phase drawn by `weights`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Texture {
    pub field: CellField,
    pub origin: Pt,
    pub dir: Pt,
    pub stretch: f64,
    /// (cumulative probability, η) per phase, the last cumulative probability 1.
    pub phases: Vec<(f64, f32)>,
}

/// One grain, crack or hole: outline, fill, and optionally a parent outline it stays inside.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Primitive {
    pub shape: Shape,
    pub fill: Fill,
    pub clip: Option<Shape>,
}

/// The pyroxene groundmass: one zoned grain per Voronoi cell, Mg-rich core to Fe-rich rim.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Groundmass {
    pub field: CellField,
    /// Typical width of the Fe-rich rim zone in µm.
    pub rim_depth: f64,
}

/// The supersampled label and η buffers, `n × n` subsamples of `s` µm, row-major.
pub(crate) struct Canvas {
    pub n: usize,
    pub s: f64,
    pub label: Vec<u8>,
    pub eta: Vec<f32>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Coverage {
    Area,
    Strip { half_len: f64, half_wid: f64 },
    Tiny { half_side: f64 },
}

/// A rectangle of subsample indices, half-open.
#[derive(Debug, Clone, Copy)]
struct Block {
    x0: usize,
    x1: usize,
    y0: usize,
    y1: usize,
}

/// Length of the overlap of `[d − s/2, d + s/2]` with `[−half, half]`.
fn overlap(d: f64, s: f64, half: f64) -> f64 {
    ((d + 0.5 * s).min(half) - (d - 0.5 * s).max(-half)).max(0.0)
}

fn smoothstep(t: f64) -> f64 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

impl Coverage {
    fn of(shape: &Shape, s: f64) -> Self {
        match *shape {
            Shape::Rect {
                half_len, half_wid, ..
            } if 2.0 * half_wid < s => Self::Strip { half_len, half_wid },
            Shape::Rect { .. } => Self::Area,
            _ if 2.0 * shape.extent() < s => Self::Tiny {
                half_side: 0.5 * shape.area().sqrt(),
            },
            _ => Self::Area,
        }
    }

    /// Covered fraction of the subsample at `p` and the depth of `p` inside the outline.
    fn eval(self, shape: &Shape, p: Pt, s: f64) -> (f64, f64) {
        match self {
            Self::Area => {
                let sd = shape.sd(p);
                ((0.5 - sd / s).clamp(0.0, 1.0), -sd)
            }
            Self::Strip { half_len, half_wid } => {
                let [u, v] = shape.local_of(p);
                (overlap(u, s, half_len) * overlap(v, s, half_wid) / (s * s), 0.0)
            }
            Self::Tiny { half_side } => {
                let c = shape.centre();
                let a = overlap(p[0] - c[0], s, half_side) * overlap(p[1] - c[1], s, half_side);
                (a / (s * s), 0.0)
            }
        }
    }
}

impl Fill {
    /// The label and η everywhere at least `depth` µm inside, if it does not vary there.
    fn uniform(&self, depth: f64) -> Option<(u8, f32)> {
        match *self {
            Self::Solid { class, eta } => Some((class, eta)),
            Self::Zoned {
                class,
                z_core,
                depth: zone,
                ..
            } if depth >= zone => Some((class, reuter_eta(z_core) as f32)),
            Self::Zoned { .. } | Self::Texture(_) => None,
        }
    }

    fn eval(&self, p: Pt, depth: f64, sites: &[Site]) -> (u8, f32) {
        match self {
            Self::Solid { class, eta } => (*class, *eta),
            Self::Zoned {
                class,
                z_core,
                z_rim,
                depth: zone,
            } => {
                let z = z_rim + (z_core - z_rim) * smoothstep(depth / zone);
                (*class, reuter_eta(z) as f32)
            }
            Self::Texture(t) => {
                let site = sites[nearest(sites, t.local(p))];
                let u = unit(site.hash);
                let eta = t.phases.iter().find(|ph| u < ph.0).map_or(0.14, |ph| ph.1);
                (class::MESOSTASIS, eta)
            }
        }
    }
}

impl Texture {
    fn local(&self, p: Pt) -> Pt {
        let (dx, dy) = (p[0] - self.origin[0], p[1] - self.origin[1]);
        let u = dx * self.dir[0] + dy * self.dir[1];
        let v = -dx * self.dir[1] + dy * self.dir[0];
        [u / self.stretch, v]
    }

    fn local_rect(&self, r: [f64; 4]) -> [f64; 4] {
        let corners = [[r[0], r[1]], [r[2], r[1]], [r[0], r[3]], [r[2], r[3]]];
        let mut out = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for c in corners {
            let q = self.local(c);
            out = [out[0].min(q[0]), out[1].min(q[1]), out[2].max(q[0]), out[3].max(q[1])];
        }
        out
    }
}

impl Canvas {
    /// A canvas of `n × n` subsamples of `s` µm, all void.
    pub(crate) fn new(n: usize, s: f64) -> Self {
        Self {
            n,
            s,
            label: vec![class::VOID; n * n],
            eta: vec![reuter_eta(zbar::EPOXY) as f32; n * n],
        }
    }

    fn at(&self, i: usize) -> f64 {
        (i as f64 + 0.5) * self.s
    }

    /// Subsample index range `[lo, hi)` whose centres lie in `[a, b]` widened by one subsample.
    fn span(&self, a: f64, b: f64) -> Option<(usize, usize)> {
        let lo = ((a / self.s) - 1.5).floor().max(0.0);
        let hi = ((b / self.s) + 1.5).ceil().min(self.n as f64);
        (hi > lo).then_some((lo as usize, hi as usize))
    }

    /// The block's rectangle in µm (subsample centres) and its centre and half-diagonal.
    fn rect(&self, b: &Block) -> ([f64; 4], Pt, f64) {
        let r = [self.at(b.x0), self.at(b.y0), self.at(b.x1 - 1), self.at(b.y1 - 1)];
        let centre = [0.5 * (r[0] + r[2]), 0.5 * (r[1] + r[3])];
        let h = 0.5 * (r[2] - r[0]).hypot(r[3] - r[1]);
        (r, centre, h)
    }

    fn blocks(&self, bbox: [f64; 4], step: usize) -> Vec<Block> {
        let (Some((x0, x1)), Some((y0, y1))) = (self.span(bbox[0], bbox[2]), self.span(bbox[1], bbox[3]))
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for by in (y0..y1).step_by(step) {
            for bx in (x0..x1).step_by(step) {
                out.push(Block {
                    x0: bx,
                    x1: (bx + step).min(x1),
                    y0: by,
                    y1: (by + step).min(y1),
                });
            }
        }
        out
    }

    /// Paints one primitive over what is already there.
    pub(crate) fn paint(&mut self, prim: &Primitive) {
        let s = self.s;
        let mode = Coverage::of(&prim.shape, s);
        let step = match &prim.fill {
            Fill::Texture(t) => ((t.field.spacing / s) as usize).clamp(1, BLOCK),
            _ => BLOCK,
        };
        let mut sites = Vec::new();
        for b in self.blocks(prim.shape.bbox(), step) {
            let (rect, centre, h) = self.rect(&b);
            let region = prim.shape.classify(centre, h + s);
            if region == Region::Outside {
                continue;
            }
            if let Fill::Texture(t) = &prim.fill {
                t.field.candidates(t.local_rect(rect), 1, &mut sites);
            }
            let inside = match region {
                Region::Inside { depth } if prim.clip.is_none() && mode == Coverage::Area => {
                    Some(depth)
                }
                _ => None,
            };
            if let Some((label, eta)) = inside.and_then(|d| prim.fill.uniform(d)) {
                self.fill_block(&b, label, eta);
            } else {
                self.paint_block(prim, mode, &b, inside.is_some(), &sites);
            }
        }
    }

    fn fill_block(&mut self, b: &Block, label: u8, eta: f32) {
        for y in b.y0..b.y1 {
            let row = y * self.n;
            self.label[row + b.x0..row + b.x1].fill(label);
            self.eta[row + b.x0..row + b.x1].fill(eta);
        }
    }

    fn paint_block(&mut self, prim: &Primitive, mode: Coverage, b: &Block, full: bool, sites: &[Site]) {
        let s = self.s;
        for y in b.y0..b.y1 {
            let py = self.at(y);
            for x in b.x0..b.x1 {
                let p = [self.at(x), py];
                let (cov, depth) = if full {
                    (1.0, -prim.shape.sd(p))
                } else {
                    mode.eval(&prim.shape, p, s)
                };
                if cov <= 0.0 || prim.clip.is_some_and(|c| c.sd(p) > 0.0) {
                    continue;
                }
                let (label, eta) = prim.fill.eval(p, depth, sites);
                let i = y * self.n + x;
                self.eta[i] += (cov as f32) * (eta - self.eta[i]);
                if cov >= 0.5 {
                    self.label[i] = label;
                }
            }
        }
    }

    /// Paints the whole canvas with the zoned pyroxene groundmass.
    pub(crate) fn paint_groundmass(&mut self, gm: &Groundmass) {
        let extent = self.n as f64 * self.s;
        let mut sites = Vec::new();
        for b in self.blocks([0.0, 0.0, extent, extent], BLOCK) {
            let (rect, _, _) = self.rect(&b);
            gm.field.candidates(rect, 2, &mut sites);
            for y in b.y0..b.y1 {
                let py = self.at(y);
                for x in b.x0..b.x1 {
                    let (k, to_edge) = nearest_with_boundary(&sites, [self.at(x), py]);
                    let i = y * self.n + x;
                    self.label[i] = class::PYROXENE;
                    self.eta[i] = gm.eta(sites[k].hash, to_edge);
                }
            }
        }
    }
}

impl Groundmass {
    /// η of a pyroxene grain (hashed properties) at `to_edge` µm from its boundary.
    fn eta(&self, hash: u64, to_edge: f64) -> f32 {
        let u = unit(hash);
        let core = if u < 0.65 { zbar::PIGEONITE } else { zbar::AUGITE };
        let z_core = core + 0.3 * (unit(hash.rotate_left(13)) - 0.5);
        let z_rim = zbar::FE_PYROXENE + 0.4 * (unit(hash.rotate_left(26)) - 0.5);
        let depth = self.rim_depth * (0.5 + unit(hash.rotate_left(39)));
        let z = z_rim + (z_core - z_rim) * smoothstep(to_edge / depth);
        reuter_eta(z) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::shape::unit_dir;

    fn solid(shape: Shape) -> Primitive {
        Primitive {
            shape,
            fill: Fill::Solid {
                class: class::TROILITE,
                eta: 1.0,
            },
            clip: None,
        }
    }

    fn painted_area(canvas: &Canvas, void_eta: f32) -> f64 {
        let sum: f64 = canvas.eta.iter().map(|&e| f64::from(e - void_eta)).sum();
        sum / f64::from(1.0 - void_eta) * canvas.s * canvas.s
    }

    #[test]
    fn grey_area_is_kept_for_grains_below_a_subsample() {
        // Subsamples of 2 µm; a 0.6 µm bleb and a 0.3 µm wide crack keep their area in η.
        for shape in [
            Shape::Ellipse {
                c: [21.3, 17.9],
                a: 0.3,
                b: 0.3,
                dir: unit_dir(0.0),
            },
            Shape::Rect {
                c: [30.0, 31.0],
                half_len: 12.0,
                half_wid: 0.15,
                dir: unit_dir(0.5),
            },
            Shape::blob([30.0, 30.0], 9.0, [0.2, 0.1, 0.05], [0.0, 1.0, 2.0]),
        ] {
            let mut canvas = Canvas::new(32, 2.0);
            let void_eta = canvas.eta[0];
            canvas.paint(&solid(shape));
            let got = painted_area(&canvas, void_eta);
            let want = shape.area();
            assert!((got - want).abs() < 0.05 * want + 0.02, "{shape:?}: {got} vs {want}");
            let labelled = canvas.label.iter().filter(|&&l| l == class::TROILITE).count();
            if shape.thickness() < 1.0 {
                assert_eq!(labelled, 0, "sub-subsample grains never win a label");
            }
        }
    }

    #[test]
    fn block_fill_and_per_subsample_paths_agree() {
        let blob = Shape::blob([40.0, 40.0], 30.0, [0.2, 0.1, 0.05], [0.5, 1.0, 2.0]);
        let mut fast = Canvas::new(100, 0.8);
        fast.paint(&solid(blob));
        let mut slow = Canvas::new(100, 0.8);
        let clip_all = Shape::blob([40.0, 40.0], 1e6, [0.0; 3], [0.0; 3]);
        let mut prim = solid(blob);
        prim.clip = Some(clip_all); // a clip disables the block fill
        slow.paint(&prim);
        assert_eq!(fast.label, slow.label);
        assert!(fast.eta.iter().zip(&slow.eta).all(|(a, b)| (a - b).abs() < 1e-6));
    }

    #[test]
    fn pyroxene_rims_are_brighter_than_cores() {
        let gm = Groundmass {
            field: CellField {
                spacing: 40.0,
                seed: 5,
            },
            rim_depth: 8.0,
        };
        let mut canvas = Canvas::new(200, 1.0);
        canvas.paint_groundmass(&gm);
        assert!(canvas.label.iter().all(|&l| l == class::PYROXENE));
        let lo = canvas.eta.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = canvas.eta.iter().copied().fold(0.0, f32::max);
        assert!(lo < 0.161 && hi > 0.175, "η range {lo}..{hi}");
    }
}
