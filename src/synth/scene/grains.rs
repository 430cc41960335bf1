//! Makers for the grains of each layer, with the sizes of `reference/BSE_PHYSICS.md`
//! (multiplied by the sample's grain-size factor) and the mean areas the scene needs to reach
//! the modal targets.
//!
//! All lengths are µm of the specimen, log-uniform between the table's bounds unless said
//! otherwise, and (cracks aside) multiplied by the sample's `grain_scale` before sampling.
//! Fills carry a mean atomic number Z̄ turned into a backscatter coefficient η (Reuter), so
//! the grey level of every grain follows its mineral's chemistry, not a hand-set value.

use std::f64::consts::PI;

use crate::rng::Rng;
use crate::synth::canvas::{Fill, Primitive, Texture};
use crate::synth::cells::CellField;
use crate::synth::phase::{class, reuter_eta, zbar};
use crate::synth::rock::{RockSpec, RockType};
use crate::synth::shape::{Pt, Shape, unit_dir};
use crate::synth::size::SizeDist;

/// Plagioclase lath length, 100–1000 µm.
const PLAG_LEN: SizeDist = SizeDist::log(100.0, 1000.0);
/// Plagioclase lath length over width, 3–10 (not scaled: a shape, not a size).
const PLAG_ASPECT: SizeDist = SizeDist::log(3.0, 10.0);
/// Ilmenite lath length, 50–500 µm.
const ILM_LEN: SizeDist = SizeDist::log(50.0, 500.0);
/// Ilmenite lath width, 10–50 µm, capped at half the lath's length.
const ILM_WID: SizeDist = SizeDist::log(10.0, 50.0);
/// Side of a spinel (ulvöspinel or chromite) grain, 10–80 µm.
const SPINEL: SizeDist = SizeDist::log(10.0, 80.0);
/// Diameter of a mesostasis pocket, 20–300 µm.
const MESO_D: SizeDist = SizeDist::log(20.0, 300.0);
/// Cell spacing of the mesostasis intergrowth texture, 1.5–5 µm (not scaled).
const MESO_CELL: SizeDist = SizeDist::log(1.5, 5.0);
/// Diameter of a silica or glass pocket, 10–200 µm.
const SILICA_D: SizeDist = SizeDist::log(10.0, 200.0);
/// Diameter of an olivine phenocryst, 200–2000 µm.
const OLIVINE_D: SizeDist = SizeDist::log(200.0, 2000.0);
/// Diameter of a vesicle or plucked hole, 50–1000 µm.
const HOLE_D: SizeDist = SizeDist::log(50.0, 1000.0);
/// Length of one straight crack segment, 30–300 µm (not scaled).
const CRACK_SEG: SizeDist = SizeDist::log(30.0, 300.0);
/// Crack width, 0.5–5 µm (not scaled); each segment varies it by ±20 % within these bounds.
const CRACK_WID: SizeDist = SizeDist::log(0.5, 5.0);
/// Width of an epoxy-filled fracture across an olivine grain, 0.5–4 µm (not scaled).
const FRACTURE_WID: SizeDist = SizeDist::log(0.5, 4.0);
/// Segments per crack: 3..=10.
const CRACK_SEGMENTS: (usize, usize) = (3, 10);
/// Harmonic amplitude limits (k = 2, 3, 5) of irregular pockets and rounder grains.
const IRREGULAR: [f64; 3] = [0.25, 0.15, 0.1];
const ROUNDED: [f64; 3] = [0.2, 0.06, 0.03];

/// The layers of the rock, in painter's order above the pyroxene groundmass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Plagioclase laths (An90), Z̄ jittered by ±0.1 per grain.
    Plagioclase,
    /// Ilmenite laths, and spinel (ulvöspinel or chromite) grains: 30 % of oxide grains in an
    /// olivine basalt, 8 % otherwise.
    Oxide,
    /// Pockets of fine intergrowth: glass, silica, fayalite and Fe-pyroxene cells in one texture.
    Mesostasis,
    /// Silica-class pockets: 60 % glass (K-glass Z̄), the rest cristobalite with 2–5 short
    /// shrinkage cracks.
    Silica,
    /// Rounded olivine phenocrysts zoned from an Fo70 core to an Fo50 rim, with 2–7 fractures.
    Olivine,
    /// Vesicles and plucked holes, filled with epoxy (class Void).
    Hole,
    /// Cracks: a random walk of 3–10 thin epoxy segments.
    Crack,
}

/// One generated grain: its outline and what to paint (the grain, then its fractures).
pub(crate) struct Grain {
    /// The grain's outer boundary, in µm: where later grains may not overlap and fractures clip.
    pub outline: Shape,
    /// What to paint, in order: the grain's body first, then any fractures across it.
    pub prims: Vec<Primitive>,
}

fn solid(class: u8, z: f64) -> Fill {
    Fill::Solid {
        class,
        eta: reuter_eta(z) as f32,
    }
}

fn epoxy() -> Fill {
    solid(class::VOID, zbar::EPOXY)
}

