//! `semcurate retrain`: fine-tunes into a new model folder in the workspace (never over the
//! model it started from), scores both on the same labelled images, predicts with the new one;
//! and with no model, learns from one partly labelled image.
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::path::Path;

use common::{read_grey, semcurate, synth_small, tiny_model, tree, write_grey};
use semcurate::dataset::ClassSchema;

fn retrain(root: &Path, args: &[&str]) -> serde_json::Value {
    common::json_of(
        semcurate()
            .args(["retrain", "--json", "--quiet", "--epochs", "1"])
            .args(["--steps-per-epoch", "2", "--crop", "32"])
            .args(args)
            .arg(root),
    )
}

#[test]
fn fine_tuning_writes_a_new_model_scores_both_and_predicts_with_it() {
    let t = tempfile::tempdir().unwrap();
    let (root, base) = (t.path().join("data"), t.path().join("base"));
    synth_small(&root);
    tiny_model(&base, ClassSchema::mineralclassifier(), 3, 1.0);
    // Each tile its own group: half of each pixel-size stratum trains, half is held out.
    semcurate()
        .args([
            "split",
            "--quiet",
            "--fractions",
            "0.5,0.5,0",
            "--seed",
            "1",
        ])
        .args(["--group-by", "(.*)"])
        .arg(&root)
        .assert()
        .success();
    let base_files = tree(&base);
    let r = retrain(&root, &["--model", base.to_str().unwrap()]);

    let dir = Path::new(r["dir"].as_str().unwrap());
    assert_eq!(dir.parent().unwrap(), root.join(".semcurate/models"));
    assert!(dir.join("config.json").is_file() && dir.join("MODEL_CARD.md").is_file());
    let left: Vec<_> = std::fs::read_dir(dir.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "no staging folder left: {left:?}");
    assert_eq!(tree(&base), base_files, "the base model is never written");
    assert_ne!(r["hash"], r["base"][1]);
    // 8 labelled tiles of 48², 4 per group.
    let (before, after) = (&r["before"], &r["after"]);
    assert_eq!(before["images"], after["images"]);
    assert_eq!(before["pixels"], after["pixels"]);
    let scored = after["images"].as_u64().unwrap();
    assert_eq!((r["train_images"].as_u64().unwrap(), scored), (4, 4), "{r}");
    assert_eq!(after["pixels"].as_u64().unwrap(), scored * 48 * 48);
    assert_eq!(r["scored_on"], "held_out");
    assert_eq!(
        r["predicted"]["predicted"], 10,
        "all tiles, unlabelled ones too"
    );

    // The new model's predictions are stored: the audit finds them for every labelled tile.
    let audit = common::json_of(
        semcurate()
            .args(["audit", "--json", "--quiet", "--model"])
            .arg(dir)
            .arg(&root),
    );
    assert_eq!(audit["model"], r["hash"], "{audit}");
    assert_eq!(
        (&audit["images"], &audit["unpredicted"]),
        (&8.into(), &0.into())
    );

    let again = semcurate()
        .args(["retrain", "--quiet", "--model"])
        .arg(&base)
        .arg("--out")
        .arg(dir)
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn from_nothing_a_single_half_labelled_tile_trains_and_proposes_every_tile() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    synth_small(&root);
    // Keep one mask, its right half unlabelled (255); the other tiles lose theirs.
    let mut kept = None;
    for sample in ["10003", "12002"] {
        let masks = root.join(sample).join("output-images");
        for e in std::fs::read_dir(&masks).unwrap() {
            let p = e.unwrap().path();
            if kept.is_none() {
                let (w, h, mut v) = read_grey(&p);
                for (i, c) in v.iter_mut().enumerate() {
                    if i % w as usize >= w as usize / 2 {
                        *c = 255;
                    }
                }
                write_grey(&p, w, h, &v);
                kept = Some(u64::from(w / 2 * h));
            } else {
                std::fs::remove_file(&p).unwrap();
            }
        }
    }
    let r = retrain(&root, &["--from-nothing"]);
    assert!(r["base"].is_null() && r["before"].is_null(), "{r}");
    assert_eq!(r["train_images"], 1);
    assert_eq!(
        r["train_pixels"].as_u64(),
        kept,
        "only labelled pixels train"
    );
    assert_eq!(r["scored_on"], "training", "nothing was held out");
    assert_eq!(r["after"]["pixels"].as_u64(), kept);
    assert_eq!(r["predicted"]["predicted"], 10);
    let cfg: serde_json::Value = serde_json::from_slice(
        &std::fs::read(Path::new(r["dir"].as_str().unwrap()).join("config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(cfg["unet"]["width"], 8, "{cfg}");
}

#[test]
fn a_cancelled_retrain_leaves_no_model_folder() {
    use semcurate::jobs::retrain::{Recipe, RetrainError, RetrainInput, retrain};
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    synth_small(&root);
    semcurate()
        .args(["index", "--quiet"])
        .arg(&root)
        .assert()
        .success();
    let workspace = root.join(".semcurate");
    let input = RetrainInput {
        root: &root,
        workspace: &workspace,
        schema: &ClassSchema::mineralclassifier(),
        base: None,
        backend: semcurate::model::BackendKind::default(),
        recipe: Recipe::from_nothing(),
        out: None,
        command: "test".into(),
        cancel: &std::sync::atomic::AtomicBool::new(true),
        progress: &semcurate::progress::NoProgress,
    };
    let r = retrain(&input);
    assert!(matches!(r, Err(RetrainError::Cancelled)), "{r:?}");
    let left: Vec<_> = std::fs::read_dir(workspace.join("models"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
