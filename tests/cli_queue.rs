//! `semcurate queue` end to end, every ranked number recomputed here from the masks and the
//! stored prediction maps.
//!
//! Two fixtures, both a real `synth` + `predict` with a tiny seeded random model:
//! - as synthesised, with a mildly confident model: rare-low-iou, uncertain and mixed;
//! - planted, with an over-confident model: every mask is rewritten from the stored
//!   prediction (the model then agrees with every label), and a few rectangles are relabelled
//!   to a class the model does not predict there, where its margin is 1. These planted label
//!   errors are the only confident disagreements, whatever the random weights predict.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{json_of, predict, read_grey, semcurate, synth_small, tiny_model, write_grey};
use semcurate::dataset::ClassSchema;
use semcurate::dataset::workspace::Workspace;
use serde_json::Value;

const CLASSES: usize = 10;
const W: usize = 48;
const NAMES: [&str; CLASSES] = [
    "Void", "Fe", "FeS", "MO", "Py", "Pl", "Si", "Ol", "LSMC", "Na",
];
/// Margin (0–255) from which a disagreement belongs to a region (`CONFIDENT_MARGIN`).
const CONFIDENT: u8 = 128;

/// One image with its stored prediction and, when labelled, its mask.
struct Img {
    id: i64,
    sample: String,
    stem: String,
    image_path: String,
    /// Split group (site).
    group: String,
    /// Scale bin under the workspace's bins (what queue items report).
    bin: Option<u32>,
    pixel_size: f64,
    pred: Vec<u8>,
    margin: Vec<u8>,
    truth: Option<Vec<u8>>,
}

impl Img {
    fn truth(&self) -> &[u8] {
        self.truth.as_deref().unwrap()
    }
}

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    model: PathBuf,
    /// Sorted by sample and stem.
    imgs: Vec<Img>,
}

/// Every image with its stored prediction and its mask as on disk, sorted by sample and stem.
fn stored(root: &Path, model: &Path) -> Vec<Img> {
    let hash = semcurate::model::multi::model_hash(model).unwrap();
    let ws = Workspace::open(&root.join(".semcurate")).unwrap();
    let mut imgs: Vec<Img> = ws
        .images()
        .unwrap()
        .into_iter()
        .map(|r| {
            let p = ws.prediction(r.id, &hash).unwrap().unwrap();
            assert_eq!((p.width, p.height), (W as u32, W as u32));
            Img {
                id: r.id.0,
                sample: r.sample,
                stem: r.stem,
                image_path: r.image_path,
                group: r.group,
                bin: r.bin,
                pixel_size: r.pixel_size.unwrap(),
                pred: p.classes,
                margin: p.margin,
                truth: r.mask_path.map(|m| read_grey(&root.join(m)).2),
            }
        })
        .collect();
    imgs.sort_by(|a, b| (&a.sample, &a.stem).cmp(&(&b.sample, &b.stem)));
    assert_eq!(imgs.len(), 10);
    assert_eq!(imgs.iter().filter(|i| i.truth.is_some()).count(), 8);
    imgs
}

/// The synthetic dataset as written, predicted by a model of mild confidence (seed 5): Py in
/// bin 1, mostly Fe with some LSMC and Na in bin 0, rare or absent in the masks, so at risk.
fn as_synthesised() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let (root, model) = (tmp.path().join("d"), tmp.path().join("m"));
    synth_small(&root);
    tiny_model(&model, ClassSchema::default(), 5, 100.0);
    assert_eq!(predict(&root, &model, None)["predicted"], 10);
    let imgs = stored(&root, &model);
    Fixture {
        _tmp: tmp,
        root,
        model,
        imgs,
    }
}

/// Planted label errors: (index among the labelled images, rectangle `[x0, y0, x1, y1)`).
const PLANTS: [(usize, [usize; 4]); 3] = [
    (5, [4, 6, 28, 26]),
    (1, [30, 30, 42, 42]),
    (6, [0, 40, 6, 46]),
];

