//! Error audits: per-image audit summaries of one model's predictions, summed overall, per
//! scale bin, per sample and per split, with modal abundances (true against predicted) and the
//! study's rock-type rule, and the at-risk classes. Pure aggregation: `jobs::audit` does the I/O.
//!
//! Definitions: IoU = |truth = c ∧ pred = c| / |truth = c ∨ pred = c| over pixels; a class in
//! neither truth nor prediction has no value (`null`), never 0 or 1. Means skip such classes.
//!
//! Every group is a sum of per-image confusion matrices (rows = true class id, columns =
//! predicted class id, pixels), so a group's IoU weighs its images by their labelled pixels,
//! not one vote per image. Unlabelled mask pixels (254) never enter a matrix. Pixel sizes are
//! µm/px; all scores and shares are fractions 0–1.

pub mod abundance;
pub mod risk;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dataset::bins::ScaleBins;
use crate::dataset::image::IndexedImage;
use crate::dataset::schema::ClassSchema;
use crate::dataset::split::Split;
use crate::metrics::Confusion;
use crate::metrics::image_audit::ImageAudit;

pub use abundance::{AbundanceRow, RockType, abundances};
pub use risk::{
    AtRisk, DEFAULT_RARE_SHARE, DEFAULT_RISK_IOU, DEFAULT_RISK_MIN_PIXELS, RiskThresholds,
    Underrepresented, absent, at_risk, underrepresented,
};

/// Scores of one class in one group of images.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassScores {
    /// Class id (the mask pixel value).
    pub id: u8,
    /// The class's short name from the schema, for table headers.
    pub short: String,
    /// Intersection over union (module header); `None` when the class is in neither truth nor
    /// prediction.
    pub iou: Option<f64>,
    /// Correct pixels of the class over pixels predicted as it; `None` when none is predicted.
    pub precision: Option<f64>,
    /// Correct pixels of the class over its true pixels; `None` when it is not in the truth.
    pub recall: Option<f64>,
    /// Dice, `2·TP / (support + predicted)`; `None` when the class is in neither.
    pub f1: Option<f64>,
    /// True pixels of the class.
    pub support: u64,
    /// Pixels predicted as the class.
    pub predicted: u64,
}

/// Metrics of a group of images (all, a bin, a sample, a split).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMetrics {
    /// Audited images summed into the group.
    pub images: usize,
    /// Pixels in the group's matrix: labelled pixels whose truth and prediction are both class ids.
    pub pixels: u64,
    /// Diagonal over all pixels; `None` for an empty group.
    pub pixel_accuracy: Option<f64>,
    /// Mean of the classes' IoUs that have a value (absent classes skipped, not counted as 0).
    pub mean_iou: Option<f64>,
    /// IoU of each class weighted by its share of the true pixels.
    pub frequency_weighted_iou: Option<f64>,
    /// One entry per schema class, in id order.
    pub per_class: Vec<ClassScores>,
    /// Rows = true class id, columns = predicted class id, pixel counts.
    pub confusion: Vec<Vec<u64>>,
    /// Rows normalised by true class; `null` rows for classes absent from the truth.
    pub confusion_normalised: Vec<Option<Vec<f64>>>,
}

impl GroupMetrics {
    /// Metrics of `m` over `images` images.
    pub fn new(m: &Confusion, images: usize, schema: &ClassSchema) -> Self {
        let per_class = schema
            .classes
            .iter()
            .map(|c| {
                let i = usize::from(c.id);
                ClassScores {
                    id: c.id,
                    short: c.short.clone(),
                    iou: m.iou(i),
                    precision: m.precision(i),
                    recall: m.recall(i),
                    f1: m.f1(i),
                    support: m.support(i),
                    predicted: m.predicted(i),
                }
            })
            .collect();
        Self {
            images,
            pixels: m.total(),
            pixel_accuracy: m.pixel_accuracy(),
            mean_iou: m.mean_iou(),
            frequency_weighted_iou: m.frequency_weighted_iou(),
            per_class,
            confusion: m.rows(),
            confusion_normalised: m.normalised_by_truth(),
        }
    }
}

/// One scale bin's metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BinMetrics {
    /// Bin index, 0 for the smallest pixel sizes.
    pub bin: usize,
    /// Human label of the bin, e.g. `0.25–1.8 µm/px`.
    pub range: String,
    /// Exclusive lower and inclusive upper bound in µm/px; `None` for an open end.
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    #[serde(flatten)]
    pub metrics: GroupMetrics,
}

/// A named group's metrics (sample or split).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedMetrics {
    /// The sample folder's name, or the split's (`train`, `val`, `test`).
    pub name: String,
    #[serde(flatten)]
    pub metrics: GroupMetrics,
}

/// The audit report (`audit --json`; schema in `docs/AUDIT_JSON.md`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// Hash of the model whose stored predictions were audited.
    pub model: String,
    /// `all` or a split name.
    pub split: String,
    /// The schema's classes in id order: the index of every per-class vector in the report.
    pub classes: Vec<ClassRef>,
    /// Scale-bin edges in µm/px, ascending; `bins` has one entry more.
    pub bin_edges: Vec<f64>,
    #[serde(flatten)]
    pub overall: GroupMetrics,
    /// One entry per scale bin, empty ones included; images without a pixel size are in none.
    pub bins: Vec<BinMetrics>,
    /// One entry per sample with an audited image, sorted by name.
    pub samples: Vec<NamedMetrics>,
    /// One entry per split holding an audited image, in train/val/test order; images whose
    /// group has no split are in none.
    pub splits: Vec<NamedMetrics>,
    /// Modal abundances per sample, same order as `samples`.
    pub abundances: Vec<AbundanceRow>,
    /// The thresholds `underrepresented` and `at_risk` were judged with.
    pub thresholds: RiskThresholds,
    pub underrepresented: Vec<Underrepresented>,
    /// Ids of classes with no true pixel in the audited images.
    pub absent: Vec<u8>,
    pub at_risk: Vec<AtRisk>,
    /// Labelled images in the selection without a stored prediction by this model.
    pub unpredicted: usize,
}

