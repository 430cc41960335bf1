//! A non-lunar schema end to end on the real Duvernay shale tiles (`../shared/realdata/
//! shale-sem-tiles`, copied into a temp dir as the published `TrainData/Images` +
//! `TrainData/Masks`): a two-class `classes.toml` mapping the masks' 0/255 to matrix/grain,
//! split groups by `--group-by`, then index, stats, train, predict, audit and export. Without
//! the real data the test prints a note and passes.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use semcurate::dataset::ClassSchema;
use serde_json::Value;

const SCHEMA: &str = r##"name = "shale-2"

[[class]]
id = 0
name = "Matrix: clay and organic matter"
short = "Mx"
colour = "#3a3a3a"

[[class]]
id = 1
name = "Grain: quartz, carbonate, pyrite"
short = "Gr"
colour = "#e0b040"

[mask_values]
"0" = 0
"255" = 1
"##;

/// Each 256-px tile is its own group: the published names share `Tile_r1-`.
const GROUP_BY: &str = r"_(\d{4})$";

fn shale() -> Option<PathBuf> {
    let dir = std::env::var_os("SEMCURATE_REALDATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/realdata"),
        PathBuf::from,
    );
    let shale = dir.join("shale-sem-tiles");
    if shale.is_dir() {
        Some(shale)
    } else {
        eprintln!("note: {} not found; test skipped", shale.display());
        None
    }
}

/// The tiles in the published layout, folder names as Duvernay spells them.
fn copy_as_duvernay(src: &Path, root: &Path) {
    for (from, to) in [
        ("images", "TrainData/Images"),
        ("masks", "TrainData/Masks"),
        ("unlabelled", "TrainData/Unlabelled"),
    ] {
        std::fs::create_dir_all(root.join(to)).unwrap();
        for e in std::fs::read_dir(src.join(from)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "tif") {
                std::fs::copy(&p, root.join(to).join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    std::fs::write(root.join("classes.toml"), SCHEMA).unwrap();
}

/// Pixels of value 0 and 255 in every mask, decoded by the `image` crate.
fn mask_counts(src: &Path) -> [u64; 2] {
    let mut counts = [0u64; 2];
    for e in std::fs::read_dir(src.join("masks")).unwrap() {
        let img = image::open(e.unwrap().path()).unwrap().to_luma8();
        for p in img.pixels() {
            match p.0[0] {
                0 => counts[0] += 1,
                255 => counts[1] += 1,
                v => panic!("mask value {v}"),
            }
        }
    }
    counts
}

/// Runs a command on `root`; the tiles carry no pixel size, so every command is given one.
fn semcurate(args: &[&str], root: &Path) -> (i32, String, String) {
    let o = Command::cargo_bin("semcurate")
        .unwrap()
        .args(args)
        .args(["--pixel-size", "0.1"])
        .arg(root)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ok_json(args: &[&str], root: &Path) -> Value {
    let (code, out, err) = semcurate(args, root);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

fn ids(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().or_else(|| x["id"].as_u64()).unwrap())
        .collect()
}

#[test]
fn a_two_class_shale_set_from_index_to_export() {
    let Some(src) = shale() else { return };
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("duvernay");
    copy_as_duvernay(&src, &root);
    let counts = mask_counts(&src);
    let total = counts[0] + counts[1];

    let v = ok_json(&["index", "--json", "--group-by", GROUP_BY], &root);
    assert_eq!(v["totals"]["labelled"], 20);
    assert_eq!(v["totals"]["unlabelled"], 3);
    assert_eq!(v["summary"]["samples"][0]["name"], "TrainData");
    // 20 groups: the 3 unlabelled tiles (row 38) share their numbers 0000-0002 with labelled
    // ones, and so their groups.
    assert_eq!(v["summary"]["regrouped"]["groups_after"], 20);

    // stats: the schema's two classes, counted like the independent decoder; the groups
    // stored by index spread the 20 labelled tiles over the three splits.
    let s = ok_json(&["stats", "--json"], &root);
    assert_eq!(s["schema"], "shale-2");
    assert_eq!(s["group_rule"], format!("--group-by '{GROUP_BY}'"));
    let classes = s["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 2);
    assert_eq!(classes[0]["pixels"], counts[0]);
    assert_eq!(classes[1]["pixels"], counts[1]);
    let per_split: Vec<u64> = s["splits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["images"].as_u64().unwrap())
        .collect();
    assert_eq!(per_split.iter().sum::<u64>(), 20);
    assert!(per_split.iter().all(|&n| n > 0), "{per_split:?}");
    let under: Vec<u64> = (0..2u64)
        .filter(|&c| counts[c as usize] > 0 && (counts[c as usize] as f64) < 0.02 * total as f64)
        .collect();
    assert_eq!(ids(&s["underrepresented"]), under);
    assert_eq!(ids(&s["absent"]), Vec::<u64>::new());

    // train (the stored groups give val and test), predict, audit.
    let model = t.path().join("model");
    let (code, _, err) = semcurate(
        &[
            "train",
            "--quiet",
            "--width",
            "2",
            "--epochs",
            "1",
            "--steps-per-epoch",
            "2",
            "--crop",
            "64",
            "--batch",
            "2",
            "--out",
            model.to_str().unwrap(),
        ],
        &root,
    );
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("split is empty"), "{err}");
    let card: Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("model_card.json")).unwrap())
            .unwrap();
    let card_splits = ["train", "val", "test"].map(|k| card["images"][k].as_u64().unwrap());
    assert_eq!(
        card_splits.to_vec(),
        per_split,
        "the card counts the stats' splits"
    );
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["schema"]["classes"].as_array().unwrap().len(), 2);

    let (code, _, err) = semcurate(
        &["predict", "--quiet", "--model", model.to_str().unwrap()],
        &root,
    );
    assert_eq!(code, 0, "{err}");
    let a = ok_json(
        &[
            "audit",
            "--json",
            "--quiet",
            "--model",
            model.to_str().unwrap(),
        ],
        &root,
    );
    let support: Vec<u64> = a["per_class"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["support"].as_u64().unwrap())
        .collect();
    assert_eq!(support, counts.to_vec(), "audit's truth is the masks");
    assert_eq!(ids(&a["underrepresented"]), ids(&s["underrepresented"]));
    assert_eq!(ids(&a["absent"]), ids(&s["absent"]));

    // export: the two classes travel with the masks, pixel for pixel.
    let out = t.path().join("export");
    let o = Command::cargo_bin("semcurate")
        .unwrap()
        .args(["export", "--quiet", "--pixel-size", "0.1"])
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
    let exported = ClassSchema::load(&out.join("classes.toml")).unwrap();
    let names: Vec<&str> = exported.classes.iter().map(|c| c.short.as_str()).collect();
    assert_eq!(names, vec!["Mx", "Gr"]);
    let m = semcurate::export::manifest::read(&out).unwrap();
    assert_eq!(m.images.len(), 20);
    let px = |k: usize| m.images.iter().map(|r| r.class_pixels[k]).sum::<u64>();
    assert_eq!([px(0), px(1)], counts);
    let splits_kept =
        ["train", "val", "test"].map(|k| m.images.iter().filter(|r| r.split == k).count() as u64);
    assert_eq!(splits_kept.to_vec(), per_split);
}
