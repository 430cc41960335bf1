//! The rock under one field of view: which grains, cracks and holes lie in a window of
//! `W × W` µm, generated layer by layer in painter's order so that each constituent's visible
//! area fraction matches the sample's modal target on average.
//!
//! Grains are scattered as a Boolean model: a layer that must stay visible over a fraction `f`
//! of the rock, under layers above it that cover fractions `c_j`, covers `c = f / Π(1 − c_j)`
//! of the plane, which takes `−ln(1 − c) / E[area]` grains per µm². Grains are placed over the
//! window widened by the layer's largest grain, so that a 5 µm window still lies inside the
//! right mix of millimetre grains. An operator's choice of field ([`Focus`]) then places one
//! grain of the chosen constituent under the window centre.

mod accessory;
mod focus;
mod grains;

pub use focus::Focus;

use super::canvas::{Groundmass, Primitive, Warp};
use super::cells::CellField;
use super::rock::RockSpec;
use super::shape::Shape;
use crate::rng::Rng;
use accessory::{Accessories, Parents};
use grains::Kind;

/// Painter's order above the groundmass; accessories sit between silica and olivine.
const ORDER: [Kind; 7] = [
    Kind::Plagioclase,
    Kind::Oxide,
    Kind::Mesostasis,
    Kind::Silica,
    Kind::Olivine,
    Kind::Hole,
    Kind::Crack,
];
const ACCESSORY_SLOT: usize = 4;
/// Share of the void target taken by holes; cracks and fractures take the rest.
const HOLE_SHARE: f64 = 0.75;

/// Everything to paint for one tile, in order.
pub(crate) struct Scene {
    pub groundmass: Groundmass,
    pub primitives: Vec<Primitive>,
}

fn target(kind: Kind, rock: &RockSpec) -> f64 {
    let m = &rock.modal;
    match kind {
        Kind::Plagioclase => m.plagioclase,
        Kind::Oxide => m.oxides,
        Kind::Mesostasis => m.mesostasis,
        Kind::Silica => m.silica,
        Kind::Olivine => m.olivine,
        Kind::Hole => m.void * HOLE_SHARE,
        Kind::Crack => m.void * (1.0 - HOLE_SHARE),
    }
}

/// Plane coverage per layer of [`ORDER`], and the share of the plane the layers above the
/// accessories leave visible.
fn covers(rock: &RockSpec) -> ([f64; 7], f64) {
    let m = &rock.modal;
    let mut cover = [0.0; 7];
    let mut above = 1.0; // Π(1 − c) over the layers above
    let mut acc_visible = 1.0;
    for i in (0..ORDER.len()).rev() {
        if i + 1 == ACCESSORY_SLOT {
            acc_visible = above;
            let acc = (m.troilite + m.metal + m.zircon + m.phosphate) / above;
            above *= 1.0 - acc.min(0.5);
        }
        cover[i] = (target(ORDER[i], rock) / above).min(0.95);
        above *= 1.0 - cover[i];
    }
    (cover, acc_visible)
}

/// Which parent list a layer's grains go to: mesostasis pockets, oxide grains, plagioclase.
fn parent_index(kind: Kind) -> Option<usize> {
    match kind {
        Kind::Mesostasis => Some(0),
        Kind::Oxide => Some(1),
        Kind::Plagioclase => Some(2),
        _ => None,
    }
}

fn in_window(prim: &Primitive, window: f64) -> bool {
    let b = prim.shape.bbox();
    b[2] >= 0.0 && b[3] >= 0.0 && b[0] <= window && b[1] <= window
}

/// A groundmass of pyroxene grains about 300 µm (times the grain-size factor) across.
fn groundmass(rock: &RockSpec, rng: &mut Rng) -> Groundmass {
    let spacing = 300.0 * rock.grain_scale * rng.range(0.75, 1.3);
    let warp = spacing * rng.range(0.08, 0.15);
    Groundmass {
        field: CellField {
            spacing,
            seed: rng.next_u64(),
        },
        rim_depth: spacing * rng.range(0.2, 0.4),
        warp: Warp::random(rng, spacing, warp),
    }
}

/// The grains of every layer of [`ORDER`] that reach the window, by layer slot; the outlines
/// of the parents of accessories (pockets, oxides, plagioclase); and grains per µm² per layer.
fn scatter(
    rock: &RockSpec,
    window: f64,
    rng: &mut Rng,
) -> (Vec<Vec<Primitive>>, [Vec<Shape>; 3], [f64; 7]) {
    let (cover, _) = covers(rock);
    let mut layers: Vec<Vec<Primitive>> = vec![Vec::new(); ORDER.len() + 1];
    let mut parents: [Vec<Shape>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut density = [0.0; 7];
    for (i, &kind) in ORDER.iter().enumerate() {
        density[i] = -(1.0 - cover[i]).ln() / kind.mean_area(rock);
        let margin = kind.margin(rock);
        let side = window + 2.0 * margin;
        let slot = if i >= ACCESSORY_SLOT { i + 1 } else { i };
        for _ in 0..rng.poisson(density[i] * side * side) {
            let c = [
                rng.range(-margin, window + margin),
                rng.range(-margin, window + margin),
            ];
            let grain = kind.make(rng, c, rock);
            if let Some(list) = parent_index(kind).map(|k| &mut parents[k]) {
                list.push(grain.outline);
            }
            layers[slot].extend(grain.prims.into_iter().filter(|p| in_window(p, window)));
        }
    }
    (layers, parents, density)
}

/// Builds the scene of a `window × window` µm field of view painted with `subsample` µm
/// subsamples.
pub(crate) fn build(
    rock: &RockSpec,
    window: f64,
    subsample: f64,
    focus: Option<Focus>,
    rng: &mut Rng,
) -> Scene {
    let groundmass = groundmass(rock, rng);
    let (mut layers, parents, density) = scatter(rock, window, rng);
    // Accessories far below a subsample change no pixel visibly: they are not painted.
    let counts = Parents {
        pockets: density[2],
        oxides: density[1],
        plagioclase: density[0],
    };
    let rates = Accessories::new(&rock.modal, covers(rock).1, &counts, 0.5 * subsample);
    let accessories = &mut layers[ACCESSORY_SLOT];
    for pocket in &parents[0] {
        rates.in_pocket(rng, pocket, accessories);
    }
    for (oxide, list) in [(true, &parents[1]), (false, &parents[2])] {
        for lath in list {
            rates.at_margin(rng, lath, oxide, accessories);
        }
    }
    accessories.retain(|p| in_window(p, window));
    if let Some(focus) = focus {
        let slots = focus::Slots {
            order: &ORDER,
            accessory: ACCESSORY_SLOT,
        };
        focus::centre_on(&mut layers, slots, focus, rock, &rates, window, rng);
    }
    Scene {
        groundmass,
        primitives: layers.into_iter().flatten().collect(),
    }
}
