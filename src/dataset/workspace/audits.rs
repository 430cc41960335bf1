//! Cached per-image audit summaries, stored as JSON text and keyed by image and model; an
//! entry is valid while the image and mask fingerprints it was computed from are current.

use std::collections::HashMap;

use rusqlite::params;

use super::super::image::ImageId;
use super::{Workspace, WorkspaceError, WriteTx};

/// A cached summary and the fingerprints it was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedAudit {
    /// The image's change fingerprint when the summary was computed.
    pub image_fp: String,
    /// The caller's key for the mask it was computed against (`jobs::audit` folds in the mask
    /// file's fingerprint, the schema's value mapping and the correction journal's length); a
    /// different key now makes the entry stale.
    pub mask_fp: String,
    /// JSON of `metrics::image_audit::ImageAudit`.
    pub summary: String,
}

impl Workspace {
    /// Every cached summary of `model`, by image id.
    pub fn cached_audits(
        &self,
        model: &str,
    ) -> Result<HashMap<ImageId, CachedAudit>, WorkspaceError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT image_id, image_fp, mask_fp, summary FROM audits WHERE model = ?1",
        )?;
        let rows = stmt.query_map([model], |r| {
            Ok((
                r.get(0)?,
                CachedAudit {
                    image_fp: r.get(1)?,
                    mask_fp: r.get(2)?,
                    summary: r.get(3)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl WriteTx<'_> {
    /// Stores a summary.
    ///
    /// One entry per (image, model): a new one replaces the old.
    pub fn put_audit(
        &self,
        image_id: ImageId,
        model: &str,
        a: &CachedAudit,
    ) -> Result<(), WorkspaceError> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO audits (image_id, model, image_fp, mask_fp, summary) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![image_id, model, a.image_fp, a.mask_fp, a.summary])?;
        Ok(())
    }
}
