//! Review queues: ranked images with the reason in words and the numbers behind it.
//!
//! Strategies (all deterministic; ties broken by sample and name); each file holds its
//! score and the reason it writes:
//! - `rare-low-iou` (`rare`): labelled images where an at-risk class (underrepresented, low
//!   IoU) scores below the risk threshold, weighed by its pixels and by how much of the class
//!   the model misses in the other images;
//! - `label-suspect` (`suspect`): confident-learning style, ranked by the model's strongest
//!   dispute with the mask (a confident region, or the largest confusion weighed by its margin
//!   against the class's usual margin), the confusion's rarity elsewhere and the grey-level
//!   evidence: a mislabelled patch stands out, a model weakness does not;
//! - `uncertain` (`uncertain`): unlabelled images by 1 − mean margin (with the Monte-Carlo
//!   disagreement when stored) and the at-risk classes predicted, spread over samples and
//!   scale bins so that one site does not fill the budget;
//! - `mixed`: label-suspect, rare-low-iou and uncertain in turn, each image once (here);
//! - active learning over unlabelled tiles: `margin`, `entropy`, `mc-disagreement`,
//!   `rare-boost`, `diverse` (`active`).
//!
//! Inputs are the stored summaries only (per-image confusion matrices, margins, per-class
//! prediction summaries), never pixels: ranking a dataset of thousands of tiles reads no image.
//! Margins are top-two probability margins in 0–1 (0 = a tie, 1 = certain); IoUs and shares are
//! fractions 0–1; class ids index every per-class slice.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::dataset::image::{ImageId, IndexedImage};
use crate::dataset::prediction::ClassSummary;
use crate::metrics::image_audit::ImageAudit;

mod active;
mod rare;
mod suspect;
mod uncertain;
pub use active::{TileRegion, class_given_grey, class_share};
use rare::rare_low_iou;
pub use suspect::class_thresholds;
use suspect::label_suspect;
use uncertain::{mc_mean, uncertain};

/// How to rank.
///
/// Labelled-image strategies (`rare-low-iou`, `label-suspect`) look for wrong masks;
/// unlabelled-image ones (`uncertain` and the active-learning five) pick what to label next;
/// `mixed` interleaves both kinds. The module header defines each score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    RareLowIou,
    LabelSuspect,
    Uncertain,
    Mixed,
    Margin,
    Entropy,
    McDisagreement,
    RareBoost,
    Diverse,
}

impl Strategy {
    /// Every strategy, in the order `queue --help` lists them.
    pub const ALL: [Self; 9] = [
        Self::RareLowIou,
        Self::LabelSuspect,
        Self::Uncertain,
        Self::Mixed,
        Self::Margin,
        Self::Entropy,
        Self::McDisagreement,
        Self::RareBoost,
        Self::Diverse,
    ];

    /// The strategy's name on the command line and in JSON (kebab-case): the one list of
    /// names, which `parse`, `queue --strategy` and the TUI's help read.
    pub fn name(self) -> &'static str {
        match self {
            Self::RareLowIou => "rare-low-iou",
            Self::LabelSuspect => "label-suspect",
            Self::Uncertain => "uncertain",
            Self::Mixed => "mixed",
            Self::Margin => "margin",
            Self::Entropy => "entropy",
            Self::McDisagreement => "mc-disagreement",
            Self::RareBoost => "rare-boost",
            Self::Diverse => "diverse",
        }
    }

    /// The strategy whose [`Strategy::name`] is `s` exactly (kebab-case); `None` otherwise.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Why the strategy may list nothing, and what to do about it.
    pub fn empty_hint(self) -> &'static str {
        match self {
            Self::McDisagreement => {
                "no Monte-Carlo disagreement stored: run `semcurate predict --mc-dropout 8` (or \
                 another K) first"
            }
            Self::Margin | Self::Entropy | Self::RareBoost | Self::Diverse => {
                "no unlabelled image with a current prediction: import or add images, then \
                 predict"
            }
            Self::RareLowIou => "no labelled image where an at-risk class has a low IoU",
            Self::LabelSuspect => "no confident disagreement between a mask and its prediction",
            Self::Uncertain | Self::Mixed => "no image with a current prediction to rank",
        }
    }
}

/// One ranked image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueItem {
    /// Position in the queue, from 1.
    pub rank: usize,
    /// Workspace row id of the image.
    pub image_id: ImageId,
    /// Sample folder and file stem: with `stem`, the tie-break order of equal scores.
    pub sample: String,
    pub stem: String,
    /// Image path relative to the dataset root, as the index stores it.
    pub image_path: String,
    /// Scale bin of the image's pixel size; `None` without a pixel size.
    pub bin: Option<u32>,
    /// Whether the image has a valid mask (the labelled-image strategies rank only those).
    pub labelled: bool,
    /// Why the image's mask cannot be used, for an image that has one: it is not unlabelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mask_problem: Option<String>,
    /// The strategy that ranked it; under `mixed`, the one whose list it came from.
    pub strategy: Strategy,
    /// The strategy's score: higher means look sooner. Scales differ between strategies, so
    /// scores compare only within one strategy.
    pub score: f64,
    /// Why, in words.
    pub reason: String,
    /// The numbers behind the reason.
    pub numbers: BTreeMap<String, f64>,
}

