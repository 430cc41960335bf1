//! Models and predictions in the workspace. A prediction is keyed by image and model hash and
//! remembers the image fingerprint it was made from, so edited images are predicted again.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::super::image::ImageId;
use super::{Workspace, WorkspaceError, WriteTx};
use crate::dataset::prediction::{ClassSummary, StoredPrediction, pack, unpack};

/// What is stored for an image and model, without the maps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredictionKey {
    /// The image's change fingerprint when predicted: differing from the row's now, the
    /// prediction is stale.
    pub image_fp: String,
    /// Monte-Carlo dropout passes run (0 = none, no disagreement map).
    pub mc_passes: u32,
    /// When it was stored, Unix seconds.
    pub created_at: i64,
}

impl Workspace {
    /// Prediction keys of every image predicted by `model`.
    ///
    /// Cheap: reads no map. Keys are image row ids.
    pub fn prediction_keys(
        &self,
        model: &str,
    ) -> Result<HashMap<ImageId, PredictionKey>, WorkspaceError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT image_id, image_fp, mc_passes, created_at FROM predictions WHERE model = ?1",
        )?;
        let rows = stmt.query_map([model], |r| {
            Ok((
                r.get(0)?,
                PredictionKey {
                    image_fp: r.get(1)?,
                    mc_passes: r.get(2)?,
                    created_at: r.get(3)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The stored prediction of an image by a model.
    pub fn prediction(
        &self,
        image_id: ImageId,
        model: &str,
    ) -> Result<Option<StoredPrediction>, WorkspaceError> {
        self.packed_prediction(image_id, model)?
            .map(PackedPrediction::unpack)
            .transpose()
    }

    /// The stored prediction with its maps still compressed (unpack it on any thread).
    pub fn packed_prediction(
        &self,
        image_id: ImageId,
        model: &str,
    ) -> Result<Option<PackedPrediction>, WorkspaceError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT image_fp, width, height, bin, used_bin, classes, margin, disagreement, mc_passes, per_class
             FROM predictions WHERE image_id = ?1 AND model = ?2",
        )?;
        let packed = stmt
            .query_row(params![image_id, model], |r| {
                Ok(PackedPrediction {
                    image_id,
                    model: model.to_string(),
                    image_fp: r.get(0)?,
                    width: r.get(1)?,
                    height: r.get(2)?,
                    bin: r.get(3)?,
                    used_bin: r.get(4)?,
                    classes: r.get(5)?,
                    margin: r.get(6)?,
                    disagreement: r.get(7)?,
                    mc_passes: r.get(8)?,
                    per_class: r.get(9)?,
                })
            })
            .optional()?;
        Ok(packed)
    }

    /// Mean margin (0–1) and per-class summaries of every prediction by `model`.
    pub fn prediction_summaries(
        &self,
        model: &str,
    ) -> Result<HashMap<ImageId, (f64, Vec<ClassSummary>)>, WorkspaceError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT image_id, mean_margin, per_class FROM predictions WHERE model = ?1",
        )?;
        let rows = stmt.query_map([model], |r| {
            Ok((
                r.get::<_, ImageId>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let (id, margin, json) = row?;
            let per_class = serde_json::from_str(&json).map_err(|e| WorkspaceError::Corrupt {
                key: format!("prediction summary of image {id}"),
                message: e.to_string(),
            })?;
            out.insert(id, (margin, per_class));
        }
        Ok(out)
    }

    /// Hashes of the models that have predictions, most recent first.
    ///
    /// Each entry is `(hash, dir column)`; whatever stores predictions registers its model
    /// first, and what goes in `dir` is its choice: `predict` stores the model's schema name
    /// there, the assist forest `assist`. Callers use the hashes.
    pub fn models(&self) -> Result<Vec<(String, String)>, WorkspaceError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT hash, dir FROM models ORDER BY added_at DESC")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A stored prediction as read from the database, maps compressed.
#[derive(Debug, Clone)]
pub struct PackedPrediction {
    /// Row id of the predicted image.
    pub image_id: ImageId,
    /// Hash of the model that predicted it.
    pub model: String,
    /// The image's change fingerprint when predicted.
    pub image_fp: String,
    /// Size in pixels of the maps (the image's).
    pub width: u32,
    pub height: u32,
    /// The image's scale bin, and the bin whose U-Net ran (they differ on fallback).
    pub bin: u32,
    pub used_bin: u32,
    /// Deflate-compressed maps: class ids, margin bytes, disagreement bytes (`width × height`
    /// each once unpacked).
    classes: Vec<u8>,
    margin: Vec<u8>,
    disagreement: Option<Vec<u8>>,
    pub mc_passes: u32,
    /// Per-class summaries as JSON.
    per_class: String,
}

impl PackedPrediction {
    /// Decompresses the maps and parses the summaries.
    ///
    /// Fails with [`WorkspaceError::Corrupt`] when a map does not unpack to exactly
    /// `width × height` bytes or the summary JSON does not parse.
    pub fn unpack(self) -> Result<StoredPrediction, WorkspaceError> {
        let n = self.width as usize * self.height as usize;
        let id = self.image_id;
        let corrupt = |what: &str, e: String| WorkspaceError::Corrupt {
            key: format!("prediction {what} of image {id}"),
            message: e,
        };
        Ok(StoredPrediction {
            classes: unpack(&self.classes, n).map_err(|e| corrupt("classes", e.to_string()))?,
            margin: unpack(&self.margin, n).map_err(|e| corrupt("margin", e.to_string()))?,
            disagreement: self
                .disagreement
                .map(|d| unpack(&d, n))
                .transpose()
                .map_err(|e| corrupt("disagreement", e.to_string()))?,
            per_class: serde_json::from_str(&self.per_class)
                .map_err(|e| corrupt("summary", e.to_string()))?,
            image_id: self.image_id,
            model: self.model,
            image_fp: self.image_fp,
            width: self.width,
            height: self.height,
            bin: self.bin,
            used_bin: self.used_bin,
            mc_passes: self.mc_passes,
        })
    }
}

impl WriteTx<'_> {
    /// Records a model (idempotent).
    pub fn register_model(
        &self,
        hash: &str,
        dir: &str,
        config_json: &str,
        now: i64,
    ) -> Result<(), WorkspaceError> {
        self.tx.execute(
            "INSERT INTO models (hash, dir, config, added_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (hash) DO UPDATE SET dir = excluded.dir",
            params![hash, dir, config_json, now],
        )?;
        Ok(())
    }

    /// Inserts or replaces a prediction.
    ///
    /// One prediction per (image, model): a new one replaces the old. Maps are deflated; the
    /// image's mean margin is stored apart so queues rank without unpacking.
    pub fn put_prediction(&self, p: &StoredPrediction, now: i64) -> Result<(), WorkspaceError> {
        let per_class =
            serde_json::to_string(&p.per_class).map_err(|e| WorkspaceError::Corrupt {
                key: "prediction summary".into(),
                message: e.to_string(),
            })?;
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO predictions (image_id, model, image_fp, width, height, bin, used_bin, classes,
                    margin, disagreement, mc_passes, per_class, mean_margin, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?
            .execute(params![
                p.image_id,
                p.model,
                p.image_fp,
                p.width,
                p.height,
                p.bin,
                p.used_bin,
                pack(&p.classes),
                pack(&p.margin),
                p.disagreement.as_deref().map(pack),
                p.mc_passes,
                per_class,
                p.mean_margin(),
                now
            ])?;
        Ok(())
    }
}
