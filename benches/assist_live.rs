//! The editor's live assist with dataset rows (docs/ASSIST.md "Dataset rows in the live
//! assist"), on the demo (`datasets/demo`, indexed into a temporary workspace):
//! - gathering: `assist_live::rows::gather`, the worker's own code (features and rows of every
//!   labelled tile on one thread);
//! - stroke → proposal through `assist_live::Worker::serve` on the first tile of each site,
//!   10 clicks per class: the first request of an image (features included) while the
//!   gathering runs beside it, then with the rows ready (features kept), as after a stroke;
//! - accuracy, K clicks per class on the first tile of each site (`assist::synthetic::clicks`,
//!   seeds 1–2): the image alone against the image plus dataset rows, with the rows of every
//!   other tile (what the editor uses: only the shown tile is left out) and with those of the
//!   other sites only (so that the site's other tiles are unseen). "tile" scores the clicked
//!   tile's unclicked pixels, "others" the pooled confusion of the site's other tiles.
//!
//! Usage: `cargo bench --bench assist_live [-- DATASET]`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use semcurate::assist::synthetic::clicks;
use semcurate::assist::{
    FeatureSettings, Features, Forest, ForestSettings, ProposeOptions, RaforForest, TrainingSet,
    UNLABELLED, propose,
};
use semcurate::dataset::ClassSchema;
use semcurate::dataset::index::{IndexOptions, index};
use semcurate::dataset::raster::Grey8;
use semcurate::dataset::workspace::{ImageRow, Workspace};
use semcurate::jobs::assist_labels::DatasetLabels;
use semcurate::jobs::assist_live::rows::{Gathered, gather};
use semcurate::jobs::assist_live::{AssistReq, DatasetRows, Worker, training_rows};
use semcurate::jobs::service::Paths;
use semcurate::metrics::Confusion;
use semcurate::progress::NoProgress;

/// One labelled tile of the demo.
struct Tile {
    row: ImageRow,
    image: std::sync::Arc<Grey8>,
    truth: Vec<u8>,
    features: Features,
}

fn main() {
    let root = std::env::args()
        .nth(1)
        .filter(|a| !a.starts_with('-'))
        .map_or_else(|| PathBuf::from("datasets/demo"), PathBuf::from);
    let temp = tempfile::tempdir().unwrap();
    let schema = ClassSchema::for_dataset(&root).unwrap();
    let paths = Paths {
        root: root.clone(),
        workspace: temp.path().join("ws"),
        schema: schema.clone(),
        default_pixel_size: None,
    };
    let mut ws = Workspace::open(&paths.workspace).unwrap();
    let opts = IndexOptions {
        schema: schema.clone(),
        bins: None,
        full: false,
        default_pixel_size: None,
        group_rule: None,
    };
    index(&root, &mut ws, &opts, &NoProgress).unwrap();
    let t = Instant::now();
    let gathered = gather(&paths, &AtomicBool::new(false)).unwrap();
    println!(
        "gather: {} labelled images, {} rows, {:.2} s (one thread)",
        gathered.len(),
        gathered.values().map(TrainingSet::len).sum::<usize>(),
        t.elapsed().as_secs_f64()
    );
    let sites = tiles(&ws, &paths);
    if std::env::args().any(|a| a == "--sweep") {
        sweep(&sites, &gathered);
        weights(&sites, &gathered, schema.len());
        return;
    }
    latency(&sites, &paths, &gathered, schema.len());
    for k in [2, 10] {
        accuracy(&sites, &gathered, schema.len(), k);
    }
}

/// The labelled tiles by site (group), stems sorted.
fn tiles(ws: &Workspace, paths: &Paths) -> Vec<Vec<Tile>> {
    let labels = DatasetLabels::new(ws, &paths.root, &paths.schema).unwrap();
    let mut sites: BTreeMap<String, Vec<Tile>> = BTreeMap::new();
    for row in ws.images().unwrap() {
        let Some((truth, image)) = labels.labelled(&row) else {
            continue;
        };
        let (w, h) = (image.width as usize, image.height as usize);
        let features = Features::compute(&image.pixels, w, h, &FeatureSettings::default()).unwrap();
        sites.entry(row.group.clone()).or_default().push(Tile {
            row,
            image: std::sync::Arc::new(image),
            truth,
            features,
        });
    }
    let mut sites: Vec<Vec<Tile>> = sites.into_values().collect();
    for s in &mut sites {
        s.sort_by(|a, b| a.row.stem.cmp(&b.row.stem));
    }
    sites
}

