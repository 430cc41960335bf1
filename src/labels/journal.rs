//! An image's mask-edit journal as the editor and export use it: operations as workspace
//! rows and back, the base a new session starts from, and a journal replayed on the base it
//! was made on (or why it cannot be).

use crate::dataset::image::{ImageId, IndexedImage};
use crate::dataset::prediction::{pack, unpack};
use crate::dataset::workspace::{
    BaseSource, EditBase, EditOp, EditRow, Provenance, Workspace, provenance,
};
use crate::review::edit::{CHANGE_BYTES, EditSession, JournalOp, Stroke, Tool};

/// One operation to append to an image's journal.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalReq {
    /// Workspace row id of the image ([`IndexedImage::id`]).
    pub image_id: ImageId,
    /// The base the image's edits start from (recorded with the first operation).
    pub base: EditBase,
    /// The stroke, undo or redo to record.
    pub op: JournalOp,
    /// Who made the edit (`current_user()`: `$SEMCURATE_USER`, `$USER`, … ), kept for provenance.
    pub user: String,
    /// Unix milliseconds.
    pub at_ms: i64,
}

/// The journal as the editor gets it back when an image is opened.
#[derive(Debug, Clone)]
pub struct LoadedEdits {
    /// The base the journal starts from, as recorded with its first operation.
    pub base: EditBase,
    /// The session rebuilt from the journal, or why it could not be (the journal is kept).
    pub session: Result<EditSession, String>,
    /// Operations in the journal.
    pub ops: usize,
    /// Who edited, when, how long, with what.
    pub provenance: Option<Provenance>,
}

/// The row of a journal operation.
///
/// A stroke's changes are packed (`dataset::prediction::pack`) and its pixel count stored so
/// that reading can check the unpacked length; `seq` is left 0 for the workspace to number.
pub fn to_row(req: &JournalReq) -> EditRow {
    let (op, tool, changes, pixels) = match &req.op {
        JournalOp::Stroke(s) => (
            EditOp::Stroke,
            Some(s.tool.as_str().to_string()),
            pack(&s.encode()),
            s.changes.len() as u32,
        ),
        JournalOp::Undo => (EditOp::Undo, None, Vec::new(), 0),
        JournalOp::Redo => (EditOp::Redo, None, Vec::new(), 0),
    };
    EditRow {
        seq: 0,
        op,
        tool,
        changes,
        pixels,
        user: req.user.clone(),
        at_ms: req.at_ms,
    }
}

/// A journal row as a replayable operation.
fn to_op(row: &EditRow) -> Result<JournalOp, String> {
    Ok(match row.op {
        EditOp::Undo => JournalOp::Undo,
        EditOp::Redo => JournalOp::Redo,
        EditOp::Stroke => {
            let tool = row
                .tool
                .as_deref()
                .and_then(Tool::parse)
                .ok_or_else(|| format!("edit {} has no known tool", row.seq))?;
            let bytes = unpack(&row.changes, row.pixels as usize * CHANGE_BYTES)
                .map_err(|e| format!("edit {} is corrupt: {e}", row.seq))?;
            JournalOp::Stroke(
                Stroke::decode(tool, &bytes)
                    .ok_or_else(|| format!("edit {} is corrupt", row.seq))?,
            )
        }
    })
}

/// What an image's edits start from when a session begins now: its mask (labelled), the
/// model's proposal (unlabelled), or nothing (a blank mask, every pixel unlabelled), with the
/// fingerprint that ties the journal to it. `None` for an image that cannot be read.
///
/// The fingerprint is the mask file's for a mask base and the image file's for a proposal or
/// blank base: a later change of that file on disk is what makes [`replay`] refuse the journal.
pub fn base_for(row: &IndexedImage, proposal_model: Option<&str>, user: &str) -> Option<EditBase> {
    let (source, fp, model) = match (&row.mask_fp, row.is_labelled(), proposal_model) {
        (Some(fp), true, _) => (BaseSource::Mask, fp.clone(), None),
        (_, false, Some(m)) => (
            BaseSource::Proposal,
            row.image_fp.clone(),
            Some(m.to_string()),
        ),
        (_, false, None) if row.is_readable() => (BaseSource::Blank, row.image_fp.clone(), None),
        _ => return None,
    };
    Some(EditBase {
        source,
        fp,
        model,
        user: user.to_string(),
        started: crate::clock::now(),
    })
}

/// An image's journal as stored: its base, its rows, and the proposal it started from (for a
/// journal on a proposal, when that proposal is still stored).
#[derive(Debug, Clone)]
pub struct StoredJournal {
    /// The base recorded with the journal's first operation.
    pub base: EditBase,
    /// Journal rows in sequence order, undo and redo rows included.
    pub rows: Vec<EditRow>,
    /// `(image fingerprint, classes)` of the proposal a proposal-based journal started from.
    pub proposal: Option<(String, Vec<u8>)>,
}

