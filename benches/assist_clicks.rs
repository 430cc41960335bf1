//! Clicks to quality (issue 23, docs/ASSIST.md "Clicks to quality"): a scripted labeller places
//! K clicks per class (disks of radius 3 inside the class, `assist::synthetic::clicks`, fixed
//! seeds) on one tile; the assist forest (49 ilastik features, interactive forest, default
//! sampling) trained on those clicks proposes the rest of that tile and the other tiles of the
//! same raw image (the site: same stem before the first `-`).
//!
//! Per dataset it prints one table: K, within-tile pixel accuracy and mIoU (on the tile's
//! unclicked pixels), other-tiles mIoU (confusion pooled over the group's other tiles), the
//! grey-level fill on the same clicks (each pixel takes the class of the clicked pixels nearest
//! in raw grey level; ties go to the class with most clicked pixels at that distance, then the
//! lowest id), and the default U-Net's stored proposals where given. A `dense` row trains on the
//! clicked tile's whole mask (same cap of 1,000 rows per class): what the forest and features
//! can do with every label. "K to 0.9" is the smallest K of 1, 2, 5, 10, 20, 50 whose
//! within-tile mIoU reaches 0.9, as a median over runs.
//!
//! "others, clicked classes" averages the other tiles' IoU over the classes the clicked tiles
//! hold only: how well what was shown carries over, apart from classes never shown.
//!
//! Datasets: the demo (`datasets/demo`, the first tile of each of its 12 sites), a synthetic
//! set of the second imaging (`--imaging other`, 2 samples × 10, seed 5, generated into a temp
//! folder unless `--synth DIR`), and the shale tiles (`--shale DIR`, masks 0/255 read as classes
//! 0/1): each of tiles 0–4 clicked alone, and the goal setting, five tiles clicked
//! together (0–4, and spread: 0, 4, 8, 12, 16) and the other 15 proposed; last the assist's own
//! synthetic four-phase tiles (`--only phases`), where every phase has the same grey everywhere.
//!
//! Usage: `cargo bench --bench assist_clicks -- [--seeds N] [--only demo|synth|shale|phases]
//! [--raw-grey] [--demo DIR] [--demo-unet DIR] [--synth DIR] [--synth-unet DIR] [--shale DIR]`, where a
//! `--*-unet DIR` is the output of `semcurate predict DATASET --out DIR` (models/default) and
//! `--raw-grey` appends the un-normalised grey level to the features (a diagnostic: the 49
//! channels see each tile stretched between its own 1st and 99th percentiles).
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use semcurate::assist::synthetic::{clicks, phase_tile};
use semcurate::assist::{
    FeatureSettings, Features, ForestSettings, LabelledImage, ProposeOptions, RaforForest,
    SamplingSettings, UNLABELLED, fit, propose,
};
use semcurate::dataset::layout::{self, MC_MASKS};
use semcurate::dataset::raster::{DecodeLimits, decode_file, read_grey8_only};
use semcurate::dataset::schema::{ClassSchema, OUTSIDE};
use semcurate::metrics::Confusion;
use semcurate::synth::{Imaging, SynthConfig, generate};

/// Clicks per class measured; the last only serves "K to reach 0.9".
const KS: [usize; 6] = [1, 2, 5, 10, 20, 50];
/// K of the printed table rows.
const TABLE_KS: usize = 5;
const TARGET_MIOU: f64 = 0.9;

/// One labelled tile: raw grey, true class per pixel, and the U-Net's classes if given.
struct Tile {
    stem: String,
    side: usize,
    grey: Vec<u8>,
    truth: Vec<u8>,
    unet: Option<Vec<u8>>,
}

/// A dataset's tiles by group (tiles of one raw image), stems sorted.
struct Set {
    name: &'static str,
    classes: usize,
    groups: Vec<Vec<Tile>>,
}

/// Which tiles are clicked and which are only proposed, by index in a group.
struct Protocol {
    clicked: Vec<usize>,
    others: Vec<usize>,
}