/// Masks := predictions of an over-confident model (seed 4: margin 1 nearly everywhere), then
/// [`PLANTS`].
fn planted() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let (root, model) = (tmp.path().join("d"), tmp.path().join("m"));
    synth_small(&root);
    tiny_model(&model, ClassSchema::default(), 4, 1e5);
    assert_eq!(predict(&root, &model, None)["predicted"], 10);
    let mut imgs = stored(&root, &model);
    let labelled: Vec<usize> = (0..imgs.len())
        .filter(|&i| imgs[i].truth.is_some())
        .collect();
    for &i in &labelled {
        imgs[i].truth = Some(imgs[i].pred.clone());
    }
    for (k, rect) in PLANTS {
        let img = &mut imgs[labelled[k]];
        let q = relabel_class(&img.pred);
        let mut relabelled = 0;
        for y in rect[1]..rect[3] {
            for x in rect[0]..rect[2] {
                // Margin 255 only: a confidently wrong pixel under any class threshold.
                if img.margin[y * W + x] == 255 {
                    img.truth.as_mut().unwrap()[y * W + x] = q;
                    relabelled += 1;
                }
            }
        }
        let area = (rect[2] - rect[0]) * (rect[3] - rect[1]);
        assert!(
            relabelled * 10 >= area * 9,
            "the model is confident over the plant: {relabelled} of {area}"
        );
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    for &i in &labelled {
        let img = &imgs[i];
        let path = root
            .join(&img.sample)
            .join("output-images")
            .join(format!("{}.png", img.stem));
        assert!(path.is_file(), "{}", path.display());
        write_grey(&path, W as u32, W as u32, img.truth());
    }
    Fixture {
        _tmp: tmp,
        root,
        model,
        imgs,
    }
}

/// The lowest class id the model predicts nowhere in the image.
fn relabel_class(pred: &[u8]) -> u8 {
    let seen: BTreeSet<u8> = pred.iter().copied().collect();
    (0..CLASSES as u8)
        .find(|c| !seen.contains(c))
        .expect("the tiny model predicts fewer than 10 classes in a tile")
}

impl Fixture {
    fn queue(&self, extra: &[&str]) -> assert_cmd::Command {
        let mut cmd = semcurate();
        cmd.args(["queue", "--quiet", "--model"])
            .arg(&self.model)
            .args(extra)
            .arg(&self.root);
        cmd
    }

    fn queue_json(&self, extra: &[&str]) -> Value {
        let mut args = vec!["--json"];
        args.extend_from_slice(extra);
        json_of(&mut self.queue(&args))
    }

    fn labelled(&self) -> impl Iterator<Item = &Img> {
        self.imgs.iter().filter(|i| i.truth.is_some())
    }
}

type Matrix = [[u64; CLASSES]; CLASSES];

fn confusion<'a>(imgs: impl IntoIterator<Item = &'a Img>) -> Matrix {
    let mut m = [[0u64; CLASSES]; CLASSES];
    for img in imgs {
        for (&t, &p) in img.truth().iter().zip(&img.pred) {
            m[usize::from(t)][usize::from(p)] += 1;
        }
    }
    m
}

fn support(m: &Matrix, c: usize) -> u64 {
    m[c].iter().sum()
}

fn predicted(m: &Matrix, c: usize) -> u64 {
    m.iter().map(|r| r[c]).sum()
}

fn iou(m: &Matrix, c: usize) -> Option<f64> {
    let union = support(m, c) + predicted(m, c) - m[c][c];
    (union > 0).then(|| m[c][c] as f64 / union as f64)
}

/// At-risk classes: IoU below `risk_iou` overall or in a bin of the model (edge 1 µm/px),
/// counted only where the class has at least `min_pixels` true pixels.
fn at_risk(imgs: &[&Img], min_pixels: u64, risk_iou: f64) -> Vec<usize> {
    let all = confusion(imgs.iter().copied());
    let bins = [false, true].map(|coarse| {
        confusion(
            imgs.iter()
                .copied()
                .filter(|i| (i.pixel_size > 1.0) == coarse),
        )
    });
    (0..CLASSES)
        .filter(|&c| {
            let low =
                |m: &Matrix| support(m, c) >= min_pixels && iou(m, c).is_some_and(|v| v < risk_iou);
            low(&all) || bins.iter().any(low)
        })
        .collect()
}

/// Underrepresented classes: some true pixels, below `rare_share` of them all.
fn underrepresented(imgs: &[&Img], rare_share: f64) -> Vec<usize> {
    let all = confusion(imgs.iter().copied());
    let total: u64 = all.iter().flatten().sum();
    (0..CLASSES)
        .filter(|&c| support(&all, c) > 0 && (support(&all, c) as f64 / total as f64) < rare_share)
        .collect()
}

fn items(q: &Value) -> &Vec<Value> {
    q["items"].as_array().unwrap()
}

fn ids(q: &Value) -> Vec<i64> {
    items(q)
        .iter()
        .map(|i| i["image_id"].as_i64().unwrap())
        .collect()
}

#[track_caller]
fn near(v: &Value, want: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
    assert!((got - want).abs() < 1e-9, "{got} vs {want}");
}

/// Sorts (score, image) pairs as the queue does: score down, then sample and stem.
fn rank_order(v: &mut [(f64, &Img)]) {
    v.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| (&a.1.sample, &a.1.stem).cmp(&(&b.1.sample, &b.1.stem)))
    });
}

