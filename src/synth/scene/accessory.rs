//! Accessory grains: troilite and Fe-metal blebs (often together) in mesostasis pockets, at
//! ilmenite margins and between plagioclase laths; zircon prisms and phosphate (apatite
//! needles, merrillite blebs) in mesostasis. They are small and rare, so they are placed per parent grain, at the rates that
//! give the rock's modal targets on average. Their sizes follow steep power laws (many grains of
//! a few µm, few of 30–50 µm), so most of their area is in grains that coarse pixels cannot
//! resolve; grains far below a subsample are not painted at all.

use std::f64::consts::PI;

use crate::rng::Rng;
use crate::synth::canvas::{Fill, Primitive};
use crate::synth::phase::{class, reuter_eta, zbar};
use crate::synth::rock::Modal;
use crate::synth::shape::{Pt, Shape, unit_dir};
use crate::synth::size::SizeDist;

/// Chance that a troilite bleb carries a metal bleb, and that bleb's diameter ratio range.
const METAL_SATELLITE: f64 = 0.45;
/// Diameter of a satellite metal bleb over its troilite bleb's, uniform in 0.25–0.6.
const SATELLITE_RATIO: (f64, f64) = (0.25, 0.6);
/// Shares of troilite and metal blebs in mesostasis, at oxide margins, at plagioclase margins.
const SULFIDE_HOSTS: [f64; 3] = [0.35, 0.35, 0.3];
/// Sizes of the accessory grains an operator hunts for (µm): the findable ones.
const HUNTED: SizeDist = SizeDist::log(6.0, 30.0);
/// Share of phosphate grains that are apatite needles (the rest merrillite).
const APATITE_SHARE: f64 = 0.65;
/// Width of an apatite needle in µm, uniform in 0.5–2.5 (its length follows the size law).
const APATITE_WIDTH: (f64, f64) = (0.5, 2.5);
/// Length over width of a zircon prism, uniform in 1.5–3.
const ZIRCON_ASPECT: (f64, f64) = (1.5, 3.0);

/// The accessory grains placed per parent, each with its own size law ([`Kind::size`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Troilite, sometimes with a metal bleb on its margin.
    Sulfide,
    /// A kamacite (Fe metal) bleb on its own.
    Metal,
    /// A zircon prism (class Zircon).
    Zircon,
    /// An apatite needle (class Phosphate).
    Apatite,
    /// A merrillite bleb (class Phosphate).
    Merrillite,
}

const KINDS: [Kind; 5] = [
    Kind::Sulfide,
    Kind::Metal,
    Kind::Zircon,
    Kind::Apatite,
    Kind::Merrillite,
];

/// An accessory an operator framed a field on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hunt {
    /// A field framed on a zircon grain.
    Zircon,
    /// A field framed on a phosphate grain (apatite or merrillite).
    Phosphate,
}

fn solid(class: u8, z: f64) -> Fill {
    Fill::Solid {
        class,
        eta: reuter_eta(z) as f32,
    }
}

/// The mean of r² for a diameter ratio r uniform over [`SATELLITE_RATIO`]: the metal area
/// a troilite bleb brings along, relative to its own.
fn satellite_ratio_sq() -> f64 {
    let (a, b) = SATELLITE_RATIO;
    (b.powi(3) - a.powi(3)) / (3.0 * (b - a))
}

impl Kind {
    /// Diameter (blebs) or length (prisms, needles) in µm.
    fn size(self) -> SizeDist {
        match self {
            Self::Sulfide => SizeDist::power(1.0, 50.0, 3.2),
            Self::Metal => SizeDist::power(1.0, 30.0, 3.2),
            Self::Zircon => SizeDist::power(1.0, 30.0, 2.9),
            Self::Apatite => SizeDist::skewed(3.0, 30.0, 1.5),
            Self::Merrillite => SizeDist::power(1.0, 25.0, 2.9),
        }
    }

    /// Mean area of one grain in µm² (a troilite bleb without its satellite).
    fn mean_area(self) -> f64 {
        let d = self.size();
        match self {
            Self::Sulfide | Self::Metal | Self::Merrillite => PI / 4.0 * d.moment(2.0),
            Self::Zircon => {
                let (a, b) = ZIRCON_ASPECT;
                d.moment(2.0) * (b / a).ln() / (b - a)
            }
            Self::Apatite => d.moment(1.0) * 0.5 * (APATITE_WIDTH.0 + APATITE_WIDTH.1),
        }
    }

