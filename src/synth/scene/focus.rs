//! Where an operator framed the field of view: the constituent under the window centre.
//!
//! Most fields are centred on a constituent in proportion to the rock's modal composition
//! (stratified over a sample in `plan`), so that tiles that see only one or two grains still add
//! up to the sample's mode. A few are framed on an accessory grain (zircon, phosphate) in a
//! mesostasis pocket, as operators hunting accessories do.

use serde::Serialize;

use super::accessory::{Accessories, Hunt, hunted};
use super::grains::Kind;
use crate::rng::Rng;
use crate::synth::canvas::Primitive;
use crate::synth::rock::RockSpec;
use crate::synth::shape::{Pt, Shape, unit_dir};

/// The constituent an operator centred the field of view on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Focus {
    /// The pyroxene groundmass: every grain covering the window centre is removed, so the
    /// centre shows groundmass.
    Pyroxene,
    /// A plagioclase lath moved under the window centre.
    Plagioclase,
    /// An oxide grain (ilmenite lath or spinel) moved under the window centre.
    Oxide,
    /// A mesostasis pocket moved under the window centre.
    Mesostasis,
    /// A silica or glass pocket moved under the window centre.
    Silica,
    /// An olivine phenocryst moved under the window centre.
    Olivine,
    /// A zircon grain in a mesostasis pocket.
    Zircon,
    /// A phosphate grain (apatite needle or merrillite) in a mesostasis pocket.
    Phosphate,
}

impl Focus {
    /// The foci chosen by modal composition, in the order of [`Focus::weights`].
    pub const ALL: [Self; 6] = [
        Self::Pyroxene,
        Self::Plagioclase,
        Self::Oxide,
        Self::Mesostasis,
        Self::Silica,
        Self::Olivine,
    ];

    /// How often an operator centres on each of [`Focus::ALL`]: the rock's modal fractions.
    pub fn weights(rock: &RockSpec) -> [f64; 6] {
        let m = &rock.modal;
        [
            m.pyroxene,
            m.plagioclase,
            m.oxides,
            m.mesostasis,
            m.silica,
            m.olivine,
        ]
    }

    fn kind(self) -> Option<Kind> {
        match self {
            Self::Pyroxene => None,
            Self::Plagioclase => Some(Kind::Plagioclase),
            Self::Oxide => Some(Kind::Oxide),
            Self::Mesostasis | Self::Zircon | Self::Phosphate => Some(Kind::Mesostasis),
            Self::Silica => Some(Kind::Silica),
            Self::Olivine => Some(Kind::Olivine),
        }
    }
}

/// The scene's layer order and where accessories sit in the list of layers.
#[derive(Clone, Copy)]
pub(crate) struct Slots<'a> {
    /// The layers in painter's order.
    pub order: &'a [Kind],
    /// Index in `order` before which the accessories' own layer is inserted.
    pub accessory: usize,
}

impl Slots<'_> {
    fn of(self, kind: Kind) -> usize {
        let index = self.order.iter().position(|&k| k == kind).unwrap_or(0);
        if index >= self.accessory {
            index + 1
        } else {
            index
        }
    }
}

/// Translates a grain so that the window centre lies inside it, mostly near its outline so
/// that even a small field shows a grain boundary.
fn place(rng: &mut Rng, outline: &Shape, centre: Pt, window: f64) -> Pt {
    let dir = unit_dir(rng.angle());
    let radius = outline.radius_along(dir);
    let t = if rng.chance(0.85) {
        (1.0 - rng.f64() * window / (3.0 * radius)).max(0.0)
    } else {
        rng.f64().sqrt()
    };
    [
        centre[0] - t * radius * dir[0],
        centre[1] - t * radius * dir[1],
    ]
}

fn in_window(p: &Primitive, window: f64) -> bool {
    let b = p.shape.bbox();
    b[2] >= 0.0 && b[3] >= 0.0 && b[0] <= window && b[1] <= window
}

/// Removes what covers `centre` in the layers above `slot`, and the accessories that sat in
/// what was removed (when the accessories lie above `slot` too).
fn clear_above(layers: &mut [Vec<Primitive>], slots: Slots<'_>, slot: usize, centre: Pt) {
    let covers_centre =
        |p: &Primitive| p.shape.sd(centre) < 0.0 && p.clip.is_none_or(|c| c.sd(centre) < 0.0);
    let mut removed = Vec::new();
    for (i, layer) in layers.iter_mut().enumerate().skip(slot + 1) {
        if i != slots.accessory {
            removed.extend(layer.iter().filter(|p| covers_centre(p)).map(|p| p.shape));
            layer.retain(|p| !covers_centre(p));
        }
    }
    if slot < slots.accessory {
        let orphan = |p: &Primitive| {
            covers_centre(p) || removed.iter().any(|r| r.sd(p.shape.centre()) < 0.5)
        };
        layers[slots.accessory].retain(|p| !orphan(p));
    }
}

/// Makes the window centre fall in a grain of `focus`: removes what covers the centre above
/// the focus layer and adds a grain of the focus there (with an accessory grain at the centre
/// when the operator hunted one).
pub(crate) fn centre_on(
    layers: &mut [Vec<Primitive>],
    slots: Slots<'_>,
    focus: Focus,
    rock: &RockSpec,
    rates: &Accessories,
    window: f64,
    rng: &mut Rng,
) {
    let centre = [0.5 * window, 0.5 * window];
    let Some(kind) = focus.kind() else {
        clear_above(layers, slots, 0, centre);
        layers[0].retain(|p| p.shape.sd(centre) >= 0.0);
        return;
    };
    let slot = slots.of(kind);
    clear_above(layers, slots, slot, centre);
    let mut grain = kind.make(rng, [0.0, 0.0], rock);
    let shift = place(rng, &grain.outline, centre, window);
    for p in &mut grain.prims {
        p.shape.translate(shift);
        if let Some(c) = &mut p.clip {
            c.translate(shift);
        }
    }
    grain.outline.translate(shift);
    layers[slot].extend(grain.prims.into_iter().filter(|p| in_window(p, window)));
    if kind != Kind::Mesostasis {
        return;
    }
    let mut found = Vec::new();
    rates.in_pocket(rng, &grain.outline, &mut found);
    match focus {
        Focus::Zircon => hunted(rng, Hunt::Zircon, centre, &mut found),
        Focus::Phosphate => hunted(rng, Hunt::Phosphate, centre, &mut found),
        _ => {}
    }
    layers[slots.accessory].extend(found.into_iter().filter(|p| in_window(p, window)));
}