/// Checks `queue --strategy rare-low-iou` under the thresholds against a recount: Σ over
/// at-risk classes with image IoU below `risk_iou` of (1 − IoU)·log10(10 + pixels of the class
/// in mask ∪ prediction)·(1 − the share of the class's pixels the model misses in the other
/// images, when they hold ≥ 1000). Returns whether some listed IoU is above 0.
fn check_rare_low_iou(f: &Fixture, min_pixels: u64, risk_iou: f64) -> bool {
    let labelled: Vec<&Img> = f.labelled().collect();
    let risky = at_risk(&labelled, min_pixels, risk_iou);
    let (px_arg, iou_arg) = (min_pixels.to_string(), risk_iou.to_string());
    let q = f.queue_json(&[
        "--strategy",
        "rare-low-iou",
        "--budget",
        "100",
        "--risk-min-pixels",
        &px_arg,
        "--risk-iou",
        &iou_arg,
    ]);
    let names: Vec<&str> = risky.iter().map(|&c| NAMES[c]).collect();
    assert_eq!(q["at_risk"], serde_json::json!(names));
    let rare: Vec<&str> = underrepresented(&labelled, 0.02)
        .iter()
        .map(|&c| NAMES[c])
        .collect();
    assert_eq!(q["underrepresented"], serde_json::json!(rare));
    let mut want: Vec<(f64, &Img)> = Vec::new();
    let mut why: BTreeMap<i64, (String, BTreeMap<String, f64>)> = BTreeMap::new();
    let mut some_hits = false;
    let all = confusion(labelled.iter().copied());
    for img in &labelled {
        let m = confusion([*img]);
        let (mut score, mut parts, mut numbers) = (0.0, Vec::new(), BTreeMap::new());
        for &c in &risky {
            let Some(v) = iou(&m, c).filter(|v| *v < risk_iou) else {
                continue;
            };
            some_hits |= v > 0.0;
            let px = (support(&m, c) + predicted(&m, c) - m[c][c]) as f64;
            let elsewhere = support(&all, c) - support(&m, c);
            let miss = (elsewhere >= 1000)
                .then(|| (elsewhere - (all[c][c] - m[c][c])) as f64 / elsewhere as f64);
            score += (1.0 - v) * (10.0 + px).log10() * (1.0 - miss.unwrap_or(0.0));
            let mut part = format!(
                "{} IoU {v:.2} over {px} px (mask {} px, predicted {} px)",
                NAMES[c],
                support(&m, c),
                predicted(&m, c)
            );
            if let Some(r) = miss {
                let _ = write!(
                    part,
                    ", elsewhere the model misses {:.0}% of {} (×{:.2})",
                    r * 100.0,
                    NAMES[c],
                    1.0 - r
                );
                numbers.insert(format!("missed_elsewhere_{}", NAMES[c]), r);
            }
            parts.push(part);
            numbers.insert(format!("iou_{}", NAMES[c]), v);
            numbers.insert(format!("pixels_{}", NAMES[c]), px);
        }
        if score > 0.0 {
            want.push((score, img));
            let reason = format!("at-risk class with low IoU here: {}", parts.join("; "));
            why.insert(img.id, (reason, numbers));
        }
    }
    rank_order(&mut want);
    assert!(!want.is_empty());
    assert_eq!(ids(&q), want.iter().map(|w| w.1.id).collect::<Vec<_>>());
    for (it, (score, img)) in items(&q).iter().zip(&want) {
        let (reason, numbers) = &why[&img.id];
        assert_eq!(it["labelled"], true);
        assert_eq!(it["strategy"], "rare-low-iou");
        assert_eq!(it["reason"], reason.as_str());
        near(&it["score"], *score);
        let got = it["numbers"].as_object().unwrap();
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            numbers.keys().collect::<Vec<_>>()
        );
        for (k, v) in numbers {
            near(&got[k], *v);
        }
    }
    some_hits
}

