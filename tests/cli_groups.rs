//! Datasets outside the study's naming: folder names in any case, split groups from
//! `--group-by REGEX` or `--groups FILE.csv` (stored in the workspace), and `train` refusing
//! an empty val split.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const TILES: usize = 12;

fn semcurate() -> Command {
    Command::cargo_bin("semcurate").unwrap()
}

/// The Duvernay layout in miniature: `TrainData/Images/Tile_r1-c1_run1_00NN.png` with masks
/// `TrainData/Masks/Tile_r1-c1_run1_MASK_00NN.png`, 8×8 px, classes 0 and 1. Every name
/// starts `Tile_r1-`, so the study's rule puts all tiles in one group.
fn duvernay(root: &Path) {
    for i in 0..TILES {
        let stem = format!("Tile_r1-c1_run1_{i:04}");
        common::write(
            &root.join(format!("TrainData/Images/{stem}.png")),
            &common::grey_png(8, 8),
        );
        common::write(
            &root.join(format!("TrainData/Masks/Tile_r1-c1_run1_MASK_{i:04}.png")),
            &common::mask_png(8, 8, 2),
        );
    }
}

fn run(args: &[&str], root: &Path) -> (i32, String, String) {
    let o = semcurate()
        .args(args)
        .args(["--pixel-size", "0.5"])
        .arg(root)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// `stats --json`: (labelled images, groups) per split, and the rule in words.
fn splits(root: &Path) -> (BTreeMap<String, (u64, u64)>, String) {
    let (code, out, err) = run(&["stats", "--json"], root);
    assert!(code == 0 || code == 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let per = v["splits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["split"].as_str().unwrap().to_string(),
                (s["images"].as_u64().unwrap(), s["groups"].as_u64().unwrap()),
            )
        })
        .collect();
    (per, v["group_rule"].as_str().unwrap().to_string())
}

fn sizes(s: &BTreeMap<String, (u64, u64)>) -> [u64; 3] {
    ["train", "val", "test"].map(|k| s[k].0)
}

#[test]
fn a_regex_regroups_resplits_and_is_kept_by_later_commands() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("duvernay");
    duvernay(&root);
    let (code, _, err) = run(&["index"], &root);
    assert_eq!(code, 0, "{err}");
    let (before, rule) = splits(&root);
    assert_eq!(sizes(&before), [TILES as u64, 0, 0], "one group 'Tile_r1'");
    assert_eq!(rule, "name before the first '-'");

    let regex = r"_(\d{4})$";
    let (code, _, err) = run(&["index", "--group-by", regex], &root);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "grouping changed to --group-by '{regex}' (was name before the first '-'): {TILES} groups (were 1), {TILES} images moved; splits assigned again"
        )),
        "{err}"
    );
    let (after, rule) = splits(&root);
    assert_eq!(rule, format!("--group-by '{regex}'"));
    let [train, val, test] = sizes(&after);
    assert_eq!(train + val + test, TILES as u64);
    assert!(val >= 1 && test >= 1 && train > val, "{after:?}");
    let groups: u64 = after.values().map(|(_, g)| g).sum();
    assert_eq!(groups, TILES as u64, "one tile per group: {after:?}");
    assert!(
        err.contains(&format!(
            "labelled images: train {train}, val {val}, test {test}"
        )),
        "{err}"
    );

    // Later commands without the flag keep the rule and say nothing about grouping.
    let (code, _, err) = run(&["index"], &root);
    assert_eq!(code, 0);
    assert!(!err.contains("grouping changed"), "{err}");
    assert_eq!(splits(&root).0, after);

    let (code, _, err) = run(&["split", "--group-by", "default"], &root);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("1 groups (were {TILES})")), "{err}");
    assert_eq!(sizes(&splits(&root).0), [TILES as u64, 0, 0]);
}

/// A labelled image the regex misses keeps the study's group and is a problem naming the fix;
/// a regex that does not compile stops the command before anything is stored.
#[test]
fn unmatched_images_are_reported_and_bad_regexes_refused() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("duvernay");
    duvernay(&root);
    common::write(
        &root.join("TrainData/Images/odd-tile.png"),
        &common::grey_png(8, 8),
    );
    common::write(
        &root.join("TrainData/Masks/odd-tile_mask.png"),
        &common::mask_png(8, 8, 2),
    );
    let (code, out, err) = run(&["index", "--json", "--group-by", r"_(\d{4})$"], &root);
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let problems: Vec<&Value> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "ungrouped")
        .collect();
    assert_eq!(problems.len(), 1, "{v}");
    assert_eq!(problems[0]["path"], "TrainData/Images/odd-tile.png");
    let msg = problems[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("as 'TrainData/odd'") && msg.contains("change the regex"),
        "{msg}"
    );

    let (code, _, err) = run(&["index", "--group-by", "(open"], &root);
    assert_eq!(code, 2);
    assert!(
        err.contains("--group-by '(open' is not a valid regex"),
        "{err}"
    );
    assert!(
        splits(&root).1.starts_with("--group-by '_"),
        "the old rule is kept"
    );
}

