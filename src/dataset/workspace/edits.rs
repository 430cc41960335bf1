//! The mask-edit journal: per image, the base it was made on (the mask file at a fingerprint,
//! or a model's proposal) and an append-only list of operations (stroke, undo, redo), each
//! committed on its own as soon as it is finished. What an operation holds (`changes`) is
//! opaque here; `review::edit` encodes and replays it. A materialised result of a journal
//! prefix may be cached; the journal stays the truth.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::super::image::ImageId;
use super::{Workspace, WorkspaceError};

/// What an image's edits start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseSource {
    /// The image's mask file.
    Mask,
    /// A model's proposal (unlabelled images).
    Proposal,
    /// Nothing: every pixel unlabelled (an image with no mask and no proposal). `fp` is the
    /// image's fingerprint.
    Blank,
}

impl BaseSource {
    /// The name stored in the `edit_bases` table: `mask`, `proposal` or `blank`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mask => "mask",
            Self::Proposal => "proposal",
            Self::Blank => "blank",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "mask" => Some(Self::Mask),
            "proposal" => Some(Self::Proposal),
            "blank" => Some(Self::Blank),
            _ => None,
        }
    }
}

/// The base of an image's journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditBase {
    /// What the first operation was made on.
    pub source: BaseSource,
    /// The mask file's fingerprint, or the proposal's image fingerprint.
    pub fp: String,
    /// The model hash of a proposal.
    pub model: Option<String>,
    /// Who started the journal.
    pub user: String,
    /// Unix seconds.
    pub started: i64,
}

/// One journal operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditOp {
    /// A finished stroke: `changes` holds its pixels' old and new class ids.
    Stroke,
    /// The user undid the last stroke in effect (no changes stored).
    Undo,
    /// The user redid the last undone stroke (no changes stored).
    Redo,
}

impl EditOp {
    /// The name stored in the `edits` table: `stroke`, `undo` or `redo`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stroke => "stroke",
            Self::Undo => "undo",
            Self::Redo => "redo",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "stroke" => Some(Self::Stroke),
            "undo" => Some(Self::Undo),
            "redo" => Some(Self::Redo),
            _ => None,
        }
    }
}

/// One journal row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditRow {
    /// Position in the image's journal, from 1.
    pub seq: i64,
    /// Stroke, undo or redo.
    pub op: EditOp,
    /// The tool of a stroke.
    pub tool: Option<String>,
    /// The stroke's encoded changes (empty for undo / redo).
    pub changes: Vec<u8>,
    /// Pixels the stroke changed.
    pub pixels: u32,
    /// Who made this operation (journals can have several editors).
    pub user: String,
    /// Unix milliseconds.
    pub at_ms: i64,
}

/// Journal size of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditCount {
    /// Operations in the journal, undo and redo included.
    pub ops: u32,
    /// Unix milliseconds of the last operation.
    pub last_ms: i64,
}

/// Where an image's corrections came from: who, when, how long, with which tools, from
/// which proposal. Derived from the journal, so it cannot disagree with it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Provenance {
    /// Users in the order they first edited.
    pub users: Vec<String>,
    /// Unix milliseconds of the first and the last operation.
    pub started_ms: i64,
    pub ended_ms: i64,
    /// Seconds of active editing: gaps between operations count up to [`IDLE_GAP_MS`].
    pub active_seconds: f64,
    /// Tools of the strokes, sorted.
    pub tools: Vec<String>,
    /// Operations (strokes, undos, redos).
    /// Operations in the journal (strokes, undos, redos).
    pub ops: usize,
    /// The proposal's model hash, when the edits started from a proposal.
    pub model: Option<String>,
}

/// A pause longer than this (ms) between two edits is not counted as editing time.
pub const IDLE_GAP_MS: i64 = 60_000;

