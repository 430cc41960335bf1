//! The `uncertain` strategy: images without a usable mask ranked by uncertainty u = 1 − mean
//! margin (averaged with the mean Monte-Carlo disagreement when stored), times (1 + 0.5 per
//! at-risk class predicted in ≥ 100 px), then picked greedily so that each further pick from
//! the same sample and scale bin has its score multiplied by 0.7: one site does not fill the
//! budget.
//!
//! Margins and disagreements are fractions 0–1 from the stored prediction summaries; no pixel
//! is read.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{QueueInput, QueueItem, Strategy, item, sort};
use crate::dataset::prediction::ClassSummary;

/// Images without a usable mask by uncertainty, spread over samples and scale bins (see the
/// module header); each reason says whether the image is unlabelled or its mask invalid.
pub(super) fn uncertain(input: &QueueInput<'_>, budget: usize) -> Vec<QueueItem> {
    let mut scored: Vec<QueueItem> = input
        .unlabelled
        .iter()
        .map(|u| {
            let pixels: u64 = u.per_class.iter().map(|c| c.pixels).sum();
            let dis: Option<f64> = mc_mean(u.per_class, pixels);
            let base = 1.0 - u.mean_margin;
            let uncertainty = dis.map_or(base, |d| 0.5 * (base + d));
            let rare: Vec<&str> = input
                .at_risk
                .iter()
                .filter(|&&c| {
                    u.per_class
                        .get(usize::from(c))
                        .is_some_and(|s| s.pixels >= 100)
                })
                .map(|&c| input.class_names[usize::from(c)].as_str())
                .collect();
            let score = uncertainty * (1.0 + 0.5 * rare.len() as f64);
            let mut reason = format!("mean margin {:.2}", u.mean_margin);
            if let Some(d) = dis {
                let _ = write!(reason, ", Monte-Carlo disagreement {d:.2}");
            }
            if !rare.is_empty() {
                let _ = write!(reason, "; predicts at-risk {}", rare.join(", "));
            }
            let mut numbers = BTreeMap::from([
                ("mean_margin".to_string(), u.mean_margin),
                ("uncertainty".to_string(), uncertainty),
            ]);
            if let Some(d) = dis {
                numbers.insert("mc_disagreement".into(), d);
            }
            // The strategy ranks both kinds of image: each reason says which it is.
            let reason = format!("{}; {reason}", u.mask_words());
            QueueItem {
                mask_problem: u.mask_problem.map(str::to_string),
                ..item(u.row, false, Strategy::Uncertain, score, reason, numbers)
            }
        })
        .collect();
    sort(&mut scored);
    spread(scored, budget)
}

/// Mean Monte-Carlo disagreement (0–1) of an image's `pixels` predicted pixels, each class's
/// weighted by its pixels; `None` without pixels or without any stored disagreement.
pub(super) fn mc_mean(per_class: &[ClassSummary], pixels: u64) -> Option<f64> {
    if pixels == 0 || per_class.iter().all(|c| c.mc_disagreement.is_none()) {
        return None;
    }
    let s: f64 = per_class
        .iter()
        .map(|c| f64::from(c.mc_disagreement.unwrap_or(0.0)) * c.pixels as f64)
        .sum();
    Some(s / pixels as f64)
}

/// Greedy picks with a 0.7 penalty per earlier pick from the same sample and scale bin.
fn spread(mut pool: Vec<QueueItem>, budget: usize) -> Vec<QueueItem> {
    let mut picked = Vec::new();
    let mut counts: BTreeMap<(String, Option<u32>), i32> = BTreeMap::new();
    while picked.len() < budget && !pool.is_empty() {
        let best = (0..pool.len())
            .max_by(|&a, &b| {
                let eff = |i: usize| {
                    let it = &pool[i];
                    it.score * 0.7f64.powi(*counts.get(&(it.sample.clone(), it.bin)).unwrap_or(&0))
                };
                eff(a).total_cmp(&eff(b)).then_with(|| {
                    (&pool[b].sample, &pool[b].stem).cmp(&(&pool[a].sample, &pool[a].stem))
                })
            })
            .unwrap_or(0);
        let it = pool.swap_remove(best);
        *counts.entry((it.sample.clone(), it.bin)).or_default() += 1;
        picked.push(it);
    }
    picked
}
