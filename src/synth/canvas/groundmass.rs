//! The pyroxene groundmass that fills the rock between the other grains: one zoned grain per
//! Voronoi cell, Mg-rich core grading into an Fe-rich (brighter) rim by distance to the grain
//! boundary. The cell coordinates are warped by smooth waves so that grain boundaries curve
//! instead of running straight.

use super::{BLOCK, Canvas, smoothstep};
use crate::rng::{Rng, unit};
use crate::synth::cells::{CellField, nearest_with_boundary};
use crate::synth::phase::{class, reuter_eta, zbar};
use crate::synth::shape::Pt;

/// A smooth displacement of the plane: two waves per axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Warp {
    /// Amplitude in µm (the displacement is at most 2.2 × this).
    pub amp: f64,
    /// Wavenumbers in rad/µm.
    pub k: [f64; 2],
    pub phase: [f64; 4],
}

/// A cheap sine: piecewise parabolas, continuous with a continuous slope, within 6 % of sin.
fn wave(x: f64) -> f64 {
    let t = x * (0.5 / std::f64::consts::PI);
    let mut f = t - (t as i64) as f64;
    if f < 0.0 {
        f += 1.0;
    }
    if f < 0.5 {
        16.0 * f * (0.5 - f)
    } else {
        -16.0 * (f - 0.5) * (1.0 - f)
    }
}

impl Warp {
    /// A warp with waves about `wavelength` µm long and `amp` µm high.
    pub(crate) fn random(rng: &mut Rng, wavelength: f64, amp: f64) -> Self {
        let k0 = std::f64::consts::TAU / (wavelength * rng.range(0.8, 1.3));
        let k1 = std::f64::consts::TAU / (wavelength * rng.range(0.4, 0.6));
        Self {
            amp,
            k: [k0, k1],
            phase: [rng.angle(), rng.angle(), rng.angle(), rng.angle()],
        }
    }

    fn apply(&self, p: Pt) -> Pt {
        let [k0, k1] = self.k;
        let [a, b, c, d] = self.phase;
        let dx = wave(k0 * p[1] + a) + 0.5 * wave(k1 * (p[0] + p[1]) + b);
        let dy = wave(k0 * p[0] + c) + 0.5 * wave(k1 * (p[0] - p[1]) + d);
        [p[0] + self.amp * dx, p[1] + self.amp * dy]
    }
}

/// The pyroxene groundmass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Groundmass {
    pub field: CellField,
    /// Typical width of the Fe-rich rim zone in µm.
    pub rim_depth: f64,
    pub warp: Warp,
}

impl Groundmass {
    /// η of a pyroxene grain (hashed properties) at `to_edge` µm from its boundary.
    fn eta(&self, hash: u64, to_edge: f64) -> f32 {
        let u = unit(hash);
        let core = if u < 0.65 {
            zbar::PIGEONITE
        } else {
            zbar::AUGITE
        };
        let z_core = core + 0.3 * (unit(hash.rotate_left(13)) - 0.5);
        let z_rim = zbar::FE_PYROXENE + 0.4 * (unit(hash.rotate_left(26)) - 0.5);
        let depth = self.rim_depth * (0.4 + 1.2 * unit(hash.rotate_left(39)));
        let z = z_rim + (z_core - z_rim) * smoothstep(to_edge / depth);
        reuter_eta(z) as f32
    }
}

impl Canvas {
    /// Paints the whole canvas with the groundmass. Its η varies smoothly (rims of
    /// neighbouring grains are alike), so it is evaluated once per `group × group` subsamples
    /// (one pixel).
    pub(crate) fn paint_groundmass(&mut self, gm: &Groundmass, group: usize) {
        let group = group.max(1);
        let step = group * (BLOCK / group).max(1);
        let extent = self.n as f64 * self.s;
        let reach = 2.2 * gm.warp.amp;
        let mut sites = Vec::new();
        for b in self.blocks([0.0, 0.0, extent, extent], step) {
            let (r, _, _) = self.rect(&b);
            gm.field.candidates(
                [r[0] - reach, r[1] - reach, r[2] + reach, r[3] + reach],
                2,
                &mut sites,
            );
            for gy in (b.y0..b.y1).step_by(group) {
                let py = (gy as f64 + 0.5 * group as f64) * self.s;
                for gx in (b.x0..b.x1).step_by(group) {
                    let p = gm
                        .warp
                        .apply([(gx as f64 + 0.5 * group as f64) * self.s, py]);
                    let (k, to_edge) = nearest_with_boundary(&sites, p);
                    let eta = gm.eta(sites[k].hash, to_edge);
                    let x1 = (gx + group).min(self.n);
                    for y in gy..(gy + group).min(self.n) {
                        let row = y * self.n;
                        self.label[row + gx..row + x1].fill(class::PYROXENE);
                        self.eta[row + gx..row + x1].fill(eta);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wave_is_close_to_sine() {
        for i in -200..200 {
            let x = f64::from(i) * 0.07;
            assert!((wave(x) - x.sin()).abs() < 0.06, "at {x}");
        }
    }

    #[test]
    fn pyroxene_rims_are_brighter_than_cores() {
        let gm = Groundmass {
            field: CellField {
                spacing: 40.0,
                seed: 5,
            },
            rim_depth: 8.0,
            warp: Warp::random(&mut Rng::new(2), 40.0, 4.0),
        };
        let mut canvas = Canvas::new(200, 1.0);
        canvas.paint_groundmass(&gm, 1);
        assert!(canvas.label.iter().all(|&l| l == class::PYROXENE));
        let lo = canvas.eta.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = canvas.eta.iter().copied().fold(0.0, f32::max);
        assert!(lo < 0.161 && hi > 0.175, "η range {lo}..{hi}");
    }
}
