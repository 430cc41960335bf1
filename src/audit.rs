//! Error audits: per-image audit summaries of one model's predictions, summed overall, per
//! scale bin, per sample and per split, with modal abundances (true against predicted) and the
//! study's rock-type rule, and the at-risk classes. Pure aggregation: `jobs::audit` does the I/O.
//!
//! Definitions: IoU = |truth = c ∧ pred = c| / |truth = c ∨ pred = c| over pixels; a class in
//! neither truth nor prediction has no value (`null`), never 0 or 1. Means skip such classes.

pub mod abundance;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dataset::bins::ScaleBins;
use crate::dataset::schema::ClassSchema;
use crate::dataset::split::Split;
use crate::dataset::workspace::ImageRow;
use crate::metrics::Confusion;
use crate::metrics::image_audit::ImageAudit;

pub use abundance::{AbundanceRow, RockType, abundances};

/// Default share of truth pixels below which a class is underrepresented.
pub const DEFAULT_RARE_SHARE: f64 = 0.02;
/// Default IoU below which a class is at risk.
pub const DEFAULT_RISK_IOU: f64 = 0.5;
/// Default fewest true pixels of a class, overall or in a bin, for its IoU there to count.
pub const DEFAULT_RISK_MIN_PIXELS: u64 = 1000;

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

/// A class the model gets wrong: IoU below the threshold overall or in a bin, where it has
/// enough true pixels for that IoU to mean something.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtRisk {
    pub id: u8,
    pub short: String,
    /// Share of the audited truth pixels.
    pub share: f64,
    /// True pixels.
    pub support: u64,
    /// Also underrepresented (share below `rare_share`).
    pub underrepresented: bool,
    pub iou: Option<f64>,
    /// The bin where its IoU is lowest (among bins where it is defined) and that IoU.
    pub worst_bin: Option<usize>,
    pub worst_bin_iou: Option<f64>,
    pub reason: String,
}

/// A class with few labelled pixels: more labels of it are worth the most.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Underrepresented {
    pub id: u8,
    pub short: String,
    /// Share of the audited truth pixels (> 0, below `rare_share`).
    pub share: f64,
    pub support: u64,
}

/// Thresholds for underrepresented and at-risk classes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RiskThresholds {
    /// Share of truth pixels below which a class (with any) is underrepresented.
    pub rare_share: f64,
    /// IoU below which a class is at risk.
    pub iou: f64,
    /// Fewest true pixels, overall or in a bin, for an IoU there to count.
    pub min_pixels: u64,
}

