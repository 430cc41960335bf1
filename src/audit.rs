//! Error audits: per-image audit summaries of one model's predictions, summed overall, per
//! scale bin, per sample and per split, with modal abundances (true against predicted) and the
//! study's rock-type rule, and the at-risk classes. Pure aggregation: `jobs::audit` does the I/O.
//!
//! Definitions: IoU = |truth = c ∧ pred = c| / |truth = c ∨ pred = c| over pixels; a class in
//! neither truth nor prediction has no value (`null`), never 0 or 1. Means skip such classes.

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
    pub id: u8,
    pub short: String,
    pub iou: Option<f64>,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
    /// True pixels of the class.
    pub support: u64,
    /// Pixels predicted as the class.
    pub predicted: u64,
}

/// Metrics of a group of images (all, a bin, a sample, a split).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMetrics {
    pub images: usize,
    pub pixels: u64,
    pub pixel_accuracy: Option<f64>,
    pub mean_iou: Option<f64>,
    pub frequency_weighted_iou: Option<f64>,
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
    pub bin: usize,
    pub range: String,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    #[serde(flatten)]
    pub metrics: GroupMetrics,
}

/// A named group's metrics (sample or split).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedMetrics {
    pub name: String,
    #[serde(flatten)]
    pub metrics: GroupMetrics,
}

/// The audit report (`audit --json`; schema in `docs/AUDIT_JSON.md`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    pub model: String,
    /// `all` or a split name.
    pub split: String,
    pub classes: Vec<ClassRef>,
    pub bin_edges: Vec<f64>,
    #[serde(flatten)]
    pub overall: GroupMetrics,
    pub bins: Vec<BinMetrics>,
    pub samples: Vec<NamedMetrics>,
    pub splits: Vec<NamedMetrics>,
    pub abundances: Vec<AbundanceRow>,
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
    pub row: &'a IndexedImage,
    pub audit: &'a ImageAudit,
}

/// What to aggregate.
pub struct AuditInput<'a> {
    pub model: &'a str,
    pub schema: &'a ClassSchema,
    pub bins: &'a ScaleBins,
    pub splits: &'a BTreeMap<String, Split>,
    /// `None` = all labelled images.
    pub split: Option<Split>,
    pub images: &'a [Audited<'a>],
    pub unpredicted: usize,
    pub thresholds: RiskThresholds,
}

/// Sums the summaries into the report.
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
