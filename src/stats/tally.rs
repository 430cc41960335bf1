//! Summing the index rows into a [`StatsReport`]: the dataset-wide totals, the per-sample,
//! per-scale-bin and per-split groups, and the per-class figures with their representation.
//!
//! Under the conventions of the `stats` header: pixel counts per class id (mask counts beyond
//! the schema's classes ignored), pixel figures from valid masks only, pixel sizes in µm/px,
//! shares 0–1 (0, never NaN, when there is nothing to share). No I/O.

use std::collections::BTreeMap;

use super::{BinStats, ClassStats, GroupStats, SplitStats, StatsInput, StatsReport, Totals};
use crate::dataset::bins::ScaleBins;
use crate::dataset::image::{ImageId, IndexedImage};
use crate::dataset::problems::{Problem, ProblemKind};
use crate::dataset::split::Split;
use crate::metrics::representation::{Representation, representation};

/// Sums the index rows into a [`StatsReport`] under the conventions of the `stats` module header.
///
/// Pure and deterministic: samples come out sorted by name, bins by index, splits in
/// train/val/test order. A dataset with no labelled pixel gives shares of 0, never NaN.
pub fn compute(input: &StatsInput<'_>) -> StatsReport {
    let n = input.schema.len();
    let present: Vec<&IndexedImage> = input.rows.iter().filter(|r| !r.missing).collect();
    let mut totals = totals(&present, input);
    let groups = Groups::sum(&present, input);
    let all = present.iter().fold(Acc::new(n), |mut a, r| {
        a.add(r);
        a
    });
    totals.labelled_pixels = all.pixels.iter().sum();
    let classes = class_stats(input, &all, &groups.images_with, totals.labelled_pixels);
    let underrepresented = classes
        .iter()
        .filter(|c| c.underrepresented)
        .map(|c| c.id)
        .collect();
    let absent = classes.iter().filter(|c| c.absent).map(|c| c.id).collect();
    StatsReport {
        schema: input.schema.name.clone(),
        classes,
        bin_edges: input.bins.edges().to_vec(),
        totals,
        samples: groups
            .samples
            .into_iter()
            .map(|(name, a)| a.finish(name))
            .collect(),
        bins: bin_stats(groups.bins, input.bins),
        splits: split_stats(&present, input.splits),
        rare_threshold: input.rare_threshold,
        underrepresented,
        absent,
        problems: problem_counts(input.problems),
    }
}

/// The present rows summed per sample and per scale bin (rows without a pixel size in none),
/// and per class how many images hold any of its pixels.
struct Groups<'a> {
    samples: BTreeMap<&'a str, Acc>,
    bins: Vec<Acc>,
    images_with: Vec<usize>,
}