    fn make(self, rng: &mut Rng, c: Pt, size: f64, out: &mut Vec<Primitive>) {
        match self {
            Self::Sulfide => {
                out.push(bleb(rng, c, size, solid(class::TROILITE, zbar::TROILITE)));
                if rng.chance(METAL_SATELLITE) {
                    let dm = size * rng.range(SATELLITE_RATIO.0, SATELLITE_RATIO.1);
                    let dir = unit_dir(rng.angle());
                    let at = [c[0] + 0.5 * size * dir[0], c[1] + 0.5 * size * dir[1]];
                    out.push(bleb(rng, at, dm, solid(class::METAL, zbar::KAMACITE)));
                }
            }
            Self::Metal => out.push(bleb(rng, c, size, solid(class::METAL, zbar::KAMACITE))),
            Self::Zircon => {
                let wid = size / rng.range(ZIRCON_ASPECT.0, ZIRCON_ASPECT.1);
                out.push(prism(rng, c, size, wid, solid(class::ZIRCON, zbar::ZIRCON)));
            }
            Self::Apatite => {
                let wid = rng.range(APATITE_WIDTH.0, APATITE_WIDTH.1);
                out.push(prism(
                    rng,
                    c,
                    size,
                    wid,
                    solid(class::PHOSPHATE, zbar::APATITE),
                ));
            }
            Self::Merrillite => out.push(bleb(
                rng,
                c,
                size,
                solid(class::PHOSPHATE, zbar::MERRILLITE),
            )),
        }
    }
}

/// An elliptical bleb of mean diameter `d` µm (aspect 1–1.6, random orientation) at `c`.
fn bleb(rng: &mut Rng, c: Pt, d: f64, fill: Fill) -> Primitive {
    let aspect = rng.range(1.0, 1.6);
    let r = 0.5 * d;
    Primitive {
        shape: Shape::Ellipse {
            c,
            a: r * aspect.sqrt(),
            b: r / aspect.sqrt(),
            dir: unit_dir(rng.angle()),
        },
        fill,
        clip: None,
    }
}

/// A rectangle `len` × `wid` µm centred on `c`, randomly oriented.
fn prism(rng: &mut Rng, c: Pt, len: f64, wid: f64, fill: Fill) -> Primitive {
    Primitive {
        shape: Shape::Rect {
            c,
            half_len: 0.5 * len,
            half_wid: 0.5 * wid,
            dir: unit_dir(rng.angle()),
        },
        fill,
        clip: None,
    }
}

/// A uniform point inside `outline` (rejection from its bounding box).
fn point_inside(rng: &mut Rng, outline: &Shape) -> Pt {
    let b = outline.bbox();
    for _ in 0..32 {
        let p = [rng.range(b[0], b[2]), rng.range(b[1], b[3])];
        if outline.sd(p) < 0.0 {
            return p;
        }
    }
    outline.centre()
}

/// Parent grains per µm²: mesostasis pockets, oxide grains, plagioclase laths.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Parents {
    /// Mesostasis pockets per µm² of the plane.
    pub pockets: f64,
    /// Oxide grains (ilmenite, spinel) per µm².
    pub oxides: f64,
    /// Plagioclase laths per µm².
    pub plagioclase: f64,
}

/// Where accessories go and how many, per kind (in [`KINDS`] order).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Accessories {
    /// Expected grains per mesostasis pocket, per oxide grain, per plagioclase lath.
    per_parent: [[f64; 5]; 3],
    /// Grains smaller than this (µm) are not painted.
    min_size: f64,
}

impl Accessories {
    /// Rates for the accessory targets of `modal`, of which the layers painted above leave a
    /// fraction `visible`, given the parent grains per µm².
    pub(crate) fn new(modal: &Modal, visible: f64, parents: &Parents, min_size: f64) -> Self {
        let satellite_metal = modal.troilite * METAL_SATELLITE * satellite_ratio_sq();
        let targets = [
            modal.troilite,
            (modal.metal - satellite_metal).max(0.0),
            modal.zircon,
            modal.phosphate * APATITE_SHARE,
            modal.phosphate * (1.0 - APATITE_SHARE),
        ];
        let density = [parents.pockets, parents.oxides, parents.plagioclase];
        let mut per_parent = [[0.0; 5]; 3];
        for (i, kind) in KINDS.iter().enumerate() {
            let rate = targets[i] / visible.max(1e-6) / kind.mean_area();
            let hosts = match kind {
                Kind::Sulfide | Kind::Metal => SULFIDE_HOSTS,
                _ => [1.0, 0.0, 0.0],
            };
            // Hosts that are absent from the rock pass their share to the others.
            let present: f64 = (0..3).filter(|&h| density[h] > 0.0).map(|h| hosts[h]).sum();
            for h in 0..3 {
                if density[h] > 0.0 && present > 0.0 {
                    per_parent[h][i] = rate * hosts[h] / present / density[h];
                }
            }
        }
        Self {
            per_parent,
            min_size,
        }
    }

