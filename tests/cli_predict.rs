//! `semcurate predict`: every image gets a stored prediction and a PNG under --out; a second
//! run skips them; an interrupted run keeps what it committed and the next one finishes.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use semcurate::dataset::ClassSchema;
use semcurate::dataset::workspace::Workspace;
use semcurate::jobs::predict::{PredictOptions, predict_dataset};
use semcurate::model::MultiUNet;
use semcurate::model::multi::model_hash;
use semcurate::progress::Progress;
use serde_json::Value;

use common::semcurate;

/// A width-4 model with random weights over bins ≤ 1 µm/px and > 1 µm/px.
fn tiny_model(dir: &Path) {
    common::tiny_model(dir, ClassSchema::default(), 1, 1.0);
}

fn dataset(root: &Path) {
    common::synth_small(root);
}

fn predict(root: &Path, model: &Path, out: &Path) -> Value {
    let o = semcurate()
        .args(["predict", "--json", "--quiet", "--model"])
        .arg(model)
        .arg("--out")
        .arg(out)
        .arg(root)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn predicts_every_image_writes_masks_and_resumes() {
    let t = tempfile::tempdir().unwrap();
    let (root, model, out) = (t.path().join("d"), t.path().join("m"), t.path().join("out"));
    dataset(&root);
    tiny_model(&model);
    let first = predict(&root, &model, &out);
    assert_eq!(first["images"], 10);
    assert_eq!(first["predicted"], 10);
    assert_eq!(first["written"], 10);
    let pngs: Vec<_> = walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
        .collect();
    assert_eq!(pngs.len(), 10);
    for e in &pngs {
        assert!(e.path().parent().unwrap().ends_with("output-images"));
        let img = image::open(e.path()).unwrap().to_luma8();
        assert_eq!(img.dimensions(), (48, 48));
        assert!(img.pixels().all(|p| p.0[0] < 10));
    }
    let out2 = t.path().join("out2");
    let second = predict(&root, &model, &out2);
    assert_eq!(second["predicted"], 0);
    assert_eq!(second["skipped"], 10);
    assert_eq!(
        second["written"], 10,
        "--out is complete even when nothing is recomputed"
    );
    // A changed image is predicted again.
    let some = walkdir::WalkDir::new(root.join("10003/input-images"))
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_type().is_file())
        .unwrap();
    let bytes = std::fs::read(some.path()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(some.path(), bytes).unwrap();
    let third = predict(&root, &model, &out2);
    assert_eq!(third["predicted"], 1);
}

/// Cancels after `after` images.
struct CancelAfter<'a> {
    after: u64,
    done: AtomicU64,
    cancel: &'a AtomicBool,
}

impl Progress for CancelAfter<'_> {
    fn begin(&self, _: &str, _: u64) {}
    fn advance(&self, n: u64) {
        if self.done.fetch_add(n, Ordering::Relaxed) + n >= self.after {
            self.cancel.store(true, Ordering::Relaxed);
        }
    }
}

#[test]
fn an_interrupted_run_keeps_its_work_and_the_next_finishes() {
    let t = tempfile::tempdir().unwrap();
    let (root, model_dir) = (t.path().join("d"), t.path().join("m"));
    dataset(&root);
    tiny_model(&model_dir);
    semcurate()
        .args(["index", "--quiet"])
        .arg(&root)
        .assert()
        .success();
    let model = MultiUNet::load(&model_dir, &burn::tensor::Device::flex()).unwrap();
    let hash = model_hash(&model_dir).unwrap();
    let mut ws = Workspace::open(&root.join(".semcurate")).unwrap();
    let cancel = AtomicBool::new(false);
    let progress = CancelAfter {
        after: 3,
        done: AtomicU64::new(0),
        cancel: &cancel,
    };
    let s = predict_dataset(
        &model,
        &hash,
        &root,
        &mut ws,
        &PredictOptions::default(),
        &progress,
        &cancel,
    )
    .unwrap();
    assert!(s.cancelled);
    // Cancelled once 3 images were reported done; on the CPU engine images go two at a time,
    // so the run stops after 3 or 4, and everything it reported is stored.
    let done = progress.done.load(Ordering::Relaxed) as usize;
    assert!((3..=4).contains(&done), "stopped after {done} of 10");
    assert_eq!(s.predicted, done);
    assert_eq!(ws.prediction_keys(&hash).unwrap().len(), done);
    let id = *ws.prediction_keys(&hash).unwrap().keys().next().unwrap();
    let p = ws.prediction(id, &hash).unwrap().unwrap();
    assert_eq!(p.classes.len(), 48 * 48);
    assert_eq!(p.per_class.iter().map(|c| c.pixels).sum::<u64>(), 48 * 48);
    drop(ws);
    let o = semcurate()
        .args(["predict", "--json", "--quiet", "--model"])
        .arg(&model_dir)
        .arg(&root)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["predicted"].as_u64(), v["skipped"].as_u64()),
        (Some(10 - done as u64), Some(done as u64))
    );
}

#[test]
fn images_larger_than_a_tile_are_tiled_like_the_tui_does() {
    let t = tempfile::tempdir().unwrap();
    let (root, model_dir, out) = (t.path().join("d"), t.path().join("m"), t.path().join("o"));
    tiny_model(&model_dir);
    // 150×110 against the model's 64-px tiles: 3×2 tiles with overlap, not one forward pass.
    let (w, h) = (150u32, 110u32);
    let pixels: Vec<u8> = (0..w * h)
        .map(|i| (((i % w) / 13 * 40 + (i / w) / 11 * 25) % 256) as u8)
        .collect();
    common::write_grey(
        &root.join("10003/input-images/10003_big-01.png"),
        w,
        h,
        &pixels,
    );
    common::write(
        &root.join("10003/input-features/10003_big-01.txt"),
        &common::features("0.5"),
    );
    let v = predict(&root, &model_dir, &out);
    assert_eq!(v["predicted"], 1);
    let (pw, ph, cli) = common::read_grey(&out.join("10003/output-images/10003_big-01.png"));
    assert_eq!((pw, ph), (w, h));
    let model = MultiUNet::load(&model_dir, &burn::tensor::Device::flex()).unwrap();
    let grey = semcurate::dataset::raster::Grey8 {
        width: w,
        height: h,
        pixels,
    };
    let tiled = model.predict(&grey, 0.5, 0);
    assert_eq!(
        cli, tiled.classes,
        "the CLI and the TUI give the same class map"
    );
}