/// A class id and name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassRef {
    pub id: u8,
    pub name: String,
    pub short: String,
}

/// An audited image: its row and its summary.
pub struct Audited<'a> {
    /// The image's index row: its sample, split group and pixel size place it in groups.
    pub row: &'a IndexedImage,
    /// Its summary against this model's prediction (confusion matrix, margins, grey statistics).
    pub audit: &'a ImageAudit,
}

/// What to aggregate.
pub struct AuditInput<'a> {
    /// Hash of the audited model, copied into the report.
    pub model: &'a str,
    pub schema: &'a ClassSchema,
    /// The workspace's scale bins (µm/px edges).
    pub bins: &'a ScaleBins,
    /// Split of each split group, keyed by [`IndexedImage::group`].
    pub splits: &'a BTreeMap<String, Split>,
    /// `None` = all labelled images.
    pub split: Option<Split>,
    /// The images to sum: the caller has already kept only those of `split`.
    pub images: &'a [Audited<'a>],
    /// Labelled images left out for want of a prediction, copied into the report.
    pub unpredicted: usize,
    pub thresholds: RiskThresholds,
}

/// Sums the summaries into the report.
///
/// Pure: the caller (`jobs::audit`) reads masks and predictions and builds the per-image
/// summaries. Samples come out sorted by name and splits in train/val/test order.
pub fn report(input: &AuditInput<'_>) -> AuditReport {
    let schema = input.schema;
    let groups = Groups::sum(input);
    let bin_metrics = bin_metrics(&groups.bins, input.bins, schema);
    let overall = groups.overall;
    let at_risk = at_risk(&overall.m, &bin_metrics, schema, input.thresholds);
    AuditReport {
        model: input.model.to_string(),
        split: input
            .split
            .map_or_else(|| "all".to_string(), |s| s.to_string()),
        classes: class_refs(schema),
        bin_edges: input.bins.edges().to_vec(),
        overall: overall.metrics(schema),
        bins: bin_metrics,
        abundances: abundances(
            &groups
                .samples
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.m.clone()))
                .collect::<Vec<_>>(),
            schema,
        ),
        samples: named_metrics(groups.samples, schema),
        splits: named_metrics(groups.splits, schema),
        thresholds: input.thresholds,
        underrepresented: underrepresented(&overall.m, schema, input.thresholds),
        absent: absent(&overall.m, schema),
        at_risk,
        unpredicted: input.unpredicted,
    }
}

/// The summaries summed per group of images: all, per scale bin (by index; images without a
/// pixel size in none), per sample, per split (images without one in none).
struct Groups<'a> {
    overall: Acc,
    bins: Vec<Acc>,
    samples: BTreeMap<&'a str, Acc>,
    splits: BTreeMap<Split, Acc>,
}

impl<'a> Groups<'a> {
    fn sum(input: &AuditInput<'a>) -> Self {
        let n = input.schema.len();
        let mut g = Self {
            overall: Acc::new(n),
            bins: (0..input.bins.len()).map(|_| Acc::new(n)).collect(),
            samples: BTreeMap::new(),
            splits: BTreeMap::new(),
        };
        for a in input.images {
            g.overall.add(&a.audit.confusion);
            if let Some(p) = a.row.pixel_size {
                g.bins[input.bins.bin_of(p)].add(&a.audit.confusion);
            }
            g.samples
                .entry(&a.row.sample)
                .or_insert_with(|| Acc::new(n))
                .add(&a.audit.confusion);
            if let Some(s) = input.splits.get(&a.row.group) {
                g.splits
                    .entry(*s)
                    .or_insert_with(|| Acc::new(n))
                    .add(&a.audit.confusion);
            }
        }
        g
    }
}

/// Metrics per scale bin, with the bin's label and pixel-size range (µm/px).
fn bin_metrics(bins: &[Acc], scale: &ScaleBins, schema: &ClassSchema) -> Vec<BinMetrics> {
    bins.iter()
        .enumerate()
        .map(|(k, acc)| {
            let (lower, upper) = scale.range(k);
            BinMetrics {
                bin: k,
                range: scale.label(k),
                lower,
                upper,
                metrics: acc.metrics(schema),
            }
        })
        .collect()
}

fn class_refs(schema: &ClassSchema) -> Vec<ClassRef> {
    schema
        .classes
        .iter()
        .map(|c| ClassRef {
            id: c.id,
            name: c.name.clone(),
            short: c.short.clone(),
        })
        .collect()
}

/// Metrics per named group, in the map's order.
fn named_metrics<K: std::fmt::Display>(
    groups: BTreeMap<K, Acc>,
    schema: &ClassSchema,
) -> Vec<NamedMetrics> {
    groups
        .into_iter()
        .map(|(name, a)| NamedMetrics {
            name: name.to_string(),
            metrics: a.metrics(schema),
        })
        .collect()
}

struct Acc {
    m: Confusion,
    images: usize,
}

impl Acc {
    fn new(n: usize) -> Self {
        Self {
            m: Confusion::new(n),
            images: 0,
        }
    }

    fn add(&mut self, c: &Confusion) {
        self.m.merge(c);
        self.images += 1;
    }

    fn metrics(&self, schema: &ClassSchema) -> GroupMetrics {
        GroupMetrics::new(&self.m, self.images, schema)
    }
}
