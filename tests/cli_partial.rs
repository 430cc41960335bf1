//! Partial masks (issue 23 §1): pixels holding the schema's unlabelled value (255) are read as
//! not labelled, counted apart, left out of every figure, skipped by export unless
//! `--partial`, and ignored by training's loss.
#![allow(clippy::unwrap_used, clippy::naive_bytecount)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::path::Path;

use common::{features, grey_png, mask_values, png, semcurate, write};
use semcurate::export::manifest::read;

const W: u32 = 32;

/// Sample 10003 at 2 µm/px, one split group: `s1-full1`, `s1-full2` with complete masks (4
/// classes in stripes), and `s1-part1` whose left half is unlabelled (255).
fn dataset(root: &Path) -> usize {
    let mut unlabelled = 0;
    for name in ["s1-full1", "s1-full2", "s1-part1"] {
        let mut m = mask_values(W, W, 4);
        if name.ends_with("part1") {
            for (i, v) in m.iter_mut().enumerate() {
                if i % W as usize >= (W / 2) as usize {
                    continue;
                }
                *v = 255;
                unlabelled += 1;
            }
        }
        tile(root, name, &m);
    }
    unlabelled
}

/// A grey image, its 8-bit mask `m` and a 2 µm/px features file in sample 10003.
fn tile(root: &Path, name: &str, m: &[u8]) {
    let mask = png(W, W, png::ColorType::Grayscale, png::BitDepth::Eight, m);
    write(
        &root.join(format!("10003/input-images/{name}.png")),
        &grey_png(W, W),
    );
    write(&root.join(format!("10003/output-images/{name}.png")), &mask);
    write(
        &root.join(format!("10003/input-features/{name}.txt")),
        &features("2"),
    );
}

fn json(args: &[&str], root: &Path) -> serde_json::Value {
    common::json_of(semcurate().args(args).arg(root))
}

#[test]
fn partial_masks_count_only_their_labelled_pixels_and_export_only_when_asked() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    let unlabelled = dataset(&root);
    let stats = json(&["stats", "--json", "--quiet"], &root);
    let totals = &stats["totals"];
    assert_eq!(totals["labelled"], 3);
    assert_eq!(totals["partial"], 1);
    assert_eq!(totals["invalid_masks"], 0);
    let all = u64::from(3 * W * W);
    assert_eq!(totals["labelled_pixels"], all - unlabelled as u64);
    assert!((totals["partial_share"].as_f64().unwrap() - 0.5).abs() < 1e-12);
    // Export: the partial mask is skipped and counted by default.
    let out = t.path().join("out");
    let stdout = common::export_ok(&root, &out, &["--quiet", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(
        v["skipped"]["partially labelled: --partial writes them, with 255 = unlabelled"], 1,
        "{v}"
    );
    assert_eq!(read(&out).unwrap().images.len(), 2);
    // With --partial: written, 255 where unlabelled, stated in the manifest and EXPORT.md.
    common::export_ok(&root, &out, &["--quiet", "--partial", "--force"]);
    let m = read(&out).unwrap();
    assert_eq!(m.unlabelled_value, Some(255));
    let row = m.images.iter().find(|r| r.name == "s1-part1").unwrap();
    assert_eq!(row.unlabelled_pixels, unlabelled as u64);
    assert_eq!(
        row.class_pixels.iter().sum::<u64>(),
        u64::from(W * W) - unlabelled as u64
    );
    let (_, _, px) = common::read_grey(&out.join("10003/output-images/s1-part1.png"));
    assert_eq!(px.iter().filter(|&&v| v == 255).count(), unlabelled);
    assert_eq!(px[0], 255);
    assert_eq!(px[(W / 2) as usize], mask_values(W, W, 4)[(W / 2) as usize]);
    let readme = std::fs::read_to_string(out.join("EXPORT.md")).unwrap();
    assert!(readme.contains("ignore_index=255"), "{readme}");
    if let Some(py) = common::python() {
        let (code, text) = common::check_export(&py, &out);
        assert_eq!(code, 0, "{text}");
    }
}

#[test]
fn training_on_partial_masks_learns_from_the_labelled_pixels_only() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    let unlabelled = dataset(&root);
    let model = t.path().join("model");
    let o = semcurate()
        .args([
            "train",
            "--quiet",
            "--no-val",
            "--width",
            "4",
            "--epochs",
            "1",
            "--crop",
            "16",
            "--batch",
            "2",
            "--steps-per-epoch",
            "3",
            "--out",
        ])
        .arg(&model)
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("model_card.json")).unwrap())
            .unwrap();
    let bin = &card["bins"][2];
    assert_eq!(
        bin["images"]["train"], 3,
        "the partial image trains too: {card}"
    );
    // The card counts labelled pixels: the partial mask's labelled half only.
    assert_eq!(
        card["labelled_pixels"]["train"],
        u64::from(3 * W * W) - unlabelled as u64
    );
    let md = std::fs::read_to_string(model.join("MODEL_CARD.md")).unwrap();
    assert!(
        md.contains(&format!(
            "labelled pixels: {} train",
            3 * W * W - unlabelled as u32
        )),
        "{md}"
    );
    let loss = bin["training"]["final_train_loss"].as_f64().unwrap();
    assert!(loss.is_finite() && loss > 0.0, "{loss}");
}

