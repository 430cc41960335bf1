//! Messages that say what went wrong and what to do (issue 22): each test makes the fault a
//! user met and checks the exit code and the words of the message.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::path::Path;

use common::{semcurate, synth_small, tiny_model};
use semcurate::dataset::ClassSchema;

/// Runs `cmd`; returns its exit code and stderr.
fn fails(cmd: &mut assert_cmd::Command) -> (i32, String) {
    let o = cmd.output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn predict(root: &Path, model: &Path) -> assert_cmd::Command {
    let mut cmd = semcurate();
    cmd.args(["predict", "--quiet", "--model"])
        .arg(model)
        .arg(root);
    cmd
}

#[test]
fn a_missing_weights_file_is_named_with_its_bin_and_what_to_do() {
    let t = tempfile::tempdir().unwrap();
    let (root, model) = (t.path().join("d"), t.path().join("m"));
    synth_small(&root);
    tiny_model(&model, ClassSchema::default(), 3, 1.0);
    std::fs::remove_file(model.join("bin1.safetensors")).unwrap();
    for cmd in [
        &mut predict(&root, &model),
        semcurate()
            .args(["merge", "--quiet", "--model"])
            .arg(&model)
            .arg(&root),
    ] {
        let (code, err) = fails(cmd);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("'bin1.safetensors' is missing from the model folder"),
            "{err}"
        );
        assert!(err.contains("bin 1 (> 1 µm/px)"), "{err}");
        assert!(
            err.contains("pass --model with the folder that has it"),
            "{err}"
        );
        assert!(!err.contains("cannot write"), "{err}");
    }
}

/// A workspace database overwritten with garbage, or with its pages garbled behind an intact
/// header: the file is named, what a workspace holds is said, and how to start again.
#[test]
fn a_damaged_workspace_says_which_file_and_how_to_start_again() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    synth_small(&root);
    let index = || {
        let mut cmd = semcurate();
        cmd.args(["index", "--quiet"]).arg(&root);
        cmd
    };
    index().assert().success();
    let db = root.join(".semcurate/index.sqlite");
    let good = std::fs::read(&db).unwrap();
    let garbage: Vec<u8> = (0..5000u32).map(|i| (i * 37 % 251) as u8).collect();
    let mut garbled = good.clone();
    for (i, b) in garbled.iter_mut().enumerate().skip(100) {
        *b = (i * 37 % 251) as u8;
    }
    for (bytes, reason) in [
        (garbage, "(file is not a database)"),
        (garbled, "(database disk image is malformed)"),
    ] {
        std::fs::write(&db, bytes).unwrap();
        for cmd in [
            &mut index(),
            semcurate().args(["stats", "--quiet"]).arg(&root),
        ] {
            let (code, err) = fails(cmd);
            assert_eq!(code, 2, "{err}");
            let want = format!(
                "the workspace database '{}' is damaged {reason}",
                db.display()
            );
            assert!(err.contains(&want), "{err}");
            assert!(
                err.contains("plus your corrections and review decisions"),
                "{err}"
            );
            let aside = format!("move the folder '{}' aside", db.parent().unwrap().display());
            assert!(err.contains(&aside), "{err}");
            assert!(
                err.contains("run `semcurate index` on the dataset again"),
                "{err}"
            );
            assert!(!err.contains("Error code"), "{err}");
        }
    }
}

/// The queue calls an image whose mask is there but unusable what it is, and counts it apart
/// from the unlabelled ones.
#[test]
fn the_queue_calls_an_invalid_mask_so_and_counts_it_apart() {
    let t = tempfile::tempdir().unwrap();
    let (root, model) = (t.path().join("d"), t.path().join("m"));
    synth_small(&root);
    tiny_model(&model, ClassSchema::default(), 3, 1.0);
    let bad = root.join("10003/output-images/10003_s01-t02.png");
    common::write_grey(&bad, 48, 48, &[200; 48 * 48]);
    common::predict(&root, &model, None);
    let queue = |json: bool| {
        let mut cmd = semcurate();
        cmd.args(["queue", "--quiet", "--strategy", "uncertain", "--model"])
            .arg(&model)
            .arg(&root);
        if json {
            cmd.arg("--json");
        }
        cmd
    };
    let q = common::json_of(&mut queue(true));
    assert_eq!(
        (q["unlabelled"].as_u64(), q["mask_invalid"].as_u64()),
        (Some(2), Some(1))
    );
    let items = q["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{q}");
    for it in items {
        let reason = it["reason"].as_str().unwrap();
        if it["stem"] == "10003_s01-t02" {
            let problem = it["mask_problem"].as_str().unwrap();
            assert!(problem.contains("200"), "{problem}");
            assert!(
                reason.starts_with(&format!("mask invalid: {problem}; mean margin")),
                "{reason}"
            );
        } else {
            assert!(it.get("mask_problem").is_none(), "{it}");
            assert!(reason.starts_with("unlabelled; mean margin"), "{reason}");
        }
    }
    let o = queue(false).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("without a usable mask: 2 unlabelled, 1 with an invalid mask"),
        "{text}"
    );
    assert!(text.contains("mask invalid: "), "{text}");
}

