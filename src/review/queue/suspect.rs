//! `label-suspect`: labelled images where the model confidently disagrees with the mask.

use std::collections::BTreeMap;

use super::{LabelledInput, QueueInput, QueueItem, Strategy, item, sort};

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

pub(super) fn label_suspect(input: &QueueInput<'_>) -> Vec<QueueItem> {
    let classes = input.class_names.len();
    let t = class_thresholds(input.labelled, classes);
    let mut out = Vec::new();
    for l in input.labelled {
        let a = l.audit;
        let total = a.confusion.total().max(1) as f64;
        let confident: u64 = (0..classes).map(|j| a.confident_wrong(j, t[j])).sum();
        let share = confident as f64 / total;
        let region = &a.region;
        let score = f64::from(region.pixels) * (1.0 + share);
        if score <= 0.0 {
            continue;
        }
        let names = |c: u8| {
            input
                .class_names
                .get(usize::from(c))
                .cloned()
                .unwrap_or_else(|| format!("#{c}"))
        };
        let reason = format!(
            "a {}-px region labelled {} is confidently predicted {} (margin ≥ 0.5, box {:?}); {} px ({:.1}%) confidently disagree with the mask",
            region.pixels,
            names(region.truth),
            names(region.predicted),
            region.bbox,
            confident,
            share * 100.0
        );
        let numbers = BTreeMap::from([
            ("region_pixels".to_string(), f64::from(region.pixels)),
            ("confident_wrong_pixels".to_string(), confident as f64),
            ("confident_wrong_share".to_string(), share),
            ("region_x0".to_string(), f64::from(region.bbox[0])),
            ("region_y0".to_string(), f64::from(region.bbox[1])),
            ("region_x1".to_string(), f64::from(region.bbox[2])),
            ("region_y1".to_string(), f64::from(region.bbox[3])),
        ]);
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