/// The provenance of a journal made on `base`; `None` for an empty journal.
pub fn provenance(base: &EditBase, rows: &[EditRow]) -> Option<Provenance> {
    let first = rows.first()?;
    let mut users: Vec<String> = Vec::new();
    let mut tools: Vec<String> = Vec::new();
    let mut active_ms = 0i64;
    let mut last = first.at_ms;
    for r in rows {
        if !users.contains(&r.user) {
            users.push(r.user.clone());
        }
        if let Some(t) = &r.tool
            && !tools.contains(t)
        {
            tools.push(t.clone());
        }
        let gap = r.at_ms - last;
        if (0..=IDLE_GAP_MS).contains(&gap) {
            active_ms += gap;
        }
        last = r.at_ms;
    }
    tools.sort();
    Some(Provenance {
        users,
        started_ms: first.at_ms,
        ended_ms: last,
        active_seconds: active_ms as f64 / 1000.0,
        tools,
        ops: rows.len(),
        model: base.model.clone(),
    })
}

impl Workspace {
    /// The base of an image's journal, if it has one.
    pub fn edit_base(&self, image_id: ImageId) -> Result<Option<EditBase>, WorkspaceError> {
        let row = self
            .conn
            .query_row(
                "SELECT source, fp, model, user, started FROM edit_bases WHERE image_id = ?1",
                [image_id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(source, fp, model, user, started)| {
            let source = BaseSource::parse(&source).ok_or_else(|| WorkspaceError::Corrupt {
                key: format!("edit base of image {image_id}"),
                message: format!("unknown source '{source}'"),
            })?;
            Ok(EditBase {
                source,
                fp,
                model,
                user,
                started,
            })
        })
        .transpose()
    }

    /// Appends one operation to an image's journal, recording its base first when the
    /// journal is new; committed before returning. Returns the operation's `seq`.
    pub fn append_edit(
        &mut self,
        image_id: ImageId,
        base: &EditBase,
        row: &EditRow,
    ) -> Result<i64, WorkspaceError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT OR IGNORE INTO edit_bases (image_id, source, fp, model, user, started)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                image_id,
                base.source.as_str(),
                base.fp,
                base.model,
                base.user,
                base.started
            ],
        )?;
        let seq: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM edits WHERE image_id = ?1",
            [image_id],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO edits (image_id, seq, op, tool, changes, pixels, user, at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                image_id,
                seq,
                row.op.as_str(),
                row.tool,
                row.changes,
                row.pixels,
                row.user,
                row.at_ms
            ],
        )?;
        tx.commit()?;
        Ok(seq)
    }

    /// An image's journal, in order.
    pub fn edits(&self, image_id: ImageId) -> Result<Vec<EditRow>, WorkspaceError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, op, tool, changes, pixels, user, at_ms FROM edits
             WHERE image_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([image_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get::<_, Option<Vec<u8>>>(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?;
        rows.map(|r| {
            let (seq, op, tool, changes, pixels, user, at_ms) = r?;
            let op = EditOp::parse(&op).ok_or_else(|| WorkspaceError::Corrupt {
                key: format!("edit {seq} of image {image_id}"),
                message: format!("unknown operation '{op}'"),
            })?;
            Ok(EditRow {
                seq,
                op,
                tool,
                changes: changes.unwrap_or_default(),
                pixels,
                user,
                at_ms,
            })
        })
        .collect()
    }

    /// Journal sizes of every image that has edits.
    pub fn edit_counts(&self) -> Result<HashMap<ImageId, EditCount>, WorkspaceError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT image_id, COUNT(*), MAX(at_ms) FROM edits GROUP BY image_id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                EditCount {
                    ops: r.get(1)?,
                    last_ms: r.get(2)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Caches the materialised mask after journal entry `upto` (packed ids).
    pub fn put_edit_cache(
        &self,
        image_id: ImageId,
        upto: i64,
        packed: &[u8],
    ) -> Result<(), WorkspaceError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO edit_cache (image_id, upto, classes) VALUES (?1, ?2, ?3)",
            params![image_id, upto, packed],
        )?;
        Ok(())
    }

    /// The cached materialised mask: the last journal entry it includes, and the packed ids.
    pub fn edit_cache(&self, image_id: ImageId) -> Result<Option<(i64, Vec<u8>)>, WorkspaceError> {
        Ok(self
            .conn
            .query_row(
                "SELECT upto, classes FROM edit_cache WHERE image_id = ?1",
                [image_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests;