#[test]
fn rare_low_iou_and_uncertain_follow_their_definitions() {
    let f = as_synthesised();
    let labelled: Vec<&Img> = f.labelled().collect();
    let risky = at_risk(&labelled, 1000, 0.5);
    assert!(!risky.is_empty(), "the random model misses some classes");

    check_rare_low_iou(&f, 1000, 0.5);
    // Wider thresholds put more classes at risk, with images where their IoU is above 0.
    let some_hits = check_rare_low_iou(&f, 1, 0.9);
    assert!(some_hits, "an at-risk class is partly right in some image");

    // uncertain: unlabelled images only, (1 − mean margin)·(1 + 0.5 per at-risk class
    // predicted in ≥ 100 px); under the wide thresholds, so that the boost is exercised.
    let risky = at_risk(&labelled, 1, 0.9);
    let q = f.queue_json(&[
        "--strategy",
        "uncertain",
        "--risk-min-pixels",
        "1",
        "--risk-iou",
        "0.9",
    ]);
    let unlabelled: Vec<&Img> = f.imgs.iter().filter(|i| i.truth.is_none()).collect();
    assert_eq!(unlabelled.len(), 2);
    assert_ne!(unlabelled[0].sample, unlabelled[1].sample, "one per sample");
    // At-risk classes each unlabelled image predicts in at least 100 px.
    let rare = |img: &Img| -> Vec<&str> {
        risky
            .iter()
            .filter(|&&c| img.pred.iter().filter(|&&p| usize::from(p) == c).count() >= 100)
            .map(|&c| NAMES[c])
            .collect()
    };
    // The tiny random model's predicted classes are absent from the truth, so none is at
    // risk and no boost applies here; the boost is unit-tested in review::queue.
    let mut want: Vec<(f64, &Img)> = unlabelled
        .iter()
        .map(|img| {
            let boost = 1.0 + 0.5 * rare(img).len() as f64;
            ((1.0 - mean_margin(img)) * boost, *img)
        })
        .collect();
    rank_order(&mut want);
    assert_eq!(ids(&q), want.iter().map(|w| w.1.id).collect::<Vec<_>>());
    for (it, (score, img)) in items(&q).iter().zip(&want) {
        let mean = mean_margin(img);
        assert_eq!(it["labelled"], false);
        assert_eq!(it["strategy"], "uncertain");
        near(&it["numbers"]["mean_margin"], mean);
        near(&it["numbers"]["uncertainty"], 1.0 - mean);
        near(&it["score"], *score);
        let mut reason = format!("unlabelled; mean margin {mean:.2}");
        if !rare(img).is_empty() {
            reason = format!("{reason}; predicts at-risk {}", rare(img).join(", "));
        }
        assert_eq!(it["reason"], reason.as_str());
    }
}

#[test]
fn uncertain_skips_the_stale_prediction_of_a_changed_image() {
    let f = as_synthesised();
    let before = f.queue_json(&["--strategy", "uncertain"]);
    let changed = f.imgs.iter().find(|i| i.truth.is_none()).unwrap();
    assert!(ids(&before).contains(&changed.id));
    std::thread::sleep(std::time::Duration::from_millis(20));
    common::write(
        &f.root.join(&changed.image_path),
        &common::grey_png(W as u32, W as u32),
    );
    // Like `audit`, which counts a labelled image predicted from an older file as unpredicted.
    let after = f.queue_json(&["--strategy", "uncertain"]);
    assert!(
        !ids(&after).contains(&changed.id),
        "ranked by a prediction of the image's old file: {after}"
    );
    // Left out, and said so: the queue counts the unlabelled images it could not rank.
    assert_eq!(before["unpredicted"], 0, "{before}");
    assert_eq!(after["unpredicted"], 1, "{after}");
}

/// Mean margin of a prediction, 0–1.
fn mean_margin(img: &Img) -> f64 {
    img.margin.iter().map(|&m| f64::from(m)).sum::<f64>() / (255.0 * img.margin.len() as f64)
}

/// The largest 4-connected region where the prediction differs from the mask with margin ≥
/// 0.5: (pixels, most frequent true class, most frequent predicted class, bbox); the first
/// found in raster order among equally large ones.
fn largest_region(img: &Img) -> (u32, u8, u8, [usize; 4], Vec<usize>) {
    let truth = img.truth();
    let n = truth.len();
    let flagged = |i: usize| truth[i] != img.pred[i] && img.margin[i] >= CONFIDENT;
    let mut seen = vec![false; n];
    let mut best: (u32, u8, u8, [usize; 4], Vec<usize>) = (0, 0, 0, [0; 4], Vec::new());
    for start in 0..n {
        if seen[start] || !flagged(start) {
            continue;
        }
        seen[start] = true;
        let mut todo = vec![start];
        let mut members = Vec::new();
        while let Some(i) = todo.pop() {
            members.push(i);
            let (x, y) = (i % W, i / W);
            let near = [
                (x > 0).then(|| i - 1),
                (x + 1 < W).then(|| i + 1),
                (y > 0).then(|| i - W),
                (y + 1 < W).then(|| i + W),
            ];
            for j in near.into_iter().flatten() {
                if !seen[j] && flagged(j) {
                    seen[j] = true;
                    todo.push(j);
                }
            }
        }
        if members.len() as u32 > best.0 {
            let mode = |map: &[u8]| {
                let mut count = [0u32; CLASSES];
                for &i in &members {
                    count[usize::from(map[i])] += 1;
                }
                let top = *count.iter().max().unwrap();
                count.iter().position(|&c| c == top).unwrap() as u8
            };
            let xs = members.iter().map(|i| i % W);
            let ys = members.iter().map(|i| i / W);
            best = (
                members.len() as u32,
                mode(truth),
                mode(&img.pred),
                [
                    xs.clone().min().unwrap(),
                    ys.clone().min().unwrap(),
                    xs.max().unwrap(),
                    ys.max().unwrap(),
                ],
                members,
            );
        }
    }
    best
}

