//! Dataset statistics from the workspace index: images and class pixel shares per sample, per
//! scale bin and per class, images containing each class, split sizes, and the classes that
//! are underrepresented. Pure computation over [`IndexedImage`]s; rendering is the CLI's job.
//!
//! Conventions of every figure here: pixel counts are per class id, indexed by id (the schema's
//! ids run `0..N`, and mask counts beyond `N` are ignored); pixel figures count images with a
//! valid mask only (a partial mask contributes only its labelled pixels); pixel sizes are in
//! µm/px; shares are fractions 0–1, not percent. Images whose files were gone at the last index
//! (`IndexedImage::missing`) count only in [`Totals::missing`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dataset::bins::ScaleBins;
use crate::dataset::image::{ImageId, IndexedImage};
use crate::dataset::layout::SkipCounts;
use crate::dataset::problems::{Problem, ProblemKind};
use crate::dataset::schema::ClassSchema;
use crate::dataset::split::Split;
use crate::metrics::representation::{Representation, representation};

mod warning;

/// Default pixel-share threshold below which a class (with any pixels) is underrepresented;
/// the same as `audit`'s.
pub const DEFAULT_RARE_THRESHOLD: f64 = crate::metrics::representation::DEFAULT_RARE_SHARE;

/// Everything `stats` reports.
///
/// `semcurate stats --json` serialises it whole, so its field names are part of the CLI's output.
#[derive(Debug, Clone, Serialize)]
pub struct StatsReport {
    /// Name of the class schema the masks were read with, e.g. `mineralclassifier-10`.
    pub schema: String,
    /// One entry per schema class, in schema (id) order, absent classes included.
    pub classes: Vec<ClassStats>,
    /// The workspace's scale-bin edges in µm/px, ascending; bin `k` holds pixel sizes in
    /// `(edges[k-1], edges[k]]`, so there is one more bin than edges.
    pub bin_edges: Vec<f64>,
    /// Counts over the whole dataset.
    pub totals: Totals,
    /// One entry per sample folder that has a present image, sorted by sample name.
    pub samples: Vec<GroupStats>,
    /// One entry per scale bin, ascending pixel size, empty bins included.
    pub bins: Vec<BinStats>,
    /// Always three entries: train, val, test.
    pub splits: Vec<SplitStats>,
    /// Pixel-share threshold used for `underrepresented`.
    pub rare_threshold: f64,
    /// Class ids with labelled pixels whose share of them is below the threshold.
    pub underrepresented: Vec<u8>,
    /// Class ids with no labelled pixel.
    pub absent: Vec<u8>,
    /// Problem counts by kind.
    pub problems: BTreeMap<ProblemKind, usize>,
}

/// Dataset-wide counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    /// Images present on disk.
    pub images: usize,
    /// Images with a valid mask.
    pub labelled: usize,
    /// Of those, partial masks (some pixels unlabelled); every figure counts labelled pixels
    /// only.
    pub partial: usize,
    /// Labelled share of the partial masks' pixels (0–1), 0 without any.
    pub partial_share: f64,
    /// Images with no mask.
    pub unlabelled: usize,
    /// Images whose mask is unusable.
    pub invalid_masks: usize,
    /// Images that cannot be decoded.
    pub unreadable: usize,
    /// Images without a pixel size (no scale bin).
    pub no_pixel_size: usize,
    /// Images indexed before whose files are gone.
    pub missing: usize,
    /// Pixels in valid masks.
    pub labelled_pixels: u64,
    /// Index problems of every kind (the same ones [`StatsReport::problems`] counts by kind).
    pub problems: usize,
    /// Entries the dataset scan skipped (hidden folders, non-image files), as the index saw them.
    pub skipped: SkipCounts,
    /// What review in the workspace changed: the figures above count mask files only.
    pub review: ReviewCounts,
}

/// Images whose current label differs from their mask file because of review in the
/// workspace (counted by the caller, who reads the workspace: see `StatsInput::review`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReviewCounts {
    /// Images with corrections that change pixels.
    pub corrected: usize,
    /// Images accepted by a reviewer.
    pub accepted: usize,
    /// Of the images with no valid mask file, those that now have a label (a corrected or
    /// accepted proposal): labelled as training and export see them.
    pub newly_labelled: usize,
}

