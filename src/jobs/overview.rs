//! Everything the audit and the review queue look at for one model, loaded once: per-image
//! audit summaries (cached), prediction summaries of unlabelled images, the audit report and
//! the queue ranking. Shared by `semcurate queue` and the TUI so both rank identically.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::audit::{AuditInput, AuditReport, Audited, RiskThresholds, report};
use crate::dataset::ScaleBins;
use crate::dataset::image::{ImageId, IndexedImage};
use crate::dataset::item::MaskState;
use crate::dataset::prediction::ClassSummary;
use crate::dataset::problems::Problem;
use crate::dataset::schema::ClassSchema;
use crate::dataset::workspace::{Workspace, WorkspaceError};
use crate::metrics::image_audit::ImageAudit;
use crate::progress::Progress;
use crate::review::queue::{
    LabelledInput, QueueInput, QueueItem, Strategy, TileRegion, UnlabelledInput, class_given_grey,
    class_share, rank,
};

use super::audit::load_audits;

/// Audit and queue inputs of one model over a dataset.
pub struct Overview {
    /// Hash of the model whose stored predictions were read.
    pub model: String,
    /// Labelled images with a current prediction, and their summaries.
    pub audits: Vec<(IndexedImage, ImageAudit)>,
    /// Present rows that are not labelled: no mask, or a mask that cannot be used.
    pub unlabelled: Vec<IndexedImage>,
    /// Why the mask cannot be used, for the rows of `unlabelled` that have a mask file.
    pub mask_problems: HashMap<ImageId, String>,
    /// Mean margin (0–1) and per-class summary of every stored prediction, by image id.
    pub summaries: HashMap<ImageId, (f64, Vec<ClassSummary>)>,
    /// The audit of every judged labelled image, under the bins given.
    pub report: AuditReport,
    /// Labelled images whose label or prediction could not be read for the audit (as
    /// unreadable-mask problems, with why).
    pub problems: Vec<Problem>,
    /// Images whose review is over (accepted or rejected, or an unlabelled tile corrected):
    /// the queue leaves them out.
    pub finished: HashSet<ImageId>,
    /// Where imported tiles lie in their raw images, by image id.
    pub regions: HashMap<ImageId, TileRegion>,
    /// Share of each class in the labelled pixels.
    pub class_share: Vec<f64>,
    /// P(class | grey bin) over the labelled pixels (empty when none were read with grey).
    pub grey_class: Vec<Vec<f64>>,
}

/// Images whose latest review decision is `rejected`.
///
/// Rejected images are never judged, trained on or exported.
pub fn rejected_ids(ws: &Workspace) -> Result<HashSet<ImageId>, WorkspaceError> {
    Ok(ws
        .review_status()?
        .into_iter()
        .filter(|(_, d)| d.decision == crate::dataset::decision::Decision::Rejected)
        .map(|(id, _)| id)
        .collect())
}

/// Loads the overview of `model` (a model hash) with scale bins `bins`.
///
/// Judges the present, non-rejected images: labelled ones through their cached or recomputed
/// audit summaries, unlabelled ones through their stored prediction summaries (stale ones,
/// made from another version of the file, left out). Per-image audits are computed only for
/// images whose cache entry is stale, so a second call is cheap.
pub fn load_overview(
    ws: &mut Workspace,
    root: &Path,
    schema: &ClassSchema,
    model: &str,
    bins: &ScaleBins,
    thresholds: RiskThresholds,
    progress: &dyn Progress,
) -> Result<Overview, WorkspaceError> {
    let (labelled, unlabelled) = judged_rows(ws)?;
    let loaded = load_audits(ws, root, schema, model, labelled, progress)?;
    let summaries = current_summaries(ws, model, &loaded.audits, &unlabelled)?;
    let splits = ws.splits()?;
    let audited: Vec<Audited<'_>> = loaded
        .audits
        .iter()
        .map(|(row, audit)| Audited { row, audit })
        .collect();
    let rep = report(&AuditInput {
        model,
        schema,
        bins,
        splits: &splits,
        split: None,
        images: &audited,
        unpredicted: loaded.unpredicted,
        thresholds,
    });
    let counts = loaded
        .audits
        .iter()
        .filter_map(|(r, _)| r.class_counts.as_deref());
    let greys = loaded.audits.iter().filter_map(|(_, a)| a.grey.as_ref());
    Ok(Overview {
        mask_problems: mask_problems(ws, &unlabelled)?,
        regions: tile_regions(ws, &unlabelled)?,
        finished: finished_ids(ws, &unlabelled)?,
        class_share: class_share(counts, schema),
        grey_class: class_given_grey(greys.map(|g| g.truth_hist.as_slice()), schema.len()),
        model: model.to_string(),
        audits: loaded.audits,
        unlabelled,
        summaries,
        report: rep,
        problems: loaded.problems,
    })
}

