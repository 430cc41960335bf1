//! Partial masks (issue 23 §1): pixels holding the schema's unlabelled value (255) are read as
//! not labelled, counted apart, left out of every figure, skipped by export unless
//! `--partial`, and ignored by training's loss.
#![allow(clippy::unwrap_used)]

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
        let mask = png(W, W, png::ColorType::Grayscale, png::BitDepth::Eight, &m);
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
    unlabelled
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
    let o = semcurate()
        .args(["export", "--quiet", "--json"])
        .arg(&root)
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["skipped"]["partially labelled: --partial writes them, with 255 = unlabelled"], 1,
        "{v}"
    );
    assert_eq!(read(&out).unwrap().images.len(), 2);
    // With --partial: written, 255 where unlabelled, stated in the manifest and EXPORT.md.
    let o = semcurate()
        .args(["export", "--quiet", "--partial", "--force"])
        .arg(&root)
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
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
    dataset(&root);
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
    let loss = bin["training"]["final_train_loss"].as_f64().unwrap();
    assert!(loss.is_finite() && loss > 0.0, "{loss}");
}