/// Per-class thresholds: mean margin (0–255, floored) of the correctly predicted pixels of the
/// class over every labelled image; 128 for a class never predicted correctly.
fn thresholds<'a>(imgs: impl Iterator<Item = &'a Img>) -> Vec<u64> {
    let mut sum = [0u64; CLASSES];
    let mut count = [0u64; CLASSES];
    for img in imgs {
        for ((t, p), m) in img.truth().iter().zip(&img.pred).zip(&img.margin) {
            if t == p {
                sum[usize::from(*p)] += u64::from(*m);
                count[usize::from(*p)] += 1;
            }
        }
    }
    (0..CLASSES)
        .map(|c| sum[c].checked_div(count[c]).map_or(128, |v| v.min(255)))
        .collect()
}

/// Prior chance of a label error in label-suspect (`PRIOR`).
const PRIOR: f64 = 0.01;

/// How far evidence of likelihood ratio e^`lr` raises the chance of an error above `PRIOR`.
fn error_gain(lr: f64) -> f64 {
    let odds = PRIOR / (1.0 - PRIOR) * lr.clamp(-20.0, 20.0).exp();
    ((odds / (1.0 + odds) - PRIOR) / (1.0 - PRIOR)).max(0.0)
}

/// ln N(x; mean, sd) up to a constant, sd floored at 2 grey levels.
fn log_likelihood(x: f64, mean: f64, sd: f64) -> f64 {
    let sd = sd.max(2.0);
    -0.5 * ((x - mean) / sd).powi(2) - sd.ln()
}

