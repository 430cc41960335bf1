//! `semcurate index` / `stats` on datasets with every quirk of SPEC 2.1.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::collections::BTreeSet;

use assert_cmd::Command;
use serde_json::Value;

fn semcurate() -> Command {
    Command::cargo_bin("semcurate").unwrap()
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(out)))
}

#[test]
fn every_quirk_is_read_or_reported_per_file() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("quirks");
    let expected = common::quirks_dataset(&root);
    let before = common::snapshot(&root);

    let out = semcurate()
        .args(["index", "--json"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out.stdout);
    let got: BTreeSet<(String, String)> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap().to_string(),
                p["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = expected
        .iter()
        .map(|(k, p)| ((*k).to_string(), (*p).to_string()))
        .collect();
    assert_eq!(got, want);

    let totals = &v["totals"];
    // 14 images in 10003 (junk and checkpoints excluded) + 1 in 12002.
    assert_eq!(totals["images"], 15);
    // valid: a-01, a-02 (RGB), b-01 (CRLF), b-02 (mask fine, no pixel size), e-01 (16-bit),
    // e-02 (TIFF), f-02 (palette), 12002_a-01.
    assert_eq!(totals["labelled"], 8);
    assert_eq!(
        totals["unlabelled"], 4,
        "b-03, b-04, c-01 and the truncated d-01 have no mask"
    );
    assert_eq!(totals["invalid_masks"], 3);
    assert_eq!(totals["unreadable"], 1);
    assert_eq!(totals["no_pixel_size"], 3);
    let skipped = &v["summary"]["skipped"];
    assert_eq!(
        skipped["hidden_dirs"], 2,
        "two .ipynb_checkpoints; the workspace is created after the scan"
    );
    assert_eq!(skipped["hidden_files"], 1);
    assert_eq!(skipped["other_files"], 2);

    // Messages say what is wrong with the value.
    let msg = |path: &str| {
        v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["path"] == path)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(msg("10003/input-features/10003_b-03.txt").contains("'abc' is not a number"));
    assert!(msg("10003/output-images/10003_d-02.png").contains("mask is 8x12, its image is 16x12"));
    assert!(msg("10003/output-images/10003_d-03.png").contains("12 (1 px)"));
    // 255 is the unlabelled value (a partial mask), not a value outside the schema.
    assert!(!msg("10003/output-images/10003_d-03.png").contains("255 ("));
    assert!(msg("10003/input-images/10003_d-01.png").contains("truncated or corrupt"));

    // Nothing in the dataset changed; only the workspace was added.
    assert_eq!(common::snapshot(&root), before);
    assert!(root.join(".semcurate/index.sqlite").is_file());
}

#[test]
fn text_output_names_each_file_and_exit_codes() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("q");
    common::quirks_dataset(&root);
    let out = semcurate()
        .arg("index")
        .arg(&root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains('\x1b'),
        "NO_COLOR and a pipe give no escape codes"
    );
    assert!(text.contains("8 problems"), "{text}");
    assert!(
        text.contains("10003/output-images/10003_c-99.png"),
        "{text}"
    );
    assert!(
        text.contains("skipped 2 hidden folders, 1 hidden files, 2 non-image files"),
        "{text}"
    );

    let nowhere = t.path().join("nope");
    let out = semcurate().arg("index").arg(&nowhere).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    let empty = t.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = semcurate().arg("index").arg(&empty).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no sample folders"));
    semcurate()
        .args(["index", "--bins", "2,1"])
        .arg(&root)
        .assert()
        .code(2);
}

#[test]
fn reindex_reads_only_what_changed() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("q");
    common::quirks_dataset(&root);
    let run = || {
        json(
            &semcurate()
                .args(["index", "--json"])
                .arg(&root)
                .output()
                .unwrap()
                .stdout,
        )
    };
    assert_eq!(run()["summary"]["read"], 15);
    assert_eq!(run()["summary"]["read"], 0);
    // Fix the bad pixel size: one item re-read, one problem fewer.
    common::write(
        &root.join("10003/input-features/10003_b-03.txt"),
        b"pixel_size: 1.5\n",
    );
    let v = run();
    assert_eq!(v["summary"]["read"], 1);
    assert_eq!(v["problems"].as_array().unwrap().len(), 7);
    // Delete an image: it is marked missing, not forgotten.
    std::fs::remove_file(root.join("10003/input-images/10003_a-01.png")).unwrap();
    let v = run();
    assert_eq!(v["summary"]["newly_missing"], 1);
    assert_eq!(v["totals"]["images"], 14);
    assert_eq!(v["totals"]["missing"], 1);
    // A full re-index re-reads everything.
    let v = json(
        &semcurate()
            .args(["index", "--json", "--full"])
            .arg(&root)
            .output()
            .unwrap()
            .stdout,
    );
    assert_eq!(v["summary"]["read"], 14);
}

