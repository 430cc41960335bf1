//! The workspace: the tool's own state about a dataset, in one SQLite database
//! (`ROOT/.semcurate/index.sqlite` by default, anywhere with `--workspace`). Writes go through
//! transactions in WAL mode, so a killed process leaves the last committed state intact.
//! The dataset folder itself is never written.
//!
//! Rows refer to images by their integer row id ([`IndexedImage::id`]), stable across re-indexing
//! as long as the image keeps its sample and stem; predictions, edits, decisions and exports
//! hang off that id. Paths are stored relative to the dataset root with `/` separators.

mod audits;
mod decisions;
mod edits;
mod error;
mod exports;
mod imports;
mod migrations;
mod parts;
mod perms;
mod predictions;
mod rows;

pub use audits::CachedAudit;
pub use decisions::current_user;
pub use edits::{
    BaseSource, EditBase, EditCount, EditOp, EditRow, IDLE_GAP_MS, Provenance, provenance,
};
pub use error::WorkspaceError;
pub use exports::{ExportRecord, ExportedImage};
pub use imports::{ImportSource, ImportTile};
pub use parts::MergeCount;
pub use predictions::{PackedPrediction, PredictionKey};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::bins::ScaleBins;
use super::image::{ImageId, IndexedImage};
use super::problems::{Problem, ProblemKind};
use super::split::Split;

/// Folder name of the default workspace inside a dataset root.
pub const WORKSPACE_DIR: &str = ".semcurate";
/// The SQLite file inside the workspace folder.
const DB_FILE: &str = "index.sqlite";
/// How long a write waits for another process's write transaction before giving up.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_mins(1);

/// How the database keeps its journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Journal {
    /// Write-ahead log: readers and a writer at once, on one machine (the shared workspace).
    Wal,
    /// Rollback journal: one writer, any file system (a shard's part).
    Rollback,
}

/// An open workspace.
pub struct Workspace {
    dir: PathBuf,
    conn: Connection,
}

impl Workspace {
    /// The default workspace folder of a dataset root.
    pub fn default_dir(root: &Path) -> PathBuf {
        root.join(WORKSPACE_DIR)
    }

    /// Opens or creates the workspace in `dir`, applying pending migrations.
    pub fn open(dir: &Path) -> Result<Self, WorkspaceError> {
        Self::open_with(dir, Journal::Wal)
    }

    /// Opens or creates `dir/index.sqlite` with `journal`: the folder and file take the
    /// parent folder's group access (see `perms`), and an error of permissions says so.
    fn open_with(dir: &Path, journal: Journal) -> Result<Self, WorkspaceError> {
        Self::open_unmapped(dir, journal).map_err(|e| {
            WorkspaceError::damaged(&dir.join(DB_FILE), WorkspaceError::not_writable(dir, e))
        })
    }

    fn open_unmapped(dir: &Path, journal: Journal) -> Result<Self, WorkspaceError> {
        let fresh = !dir.exists();
        let create_err = |source| WorkspaceError::Create {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(create_err)?;
        if fresh {
            perms::share_like_parent(dir).map_err(create_err)?;
        }
        let path = dir.join(DB_FILE);
        let open_err = |source| WorkspaceError::Open {
            path: path.clone(),
            source,
        };
        let new_file = !path.exists();
        let conn = Connection::open(&path).map_err(open_err)?;
        if new_file {
            // Before SQLite makes its log files: they copy the database file's mode.
            conn.execute_batch("PRAGMA user_version")
                .map_err(open_err)?;
            let _ = perms::share_file(&path, dir);
        }
        // Several processes may share a workspace (the TUI, a headless predict, an export):
        // wait for another writer rather than fail, before anything else touches the file.
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        match journal {
            Journal::Wal => {
                migrations::set_wal(&conn).map_err(open_err)?;
                conn.pragma_update(None, "synchronous", "NORMAL")
                    .map_err(open_err)?;
            }
            Journal::Rollback => conn
                .pragma_update(None, "journal_mode", "DELETE")
                .map_err(open_err)?,
        }
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        let mut ws = Self {
            dir: dir.to_path_buf(),
            conn,
        };
        ws.migrate(&path)?;
        Ok(ws)
    }

    /// The workspace folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Schema version (number of migrations applied).
    pub fn version(&self) -> Result<i64, WorkspaceError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// A metadata value.
    ///
    /// Keys are the constants of [`crate::dataset::index::keys`]; values are free text, mostly
    /// JSON (see [`Workspace::meta_json`]).
    pub fn meta(&self, key: &str) -> Result<Option<String>, WorkspaceError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Sets a metadata value.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), WorkspaceError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// A JSON metadata value.
    pub fn meta_json<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, WorkspaceError> {
        self.meta(key)?
            .map(|v| serde_json::from_str(&v))
            .transpose()
            .map_err(|e| WorkspaceError::Corrupt {
                key: key.to_string(),
                message: e.to_string(),
            })
    }

    /// Sets a JSON metadata value.
    pub fn set_meta_json<T: serde::Serialize>(
        &self,
        key: &str,
        value: &T,
    ) -> Result<(), WorkspaceError> {
        let text = serde_json::to_string(value).map_err(|e| WorkspaceError::Corrupt {
            key: key.to_string(),
            message: e.to_string(),
        })?;
        self.set_meta(key, &text)
    }

