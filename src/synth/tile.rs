//! One synthetic BSE tile, rendered in memory from a [`TileSpec`]: the rock in the field of
//! view, painted at three subsamples per pixel side, then imaged with the session's detector
//! settings ([`Acquisition`]). Deterministic: the same spec gives the same pixels.

use serde::Serialize;

use super::canvas::Canvas;
use super::imaging::{self, SS};
use super::phase::{reuter_eta, schema_class, zbar};
use super::rock::RockSpec;
use super::scene::{self, Focus};
use crate::dataset::raster::Grey8;
use crate::rng::{Rng, derive};

/// Which instrument the synthetic sessions come from: the ranges [`Acquisition`]s are drawn
/// from. `Other` is a second, differently tuned SEM, for testing how a model trained on
/// `Default` images holds up on a new instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Imaging {
    #[default]
    Default,
    Other,
}

/// Ranges of the session settings (all drawn uniform, gain and beam spot log-uniform).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ImagingRanges {
    /// Grey levels per unit η.
    pub gain: (f64, f64),
    /// Grey level of plagioclase (sets the offset).
    pub plagioclase_grey: (f64, f64),
    /// Share of fast scans.
    pub fast_share: f64,
    /// Shot-noise factor, detector noise σ and line jitter σ of fast scans.
    pub fast: [(f64, f64); 3],
    /// The same for slow scans.
    pub slow: [(f64, f64); 3],
    /// Beam spot FWHM, µm.
    pub beam_spot: (f64, f64),
    /// Relative shading across the field.
    pub shading: (f64, f64),
}

impl Imaging {
    pub fn is_default(&self) -> bool {
        *self == Self::Default
    }

    pub fn ranges(self) -> ImagingRanges {
        match self {
            Self::Default => ImagingRanges {
                gain: (800.0, 1700.0),
                plagioclase_grey: (60.0, 120.0),
                fast_share: 0.3,
                fast: [(0.5, 1.0), (2.0, 5.0), (1.0, 3.0)],
                slow: [(0.1, 0.35), (0.5, 2.0), (0.0, 0.6)],
                beam_spot: (0.05, 0.3),
                shading: (0.0, 0.04),
            },
            // Lower contrast, a brighter set point, noisier and more often fast scans, a wider
            // beam and stronger shading: every range moved, most of them outside the default's.
            Self::Other => ImagingRanges {
                gain: (550.0, 800.0),
                plagioclase_grey: (120.0, 160.0),
                fast_share: 0.5,
                fast: [(0.8, 1.4), (4.0, 8.0), (2.0, 4.0)],
                slow: [(0.3, 0.6), (2.0, 3.5), (0.5, 1.2)],
                beam_spot: (0.2, 0.5),
                shading: (0.04, 0.08),
            },
        }
    }
}

/// Detector settings of one SEM session (shared by all tiles of a site).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Acquisition {
    /// Grey levels per unit of backscatter coefficient η.
    pub gain: f64,
    /// Grey level at η = 0 (often negative: epoxy is then clipped to black).
    pub offset: f64,
    /// Shot-noise factor: noise variance is `shot_noise² · gain · η` (grey levels²).
    pub shot_noise: f64,
    /// Detector and amplifier noise σ in grey levels.
    pub detector_noise: f64,
    /// σ of a per-scan-line offset in grey levels (streaks of fast scans).
    pub line_jitter: f64,
    /// Beam spot FWHM in µm; the image blur σ is `beam_spot / 2.355 / pixel_size` pixels.
    pub beam_spot: f64,
    /// A fast (noisy) scan rather than a slow one.
    pub fast_scan: bool,
    /// Relative brightness change from one side of the field to the other (detector shading).
    pub shading: f64,
    /// Direction of the shading gradient, radians.
    pub shading_angle: f64,
}

/// η of plagioclase, the reference phase operators set brightness on.
fn plagioclase_eta() -> f64 {
    reuter_eta(zbar::PLAGIOCLASE)
}

impl Acquisition {
    /// Settings as operators leave them: plagioclase at grey 60–120, 800–1700 grey levels per
    /// unit η (so bright phases sometimes saturate at 255), slow or (30 %) fast scans, a beam
    /// spot of 0.05–0.3 µm.
    pub fn from_seed(seed: u64) -> Self {
        Self::draw(&mut Rng::new(seed), Imaging::Default)
    }

