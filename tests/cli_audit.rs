//! `semcurate audit` end to end: a synthetic dataset predicted by a tiny random model, audited by
//! the real binary, every number checked against a confusion matrix recounted here from the
//! mask PNGs and the class maps that `predict --out` wrote.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{
    json_of, predict, read_grey, semcurate, synth_small, synth_small_with, tiny_model, write_grey,
};
use semcurate::dataset::ClassSchema;
use semcurate::dataset::image::ImageId;
use semcurate::dataset::workspace::Workspace;
use serde_json::Value;

const CLASSES: usize = 10;
const SIDE: u32 = 48;

/// A predicted synthetic dataset.
struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    model: PathBuf,
    out: PathBuf,
}

/// The synthetic dataset predicted by a seeded random model (seed 5) that predicts Py in bin 1
/// and mostly Fe in bin 0: some pixels right, most wrong, some classes nowhere.
fn fixture() -> Fixture {
    fixture_with(&[])
}

/// [`fixture`] with further `synth` arguments.
fn fixture_with(synth_args: &[&str]) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let (root, model, out) = (
        tmp.path().join("d"),
        tmp.path().join("m"),
        tmp.path().join("pred"),
    );
    synth_small_with(&root, synth_args);
    tiny_model(&model, ClassSchema::default(), 5, 100.0);
    let p = predict(&root, &model, Some(&out));
    assert_eq!(
        (p["predicted"].as_u64(), p["written"].as_u64()),
        (Some(10), Some(10))
    );
    Fixture {
        _tmp: tmp,
        root,
        model,
        out,
    }
}

impl Fixture {
    fn audit(&self, extra: &[&str]) -> assert_cmd::Command {
        let mut cmd = semcurate();
        cmd.args(["audit", "--quiet", "--model"])
            .arg(&self.model)
            .args(extra)
            .arg(&self.root);
        cmd
    }

    fn audit_json(&self, extra: &[&str]) -> Value {
        let mut args = vec!["--json"];
        args.extend_from_slice(extra);
        json_of(&mut self.audit(&args))
    }
}

/// One labelled image as read back from the files.
struct Img {
    sample: String,
    stem: String,
    pixel_size: f64,
    truth: Vec<u8>,
    pred: Vec<u8>,
}

/// Every labelled image: mask from `ROOT/SAMPLE/output-images`, predicted map from
/// `OUT/SAMPLE/output-images`, pixel size from `ROOT/SAMPLE/input-features`.
fn labelled_images(root: &Path, out: &Path) -> Vec<Img> {
    let mut imgs = Vec::new();
    for sample in ["10003", "12002"] {
        let masks = root.join(sample).join("output-images");
        let mut names: Vec<_> = std::fs::read_dir(&masks)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        for name in names {
            let stem = name.strip_suffix(".png").unwrap().to_string();
            let (w, h, truth) = read_grey(&masks.join(&name));
            let (pw, ph, pred) = read_grey(&out.join(sample).join("output-images").join(&name));
            assert_eq!((w, h, pw, ph), (SIDE, SIDE, SIDE, SIDE));
            let feat = std::fs::read_to_string(
                root.join(sample)
                    .join("input-features")
                    .join(format!("{stem}.txt")),
            )
            .unwrap();
            let pixel_size: f64 = feat
                .trim()
                .strip_prefix("pixel_size:")
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            imgs.push(Img {
                sample: sample.to_string(),
                stem,
                pixel_size,
                truth,
                pred,
            });
        }
    }
    assert_eq!(imgs.len(), 8, "synth wrote 4 labelled tiles per sample");
    imgs
}

type Matrix = Vec<Vec<u64>>;

fn confusion<'a>(imgs: impl IntoIterator<Item = &'a Img>) -> Matrix {
    let mut m = vec![vec![0u64; CLASSES]; CLASSES];
    for img in imgs {
        for (&t, &p) in img.truth.iter().zip(&img.pred) {
            m[usize::from(t)][usize::from(p)] += 1;
        }
    }
    m
}

