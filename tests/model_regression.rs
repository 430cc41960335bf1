//! The shipped model's masks on the demo images, against masks stored when it was shipped:
//! a change of burn version, backend, fused inference or input levels must not change what
//! users get. `SEMCURATE_BLESS=1 cargo test --test model_regression`
//! rewrites the fixture (only when the change of masks is intended and explained).
//!
//! Fixture `tests/fixtures/default_masks.bin.gz`: for each image, sorted by path, a line
//! `PATH W H\n` followed by `W·H` class bytes.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use semcurate::dataset::raster::{DecodeLimits, read_grey8};
use semcurate::model::MultiUNet;

const FIXTURE: &str = "tests/fixtures/default_masks.bin.gz";

/// Pixels per image allowed to differ: exact ties between two classes may break either way
/// when the order of float additions changes (fused against unfused batch norm already moved
/// about one pixel per bin in the model card check).
const TOLERANCE: usize = 8;

fn demo_images() -> Vec<(PathBuf, f64)> {
    let mut out = Vec::new();
    for sample in std::fs::read_dir("datasets/demo").unwrap() {
        let dir = sample.unwrap().path().join("input-images");
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let path = f.unwrap().path();
            let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
            let txt = dir
                .with_file_name("input-features")
                .join(format!("{stem}.txt"));
            let text = std::fs::read_to_string(&txt).unwrap();
            let px: f64 = text
                .lines()
                .next()
                .and_then(|l| l.split(':').nth(1))
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            out.push((path, px));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Every demo image through the shipped model as `predict` runs it: a per-site model reads
/// each image through its site's levels (all the images of its sample's split group, the
/// part of the name before the first `-`).
fn predict_all() -> Vec<(String, u32, u32, Vec<u8>)> {
    use semcurate::dataset::raster::GreyHistogram;
    use semcurate::model::input::Specimen;
    let model = MultiUNet::load(Path::new("models/default"), &Device::flex()).unwrap();
    let images: Vec<(PathBuf, f64, semcurate::dataset::raster::Grey8)> = demo_images()
        .into_iter()
        .map(|(path, px)| {
            (
                path.clone(),
                px,
                read_grey8(&path, DecodeLimits::default()).unwrap().0,
            )
        })
        .collect();
    let site_of = |p: &Path| {
        let stem = p.file_stem().unwrap().to_str().unwrap();
        (
            p.parent().unwrap().to_path_buf(),
            stem.split('-').next().unwrap().to_string(),
        )
    };
    let mut sites: std::collections::HashMap<(PathBuf, String), GreyHistogram> =
        std::collections::HashMap::new();
    for (path, _, grey) in &images {
        sites.entry(site_of(path)).or_default().add(&grey.pixels);
    }
    images
        .iter()
        .map(|(path, px, grey)| {
            let site = model
                .config
                .input
                .wants_site()
                .then(|| &sites[&site_of(path)]);
            let p = model.predict(Specimen { image: grey, site }, *px, 0);
            (path.display().to_string(), p.width, p.height, p.classes)
        })
        .collect()
}

fn read_fixture() -> Vec<(String, u32, u32, Vec<u8>)> {
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(FIXTURE).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    let mut out = Vec::new();
    let mut rest = bytes.as_slice();
    while !rest.is_empty() {
        let nl = rest.iter().position(|&b| b == b'\n').unwrap();
        let head = std::str::from_utf8(&rest[..nl]).unwrap().to_string();
        let mut parts = head.split(' ');
        let (path, w, h) = (
            parts.next().unwrap().to_string(),
            parts.next().unwrap().parse::<u32>().unwrap(),
            parts.next().unwrap().parse::<u32>().unwrap(),
        );
        let n = (w * h) as usize;
        out.push((path, w, h, rest[nl + 1..nl + 1 + n].to_vec()));
        rest = &rest[nl + 1 + n..];
    }
    out
}

fn write_fixture(masks: &[(String, u32, u32, Vec<u8>)]) {
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(FIXTURE).unwrap(),
        flate2::Compression::best(),
    );
    for (path, w, h, classes) in masks {
        writeln!(gz, "{path} {w} {h}").unwrap();
        gz.write_all(classes).unwrap();
    }
    gz.finish().unwrap();
}

#[test]
fn shipped_model_masks_match_the_stored_ones() {
    let now = predict_all();
    assert_eq!(now.len(), 70, "the demo has 70 images");
    if std::env::var_os("SEMCURATE_BLESS").is_some() {
        write_fixture(&now);
        return;
    }
    let stored = read_fixture();
    assert_eq!(stored.len(), now.len());
    let mut total_diff = 0;
    for ((p0, w0, h0, c0), (p1, w1, h1, c1)) in stored.iter().zip(&now) {
        assert_eq!((p0, w0, h0), (p1, w1, h1));
        let diff = c0.iter().zip(c1).filter(|(a, b)| a != b).count();
        assert!(
            diff <= TOLERANCE,
            "{p0}: {diff} of {} pixels changed class",
            c0.len()
        );
        total_diff += diff;
    }
    eprintln!("{total_diff} of {} pixels changed class", 70 * 256 * 256);
    // Across all 70 images (4.6 Mpx) at most a handful of ties may flip.
    assert!(
        total_diff <= 3 * TOLERANCE,
        "{total_diff} pixels changed class in all"
    );
    // The masks are not trivially equal because they are all one class.
    let classes: std::collections::BTreeSet<u8> =
        now.iter().flat_map(|m| m.3.iter().copied()).collect();
    assert!(classes.len() >= 5, "classes predicted: {classes:?}");
}