/// Labels an unlabelled image from nothing, as the editor does on a blank mask: every pixel
/// `pick` chooses gets `class`, journalled on a blank base.
fn label_from_blank(root: &Path, stem: &str, pick: impl Fn(usize) -> bool, class: u8) {
    use semcurate::dataset::schema::UNLABELLED;
    use semcurate::dataset::workspace::{BaseSource, Workspace};
    use semcurate::labels::journal::{JournalReq, base_for, to_row};
    use semcurate::review::edit::{EditSession, JournalOp, Locks, Tool};
    semcurate()
        .args(["index", "--quiet"])
        .arg(root)
        .assert()
        .code(predicates::ord::lt(2));
    let mut ws = Workspace::open(&Workspace::default_dir(root)).unwrap();
    let row = ws
        .images()
        .unwrap()
        .into_iter()
        .find(|r| r.stem == stem)
        .unwrap();
    let base = base_for(&row, None, "tester").unwrap();
    assert_eq!(base.source, BaseSource::Blank);
    let n = (W * W) as usize;
    let mut s = EditSession::new(W, W, vec![UNLABELLED; n]);
    let pixels: Vec<usize> = (0..n).filter(|&i| pick(i)).collect();
    for stroke in s.apply(Tool::Brush, pixels, |_| class, &Locks::default()) {
        let req = JournalReq {
            image_id: row.id,
            base: base.clone(),
            op: JournalOp::Stroke(stroke),
            user: "tester".into(),
            at_ms: 1_700_000_000_000,
        };
        ws.append_edit(row.id, &base, &to_row(&req)).unwrap();
    }
}