fn main() -> Result<()> {
    let args = Args::parse()?;
    let temp = tempfile::tempdir()?;
    let t0 = Instant::now();
    let want = |name: &str| args.only.as_deref().is_none_or(|o| o == name);
    if want("demo") {
        let set = load_set(
            "demo",
            &args.demo,
            &ClassSchema::mineralclassifier().value_table(),
            10,
            args.demo_unet.as_deref(),
        )?;
        report(&set, &one_tile_protocols(&set, 1), &args)?;
    }
    if want("synth") {
        let root = match &args.synth {
            Some(dir) => dir.clone(),
            None => synth_other(temp.path())?,
        };
        let set = load_set(
            "synth --imaging other",
            &root,
            &ClassSchema::mineralclassifier().value_table(),
            10,
            args.synth_unet.as_deref(),
        )?;
        report(&set, &one_tile_protocols(&set, 1), &args)?;
    }
    if want("shale") && args.shale.is_dir() {
        let mut table = vec![OUTSIDE; 256];
        (table[0], table[255]) = (0, 1);
        let set = load_set("shale", &args.shale, &table, 2, None)?;
        report(&set, &one_tile_protocols(&set, 5), &args)?;
        let n = set.groups[0].len();
        for clicked in [vec![0, 1, 2, 3, 4], vec![0, 4, 8, 12, 16]] {
            println!(
                "\nshale, tiles {clicked:?} clicked together, the other {} proposed:",
                n - 5
            );
            let others = (0..n).filter(|i| !clicked.contains(i)).collect();
            report(&set, &[(0, Protocol { clicked, others })], &args)?;
        }
    }
    if want("phases") {
        let set = phase_set();
        report(&set, &one_tile_protocols(&set, 2), &args)?;
    }
    println!("total {:.1} s", t0.elapsed().as_secs_f64());
    Ok(())
}

struct Args {
    seeds: u64,
    raw_grey: bool,
    only: Option<String>,
    demo: PathBuf,
    demo_unet: Option<PathBuf>,
    synth: Option<PathBuf>,
    synth_unet: Option<PathBuf>,
    shale: PathBuf,
}

impl Args {
    fn parse() -> Result<Self> {
        let mut args = Self {
            seeds: 3,
            raw_grey: false,
            only: None,
            demo: PathBuf::from("datasets/demo"),
            demo_unet: None,
            synth: None,
            synth_unet: None,
            shale: PathBuf::from("/work/shared/realdata/shale-sem-tiles"),
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            match flag.as_str() {
                "--bench" => continue, // cargo bench passes it to harness = false benches
                "--raw-grey" => {
                    args.raw_grey = true;
                    continue;
                }
                _ => {}
            }
            let value = it.next().with_context(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--seeds" => args.seeds = value.parse().context("--seeds takes a number")?,
                "--only" => args.only = Some(value),
                "--demo" => args.demo = value.into(),
                "--demo-unet" => args.demo_unet = Some(value.into()),
                "--synth" => args.synth = Some(value.into()),
                "--synth-unet" => args.synth_unet = Some(value.into()),
                "--shale" => args.shale = value.into(),
                _ => bail!("unknown option '{flag}': see the usage in benches/assist_clicks.rs"),
            }
        }
        Ok(args)
    }
}

/// The small second-imaging set: `semcurate synth OUT --imaging other --samples 2
/// --per-sample 10 --seed 5` writes the same files.
fn synth_other(temp: &Path) -> Result<PathBuf> {
    let root = temp.join("synth-other");
    let cfg = SynthConfig {
        samples: 2,
        per_sample: 10,
        seed: 5,
        imaging: Imaging::Other,
        ..SynthConfig::default()
    };
    generate(&root, &cfg, &semcurate::progress::NoProgress)?;
    Ok(root)
}