    pub(crate) fn draw(rng: &mut Rng, imaging: Imaging) -> Self {
        let r = imaging.ranges();
        let gain = rng.log_range(r.gain.0, r.gain.1);
        let plag_grey = rng.range(r.plagioclase_grey.0, r.plagioclase_grey.1);
        let fast_scan = rng.chance(r.fast_share);
        let [shot, det, line] =
            if fast_scan { r.fast } else { r.slow }.map(|(lo, hi)| rng.range(lo, hi));
        // Rounded, so that `synth.json` holds exactly the values the tiles were made with.
        let round = |x: f64, per_unit: f64| (x * per_unit).round() / per_unit;
        let gain = round(gain, 10.0);
        Self {
            gain,
            offset: round(plag_grey - gain * plagioclase_eta(), 100.0),
            shot_noise: round(shot, 1000.0),
            detector_noise: round(det, 1000.0),
            line_jitter: round(line, 1000.0),
            beam_spot: round(rng.log_range(r.beam_spot.0, r.beam_spot.1), 1e4),
            fast_scan,
            shading: round(rng.range(r.shading.0, r.shading.1), 1e4),
            shading_angle: round(rng.angle(), 1000.0),
        }
    }

    /// A moderate slow-scan session with no saturation: for tests and benchmarks.
    pub fn typical() -> Self {
        let gain = 1000.0;
        Self {
            gain,
            offset: 90.0 - gain * plagioclase_eta(),
            shot_noise: 0.25,
            detector_noise: 1.0,
            line_jitter: 0.2,
            beam_spot: 0.1,
            fast_scan: false,
            shading: 0.0,
            shading_angle: 0.0,
        }
    }
}

/// Everything that decides one tile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TileSpec {
    /// Seed of this tile's rock and noise.
    pub seed: u64,
    /// Width = height in pixels (> 0).
    pub size: u32,
    /// µm per pixel.
    pub pixel_size: f64,
    pub rock: RockSpec,
    pub acquisition: Acquisition,
    /// Constituent under the field centre, as an operator framed it; `None` for a random field.
    pub focus: Option<Focus>,
    /// Label zircon (9) and phosphate (10) apart; otherwise both are 9 (Other).
    pub extended_schema: bool,
}

/// A rendered tile.
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    /// 8-bit BSE image.
    pub image: Grey8,
    /// Class id per pixel, row-major, same size as the image.
    pub mask: Vec<u8>,
    /// µm per pixel.
    pub pixel_size: f64,
}

impl TileSpec {
    /// A tile of `rock` at `pixel_size` with typical settings and no chosen focus.
    pub fn new(seed: u64, size: u32, pixel_size: f64, rock: RockSpec) -> Self {
        Self {
            seed,
            size,
            pixel_size,
            rock,
            acquisition: Acquisition::typical(),
            focus: None,
            extended_schema: false,
        }
    }
}

/// Renders one tile in memory (pure: no I/O).
pub fn render_tile(spec: &TileSpec) -> Tile {
    let n = spec.size as usize;
    let window = n as f64 * spec.pixel_size;
    let mut scene_rng = Rng::new(derive(spec.seed, &[1]));
    let subsample = spec.pixel_size / SS as f64;
    let scene = scene::build(&spec.rock, window, subsample, spec.focus, &mut scene_rng);
    let mut canvas = Canvas::new(n * SS, subsample);
    canvas.paint_groundmass(&scene.groundmass, SS);
    for prim in &scene.primitives {
        canvas.paint(prim);
    }
    let (mut eta, labels) = imaging::integrate(&canvas, n);
    let sigma = spec.acquisition.beam_spot / 2.3548 / spec.pixel_size;
    crate::imaging::blur(&mut eta, n, sigma);
    let mut noise_rng = Rng::new(derive(spec.seed, &[2]));
    let pixels = imaging::expose(&eta, n, &spec.acquisition, &mut noise_rng);
    let mask = labels
        .into_iter()
        .map(|l| schema_class(l, spec.extended_schema))
        .collect();
    Tile {
        image: Grey8 {
            width: spec.size,
            height: spec.size,
            pixels,
        },
        mask,
        pixel_size: spec.pixel_size,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::rock::sample_rock;

    fn spec(focus: Focus, extended: bool) -> TileSpec {
        let mut spec = TileSpec::new(11, 64, 0.5, sample_rock(2).1);
        spec.focus = Some(focus);
        spec.extended_schema = extended;
        spec
    }

    #[test]
    fn rendering_is_pure_and_sized() {
        let a = render_tile(&spec(Focus::Plagioclase, false));
        let b = render_tile(&spec(Focus::Plagioclase, false));
        assert_eq!(a, b);
        assert_eq!((a.image.width, a.image.height), (64, 64));
        assert_eq!((a.image.pixels.len(), a.mask.len()), (64 * 64, 64 * 64));
        assert_eq!(
            a.mask[32 * 64 + 32],
            5,
            "the field is centred on plagioclase"
        );
    }

    #[test]
    fn hunted_accessories_sit_at_the_centre_with_the_schema_id() {
        let centre = 32 * 64 + 32;
        assert_eq!(render_tile(&spec(Focus::Zircon, true)).mask[centre], 9);
        assert_eq!(render_tile(&spec(Focus::Phosphate, true)).mask[centre], 10);
        let folded = render_tile(&spec(Focus::Phosphate, false));
        assert_eq!(folded.mask[centre], 9);
        assert!(folded.mask.iter().all(|&c| c < 10));
    }
}
