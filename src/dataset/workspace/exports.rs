//! Finished exports and what each image's label was when it was last exported, so that the
//! TUI can count corrections made since.

use std::collections::HashMap;

use rusqlite::params;

use super::super::image::ImageId;
use super::{Workspace, WorkspaceError};

/// One finished export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRecord {
    /// The export folder as given.
    pub out: String,
    /// The export manifest's fingerprint.
    pub fingerprint: String,
    /// Images (or tiles) written.
    pub files: u64,
    /// Who exported.
    pub user: String,
    /// Unix seconds.
    pub at: i64,
}

/// An image's label as last exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedImage {
    /// Row id of the exported image.
    pub image_id: ImageId,
    /// Operations in its edit journal then.
    pub edit_ops: u32,
    /// Its mask file's fingerprint then.
    pub mask_fp: Option<String>,
}

impl Workspace {
    /// Records a finished export and its images in one transaction.
    ///
    /// Per image only the latest export is kept, so comparing `edit_ops` with the journal's
    /// length now says whether corrections were made since.
    pub fn record_export(
        &mut self,
        record: &ExportRecord,
        images: &[ExportedImage],
    ) -> Result<(), WorkspaceError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO exports (out, fingerprint, files, user, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                record.out,
                record.fingerprint,
                record.files as i64,
                record.user,
                record.at
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO exported (image_id, export_id, edit_ops, mask_fp) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for i in images {
                stmt.execute(params![i.image_id, id, i.edit_ops, i.mask_fp])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Per image, its label as last exported.
    pub fn exported(&self) -> Result<HashMap<ImageId, ExportedImage>, WorkspaceError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT image_id, edit_ops, mask_fp FROM exported")?;
        let rows = stmt.query_map([], |r| {
            Ok(ExportedImage {
                image_id: r.get(0)?,
                edit_ops: r.get(1)?,
                mask_fp: r.get(2)?,
            })
        })?;
        rows.map(|r| r.map(|e| (e.image_id, e)).map_err(Into::into))
            .collect()
    }

    /// The latest finished export.
    pub fn last_export(&self) -> Result<Option<ExportRecord>, WorkspaceError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT out, fingerprint, files, user, at FROM exports ORDER BY id DESC LIMIT 1",
        )?;
        let mut rows = stmt.query_map([], |r| {
            Ok(ExportRecord {
                out: r.get(0)?,
                fingerprint: r.get(1)?,
                files: r.get::<_, i64>(2)? as u64,
                user: r.get(3)?,
                at: r.get(4)?,
            })
        })?;
        rows.next().transpose().map_err(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_are_recorded_and_replace_per_image() {
        let t = tempfile::tempdir().unwrap();
        let mut ws = Workspace::open(&t.path().join("ws")).unwrap();
        assert_eq!(ws.last_export().unwrap(), None);
        ws.conn
            .execute(
                "INSERT INTO images (id, sample, stem, grp, image_path, image_fp, mask_state, indexed_at)
                 VALUES (1, 's', 'a', 's/a', 's/input-images/a.png', 'fp', 'valid', 0)",
                [],
            )
            .unwrap();
        let rec = ExportRecord {
            out: "/x".into(),
            fingerprint: "f1".into(),
            files: 1,
            user: "u".into(),
            at: 5,
        };
        let img = ExportedImage {
            image_id: ImageId(1),
            edit_ops: 3,
            mask_fp: Some("m".into()),
        };
        ws.record_export(&rec, std::slice::from_ref(&img)).unwrap();
        let again = ExportedImage {
            edit_ops: 7,
            ..img.clone()
        };
        ws.record_export(
            &ExportRecord {
                fingerprint: "f2".into(),
                ..rec.clone()
            },
            std::slice::from_ref(&again),
        )
        .unwrap();
        assert_eq!(ws.exported().unwrap()[&ImageId(1)], again);
        assert_eq!(ws.last_export().unwrap().unwrap().fingerprint, "f2");
    }
}