/// The assist's own synthetic four-phase tiles (`assist::synthetic::phase_tile`, 256², grains
/// of 40 px, seeds 1–5): one group whose phases have the same greys in every tile.
fn phase_set() -> Set {
    let tiles = (1..=5)
        .map(|seed| {
            let (grey, truth) = phase_tile(256, 4, 40, seed);
            Tile {
                stem: format!("phases-{seed}"),
                side: 256,
                grey,
                truth,
                unet: None,
            }
        })
        .collect();
    println!("\nassist::synthetic four-phase tiles: 5 tiles in 1 group");
    Set {
        name: "assist::synthetic four-phase",
        classes: 4,
        groups: vec![tiles],
    }
}

/// Every group's first `n` tiles, each clicked alone, with the group's other tiles proposed.
fn one_tile_protocols(set: &Set, n: usize) -> Vec<(usize, Protocol)> {
    let mut out = Vec::new();
    for (g, tiles) in set.groups.iter().enumerate() {
        for c in 0..n.min(tiles.len()) {
            let others = (0..tiles.len()).filter(|&i| i != c).collect();
            out.push((
                g,
                Protocol {
                    clicked: vec![c],
                    others,
                },
            ));
        }
    }
    out
}

/// Reads the labelled tiles under `root` with the project's layout scan and readers; masks go
/// through `table` (raw value → class id).
fn load_set(
    name: &'static str,
    root: &Path,
    table: &[u8],
    classes: usize,
    unet: Option<&Path>,
) -> Result<Set> {
    let scan = layout::scan(root).with_context(|| format!("scanning '{}'", root.display()))?;
    let mut groups: BTreeMap<String, Vec<Tile>> = BTreeMap::new();
    for item in &scan.items {
        let Some(mask) = &item.mask else { continue };
        let grey = read_grey8_only(&root.join(&item.image.path), DecodeLimits::default())?;
        let truth = decode_file(&root.join(&mask.path), DecodeLimits::default())?
            .to_mask(table, classes)?;
        ensure!(
            grey.width == grey.height && (grey.width, grey.height) == (truth.width, truth.height),
            "'{}' is {}x{} with a {}x{} mask: this bench takes square tiles with matching masks",
            item.image.path,
            grey.width,
            grey.height,
            truth.width,
            truth.height
        );
        ensure!(
            truth.outside.is_empty() && truth.unlabelled == 0,
            "mask '{}' holds values outside the classes: {:?}",
            mask.path,
            truth.outside
        );
        let unet = match unet {
            Some(dir) => Some(read_unet(
                &dir.join(&item.sample)
                    .join(MC_MASKS)
                    .join(format!("{}.png", item.stem)),
                classes,
            )?),
            None => None,
        };
        groups.entry(item.group.clone()).or_default().push(Tile {
            stem: item.stem.clone(),
            side: grey.width as usize,
            grey: grey.pixels,
            truth: truth.classes,
            unet,
        });
    }
    let mut groups: Vec<Vec<Tile>> = groups.into_values().collect();
    for g in &mut groups {
        g.sort_by(|a, b| a.stem.cmp(&b.stem));
    }
    let tiles: usize = groups.iter().map(Vec::len).sum();
    println!(
        "\n{name}: {tiles} labelled tiles in {} groups ({})",
        groups.len(),
        root.display()
    );
    Ok(Set {
        name,
        classes,
        groups,
    })
}

fn read_unet(path: &Path, classes: usize) -> Result<Vec<u8>> {
    let identity: Vec<u8> = (0..=255).collect();
    let mask = decode_file(path, DecodeLimits::default())
        .with_context(|| format!("reading the U-Net proposal '{}'", path.display()))?
        .to_mask(&identity, classes)?;
    Ok(mask.classes)
}

/// Sum and count of values that exist.
#[derive(Clone, Copy, Default)]
struct Mean(f64, usize);

impl Mean {
    fn add(&mut self, v: Option<f64>) {
        if let Some(v) = v {
            self.0 += v;
            self.1 += 1;
        }
    }

    fn show(self) -> String {
        if self.1 == 0 {
            "–".into()
        } else {
            format!("{:.3}", self.0 / self.1 as f64)
        }
    }
}

