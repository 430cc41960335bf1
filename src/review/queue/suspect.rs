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

/// Ranks labelled images by the number of pixels that evidence says are mislabelled beyond
/// the prior chance ([`PRIOR`]): Σ pixels × [`error_gain`] of the likelihood ratio "label
/// wrong" against "label right", from two sources:
/// - the model's dispute, the stronger of the largest connected region of confident
///   disagreement (margin ≥ 0.5) and the largest confusion i → j, each of its pixels
///   weighed by min(1, its margin / the model's usual margin for j): the ratio P(model
///   says j | true j) / P(model says j | true i) from the other images ([`ModelWord`]: a
///   confusion it makes everywhere is worth about 1), times the grey level's ratio between the site's references of j and i (1 where the two
///   overlap, as olivine's and pyroxene's do);
/// - the grey level alone, whatever the model says: the image's labelled region whose grey
///   lies nearer another class's ([`crate::metrics::grey_odd`]), with the ratio between the
///   image's own class centres.
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
                (
                    d.score + o.score,
                    format!("{}; {}", d.reason, o.reason),
                    numbers,
                )
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

    /// The stronger of the image's two disputes: its connected region of confident
    /// disagreement, and its largest confusion weighed by margin. A grain relabelled on a tile
    /// whose model is hesitant there leaves only a few confident pixels elsewhere as a region.
    fn dispute(&self, l: &LabelledInput<'_>) -> Option<Part> {
        let t = &self.thresholds;
        // On a tie the region is kept (max_by keeps the last): it says where to look.
        [Dispute::weighed(l.audit, t), Dispute::region(l.audit)]
            .into_iter()
            .flatten()
            .map(|d| self.dispute_part(l, &d))
            .max_by(|a, b| a.score.total_cmp(&b.score))
    }

    /// A dispute scored: its pixels × the gain in the chance that they are mislabelled, from
    /// the model's word (how much likelier it predicts `pred` for true `pred` than for true
    /// `claim`, in the other images) and the grey level's.
    fn dispute_part(&self, l: &LabelledInput<'_>, d: &Dispute) -> Part {
        let (a, t) = (l.audit, &self.thresholds);
        let (claim, pred) = (d.claim, d.pred);
        let total = a.confusion.total().max(1) as f64;
        let confident: u64 = (0..t.len()).map(|j| a.confident_wrong(j, t[j])).sum();
        let share = confident as f64 / total;
        let word = ModelWord::of(&self.all, &a.confusion, claim, pred);
        let grey = a.grey.as_ref().map(|g| {
            let site = self.sites.get(l.row.group.as_str());
            grey_evidence(g, site, d.in_region, claim, pred)
        });
        let g = grey.as_ref().map_or(0.0, |e| e.log_ratio);
        let gain = error_gain(word.ratio().ln() + g);
        let score = d.size as f64 * gain;
        let (cn, pn) = (self.name(claim), self.name(pred));
        let mut reason = d.words(a, &cn, &pn, t[pred]);
        let _ = write!(
            reason,
            "; {} px ({:.1}%) confidently disagree with the mask",
            confident,
            share * 100.0
        );
        let _ = write!(reason, "; {}", word.words(&cn, &pn));
        if let Some(e) = &grey {
            let _ = write!(reason, "; {}", e.words(&cn, &pn));
        }
        let _ = write!(
            reason,
            "; chance they are mislabelled {:.1}% (prior {:.0}%)",
            (PRIOR + gain * (1.0 - PRIOR)) * 100.0,
            PRIOR * 100.0
        );
        let mut numbers = BTreeMap::from([
            ("disputed_pixels".to_string(), d.size as f64),
            ("region_pixels".to_string(), f64::from(a.region.pixels)),
            ("confident_wrong_pixels".to_string(), confident as f64),
            ("confident_wrong_share".to_string(), share),
            ("grey_log_ratio".to_string(), g),
            ("model_ratio".to_string(), word.ratio()),
            ("habit_rate".to_string(), word.habit),
            ("error_gain".to_string(), gain),
        ]);
        if a.region.pixels > 0 {
            for (k, v) in ["region_x0", "region_y0", "region_x1", "region_y1"]
                .iter()
                .zip(a.region.bbox)
            {
                numbers.insert((*k).to_string(), f64::from(v));
            }
        }
        if let Some(e) = &grey {
            e.numbers(&mut numbers);
        }
        Part {
            score,
            reason,
            numbers,
        }
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
    /// The largest connected region where the model disagrees with margin ≥ 0.5, if any.
    fn region(a: &ImageAudit) -> Option<Self> {
        (a.region.pixels > 0).then(|| Self {
            claim: usize::from(a.region.truth),
            pred: usize::from(a.region.predicted),
            size: u64::from(a.region.pixels),
            in_region: true,
        })
    }

    /// The largest off-diagonal confusion, its pixels weighed by how sure the model is of
    /// them against its usual margin on correct `pred` pixels (`t`, 0–255). A whole mask
    /// relabelled on a tile the model finds hard is disputed everywhere, but hesitantly: it
    /// counts in part rather than not at all.
    fn weighed(a: &ImageAudit, t: &[u8]) -> Option<Self> {
        let m = &a.confusion;
        let n = t.len();
        let (claim, pred) = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .max_by_key(|&(i, j)| (m.get(i, j), std::cmp::Reverse((i, j))))?;
        // Every wrong pixel predicted `pred` (margin ≥ 0), whatever its true class.
        let wrong = a.confident_wrong(pred, 0).max(1) as f64;
        let weight = a.weighed_wrong(pred, t[pred]) / wrong;
        let size = (m.get(claim, pred) as f64 * weight).round() as u64;
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
                "{} px labelled {claim} are predicted {pred}, weighed by their margin against {:.2}, {pred}'s usual margin when right",
                self.size,
                f64::from(threshold) / 255.0
            )
        }
    }
}

