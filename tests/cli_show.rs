//! `semcurate show`: the picture written with --out is exactly the TUI's composition of the
//! image and its mask or stored prediction; missing datasets, index rows and predictions exit 2
//! with what to run.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use semcurate::dataset::ClassSchema;
use semcurate::dataset::image::IndexedImage;
use semcurate::dataset::raster::{DecodeLimits, read_grey8};
use semcurate::dataset::workspace::Workspace;
use semcurate::model::multi::model_hash;
use semcurate::tui::render::{Layers, Overlay, compose};
use semcurate::tui::theme::Theme;

use common::semcurate;

/// The demo's sample 10003 (15 labelled, 3 unlabelled 256×256 tiles), indexed.
fn demo_sample(root: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo/10003");
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&src).unwrap();
        if entry.file_type().is_file() {
            common::write(
                &root.join("10003").join(rel),
                &std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    index(root);
}

fn index(root: &Path) {
    semcurate()
        .args(["index", "--quiet"])
        .arg(root)
        .assert()
        .success();
}

fn rgb_pixels(png: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let img = image::open(png).unwrap().to_rgb8();
    let (w, h) = img.dimensions();
    (w, h, img.pixels().map(|p| p.0).collect())
}

fn stderr_of(cmd: &mut Command, code: i32) -> String {
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    err
}

#[test]
fn mask_overlay_png_is_the_composition_of_image_and_mask() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    demo_sample(&root);
    // This tile has 7 classes, among them 9 (Other, #ff00ff).
    let image = root.join("10003/input-images/10003_s02-t01.png");
    let mask_file = root.join("10003/output-images/10003_s02-t01.png");
    let out = t.path().join("mask.png");
    semcurate()
        .arg("show")
        .arg(&image)
        .args(["--overlay", "mask", "--opacity", "0.5", "--out"])
        .arg(&out)
        .assert()
        .success();
    let (w, h, got) = rgb_pixels(&out);
    let (grey, _) = read_grey8(&image, DecodeLimits::default()).unwrap();
    assert_eq!((w, h), (grey.width, grey.height));
    let mask: Vec<u8> = image::open(&mask_file).unwrap().to_luma8().into_raw();
    let schema = ClassSchema::for_dataset(&root).unwrap();
    let layers = Layers {
        mask: Some(&mask),
        ..Layers::image(&grey)
    };
    let expected = compose(&layers, Overlay::Mask, 0.5, &Theme::default(), &schema);
    assert_eq!(got, expected.pixels);
    // Independently of compose: at half opacity a class-9 pixel is magenta shaded by its
    // grey between 80 % (black) and 100 % (white), keeping the class's hue.
    let i = mask.iter().position(|&c| c == 9).unwrap();
    let g = f64::from(grey.pixels[i]);
    let shade = 0.8 + 0.2 * g / 255.0;
    let want = [255.0 * shade, 0.0, 255.0 * shade];
    for (c, w) in got[i].iter().zip(want) {
        assert!((f64::from(*c) - w).abs() <= 1.0, "{:?} vs {want:?}", got[i]);
    }

    // An image added after indexing is not in the index yet.
    let late = root.join("10003/input-images/10003_s09-t01.png");
    std::fs::copy(&image, &late).unwrap();
    let err = stderr_of(
        semcurate()
            .arg("show")
            .arg(&late)
            .args(["--overlay", "mask"]),
        2,
    );
    assert!(
        err.contains("is not in the index of dataset") && err.contains("semcurate index"),
        "{err}"
    );
    // An unlabelled tile has no mask to show.
    let unlabelled = root.join("10003/input-images/10003_s04-t01.png");
    let err = stderr_of(
        semcurate()
            .arg("show")
            .arg(&unlabelled)
            .args(["--overlay", "mask"]),
        2,
    );
    assert!(err.contains("has no mask"), "{err}");
}