fn add(a: &Matrix, b: &Matrix) -> Matrix {
    a.iter()
        .zip(b)
        .map(|(r, s)| r.iter().zip(s).map(|(x, y)| x + y).collect())
        .collect()
}

fn matrix(v: &Value) -> Matrix {
    serde_json::from_value(v.clone()).unwrap()
}

fn num(v: &Value) -> Option<f64> {
    if v.is_null() {
        None
    } else {
        Some(v.as_f64().unwrap_or_else(|| panic!("{v} is not a number")))
    }
}

/// A rendered cell: the value with `decimals` decimals, or `n/a`/empty for `null`.
fn rounded(cell: &str, v: &Value, decimals: usize) -> bool {
    match num(v) {
        None => cell.is_empty() || cell == "n/a",
        Some(x) => {
            cell.split_once('.')
                .is_some_and(|(_, d)| d.len() == decimals)
                && cell
                    .parse::<f64>()
                    .is_ok_and(|c| (c - x).abs() <= 0.5 * 10f64.powi(-(decimals as i32)) + 1e-12)
        }
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Asserts that `v` is `null` exactly when `want` is `None`, else equal to it up to the last
/// bits (`serde_json`'s default float parser may be one ulp off).
#[track_caller]
fn same(v: &Value, want: Option<f64>, what: &str) {
    match (num(v), want) {
        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "{what}: {a} vs {b}"),
        (a, b) => assert_eq!(a, b, "{what}"),
    }
}

/// Asserts that a group of the report (`overall`, a bin, a sample or a split) holds exactly the
/// metrics of confusion matrix `m` over `images` images.
fn check_group(g: &Value, m: &Matrix, images: usize, what: &str) {
    let support = |c: usize| m[c].iter().sum::<u64>();
    let predicted = |c: usize| m.iter().map(|r| r[c]).sum::<u64>();
    let total: u64 = m.iter().flatten().sum();
    let correct: u64 = (0..CLASSES).map(|c| m[c][c]).sum();
    assert_eq!(g["images"].as_u64(), Some(images as u64), "{what}: images");
    assert_eq!(g["pixels"].as_u64(), Some(total), "{what}: pixels");
    assert_eq!(&matrix(&g["confusion"]), m, "{what}: confusion");
    same(
        &g["pixel_accuracy"],
        ratio(correct, total),
        &format!("{what}: pixel accuracy"),
    );
    let mut ious = Vec::new();
    for c in 0..CLASSES {
        let s = &g["per_class"][c];
        let tp = m[c][c];
        let iou = ratio(tp, support(c) + predicted(c) - tp);
        assert_eq!(s["id"].as_u64(), Some(c as u64), "{what}: class order");
        assert_eq!(
            s["support"].as_u64(),
            Some(support(c)),
            "{what}: support {c}"
        );
        assert_eq!(
            s["predicted"].as_u64(),
            Some(predicted(c)),
            "{what}: predicted {c}"
        );
        same(&s["iou"], iou, &format!("{what}: IoU of class {c}"));
        assert_eq!(
            iou.is_none(),
            support(c) == 0 && predicted(c) == 0,
            "{what}: IoU is null exactly when class {c} is in neither truth nor prediction"
        );
        same(
            &s["precision"],
            ratio(tp, predicted(c)),
            &format!("{what}: precision {c}"),
        );
        same(
            &s["recall"],
            ratio(tp, support(c)),
            &format!("{what}: recall {c}"),
        );
        same(
            &s["f1"],
            ratio(2 * tp, support(c) + predicted(c)),
            &format!("{what}: F1 {c}"),
        );
        let row = &g["confusion_normalised"][c];
        if support(c) == 0 {
            assert!(
                row.is_null(),
                "{what}: normalised row {c} of an absent class"
            );
        } else {
            for (p, &v) in m[c].iter().enumerate() {
                let want = v as f64 / support(c) as f64;
                same(
                    &row[p],
                    Some(want),
                    &format!("{what}: normalised [{c}][{p}]"),
                );
            }
        }
        if let Some(v) = iou {
            ious.push((v, support(c)));
        }
    }
    let mean =
        (!ious.is_empty()).then(|| ious.iter().map(|x| x.0).sum::<f64>() / ious.len() as f64);
    same(&g["mean_iou"], mean, &format!("{what}: mean IoU"));
    let fw =
        (total > 0).then(|| ious.iter().map(|&(v, s)| v * s as f64).sum::<f64>() / total as f64);
    same(
        &g["frequency_weighted_iou"],
        fw,
        &format!("{what}: frequency-weighted IoU"),
    );
}

/// The study's rock-type rule on per-class pixel counts of the default schema.
fn rock_type(counts: &[u64]) -> &'static str {
    let rock = (counts.iter().sum::<u64>() - counts[0]) as f64;
    let share = |c: usize| counts[c] as f64 / rock;
    if share(7) > 0.05 {
        "olivine_basalt"
    } else if share(1) + share(2) + share(3) > 0.07 {
        "ilmenite_basalt"
    } else {
        "pigeonite_basalt"
    }
}

