//! The editor's live assist with dataset rows (docs/ASSIST.md "Dataset rows in the live
//! assist"), on the demo (`datasets/demo`, indexed into a temporary workspace):
//! - gathering: `assist_live::rows::gather`, the worker's own code (features and rows of every
//!   labelled tile on one thread);
//! - stroke → proposal through `assist_live::Worker::serve` on the first tile of each site,
//!   1 and 10 clicks per class: the first request of an image (features included) while the
//!   gathering runs beside it, then with the rows ready (features kept), as after a stroke,
//!   for each `DatasetMix`;
//! - accuracy, K = 1, 2, 5, 10 clicks per class on the first tile of each site
//!   (`assist::synthetic::clicks`, seeds 1–2), of each policy of dataset rows (`POLICIES`):
//!   the rows are those of every other tile (what the editor uses: only the shown tile is left
//!   out). "tile" scores the clicked tile's unclicked pixels, "others" the pooled confusion of
//!   the site's other tiles (whose rows are among the dataset's); the time is the training
//!   set, fit and proposal of the clicked tile.
//!
//! Usage: `cargo bench --bench assist_live [-- DATASET] [--latency] [--policy PREFIX]…`
//! (`--latency`: the worker's times only; `--policy`: only the policies whose name starts so).
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
use semcurate::dataset::image::{ImageId, IndexedImage};
use semcurate::dataset::index::{IndexOptions, index};
use semcurate::dataset::raster::Grey8;
use semcurate::dataset::workspace::Workspace;
use semcurate::jobs::assist_labels::DatasetLabels;
use semcurate::jobs::assist_live::rows::{Gathered, drawn_classes, gather, merge_without, thin};
use semcurate::jobs::assist_live::{
    AssistReq, DatasetMix, DatasetRows, DatasetUse, Worker, training_rows,
};
use semcurate::jobs::service::Paths;
use semcurate::metrics::Confusion;
use semcurate::progress::NoProgress;

