use std::sync::Mutex;

use super::*;
use crate::dataset::raster::Grey8;
use crate::dataset::{ClassSchema, ScaleBins};
use crate::model::UNetConfig;
use crate::model::config::{FORMAT_VERSION, InputNorm, ModelKind};
use crate::progress::Progress;

/// Records the progress reported within an image (shared with the jobs' tests).
#[derive(Default)]
pub(crate) struct Within(pub(crate) Mutex<Vec<(u64, u64)>>);

impl Progress for Within {
    fn begin(&self, _stage: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn within(&self, done: u64, total: u64) {
        self.0.lock().unwrap().push((done, total));
    }
}

pub(crate) fn config() -> ModelConfig {
    let schema = ClassSchema::default();
    ModelConfig {
        format_version: FORMAT_VERSION,
        kind: ModelKind::SingleUnet,
        unet: UNetConfig::new(schema.len()).with_width(4),
        schema,
        bins: ScaleBins::single(),
        input: InputNorm::default(),
        tile: 64,
        overlap: 16,
        trained: vec![true],
    }
}

pub(crate) fn grey(w: u32, h: u32) -> Grey8 {
    Grey8 {
        width: w,
        height: h,
        pixels: (0..w * h).map(|i| (i * 7 % 256) as u8).collect(),
    }
}

/// A tiled image reports each tile pass once, in order, out of tiles × (1 + MC passes); the
/// reported prediction is the one made without reporting. A one-tile image reports nothing.
#[test]
fn a_tiled_image_reports_its_tiles() {
    let cfg = config();
    let device = Device::flex();
    let unet = cfg.unet.init(&device);
    let net = Nets {
        unet: &unet,
        fused: None,
        engine: None,
    };
    let route = Route { bin: 0, used: 0 };
    let image = grey(150, 100);
    let tiles = plan(150, 100, cfg.tile, cfg.overlap).tiles.len() as u64;
    assert!(tiles > 2, "{tiles} tiles");
    for mc in [0, 1] {
        let rec = Within::default();
        let p = predict_reporting(&cfg, net, route, (&image).into(), mc, &device, &rec);
        let total = tiles * (1 + mc as u64);
        let want: Vec<(u64, u64)> = (1..=total).map(|k| (k, total)).collect();
        assert_eq!(*rec.0.lock().unwrap(), want, "mc {mc}");
        if mc == 0 {
            assert_eq!(p, predict(&cfg, net, route, &image, 0, &device));
        }
    }
    let rec = Within::default();
    predict_reporting(&cfg, net, route, (&grey(40, 40)).into(), 1, &device, &rec);
    assert!(rec.0.lock().unwrap().is_empty());
}

/// With per-image input, an image and the same scene at twice the gain plus an offset give the
/// same class map and class probabilities, tiled (whole-image levels for every tile) and in a
/// batch. (That absolute input tells them apart is tested on the input tables, `model::input`:
/// a random net's probabilities may saturate.)
#[test]
fn per_image_input_predicts_a_brighter_session_alike() {
    let mut cfg = config();
    cfg.input = InputNorm::per_image();
    let device = Device::flex();
    let unet = cfg.unet.init(&device);
    let net = Nets {
        unet: &unet,
        fused: None,
        engine: None,
    };
    let dim = Grey8 {
        width: 150,
        height: 100,
        pixels: (0..15_000u32).map(|i| 20 + (i * 7 % 100) as u8).collect(),
    };
    let bright = Grey8 {
        pixels: dim.pixels.iter().map(|&v| 2 * v + 9).collect(),
        ..dim.clone()
    };
    let a = classify(&cfg, net, &dim, false, &device);
    let b = classify(&cfg, net, &bright, false, &device);
    assert_eq!(a.classes, b.classes);
    // The expected area per class: a sum over every pixel's probabilities, so it follows the
    // input whatever the (random) weights make of it.
    for (x, y) in a.prob_sum.iter().zip(&b.prob_sum) {
        assert!((x - y).abs() <= 1e-6 * x.abs().max(1.0), "{x} {y}");
    }
    let small = |g: &Grey8| Grey8 {
        width: 48,
        height: 40,
        pixels: g.pixels[..48 * 40].to_vec(),
    };
    let (sd, sb) = (small(&dim), small(&bright));
    let p = probabilities_batch(&cfg, net, &[(&sd).into(), (&sb).into()], false, &device);
    let worst = p[0]
        .iter()
        .zip(&p[1])
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    assert!(worst < 1e-4, "{worst}");
}

/// With per-site input a tile is read through its site's levels: the same tile and site at
/// twice the gain plus an offset predict alike, and the tile's own narrow range does not
/// stretch it (it predicts as the site-wide table says, not as per-image input would).
#[test]
fn per_site_input_reads_a_tile_through_its_sites_levels() {
    use crate::dataset::raster::GreyHistogram;
    use crate::model::input::Specimen;
    fn at<'a>(image: &'a Grey8, site: &'a GreyHistogram) -> Specimen<'a> {
        Specimen {
            image,
            site: Some(site),
        }
    }
    let mut cfg = config();
    cfg.input = InputNorm::per_site();
    let device = Device::flex();
    let unet = cfg.unet.init(&device);
    let net = Nets {
        unet: &unet,
        fused: None,
        engine: None,
    };
    // One phase, grey 60–69, in a site spanning 20–119.
    let tile = Grey8 {
        width: 40,
        height: 32,
        pixels: (0..1280u32).map(|i| 60 + (i * 7 % 10) as u8).collect(),
    };
    let site_pixels: Vec<u8> = (0..4000u32).map(|i| 20 + (i % 100) as u8).collect();
    let bright = |v: u8| 2 * v + 9;
    let tile_b = Grey8 {
        pixels: tile.pixels.iter().map(|&v| bright(v)).collect(),
        ..tile.clone()
    };
    let (site, site_b) = (
        GreyHistogram::of(&site_pixels),
        GreyHistogram::of(&site_pixels.iter().map(|&v| bright(v)).collect::<Vec<_>>()),
    );
    let a = classify(&cfg, net, at(&tile, &site), false, &device);
    let b = classify(&cfg, net, at(&tile_b, &site_b), false, &device);
    for (x, y) in a.prob_sum.iter().zip(&b.prob_sum) {
        assert!((x - y).abs() <= 1e-6 * x.abs().max(1.0), "{x} {y}");
    }
    // The input table is the site's: grey 60 sits at (60 − 20) / (118 − 20), not at the
    // bottom of the tile's own range.
    let t = at(&tile, &site).table(&cfg.input);
    assert!((t[60] - 40.0 / 98.0).abs() < 1e-5, "{}", t[60]);
    assert!(Specimen::from(&tile).table(&cfg.input)[60].abs() < 1e-5);
}
