//! The `rare-low-iou` strategy: labelled images where an at-risk class (underrepresented, low
//! IoU) is in the mask or the prediction and its IoU in that image is below the risk threshold.
//!
//! Score: Σ over such classes of (1 − image IoU) · log10(10 + pixels of the class in mask ∪
//! prediction) · (1 − the share of that class's pixels the model misses in the other images,
//! when they hold at least 1000), so a class missed everywhere makes no image stand out. IoUs
//! and shares are fractions 0–1; inputs are the images' confusion matrices only.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{QueueInput, QueueItem, Strategy, item, sort};
use crate::metrics::Confusion;

/// Labelled images where an at-risk class has a low IoU, each class's term discounted by
/// how often the model misses that class in the *other* images: a class it misses everywhere
/// (olivine called pyroxene) makes no image stand out, so such images do not lead the queue.
pub(super) fn rare_low_iou(input: &QueueInput<'_>) -> Vec<QueueItem> {
    let mut all = Confusion::new(input.class_names.len());
    for l in input.labelled {
        all.merge(&l.audit.confusion);
    }
    let mut out = Vec::new();
    for l in input.labelled {
        let m = &l.audit.confusion;
        let mut score = 0.0;
        let mut parts = Vec::new();
        let mut numbers = BTreeMap::new();
        for &c in input.at_risk {
            let c = usize::from(c);
            let Some(iou) = m.iou(c).filter(|v| *v < input.risk_iou) else {
                continue;
            };
            let name = &input.class_names[c];
            let px = (m.support(c) + m.predicted(c) - m.get(c, c)) as f64;
            let miss = miss_elsewhere(&all, m, c);
            score += (1.0 - iou) * (10.0 + px).log10() * (1.0 - miss.unwrap_or(0.0));
            let mut part = format!(
                "{name} IoU {iou:.2} over {px} px (mask {} px, predicted {} px)",
                m.support(c),
                m.predicted(c)
            );
            if let Some(r) = miss {
                let _ = write!(
                    part,
                    ", elsewhere the model misses {:.0}% of {name} (×{:.2})",
                    r * 100.0,
                    1.0 - r
                );
                numbers.insert(format!("missed_elsewhere_{name}"), r);
            }
            parts.push(part);
            numbers.insert(format!("iou_{name}"), iou);
            numbers.insert(format!("pixels_{name}"), px);
        }
        if score > 0.0 {
            out.push(item(
                l.row,
                true,
                Strategy::RareLowIou,
                score,
                format!("at-risk class with low IoU here: {}", parts.join("; ")),
                numbers,
            ));
        }
    }
    sort(&mut out);
    out
}

/// Share of the pixels labelled `c` in all images but `this` that the model predicts as
/// another class; `None` when those images hold fewer than 1000 such pixels.
fn miss_elsewhere(all: &Confusion, this: &Confusion, c: usize) -> Option<f64> {
    let support = all.support(c) - this.support(c);
    let hit = all.get(c, c) - this.get(c, c);
    (support >= 1000).then(|| (support - hit) as f64 / support as f64)
}
