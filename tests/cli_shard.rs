//! Sharded predict and merge (issue 15, part 1): four shards plus `merge` give the same stored
//! predictions as one process, byte for byte; merging again changes nothing; an unfinished
//! part, a missing shard and another model's part are named, not merged.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::path::Path;

use common::{json_of, semcurate, tiny_model};
use semcurate::dataset::ClassSchema;

/// Every stored prediction but its time: (image path, model, fingerprint, sizes, bins) and
/// (maps, passes, summaries, mean margin bits).
type Row = (
    (String, String, String, i64, i64, i64, i64),
    (Vec<u8>, Vec<u8>, Option<Vec<u8>>, i64, String, u64),
);

fn predictions(ws: &Path) -> Vec<Row> {
    let c = rusqlite::Connection::open(ws.join("index.sqlite")).unwrap();
    let mut st = c
        .prepare(
            "SELECT i.image_path, p.model, p.image_fp, p.width, p.height, p.bin, p.used_bin, p.classes,
                p.margin, p.disagreement, p.mc_passes, p.per_class, p.mean_margin
             FROM predictions p JOIN images i ON i.id = p.image_id ORDER BY i.image_path, p.model",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((
            (
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ),
            (
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
                r.get::<_, f64>(12)?.to_bits(),
            ),
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn shard(root: &Path, ws: &Path, model: &Path, k: &str) -> serde_json::Value {
    json_of(
        semcurate()
            .args(["predict", "--json", "--quiet", "--shard", k, "--model"])
            .arg(model)
            .arg("--workspace")
            .arg(ws)
            .arg(root),
    )
}

fn merge(root: &Path, ws: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let o = semcurate()
        .args(["merge", "--json", "--quiet", "--workspace"])
        .arg(ws)
        .args(extra)
        .arg(root)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        serde_json::from_slice(&o.stdout).unwrap(),
    )
}

#[test]
fn four_shards_merged_equal_one_process() {
    let t = tempfile::tempdir().unwrap();
    let (root, model, other) = (t.path().join("d"), t.path().join("m"), t.path().join("m2"));
    semcurate()
        .args([
            "synth",
            "--samples",
            "3",
            "--per-sample",
            "6",
            "--unlabelled",
            "3",
        ])
        .args(["--size", "48", "--seed", "8", "--quiet"])
        .arg(&root)
        .assert()
        .success();
    // Per-site input: a shard holds only its share of each site, yet must see the same levels.
    let per_site = semcurate::model::config::InputNorm::per_site();
    common::tiny_model_with(&model, ClassSchema::default(), 3, 10.0, per_site);
    tiny_model(&other, ClassSchema::default(), 4, 10.0);
    let (single, sharded) = (t.path().join("ws1"), t.path().join("ws4"));
    let before = common::snapshot(&root);
    json_of(
        semcurate()
            .args(["predict", "--json", "--quiet", "--model"])
            .arg(&model)
            .arg("--workspace")
            .arg(&single)
            .arg(&root),
    );
    let want = predictions(&single);
    assert_eq!(want.len(), 21);

    // Shards read an indexed workspace; without one they say what to run.
    let o = semcurate()
        .args(["predict", "--quiet", "--shard", "0/4", "--model"])
        .arg(&model)
        .arg("--workspace")
        .arg(&sharded)
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("semcurate index"));
    semcurate()
        .args(["index", "--quiet", "--workspace"])
        .arg(&sharded)
        .arg(&root)
        .assert()
        .success();

    let mut owned = 0;
    for k in ["0/4", "1/4", "2/4"] {
        let s = shard(&root, &sharded, &model, k);
        assert_eq!(s["shard"], k);
        owned += s["predicted"].as_u64().unwrap();
        // A resubmitted task finds its work done.
        let again = shard(&root, &sharded, &model, k);
        assert_eq!(
            (again["predicted"].as_u64(), again["skipped"].as_u64()),
            (Some(0), s["predicted"].as_u64())
        );
    }
    // Shard 3 not run yet: merging names it and merges the others.
    let (code, m) = merge(&root, &sharded, &[]);
    assert_eq!(code, 1);
    assert_eq!(m["missing"].as_array().unwrap().len(), 1);
    assert!(m["missing"][0].as_str().unwrap().ends_with(" 3/4"), "{m}");
    assert_eq!(m["merged"].as_u64(), Some(owned));

    let last = shard(&root, &sharded, &model, "3/4");
    owned += last["predicted"].as_u64().unwrap();
    assert_eq!(owned, 21, "the four shards split the images between them");
    // Another model's part, and an unfinished one, are named and left alone.
    shard(&root, &sharded, &other, "0/2");
    let (code, m) = merge(&root, &sharded, &["--model", model.to_str().unwrap()]);
    assert_eq!(code, 1, "another model's part is named");
    let other_parts: Vec<&serde_json::Value> = m["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "other-model")
        .collect();
    assert_eq!(other_parts.len(), 1);
    // Shards 0–2 were merged before: only shard 3's images are new.
    assert_eq!(
        (m["merged"].as_u64(), m["current"].as_u64()),
        (
            last["predicted"].as_u64(),
            Some(21 - last["predicted"].as_u64().unwrap())
        )
    );
    assert_eq!(
        predictions(&sharded),
        want,
        "merged = one process, byte for byte"
    );

    // Merging again changes nothing.
    merge(&root, &sharded, &["--model", model.to_str().unwrap()]);
    assert_eq!(predictions(&sharded), want);
    // The slurm script goes to the workspace too; the dataset's own files never change.
    semcurate()
        .args(["slurm", "predict", "--quiet", "--array", "4", "--model"])
        .arg(&model)
        .arg("--workspace")
        .arg(&sharded)
        .arg(&root)
        .assert()
        .success();
    let scripts: Vec<_> = std::fs::read_dir(sharded.join("parts"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "sbatch"))
        .collect();
    assert_eq!(scripts.len(), 1);
    assert_eq!(
        common::snapshot(&root),
        before,
        "the dataset folder is untouched"
    );

    // A part whose shard did not finish (its description says so) is not merged.
    let part = std::fs::read_dir(sharded.join("parts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("0of2"))
        .unwrap();
    let c = rusqlite::Connection::open(part.join("index.sqlite")).unwrap();
    c.execute(
        "UPDATE meta SET value = replace(value, '\"complete\":true', '\"complete\":false') WHERE key = 'shard'",
        [],
    )
    .unwrap();
    drop(c);
    let (code, m) = merge(&root, &sharded, &[]);
    assert_eq!(code, 1);
    let unfinished: Vec<&serde_json::Value> = m["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "incomplete")
        .collect();
    assert_eq!(unfinished.len(), 1);
    assert!(
        unfinished[0]["message"]
            .as_str()
            .unwrap()
            .contains("--shard 0/2")
    );
    assert_eq!(m["missing"].as_array().unwrap().len(), 1, "{m}");
}