/// Per class.
#[derive(Debug, Clone, Serialize)]
pub struct ClassStats {
    /// Class id: the pixel value in masks.
    pub id: u8,
    /// Full class name from the schema.
    pub name: String,
    /// Short class name for table columns.
    pub short: String,
    /// Pixels of this class in valid masks.
    pub pixels: u64,
    /// Share of all labelled pixels.
    pub share: f64,
    /// Labelled images with at least one pixel of this class.
    pub images: usize,
    /// Flagged rare in the schema.
    pub rare: bool,
    /// Some labelled pixels, but a share below the threshold (absent classes are not).
    pub underrepresented: bool,
    /// No pixel of this class in any valid mask.
    pub absent: bool,
}

/// Per sample or per bin.
#[derive(Debug, Clone, Serialize)]
pub struct GroupStats {
    /// The sample folder's name, or for a scale bin its interval notation, e.g. `(0.25, 1.8]`.
    pub name: String,
    /// Present images in the group, labelled or not.
    pub images: usize,
    /// Of them, images with a valid mask.
    pub labelled: usize,
    /// Of them, images with no mask file (images with an invalid mask are in neither count).
    pub unlabelled: usize,
    /// Smallest and largest pixel size in µm/px.
    pub pixel_size_min: Option<f64>,
    /// Largest pixel size in µm/px; both are `None` when no image of the group has one.
    pub pixel_size_max: Option<f64>,
    /// Pixels per class in valid masks.
    pub class_pixels: Vec<u64>,
    /// Share per class of this group's labelled pixels (0 when it has none).
    pub class_share: Vec<f64>,
}

/// Per scale bin.
#[derive(Debug, Clone, Serialize)]
pub struct BinStats {
    /// Bin index, 0 for the smallest pixel sizes.
    pub bin: usize,
    /// Human label, e.g. `0.25–1.8 µm/px`.
    pub range: String,
    /// Exclusive lower bound in µm/px; `None` for the first bin (open end).
    pub lower: Option<f64>,
    /// Inclusive upper bound in µm/px; `None` for the last bin (open end).
    pub upper: Option<f64>,
    #[serde(flatten)]
    pub stats: GroupStats,
}

/// Per split.
#[derive(Debug, Clone, Serialize)]
pub struct SplitStats {
    /// Which split this row describes.
    pub split: Split,
    /// Split groups assigned to this split in the workspace's split table, whether or not any of
    /// their images is present and labelled.
    pub groups: usize,
    /// Labelled images.
    pub images: usize,
    /// Labelled pixels of those images, all classes summed.
    pub labelled_pixels: u64,
}

/// Inputs besides the rows.
///
/// The caller reads these from the workspace (index rows, problems, splits) and from the
/// dataset (schema, bins); [`compute`] does no I/O.
pub struct StatsInput<'a> {
    /// The class schema the masks were counted under; decides the number and order of classes.
    pub schema: &'a ClassSchema,
    /// The workspace's scale bins (µm/px edges).
    pub bins: &'a ScaleBins,
    /// Every indexed image, missing ones included (they only count in [`Totals::missing`]).
    pub rows: &'a [IndexedImage],
    /// Index problems with the image row id they concern, if any; only their kinds are counted.
    pub problems: &'a [(Option<ImageId>, Problem)],
    /// The split of each split group, keyed by group name ([`IndexedImage::group`]); labelled images
    /// whose group has no entry count in no split.
    pub splits: &'a BTreeMap<String, Split>,
    /// Skipped-entry counts from the last scan, copied into the totals.
    pub skipped: SkipCounts,
    /// Share of labelled pixels (0–1) below which a class with pixels is underrepresented;
    /// usually [`DEFAULT_RARE_THRESHOLD`].
    pub rare_threshold: f64,
    /// Review counts from the workspace ([`ReviewCounts`]), copied into the totals.
    pub review: ReviewCounts,
}

/// Sums the index rows into a [`StatsReport`] under the conventions of the module header.
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
