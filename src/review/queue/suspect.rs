//! `label-suspect`: labelled images where the model confidently disagrees with the mask.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{LabelledInput, QueueInput, QueueItem, Strategy, item, sort};
use crate::metrics::Confusion;
use crate::metrics::image_audit::{GreyStats, ImageAudit, Moments};

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
/// Fewest agreeing pixels of a class for their grey level to count as a reference.
const MIN_REFERENCE_PIXELS: u64 = 30;

/// Ranks labelled images by how much of the mask the model confidently disputes, weighed by
/// two independent checks that tell a label error from a model weakness:
/// - size: the largest connected region of confident disagreement (margin ≥ 0.5), or, when
///   the model disputes a class pair with lower but still above-usual confidence (margin ≥ the
///   predicted class's threshold) without such a region, those pixels;
/// - the model's habit: the share of pixels labelled i that it predicts as j in the *other*
///   images (a confusion it makes everywhere says little about this mask), as a factor 1 − rate;
/// - the grey level: backscatter tracks mean atomic number, so disputed pixels whose grey level
///   sits far from the claimed class and near the predicted class are suspect whatever the
///   model says. References are the agreeing pixels of each class in the other images of the
///   same site group (one session, one detector setting), else in the image itself; evidence
///   g ∈ [−1, 1] gives a factor 4^g (¼ to 4).
pub(super) fn label_suspect(input: &QueueInput<'_>) -> Vec<QueueItem> {
    let classes = input.class_names.len();
    let t = class_thresholds(input.labelled, classes);
    let mut all = Confusion::new(classes);
    let mut sites: BTreeMap<&str, Vec<Moments>> = BTreeMap::new();
    for l in input.labelled {
        all.merge(&l.audit.confusion);
        if let Some(g) = &l.audit.grey {
            let site = sites
                .entry(l.row.group.as_str())
                .or_insert_with(|| vec![Moments::default(); classes]);
            for (acc, m) in site.iter_mut().zip(&g.agreeing) {
                *acc = acc.plus(m);
            }
        }
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
        let Some(d) = Dispute::of(a, &t) else {
            continue;
        };
        let (claim, pred) = (d.claim, d.pred);
        let total = a.confusion.total().max(1) as f64;
        let confident: u64 = (0..classes).map(|j| a.confident_wrong(j, t[j])).sum();
        let share = confident as f64 / total;
        let rate = habit(&all, &a.confusion, claim, pred);
        let grey = a.grey.as_ref().map(|g| {
            let site = sites.get(l.row.group.as_str());
            grey_evidence(g, site, d.in_region, claim, pred)
        });
        let g = grey.as_ref().map_or(0.0, |e| e.score);
        let score = d.size as f64 * (1.0 + share) * (1.0 - rate.unwrap_or(0.0)) * 4f64.powf(g);
        let mut reason = d.words(a, &names(claim), &names(pred), t[pred]);
        let _ = write!(
            reason,
            "; {} px ({:.1}%) confidently disagree with the mask",
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
        let region = &a.region;
        let mut numbers = BTreeMap::from([
            ("disputed_pixels".to_string(), d.size as f64),
            ("region_pixels".to_string(), f64::from(region.pixels)),
            ("confident_wrong_pixels".to_string(), confident as f64),
            ("confident_wrong_share".to_string(), share),
            ("grey_evidence".to_string(), g),
        ]);
        if region.pixels > 0 {
            for (k, v) in ["region_x0", "region_y0", "region_x1", "region_y1"]
                .iter()
                .zip(region.bbox)
            {
                numbers.insert((*k).to_string(), f64::from(v));
            }
        }
        if let Some(r) = rate {
            numbers.insert("habit_rate".to_string(), r);
        }
        if let Some(e) = &grey {
            numbers.insert("disputed_grey".to_string(), e.disputed);
            for (k, v) in [
                ("claimed_grey", &e.claimed),
                ("predicted_grey", &e.predicted),
            ] {
                if let Some(r) = v {
                    numbers.insert(k.to_string(), r.mean);
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

/// The class pair the model disputes in an image, and over how many pixels.
struct Dispute {
    claim: usize,
    pred: usize,
    size: u64,
    /// Whether the pixels are the connected region (else all confidently wrong pixels).
    in_region: bool,
}

impl Dispute {
    fn of(a: &ImageAudit, t: &[u8]) -> Option<Self> {
        if a.region.pixels > 0 {
            let (claim, pred) = (usize::from(a.region.truth), usize::from(a.region.predicted));
            return Some(Self {
                claim,
                pred,
                size: u64::from(a.region.pixels),
                in_region: true,
            });
        }
        // No confident region: the largest off-diagonal confusion, if the model is more sure
        // of those pixels than it usually is of its correct ones.
        let m = &a.confusion;
        let n = t.len();
        let (claim, pred) = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .max_by_key(|&(i, j)| (m.get(i, j), std::cmp::Reverse((i, j))))?;
        let size = a.confident_wrong(pred, t[pred]).min(m.get(claim, pred));
        (size > 0).then_some(Self {
            claim,
            pred,
            size,
            in_region: false,
        })
    }

    fn words(&self, a: &ImageAudit, claim: &str, pred: &str, threshold: u8) -> String {
        if self.in_region {
            format!(
                "a {}-px region labelled {claim} is confidently predicted {pred} (margin ≥ 0.5, box {:?})",
                self.size, a.region.bbox
            )
        } else {
            format!(
                "{} px labelled {claim} are predicted {pred} with margin ≥ {:.2}, {pred}'s usual margin when right (no region at margin ≥ 0.5)",
                self.size,
                f64::from(threshold) / 255.0
            )
        }
    }
}

/// Share of pixels labelled `i` that the model predicts as `j` in all images but `this` one;
/// `None` when the other images hold too few pixels labelled `i`.
fn habit(all: &Confusion, this: &Confusion, i: usize, j: usize) -> Option<f64> {
    let support = all.support(i) - this.support(i);
    (support >= MIN_HABIT_PIXELS).then(|| (all.get(i, j) - this.get(i, j)) as f64 / support as f64)
}

/// A class's reference grey level.
#[derive(Debug, Clone, PartialEq)]
struct Reference {
    mean: f64,
    sd: f64,
    /// From the other images of the site group, else from this image.
    from_site: bool,
}

/// What the grey levels say about the disputed pixels.
#[derive(Debug, Clone, PartialEq)]
struct GreyEvidence {
    disputed: f64,
    claimed: Option<Reference>,
    predicted: Option<Reference>,
    /// +1: looks like the predicted class, not the claimed; −1: the reverse; 0: cannot tell.
    score: f64,
}

impl GreyEvidence {
    fn words(&self, claim: &str, pred: &str) -> String {
        let parts: Vec<String> = [(&self.claimed, claim), (&self.predicted, pred)]
            .into_iter()
            .filter_map(|(r, name)| {
                r.as_ref().map(|r| {
                    let z = (self.disputed - r.mean).abs() / r.sd.max(2.0);
                    let whose = if r.from_site {
                        "its site's"
                    } else {
                        "this image's"
                    };
                    format!("{z:.1} σ from {whose} {name} ({:.0})", r.mean)
                })
            })
            .collect();
        if parts.is_empty() {
            return format!(
                "grey {:.0}, with no reference pixels of either class",
                self.disputed
            );
        }
        format!(
            "their grey level {:.0} is {}",
            self.disputed,
            parts.join(" and ")
        )
    }
}

fn grey_evidence(
    g: &GreyStats,
    site: Option<&Vec<Moments>>,
    in_region: bool,
    claim: usize,
    pred: usize,
) -> GreyEvidence {
    let pixels = if in_region {
        g.region
    } else {
        g.wrong.get(pred).copied().unwrap_or_default()
    };
    let disputed = pixels.mean_sd().map_or(0.0, |(m, _)| m);
    let reference = |c: usize| {
        let own = g.agreeing.get(c).copied().unwrap_or_default();
        let others = site
            .and_then(|s| s.get(c))
            .map(|m| m.minus(&own))
            .unwrap_or_default();
        let pick = |m: Moments, from_site: bool| {
            (m.count >= MIN_REFERENCE_PIXELS)
                .then(|| m.mean_sd())
                .flatten()
                .map(|(mean, sd)| Reference {
                    mean,
                    sd,
                    from_site,
                })
        };
        pick(others, true).or_else(|| pick(own, false))
    };
    let (claimed, predicted) = (reference(claim), reference(pred));
    let z = |r: &Option<Reference>| {
        r.as_ref()
            .map(|r| (disputed - r.mean).abs() / r.sd.max(2.0))
    };
    let score = match (z(&claimed), z(&predicted)) {
        _ if pixels.count == 0 => 0.0,
        (Some(zc), Some(zp)) => (zc - zp) / 2.0,
        (Some(zc), None) => (zc - 2.0) / 2.0,
        (None, Some(zp)) => (2.0 - zp) / 2.0,
        (None, None) => 0.0,
    }
    .clamp(-1.0, 1.0);
    GreyEvidence {
        disputed,
        claimed,
        predicted,
        score,
    }
}