/// Expected label-suspect item of one image: score, region pixels, confidently wrong pixels
/// (margin ≥ the predicted class's threshold) and reason; `None` without a region or an odd
/// grey region. The score is region pixels × `error_gain(ln(model ratio) + ln(grey ratio))`:
/// the model ratio is P(predicts pc | labelled pc) / P(predicts pc | labelled tc) over the
/// other images, with Beta priors of 100 pixels at 50 % and 5 %; the grey ratio is the
/// Gaussian likelihood ratio of the region's mean grey under the two classes' references
/// (labelled pixels of the site's other images, else agreeing pixels of the image, ≥ 30 px),
/// 1 where they overlap; plus the grey-alone part.
fn suspect(img: &Img, t: &[u64], all: &[&Img], root: &Path) -> Option<(f64, u32, u64, String)> {
    let truth = img.truth();
    let confident = truth
        .iter()
        .zip(&img.pred)
        .zip(&img.margin)
        .filter(|((tr, p), m)| tr != p && u64::from(**m) >= t[usize::from(**p)])
        .count() as u64;
    let share = confident as f64 / truth.len() as f64;
    let (_, _, grey) = read_grey(&root.join(&img.image_path));
    let odd = odd_part(img, &grey);
    let (pixels, tc, pc, bbox, members) = largest_region(img);
    if pixels == 0 {
        return odd.map(|(score, reason)| (score, 0, confident, reason));
    }
    let rate = |from: u8, to: u8, prior: f64| {
        let (mut n, mut k) = (0u64, 0u64);
        for other in all.iter().filter(|o| o.id != img.id) {
            for (tr, p) in other.truth().iter().zip(&other.pred) {
                n += u64::from(*tr == from);
                k += u64::from(*tr == from && *p == to);
            }
        }
        (k as f64 + prior * 100.0) / (n as f64 + 100.0)
    };
    let (habit, recall) = (rate(tc, pc, 0.05), rate(pc, pc, 0.5));
    let agreeing = |other: &Img, c: u8| -> Vec<f64> {
        let (_, _, g) = read_grey(&root.join(&other.image_path));
        (0..g.len())
            .filter(|&i| other.truth()[i] == c && other.pred[i] == c)
            .map(|i| f64::from(g[i]))
            .collect()
    };
    let region = members.iter().map(|&i| f64::from(grey[i])).sum::<f64>() / members.len() as f64;
    let labelled_in_site = |c: u8| -> Vec<f64> {
        all.iter()
            .filter(|o| o.group == img.group && o.id != img.id)
            .flat_map(|o| {
                let (_, _, g) = read_grey(&root.join(&o.image_path));
                let tr = o.truth();
                (0..g.len())
                    .filter(|&i| tr[i] == c)
                    .map(|i| f64::from(g[i]))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let reference = |c: u8| {
        let stats = |v: &[f64], from_site: bool| {
            (v.len() >= 30).then(|| {
                let m = v.iter().sum::<f64>() / v.len() as f64;
                let var = v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64 - m * m;
                (m, var.max(0.0).sqrt(), from_site)
            })
        };
        stats(&labelled_in_site(c), true).or_else(|| stats(&agreeing(img, c), false))
    };
    let (claimed, predicted) = (reference(tc), reference(pc));
    // Grey does not weigh in where the two references lie within one spread (≥ 2 levels).
    let overlap = matches!((claimed, predicted), (Some(c), Some(p)) if (c.0 - p.0).abs() < c.1.max(p.1).max(2.0));
    let lr = match (claimed, predicted) {
        (Some(c), Some(p)) if !overlap => {
            (log_likelihood(region, p.0, p.1) - log_likelihood(region, c.0, c.1)).clamp(-10.0, 10.0)
        }
        _ => 0.0,
    };
    let gain = error_gain((recall / habit).ln() + lr);
    let score = f64::from(pixels) * gain;
    let (tn, pn) = (NAMES[usize::from(tc)], NAMES[usize::from(pc)]);
    let mut reason = format!(
        "a {pixels}-px region labelled {tn} is confidently predicted {pn} (margin ≥ 0.5, box {bbox:?}); {confident} px ({:.1}%) confidently disagree with the mask; elsewhere the model predicts {pn} for {:.0}% of {tn} pixels and {:.0}% of {pn} pixels (×{:.2})",
        share * 100.0,
        habit * 100.0,
        recall * 100.0,
        recall / habit
    );
    let parts: Vec<String> = [(claimed, tn), (predicted, pn)]
        .into_iter()
        .filter_map(|(r, name)| {
            r.map(|(m, sd, from_site)| {
                let whose = if from_site {
                    "its site's"
                } else {
                    "this image's"
                };
                format!(
                    "{:.1} σ from {whose} {name} ({m:.0})",
                    (region - m).abs() / sd.max(2.0)
                )
            })
        })
        .collect();
    if parts.is_empty() {
        let _ = write!(
            reason,
            "; grey {region:.0}, with no reference pixels of either class"
        );
    } else {
        let _ = write!(
            reason,
            "; their grey level {region:.0} is {}",
            parts.join(" and ")
        );
        if overlap {
            let _ = write!(
                reason,
                " (grey cannot tell {tn} from {pn} here: not counted)"
            );
        } else if claimed.is_some() && predicted.is_some() {
            let _ = write!(reason, " (×{:.2})", lr.exp());
        }
    }
    let _ = write!(
        reason,
        "; chance they are mislabelled {:.1}% (prior 1%)",
        (PRIOR + gain * (1.0 - PRIOR)) * 100.0
    );
    match odd {
        Some((s, r)) => Some((score + s, pixels, confident, format!("{reason}; {r}"))),
        None => Some((score, pixels, confident, reason)),
    }
}

/// The image's grey-alone part of label-suspect: its odd region (found by the library's
/// `grey_odd`, tested on its own) with the most pixels × `error_gain` of its likelihood ratio
/// between the image's class centres.
fn odd_part(img: &Img, grey: &[u8]) -> Option<(f64, String)> {
    let regions = semcurate::metrics::grey_odd::odd_regions(grey, img.truth(), W, CLASSES);
    let lr = |r: &semcurate::metrics::grey_odd::OddRegion| {
        (log_likelihood(r.grey, r.resembled_centre, r.resembled_spread)
            - log_likelihood(r.grey, r.claimed_centre, r.claimed_spread))
        .clamp(-10.0, 10.0)
    };
    let score =
        |r: &semcurate::metrics::grey_odd::OddRegion| f64::from(r.pixels) * error_gain(lr(r));
    let r = regions
        .iter()
        .filter(|r| score(r) > 0.0)
        .max_by(|a, b| score(a).total_cmp(&score(b)))?;
    let (cn, kn) = (
        NAMES[usize::from(r.claimed)],
        NAMES[usize::from(r.resembles)],
    );
    Some((
        score(r),
        format!(
            "a {}-px region labelled {cn} has the grey level of {kn} (box {:?}): {:.0} against this image's {cn} {:.0} ± {:.1} and {kn} {:.0} ± {:.1}, likelihood ratio {:.1} for an error whatever the model says",
            r.pixels,
            r.bbox,
            r.grey,
            r.claimed_centre,
            r.claimed_spread,
            r.resembled_centre,
            r.resembled_spread,
            lr(r).exp()
        ),
    ))
}

#[test]
fn label_suspect_ranks_the_planted_label_errors_first() {
    let f = planted();
    let t = thresholds(f.labelled());
    let all: Vec<&Img> = f.labelled().collect();
    let mut expected: Vec<(f64, &Img)> = f
        .labelled()
        .filter_map(|i| suspect(i, &t, &all, &f.root).map(|s| (s.0, i)))
        .collect();
    rank_order(&mut expected);
    let labelled: Vec<&Img> = f.labelled().collect();
    // Only the planted images disagree with their masks. Their order is the evidence's, not
    // their sizes': the grey level of a plant against its new class's references decides
    // as much as its pixels.
    assert_eq!(
        expected.iter().map(|e| e.1.id).collect::<BTreeSet<_>>(),
        PLANTS
            .map(|(k, _)| labelled[k].id)
            .into_iter()
            .collect::<BTreeSet<_>>()
    );

    let q = f.queue_json(&["--strategy", "label-suspect", "--budget", "10"]);
    assert_eq!(q["strategy"], "label-suspect");
    assert_eq!(
        q["model"],
        semcurate::model::multi::model_hash(&f.model)
            .unwrap()
            .as_str()
    );
    assert_eq!(
        ids(&q),
        expected.iter().map(|e| e.1.id).collect::<Vec<_>>(),
        "images that agree with their masks are not listed"
    );
    for (k, (it, (score, img))) in items(&q).iter().zip(&expected).enumerate() {
        let (_, pixels, confident, reason) = suspect(img, &t, &all, &f.root).unwrap();
        let keys: BTreeSet<&str> = it.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "rank",
                "image_id",
                "sample",
                "stem",
                "image_path",
                "bin",
                "labelled",
                "strategy",
                "score",
                "reason",
                "numbers"
            ])
        );
        assert_eq!(it["rank"].as_u64(), Some(k as u64 + 1));
        assert_eq!(it["sample"], img.sample.as_str());
        assert_eq!(it["stem"], img.stem.as_str());
        assert_eq!(it["image_path"], img.image_path.as_str());
        assert_eq!(it["bin"].as_u64(), img.bin.map(u64::from));
        assert_eq!(it["labelled"], true);
        assert_eq!(it["strategy"], "label-suspect");
        assert_eq!(it["reason"], reason.as_str());
        near(&it["numbers"]["region_pixels"], f64::from(pixels));
        near(&it["numbers"]["confident_wrong_pixels"], confident as f64);
        near(
            &it["numbers"]["confident_wrong_share"],
            confident as f64 / 2304.0,
        );
        near(&it["score"], *score);
    }
    // The leading reason names the classes of its plant: the relabelled one and the model's.
    let first = items(&q)[0]["image_id"].as_i64().unwrap();
    let (k, bx) = PLANTS
        .into_iter()
        .find(|(k, _)| labelled[*k].id == first)
        .unwrap();
    let lead = labelled[k];
    let (q_class, p_class) = (
        NAMES[usize::from(relabel_class(&lead.pred))],
        NAMES[usize::from(lead.pred[bx[1].midpoint(bx[3]) * W + bx[0].midpoint(bx[2])])],
    );
    let reason = items(&q)[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!(
            "region labelled {q_class} is confidently predicted {p_class}"
        )),
        "{reason}"
    );

    let two = f.queue_json(&["--strategy", "label-suspect", "--budget", "2"]);
    assert_eq!(ids(&two), ids(&q)[..2], "the budget cuts the same ranking");
    let none = f.queue_json(&["--strategy", "label-suspect", "--budget", "0"]);
    assert!(items(&none).is_empty());
}

