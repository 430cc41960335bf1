//! The loop end to end, without a terminal: corrections made through the editor's session and
//! journal, exported, a tiny model fine-tuned on them, predicted and audited; the audit of the
//! corrected images moves towards the corrections.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::path::Path;

use common::{check_export, correct, json_of, python, semcurate, synth_small, tiny_model};
use semcurate::dataset::split::Split;
use semcurate::dataset::workspace::Workspace;
use semcurate::export::manifest::read;

fn card(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("model_card.json")).unwrap()).unwrap()
}

fn audit(root: &Path, model: &Path) -> serde_json::Value {
    common::predict(root, model, None);
    json_of(
        semcurate()
            .args(["audit", "--json", "--quiet", "--model"])
            .arg(model)
            .arg(root),
    )
}

/// The fixture's two groups both train (one per scale bin): no val split, on purpose.
fn train(args: &[&str]) {
    let o = semcurate()
        .args(["train", "--quiet", "--seed", "1", "--no-val"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn corrections_exported_and_trained_on_move_the_audit_towards_them() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    synth_small(&root);
    let m0 = t.path().join("m0");
    tiny_model(&m0, semcurate::dataset::ClassSchema::default(), 3, 1.0);
    semcurate()
        .args(["index", "--quiet"])
        .arg(&root)
        .assert()
        .success();
    // Two images of a train group: every pyroxene pixel is olivine (the confusion a reviewer
    // fixes most often on mare basalts).
    let ws = Workspace::open(&Workspace::default_dir(&root)).unwrap();
    let splits = ws.splits().unwrap();
    let rows = ws.images().unwrap();
    let mut train_rows: Vec<_> = rows
        .iter()
        .filter(|r| r.is_labelled() && splits.get(&r.group) == Some(&Split::Train))
        .filter(|r| r.class_counts.as_ref().is_some_and(|c| c[4] > 200))
        .collect();
    train_rows.sort_by(|a, b| a.stem.cmp(&b.stem));
    assert!(train_rows.len() >= 2, "the fixture has pyroxene in train");
    let picked: Vec<(String, String)> = train_rows[..2]
        .iter()
        .map(|r| (r.sample.clone(), r.stem.clone()))
        .collect();
    drop(ws);
    let olivine_before = audit(&root, &m0)["per_class"][7]["support"]
        .as_u64()
        .unwrap();
    for (sample, stem) in &picked {
        correct(&root, sample, stem, |_, c| c == 4, 7);
    }

    // Export everything and train on the export: the card names it.
    let x = t.path().join("x");
    semcurate()
        .args(["export", "--quiet"])
        .arg(&root)
        .arg(&x)
        .assert()
        .success();
    let manifest = read(&x).unwrap();
    assert_eq!(
        manifest
            .images
            .iter()
            .filter(|r| r.mask_source == "corrected")
            .count(),
        2
    );
    // The audit of the dataset judges against the same current labels the export wrote.
    let a = audit(&root, &m0);
    for k in 0..10 {
        let exported: u64 = manifest.images.iter().map(|r| r.class_pixels[k]).sum();
        assert_eq!(a["per_class"][k]["support"], exported, "class {k}");
    }
    assert!(
        a["per_class"][7]["support"].as_u64().unwrap() > olivine_before,
        "the cached audit of the corrected images was refreshed"
    );
    if let Some(py) = python() {
        assert_eq!(check_export(&py, &x).0, 0);
    }
    let mx = t.path().join("mx");
    train(&[
        x.to_str().unwrap(),
        "--init",
        m0.to_str().unwrap(),
        "--out",
        mx.to_str().unwrap(),
        "--epochs",
        "1",
        "--steps-per-epoch",
        "2",
        "--crop",
        "32",
        "--batch",
        "2",
    ]);
    let c = card(&mx);
    assert_eq!(
        c["labels"]["export"]["fingerprint"],
        manifest.fingerprint.as_str()
    );
    assert_eq!(c["labels"]["export"]["corrected"], 2);
    assert_eq!(
        c["images"]["train"].as_u64().unwrap()
            + c["images"]["val"].as_u64().unwrap()
            + c["images"]["test"].as_u64().unwrap(),
        8,
        "the export keeps the source's splits and images"
    );

    // Fine-tune on the workspace's corrections alone, then audit the corrected images.
    let m1 = t.path().join("m1");
    train(&[
        root.to_str().unwrap(),
        "--init",
        m0.to_str().unwrap(),
        "--out",
        m1.to_str().unwrap(),
        "--corrected-only",
        "--epochs",
        "6",
        "--steps-per-epoch",
        "8",
        "--crop",
        "32",
        "--batch",
        "2",
        "--lr",
        "0.01",
    ]);
    let c = card(&m1);
    assert_eq!(c["labels"]["corrected_images"], 2);
    assert_eq!(c["labels"]["corrected_only"], true);
    assert_eq!(c["images"]["train"], 2);
    assert!(c["labels"]["corrections_fingerprint"].is_string());

    let corrected = t.path().join("c");
    semcurate()
        .args(["export", "--quiet", "--only", "corrected"])
        .arg(&root)
        .arg(&corrected)
        .assert()
        .success();
    let (before, after) = (audit(&corrected, &m0), audit(&corrected, &m1));
    let recall = |a: &serde_json::Value| a["per_class"][7]["recall"].as_f64().unwrap_or(0.0);
    let acc = |a: &serde_json::Value| a["pixel_accuracy"].as_f64().unwrap();
    assert_eq!(before["images"], 2);
    eprintln!(
        "corrected images: olivine recall {:.3} → {:.3}, pixel accuracy {:.3} → {:.3}",
        recall(&before),
        recall(&after),
        acc(&before),
        acc(&after)
    );
    assert!(
        recall(&after) > recall(&before) + 0.3,
        "olivine recall on the corrected images: {} → {}",
        recall(&before),
        recall(&after)
    );
    assert!(
        acc(&after) > acc(&before),
        "pixel accuracy on the corrected images: {} → {}",
        acc(&before),
        acc(&after)
    );
}
