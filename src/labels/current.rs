//! An image's current label: its mask file, with the workspace's corrections replayed on it,
//! or a model's proposal that a person corrected or accepted. What training and export use as
//! the truth of an image.

use std::path::Path;

use crate::dataset::image::IndexedImage;
use crate::dataset::load::load_mask;
use crate::dataset::schema::ClassSchema;
use crate::dataset::workspace::{Provenance, Workspace};

use super::journal::{StoredJournal, fetch_journal, replay};

/// Where an image's current mask comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelSource {
    /// The mask file as it is on disk.
    File,
    /// The mask file or a proposal, corrected by hand in the workspace.
    Corrected,
    /// A model's proposal, accepted as it is.
    Proposal,
}

impl LabelSource {
    /// The snake-case name used in JSON and in tables (`file`, `corrected`, `proposal`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Corrected => "corrected",
            Self::Proposal => "proposal",
        }
    }
}

/// An image's current mask.
#[derive(Debug, Clone)]
pub struct CurrentLabel {
    /// Class id per pixel, row-major, the image's size.
    pub classes: Vec<u8>,
    /// Where `classes` comes from; `Corrected` only when the corrections change some pixel.
    pub source: LabelSource,
    /// Pixels that differ from the base (mask file or proposal) the corrections started on.
    pub changed_pixels: usize,
    /// Operations in the journal.
    pub edit_ops: usize,
    /// Who corrected it and when.
    pub provenance: Option<Provenance>,
}

/// What the workspace holds for one image's label: its journal and a proposal.
#[derive(Debug, Clone, Default)]
pub struct LabelRecord {
    /// The image's edit journal, `None` when it was never edited.
    pub journal: Option<StoredJournal>,
    /// `(model hash, classes)` of the proposal that stands for the image's prediction: the one
    /// its corrections started from, else the first of `models` with a current prediction.
    pub proposal: Option<(String, Vec<u8>)>,
}

impl LabelRecord {
    /// Reads the record of `row`; `models` are model hashes in order of preference.
    pub fn fetch(ws: &Workspace, row: &IndexedImage, models: &[String]) -> Result<Self, String> {
        let journal = fetch_journal(ws, row)?;
        let from_journal = journal.as_ref().and_then(|j| {
            let model = j.base.model.clone()?;
            let (_, classes) = j.proposal.clone()?;
            Some((model, classes))
        });
        let proposal = if let Some(p) = from_journal {
            Some(p)
        } else {
            let mut found = None;
            for m in models {
                let p = ws.prediction(row.id, m).map_err(|e| e.to_string())?;
                if let Some(p) = p.filter(|p| p.image_fp == row.image_fp) {
                    found = Some((m.clone(), p.classes));
                    break;
                }
            }
            found
        };
        Ok(Self { journal, proposal })
    }
}

/// Resolves the current mask of `row` from its files and `record`. `accepted`: a person
/// accepted the image, so an uncorrected proposal counts as its label. `Ok(None)`: the image
/// has no label (unlabelled, nothing corrected or accepted). `Err`: why its label cannot be
/// read (a bad mask file, a journal that no longer fits).
///
/// The mask file must decode to exactly `width × height` of `row`; a journal, if any, is
/// replayed on its base first, and a journal that nets to no change leaves the file (or, when
/// accepted, the proposal) as the label. An accepted proposal of the wrong length is ignored.
pub fn resolve(
    root: &Path,
    row: &IndexedImage,
    schema: &ClassSchema,
    record: &LabelRecord,
    accepted: bool,
) -> Result<Option<CurrentLabel>, String> {
    let (Some(w), Some(h)) = (row.width, row.height) else {
        return Err(format!("image '{}' could not be read", row.image_path));
    };
    let pixels = w as usize * h as usize;
    let mask = if row.is_labelled() {
        let m = load_mask(root, row, schema)
            .map_err(|e| format!("mask '{}': {e}", row.mask_path.as_deref().unwrap_or("?")))?
            .ok_or_else(|| format!("image '{}' lost its mask", row.image_path))?;
        if m.len() != pixels {
            return Err(format!(
                "mask '{}' is not the image's size {w}×{h}",
                row.mask_path.as_deref().unwrap_or("?")
            ));
        }
        Some(m)
    } else {
        None
    };
    if let Some(journal) = &record.journal {
        let loaded = replay(row, journal.clone(), mask.as_deref(), (w, h));
        let session = loaded.session.map_err(|e| format!("corrections: {e}"))?;
        let changed = session.changed_pixels();
        let source = match (changed > 0, mask.is_some()) {
            (true, _) => LabelSource::Corrected,
            (false, true) => LabelSource::File,
            (false, false) if accepted => LabelSource::Proposal,
            (false, false) => return Ok(None),
        };
        return Ok(Some(CurrentLabel {
            classes: session.mask.into_classes(),
            source,
            changed_pixels: changed,
            edit_ops: loaded.ops,
            provenance: loaded.provenance,
        }));
    }
    let (classes, source) = match (mask, &record.proposal) {
        (Some(m), _) => (m, LabelSource::File),
        (None, Some((_, p))) if accepted && p.len() == pixels => (p.clone(), LabelSource::Proposal),
        _ => return Ok(None),
    };
    Ok(Some(CurrentLabel {
        classes,
        source,
        changed_pixels: 0,
        edit_ops: 0,
        provenance: None,
    }))
}

/// The current label of one image as training and export see it: its record with the
/// workspace's models in order, accepted when its latest decision says so.
pub fn current_of(
    ws: &Workspace,
    root: &Path,
    row: &IndexedImage,
    schema: &ClassSchema,
) -> Result<Option<CurrentLabel>, String> {
    let models: Vec<String> = ws
        .models()
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(h, _)| h)
        .collect();
    let record = LabelRecord::fetch(ws, row, &models)?;
    let accepted = ws
        .review_status()
        .map_err(|e| e.to_string())?
        .get(&row.id)
        .is_some_and(|d| d.decision == crate::dataset::decision::Decision::Accepted);
    resolve(root, row, schema, &record, accepted)
}

/// Mean Dice over the classes present in either mask (`None` when both are empty or the sizes
/// differ): how much of a proposal survived review.
///
/// Both masks are class ids, row-major, of the same image; `classes` is the schema's class
/// count (ids at or above it, such as the unlabelled 254, are skipped).
pub fn mean_dice(proposal: &[u8], truth: &[u8], classes: usize) -> Option<f64> {
    if proposal.len() != truth.len() || proposal.is_empty() {
        return None;
    }
    let mut m = crate::metrics::Confusion::new(classes);
    m.add_masks(truth, proposal);
    m.mean_dice()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dice_is_mean_over_present_classes() {
        // class 0: P={0,1}, T={0}: 2·1/3; class 1: P={2,3}, T={1,2,3}: 2·2/5.
        let p = [0, 0, 1, 1];
        let t = [0, 1, 1, 1];
        let d = mean_dice(&p, &t, 3).unwrap();
        assert!((d - f64::midpoint(2.0 / 3.0, 0.8)).abs() < 1e-12, "{d}");
        assert_eq!(mean_dice(&p, &p, 3), Some(1.0));
        assert_eq!(mean_dice(&p, &t[..3], 3), None);
    }
}
