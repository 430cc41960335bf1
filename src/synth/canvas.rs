//! The supersampled canvas: a class id and a backscatter coefficient η per subsample, painted
//! primitive by primitive in painter's order.
//!
//! Edges are anti-aliased: a primitive covering a fraction `a` of a subsample blends its η in
//! by `a` and takes the subsample's label when `a ≥ 0.5`. Thin laths, cracks and grains smaller
//! than a subsample use box-filtered coverage, so that their area (and hence their share of
//! grey) is kept even when they are far below one pixel. The painting itself is in `paint`.
//!
//! Coordinates are µm from the tile's top-left corner, x right and y down; subsample `(i, j)`
//! has its centre at `((i + ½)·s, (j + ½)·s)`. A fresh canvas is all epoxy (class Void, η of
//! epoxy), so whatever no primitive covers reads as a hole.

use super::cells::{CellField, Site, nearest};
use super::phase::{class, reuter_eta, zbar};
use super::shape::{Pt, Shape, norm};
use crate::rng::unit;

mod groundmass;
mod paint;

pub(crate) use groundmass::{Groundmass, Warp};

/// Side of the square blocks the painter classifies at once, in subsamples.
const BLOCK: usize = 16;

/// What a primitive paints inside its outline.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fill {
    /// One phase.
    /// `class` is the id painted (extended schema), `eta` the phase's backscatter coefficient.
    Solid { class: u8, eta: f32 },
    /// A zoned grain: Z̄ goes from `z_rim` at the outline to `z_core` at `depth` µm inside.
    Zoned {
        class: u8,
        /// Z̄ reached `depth` µm inside the outline and kept inward (the core).
        z_core: f64,
        /// Z̄ at the outline; between rim and core Z̄ follows a smoothstep in depth.
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
    /// The crystallite cells: one Voronoi site per cell of the field's spacing (µm).
    pub field: CellField,
    /// Point (µm) the rotated, stretched frame is centred on.
    pub origin: Pt,
    /// Unit vector of the stretch axis.
    pub dir: Pt,
    /// Elongation of crystallites along `dir` (≥ 1: cells stretched by this factor).
    pub stretch: f64,
    /// (cumulative probability, η) per phase, the last cumulative probability 1.
    pub phases: Vec<(f64, f32)>,
}

/// How a texture finds the crystallite under a point.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lookup<'a> {
    /// Among the sites that can be nearest in the current block.
    Candidates(&'a [Site]),
    /// Among the 3 × 3 cells around the point.
    Nearby,
    /// The site of the cell holding the point: for crystallites smaller than a subsample,
    /// whose exact outlines no pixel can show.
    Cell,
}

/// One grain, crack or hole: outline, fill, and optionally a parent outline it stays inside.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Primitive {
    /// Outline in µm.
    pub shape: Shape,
    /// What it paints inside the outline.
    pub fill: Fill,
    /// The parent grain the primitive is cut to (fractures stay inside their olivine).
    pub clip: Option<Shape>,
}

/// The supersampled label and η buffers, `n × n` subsamples of `s` µm, row-major.
pub(crate) struct Canvas {
    /// Subsamples per side: the canvas covers `n · s` µm square.
    pub n: usize,
    /// Side of one subsample in µm (the pixel size over the 3 subsamples per pixel side).
    pub s: f64,
    /// Class id per subsample, `n × n`, row-major.
    pub label: Vec<u8>,
    /// Backscatter coefficient η per subsample, `n × n`, row-major (0–1; about 0.08 for epoxy).
    pub eta: Vec<f32>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Coverage {
    /// Coverage from the outline's signed distance over one subsample (outlines wider than one).
    Area,
    /// Exact box-filtered coverage of a rectangle thinner than a subsample (laths, cracks).
    Strip { half_len: f64, half_wid: f64 },
    /// A grain smaller than a subsample, as a square of the same area.
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

pub(crate) fn smoothstep(t: f64) -> f64 {
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
                (
                    overlap(u, s, half_len) * overlap(v, s, half_wid) / (s * s),
                    0.0,
                )
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

    /// The label and η at `depth` µm inside, if they do not depend on the position.
    fn at_depth(&self, depth: f64) -> Option<(u8, f32)> {
        match self {
            Self::Texture(_) => None,
            _ => Some(self.eval([0.0, 0.0], depth, Lookup::Nearby)),
        }
    }

    fn eval(&self, p: Pt, depth: f64, lookup: Lookup<'_>) -> (u8, f32) {
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
                let q = t.local(p);
                let site = match lookup {
                    Lookup::Candidates(sites) => sites[nearest(sites, q)],
                    Lookup::Nearby => t.field.nearest_nearby(q),
                    Lookup::Cell => t.field.site_at(q),
                };
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
        let mut out = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for c in corners {
            let q = self.local(c);
            out = [
                out[0].min(q[0]),
                out[1].min(q[1]),
                out[2].max(q[0]),
                out[3].max(q[1]),
            ];
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
        let r = [
            self.at(b.x0),
            self.at(b.y0),
            self.at(b.x1 - 1),
            self.at(b.y1 - 1),
        ];
        let centre = [0.5 * (r[0] + r[2]), 0.5 * (r[1] + r[3])];
        let h = 0.5 * norm(r[2] - r[0], r[3] - r[1]);
        (r, centre, h)
    }

    fn blocks(&self, bbox: [f64; 4], step: usize) -> Vec<Block> {
        let (Some((x0, x1)), Some((y0, y1))) =
            (self.span(bbox[0], bbox[2]), self.span(bbox[1], bbox[3]))
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

    fn fill_block(&mut self, b: &Block, label: u8, eta: f32) {
        for y in b.y0..b.y1 {
            let row = y * self.n;
            self.label[row + b.x0..row + b.x1].fill(label);
            self.eta[row + b.x0..row + b.x1].fill(eta);
        }
    }
}
