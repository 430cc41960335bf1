//! The dataset plan: which samples, sites and tiles a config asks for, with every random
//! choice that spans tiles made here, up front and in a fixed order, so that tiles can then be
//! rendered in parallel from their own seeds.
//!
//! A sample has sites of 4–6 tiles (one SEM session each: shared pixel size and detector
//! settings); unlabelled images form extra sites. Pixel sizes are log-uniform per site,
//! stratified within a sample so that each sample spans the range. Where the operator centred
//! each labelled tile is stratified over the sample's modal composition, so that a sample's
//! masks taken together keep its rock type even when most tiles see one or two grains.

use serde::Serialize;

use super::SynthConfig;
use super::rock::{RockSpec, sample_rock};
use super::scene::Focus;
use super::tile::Acquisition;
use crate::rng::{Rng, derive};

/// First element of the [`derive()`] path of a sample's own choices (sites, pixel sizes, foci):
/// distinct streams keep a sample's, a site's and a tile's random draws independent.
const STREAM_SAMPLE: u64 = 1;
/// Stream of a site's detector settings ([`Acquisition::draw`]).
const STREAM_SITE: u64 = 2;
/// Stream of a tile's own seed, from which everything inside the tile is drawn.
const STREAM_TILE: u64 = 3;

/// One tile to render.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TilePlan {
    /// File stem, `{sample}_s{site:02}-t{tile:02}`.
    pub name: String,
    /// The constituent the operator centred the field on; labelled tiles take theirs from the
    /// stratified list, unlabelled ones draw it from the same modal weights.
    pub focus: Option<Focus>,
    /// Seed of the tile's scene and noise, derived from the config's seed and the path
    /// (tile stream, sample, site, tile).
    pub seed: u64,
}

/// One SEM session: tiles sharing pixel size and detector settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct SitePlan {
    /// Site number within the sample, from 1; labelled sites come first.
    pub site: usize,
    /// µm per pixel, rounded to the 4 decimals written in the pixel-size files.
    pub pixel_size: f64,
    /// Whether the site's tiles get masks written (unlabelled sites get images only).
    pub labelled: bool,
    /// Tiles in the site: 4–7, or all of them when the sample has fewer than 4 of the kind.
    pub tile_count: usize,
    /// The session's detector settings (gain, offset, blur, noise), shared by its tiles.
    pub acquisition: Acquisition,
    /// The site's tiles in file order (not written to `synth.json`).
    #[serde(skip)]
    pub tiles: Vec<TilePlan>,
}

/// One sample folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct SamplePlan {
    /// Sample folder name, from the sample's rock (`sample_rock(index)`).
    pub name: String,
    /// The sample's rock type, modal composition and grain-size factor.
    #[serde(flatten)]
    pub rock: RockSpec,
    /// Labelled sites first, then the sample's share of the unlabelled images as extra sites.
    pub sites: Vec<SitePlan>,
}

/// Site sizes of 4–6 tiles covering `n` tiles (7 when that avoids a site of fewer than 4).
fn site_sizes(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut left = n;
    while left > 0 {
        if left <= 7 {
            sizes.push(left);
            break;
        }
        let mut take = 4 + rng.below(3);
        if left - take < 4 {
            take = left - 4;
        }
        sizes.push(take);
        left -= take;
    }
    sizes
}

/// Log-uniform pixel sizes for `k` sites, one per stratum of the log range, shuffled.
fn pixel_sizes(rng: &mut Rng, k: usize, cfg: &SynthConfig) -> Vec<f64> {
    let (lo, hi) = (cfg.pixel_size_min.ln(), cfg.pixel_size_max.ln());
    let mut strata: Vec<usize> = (0..k).collect();
    rng.shuffle(&mut strata);
    strata
        .into_iter()
        .map(|i| {
            let u = (i as f64 + rng.f64()) / k as f64;
            let px = (lo + (hi - lo) * u).exp();
            ((px * 1e4).round() / 1e4).max(1e-4)
        })
        .collect()
}

/// The focus whose cumulative share of `weights` (normalised) first exceeds `u` ∈ [0, 1).
fn pick(weights: &[f64; 6], u: f64) -> Focus {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    for (focus, w) in Focus::ALL.iter().zip(weights) {
        acc += w / total;
        if u < acc {
            return *focus;
        }
    }
    Focus::Pyroxene
}