/// Means over runs for one K.
#[derive(Clone, Copy, Default)]
struct Row {
    tile_accuracy: Mean,
    tile_miou: Mean,
    others_miou: Mean,
    others_seen: Mean,
    grey_tile: Mean,
    grey_others: Mean,
}

/// Confusions of one run: forest and grey fill, on the clicked tiles' unclicked pixels and on
/// the other tiles.
struct Outcome {
    tile: Confusion,
    others: Confusion,
    grey_tile: Confusion,
    grey_others: Confusion,
}

/// Runs every protocol for every seed and K, and prints the table.
fn report(set: &Set, protocols: &[(usize, Protocol)], args: &Args) -> Result<()> {
    let mut rows = [Row::default(); KS.len()];
    let mut dense = (Mean::default(), Mean::default());
    let (mut unet_tile, mut unet_others) = (Mean::default(), Mean::default());
    let mut reach: Vec<Option<usize>> = Vec::new();
    let mut clock = Clock::default();
    // Pooled over runs: the forest at K = 20 on the clicked tiles and on the others, and the
    // dense-mask forest on the others.
    let mut pooled = [(); 3].map(|()| Confusion::new(set.classes));
    let mut cached: Option<(usize, Vec<Features>)> = None;
    for (g, protocol) in protocols {
        let tiles = &set.groups[*g];
        if cached.as_ref().is_none_or(|(c, _)| c != g) {
            cached = Some((*g, features_of(tiles, args.raw_grey)?));
        }
        let features = &cached.as_ref().expect("features were just cached").1;
        let (ut, uo) = unet_scores(set.classes, tiles, protocol);
        unet_tile.add(ut);
        unet_others.add(uo);
        let seen = present_classes(set.classes, tiles, &protocol.clicked);
        let truths: Vec<Vec<u8>> = protocol
            .clicked
            .iter()
            .map(|&c| tiles[c].truth.clone())
            .collect();
        let out = run(set.classes, tiles, features, protocol, &truths, &mut clock)?;
        dense.0.add(out.others.mean_iou());
        dense.1.add(mean_iou_over(&out.others, &seen));
        pooled[2].merge(&out.others);
        for seed in 1..=args.seeds {
            let mut reached = None;
            for (k, row) in KS.iter().zip(rows.iter_mut()) {
                let labels: Vec<Vec<u8>> = protocol
                    .clicked
                    .iter()
                    .map(|&c| clicks(&tiles[c].truth, tiles[c].side, *k, seed * 1000 + c as u64))
                    .collect();
                let out = run(set.classes, tiles, features, protocol, &labels, &mut clock)?;
                row.tile_accuracy.add(out.tile.pixel_accuracy());
                row.tile_miou.add(out.tile.mean_iou());
                row.others_miou.add(out.others.mean_iou());
                row.others_seen.add(mean_iou_over(&out.others, &seen));
                row.grey_tile.add(out.grey_tile.mean_iou());
                row.grey_others.add(out.grey_others.mean_iou());
                if *k == 20 {
                    pooled[0].merge(&out.tile);
                    pooled[1].merge(&out.others);
                }
                if reached.is_none() && out.tile.mean_iou().is_some_and(|m| m >= TARGET_MIOU) {
                    reached = Some(*k);
                }
            }
            reach.push(reached);
        }
    }
    print_table(set, &rows, dense, (unet_tile, unet_others), &reach);
    for (what, c) in ["K = 20, tile", "K = 20, others", "dense, others"]
        .iter()
        .zip(&pooled)
    {
        print_per_class(what, c);
    }
    println!(
        "{} runs ({} protocol(s) × {} seeds); fit mean {:.0} ms, propose mean {:.1} ms per tile",
        reach.len(),
        protocols.len(),
        args.seeds,
        clock.fit_ms(),
        clock.propose_ms()
    );
    Ok(())
}