    /// Grains of `kind` at points from `at`, `mean` expected, none larger than `cap`.
    fn place(
        &self,
        rng: &mut Rng,
        (kind, mean): (Kind, f64),
        cap: f64,
        mut at: impl FnMut(&mut Rng) -> Pt,
        out: &mut Vec<Primitive>,
    ) {
        let (share, sizes) = kind.size().above(self.min_size);
        for _ in 0..rng.poisson(mean * share) {
            let c = at(rng);
            let size = sizes.sample(rng).min(cap);
            kind.make(rng, c, size, out);
        }
    }

    /// Accessories inside a mesostasis pocket, none larger than the pocket's radius.
    pub(crate) fn in_pocket(&self, rng: &mut Rng, pocket: &Shape, out: &mut Vec<Primitive>) {
        let cap = 0.5 * pocket.thickness();
        for (i, &kind) in KINDS.iter().enumerate() {
            let what = (kind, self.per_parent[0][i]);
            self.place(rng, what, cap, |r| point_inside(r, pocket), out);
        }
    }

    /// Blebs on the margins of an oxide grain (`oxide`) or a plagioclase lath.
    pub(crate) fn at_margin(
        &self,
        rng: &mut Rng,
        lath: &Shape,
        oxide: bool,
        out: &mut Vec<Primitive>,
    ) {
        let Shape::Rect {
            c,
            half_len,
            half_wid,
            dir,
        } = *lath
        else {
            return;
        };
        let margin = |r: &mut Rng| {
            let along = r.range(-1.0, 1.0) * half_len;
            let side = if r.chance(0.5) { half_wid } else { -half_wid };
            [
                c[0] + along * dir[0] - side * dir[1],
                c[1] + along * dir[1] + side * dir[0],
            ]
        };
        let rates = &self.per_parent[if oxide { 1 } else { 2 }];
        for (i, &kind) in KINDS.iter().enumerate() {
            if rates[i] > 0.0 {
                self.place(rng, (kind, rates[i]), half_len, margin, out);
            }
        }
    }
}

/// One findable accessory grain centred at `c`, as an operator hunting for it frames it.
pub(crate) fn hunted(rng: &mut Rng, hunt: Hunt, c: Pt, out: &mut Vec<Primitive>) {
    let kind = match hunt {
        Hunt::Zircon => Kind::Zircon,
        Hunt::Phosphate if rng.chance(APATITE_SHARE) => Kind::Apatite,
        Hunt::Phosphate => Kind::Merrillite,
    };
    let size = HUNTED.sample(rng);
    kind.make(rng, c, size, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::rock::sample_rock;

    #[test]
    fn expected_accessory_area_matches_the_targets() {
        let (_, rock) = sample_rock(0);
        let m = &rock.modal;
        let parents = Parents {
            pockets: 1e-4,
            oxides: 2e-4,
            plagioclase: 3e-5,
        };
        let acc = Accessories::new(m, 1.0, &parents, 0.0);
        let density = [parents.pockets, parents.oxides, parents.plagioclase];
        let area = |i: usize| {
            (0..3)
                .map(|h| acc.per_parent[h][i] * density[h])
                .sum::<f64>()
                * KINDS[i].mean_area()
        };
        assert!((area(0) / m.troilite - 1.0).abs() < 1e-9);
        assert!((area(2) / m.zircon - 1.0).abs() < 1e-9);
        assert!(((area(3) + area(4)) / m.phosphate - 1.0).abs() < 1e-9);
        // Metal comes as satellites of troilite first, then as blebs of its own.
        let satellites = area(0) * METAL_SATELLITE * satellite_ratio_sq();
        assert!(((area(1) + satellites) / m.metal.max(satellites) - 1.0).abs() < 1e-9);
        // Without mesostasis, sulfides move to the laths and zircon has nowhere to go.
        let no_pockets = Parents {
            pockets: 0.0,
            ..parents
        };
        let acc = Accessories::new(m, 1.0, &no_pockets, 0.0);
        let troilite: f64 = (1..3).map(|h| acc.per_parent[h][0] * density[h]).sum();
        assert!((troilite * KINDS[0].mean_area() / m.troilite - 1.0).abs() < 1e-9);
        assert!(acc.per_parent[0].iter().all(|&r| r <= 0.0));
    }
}