/// Shards of a run of 3 and of a run of 2 over the same images, merged: each image is counted
/// once (it was counted once per part), the overlap said as superseded; merging again merges
/// nothing and says the images are current.
#[test]
fn merging_overlapping_shard_runs_counts_each_image_once() {
    let t = tempfile::tempdir().unwrap();
    let (root, model) = (t.path().join("d"), t.path().join("m"));
    synth_small(&root);
    tiny_model(&model, ClassSchema::default(), 3, 1.0);
    semcurate()
        .args(["index", "--quiet"])
        .arg(&root)
        .assert()
        .success();
    for k in ["0/3", "1/3", "2/3", "0/2", "1/2"] {
        common::json_of(
            semcurate()
                .args(["predict", "--json", "--quiet", "--shard", k, "--model"])
                .arg(&model)
                .arg(&root),
        );
    }
    let merge = |json: bool| {
        let mut cmd = semcurate();
        cmd.args(["merge", "--quiet"]).arg(&root);
        if json {
            cmd.arg("--json");
        }
        cmd.output().unwrap()
    };
    let o = merge(true);
    assert_eq!(o.status.code(), Some(0));
    let m: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let per_part: u64 = m["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            ["merged", "current", "superseded"]
                .map(|k| p[k].as_u64().unwrap())
                .iter()
                .sum::<u64>()
        })
        .sum();
    assert_eq!(per_part, 20, "two runs of 10 images: {m}");
    let counts = |m: &serde_json::Value| {
        ["merged", "current", "superseded", "stale"].map(|k| m[k].as_u64().unwrap())
    };
    assert_eq!(counts(&m), [10, 0, 10, 0], "{m}");
    let o = merge(false);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("0 images merged, 10 already current, 10 predictions superseded"),
        "{text}"
    );

    // A newer run of the first-named part wins over the parts merged after it.
    let part = std::fs::read_dir(root.join(".semcurate/parts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("0of2"))
        .unwrap();
    let c = rusqlite::Connection::open(part.join("index.sqlite")).unwrap();
    let newer = c
        .execute("UPDATE predictions SET created_at = created_at + 100", [])
        .unwrap() as u64;
    drop(c);
    let m: serde_json::Value = serde_json::from_slice(&merge(true).stdout).unwrap();
    assert_eq!(counts(&m), [newer, 10 - newer, 10, 0], "{m}");
    let c = rusqlite::Connection::open(root.join(".semcurate/index.sqlite")).unwrap();
    let kept: i64 = c
        .query_row(
            "SELECT count(*) FROM predictions WHERE created_at = (SELECT max(created_at) FROM predictions)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept as u64, newer);
}

/// A shard of a dataset not indexed yet says to index it first, in words, and leaves no
/// workspace or part behind.
#[test]
fn a_shard_of_an_unindexed_dataset_says_to_index_first_and_leaves_nothing() {
    let t = tempfile::tempdir().unwrap();
    let (root, model, ws) = (t.path().join("d"), t.path().join("m"), t.path().join("ws"));
    synth_small(&root);
    tiny_model(&model, ClassSchema::default(), 3, 1.0);
    let shard = |ws: Option<&Path>| {
        let mut cmd = semcurate();
        cmd.args(["predict", "--quiet", "--shard", "1/3", "--model"])
            .arg(&model);
        if let Some(ws) = ws {
            cmd.arg("--workspace").arg(ws);
        }
        fails(cmd.arg(&root))
    };
    for w in [None, Some(ws.as_path())] {
        let (code, err) = shard(w);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("shard 1/3: cannot predict: the dataset is not indexed yet"),
            "{err}"
        );
        assert!(err.contains("run `semcurate index DATASET` first"), "{err}");
        assert!(
            err.contains("`semcurate slurm predict`, which indexes"),
            "{err}"
        );
        assert!(!err.contains("Invalid path"), "{err}");
        assert!(
            !root.join(".semcurate").exists(),
            "a workspace was left behind"
        );
        assert!(!ws.exists(), "a workspace was left behind");
    }
    // Indexed, the same shard runs.
    semcurate()
        .args(["index", "--quiet"])
        .arg(&root)
        .assert()
        .success();
    assert_eq!(shard(None).0, 0);
}