/// Features of every tile of a group (49 channels), plus the raw grey level / 255 as a 50th
/// channel with `--raw-grey` (the 49 are computed on the per-image normalised tile).
fn features_of(tiles: &[Tile], raw_grey: bool) -> Result<Vec<Features>> {
    let settings = FeatureSettings::default();
    let mut out = Vec::with_capacity(tiles.len());
    for t in tiles {
        let mut f = Features::compute(&t.grey, t.side, t.side, &settings)?;
        if raw_grey {
            f.push_extra(t.grey.iter().map(|&g| f32::from(g) / 255.0).collect())?;
        }
        out.push(f);
    }
    Ok(out)
}

/// The classes present in the given tiles' truth (each gets clicks).
fn present_classes(classes: usize, tiles: &[Tile], idx: &[usize]) -> Vec<usize> {
    let mut present = vec![false; classes];
    for &i in idx {
        for &t in &tiles[i].truth {
            present[usize::from(t)] = true;
        }
    }
    (0..classes).filter(|&c| present[c]).collect()
}

/// Mean IoU over `classes` only (those that have one).
fn mean_iou_over(c: &Confusion, classes: &[usize]) -> Option<f64> {
    let v: Vec<f64> = classes.iter().filter_map(|&k| c.iou(k)).collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Per-class IoU and true share of a pooled confusion, one line.
fn print_per_class(what: &str, c: &Confusion) {
    let total = c.total().max(1) as f64;
    let cells: Vec<String> = (0..c.classes())
        .filter(|&k| c.support(k) + c.predicted(k) > 0)
        .map(|k| {
            let iou = c.iou(k).map_or("–".into(), |v| format!("{v:.2}"));
            format!("{k}: {iou} ({:.1} %)", 100.0 * c.support(k) as f64 / total)
        })
        .collect();
    println!("per-class IoU (true share), {what}: {}", cells.join(", "));
}

/// Fit and propose time, summed.
#[derive(Default)]
struct Clock {
    fit: Duration,
    fits: u32,
    propose: Duration,
    proposals: u32,
}

impl Clock {
    fn fit_ms(&self) -> f64 {
        self.fit.as_secs_f64() * 1e3 / f64::from(self.fits.max(1))
    }

    fn propose_ms(&self) -> f64 {
        self.propose.as_secs_f64() * 1e3 / f64::from(self.proposals.max(1))
    }
}

/// Trains on `labels` (one per clicked tile) and scores the forest and the grey fill.
fn run(
    classes: usize,
    tiles: &[Tile],
    features: &[Features],
    protocol: &Protocol,
    labels: &[Vec<u8>],
    clock: &mut Clock,
) -> Result<Outcome> {
    let images: Vec<LabelledImage<'_>> = protocol
        .clicked
        .iter()
        .zip(labels)
        .map(|(&c, l)| LabelledImage {
            features: &features[c],
            labels: l,
            weight: 1.0,
        })
        .collect();
    let t = Instant::now();
    let forest: RaforForest = fit(
        &images,
        &SamplingSettings::default(),
        &ForestSettings::interactive(),
    )?;
    clock.fit += t.elapsed();
    clock.fits += 1;
    let grey = grey_fill_table(
        protocol
            .clicked
            .iter()
            .zip(labels)
            .map(|(&c, l)| (tiles[c].grey.as_slice(), l.as_slice())),
    );
    let mut out = Outcome {
        tile: Confusion::new(classes),
        others: Confusion::new(classes),
        grey_tile: Confusion::new(classes),
        grey_others: Confusion::new(classes),
    };
    let mut score = |i: usize, clicked: Option<&[u8]>, clock: &mut Clock| -> Result<()> {
        let t = Instant::now();
        let proposal = propose(&forest, &features[i], &ProposeOptions::default())?;
        clock.propose += t.elapsed();
        clock.proposals += 1;
        let tile = &tiles[i];
        // Clicked pixels are left out of the within-tile scores (OUTSIDE is no class).
        let truth: Vec<u8> = match clicked {
            Some(l) => tile
                .truth
                .iter()
                .zip(l)
                .map(|(&t, &l)| if l == UNLABELLED { t } else { OUTSIDE })
                .collect(),
            None => tile.truth.clone(),
        };
        let filled: Vec<u8> = tile.grey.iter().map(|&g| grey[usize::from(g)]).collect();
        let (forest_c, grey_c) = if clicked.is_some() {
            (&mut out.tile, &mut out.grey_tile)
        } else {
            (&mut out.others, &mut out.grey_others)
        };
        forest_c.add_masks(&truth, &proposal.classes);
        grey_c.add_masks(&truth, &filled);
        Ok(())
    };
    for (&c, l) in protocol.clicked.iter().zip(labels) {
        score(c, Some(l), clock)?;
    }
    for &o in &protocol.others {
        score(o, None, clock)?;
    }
    Ok(out)
}

/// The grey-level fill: for each grey level, the class of the clicked pixels nearest in grey
/// (ties: most clicked pixels at that distance, then the lowest class id).
fn grey_fill_table<'a>(clicked: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> [u8; 256] {
    let mut hist: Vec<[u32; 256]> = Vec::new();
    for (grey, labels) in clicked {
        for (&g, &l) in grey.iter().zip(labels) {
            if l < UNLABELLED {
                let l = usize::from(l);
                if hist.len() <= l {
                    hist.resize(l + 1, [0; 256]);
                }
                hist[l][usize::from(g)] += 1;
            }
        }
    }
    let mut table = [0u8; 256];
    for (g, slot) in table.iter_mut().enumerate() {
        for d in 0..256 {
            let below = g.checked_sub(d);
            let above = (d > 0 && g + d < 256).then_some(g + d);
            let votes = |h: &[u32; 256]| below.map_or(0, |l| h[l]) + above.map_or(0, |l| h[l]);
            // max_by_key keeps the last maximum: iterate ids downwards so ties go to the lowest.
            let best = hist.iter().enumerate().rev().max_by_key(|(_, h)| votes(h));
            if let Some((c, h)) = best
                && votes(h) > 0
            {
                *slot = c as u8;
                break;
            }
        }
    }
    table
}