    /// Every image row, present or missing, ordered by sample and stem.
    pub fn images(&self) -> Result<Vec<IndexedImage>, WorkspaceError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, sample, stem, grp, image_path, mask_path, features_path, image_fp, mask_fp,
                    features_fp, format, width, height, bit_depth, pixel_size, pixel_size_source, bin,
                    mask_state, class_counts, missing
             FROM images ORDER BY sample, stem",
        )?;
        let rows = stmt.query_map([], rows::row_to_image)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// All stored problems with the image they belong to (`None` for folder-level ones).
    pub fn problems(&self) -> Result<Vec<(Option<ImageId>, Problem)>, WorkspaceError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.image_id, p.path, p.kind, p.message FROM problems p
             LEFT JOIN images i ON i.id = p.image_id
             WHERE i.missing IS NULL OR i.missing = 0 ORDER BY p.path, p.kind",
        )?;
        let rows = stmt.query_map([], |r| {
            let kind: String = r.get(2)?;
            Ok((
                r.get(0)?,
                Problem {
                    kind: ProblemKind::parse(&kind).unwrap_or(ProblemKind::Unlistable),
                    path: r.get(1)?,
                    message: r.get(3)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Starts a write transaction.
    ///
    /// Nothing is visible to other processes until [`WriteTx::commit`]; dropping it rolls back.
    pub fn transaction(&mut self) -> Result<WriteTx<'_>, WorkspaceError> {
        Ok(WriteTx {
            tx: self.conn.transaction()?,
        })
    }

    /// Split of every group that has one.
    pub fn splits(&self) -> Result<BTreeMap<String, Split>, WorkspaceError> {
        let mut stmt = self.conn.prepare_cached("SELECT grp, split FROM splits")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (g, s) = row?;
            let split = Split::parse(&s).ok_or_else(|| WorkspaceError::Corrupt {
                key: format!("split of {g}"),
                message: s,
            })?;
            out.insert(g, split);
        }
        Ok(out)
    }
}

/// A write transaction; dropped without [`WriteTx::commit`] it rolls back.
pub struct WriteTx<'a> {
    tx: Transaction<'a>,
}

impl WriteTx<'_> {
    /// Marks a row missing (its files are gone) or present again.
    pub fn set_missing(&self, id: ImageId, missing: bool) -> Result<(), WorkspaceError> {
        self.tx.execute(
            "UPDATE images SET missing = ?2 WHERE id = ?1",
            params![id, missing],
        )?;
        Ok(())
    }

    /// Replaces the problems that belong to no image (orphan masks, unlistable folders).
    pub fn replace_folder_problems(&self, problems: &[Problem]) -> Result<(), WorkspaceError> {
        self.tx
            .execute("DELETE FROM problems WHERE image_id IS NULL", [])?;
        for p in problems {
            self.insert_problem(None, p)?;
        }
        Ok(())
    }

    /// Recomputes every image's bin under new bins.
    pub fn rebin(&self, bins: &ScaleBins) -> Result<(), WorkspaceError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT id, pixel_size FROM images WHERE pixel_size IS NOT NULL")?;
        let rows: Vec<(ImageId, f64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut update = self
            .tx
            .prepare_cached("UPDATE images SET bin = ?2 WHERE id = ?1")?;
        for (id, p) in rows {
            update.execute(params![id, bins.bin_of(p) as i64])?;
        }
        Ok(())
    }

    /// Stores a group's split.
    pub fn set_split(&self, group: &str, split: Split) -> Result<(), WorkspaceError> {
        self.tx
            .prepare_cached("INSERT INTO splits (grp, split) VALUES (?1, ?2) ON CONFLICT (grp) DO UPDATE SET split = excluded.split")?
            .execute(params![group, split.as_str()])?;
        Ok(())
    }

    /// Forgets every split.
    pub fn clear_splits(&self) -> Result<(), WorkspaceError> {
        self.tx.execute("DELETE FROM splits", [])?;
        Ok(())
    }

    /// Sets a metadata value inside the transaction.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), WorkspaceError> {
        self.tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Makes the transaction's writes durable.
    pub fn commit(self) -> Result<(), WorkspaceError> {
        Ok(self.tx.commit()?)
    }
}

#[cfg(test)]
mod tests {
    use super::rows::{decode_counts, encode_counts};
    use super::*;

    #[test]
    fn migrates_and_reopens() {
        let t = tempfile::tempdir().unwrap();
        let ws = Workspace::open(t.path()).unwrap();
        assert_eq!(ws.version().unwrap(), migrations::MIGRATIONS.len() as i64);
        ws.set_meta("k", "v").unwrap();
        drop(ws);
        let ws = Workspace::open(t.path()).unwrap();
        assert_eq!(ws.meta("k").unwrap().as_deref(), Some("v"));
        assert_eq!(ws.meta("nope").unwrap(), None);
    }

    #[test]
    fn refuses_a_newer_workspace() {
        let t = tempfile::tempdir().unwrap();
        let ws = Workspace::open(t.path()).unwrap();
        ws.conn.pragma_update(None, "user_version", 999).unwrap();
        drop(ws);
        let e = Workspace::open(t.path()).err().unwrap();
        assert!(
            e.to_string()
                .contains("newer semcurate (schema version 999"),
            "{e}"
        );
    }

    #[test]
    fn counts_round_trip() {
        let c = vec![0, 1, u64::MAX, 65536];
        assert_eq!(decode_counts(&encode_counts(&c)), c);
    }
}
