//! Storing a run's predictions in the workspace, and writing class maps under `--out`.

use std::path::Path;

use crate::dataset::image::IndexedImage;
use crate::dataset::layout::MC_MASKS;
use crate::dataset::prediction::StoredPrediction;
use crate::dataset::problems::{Problem, ProblemKind};
use crate::dataset::raster::encode_grey8_png;
use crate::dataset::workspace::{Workspace, WorkspaceError};
use crate::model::infer::Prediction;

use super::{PredictOptions, PredictSummary};

/// Stores the pending predictions (emptying `pending`) in one transaction, counting them, and
/// writes their PNGs under `--out`.
pub(super) fn commit(
    ws: &mut Workspace,
    hash: &str,
    config: &crate::model::ModelConfig,
    pending: &mut Vec<(IndexedImage, Prediction)>,
    root: &Path,
    opts: &PredictOptions,
    s: &mut PredictSummary,
) -> Result<(), WorkspaceError> {
    if pending.is_empty() {
        return Ok(());
    }
    // Moved, not copied: a 16384² prediction is 0.5 GB of classes and margins.
    let (rows, stored): (Vec<IndexedImage>, Vec<StoredPrediction>) = pending
        .drain(..)
        .map(|(row, p)| {
            let st = stored(&row, hash, p);
            (row, st)
        })
        .unzip();
    put_all(ws, hash, config, &stored)?;
    for (row, p) in rows.iter().zip(&stored) {
        s.predicted += 1;
        if let Some(out) = &opts.out {
            write_png(out, row, p.width, p.height, &p.classes, root, s);
        }
    }
    Ok(())
}

/// Stores predictions by model `hash` in one transaction, registering the model.
///
/// The model row is registered (or refreshed) with its schema name and its `config.json`
/// text; each prediction replaces the image's earlier one by the same model. All or nothing.
pub fn put_all(
    ws: &mut Workspace,
    hash: &str,
    config: &crate::model::ModelConfig,
    stored: &[StoredPrediction],
) -> Result<(), WorkspaceError> {
    let now = crate::clock::now();
    let tx = ws.transaction()?;
    tx.register_model(
        hash,
        &config.schema.name,
        &serde_json::to_string(config).unwrap_or_default(),
        now,
    )?;
    for p in stored {
        tx.put_prediction(p, now)?;
    }
    tx.commit()
}

/// The stored form of `p`, a prediction of `row` by model `hash`.
///
/// Keyed to the image file as indexed now (`row.image_fp`), so a later change of the file
/// makes it stale. Moves the maps, no copy.
pub fn stored(row: &IndexedImage, hash: &str, p: Prediction) -> StoredPrediction {
    StoredPrediction {
        image_id: row.id,
        model: hash.to_string(),
        image_fp: row.image_fp.clone(),
        width: p.width,
        height: p.height,
        bin: p.route.bin as u32,
        used_bin: p.route.used as u32,
        classes: p.classes,
        margin: p.margin,
        disagreement: p.disagreement,
        mc_passes: p.mc_passes as u32,
        per_class: p.per_class,
    }
}

/// Writes the stored prediction of a row under `out`, if there is one.
pub(super) fn write_stored(
    ws: &Workspace,
    row: &IndexedImage,
    hash: &str,
    root: &Path,
    out: &Path,
    s: &mut PredictSummary,
) -> Result<(), WorkspaceError> {
    if let Some(p) = ws.prediction(row.id, hash)? {
        write_png(out, row, p.width, p.height, &p.classes, root, s);
    }
    Ok(())
}

/// `OUT/SAMPLE/output-images/STEM.png`; failures become problems, not aborts.
///
/// The PNG holds the class ids as 8-bit grey; parent folders are created as needed.
fn write_png(
    out: &Path,
    row: &IndexedImage,
    w: u32,
    h: u32,
    classes: &[u8],
    _root: &Path,
    s: &mut PredictSummary,
) {
    let dir = out.join(&row.sample).join(MC_MASKS);
    let path = dir.join(format!("{}.png", row.stem));
    let result = std::fs::create_dir_all(&dir)
        .and_then(|()| encode_grey8_png(w, h, classes).map_err(std::io::Error::other))
        .and_then(|bytes| crate::fsutil::write_atomic(&path, &bytes));
    match result {
        Ok(()) => s.written += 1,
        Err(e) => s.problems.push(Problem::new(
            ProblemKind::Unlistable,
            path.display().to_string(),
            format!("cannot write predicted mask: {e}"),
        )),
    }
}