/// The rows the overview judges, split into (labelled, not labelled): present and not
/// rejected (out of focus, wrong sample: not judged, as they are not trained on).
fn judged_rows(ws: &Workspace) -> Result<(Vec<IndexedImage>, Vec<IndexedImage>), WorkspaceError> {
    let rejected = rejected_ids(ws)?;
    Ok(ws
        .images()?
        .into_iter()
        .filter(|r| !r.missing && !rejected.contains(&r.id))
        .partition(IndexedImage::is_labelled))
}

/// Stored prediction summaries of `model` for the images as they are now: a changed file's
/// old prediction is stale and left out.
fn current_summaries(
    ws: &Workspace,
    model: &str,
    audits: &[(IndexedImage, ImageAudit)],
    unlabelled: &[IndexedImage],
) -> Result<HashMap<ImageId, (f64, Vec<ClassSummary>)>, WorkspaceError> {
    let keys = ws.prediction_keys(model)?;
    let current: HashMap<ImageId, &str> = labelled_ids_fp(audits, unlabelled);
    let mut summaries = ws.prediction_summaries(model)?;
    summaries.retain(|id, _| {
        keys.get(id)
            .zip(current.get(id))
            .is_some_and(|(k, fp)| k.image_fp == *fp)
    });
    Ok(summaries)
}

/// Images whose review is over: a final decision, or an unlabelled tile whose proposal was
/// corrected (it is labelled now).
fn finished_ids(
    ws: &Workspace,
    unlabelled: &[IndexedImage],
) -> Result<HashSet<ImageId>, WorkspaceError> {
    let mut finished: HashSet<ImageId> = ws
        .review_status()?
        .into_iter()
        .filter(|(_, e)| e.decision.is_final())
        .map(|(id, _)| id)
        .collect();
    let unlabelled_ids: HashSet<ImageId> = unlabelled.iter().map(|r| r.id).collect();
    finished.extend(
        ws.edit_counts()?
            .into_keys()
            .filter(|id| unlabelled_ids.contains(id)),
    );
    Ok(finished)
}

/// Where each imported unlabelled tile lies in its raw image, by image id.
fn tile_regions(
    ws: &Workspace,
    unlabelled: &[IndexedImage],
) -> Result<HashMap<ImageId, TileRegion>, WorkspaceError> {
    let by_name: HashMap<(&str, &str), ImageId> = unlabelled
        .iter()
        .map(|r| ((r.sample.as_str(), r.stem.as_str()), r.id))
        .collect();
    Ok(ws
        .import_tiles()?
        .into_iter()
        .filter_map(|(t, source)| {
            let id = *by_name.get(&(t.sample.as_str(), t.stem.as_str()))?;
            let region = TileRegion {
                source,
                x: t.x,
                y: t.y,
                w: t.width,
                h: t.height,
            };
            Some((id, region))
        })
        .collect())
}