/// E[area factor] of a blob whose harmonic amplitudes are uniform up to `limits`.
fn blob_factor(limits: [f64; 3]) -> f64 {
    1.0 + 0.5 * limits.iter().map(|a| a * a / 3.0).sum::<f64>()
}

fn random_blob(rng: &mut Rng, c: Pt, r: f64, limits: [f64; 3]) -> Shape {
    let amp = limits.map(|a| rng.range(0.0, a));
    let phase = [rng.angle(), rng.angle(), rng.angle()];
    Shape::blob(c, r, amp, phase)
}

fn spinel_share(rock: &RockSpec) -> f64 {
    if rock.rock_type == RockType::OlivineBasalt {
        0.3
    } else {
        0.08
    }
}

impl Kind {
    /// Mean area of one grain in µm².
    pub(crate) fn mean_area(self, rock: &RockSpec) -> f64 {
        let g = rock.grain_scale;
        let disc = |d: SizeDist, limits| PI / 4.0 * d.scaled(g).moment(2.0) * blob_factor(limits);
        match self {
            Self::Plagioclase => PLAG_LEN.scaled(g).moment(2.0) * PLAG_ASPECT.moment(-1.0),
            Self::Oxide => {
                let sp = spinel_share(rock);
                let lath = ILM_LEN.scaled(g).moment(1.0) * ILM_WID.scaled(g).moment(1.0);
                (1.0 - sp) * lath + sp * SPINEL.scaled(g).moment(2.0)
            }
            Self::Mesostasis => disc(MESO_D, IRREGULAR),
            Self::Silica => disc(SILICA_D, IRREGULAR),
            Self::Olivine => disc(OLIVINE_D, ROUNDED),
            Self::Hole => 0.5 * disc(HOLE_D, [0.1, 0.0, 0.0]) + 0.5 * disc(HOLE_D, IRREGULAR),
            Self::Crack => {
                let segments = 0.5 * (CRACK_SEGMENTS.0 + CRACK_SEGMENTS.1) as f64;
                segments * CRACK_SEG.moment(1.0) * CRACK_WID.moment(1.0)
            }
        }
    }

    /// Largest distance from a grain's anchor to any of its pixels, in µm.
    pub(crate) fn margin(self, rock: &RockSpec) -> f64 {
        let g = rock.grain_scale;
        match self {
            Self::Plagioclase => 0.5 * PLAG_LEN.hi * g,
            Self::Oxide => 0.5 * ILM_LEN.hi * g + ILM_WID.hi * g,
            Self::Mesostasis => 0.5 * MESO_D.hi * g * 1.5,
            Self::Silica => 0.5 * SILICA_D.hi * g * 1.5,
            Self::Olivine => 0.5 * OLIVINE_D.hi * g * 1.5,
            Self::Hole => 0.5 * HOLE_D.hi * g * 1.5,
            Self::Crack => CRACK_SEGMENTS.1 as f64 * CRACK_SEG.hi + CRACK_WID.hi,
        }
    }

    /// A grain of this layer anchored at `c`.
    pub(crate) fn make(self, rng: &mut Rng, c: Pt, rock: &RockSpec) -> Grain {
        let g = rock.grain_scale;
        match self {
            Self::Plagioclase => {
                let len = PLAG_LEN.scaled(g).sample(rng);
                let wid = len / PLAG_ASPECT.sample(rng);
                let z = zbar::PLAGIOCLASE + rng.range(-0.1, 0.1);
                lath(rng, c, len, wid, solid(class::PLAGIOCLASE, z))
            }
            Self::Oxide => oxide(rng, c, rock),
            Self::Mesostasis => mesostasis(rng, c, g),
            Self::Silica => silica(rng, c, g),
            Self::Olivine => olivine(rng, c, g),
            Self::Hole => {
                let r = 0.5 * HOLE_D.scaled(g).sample(rng);
                let outline = if rng.chance(0.5) {
                    random_blob(rng, c, r, [0.1, 0.0, 0.0])
                } else {
                    random_blob(rng, c, r, IRREGULAR)
                };
                single(outline, epoxy())
            }
            Self::Crack => crack(rng, c),
        }
    }
}

fn single(outline: Shape, fill: Fill) -> Grain {
    Grain {
        outline,
        prims: vec![Primitive {
            shape: outline,
            fill,
            clip: None,
        }],
    }
}

fn lath(rng: &mut Rng, c: Pt, len: f64, wid: f64, fill: Fill) -> Grain {
    let outline = Shape::Rect {
        c,
        half_len: 0.5 * len,
        half_wid: 0.5 * wid,
        dir: unit_dir(rng.angle()),
    };
    single(outline, fill)
}

