//! The `diverse` strategy: candidates scored by uncertainty and rare classes, then picked
//! greedily apart from each other (see the parent module's docs).

use std::collections::{BTreeMap, BTreeSet};

use super::super::{QueueInput, QueueItem, Strategy, UnlabelledInput, unlabelled_item};
use super::{RarePart, describe_parts, entropy_of, numbers, rare_score, rare_weights};

/// `diverse`: see the module docs.
pub fn diverse(input: &QueueInput<'_>, budget: usize) -> Vec<QueueItem> {
    let mut pool = diverse_pool(input);
    let regions: BTreeSet<String> = input.unlabelled.iter().map(region_key).collect();
    let mut picker = Picker {
        input,
        cap: budget.div_ceil(regions.len().max(1)).max(1),
        picked: Vec::new(),
        per_region: BTreeMap::new(),
        per_stratum: BTreeMap::new(),
    };
    // First with the per-region cap, then without it.
    for relax in [false, true] {
        while picker.picked.len() < budget {
            let Some(k) = picker.best(&pool, relax) else {
                break;
            };
            picker.take(pool.remove(k));
        }
    }
    picker.picked.into_iter().map(|(it, _)| it).collect()
}

/// Every unlabelled tile as a `diverse` candidate, with its index in `input.unlabelled`; best
/// score first, ties by sample, then stem. Score: uncertainty × (1 + rare score / the largest
/// rare score), so the rare factor lies in 1–2.
fn diverse_pool(input: &QueueInput<'_>) -> Vec<(QueueItem, usize)> {
    let weights = rare_weights(input);
    let rare: Vec<(f64, Vec<RarePart>)> = input
        .unlabelled
        .iter()
        .map(|u| rare_score(u, &weights, input.grey_class))
        .collect();
    let top = rare.iter().map(|r| r.0).fold(0.0f64, f64::max).max(1e-12);
    let mut pool: Vec<(QueueItem, usize)> = input
        .unlabelled
        .iter()
        .zip(&rare)
        .enumerate()
        .map(|(i, (u, (r, parts)))| {
            let unc = entropy_of(u).unwrap_or(1.0 - u.mean_margin);
            let score = unc * (1.0 + r / top);
            let names = describe_parts(parts, input.class_names);
            let reason = format!(
                "uncertainty {unc:.3}{}",
                if names.is_empty() {
                    String::new()
                } else {
                    format!("; rare classes: {}", names.join(", "))
                }
            );
            let nums = numbers(&[("uncertainty", unc), ("rare_score", *r)]);
            (
                unlabelled_item(u, Strategy::Diverse, score, reason, nums),
                i,
            )
        })
        .collect();
    pool.sort_by(|a, b| {
        b.0.score
            .total_cmp(&a.0.score)
            .then_with(|| (&a.0.sample, &a.0.stem).cmp(&(&b.0.sample, &b.0.stem)))
    });
    pool
}

/// The region a tile is spread across: its raw image, else its sample's site group
/// (`SAMPLE/GROUP`).
fn region_key(u: &UnlabelledInput<'_>) -> String {
    u.region.as_ref().map_or_else(
        || format!("{}/{}", u.row.sample, u.row.group),
        |r| r.source.clone(),
    )
}

/// The greedy `diverse` pick so far. Items carry their index in `input.unlabelled`.
struct Picker<'a> {
    input: &'a QueueInput<'a>,
    /// Picks per region before every region had its turn: ⌈budget / regions⌉, at least 1.
    cap: usize,
    picked: Vec<(QueueItem, usize)>,
    per_region: BTreeMap<String, usize>,
    /// Picks per (sample, scale bin): each discounts the next by 0.7×.
    per_stratum: BTreeMap<(String, Option<u32>), i32>,
}

impl Picker<'_> {
    /// Position in `pool` of the best allowed candidate by discounted score (the earlier one
    /// on a tie): none touching a picked tile, none from a full region unless `relax`.
    fn best(&self, pool: &[(QueueItem, usize)], relax: bool) -> Option<usize> {
        pool.iter()
            .enumerate()
            .filter(|(_, (_, i))| {
                let touching = self.touches_picked(*i);
                let full = self
                    .per_region
                    .get(&region_key(&self.input.unlabelled[*i]))
                    .copied()
                    .unwrap_or(0)
                    >= self.cap;
                !touching && (relax || !full)
            })
            .map(|(k, (it, _))| {
                let n = self
                    .per_stratum
                    .get(&(it.sample.clone(), it.bin))
                    .copied()
                    .unwrap_or(0);
                (k, it.score * 0.7f64.powi(n))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(k, _)| k)
    }

    /// Whether tile `i` overlaps or touches a picked tile of the same raw image.
    fn touches_picked(&self, i: usize) -> bool {
        let tiles = self.input.unlabelled;
        tiles[i].region.as_ref().is_some_and(|r| {
            self.picked
                .iter()
                .any(|(_, j)| tiles[*j].region.as_ref().is_some_and(|p| p.touches(r)))
        })
    }

    /// Picks a candidate, counting it for its region and stratum; an item discounted by
    /// earlier picks from its stratum says so first in its reason.
    fn take(&mut self, (mut it, i): (QueueItem, usize)) {
        *self
            .per_region
            .entry(region_key(&self.input.unlabelled[i]))
            .or_default() += 1;
        let before = self
            .per_stratum
            .entry((it.sample.clone(), it.bin))
            .or_default();
        if *before > 0 {
            // Why a lower score can rank above this one, first so a narrow column shows it.
            it.reason = format!(
                "ranked at ×{:.2} ({before} picked before from its sample and bin); {}",
                0.7f64.powi(*before),
                it.reason
            );
        }
        *before += 1;
        self.picked.push((it, i));
    }
}