fn request(tile: &Tile, labels: Vec<u8>, n_classes: usize) -> AssistReq {
    AssistReq {
        row: tile.row.clone(),
        image: std::sync::Arc::clone(&tile.image),
        labels,
        n_classes,
        generation: 1,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Stroke → proposal through the worker, 10 clicks per class on each site's first tile.
fn latency(sites: &[Vec<Tile>], paths: &Paths, gathered: &Gathered, n_classes: usize) {
    let (mut first, mut ready, mut alone, mut rows) = (vec![], vec![], vec![], 0);
    for site in sites {
        let t = &site[0];
        let req = request(
            t,
            clicks(&t.truth, t.image.width as usize, 10, 1),
            n_classes,
        );
        // The real first request: the gathering starts beside it.
        let mut w = Worker::default();
        w.rows.start(paths, || {});
        let a = w.serve(&req).unwrap();
        first.push(a.millis as f64);
        let mut w = Worker::with_rows(DatasetRows::ready(gathered.clone()));
        w.serve(&req).unwrap();
        let a = w.serve(&req).unwrap();
        ready.push(a.millis as f64);
        if let semcurate::jobs::assist_live::DatasetUse::Rows { rows: r, .. } = a.dataset {
            rows = r;
        }
        let mut w = Worker::with_rows(DatasetRows::ready(Gathered::new()));
        w.serve(&req).unwrap();
        alone.push(w.serve(&req).unwrap().millis as f64);
    }
    println!(
        "stroke → proposal, 256², median of {} tiles: first request while gathering {:.0} ms; \
         rows ready, features kept: {:.0} ms with {rows} dataset rows, {:.0} ms image alone",
        first.len(),
        median(first),
        median(ready),
        median(alone)
    );
}

/// Tile and other-tile scores of: the image alone, + every other tile's rows, + other sites'.
fn accuracy(sites: &[Vec<Tile>], gathered: &Gathered, n: usize, k: usize) {
    let mut conf = vec![[Confusion::new(n), Confusion::new(n)]; 3];
    let mut miou = vec![[Vec::new(), Vec::new()]; 3];
    for seed in 1..=2u64 {
        for site in sites {
            let t = &site[0];
            let labels = clicks(&t.truth, t.image.width as usize, k, 1000 * seed);
            let mut others_only = gathered.clone();
            for s in site {
                others_only.remove(&s.row.id);
            }
            let mut all = gathered.clone();
            all.remove(&t.row.id);
            let cases = [Gathered::new(), all, others_only];
            for (i, g) in cases.iter().enumerate() {
                let set = merged(g);
                let set = training_rows(&t.features, &labels, set.as_ref()).unwrap();
                let forest = RaforForest::fit(&set, &ForestSettings::interactive()).unwrap();
                let mut tile = Confusion::new(n);
                let p = propose(&forest, &t.features, &ProposeOptions::default()).unwrap();
                for ((&tr, &pr), &l) in t.truth.iter().zip(&p.classes).zip(&labels) {
                    if l == UNLABELLED {
                        tile.add(tr, pr);
                    }
                }
                let mut others = Confusion::new(n);
                for o in &site[1..] {
                    let p = propose(&forest, &o.features, &ProposeOptions::default()).unwrap();
                    others.add_masks(&o.truth, &p.classes);
                }
                for (j, c) in [tile, others].into_iter().enumerate() {
                    miou[i][j].push(c.mean_iou().unwrap_or(0.0));
                    conf[i][j].merge(&c);
                }
            }
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    for (i, name) in ["image alone", "+ all other tiles", "+ other sites only"]
        .iter()
        .enumerate()
    {
        println!(
            "K={k:<3} {name:<20} tile acc {:.3} mIoU {:.3}   others acc {:.3} mIoU {:.3}",
            conf[i][0].pixel_accuracy().unwrap_or(0.0),
            mean(&miou[i][0]),
            conf[i][1].pixel_accuracy().unwrap_or(0.0),
            mean(&miou[i][1]),
        );
    }
}

/// The rows of `g` merged and capped as the worker does.
fn merged(g: &Gathered) -> Option<TrainingSet> {
    let mut rows = DatasetRows::ready(g.clone());
    rows.without(i64::MIN).0.map(|s| (*s).clone())
}

/// Fit and proposal times against the number of dataset rows (10 clicks per class on each
/// site's first tile, features kept), to choose `TOTAL_CAP`.
fn sweep(sites: &[Vec<Tile>], gathered: &Gathered) {
    let full = merged(gathered).unwrap();
    let present = (0..full.n_classes)
        .filter(|&c| full.labels.iter().any(|&l| usize::from(l) == c))
        .count();
    for total in [0, 1000, 2000, 3000, 4000, 6000] {
        let (mut fit_ms, mut propose_ms, mut n) = (vec![], vec![], 0);
        for site in sites {
            let t = &site[0];
            let labels = clicks(&t.truth, t.image.width as usize, 10, 1);
            let mut d = full.clone();
            d.cap_per_class(total / present);
            let d = (total > 0).then_some(d);
            let set = training_rows(&t.features, &labels, d.as_ref()).unwrap();
            n = set.len();
            let started = Instant::now();
            let forest = RaforForest::fit(&set, &ForestSettings::interactive()).unwrap();
            fit_ms.push(started.elapsed().as_secs_f64() * 1e3);
            let started = Instant::now();
            propose(&forest, &t.features, &ProposeOptions::default()).unwrap();
            propose_ms.push(started.elapsed().as_secs_f64() * 1e3);
        }
        println!(
            "dataset rows {total:>5} (last set {n} rows): fit median {:.0} ms, proposal {:.0} ms",
            median(fit_ms),
            median(propose_ms)
        );
    }
}

/// Within-tile (rows of every other tile) and other-tile (rows of other sites only) scores
/// at K = 10 for several weights of the image's own rows, and with the dataset giving only
/// the classes the strokes do not show.
/// Dataset rows in the weight comparison.
const SWEEP_CAP: usize = 2000;

fn weights(sites: &[Vec<Tile>], gathered: &Gathered, n: usize) {
    for (own, only_unshown) in [(4.0f32, false), (16.0, false), (64.0, false), (4.0, true)] {
        let mut conf = [Confusion::new(n), Confusion::new(n)];
        for site in sites {
            let t = &site[0];
            let labels = clicks(&t.truth, t.image.width as usize, 10, 1000);
            let shown: Vec<bool> = (0..=255u8).map(|c| labels.contains(&c)).collect();
            for j in 0..2 {
                let mut d = merged(&gathered_without(gathered, site, j == 0, t.row.id));
                if let Some(d) = d.as_mut() {
                    d.cap_per_class(SWEEP_CAP / n);
                    let keep: Vec<bool> = d
                        .labels
                        .iter()
                        .map(|&l| !(only_unshown && shown[usize::from(l)]))
                        .collect();
                    filter_rows(d, &keep);
                    for w in &mut d.weights {
                        *w *= 4.0 / own;
                    }
                }
                let set = training_rows(&t.features, &labels, d.as_ref().filter(|d| !d.is_empty()))
                    .unwrap();
                let forest = RaforForest::fit(&set, &ForestSettings::interactive()).unwrap();
                if j == 0 {
                    let p = propose(&forest, &t.features, &ProposeOptions::default()).unwrap();
                    for ((&tr, &pr), &l) in t.truth.iter().zip(&p.classes).zip(&labels) {
                        if l == UNLABELLED {
                            conf[0].add(tr, pr);
                        }
                    }
                } else {
                    for o in &site[1..] {
                        let p = propose(&forest, &o.features, &ProposeOptions::default()).unwrap();
                        conf[1].add_masks(&o.truth, &p.classes);
                    }
                }
            }
        }
        println!(
            "own weight {own:>4} only unshown classes {only_unshown:<5}: tile acc {:.3} mIoU {:.3}   others acc {:.3} mIoU {:.3}",
            conf[0].pixel_accuracy().unwrap_or(0.0),
            conf[0].mean_iou().unwrap_or(0.0),
            conf[1].pixel_accuracy().unwrap_or(0.0),
            conf[1].mean_iou().unwrap_or(0.0),
        );
    }
}

fn gathered_without(g: &Gathered, site: &[Tile], all: bool, id: i64) -> Gathered {
    let mut g = g.clone();
    g.retain(|&k, _| k != id && (all || !site.iter().any(|s| s.row.id == k)));
    g
}

fn filter_rows(d: &mut TrainingSet, keep: &[bool]) {
    let nf = d.n_features;
    let mut rows = Vec::new();
    let (mut labels, mut weights) = (Vec::new(), Vec::new());
    for (i, &k) in keep.iter().enumerate() {
        if k {
            rows.extend_from_slice(&d.rows[i * nf..(i + 1) * nf]);
            labels.push(d.labels[i]);
            weights.push(d.weights[i]);
        }
    }
    (d.rows, d.labels, d.weights) = (rows, labels, weights);
}