#[test]
fn overlay_none_works_on_any_image_file() {
    let t = tempfile::tempdir().unwrap();
    let image = t.path().join("lonely.png");
    common::write(&image, &common::grey_png(5, 3));
    let out = t.path().join("out.png");
    semcurate()
        .arg("show")
        .arg(&image)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let (w, h, got) = rgb_pixels(&out);
    assert_eq!((w, h), (5, 3));
    let want: Vec<[u8; 3]> = (0..15u32).map(|i| [(i * 7 % 256) as u8; 3]).collect();
    assert_eq!(got, want);
    // Printed (not a terminal here): coloured half blocks on stdout.
    let o = semcurate()
        .arg("show")
        .arg(&image)
        .args(["--width", "5"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains('▀') || text.contains('▄'), "{text}");
    assert!(!text.contains("_G"), "no kitty query in a pipe: {text}");
}

#[test]
fn mask_overlay_outside_a_dataset_exits_2_and_says_what_to_do() {
    let t = tempfile::tempdir().unwrap();
    let image = t.path().join("lonely.png");
    common::write(&image, &common::grey_png(4, 4));
    let err = stderr_of(
        semcurate()
            .arg("show")
            .arg(&image)
            .args(["--overlay", "mask"]),
        2,
    );
    assert!(
        err.contains("lonely.png")
            && err.contains("is not inside an indexed dataset")
            && err.contains("semcurate index"),
        "{err}"
    );
    let err = stderr_of(
        semcurate()
            .arg("show")
            .arg(t.path().join("nothing.png"))
            .args(["--overlay", "none"]),
        2,
    );
    assert!(err.contains("cannot read image"), "{err}");
    let err = stderr_of(
        semcurate()
            .arg("show")
            .arg(&image)
            .args(["--theme", "sepia"]),
        2,
    );
    assert!(
        err.contains("'sepia'") && err.contains("colorblind"),
        "{err}"
    );
}

/// The first labelled row and its image path.
fn labelled(root: &Path) -> (IndexedImage, PathBuf) {
    let ws = Workspace::open(&Workspace::default_dir(root)).unwrap();
    let row = ws
        .images()
        .unwrap()
        .into_iter()
        .find(IndexedImage::is_labelled)
        .unwrap();
    let path = root.join(&row.image_path);
    (row, path)
}

#[test]
fn prediction_overlays_use_the_stored_prediction() {
    let t = tempfile::tempdir().unwrap();
    let (root, model) = (t.path().join("d"), t.path().join("m"));
    semcurate()
        .args([
            "synth",
            "--samples",
            "1",
            "--per-sample",
            "3",
            "--size",
            "48",
            "--seed",
            "5",
            "--quiet",
        ])
        .arg(&root)
        .assert()
        .success();
    common::tiny_model(&model, ClassSchema::default(), 3, 1.0);
    index(&root);
    let (row, image) = labelled(&root);
    let show = |overlay: &str, out: Option<&Path>| {
        let mut cmd = semcurate();
        cmd.arg("show")
            .arg(&image)
            .args(["--overlay", overlay, "--opacity", "0.7", "--model"])
            .arg(&model);
        if let Some(out) = out {
            cmd.arg("--out").arg(out);
        }
        cmd
    };
    let hash = model_hash(&model).unwrap();
    let err = stderr_of(&mut show("pred", None), 2);
    assert!(
        err.contains("no stored prediction")
            && err.contains(&hash)
            && err.contains("semcurate predict"),
        "{err}"
    );
    let err = stderr_of(
        semcurate()
            .arg("show")
            .arg(&image)
            .args(["--overlay", "pred", "--model"])
            .arg(t.path().join("no-model")),
        2,
    );
    assert!(
        err.contains("cannot read model") && err.contains("--model"),
        "{err}"
    );

    semcurate()
        .args(["predict", "--quiet", "--mc-dropout", "2", "--model"])
        .arg(&model)
        .arg(&root)
        .assert()
        .success();
    let ws = Workspace::open(&Workspace::default_dir(&root)).unwrap();
    let p = ws.prediction(row.id, &hash).unwrap().unwrap();
    let (grey, _) = read_grey8(&image, DecodeLimits::default()).unwrap();
    let schema = ClassSchema::for_dataset(&root).unwrap();
    let mask = semcurate::dataset::load::load_mask(&root, &row, &schema)
        .unwrap()
        .unwrap();
    let layers = Layers {
        image: &grey,
        mask: Some(&mask),
        prediction: Some(&p.classes),
        margin: Some(&p.margin),
        disagreement: p.disagreement.as_deref(),
        original: None,
    };
    assert!(
        layers.disagreement.is_some(),
        "--mc-dropout stores disagreement"
    );
    let theme = Theme::default();
    for (arg, overlay) in [
        ("pred", Overlay::Prediction),
        ("error", Overlay::Error),
        ("uncertainty", Overlay::Uncertainty),
    ] {
        let out = t.path().join(format!("{arg}.png"));
        show(arg, Some(&out)).assert().success();
        let (_, _, got) = rgb_pixels(&out);
        let expected = compose(&layers, overlay, 0.7, &theme, &schema);
        assert_eq!(got, expected.pixels, "{arg}");
    }
    // A random model is wrong somewhere: those pixels carry the true class colour.
    let wrong = (0..mask.len()).find(|&i| mask[i] != p.classes[i]).unwrap();
    let (_, _, errors) = rgb_pixels(&t.path().join("error.png"));
    assert_eq!(errors[wrong], schema.classes[mask[wrong] as usize].colour);
}

/// `--overlay mask` shows the current label: a tile corrected in the workspace shows its
/// corrections, not the mask file; and `stats` says what review changed.
#[test]
fn mask_overlay_shows_workspace_corrections_and_stats_counts_them() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    demo_sample(&root);
    let stem = "10003_s02-t01";
    let image = root.join(format!("10003/input-images/{stem}.png"));
    // Every pixel of the first 32 rows becomes class 9 (Other, magenta).
    let corrected = common::correct(&root, "10003", stem, |i, _| i < 256 * 32, 9);
    let file: Vec<u8> = image::open(root.join(format!("10003/output-images/{stem}.png")))
        .unwrap()
        .to_luma8()
        .into_raw();
    assert_ne!(corrected, file, "the correction changes pixels");
    let out = t.path().join("mask.png");
    semcurate()
        .arg("show")
        .arg(&image)
        .args(["--overlay", "mask", "--opacity", "1", "--out"])
        .arg(&out)
        .assert()
        .success();
    let (_, _, got) = rgb_pixels(&out);
    let (grey, _) = read_grey8(&image, DecodeLimits::default()).unwrap();
    let schema = ClassSchema::for_dataset(&root).unwrap();
    let layers = Layers {
        mask: Some(&corrected),
        ..Layers::image(&grey)
    };
    let expected = compose(&layers, Overlay::Mask, 1.0, &Theme::default(), &schema);
    assert_eq!(got, expected.pixels, "the corrected label, not the file");
    // Stats counts the corrected tile and an unlabelled one accepted.
    common::decide(&root, "10003", "10003_s04-t01", "accepted");
    let o = semcurate().arg("stats").arg(&root).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("review in the workspace: 1 image corrected, 1 accepted"),
        "{text}"
    );
    let o = semcurate()
        .args(["stats", "--json"])
        .arg(&root)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let review = &v["totals"]["review"];
    assert_eq!(review["corrected"], 1, "{review}");
    assert_eq!(review["accepted"], 1, "{review}");
    assert_eq!(
        review["newly_labelled"], 1,
        "accepted counts as labelled: {review}"
    );
}