impl Default for RiskThresholds {
    fn default() -> Self {
        Self {
            rare_share: DEFAULT_RARE_SHARE,
            iou: DEFAULT_RISK_IOU,
            min_pixels: DEFAULT_RISK_MIN_PIXELS,
        }
    }
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
    pub row: &'a ImageRow,
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
    let n = input.schema.len();
    let mut overall = Acc::new(n);
    let mut bins: Vec<Acc> = (0..input.bins.len()).map(|_| Acc::new(n)).collect();
    let mut samples: BTreeMap<&str, Acc> = BTreeMap::new();
    let mut splits: BTreeMap<Split, Acc> = BTreeMap::new();
    for a in input.images {
        overall.add(&a.audit.confusion);
        if let Some(p) = a.row.pixel_size {
            bins[input.bins.bin_of(p)].add(&a.audit.confusion);
        }
        samples
            .entry(&a.row.sample)
            .or_insert_with(|| Acc::new(n))
            .add(&a.audit.confusion);
        if let Some(s) = input.splits.get(&a.row.group) {
            splits
                .entry(*s)
                .or_insert_with(|| Acc::new(n))
                .add(&a.audit.confusion);
        }
    }
    let schema = input.schema;
    let bin_metrics: Vec<BinMetrics> = bins
        .iter()
        .enumerate()
        .map(|(k, acc)| {
            let (lower, upper) = input.bins.range(k);
            BinMetrics {
                bin: k,
                range: input.bins.label(k),
                lower,
                upper,
                metrics: acc.metrics(schema),
            }
        })
        .collect();
    let at_risk = at_risk(&overall.m, &bin_metrics, schema, input.thresholds);
    AuditReport {
        model: input.model.to_string(),
        split: input
            .split
            .map_or_else(|| "all".to_string(), |s| s.to_string()),
        classes: schema
            .classes
            .iter()
            .map(|c| ClassRef {
                id: c.id,
                name: c.name.clone(),
                short: c.short.clone(),
            })
            .collect(),
        bin_edges: input.bins.edges().to_vec(),
        overall: overall.metrics(schema),
        bins: bin_metrics,
        abundances: abundances(
            &samples
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.m.clone()))
                .collect::<Vec<_>>(),
            schema,
        ),
        samples: samples
            .into_iter()
            .map(|(name, a)| NamedMetrics {
                name: name.to_string(),
                metrics: a.metrics(schema),
            })
            .collect(),
        splits: splits
            .into_iter()
            .map(|(s, a)| NamedMetrics {
                name: s.to_string(),
                metrics: a.metrics(schema),
            })
            .collect(),
        thresholds: input.thresholds,
        underrepresented: underrepresented(&overall.m, schema, input.thresholds),
        at_risk,
        unpredicted: input.unpredicted,
    }
}

/// Classes with true pixels whose share of them is below `rare_share`.
pub fn underrepresented(
    all: &Confusion,
    schema: &ClassSchema,
    t: RiskThresholds,
) -> Vec<Underrepresented> {
    let total = all.total();
    schema
        .classes
        .iter()
        .filter_map(|c| {
            let support = all.support(usize::from(c.id));
            let share = support as f64 / total.max(1) as f64;
            (support > 0 && share < t.rare_share).then(|| Underrepresented {
                id: c.id,
                short: c.short.clone(),
                share,
                support,
            })
        })
        .collect()
}

/// Classes with IoU below `iou` overall or in some bin, counting only where the class has at
/// least `min_pixels` true pixels: a few false positives of an absent class are not a risk.
pub fn at_risk(
    all: &Confusion,
    bins: &[BinMetrics],
    schema: &ClassSchema,
    t: RiskThresholds,
) -> Vec<AtRisk> {
    let total = all.total();
    if total == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in &schema.classes {
        let i = usize::from(c.id);
        let support = all.support(i);
        let share = support as f64 / total as f64;
        let iou = all.iou(i).filter(|_| support >= t.min_pixels);
        let worst = bins
            .iter()
            .filter_map(|b| {
                let s = &b.metrics.per_class[i];
                s.iou
                    .filter(|_| s.support >= t.min_pixels)
                    .map(|v| (b.bin, v))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let low_overall = iou.is_some_and(|v| v < t.iou);
        let low_bin = worst.is_some_and(|(_, v)| v < t.iou);
        if !(low_overall || low_bin) {
            continue;
        }
        let underrepresented = share < t.rare_share;
        let fmt = |v: Option<f64>| v.map_or("n/a".to_string(), |x| format!("{x:.2}"));
        let reason = format!(
            "IoU {} overall over {} true px ({:.2}% of truth{}){}",
            fmt(all.iou(i)),
            support,
            share * 100.0,
            if underrepresented {
                ", underrepresented"
            } else {
                ""
            },
            worst.map_or(String::new(), |(b, v)| format!(
                ", {v:.2} in bin {b} ({})",
                bins[b].range
            ))
        );
        out.push(AtRisk {
            id: c.id,
            short: c.short.clone(),
            share,
            support,
            underrepresented,
            iou: all.iou(i),
            worst_bin: worst.map(|w| w.0),
            worst_bin_iou: worst.map(|w| w.1),
            reason,
        });
    }
    out
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