/// Reads `row`'s journal (`None` when the image has no edits).
///
/// Errors are workspace read errors as text; a proposal that is no longer stored is not an
/// error here (`proposal` is `None`, and [`replay`] says why the journal cannot apply).
pub fn fetch_journal(ws: &Workspace, row: &IndexedImage) -> Result<Option<StoredJournal>, String> {
    let Some(base) = ws.edit_base(row.id).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let rows = ws.edits(row.id).map_err(|e| e.to_string())?;
    let proposal = match (base.source, base.model.as_deref()) {
        (BaseSource::Proposal, Some(model)) => ws
            .prediction(row.id, model)
            .map_err(|e| e.to_string())?
            .map(|p| (p.image_fp, p.classes)),
        _ => None,
    };
    Ok(Some(StoredJournal {
        base,
        rows,
        proposal,
    }))
}

/// Reads `row`'s journal and replays it on its base: `mask` (the image's mask as loaded) or
/// the proposal the journal started from. `None` when the image has no edits.
///
/// `mask` must be the decoded mask of `row` (class ids, row-major) when it is labelled;
/// `size` is the image's width and height in pixels.
pub fn load_edits(
    ws: &Workspace,
    row: &IndexedImage,
    mask: Option<&[u8]>,
    size: (u32, u32),
) -> Result<Option<LoadedEdits>, String> {
    Ok(fetch_journal(ws, row)?.map(|j| replay(row, j, mask, size)))
}

/// Replays a stored journal on the base it was made on.
///
/// Never fails as a whole: when the base changed on disk (fingerprint differs), is gone, or a
/// row is corrupt, [`LoadedEdits::session`] holds the reason and the journal stays untouched.
/// `size` is the image's (width, height) in pixels; a blank base is every pixel unlabelled.
pub fn replay(
    row: &IndexedImage,
    journal: StoredJournal,
    mask: Option<&[u8]>,
    size: (u32, u32),
) -> LoadedEdits {
    let StoredJournal {
        base,
        rows,
        proposal,
    } = journal;
    let ops = rows.len();
    let provenance = provenance(&base, &rows);
    let session = base_classes(row, &base, mask, proposal, size).and_then(|classes| {
        let journal: Vec<JournalOp> = rows.iter().map(to_op).collect::<Result<_, _>>()?;
        EditSession::replay(size.0, size.1, classes, &journal).map_err(|e| {
            format!("{e}; the {ops} saved edits are kept in the workspace but not shown")
        })
    });
    LoadedEdits {
        base,
        session,
        ops,
        provenance,
    }
}

/// The classes the journal was made on, checked against the fingerprint it recorded.
fn base_classes(
    row: &IndexedImage,
    base: &EditBase,
    mask: Option<&[u8]>,
    proposal: Option<(String, Vec<u8>)>,
    (w, h): (u32, u32),
) -> Result<Vec<u8>, String> {
    match base.source {
        BaseSource::Blank => {
            if row.image_fp != base.fp {
                return Err(
                    "the image changed on disk after it was labelled here; the edits are kept but not applied".into(),
                );
            }
            Ok(vec![
                crate::dataset::schema::UNLABELLED;
                w as usize * h as usize
            ])
        }
        BaseSource::Mask => {
            if row.mask_fp.as_deref() != Some(base.fp.as_str()) {
                return Err(format!(
                    "the mask file '{}' changed on disk after it was edited here; the edits were made on the earlier version and are kept in the workspace but not applied: put the earlier file back (from a backup or version control) to apply them; until then exports leave this image out",
                    row.mask_path.as_deref().unwrap_or("?")
                ));
            }
            mask.map(<[u8]>::to_vec)
                .ok_or_else(|| "the mask the edits were made on cannot be read".into())
        }
        BaseSource::Proposal => {
            let model = base.model.as_deref().unwrap_or_default();
            let (fp, classes) = proposal.ok_or_else(|| {
                format!("the proposal of model {model} the edits started from is gone")
            })?;
            if fp != base.fp || row.image_fp != base.fp {
                return Err(
                    "the image changed on disk after its proposal was edited; the edits are kept but not applied".into(),
                );
            }
            Ok(classes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::edit::Locks;

    #[test]
    fn strokes_round_trip_through_journal_rows() {
        let mut s = EditSession::new(4, 4, vec![0; 16]);
        let stroke = s
            .apply(Tool::GreyFill, [1, 5, 9], |_| 7, &Locks::default())
            .remove(0);
        let req = JournalReq {
            image_id: ImageId(1),
            base: EditBase {
                source: BaseSource::Mask,
                fp: "f".into(),
                model: None,
                user: "u".into(),
                started: 0,
            },
            op: JournalOp::Stroke(stroke.clone()),
            user: "u".into(),
            at_ms: 3,
        };
        let row = to_row(&req);
        assert_eq!((row.op, row.pixels), (EditOp::Stroke, 3));
        assert_eq!(to_op(&row), Ok(JournalOp::Stroke(stroke)));
        let undo = to_row(&JournalReq {
            op: JournalOp::Undo,
            ..req
        });
        assert_eq!(to_op(&undo), Ok(JournalOp::Undo));
        let bad = EditRow {
            changes: vec![1, 2, 3],
            ..row
        };
        assert!(to_op(&bad).unwrap_err().contains("corrupt"));
    }
}
