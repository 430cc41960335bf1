//! Raw microscope files imported into the dataset and the tiles cut from them.
//!
//! A raw file is known by its content (SHA-256, 16 hex digits), not its path, so the same scan
//! copied under another name is still recognised; tiles are known by sample and stem, as the
//! index knows them.

use rusqlite::params;

use super::{Workspace, WorkspaceError};

/// One imported raw file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImportSource {
    /// Content fingerprint of the raw file.
    pub source_fp: String,
    /// The sample folder its tiles went into.
    pub sample: String,
    /// The path it was imported from, as given.
    pub path: String,
    /// Size of the raw image (before the data-bar crop).
    pub width: u32,
    pub height: u32,
    /// Rows of data bar cut from the bottom before tiling.
    pub crop_rows: u32,
    /// Where that number came from: `given`, `metadata`, `detected` or `none`.
    pub crop_source: String,
    /// µm/px given to every tile.
    pub pixel_size: f64,
    /// `given`, `sidecar`, or `<vendor> metadata` (FEI, Zeiss).
    pub pixel_size_source: String,
    /// Tiles of the file now in the dataset (written now or found identical).
    pub tiles: u32,
    /// Tiles skipped as blank (epoxy, outside the section).
    pub blank: u32,
    /// Who imported it.
    pub user: String,
    /// When, seconds since the Unix epoch.
    pub at: i64,
}

/// One tile written from an imported file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportTile {
    /// Sample folder of the tile.
    pub sample: String,
    /// Its file stem, `PREFIX-xX_yY`: with `sample`, the key to its image row.
    pub stem: String,
    /// Top-left corner in the raw image (px) and size.
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// The columns of an [`ImportSource`], in the order [`source_of`] reads them.
const SOURCE_COLUMNS: &str = "source_fp, sample, path, width, height, crop_rows, crop_source, \
     pixel_size, pixel_size_source, tiles, blank, user, at";
/// How many columns [`SOURCE_COLUMNS`] names: the index of the next column of a row.
const SOURCE_COLUMN_COUNT: usize = 13;

/// An [`ImportSource`] from a row that starts with [`SOURCE_COLUMNS`].
fn source_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<ImportSource> {
    Ok(ImportSource {
        source_fp: r.get(0)?,
        sample: r.get(1)?,
        path: r.get(2)?,
        width: r.get(3)?,
        height: r.get(4)?,
        crop_rows: r.get(5)?,
        crop_source: r.get(6)?,
        pixel_size: r.get(7)?,
        pixel_size_source: r.get(8)?,
        tiles: r.get(9)?,
        blank: r.get(10)?,
        user: r.get(11)?,
        at: r.get(12)?,
    })
}

impl Workspace {
    /// Every import of the file with fingerprint `fp`, into any sample, with its row id and
    /// the stems of its tiles.
    pub fn imports_of_file(
        &self,
        fp: &str,
    ) -> Result<Vec<(i64, ImportSource, Vec<String>)>, WorkspaceError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {SOURCE_COLUMNS}, id FROM import_sources WHERE source_fp = ?1"
        ))?;
        let found: Vec<(ImportSource, i64)> = stmt
            .query_map([fp], |r| Ok((source_of(r)?, r.get(SOURCE_COLUMN_COUNT)?)))?
            .collect::<Result<_, _>>()?;
        let mut tiles = self
            .conn
            .prepare_cached("SELECT stem FROM import_tiles WHERE source_id = ?1 ORDER BY stem")?;
        let mut out = Vec::new();
        for (source, id) in found {
            let stems = tiles
                .query_map([id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            out.push((id, source, stems));
        }
        Ok(out)
    }

    /// Forgets an import (by row id) and its tiles, after their files were deleted.
    pub fn forget_import(&mut self, id: i64) -> Result<(), WorkspaceError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM import_tiles WHERE source_id = ?1", [id])?;
        tx.execute("DELETE FROM import_sources WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(())
    }

    /// Records an imported file and its tiles in one transaction.
    pub fn record_import(
        &mut self,
        source: &ImportSource,
        tiles: &[ImportTile],
    ) -> Result<(), WorkspaceError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO import_sources (source_fp, sample, path, width, height, crop_rows,
                crop_source, pixel_size, pixel_size_source, tiles, blank, user, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                source.source_fp,
                source.sample,
                source.path,
                source.width,
                source.height,
                source.crop_rows,
                source.crop_source,
                source.pixel_size,
                source.pixel_size_source,
                source.tiles,
                source.blank,
                source.user,
                source.at
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO import_tiles (sample, stem, source_id, x, y, width, height)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for t in tiles {
                stmt.execute(params![t.sample, t.stem, id, t.x, t.y, t.width, t.height])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A stamp of the index's image rows: (rows, highest id, rows marked missing). Another
    /// process's `import` or `index` that adds or loses images changes it; reading the rows
    /// again does not. Cheap: one aggregate query.
    pub fn index_stamp(&self) -> Result<[i64; 3], WorkspaceError> {
        let stamp = self.conn.query_row(
            "SELECT COUNT(*), COALESCE(MAX(id), 0), COALESCE(SUM(missing), 0) FROM images",
            [],
            |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?]),
        )?;
        Ok(stamp)
    }

    /// Every imported tile with the path of its raw file, by sample and stem.
    pub fn import_tiles(&self) -> Result<Vec<(ImportTile, String)>, WorkspaceError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.sample, t.stem, t.x, t.y, t.width, t.height, s.path
             FROM import_tiles t JOIN import_sources s ON s.id = t.source_id
             ORDER BY t.sample, t.stem",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                ImportTile {
                    sample: r.get(0)?,
                    stem: r.get(1)?,
                    x: r.get(2)?,
                    y: r.get(3)?,
                    width: r.get(4)?,
                    height: r.get(5)?,
                },
                r.get(6)?,
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