#[test]
fn stats_counts_match_an_independent_count() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("q");
    common::quirks_dataset(&root);
    let out = semcurate()
        .args(["stats", "--json", "--bins", "0.25,1.8"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out.stdout);
    // Independent count: decode each valid mask with the `image` crate.
    let valid = [
        "10003/output-images/10003_a-01.png",
        "10003/output-images/10003_a-02.png",
        "10003/output-images/10003_b-01.png",
        "10003/output-images/10003_b-02.png",
        "10003/output-images/10003_e-01.png",
        "10003/output-images/10003_e-02.png",
        "12002/output-images/12002_a-01.png",
    ];
    let mut counts = [0u64; 10];
    for p in valid {
        for px in image::open(root.join(p)).unwrap().to_luma8().pixels() {
            counts[usize::from(px.0[0])] += 1;
        }
    }
    // The palette mask holds indices, which `image` would expand to colours: count them directly.
    for &c in &common::mask_values(16, 12, 10) {
        counts[usize::from(c)] += 1;
    }
    for (c, class) in v["classes"].as_array().unwrap().iter().enumerate() {
        assert_eq!(class["pixels"], counts[c], "class {c}");
    }
    assert_eq!(v["totals"]["labelled_pixels"], counts.iter().sum::<u64>());
    // Pixel sizes: a-01, a-02 0.5; b-01 2.381; c-01 20; d-01..d-03, f-01, f-02 1; e-01, e-02 0.1;
    // 12002 5; b-02, b-03, b-04 none.
    let bins = v["bins"].as_array().unwrap();
    assert_eq!(bins[0]["images"], 2, "0.1 µm/px ×2");
    assert_eq!(bins[0]["range"], "≤ 0.25 µm/px");
    assert_eq!(bins[1]["images"], 7, "0.5 ×2 and 1 ×5");
    assert_eq!(bins[2]["images"], 3, "2.381, 20 and 5");
    assert_eq!(v["totals"]["no_pixel_size"], 3);
}

#[test]
fn read_only_dataset_needs_a_workspace_elsewhere() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("ro");
    common::quirks_dataset(&root);
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o555)).unwrap();
    let out = semcurate().arg("index").arg(&root).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --workspace DIR"));
    let ws = t.path().join("ws");
    semcurate()
        .arg("index")
        .arg(&root)
        .arg("--workspace")
        .arg(&ws)
        .assert()
        .code(1);
    assert!(ws.join("index.sqlite").is_file());
    assert!(!root.join(".semcurate").exists());
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_dataset_classes_toml_sets_the_schema() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("ext");
    semcurate()
        .args([
            "synth",
            "--samples",
            "2",
            "--per-sample",
            "8",
            "--size",
            "64",
            "--seed",
            "3",
            "--schema",
            "extended",
            "--quiet",
        ])
        .arg(&root)
        .assert()
        .success();
    assert!(root.join("classes.toml").is_file());
    let out = semcurate()
        .args(["stats", "--json", "--quiet"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out.stdout);
    assert_eq!(v["schema"], "mineralclassifier-extended");
    let classes = v["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 11);
    assert_eq!(classes[10]["short"], "Phos");
    // The same masks read with the 10-class default schema put class 10 outside it.
    let out = semcurate()
        .args(["index", "--json", "--schema", "default", "--workspace"])
        .arg(t.path().join("ws"))
        .arg(&root)
        .output()
        .unwrap();
    let v = json(&out.stdout);
    assert!(
        classes[9]["pixels"].as_u64().unwrap() > 0,
        "zircon is labelled 9"
    );
    assert!(
        classes[10]["pixels"].as_u64().unwrap() > 0,
        "phosphate is labelled 10"
    );
    let outside = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "mask_out_of_range")
        .count();
    assert!(
        outside > 0,
        "masks holding 10 are out of range for the default schema"
    );
}