fn by_name<'a>(list: &'a Value, key: &str, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|g| g[key] == name)
        .unwrap_or_else(|| panic!("no '{name}' in {list}"))
}

#[test]
fn audit_json_agrees_with_a_recount_from_the_pngs() {
    let f = fixture();
    let imgs = labelled_images(&f.root, &f.out);
    let r = f.audit_json(&[]);

    let hash = semcurate::model::multi::model_hash(&f.model).unwrap();
    assert_eq!(r["model"], hash.as_str());
    assert_eq!(r["split"], "all");
    assert_eq!(r["unpredicted"], 0);
    assert_eq!(r["bin_edges"], serde_json::json!([1.0]));
    let names: Vec<&str> = r["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["short"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Void", "Fe", "FeS", "MO", "Py", "Pl", "Si", "Ol", "LSMC", "Na"
        ]
    );

    let all = confusion(&imgs);
    assert_eq!(all.iter().flatten().sum::<u64>(), 8 * 48 * 48);
    check_group(&r, &all, 8, "overall");
    // The fixture exercises every case: IoU strictly between 0 and 1, IoU 0, and no IoU.
    let ious: Vec<Option<f64>> = (0..CLASSES)
        .map(|c| num(&r["per_class"][c]["iou"]))
        .collect();
    assert!(
        ious.iter().flatten().any(|v| *v > 0.0 && *v < 1.0),
        "{ious:?}"
    );
    assert!(ious.iter().flatten().any(|v| *v == 0.0), "{ious:?}");
    assert!(ious.iter().any(Option::is_none), "{ious:?}");

    // Bins under the model's edge 1 µm/px: bin 0 is (0, 1], bin 1 is (1, ∞).
    let bins = r["bins"].as_array().unwrap();
    assert_eq!(bins.len(), 2);
    let mut bin_sum = vec![vec![0u64; CLASSES]; CLASSES];
    for (k, b) in bins.iter().enumerate() {
        assert_eq!(b["bin"].as_u64(), Some(k as u64));
        let members: Vec<&Img> = imgs
            .iter()
            .filter(|i| (i.pixel_size > 1.0) == (k == 1))
            .collect();
        assert_eq!(members.len(), 4, "each sample is one site, one bin");
        let m = confusion(members.iter().copied());
        check_group(b, &m, members.len(), &format!("bin {k}"));
        bin_sum = add(&bin_sum, &m);
    }
    assert_eq!(bins[0]["upper"], 1.0);
    assert!(bins[0]["lower"].is_null() && bins[1]["upper"].is_null());
    assert_eq!(bin_sum, all, "bins partition the audited pixels");

    let samples = r["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 2);
    let mut sample_sum = vec![vec![0u64; CLASSES]; CLASSES];
    for name in ["10003", "12002"] {
        let m = confusion(imgs.iter().filter(|i| i.sample == name));
        check_group(by_name(&r["samples"], "name", name), &m, 4, name);
        sample_sum = add(&sample_sum, &m);

        let a = by_name(&r["abundances"], "sample", name);
        let total = m.iter().flatten().sum::<u64>() as f64;
        let truth: Vec<u64> = (0..CLASSES).map(|c| m[c].iter().sum()).collect();
        let pred: Vec<u64> = (0..CLASSES).map(|c| m.iter().map(|r| r[c]).sum()).collect();
        for c in 0..CLASSES {
            let (t, p) = (truth[c] as f64 / total, pred[c] as f64 / total);
            same(&a["truth"][c], Some(t), "truth share");
            same(&a["predicted"][c], Some(p), "predicted share");
            same(&a["error"][c], Some(p - t), "abundance error");
        }
        assert_eq!(a["rock_type_truth"], rock_type(&truth), "{name}");
        assert_eq!(a["rock_type_predicted"], rock_type(&pred), "{name}");
    }
    assert_eq!(sample_sum, all, "samples partition the audited pixels");

    let mut split_sum = vec![vec![0u64; CLASSES]; CLASSES];
    let mut split_images = 0;
    for s in r["splits"].as_array().unwrap() {
        split_sum = add(&split_sum, &matrix(&s["confusion"]));
        split_images += s["images"].as_u64().unwrap();
    }
    assert_eq!(split_sum, all, "every labelled image has a split");
    assert_eq!(split_images, 8);
}