/// Foci of `n` labelled tiles by systematic sampling of the modal composition (so that a
/// constituent of weight `w` gets ⌊n·w⌋ or ⌈n·w⌉ tiles), shuffled.
fn stratified_foci(rng: &mut Rng, rock: &RockSpec, n: usize) -> Vec<Focus> {
    let weights = Focus::weights(rock);
    let start = rng.f64();
    let mut foci: Vec<Focus> = (0..n)
        .map(|i| pick(&weights, (i as f64 + start) / n as f64))
        .collect();
    rng.shuffle(&mut foci);
    foci
}

/// One site's tiles: names, seeds, and foci taken from `foci`.
fn site_plan(
    cfg: &SynthConfig,
    (sample, index): (&str, usize),
    (site, size, pixel_size, labelled): (usize, usize, f64, bool),
    foci: &mut impl Iterator<Item = Focus>,
) -> SitePlan {
    let path = |stream: u64, tile: u64| [stream, index as u64, site as u64, tile];
    let tiles = (1..=size)
        .map(|tile| TilePlan {
            name: format!("{sample}_s{site:02}-t{tile:02}"),
            focus: foci.next(),
            seed: derive(cfg.seed, &path(STREAM_TILE, tile as u64)),
        })
        .collect();
    let acquisition = Acquisition::draw(
        &mut Rng::new(derive(cfg.seed, &path(STREAM_SITE, 0))),
        cfg.imaging,
    );
    SitePlan {
        site,
        pixel_size,
        labelled,
        tile_count: size,
        acquisition,
        tiles,
    }
}

/// The plan of sample `index`.
///
/// Unlabelled images are dealt round-robin: sample `index` gets `unlabelled / samples`, one
/// more when `index < unlabelled % samples`.
pub(crate) fn sample_plan(cfg: &SynthConfig, index: usize) -> SamplePlan {
    let (name, rock) = sample_rock(index);
    let mut rng = Rng::new(derive(cfg.seed, &[STREAM_SAMPLE, index as u64]));
    let unlabelled =
        cfg.unlabelled / cfg.samples + usize::from(index < cfg.unlabelled % cfg.samples);
    let mut sites = Vec::new();
    for (labelled, count) in [(true, cfg.per_sample), (false, unlabelled)] {
        let sizes = site_sizes(&mut rng, count);
        let pixel = pixel_sizes(&mut rng, sizes.len(), cfg);
        let foci: Vec<Focus> = if labelled {
            stratified_foci(&mut rng, &rock, count)
        } else {
            let weights = Focus::weights(&rock);
            (0..count).map(|_| pick(&weights, rng.f64())).collect()
        };
        let mut foci = foci.into_iter();
        for (size, pixel_size) in sizes.into_iter().zip(pixel) {
            let site = (sites.len() + 1, size, pixel_size, labelled);
            sites.push(site_plan(cfg, (&name, index), site, &mut foci));
        }
    }
    let hunt = if index.is_multiple_of(2) {
        Focus::Zircon
    } else {
        Focus::Phosphate
    };
    frame_accessory(&mut sites, hunt, cfg.per_sample);
    SamplePlan { name, rock, sites }
}

/// Labelled tiles per sample from which one is framed on an accessory grain.
const HUNT_FROM: usize = 8;
/// Pixel size (µm/px) at which operators hunt accessories: 10–30 µm grains fill part of the view.
const HUNT_PIXEL_SIZE: f64 = 0.5;