#[test]
fn an_image_labelled_from_nothing_exports_complete_or_partial() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    dataset(&root);
    // Two images with no mask file at all.
    for stem in ["s2-new1", "s2-new2"] {
        write(
            &root.join(format!("10003/input-images/{stem}.png")),
            &grey_png(W, W),
        );
        write(
            &root.join(format!("10003/input-features/{stem}.txt")),
            &features("2"),
        );
    }
    // new1: every pixel labelled (two strokes); new2: a scribble of 40 pixels.
    label_from_blank(&root, "s2-new1", |i| i < 512, 5);
    label_from_blank(&root, "s2-new1", |i| i >= 512, 6);
    label_from_blank(&root, "s2-new2", |i| (100..140).contains(&i), 7);
    let out = t.path().join("out");
    let stdout = common::export_ok(&root, &out, &["--quiet", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    let m = read(&out).unwrap();
    let new1 = m.images.iter().find(|r| r.name == "s2-new1").unwrap();
    assert_eq!(new1.mask_source, "corrected");
    assert_eq!(new1.class_pixels[5], 512);
    assert_eq!(new1.class_pixels[6], 512);
    assert!(m.images.iter().all(|r| r.name != "s2-new2"));
    // The scribbled one and the partial file mask are skipped as partial, counted.
    assert_eq!(
        v["skipped"]["partially labelled: --partial writes them, with 255 = unlabelled"], 2,
        "{v}"
    );
    common::export_ok(&root, &out, &["--quiet", "--partial", "--force"]);
    let m = read(&out).unwrap();
    let new2 = m.images.iter().find(|r| r.name == "s2-new2").unwrap();
    assert_eq!(new2.class_pixels[7], 40);
    assert_eq!(new2.unlabelled_pixels, u64::from(W * W) - 40);
}

/// Two phases a forest tells apart by grey level: left half dark (class 1), right half bright
/// (class 2), with a little texture.
fn two_phase(w: u32) -> (Vec<u8>, Vec<u8>) {
    let mut grey = Vec::new();
    let mut truth = Vec::new();
    for y in 0..w {
        for x in 0..w {
            let bright = x >= w / 2;
            grey.push(if bright { 180 } else { 60 } + ((x * 7 + y * 13) % 9) as u8);
            truth.push(if bright { 2 } else { 1 });
        }
    }
    (grey, truth)
}

#[test]
fn assist_proposes_every_image_from_scribbles_alone() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    let (grey, truth) = two_phase(W);
    let gpng = png(W, W, png::ColorType::Grayscale, png::BitDepth::Eight, &grey);
    // s1-a: a scribble of 2 short lines per class (255 elsewhere); s1-b: no mask at all.
    let mut scribble = vec![255u8; (W * W) as usize];
    for x in 2..8 {
        scribble[(5 * W + x) as usize] = 1;
        scribble[(5 * W + W - 1 - x) as usize] = 2;
    }
    write(&root.join("10003/input-images/s1-a.png"), &gpng);
    write(
        &root.join("10003/output-images/s1-a.png"),
        &png(
            W,
            W,
            png::ColorType::Grayscale,
            png::BitDepth::Eight,
            &scribble,
        ),
    );
    write(&root.join("10003/input-images/s1-b.png"), &gpng);
    for stem in ["s1-a", "s1-b"] {
        write(
            &root.join(format!("10003/input-features/{stem}.txt")),
            &features("2"),
        );
    }
    let out = t.path().join("proposals");
    let v = common::json_of(
        semcurate()
            .args(["assist", "--quiet", "--json", "--out"])
            .arg(&out)
            .arg(&root),
    );
    assert_eq!(v["labelled_images"], 1);
    assert_eq!(v["proposed"], 2);
    assert_eq!(v["rows_per_class"], serde_json::json!([0, 6, 6]));
    for stem in ["s1-a", "s1-b"] {
        let (_, _, p) = common::read_grey(&out.join(format!("10003/output-images/{stem}.png")));
        let right = p.iter().zip(&truth).filter(|(a, b)| a == b).count();
        assert!(
            right as f64 / p.len() as f64 >= 0.95,
            "{stem}: {right} of {}",
            p.len()
        );
    }
    // `audit --model assist` scores the stored proposals on the labelled pixels (the
    // scribbles of s1-a, all proposed right).
    let audit = common::json_of(
        semcurate()
            .args(["audit", "--quiet", "--json", "--model", "assist"])
            .arg(&root),
    );
    assert_eq!(audit["model"], "assist", "{audit}");
    assert_eq!(audit["pixel_accuracy"], 1.0, "{audit}");
    assert_eq!(audit["pixels"], 12, "the 12 scribbled pixels only");
    // Stored as the model 'assist': the editor's proposal for the image without a mask.
    let ws = semcurate::dataset::workspace::Workspace::open(&root.join(".semcurate")).unwrap();
    assert!(ws.models().unwrap().iter().any(|(h, _)| h == "assist"));
    assert!(root.join(".semcurate/assist/forest.bin").is_file());
    // Nothing labelled anywhere: exit 2, saying what to do.
    let empty = t.path().join("empty");
    write(&empty.join("10003/input-images/s1-b.png"), &gpng);
    write(&empty.join("10003/input-features/s1-b.txt"), &features("2"));
    let o = semcurate()
        .args(["assist", "--quiet", "--out"])
        .arg(t.path().join("p2"))
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no labelled pixel"));
}

/// Binary masks (0 = matrix, 255 = grains, as the published shale tiles store them) read
/// without a mask map: every labelled pixel is class 0 and 255 reads as "not labelled".
/// `stats` says so on stderr, names the fix, and does not exit clean; mapped, it is quiet.
#[test]
fn binary_masks_read_without_a_map_are_named_and_the_fix_is_given() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    for name in ["s1-a", "s1-b", "s1-c"] {
        let m: Vec<u8> = (0..W * W)
            .map(|i| if i % 5 == 0 { 0 } else { 255 })
            .collect();
        tile(&root, name, &m);
    }
    let out = semcurate()
        .args(["stats", "--quiet"])
        .arg(&root)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a one-class reading is not clean: {err}"
    );
    assert!(
        err.contains("every labelled pixel is class 0 (Void)")
            && err.contains("3 of 3 masks")
            && err.contains("--mask-map 0=0,255=<class id>"),
        "{err}"
    );
    // `train` says the same before it starts (it may still train: the user may mean it).
    let trained = semcurate()
        .args(["train", "--quiet", "--single", "--no-val", "--epochs", "1"])
        .args([
            "--steps-per-epoch",
            "1",
            "--width",
            "4",
            "--crop",
            "32",
            "--out",
        ])
        .arg(t.path().join("m"))
        .arg(&root)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&trained.stderr);
    assert!(
        err.contains("warning: every labelled pixel is class 0 (Void)")
            && err.contains("--mask-map 0=0,255=<class id>"),
        "{err}"
    );
    let mapped = semcurate()
        .args(["stats", "--quiet", "--mask-map", "0=0,255=1"])
        .arg(&root)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&mapped.stderr);
    assert!(mapped.status.success() && !err.contains("warning"), "{err}");
}
