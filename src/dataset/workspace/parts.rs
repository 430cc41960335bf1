//! Shard parts. On a cluster, each task of a job array predicts into its own small workspace
//! (its own SQLite file with a rollback journal and one writer), never into the shared one:
//! SQLite's WAL needs shared memory, which a network file system does not give across nodes.
//! The tasks read the shared workspace as an immutable snapshot (no locks at all), and
//! `merge` folds the parts into it afterwards, in one process.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, params};

use super::super::image::{ImageId, IndexedImage};
use super::migrations::MIGRATIONS;
use super::rows::encode_counts;
use super::{DB_FILE, Workspace, WorkspaceError, WriteTx};
use crate::dataset::problems::Problem;

/// What merging one part did. Every prediction of the part is in exactly one of
/// `written`, `current`, `superseded` and `stale`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MergeCount {
    /// Images whose prediction was copied in: none was stored, or an older one.
    pub written: Vec<ImageId>,
    /// Images whose stored prediction already is the part's (merged before).
    pub current: Vec<ImageId>,
    /// Predictions left out because a newer one of the same image file is stored.
    pub superseded: u64,
    /// Predictions of images that changed or left the index since the part was made.
    pub stale: u64,
}

/// What becomes of one of a part's predictions, by the stored prediction of its image.
const FATE_SQL: &str = "
    SELECT p.image_id,
        CASE WHEN m.image_id IS NULL OR m.image_fp != p.image_fp OR m.created_at < p.created_at
             THEN 0
             WHEN m.created_at = p.created_at THEN 1
             ELSE 2 END
    FROM part.predictions p
    JOIN part.images pi ON pi.id = p.image_id
    JOIN main.images i ON i.id = p.image_id
    LEFT JOIN main.predictions m ON m.image_id = p.image_id AND m.model = p.model
    WHERE p.model = ?1 AND i.image_path = pi.image_path AND i.image_fp = p.image_fp
        AND i.missing = 0";

impl Workspace {
    /// Opens the workspace in `dir` read-only as an immutable file: no lock, no WAL, so any
    /// number of nodes may read it at once. Its writer must have run [`checkpoint`] last.
    ///
    /// [`checkpoint`]: Self::checkpoint
    pub fn open_snapshot(dir: &Path) -> Result<Self, WorkspaceError> {
        let path = dir.join(DB_FILE);
        let open_err = |source| WorkspaceError::Open {
            path: path.clone(),
            source,
        };
        if !path.is_file() {
            return Err(WorkspaceError::NotIndexed {
                dir: dir.to_path_buf(),
            });
        }
        // An immutable reader sees only the database file: writes still in the log would be
        // invisible, or half visible.
        let wal = dir.join(format!("{DB_FILE}-wal"));
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            return Err(WorkspaceError::Corrupt {
                key: path.display().to_string(),
                message: "it has writes not yet folded into the file (a TUI or another command has it open): close them and run `semcurate index` on the dataset, then start the shards".into(),
            });
        }
        let uri = format!("file:{}?immutable=1", uri_path(&path));
        let conn = Connection::open_with_flags(
            uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(open_err)?;
        let ws = Self {
            dir: dir.to_path_buf(),
            conn,
        };
        let (found, known) = (ws.version()?, MIGRATIONS.len() as i64);
        if found != known {
            return Err(WorkspaceError::Corrupt {
                key: path.display().to_string(),
                message: format!(
                    "schema version {found}, this semcurate needs {known}: run `semcurate index` on the dataset first"
                ),
            });
        }
        Ok(ws)
    }

    /// Folds the write-ahead log into the database file, so immutable readers see every
    /// committed write.
    pub fn checkpoint(&self) -> Result<(), WorkspaceError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Opens or creates a part workspace in `dir`: the same schema, a rollback journal.
    pub fn open_part(dir: &Path) -> Result<Self, WorkspaceError> {
        Self::open_with(dir, super::Journal::Rollback)
    }