/// Frames one pyroxene-centred labelled tile on `hunt`, in the site whose pixel size is nearest
/// (in log) to [`HUNT_PIXEL_SIZE`], as operators image the rare accessories on purpose.
fn frame_accessory(sites: &mut [SitePlan], hunt: Focus, labelled: usize) {
    if labelled < HUNT_FROM {
        return;
    }
    let distance = |s: &SitePlan| (s.pixel_size / HUNT_PIXEL_SIZE).ln().abs();
    let site = sites
        .iter_mut()
        .filter(|s| s.labelled && s.tiles.iter().any(|t| t.focus == Some(Focus::Pyroxene)))
        .min_by(|a, b| distance(a).total_cmp(&distance(b)));
    if let Some(tile) = site.and_then(|s| {
        s.tiles
            .iter_mut()
            .find(|t| t.focus == Some(Focus::Pyroxene))
    }) {
        tile.focus = Some(hunt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(per_sample: usize, unlabelled: usize) -> SynthConfig {
        SynthConfig {
            samples: 3,
            per_sample,
            unlabelled,
            ..SynthConfig::default()
        }
    }

    #[test]
    fn sites_hold_four_to_seven_tiles_and_cover_the_count() {
        let mut rng = Rng::new(1);
        for n in [0, 1, 4, 7, 25, 101] {
            let sizes = site_sizes(&mut rng, n);
            assert_eq!(sizes.iter().sum::<usize>(), n);
            if n >= 4 {
                assert!(
                    sizes.iter().all(|&s| (4..=7).contains(&s)),
                    "{n}: {sizes:?}"
                );
            }
        }
    }

    #[test]
    fn unlabelled_images_go_round_robin_into_extra_sites() {
        let c = cfg(10, 7);
        let counts: Vec<(usize, usize)> = (0..3)
            .map(|k| {
                let p = sample_plan(&c, k);
                let count = |l: bool| {
                    p.sites
                        .iter()
                        .filter(|s| s.labelled == l)
                        .map(|s| s.tiles.len())
                        .sum()
                };
                (count(true), count(false))
            })
            .collect();
        assert_eq!(counts, vec![(10, 3), (10, 2), (10, 2)]);
        let p = sample_plan(&c, 0);
        let last = p.sites.last().unwrap();
        assert!(!last.labelled);
        assert!(
            last.tiles[0]
                .name
                .starts_with(&format!("10003_s{:02}-t01", last.site))
        );
    }

    #[test]
    fn names_split_into_site_keys_and_pixel_sizes_span_the_range() {
        let c = SynthConfig {
            samples: 1,
            per_sample: 60,
            ..SynthConfig::default()
        };
        let p = sample_plan(&c, 0);
        let mut keys: Vec<&str> = p
            .sites
            .iter()
            .flat_map(|s| &s.tiles)
            .map(|t| t.name.split('-').next().unwrap())
            .collect();
        keys.dedup();
        assert_eq!(keys.len(), p.sites.len(), "one site key per site");
        let px: Vec<f64> = p.sites.iter().map(|s| s.pixel_size).collect();
        assert!(
            px.iter().any(|&v| v < 0.1) && px.iter().any(|&v| v > 4.0),
            "{px:?}"
        );
        assert!(px.iter().all(|&v| (0.02..=20.0).contains(&v)));
    }

    #[test]
    fn one_tile_per_sample_is_framed_on_an_accessory_near_half_a_micron_per_pixel() {
        let c = cfg(25, 0);
        for k in 0..3 {
            let p = sample_plan(&c, k);
            let hunted: Vec<(f64, Focus)> = p
                .sites
                .iter()
                .flat_map(|s| s.tiles.iter().map(move |t| (s.pixel_size, t.focus)))
                .filter_map(|(px, f)| {
                    f.filter(|f| matches!(f, Focus::Zircon | Focus::Phosphate))
                        .map(|f| (px, f))
                })
                .collect();
            assert_eq!(hunted.len(), 1, "{hunted:?}");
            let want = if k % 2 == 0 {
                Focus::Zircon
            } else {
                Focus::Phosphate
            };
            assert_eq!(hunted[0].1, want);
            let nearest = p
                .sites
                .iter()
                .map(|s| (s.pixel_size / 0.5).ln().abs())
                .fold(f64::INFINITY, f64::min);
            assert!((hunted[0].0 / 0.5).ln().abs() <= nearest + 1e-12);
        }
    }

    #[test]
    fn foci_follow_the_modal_composition() {
        let (_, rock) = sample_rock(1); // olivine basalt, ~19 % olivine
        let foci = stratified_foci(&mut Rng::new(4), &rock, 100);
        let olivine = foci.iter().filter(|&&f| f == Focus::Olivine).count();
        assert!(
            (18..=20).contains(&olivine),
            "{olivine} olivine-centred tiles of 100"
        );
    }
}