/// Interleaves label-suspect, rare-low-iou and uncertain, each image once, as `mixed` does.
fn interleave(lists: [&Vec<Value>; 3], budget: usize) -> Vec<i64> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut cursors = [0usize; 3];
    while out.len() < budget && (0..3).any(|k| cursors[k] < lists[k].len()) {
        for k in 0..3 {
            while cursors[k] < lists[k].len() {
                let id = lists[k][cursors[k]]["image_id"].as_i64().unwrap();
                cursors[k] += 1;
                if seen.insert(id) {
                    out.push(id);
                    break;
                }
            }
            if out.len() >= budget {
                break;
            }
        }
    }
    out
}

#[test]
fn mixed_interleaves_the_strategies_deterministically() {
    let f = as_synthesised();
    let a = f.queue(&["--json", "--budget", "7"]).output().unwrap();
    let b = f.queue(&["--json", "--budget", "7"]).output().unwrap();
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(
        a.stdout, b.stdout,
        "same workspace, same queue, byte for byte"
    );
    let mixed: Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(mixed["strategy"], "mixed");

    let ls = f.queue_json(&["--strategy", "label-suspect", "--budget", "100"]);
    let rl = f.queue_json(&["--strategy", "rare-low-iou", "--budget", "100"]);
    let un = f.queue_json(&["--strategy", "uncertain", "--budget", "100"]);
    for list in [&ls, &rl, &un] {
        assert!(!items(list).is_empty(), "{list}");
    }
    let want = interleave([items(&ls), items(&rl), items(&un)], 7);
    assert_eq!(want.len(), 7);
    assert_eq!(ids(&mixed), want);
    let ranks: Vec<u64> = items(&mixed)
        .iter()
        .map(|i| i["rank"].as_u64().unwrap())
        .collect();
    assert_eq!(ranks, (1..=7).collect::<Vec<u64>>());
    let strategies: BTreeSet<&str> = items(&mixed)
        .iter()
        .map(|i| i["strategy"].as_str().unwrap())
        .collect();
    assert!(strategies.contains("uncertain"), "{strategies:?}");
    assert_eq!(items(&mixed)[0]["strategy"], "label-suspect");

    // Text output lists the same images in the same order.
    let text = f.queue(&["--budget", "7"]).output().unwrap();
    assert_eq!(text.status.code(), Some(0));
    let text = String::from_utf8(text.stdout).unwrap();
    let mut at = 0;
    for it in items(&mixed) {
        let path = it["image_path"].as_str().unwrap();
        at += text[at..]
            .find(path)
            .unwrap_or_else(|| panic!("{path} missing or out of order in\n{text}"));
    }
}