#[test]
fn split_test_audits_only_the_test_images() {
    // Splits are drawn per scale bin; one pixel-size range puts both labelled groups (one site
    // per sample) in bin 1, so that 0.5,0,0.5 sends one to train and one to test.
    let f = fixture_with(&["--pixel-size-range", "2,3"]);
    let imgs = labelled_images(&f.root, &f.out);
    assert!(imgs.iter().all(|i| i.pixel_size > 1.0));
    semcurate()
        .args(["split", "--quiet", "--fractions", "0.5,0,0.5"])
        .arg(&f.root)
        .assert()
        .success();
    // The split of each image, as the workspace holds it.
    let split_of: BTreeMap<(String, String), String> = {
        let ws = Workspace::open(&f.root.join(".semcurate")).unwrap();
        let splits = ws.splits().unwrap();
        ws.images()
            .unwrap()
            .into_iter()
            .filter_map(|r| {
                splits
                    .get(&r.group)
                    .map(|s| ((r.sample.clone(), r.stem.clone()), s.to_string()))
            })
            .collect()
    };
    let in_split = |i: &&Img, s: &str| split_of[&(i.sample.clone(), i.stem.clone())] == s;
    let test: Vec<&Img> = imgs.iter().filter(|i| in_split(i, "test")).collect();
    let train: Vec<&Img> = imgs.iter().filter(|i| in_split(i, "train")).collect();
    assert_eq!(
        (test.len(), train.len()),
        (4, 4),
        "two labelled groups, one per side: {split_of:?}"
    );
    assert_ne!(test[0].sample, train[0].sample);

    let r = f.audit_json(&["--split", "test"]);
    assert_eq!(r["split"], "test");
    let m = confusion(test.iter().copied());
    check_group(&r, &m, 4, "test");
    let splits = r["splits"].as_array().unwrap();
    assert_eq!(splits.len(), 1, "only the test split is audited");
    assert_eq!(splits[0]["name"], "test");
    check_group(&splits[0], &m, 4, "test split");
    let samples: Vec<&str> = r["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(samples, [test[0].sample.as_str()]);
    let empty = vec![vec![0u64; CLASSES]; CLASSES];
    check_group(&r["bins"][0], &empty, 0, "empty bin 0");
    check_group(&r["bins"][1], &m, 4, "bin 1");

    let t = f.audit_json(&["--split", "train"]);
    check_group(&t, &confusion(train.iter().copied()), 4, "train");
    let v = f.audit(&["--split", "val", "--json"]).output().unwrap();
    assert_eq!(v.status.code(), Some(2), "no labelled image in val");
    assert!(v.stdout.is_empty());
}

#[test]
fn audit_refuses_without_predictions_or_with_another_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, model, extended) = (
        tmp.path().join("d"),
        tmp.path().join("m"),
        tmp.path().join("x"),
    );
    synth_small(&root);
    tiny_model(&model, ClassSchema::default(), 1, 1.0);
    tiny_model(&extended, ClassSchema::extended(), 1, 1.0);

    let o = semcurate()
        .args(["audit", "--quiet", "--json", "--model"])
        .arg(&model)
        .arg(&root)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(o.stdout.is_empty());
    assert!(err.contains("run `semcurate predict` first"), "{err}");
    let hash = semcurate::model::multi::model_hash(&model).unwrap();
    assert!(err.contains(&hash), "names the model: {err}");

    let o = semcurate()
        .args(["audit", "--quiet", "--model"])
        .arg(&extended)
        .arg(&root)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("model classes do not match the dataset's"),
        "{err}"
    );
    assert!(
        err.contains("(11 classes)") && err.contains("(10 classes)"),
        "{err}"
    );

    let o = semcurate()
        .args(["audit", "--quiet", "--model"])
        .arg(tmp.path().join("nowhere"))
        .arg(&root)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot read model"), "{err}");
}

