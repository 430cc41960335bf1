//! `label-suspect`: labelled images where the model confidently disagrees with the mask.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{LabelledInput, QueueInput, QueueItem, Strategy, item, sort};
use crate::metrics::Confusion;
use crate::metrics::image_audit::ImageAudit;

mod grey;

use grey::{Site, grey_evidence, odd_part};

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
/// Ranks labelled images by evidence that their masks are wrong, from two sources:
/// - the model's dispute: the largest connected region of confident disagreement (margin ≥
///   0.5), or, when the model disputes a class pair with lower but still above-usual
///   confidence (margin ≥ the predicted class's threshold) without such a region, those
///   pixels; no more of them counted than lie beyond the model's habit (the share of pixels
///   labelled i that it predicts as j in the *other* images, times this image's pixels
///   labelled i: a confusion it makes everywhere says little about this mask), weighed by
///   the grey level of the disputed pixels against the site's
///   references of both classes (evidence g ∈ [−1, 1], factor 4^g, ¼ to 4; 0 where the two
///   classes' grey levels overlap, as olivine's and pyroxene's do);
/// - the grey level alone, whatever the model says: the image's labelled regions whose grey
///   lies nearer another class's ([`crate::metrics::grey_odd`]), pixels × 4^g when g > 0.
///
/// The image's score is the sum of both parts.
pub(super) fn label_suspect(input: &QueueInput<'_>) -> Vec<QueueItem> {
    let ctx = Context::new(input);
    let mut out: Vec<QueueItem> = input.labelled.iter().filter_map(|l| ctx.judge(l)).collect();
    sort(&mut out);
    out
}

/// One part of an image's suspicion: its score, words and numbers.
pub(super) struct Part {
    pub score: f64,
    pub reason: String,
    pub numbers: BTreeMap<String, f64>,
}

/// What every image is judged against: the model's usual margins, its confusions over all
/// images, and each site group's grey levels.
struct Context<'a> {
    input: &'a QueueInput<'a>,
    thresholds: Vec<u8>,
    all: Confusion,
    sites: BTreeMap<&'a str, Site>,
}

impl<'a> Context<'a> {
    fn new(input: &'a QueueInput<'a>) -> Self {
        let classes = input.class_names.len();
        let mut all = Confusion::new(classes);
        let mut sites: BTreeMap<&str, Site> = BTreeMap::new();
        for l in input.labelled {
            all.merge(&l.audit.confusion);
            if let Some(g) = &l.audit.grey {
                sites
                    .entry(l.row.group.as_str())
                    .or_insert_with(|| Site::new(classes))
                    .add(g);
            }
        }
        Self {
            input,
            thresholds: class_thresholds(input.labelled, classes),
            all,
            sites,
        }
    }

    fn name(&self, c: usize) -> String {
        self.input
            .class_names
            .get(c)
            .cloned()
            .unwrap_or_else(|| format!("#{c}"))
    }

    fn judge(&self, l: &LabelledInput<'_>) -> Option<QueueItem> {
        let dispute = self.dispute(l);
        let odd = l
            .audit
            .grey
            .as_ref()
            .and_then(|g| odd_part(g, &|c| self.name(c)));
        let (score, reason, numbers) = match (dispute, odd) {
            (None, None) => return None,
            (Some(p), None) | (None, Some(p)) => (p.score, p.reason, p.numbers),
            (Some(d), Some(o)) => {
                let mut numbers = d.numbers;
                numbers.extend(o.numbers);
                (d.score + o.score, format!("{}; {}", d.reason, o.reason), numbers)
            }
        };
        Some(item(
            l.row,
            true,
            Strategy::LabelSuspect,
            score,
            reason,
            numbers,
        ))
    }

    /// The model's dispute with the mask, weighed by its habit and the grey level.
    fn dispute(&self, l: &LabelledInput<'_>) -> Option<Part> {
        let (a, t) = (l.audit, &self.thresholds);
        let d = Dispute::of(a, t)?;
        let (claim, pred) = (d.claim, d.pred);
        let total = a.confusion.total().max(1) as f64;
        let confident: u64 = (0..t.len()).map(|j| a.confident_wrong(j, t[j])).sum();
        let share = confident as f64 / total;
        let rate = habit(&self.all, &a.confusion, claim, pred);
        let grey = a.grey.as_ref().map(|g| {
            let site = self.sites.get(l.row.group.as_str());
            grey_evidence(g, site, d.in_region, claim, pred)
        });
        let g = grey.as_ref().map_or(0.0, |e| e.score);
        let beyond = beyond_habit(&a.confusion, claim, pred, rate);
        let score = (d.size as f64).min(beyond) * (1.0 + share) * 4f64.powf(g);
        let (cn, pn) = (self.name(claim), self.name(pred));
        let mut reason = d.words(a, &cn, &pn, t[pred]);
        let _ = write!(
            reason,
            "; {} px ({:.1}%) confidently disagree with the mask",
            confident,
            share * 100.0
        );
        if let Some(r) = rate {
            let _ = write!(
                reason,
                "; elsewhere the model predicts {pn} for {:.0}% of {cn} pixels, so {:.0} of the {} px labelled {cn} and predicted {pn} here are beyond its habit",
                r * 100.0,
                beyond,
                a.confusion.get(claim, pred)
            );
        }
        if let Some(e) = &grey {
            let _ = write!(reason, "; {}", e.words(&cn, &pn));
        }
        let mut numbers = BTreeMap::from([
            ("disputed_pixels".to_string(), d.size as f64),
            ("region_pixels".to_string(), f64::from(a.region.pixels)),
            ("confident_wrong_pixels".to_string(), confident as f64),
            ("confident_wrong_share".to_string(), share),
            ("grey_evidence".to_string(), g),
        ]);
        if a.region.pixels > 0 {
            for (k, v) in ["region_x0", "region_y0", "region_x1", "region_y1"]
                .iter()
                .zip(a.region.bbox)
            {
                numbers.insert((*k).to_string(), f64::from(v));
            }
        }
        if let Some(r) = rate {
            numbers.insert("habit_rate".to_string(), r);
            numbers.insert("beyond_habit".to_string(), beyond);
        }
        if let Some(e) = &grey {
            e.numbers(&mut numbers);
        }
        Some(Part {
            score,
            reason,
            numbers,
        })
    }
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

/// Pixels labelled `i` and predicted `j` in this image beyond what the model's habit explains:
/// their count less `rate` × the image's pixels labelled `i` (at least 0); all of them without
/// a habit. A relabelled mask is disputed far beyond the habit, a correct olivine mask that
/// the model calls pyroxene everywhere hardly at all.
fn beyond_habit(m: &Confusion, i: usize, j: usize, rate: Option<f64>) -> f64 {
    let pair = m.get(i, j) as f64;
    rate.map_or(pair, |r| (pair - r * m.support(i) as f64).max(0.0))
}

/// Share of pixels labelled `i` that the model predicts as `j` in all images but `this` one;
/// `None` when the other images hold too few pixels labelled `i`.
fn habit(all: &Confusion, this: &Confusion, i: usize, j: usize) -> Option<f64> {
    let support = all.support(i) - this.support(i);
    (support >= MIN_HABIT_PIXELS).then(|| (all.get(i, j) - this.get(i, j)) as f64 / support as f64)
}