/// One labelled tile of the demo.
struct Tile {
    row: IndexedImage,
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
        return;
    }
    for k in [1, 10] {
        latency(&sites, &paths, &gathered, schema.len(), k);
    }
    if std::env::args().any(|a| a == "--latency") {
        return;
    }
    for k in [1, 2, 5, 10] {
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

fn request(tile: &Tile, labels: Vec<u8>, n_classes: usize, dataset: DatasetMix) -> AssistReq {
    AssistReq {
        row: tile.row.clone(),
        image: std::sync::Arc::clone(&tile.image),
        labels,
        n_classes,
        dataset,
        generation: 1,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Stroke → proposal through the worker, `k` clicks per class on each site's first tile: the
/// first request (features included) while the gathering runs beside it, then, features kept
/// and rows ready, a request of each mix (the second of two, as after a stroke).
fn latency(sites: &[Vec<Tile>], paths: &Paths, gathered: &Gathered, n_classes: usize, k: usize) {
    let mixes = [
        DatasetMix::DrawnClasses,
        DatasetMix::AllClasses,
        DatasetMix::Off,
    ];
    let (mut first, mut ready) = (vec![], vec![vec![]; mixes.len()]);
    let mut rows = vec![0; mixes.len()];
    for site in sites {
        let t = &site[0];
        let labels = clicks(&t.truth, t.image.width as usize, k, 1);
        let req = request(t, labels.clone(), n_classes, DatasetMix::default());
        let mut w = Worker::default();
        w.rows.start(paths, || {});
        first.push(w.serve(&req).unwrap().millis as f64);
        // Stops the gathering (shadowing `w` would keep it running beside the timings below).
        drop(w);
        for (i, &mix) in mixes.iter().enumerate() {
            let req = request(t, labels.clone(), n_classes, mix);
            let mut w = Worker::with_rows(DatasetRows::ready(gathered.clone()));
            w.serve(&req).unwrap();
            let a = w.serve(&req).unwrap();
            ready[i].push(a.millis as f64);
            if let DatasetUse::Rows { rows: r, .. } = a.dataset {
                rows[i] = r;
            }
        }
    }
    println!(
        "stroke → proposal, 256², {k} clicks per class, median of {} tiles: first request \
         while gathering {:.0} ms",
        first.len(),
        median(first),
    );
    for ((mix, ms), rows) in mixes.iter().zip(ready).zip(rows) {
        println!(
            "  rows ready, features kept, {mix:?}: {:.0} ms (last tile: {rows} dataset rows)",
            median(ms)
        );
    }
}

/// Which dataset rows a forest trains on besides the clicked tile's (the policies compared).
#[derive(Clone, Copy)]
enum Policy {
    Alone,
    /// Every class, this many rows in all (the editor's first policy, at 1,000).
    All(usize),
    /// The classes the clicks show, this many rows in all.
    Drawn(usize),
    /// The classes the clicks show, `1000 / classes × 50 / (50 + n)` rows of a class of which
    /// the tile has `n` labelled pixels: fewer as the clicks grow.
    Fading,
    /// The classes the clicks show, rows of the site's other tiles only, 1,000 in all.
    Site,
    /// The classes of which the clicks show fewer than `px` pixels (and more than 0), this
    /// many rows in all.
    Until(usize, usize),
    /// The classes the clicks show, this many rows in all, while they show fewer than `px`
    /// pixels per class on average; none after (the worker's [`DatasetMix::DrawnClasses`] at
    /// 300 rows and 60 px).
    Few(usize, usize),
}

const POLICIES: [(&str, Policy); 12] = [
    ("image alone", Policy::Alone),
    ("every class, 1,000 rows", Policy::All(1000)),
    ("(a) drawn classes, 1,000", Policy::Drawn(1000)),
    ("(b) drawn classes, 300", Policy::Drawn(300)),
    ("(c) drawn, fading with clicks", Policy::Fading),
    ("(c') drawn, same site only", Policy::Site),
    ("(d) drawn < 100 px, 1,000", Policy::Until(1000, 100)),
    ("(d) drawn < 100 px, 300", Policy::Until(300, 100)),
    ("(d) drawn < 200 px, 1,000", Policy::Until(1000, 200)),
    ("(e) drawn, < 100 px/class, 1,000", Policy::Few(1000, 100)),
    ("(e) drawn, < 100 px/class, 300", Policy::Few(300, 100)),
    ("(e) drawn, < 60 px/class, 300", Policy::Few(300, 60)),
];

/// The dataset rows `policy` gives a forest for `labels` on `t`: `all` holds the rows of
/// every other tile, `site` those of the site's other tiles.
fn policy_rows(
    policy: Policy,
    labels: &[u8],
    n: usize,
    all: &TrainingSet,
    site: Option<&TrainingSet>,
) -> Option<TrainingSet> {
    let drawn = drawn_classes(labels, n);
    let d = match policy {
        Policy::Alone => return None,
        Policy::All(total) => thin(all, None, total),
        Policy::Drawn(total) => thin(all, Some(&drawn), total),
        Policy::Site => thin(site?, Some(&drawn), 1000),
        Policy::Until(total, px) => {
            let few = counts(labels, n)
                .iter()
                .map(|&o| o > 0 && o < px)
                .collect::<Vec<_>>();
            thin(all, Some(&few), total)
        }
        Policy::Few(total, px) => {
            let own = counts(labels, n);
            let classes = own.iter().filter(|&&o| o > 0).count().max(1);
            if own.iter().sum::<usize>() >= px * classes {
                return None;
            }
            thin(all, Some(&drawn), total)
        }
        Policy::Fading => {
            let own = counts(labels, n);
            let classes = drawn.iter().filter(|&&d| d).count().max(1);
            let mut d = all.clone();
            d.cap_classes(|c| {
                own.get(c)
                    .map_or(0, |&o| 1000 / classes * 50 / (50 + o) * usize::from(o > 0))
            });
            d
        }
    };
    (!d.is_empty()).then_some(d)
}

/// Whether `--policy PREFIX` (given any number of times; none: all) names this policy.
fn chosen(name: &str) -> bool {
    let args: Vec<String> = std::env::args().collect();
    let prefixes: Vec<&String> = args
        .windows(2)
        .filter(|w| w[0] == "--policy")
        .map(|w| &w[1])
        .collect();
    prefixes.is_empty() || prefixes.iter().any(|p| name.starts_with(p.as_str()))
}

/// Labelled pixels per class.
fn counts(labels: &[u8], n: usize) -> Vec<usize> {
    let mut own = vec![0usize; n];
    for &l in labels.iter().filter(|&&l| usize::from(l) < n) {
        own[usize::from(l)] += 1;
    }
    own
}

/// Tile and other-tile scores, and fit + proposal time, of each policy with `k` clicks per
/// class on each site's first tile; the rows are those of every other tile (the editor's case).
fn accuracy(sites: &[Vec<Tile>], gathered: &Gathered, n: usize, k: usize) {
    let p = POLICIES.len();
    let mut conf = vec![[Confusion::new(n), Confusion::new(n)]; p];
    let mut miou = vec![[Vec::new(), Vec::new()]; p];
    let mut ms = vec![Vec::new(); p];
    let none = BTreeMap::new();
    for seed in 1..=2u64 {
        for site in sites {
            let t = &site[0];
            let labels = clicks(&t.truth, t.image.width as usize, k, 1000 * seed);
            let all = merge_without(gathered, &none, t.row.id).unwrap().0;
            let mut own_site = gathered.clone();
            own_site.retain(|id, _| site[1..].iter().any(|s| s.row.id == *id));
            let own_site = merge_without(&own_site, &none, t.row.id).map(|m| m.0);
            for (i, &(name, policy)) in POLICIES.iter().enumerate() {
                if !chosen(name) {
                    continue;
                }
                let d = policy_rows(policy, &labels, n, &all, own_site.as_ref());
                let started = Instant::now();
                let set = training_rows(&t.features, &labels, d.as_ref()).unwrap();
                let forest = RaforForest::fit(&set, &ForestSettings::interactive()).unwrap();
                let p = propose(&forest, &t.features, &ProposeOptions::default()).unwrap();
                ms[i].push(started.elapsed().as_secs_f64() * 1e3);
                let mut tile = Confusion::new(n);
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
    for (i, (name, _)) in POLICIES.iter().enumerate() {
        if !chosen(name) {
            continue;
        }
        println!(
            "K={k:<3} {name:<33} tile acc {:.3} mIoU {:.3}   others acc {:.3} mIoU {:.3}   \
             fit + proposal {:.0} ms",
            conf[i][0].pixel_accuracy().unwrap_or(0.0),
            mean(&miou[i][0]),
            conf[i][1].pixel_accuracy().unwrap_or(0.0),
            mean(&miou[i][1]),
            median(ms[i].clone()),
        );
    }
}

/// Fit and proposal times against the number of dataset rows (10 clicks per class on each
/// site's first tile, features kept), to choose `TOTAL_CAP`.
fn sweep(sites: &[Vec<Tile>], gathered: &Gathered) {
    let full = merge_without(gathered, &BTreeMap::new(), ImageId(i64::MIN))
        .unwrap()
        .0;
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
