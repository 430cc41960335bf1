//! Image rows in SQLite: writing an indexed item (with its problems) and reading a row back.

use rusqlite::params;
use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use super::super::bins::ScaleBins;
use super::super::image::{ImageId, IndexedImage};
use super::super::item::{ItemRecord, MaskState, PixelSizeSource};
use super::super::problems::Problem;
use super::{WorkspaceError, WriteTx};

impl WriteTx<'_> {
    /// Inserts or updates one indexed image and replaces its problems.
    ///
    /// The row is keyed by (sample, stem): an image seen before keeps its id, so everything
    /// attached to it survives a re-read. Its bin is computed under `bins`, `missing` is cleared
    /// and `now` (Unix seconds) stamped as its index time. Returns the row id.
    pub fn upsert(
        &self,
        rec: &ItemRecord,
        bins: &ScaleBins,
        now: i64,
    ) -> Result<ImageId, WorkspaceError> {
        let f = &rec.files;
        let img = rec.image.as_ref();
        let counts = rec.class_counts.as_deref().map(encode_counts);
        let bin = rec.pixel_size.map(|p| bins.bin_of(p) as i64);
        let id: ImageId = self.tx.prepare_cached(
            "INSERT INTO images (sample, stem, grp, image_path, mask_path, features_path, image_fp, mask_fp,
                features_fp, format, width, height, bit_depth, pixel_size, pixel_size_source, bin, mask_state,
                class_counts, missing, indexed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, 0, ?19)
             ON CONFLICT (sample, stem) DO UPDATE SET grp = excluded.grp, image_path = excluded.image_path,
                mask_path = excluded.mask_path, features_path = excluded.features_path,
                image_fp = excluded.image_fp, mask_fp = excluded.mask_fp, features_fp = excluded.features_fp,
                format = excluded.format, width = excluded.width, height = excluded.height,
                bit_depth = excluded.bit_depth, pixel_size = excluded.pixel_size,
                pixel_size_source = excluded.pixel_size_source, bin = excluded.bin,
                mask_state = excluded.mask_state, class_counts = excluded.class_counts, missing = 0,
                indexed_at = excluded.indexed_at
             RETURNING id",
        )?.query_row(
            params![
                f.sample, f.stem, f.group, f.image.path,
                f.mask.as_ref().map(|m| &m.path), f.features.as_ref().map(|m| &m.path),
                f.image.fingerprint, f.mask.as_ref().map(|m| &m.fingerprint),
                f.features.as_ref().map(|m| &m.fingerprint),
                img.map(|i| i.format), img.map(|i| i.width), img.map(|i| i.height), img.map(|i| i.bit_depth),
                rec.pixel_size, rec.pixel_size_source.map(PixelSizeSource::as_str), bin,
                rec.mask_state.as_str(), counts, now,
            ],
            |r| r.get(0),
        )?;
        self.tx
            .execute("DELETE FROM problems WHERE image_id = ?1", [id])?;
        for p in &rec.problems {
            self.insert_problem(Some(id), p)?;
        }
        Ok(id)
    }

    /// Moves an image to another split group (the dataset's grouping rule changed).
    pub fn set_group(&self, id: ImageId, group: &str) -> Result<(), WorkspaceError> {
        self.tx
            .prepare_cached("UPDATE images SET grp = ?2 WHERE id = ?1")?
            .execute(params![id, group])?;
        Ok(())
    }

    /// Stores one problem, attached to image `image_id` or to none (folder-level problems).
    pub(super) fn insert_problem(
        &self,
        image_id: Option<ImageId>,
        p: &Problem,
    ) -> Result<(), WorkspaceError> {
        self.tx
            .prepare_cached(
                "INSERT INTO problems (image_id, path, kind, message) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![image_id, p.path, p.kind.as_str(), p.message])?;
        Ok(())
    }
}

/// An image id is stored as the integer key of `images`.
impl ToSql for ImageId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0))
    }
}

impl FromSql for ImageId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(ImageId)
    }
}

/// An [`IndexedImage`] from a row of the `SELECT` in [`super::Workspace::images`] (columns in
/// that order). An unknown mask state reads as invalid, an unknown pixel-size source as none.
pub(super) fn row_to_image(r: &rusqlite::Row<'_>) -> rusqlite::Result<IndexedImage> {
    let source: Option<String> = r.get(15)?;
    let state: String = r.get(17)?;
    let counts: Option<Vec<u8>> = r.get(18)?;
    Ok(IndexedImage {
        id: r.get(0)?,
        sample: r.get(1)?,
        stem: r.get(2)?,
        group: r.get(3)?,
        image_path: r.get(4)?,
        mask_path: r.get(5)?,
        features_path: r.get(6)?,
        image_fp: r.get(7)?,
        mask_fp: r.get(8)?,
        features_fp: r.get(9)?,
        format: r.get(10)?,
        width: r.get(11)?,
        height: r.get(12)?,
        bit_depth: r.get(13)?,
        pixel_size: r.get(14)?,
        pixel_size_source: source.as_deref().and_then(PixelSizeSource::parse),
        bin: r.get(16)?,
        mask_state: MaskState::parse(&state).unwrap_or(MaskState::Invalid),
        class_counts: counts.as_deref().map(decode_counts),
        missing: r.get(19)?,
    })
}

/// Class counts as little-endian u64s.
pub(super) fn encode_counts(counts: &[u64]) -> Vec<u8> {
    counts.iter().flat_map(|c| c.to_le_bytes()).collect()
}

/// Inverse of [`encode_counts`]; a trailing partial chunk is dropped.
pub(super) fn decode_counts(bytes: &[u8]) -> Vec<u64> {
    bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect()
}