/// Prior chance that a labelled pixel is wrong, before any evidence.
pub(super) const PRIOR: f64 = 0.01;
/// Pseudo-pixels of the Beta priors on the model's rates: a class pair seen in few pixels
/// elsewhere keeps rates near [`PRIOR_CONFUSION`] and [`PRIOR_RECALL`].
const PSEUDO: f64 = 100.0;
const PRIOR_CONFUSION: f64 = 0.05;
const PRIOR_RECALL: f64 = 0.5;

/// How far the chance that pixels are mislabelled rises above [`PRIOR`] on evidence of
/// likelihood ratio e^`log_ratio` (label wrong against label right): 0 for evidence that
/// does not favour an error, towards 1 for overwhelming evidence.
pub(super) fn error_gain(log_ratio: f64) -> f64 {
    let odds = PRIOR / (1.0 - PRIOR) * log_ratio.clamp(-20.0, 20.0).exp();
    let p = odds / (1.0 + odds);
    ((p - PRIOR) / (1.0 - PRIOR)).max(0.0)
}

/// What the model's prediction `j` on pixels labelled `i` is worth, from all images but this
/// one: P(predicts j | true j) / P(predicts j | true i), each rate with a Beta prior of
/// [`PSEUDO`] pixels. A confusion the model makes everywhere (olivine called pyroxene) is
/// worth about 1: no evidence against the label.
struct ModelWord {
    /// P(predicts j | labelled i) elsewhere: the model's habit.
    habit: f64,
    /// P(predicts j | labelled j) elsewhere.
    recall: f64,
}

impl ModelWord {
    fn of(all: &Confusion, this: &Confusion, i: usize, j: usize) -> Self {
        let rate = |from: usize, to: usize, prior: f64| {
            let n = (all.support(from) - this.support(from)) as f64;
            let k = (all.get(from, to) - this.get(from, to)) as f64;
            (k + prior * PSEUDO) / (n + PSEUDO)
        };
        Self {
            habit: rate(i, j, PRIOR_CONFUSION),
            recall: rate(j, j, PRIOR_RECALL),
        }
    }

    fn ratio(&self) -> f64 {
        self.recall / self.habit
    }

    fn words(&self, claim: &str, pred: &str) -> String {
        format!(
            "elsewhere the model predicts {pred} for {:.0}% of {claim} pixels and {:.0}% of {pred} pixels (×{:.2})",
            self.habit * 100.0,
            self.recall * 100.0,
            self.ratio()
        )
    }
}