/// The U-Net's mIoU on the clicked tiles (all pixels) and on the others, where it was given.
fn unet_scores(classes: usize, tiles: &[Tile], protocol: &Protocol) -> (Option<f64>, Option<f64>) {
    let score = |idx: &[usize]| -> Option<f64> {
        let mut c = Confusion::new(classes);
        for &i in idx {
            c.add_masks(&tiles[i].truth, tiles[i].unet.as_ref()?);
        }
        c.mean_iou()
    };
    (score(&protocol.clicked), score(&protocol.others))
}

fn print_table(
    set: &Set,
    rows: &[Row],
    dense: (Mean, Mean),
    unet: (Mean, Mean),
    reach: &[Option<usize>],
) {
    println!("{}: {} classes", set.name, set.classes);
    println!(
        "| K per class | tile pixel acc. | tile mIoU | other tiles mIoU | others, clicked classes | grey fill tile mIoU | grey fill others mIoU | U-Net tile / others mIoU |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let unet = format!("{} / {}", unet.0.show(), unet.1.show());
    for (k, row) in KS.iter().zip(rows).take(TABLE_KS) {
        println!(
            "| {k} | {} | {} | {} | {} | {} | {} | {unet} |",
            row.tile_accuracy.show(),
            row.tile_miou.show(),
            row.others_miou.show(),
            row.others_seen.show(),
            row.grey_tile.show(),
            row.grey_others.show()
        );
    }
    println!(
        "| dense mask | – | – | {} | {} | – | – | {unet} |",
        dense.0.show(),
        dense.1.show()
    );
    let mut sorted: Vec<usize> = reach.iter().map(|r| r.unwrap_or(usize::MAX)).collect();
    sorted.sort_unstable();
    let reached = reach.iter().filter(|r| r.is_some()).count();
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(usize::MAX);
    let median = if median == usize::MAX {
        format!("> {}", KS[KS.len() - 1])
    } else {
        median.to_string()
    };
    println!(
        "K to reach tile mIoU {TARGET_MIOU}: median {median}; reached by K = 50 in {reached} of {} runs",
        reach.len()
    );
}
