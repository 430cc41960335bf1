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

mod tally;
mod warning;
pub use tally::compute;

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