fn oxide(rng: &mut Rng, c: Pt, rock: &RockSpec) -> Grain {
    let g = rock.grain_scale;
    if rng.chance(spinel_share(rock)) {
        let side = SPINEL.scaled(g).sample(rng);
        let z = if rng.chance(0.5) {
            zbar::ULVOSPINEL
        } else {
            zbar::CHROMITE
        };
        let aspect = rng.range(1.0, 1.4);
        return lath(
            rng,
            c,
            side * aspect.sqrt(),
            side / aspect.sqrt(),
            solid(class::OXIDE, z),
        );
    }
    let len = ILM_LEN.scaled(g).sample(rng);
    let wid = ILM_WID.scaled(g).sample(rng).min(0.5 * len);
    lath(rng, c, len, wid, solid(class::OXIDE, zbar::ILMENITE))
}

fn mesostasis(rng: &mut Rng, c: Pt, g: f64) -> Grain {
    let r = 0.5 * MESO_D.scaled(g).sample(rng);
    let outline = random_blob(rng, c, r, IRREGULAR);
    // Glass, silica, fayalite and hedenbergite crystallites, a few µm each.
    let eta = |z: f64| reuter_eta(z) as f32;
    let glass = rng.range(0.35, 0.55);
    let silica = glass + rng.range(0.15, 0.3);
    let fayalite = silica + rng.range(0.1, 0.25);
    let texture = Texture {
        field: CellField {
            spacing: MESO_CELL.sample(rng),
            seed: rng.next_u64(),
        },
        origin: c,
        dir: unit_dir(rng.angle()),
        stretch: rng.range(1.0, 3.0),
        phases: vec![
            (glass, eta(zbar::K_GLASS)),
            (silica, eta(zbar::SILICA)),
            (fayalite, eta(zbar::FAYALITE)),
            (1.0, eta(zbar::FE_PYROXENE)),
        ],
    };
    single(outline, Fill::Texture(texture))
}

fn silica(rng: &mut Rng, c: Pt, g: f64) -> Grain {
    let r = 0.5 * SILICA_D.scaled(g).sample(rng);
    let outline = random_blob(rng, c, r, IRREGULAR);
    if rng.chance(0.6) {
        return single(outline, solid(class::SILICA, zbar::K_GLASS));
    }
    // Cristobalite, with its curved shrinkage cracks drawn as short straight ones.
    let mut grain = single(outline, solid(class::SILICA, zbar::SILICA));
    let cracks = 2 + rng.below(4);
    add_fractures(rng, &mut grain, cracks, SizeDist::log(0.3, 1.5));
    grain
}

fn olivine(rng: &mut Rng, c: Pt, g: f64) -> Grain {
    let r = 0.5 * OLIVINE_D.scaled(g).sample(rng);
    let outline = random_blob(rng, c, r, ROUNDED);
    let fill = Fill::Zoned {
        class: class::OLIVINE,
        z_core: zbar::FO70 + rng.range(-0.2, 0.2),
        z_rim: zbar::FO50 + rng.range(-0.2, 0.2),
        depth: r * rng.range(0.1, 0.3),
    };
    let mut grain = single(outline, fill);
    let fractures = 2 + rng.below(6);
    add_fractures(rng, &mut grain, fractures, FRACTURE_WID);
    grain
}

/// Adds epoxy-filled fractures across the grain, clipped to its outline.
fn add_fractures(rng: &mut Rng, grain: &mut Grain, count: usize, width: SizeDist) {
    let c = grain.outline.centre();
    let r = grain.outline.extent();
    for _ in 0..count {
        let off = unit_dir(rng.angle());
        let d = rng.range(0.0, 0.7) * r;
        grain.prims.push(Primitive {
            shape: Shape::Rect {
                c: [c[0] + d * off[0], c[1] + d * off[1]],
                half_len: r * rng.range(0.3, 1.1),
                half_wid: 0.5 * width.sample(rng),
                dir: unit_dir(rng.angle()),
            },
            fill: epoxy(),
            clip: Some(grain.outline),
        });
    }
}

/// A crack: a random walk of thin segments starting at `c`.
fn crack(rng: &mut Rng, c: Pt) -> Grain {
    let segments = CRACK_SEGMENTS.0 + rng.below(CRACK_SEGMENTS.1 - CRACK_SEGMENTS.0 + 1);
    let mut width = CRACK_WID.sample(rng);
    let mut angle = rng.angle();
    let mut at = c;
    let mut prims = Vec::with_capacity(segments);
    for _ in 0..segments {
        let len = CRACK_SEG.sample(rng);
        let dir = unit_dir(angle);
        let mid = [at[0] + 0.5 * len * dir[0], at[1] + 0.5 * len * dir[1]];
        prims.push(Primitive {
            shape: Shape::Rect {
                c: mid,
                half_len: 0.5 * len + 0.5 * width,
                half_wid: 0.5 * width,
                dir,
            },
            fill: epoxy(),
            clip: None,
        });
        at = [at[0] + len * dir[0], at[1] + len * dir[1]];
        angle += rng.range(-0.35, 0.35);
        width = (width * rng.range(0.8, 1.2)).clamp(CRACK_WID.lo, CRACK_WID.hi);
    }
    Grain {
        outline: prims[0].shape,
        prims,
    }
}