/// A labelled image with its audit summary.
pub struct LabelledInput<'a> {
    /// The image's index row.
    pub row: &'a IndexedImage,
    /// Its mask against the current prediction: confusion matrix, margins, grey statistics.
    pub audit: &'a ImageAudit,
}

/// An image without a usable mask, with its prediction summary: unlabelled, or with a mask
/// file that cannot be used (`mask_problem`).
pub struct UnlabelledInput<'a> {
    /// The image's index row.
    pub row: &'a IndexedImage,
    /// Mean top-two margin (0–1) over the image's pixels.
    pub mean_margin: f64,
    /// The prediction's summary per predicted class id (pixels, margins, MC disagreement,
    /// expected pixels, grey histograms).
    pub per_class: &'a [ClassSummary],
    /// Where it lies in its raw image, for tiles made by `import`.
    pub region: Option<&'a TileRegion>,
    /// Why its mask file cannot be used (the index's problem), when it has one.
    pub mask_problem: Option<&'a str>,
}

impl UnlabelledInput<'_> {
    /// What the image's mask is, in words: `unlabelled` or `mask invalid: <problem>`.
    pub fn mask_words(&self) -> String {
        self.mask_problem.map_or_else(
            || "unlabelled".to_string(),
            |p| format!("mask invalid: {p}"),
        )
    }
}

/// Everything the strategies look at.
pub struct QueueInput<'a> {
    /// Labelled images audited against the model's current predictions.
    pub labelled: &'a [LabelledInput<'a>],
    /// Images without a usable mask that have a current prediction.
    pub unlabelled: &'a [UnlabelledInput<'a>],
    /// At-risk class ids.
    pub at_risk: &'a [u8],
    /// Short class names indexed by class id; their count is the number of classes. A class named
    /// `Void` (any case) is never rare to rare-boost.
    pub class_names: &'a [String],
    /// IoU below which an at-risk class counts against an image in `rare-low-iou`.
    pub risk_iou: f64,
    /// Share of each class in the labelled pixels (rare-boost weights).
    pub class_share: &'a [f64],
    /// P(class | grey bin) in the labelled pixels, `[class][bin]` (see `active`); empty when
    /// unknown.
    pub grey_class: &'a [Vec<f64>],
}

/// The `budget` first images under `strategy`.
///
/// Items come back with `rank` set from 1; fewer than `budget` when fewer images qualify
/// (then [`Strategy::empty_hint`] says why a list is empty).
pub fn rank(input: &QueueInput<'_>, strategy: Strategy, budget: usize) -> Vec<QueueItem> {
    let mut items = match strategy {
        Strategy::RareLowIou => rare_low_iou(input),
        Strategy::LabelSuspect => label_suspect(input),
        Strategy::Uncertain => uncertain(input, budget),
        Strategy::Mixed => mixed(input, budget),
        Strategy::Diverse => active::diverse(input, budget),
        s => active::score_each(input, s),
    };
    items.truncate(budget);
    for (i, it) in items.iter_mut().enumerate() {
        it.rank = i + 1;
    }
    items
}

pub(super) fn item(
    row: &IndexedImage,
    labelled: bool,
    strategy: Strategy,
    score: f64,
    reason: String,
    numbers: BTreeMap<String, f64>,
) -> QueueItem {
    QueueItem {
        rank: 0,
        image_id: row.id,
        sample: row.sample.clone(),
        stem: row.stem.clone(),
        image_path: row.image_path.clone(),
        bin: row.bin,
        labelled,
        mask_problem: None,
        strategy,
        score,
        reason,
        numbers,
    }
}

/// The item of an image without a usable mask; one whose mask is invalid says so first.
pub(super) fn unlabelled_item(
    u: &UnlabelledInput<'_>,
    strategy: Strategy,
    score: f64,
    reason: String,
    numbers: BTreeMap<String, f64>,
) -> QueueItem {
    let reason = match u.mask_problem {
        Some(_) => format!("{}; {reason}", u.mask_words()),
        None => reason,
    };
    QueueItem {
        mask_problem: u.mask_problem.map(str::to_string),
        ..item(u.row, false, strategy, score, reason, numbers)
    }
}

pub(super) fn sort(items: &mut [QueueItem]) {
    items.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| (&a.sample, &a.stem).cmp(&(&b.sample, &b.stem)))
    });
}

fn mixed(input: &QueueInput<'_>, budget: usize) -> Vec<QueueItem> {
    let lists = [
        label_suspect(input),
        rare_low_iou(input),
        uncertain(input, budget),
    ];
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut cursors = [0usize; 3];
    while out.len() < budget && cursors.iter().zip(&lists).any(|(c, l)| *c < l.len()) {
        for (k, list) in lists.iter().enumerate() {
            while cursors[k] < list.len() {
                let it = &list[cursors[k]];
                cursors[k] += 1;
                if seen.insert(it.image_id) {
                    out.push(it.clone());
                    break;
                }
            }
            if out.len() >= budget {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