#[test]
fn a_groups_csv_sets_groups_and_its_errors_name_the_line() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("duvernay");
    duvernay(&root);
    let csv = t.path().join("sites.csv");
    let mut text = String::from("image,group\n");
    for i in 0..TILES {
        // Paths for some rows, stems for others; three sites of four tiles.
        let stem = format!("Tile_r1-c1_run1_{i:04}");
        let image = if i % 2 == 0 {
            format!("TrainData/Images/{stem}.png")
        } else {
            stem
        };
        writeln!(text, "{image},site {}", i / 4).unwrap();
    }
    std::fs::write(&csv, &text).unwrap();
    let (code, _, err) = run(&["index", "--groups", csv.to_str().unwrap()], &root);
    assert_eq!(code, 0, "{err}");
    let (s, rule) = splits(&root);
    assert!(rule.ends_with(&format!("({TILES} rows)")), "{rule}");
    let groups: Vec<u64> = ["train", "val", "test"].iter().map(|k| s[*k].1).collect();
    assert_eq!(
        groups,
        vec![1, 1, 1],
        "three sites fill the three splits: {s:?}"
    );
    assert!(sizes(&s).iter().all(|&n| n == 4), "{s:?}");

    let bad = t.path().join("bad.csv");
    std::fs::write(
        &bad,
        "image,group\nTile_r1-c1_run1_0000,a\nTile_r1-c1_run1_0001\n",
    )
    .unwrap();
    let (code, _, err) = run(&["index", "--groups", bad.to_str().unwrap()], &root);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!(
            "groups file '{}', line 3: expected 2 columns image,group, found 1 in 'Tile_r1-c1_run1_0001'",
            bad.display()
        )),
        "{err}"
    );
}

fn train(root: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let o = semcurate()
        .args([
            "train", "--quiet", "--width", "2", "--epochs", "1", "--batch", "2",
        ])
        .args(["--steps-per-epoch", "1", "--pixel-size", "0.5", "--out"])
        .arg(out)
        .args(extra)
        .arg(root)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// All tiles in one group: train refuses (exit 2) with the split sizes and the fixes, trains
/// with --no-val and warns that test is empty; after --group-by it trains with val and test.
#[test]
fn train_refuses_an_empty_val_split_unless_told() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("duvernay");
    duvernay(&root);
    let model: PathBuf = t.path().join("m");
    let (code, err) = train(&root, &model, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "val split is empty (labelled images: train {TILES}, val 0, test 0)"
        )),
        "{err}"
    );
    assert!(
        err.contains("--group-by REGEX") && err.contains("--fractions"),
        "{err}"
    );
    assert!(!model.exists(), "nothing written");

    let (code, err) = train(&root, &model, &["--no-val"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning: the test split is empty"), "{err}");
    assert!(model.join("config.json").is_file());

    let regrouped = t.path().join("m2");
    let (code, err) = train(&root, &regrouped, &["--group-by", r"_(\d{4})$"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("grouping changed"), "{err}");
    assert!(!err.contains("split is empty"), "{err}");
}

/// An export of a dataset grouped by `--group-by` names each file with its group before the
/// first `-`, so the export, indexed by the study's rule, keeps the groups and the splits.
#[test]
fn an_export_keeps_custom_groups_in_its_names_and_so_its_splits() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("duvernay");
    duvernay(&root);
    let (code, _, err) = run(&["index", "--group-by", r"_(\d{4})$"], &root);
    assert_eq!(code, 0, "{err}");
    let (source, _) = splits(&root);
    let out = t.path().join("export");
    common::export_ok(&root, &out, &["--quiet", "--pixel-size", "0.5"]);
    let m = semcurate::export::manifest::read(&out).unwrap();
    let groups: std::collections::BTreeSet<&str> = m
        .images
        .iter()
        .map(|r| semcurate::dataset::layout::names::group_of(&r.name))
        .collect();
    assert_eq!(groups.len(), TILES, "one group per tile: {groups:?}");
    assert!(
        m.images
            .iter()
            .any(|r| r.name == "0003-Tile_r1_c1_run1_0003"),
        "{:?}",
        m.images[0].name
    );
    // Indexed with the study's rule, the export has the source's splits.
    let (exported, rule) = splits(&out);
    assert_eq!(rule, "name before the first '-'");
    assert_eq!(
        sizes(&exported),
        sizes(&source),
        "{exported:?} vs {source:?}"
    );
    if let Some(py) = common::python() {
        let (code, text) = common::check_export(&py, &out);
        assert_eq!(code, 0, "{text}");
    }
}