#[test]
fn csv_and_markdown_carry_the_json_numbers() {
    let f = fixture();
    let r = f.audit_json(&[]);

    let out = f.audit(&["--csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("group_type,group,class_id,class,iou,precision,recall,f1,support,predicted,images")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let groups = 1 + 2 + 2 + r["splits"].as_array().unwrap().len();
    assert_eq!(rows.len(), groups * CLASSES, "one row per group and class");
    assert!(rows.iter().all(|r| r.len() == 11));
    let kinds: Vec<&str> = rows.iter().step_by(CLASSES).map(|r| r[0]).collect();
    assert_eq!(&kinds[..5], ["overall", "bin", "bin", "sample", "sample"]);
    assert!(kinds[5..].iter().all(|k| *k == "split"));
    for (c, row) in rows[..CLASSES].iter().enumerate() {
        let s = &r["per_class"][c];
        assert_eq!(row[1], "all");
        assert_eq!(row[2], c.to_string());
        assert_eq!(row[3], s["short"].as_str().unwrap());
        for (cell, key) in row[4..8].iter().zip(["iou", "precision", "recall", "f1"]) {
            assert!(
                rounded(cell, &s[key], 6),
                "{key} of class {c}: '{cell}' vs {}",
                s[key]
            );
        }
        assert_eq!(row[8], s["support"].to_string());
        assert_eq!(row[9], s["predicted"].to_string());
        assert_eq!(row[10], "8");
    }
    for (k, b) in r["bins"].as_array().unwrap().iter().enumerate() {
        let row = &rows[(1 + k) * CLASSES];
        assert_eq!(row[1], b["range"].as_str().unwrap());
        assert_eq!(row[10], "4");
    }

    let out = f.audit(&["--md"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with(&format!(
        "# Audit of model `{}` (split all)",
        r["model"].as_str().unwrap()
    )));
    assert!(md.contains("| class | support | IoU | precision | recall | F1 |"));
    let header =
        "| bin | images | accuracy | mIoU | Void | Fe | FeS | MO | Py | Pl | Si | Ol | LSMC | Na |";
    assert!(md.contains(header), "{md}");
    for b in r["bins"].as_array().unwrap() {
        let range = b["range"].as_str().unwrap();
        let row: Vec<&str> = md
            .lines()
            .find(|l| l.starts_with(&format!("| {range} |")))
            .unwrap_or_else(|| panic!("no row for bin '{range}' in\n{md}"))
            .split('|')
            .map(str::trim)
            .collect();
        assert_eq!(row.len(), 4 + CLASSES + 2, "{row:?}");
        assert_eq!(row[2], b["images"].to_string());
        assert!(rounded(row[3], &b["pixel_accuracy"], 3), "{row:?}");
        assert!(rounded(row[4], &b["mean_iou"], 3), "{row:?}");
        for c in 0..CLASSES {
            let iou = &b["per_class"][c]["iou"];
            assert!(
                rounded(row[5 + c], iou, 3),
                "bin '{range}' class {c}: {row:?}"
            );
        }
    }
    let rows = md
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| bin") && !l.starts_with("| class"))
        .count();
    assert_eq!(rows, CLASSES + 2, "one row per class, one per bin");

    // The formats exclude each other.
    let o = f.audit(&["--json", "--csv"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));

    // --plot writes three drawn PNGs beside any format.
    let plots = f.root.parent().unwrap().join("plots");
    let o = f
        .audit(&["--md", "--plot", plots.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        md,
        "plots do not change the report"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("wrote 3 plots"));
    for name in ["confusion.png", "iou_per_bin.png", "abundance.png"] {
        let img = image::open(plots.join(name)).unwrap().to_rgb8();
        let first = img.get_pixel(0, 0);
        assert!(
            img.pixels().filter(|p| p != &first).count() > 1000,
            "{name} has something drawn"
        );
    }
}

#[test]
fn the_audit_cache_follows_the_mask_map() {
    let f = fixture();
    let plain = f.audit_json(&[]);
    // Swap Py (4) and Pl (5), every other value as is.
    let swapped = f.audit_json(&["--mask-map", "0=0,1=1,2=2,3=3,4=5,5=4,6=6,7=7,8=8,9=9"]);
    let support = |r: &Value, c: usize| r["per_class"][c]["support"].as_u64().unwrap();
    assert_ne!(support(&plain, 4), support(&plain, 5));
    assert_eq!(
        (support(&swapped, 4), support(&swapped, 5)),
        (support(&plain, 5), support(&plain, 4)),
        "the masks are read with the mask map in use, not the one of the cached audit"
    );
}

#[test]
fn the_audit_cache_is_stable_and_follows_a_changed_mask() {
    let f = fixture();
    let first = f.audit(&["--json"]).output().unwrap();
    assert_eq!(first.status.code(), Some(0));
    let second = f.audit(&["--json"]).output().unwrap();
    assert_eq!(
        String::from_utf8(first.stdout.clone()).unwrap(),
        String::from_utf8(second.stdout).unwrap(),
        "a cached audit reads the same"
    );
    let hash = semcurate::model::multi::model_hash(&f.model).unwrap();
    let cached = Workspace::open(&f.root.join(".semcurate"))
        .unwrap()
        .cached_audits(&hash)
        .unwrap();
    assert_eq!(cached.len(), 8, "every audited image is cached");
    let before: Value = serde_json::from_slice(&first.stdout).unwrap();

    // Relabel one mask: every pixel moves to the next class id.
    let mut imgs = labelled_images(&f.root, &f.out);
    let changed = imgs.iter().position(|i| i.sample == "12002").unwrap();
    let path = f
        .root
        .join("12002/output-images")
        .join(format!("{}.png", imgs[changed].stem));
    let relabelled: Vec<u8> = imgs[changed]
        .truth
        .iter()
        .map(|&v| (v + 1) % CLASSES as u8)
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(20));
    write_grey(&path, SIDE, SIDE, &relabelled);
    imgs[changed].truth = relabelled;

    let after = f.audit_json(&[]);
    assert_ne!(after["confusion"], before["confusion"]);
    check_group(&after, &confusion(&imgs), 8, "overall after the change");
    check_group(
        by_name(&after["samples"], "name", "12002"),
        &confusion(imgs.iter().filter(|i| i.sample == "12002")),
        4,
        "12002 after the change",
    );
    assert_eq!(
        by_name(&after["samples"], "name", "10003"),
        by_name(&before["samples"], "name", "10003"),
        "the untouched sample is unchanged"
    );
    let recached = Workspace::open(&f.root.join(".semcurate"))
        .unwrap()
        .cached_audits(&hash)
        .unwrap();
    let moved: Vec<ImageId> = cached
        .iter()
        .filter(|(id, c)| recached[*id].mask_fp != c.mask_fp)
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(moved.len(), 1, "only the changed image is audited again");
    let third = f.audit(&["--json"]).output().unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&third.stdout).unwrap(),
        after
    );
}