/// The index's problems with the mask file of each row whose mask is invalid, joined, by id.
fn mask_problems(
    ws: &Workspace,
    rows: &[IndexedImage],
) -> Result<HashMap<ImageId, String>, WorkspaceError> {
    let invalid: HashMap<ImageId, &str> = rows
        .iter()
        .filter(|r| r.mask_state == MaskState::Invalid)
        .filter_map(|r| Some((r.id, r.mask_path.as_deref()?)))
        .collect();
    if invalid.is_empty() {
        return Ok(HashMap::new());
    }
    let mut out: HashMap<ImageId, String> = HashMap::new();
    for (id, p) in ws.problems()? {
        let Some(id) = id.filter(|id| invalid.get(id) == Some(&p.path.as_str())) else {
            continue;
        };
        let text = out.entry(id).or_default();
        if !text.is_empty() {
            text.push_str("; ");
        }
        text.push_str(&p.message);
    }
    for id in invalid.keys() {
        out.entry(*id)
            .or_insert_with(|| "the index could not use it (see `semcurate index`)".into());
    }
    Ok(out)
}

/// Current image fingerprints of the audited and unlabelled rows, by id.
fn labelled_ids_fp<'a>(
    audits: &'a [(IndexedImage, ImageAudit)],
    unlabelled: &'a [IndexedImage],
) -> HashMap<ImageId, &'a str> {
    audits
        .iter()
        .map(|(r, _)| r)
        .chain(unlabelled)
        .map(|r| (r.id, r.image_fp.as_str()))
        .collect()
}

impl Overview {
    /// Images without a usable mask: (unlabelled, with an invalid mask).
    pub fn without_mask(&self) -> (usize, usize) {
        let invalid = self
            .unlabelled
            .iter()
            .filter(|r| self.mask_problems.contains_key(&r.id))
            .count();
        (self.unlabelled.len() - invalid, invalid)
    }

    /// At-risk class ids of the report.
    pub fn at_risk(&self) -> Vec<u8> {
        self.report.at_risk.iter().map(|a| a.id).collect()
    }

    /// The first `budget` images under `strategy` (the `queue` command's ranking).
    ///
    /// Finished images (accepted, rejected, or an unlabelled tile already corrected) are left
    /// out; unlabelled images enter only with a current prediction.
    pub fn queue(&self, schema: &ClassSchema, strategy: Strategy, budget: usize) -> Vec<QueueItem> {
        let open = |r: &IndexedImage| !self.finished.contains(&r.id);
        let labelled: Vec<LabelledInput<'_>> = self
            .audits
            .iter()
            .filter(|(row, _)| open(row))
            .map(|(row, audit)| LabelledInput { row, audit })
            .collect();
        let unlabelled: Vec<UnlabelledInput<'_>> = self
            .unlabelled
            .iter()
            .filter(|r| open(r))
            .filter_map(|r| {
                self.summaries.get(&r.id).map(|(m, pc)| UnlabelledInput {
                    row: r,
                    mean_margin: *m,
                    per_class: pc,
                    region: self.regions.get(&r.id),
                    mask_problem: self.mask_problems.get(&r.id).map(String::as_str),
                })
            })
            .collect();
        let names: Vec<String> = schema.classes.iter().map(|c| c.short.clone()).collect();
        let at_risk = self.at_risk();
        let input = QueueInput {
            labelled: &labelled,
            unlabelled: &unlabelled,
            at_risk: &at_risk,
            class_names: &names,
            risk_iou: self.report.thresholds.iou,
            class_share: &self.class_share,
            grey_class: &self.grey_class,
        };
        rank(&input, strategy, budget)
    }
}

impl std::fmt::Debug for Overview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overview")
            .field("model", &self.model)
            .field("audited", &self.audits.len())
            .field("unlabelled", &self.unlabelled.len())
            .field("predicted", &self.summaries.len())
            .finish_non_exhaustive()
    }
}
