//! `label-suspect`: labelled images where the model confidently disagrees with the mask.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{LabelledInput, QueueInput, QueueItem, Strategy, item, sort};
use crate::metrics::Confusion;
use crate::metrics::image_audit::{GreyStats, Moments};

/// Per-class confidence thresholds (0–255): mean margin of correctly predicted pixels.
pub fn class_thresholds(labelled: &[LabelledInput<'_>], classes: usize) -> Vec<u8> {
    let mut sum = vec![0u64; classes];
    let mut count = vec![0u64; classes];
    for l in labelled {
        for c in 0..classes {
            sum[c] += l.audit.correct_margin_sum[c];
            count[c] += l.audit.confusion.get(c, c);
        }
    }
    (0..classes)
        .map(|c| {
            sum[c]
                .checked_div(count[c])
                .map_or(128, |m| m.min(255) as u8)
        })
        .collect()
}

/// Fewest pixels of a class in the other images for the model's habit with it to count.
const MIN_HABIT_PIXELS: u64 = 1000;
/// Fewest agreeing pixels of a class in an image for its grey level to count as a reference.
const MIN_REFERENCE_PIXELS: u64 = 30;

/// Ranks labelled images by their largest region of confident disagreement, weighed by two
/// independent checks that tell a label error from a model weakness:
/// - the model's habit: the share of pixels labelled i that it predicts as j in the *other*
///   images (a confusion it makes everywhere says little about this mask), as a factor 1 − rate;
/// - the grey level: backscatter tracks mean atomic number, so a region whose grey level sits
///   far from the image's own pixels of the claimed class and near those of the predicted
///   class is suspect whatever the model says; evidence g ∈ [−1, 1] gives a factor 2^g.
pub(super) fn label_suspect(input: &QueueInput<'_>) -> Vec<QueueItem> {
    let classes = input.class_names.len();
    let t = class_thresholds(input.labelled, classes);
    let mut all = Confusion::new(classes);
    for l in input.labelled {
        all.merge(&l.audit.confusion);
    }
    let names = |c: usize| {
        input
            .class_names
            .get(c)
            .cloned()
            .unwrap_or_else(|| format!("#{c}"))
    };
    let mut out = Vec::new();
    for l in input.labelled {
        let a = l.audit;
        let total = a.confusion.total().max(1) as f64;
        let confident: u64 = (0..classes).map(|j| a.confident_wrong(j, t[j])).sum();
        let share = confident as f64 / total;
        let region = &a.region;
        if region.pixels == 0 {
            continue;
        }
        let (claim, pred) = (usize::from(region.truth), usize::from(region.predicted));
        let rate = habit(&all, &a.confusion, claim, pred);
        let grey = a.grey.as_ref().map(|g| grey_evidence(g, claim, pred));
        let g = grey.as_ref().map_or(0.0, |e| e.score);
        let score =
            f64::from(region.pixels) * (1.0 + share) * (1.0 - rate.unwrap_or(0.0)) * g.exp2();
        let mut reason = format!(
            "a {}-px region labelled {} is confidently predicted {} (margin ≥ 0.5, box {:?}); {} px ({:.1}%) confidently disagree with the mask",
            region.pixels,
            names(claim),
            names(pred),
            region.bbox,
            confident,
            share * 100.0
        );
        if let Some(r) = rate {
            let _ = write!(
                reason,
                "; elsewhere the model predicts {} for {:.0}% of {} pixels",
                names(pred),
                r * 100.0,
                names(claim)
            );
        }
        if let Some(e) = &grey {
            let _ = write!(reason, "; {}", e.words(&names(claim), &names(pred)));
        }
        let mut numbers = BTreeMap::from([
            ("region_pixels".to_string(), f64::from(region.pixels)),
            ("confident_wrong_pixels".to_string(), confident as f64),
            ("confident_wrong_share".to_string(), share),
            ("region_x0".to_string(), f64::from(region.bbox[0])),
            ("region_y0".to_string(), f64::from(region.bbox[1])),
            ("region_x1".to_string(), f64::from(region.bbox[2])),
            ("region_y1".to_string(), f64::from(region.bbox[3])),
            ("grey_evidence".to_string(), g),
        ]);
        if let Some(r) = rate {
            numbers.insert("habit_rate".to_string(), r);
        }
        if let Some(e) = &grey {
            numbers.insert("region_grey".to_string(), e.region);
            for (k, v) in [("claimed_grey", e.claimed), ("predicted_grey", e.predicted)] {
                if let Some((m, _)) = v {
                    numbers.insert(k.to_string(), m);
                }
            }
        }
        out.push(item(
            l.row,
            true,
            Strategy::LabelSuspect,
            score,
            reason,
            numbers,
        ));
    }
    sort(&mut out);
    out
}

/// Share of pixels labelled `i` that the model predicts as `j` in all images but `this` one;
/// `None` when the other images hold too few pixels labelled `i`.
fn habit(all: &Confusion, this: &Confusion, i: usize, j: usize) -> Option<f64> {
    let support = all.support(i) - this.support(i);
    (support >= MIN_HABIT_PIXELS).then(|| (all.get(i, j) - this.get(i, j)) as f64 / support as f64)
}

/// What the grey levels say about a region.
#[derive(Debug, Clone, PartialEq)]
struct GreyEvidence {
    region: f64,
    /// Mean and σ of the image's agreeing pixels of the claimed and predicted class.
    claimed: Option<(f64, f64)>,
    predicted: Option<(f64, f64)>,
    /// +1: looks like the predicted class, not the claimed; −1: the reverse; 0: cannot tell.
    score: f64,
}

impl GreyEvidence {
    fn words(&self, claim: &str, pred: &str) -> String {
        let parts: Vec<String> = [(self.claimed, claim), (self.predicted, pred)]
            .into_iter()
            .filter_map(|(r, name)| {
                r.map(|(m, sd)| {
                    let z = (self.region - m).abs() / sd.max(2.0);
                    format!("{z:.1} σ from its {name} ({m:.0})")
                })
            })
            .collect();
        if parts.is_empty() {
            return format!(
                "grey {:.0}, with no reference pixels of either class in the image",
                self.region
            );
        }
        format!(
            "its grey level {:.0} is {}",
            self.region,
            parts.join(" and ")
        )
    }
}

fn grey_evidence(g: &GreyStats, claim: usize, pred: usize) -> GreyEvidence {
    let region = g.region.mean_sd().map_or(0.0, |(m, _)| m);
    let reference = |c: usize| {
        g.agreeing
            .get(c)
            .filter(|m| m.count >= MIN_REFERENCE_PIXELS)
            .and_then(Moments::mean_sd)
    };
    let (claimed, predicted) = (reference(claim), reference(pred));
    let z = |r: Option<(f64, f64)>| r.map(|(m, sd)| (region - m).abs() / sd.max(2.0));
    let score = match (z(claimed), z(predicted)) {
        _ if g.region.count == 0 => 0.0,
        (Some(zc), Some(zp)) => (zc - zp) / 2.0,
        (Some(zc), None) => (zc - 2.0) / 2.0,
        (None, Some(zp)) => (2.0 - zp) / 2.0,
        (None, None) => 0.0,
    }
    .clamp(-1.0, 1.0);
    GreyEvidence {
        region,
        claimed,
        predicted,
        score,
    }
}