    /// Copies the predictions by `model` of the part workspace in `part_dir` whose image is
    /// still indexed here with the same path and file fingerprint, in one transaction. The
    /// newest prediction of an image wins (a tie keeps the stored one), whatever order parts
    /// of several runs are merged in; merging twice changes nothing.
    pub fn merge_part(
        &mut self,
        part_dir: &Path,
        model: &str,
    ) -> Result<MergeCount, WorkspaceError> {
        let part = part_dir.join(DB_FILE);
        self.conn.execute(
            "ATTACH DATABASE ?1 AS part",
            [format!("file:{}?mode=ro", uri_path(&part))],
        )?;
        let result = self.merge_attached(model);
        let detach = self.conn.execute("DETACH DATABASE part", []);
        let count = result?;
        detach?;
        Ok(count)
    }

    fn merge_attached(&mut self, model: &str) -> Result<MergeCount, WorkspaceError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO main.models (hash, dir, config, added_at)
             SELECT hash, dir, config, added_at FROM part.models WHERE hash = ?1
             ON CONFLICT (hash) DO NOTHING",
            [model],
        )?;
        let total: i64 = tx.query_row(
            "SELECT count(*) FROM part.predictions WHERE model = ?1",
            [model],
            |r| r.get(0),
        )?;
        let mut count = MergeCount::default();
        let fates: Vec<(ImageId, i64)> = tx
            .prepare(FATE_SQL)?
            .query_map([model], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for &(id, fate) in &fates {
            match fate {
                0 => count.written.push(id),
                1 => count.current.push(id),
                _ => count.superseded += 1,
            }
        }
        count.stale = (total as u64).saturating_sub(fates.len() as u64);
        tx.execute(
            "INSERT OR REPLACE INTO main.predictions (image_id, model, image_fp, width, height, bin,
                used_bin, classes, margin, disagreement, mc_passes, per_class, mean_margin, created_at)
             SELECT p.image_id, p.model, p.image_fp, p.width, p.height, p.bin, p.used_bin, p.classes,
                p.margin, p.disagreement, p.mc_passes, p.per_class, p.mean_margin, p.created_at
             FROM part.predictions p
             JOIN part.images pi ON pi.id = p.image_id
             JOIN main.images i ON i.id = p.image_id
             WHERE p.model = ?1 AND i.image_path = pi.image_path AND i.image_fp = p.image_fp
                AND i.missing = 0
                AND NOT EXISTS (SELECT 1 FROM main.predictions m WHERE m.image_id = p.image_id
                    AND m.model = p.model AND m.image_fp = p.image_fp
                    AND m.created_at >= p.created_at)",
            [model],
        )?;
        tx.commit()?;
        Ok(count)
    }
}

impl WriteTx<'_> {
    /// Copies an image row (keeping its id) and its problems from another workspace.
    pub fn copy_image(
        &self,
        row: &IndexedImage,
        problems: &[Problem],
        now: i64,
    ) -> Result<(), WorkspaceError> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO images (id, sample, stem, grp, image_path, mask_path, features_path, image_fp,
                    mask_fp, features_fp, format, width, height, bit_depth, pixel_size, pixel_size_source,
                    bin, mask_state, class_counts, missing, indexed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                    ?19, ?20, ?21)",
            )?
            .execute(params![
                row.id,
                row.sample,
                row.stem,
                row.group,
                row.image_path,
                row.mask_path,
                row.features_path,
                row.image_fp,
                row.mask_fp,
                row.features_fp,
                row.format,
                row.width,
                row.height,
                row.bit_depth,
                row.pixel_size,
                row.pixel_size_source.map(super::super::item::PixelSizeSource::as_str),
                row.bin,
                row.mask_state.as_str(),
                row.class_counts.as_deref().map(encode_counts),
                row.missing,
                now
            ])?;
        // A copy interrupted before the part was described is made again over itself.
        self.tx
            .execute("DELETE FROM problems WHERE image_id = ?1", [row.id])?;
        for p in problems {
            self.insert_problem(Some(row.id), p)?;
        }
        Ok(())
    }
}

/// A path for an SQLite URI: `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    path.to_string_lossy()
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23")
}