impl<'a> Groups<'a> {
    fn sum(present: &[&'a IndexedImage], input: &StatsInput<'_>) -> Self {
        let n = input.schema.len();
        let mut g = Self {
            samples: BTreeMap::new(),
            bins: (0..input.bins.len()).map(|_| Acc::new(n)).collect(),
            images_with: vec![0usize; n],
        };
        for r in present {
            g.samples
                .entry(&r.sample)
                .or_insert_with(|| Acc::new(n))
                .add(r);
            if let Some(p) = r.pixel_size {
                g.bins[input.bins.bin_of(p)].add(r);
            }
            for (c, &px) in r.class_counts.iter().flatten().enumerate().take(n) {
                g.images_with[c] += usize::from(px > 0);
            }
        }
        g
    }
}

/// Stats per scale bin, with the bin's label and pixel-size range (µm/px).
fn bin_stats(bins: Vec<Acc>, scale: &ScaleBins) -> Vec<BinStats> {
    bins.into_iter()
        .enumerate()
        .map(|(k, a)| {
            let (lower, upper) = scale.range(k);
            BinStats {
                bin: k,
                range: scale.label(k),
                lower,
                upper,
                stats: a.finish(&scale.interval(k)),
            }
        })
        .collect()
}

/// Index problems counted by kind.
fn problem_counts(problems: &[(Option<ImageId>, Problem)]) -> BTreeMap<ProblemKind, usize> {
    let mut counts = BTreeMap::new();
    for (_, p) in problems {
        *counts.entry(p.kind).or_default() += 1;
    }
    counts
}

fn totals(present: &[&IndexedImage], input: &StatsInput<'_>) -> Totals {
    use crate::dataset::item::MaskState;
    Totals {
        images: present.len(),
        labelled: present.iter().filter(|r| r.is_labelled()).count(),
        partial: present.iter().filter(|r| r.is_partial()).count(),
        partial_share: partial_share(present),
        unlabelled: present
            .iter()
            .filter(|r| r.mask_state == MaskState::None)
            .count(),
        invalid_masks: present
            .iter()
            .filter(|r| r.mask_state == MaskState::Invalid)
            .count(),
        unreadable: present.iter().filter(|r| !r.is_readable()).count(),
        no_pixel_size: present.iter().filter(|r| r.pixel_size.is_none()).count(),
        missing: input.rows.iter().filter(|r| r.missing).count(),
        labelled_pixels: 0,
        problems: input.problems.len(),
        skipped: input.skipped.clone(),
        review: input.review,
    }
}

/// Labelled pixels over all pixels of the partial masks.
fn partial_share(present: &[&IndexedImage]) -> f64 {
    let (mut labelled, mut total) = (0.0, 0.0);
    for r in present.iter().filter(|r| r.is_partial()) {
        let px = f64::from(r.width.unwrap_or(0)) * f64::from(r.height.unwrap_or(0));
        labelled += r.labelled_share().unwrap_or(0.0) * px;
        total += px;
    }
    if total > 0.0 { labelled / total } else { 0.0 }
}

fn class_stats(
    input: &StatsInput<'_>,
    all: &Acc,
    images_with: &[usize],
    total: u64,
) -> Vec<ClassStats> {
    input
        .schema
        .classes
        .iter()
        .map(|c| {
            let pixels = all.pixels[usize::from(c.id)];
            let share = share(pixels, total);
            let rep = representation(pixels, total, input.rare_threshold);
            ClassStats {
                id: c.id,
                name: c.name.clone(),
                short: c.short.clone(),
                pixels,
                share,
                images: images_with[usize::from(c.id)],
                rare: c.rare,
                underrepresented: rep == Representation::Underrepresented,
                absent: rep == Representation::Absent,
            }
        })
        .collect()
}

fn split_stats(present: &[&IndexedImage], splits: &BTreeMap<String, Split>) -> Vec<SplitStats> {
    Split::ALL
        .into_iter()
        .map(|s| {
            let rows: Vec<&&IndexedImage> = present
                .iter()
                .filter(|r| r.is_labelled() && splits.get(&r.group) == Some(&s))
                .collect();
            SplitStats {
                split: s,
                groups: splits.values().filter(|v| **v == s).count(),
                images: rows.len(),
                labelled_pixels: rows
                    .iter()
                    .flat_map(|r| r.class_counts.iter().flatten())
                    .sum(),
            }
        })
        .collect()
}

fn share(part: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        part as f64 / total as f64
    }
}

/// Running totals for one sample or bin.
struct Acc {
    images: usize,
    labelled: usize,
    unlabelled: usize,
    min: Option<f64>,
    max: Option<f64>,
    pixels: Vec<u64>,
}

impl Acc {
    fn new(n: usize) -> Self {
        Self {
            images: 0,
            labelled: 0,
            unlabelled: 0,
            min: None,
            max: None,
            pixels: vec![0; n],
        }
    }

    fn add(&mut self, r: &IndexedImage) {
        self.images += 1;
        self.labelled += usize::from(r.is_labelled());
        self.unlabelled += usize::from(r.mask_state == crate::dataset::item::MaskState::None);
        if let Some(p) = r.pixel_size {
            self.min = Some(self.min.map_or(p, |m| m.min(p)));
            self.max = Some(self.max.map_or(p, |m| m.max(p)));
        }
        if r.is_labelled() {
            for (acc, &c) in self.pixels.iter_mut().zip(r.class_counts.iter().flatten()) {
                *acc += c;
            }
        }
    }

    fn finish(self, name: &str) -> GroupStats {
        let total: u64 = self.pixels.iter().sum();
        GroupStats {
            name: name.to_string(),
            images: self.images,
            labelled: self.labelled,
            unlabelled: self.unlabelled,
            pixel_size_min: self.min,
            pixel_size_max: self.max,
            class_share: self.pixels.iter().map(|&p| share(p, total)).collect(),
            class_pixels: self.pixels,
        }
    }
}