#[test]
fn queue_refuses_a_bad_strategy_and_a_model_without_predictions() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, model) = (tmp.path().join("d"), tmp.path().join("m"));
    synth_small(&root);
    tiny_model(&model, ClassSchema::default(), 1, 1.0);
    let run = |extra: &[&str]| {
        semcurate()
            .args(["queue", "--quiet", "--model"])
            .arg(&model)
            .args(extra)
            .arg(&root)
            .output()
            .unwrap()
    };
    let o = run(&["--strategy", "bogus"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("'bogus'") && err.contains("label-suspect"),
        "{err}"
    );

    let o = run(&["--strategy", "uncertain", "--json"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(o.stdout.is_empty());
    assert!(err.contains("run `semcurate predict` first"), "{err}");

    let o = run(&["--budget", "-1"]);
    assert_eq!(o.status.code(), Some(2));
}

/// rare-boost's reasons give the model's and the grey levels' estimate of each rare class;
/// `--no-grey-range` leaves the grey one out and keeps the model's numbers as they were.
#[test]
fn rare_boost_reads_the_grey_range_unless_told_not_to() {
    let f = as_synthesised();
    let unlabelled = f.imgs.iter().filter(|i| i.truth.is_none()).count();
    let with = f.queue_json(&["--strategy", "rare-boost", "--budget", "50"]);
    let without = f.queue_json(&[
        "--strategy",
        "rare-boost",
        "--budget",
        "50",
        "--no-grey-range",
    ]);
    assert_eq!(items(&with).len(), unlabelled, "{with}");
    assert_eq!(items(&without).len(), unlabelled, "{without}");
    // "rare classes: Fe 12 px (grey 40), Na 3 px (grey 0)" → {Fe: (12, Some(40)), ...}
    let parts = |it: &Value| -> std::collections::BTreeMap<String, (String, Option<String>)> {
        let r = it["reason"].as_str().unwrap();
        let list = r
            .strip_prefix("rare classes: ")
            .unwrap_or_else(|| panic!("{r}"));
        list.split(", ")
            .filter(|p| *p != "none")
            .map(|p| {
                let w: Vec<&str> = p.split_whitespace().collect();
                let grey = w.get(4).map(|g| g.trim_end_matches(')').to_string());
                (w[0].to_string(), (w[1].to_string(), grey))
            })
            .collect()
    };
    let by_id = |q: &Value| -> std::collections::BTreeMap<i64, Value> {
        items(q)
            .iter()
            .map(|it| (it["image_id"].as_i64().unwrap(), it.clone()))
            .collect()
    };
    let (w, wo) = (by_id(&with), by_id(&without));
    let mut greys = 0;
    for (id, it) in &w {
        let a = parts(it);
        let b = parts(&wo[id]);
        assert!(b.values().all(|(_, g)| g.is_none()), "{}", wo[id]);
        for (class, (model, grey)) in &a {
            greys += usize::from(grey.is_some());
            if let Some((m, _)) = b.get(class) {
                assert_eq!(
                    m, model,
                    "image {id} {class}: the model's estimate is the same"
                );
            }
        }
    }
    assert!(greys > 0, "the grey estimate shows in the default: {with}");
}

/// An empty list says why and what to do: MC disagreement needs `predict --mc-dropout K`.
#[test]
fn an_empty_queue_says_what_to_run() {
    let f = as_synthesised();
    let o = f
        .queue(&["--strategy", "mc-disagreement"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("(nothing to list: no Monte-Carlo disagreement stored: run `semcurate predict --mc-dropout 8`"),
        "{out}"
    );
    let o = f
        .queue(&["--strategy", "diverse", "--budget", "0"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("(--budget 0: nothing asked for)"));
}
