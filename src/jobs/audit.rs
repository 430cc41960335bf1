//! Loading audit summaries for a model: cached ones are reused while image, mask, corrections
//! and prediction are unchanged; the others are computed in parallel (mask decoded and its
//! corrections replayed, prediction maps decompressed, one pass per image) and cached, a chunk
//! per transaction. The truth is an image's current label: its mask file with the corrections
//! made in the workspace.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use crate::dataset::image::{ImageId, IndexedImage};
use crate::dataset::load::{load_image, load_mask};
use crate::dataset::problems::{Problem, ProblemKind};
use crate::dataset::schema::ClassSchema;
use crate::dataset::workspace::{
    CachedAudit, PackedPrediction, PredictionKey, Workspace, WorkspaceError,
};
use crate::labels::current::{LabelRecord, resolve};
use crate::metrics::image_audit::ImageAudit;
use crate::progress::Progress;

/// Rows computed and cached per transaction: memory and lost work stay bounded.
const CHUNK: usize = 512;

/// Summaries of the audited images, in the order of the rows given.
///
/// `audits` is sorted by sample, then stem.
pub struct LoadedAudits {
    /// Each audited row with its summary.
    pub audits: Vec<(IndexedImage, ImageAudit)>,
    /// Labelled rows without a current prediction by the model.
    pub unpredicted: usize,
    /// Summaries computed this time (not from the cache).
    pub computed: usize,
    /// Rows whose label or prediction could not be read (as unreadable-mask problems).
    pub problems: Vec<Problem>,
}

/// Summaries of `rows` (labelled images) for `model`.
///
/// A row counts as unpredicted unless the model's stored prediction was made from the image
/// file as it is now. A cached summary is reused while the image's fingerprint and its mask
/// key (mask file, schema mapping, journal length) are unchanged; the others are computed in
/// parallel, chunk by chunk, and cached.
pub fn load_audits(
    ws: &mut Workspace,
    root: &Path,
    schema: &ClassSchema,
    model: &str,
    rows: Vec<IndexedImage>,
    progress: &dyn Progress,
) -> Result<LoadedAudits, WorkspaceError> {
    let keys = ws.prediction_keys(model)?;
    let masks = MaskKeys::load(ws, schema)?;
    let mut cache = ws.cached_audits(model)?;
    let mut out = LoadedAudits {
        audits: Vec::with_capacity(rows.len()),
        unpredicted: 0,
        computed: 0,
        problems: Vec::new(),
    };
    let todo = reuse_cached(&mut out, rows, &keys, &mut cache, &masks);
    progress.begin("audit", todo.len() as u64);
    for chunk in todo.chunks(CHUNK) {
        let results = compute_chunk(ws, root, schema, model, &masks, chunk, progress)?;
        store_chunk(ws, model, &masks, chunk, results, &mut out)?;
    }
    progress.end();
    sort_by_image(&mut out.audits);
    Ok(out)
}

/// What a row's cache key is made of besides the row itself.
struct MaskKeys {
    /// Short hex digest of the schema's value table: the same mask file read with another
    /// value mapping is another mask.
    mapping: String,
    /// Length of each image's correction journal (operations), by image id; images without
    /// corrections are absent.
    edits: HashMap<ImageId, u32>,
}

impl MaskKeys {
    fn load(ws: &Workspace, schema: &ClassSchema) -> Result<Self, WorkspaceError> {
        let mapping = {
            use sha2::Digest;
            let mut h = sha2::Sha256::new();
            h.update(schema.value_table());
            crate::hashing::short_hex(h)
        };
        let edits = ws
            .edit_counts()?
            .into_iter()
            .map(|(id, c)| (id, c.ops))
            .collect();
        Ok(Self { mapping, edits })
    }

    fn of(&self, row: &IndexedImage) -> String {
        mask_key(row, &self.mapping, self.edits.get(&row.id).copied())
    }

    fn corrected(&self, row: &IndexedImage) -> bool {
        self.edits.contains_key(&row.id)
    }
}

/// Sorts `rows` out: those without a current prediction are counted in `out.unpredicted`,
/// those with a valid cached summary (same image and mask key) go to `out.audits`; the rest
/// are returned, in order, to be computed. Consumed cache entries are removed from `cache`.
fn reuse_cached(
    out: &mut LoadedAudits,
    rows: Vec<IndexedImage>,
    keys: &HashMap<ImageId, PredictionKey>,
    cache: &mut HashMap<ImageId, CachedAudit>,
    masks: &MaskKeys,
) -> Vec<IndexedImage> {
    let mut todo = Vec::new();
    for row in rows {
        let current = keys
            .get(&row.id)
            .is_some_and(|k| k.image_fp == row.image_fp);
        if !current {
            out.unpredicted += 1;
            continue;
        }
        match cache
            .remove(&row.id)
            .filter(|c| c.mask_fp == masks.of(&row) && c.image_fp == row.image_fp)
        {
            Some(c) => match serde_json::from_str::<ImageAudit>(&c.summary) {
                Ok(a) => out.audits.push((row, a)),
                Err(_) => todo.push(row),
            },
            None => todo.push(row),
        }
    }
    todo
}

/// Summaries of one chunk, one per row in order: the predictions and correction journals are
/// read here, the decoding and comparison run in parallel (one progress step per row).
fn compute_chunk(
    ws: &Workspace,
    root: &Path,
    schema: &ClassSchema,
    model: &str,
    masks: &MaskKeys,
    chunk: &[IndexedImage],
    progress: &dyn Progress,
) -> Result<Vec<Result<ImageAudit, String>>, WorkspaceError> {
    let packed: Vec<Option<PackedPrediction>> = chunk
        .iter()
        .map(|r| ws.packed_prediction(r.id, model))
        .collect::<Result<_, _>>()?;
    let labels: Vec<Option<Result<LabelRecord, String>>> = chunk
        .iter()
        .map(|r| masks.corrected(r).then(|| LabelRecord::fetch(ws, r, &[])))
        .collect();
    Ok(chunk
        .par_iter()
        .zip(packed)
        .zip(labels)
        .map(|((row, p), label)| {
            let r = compute(root, schema, row, p, label);
            progress.advance(1);
            r
        })
        .collect())
}

/// Caches the chunk's computed summaries in one transaction and adds them to `out`; a row
/// whose label could not be read becomes an unreadable-mask problem instead.
fn store_chunk(
    ws: &mut Workspace,
    model: &str,
    masks: &MaskKeys,
    chunk: &[IndexedImage],
    results: Vec<Result<ImageAudit, String>>,
    out: &mut LoadedAudits,
) -> Result<(), WorkspaceError> {
    let tx = ws.transaction()?;
    for (row, r) in chunk.iter().zip(results) {
        match r {
            Ok(a) => {
                let summary = serde_json::to_string(&a).unwrap_or_default();
                let mask_fp = masks.of(row);
                tx.put_audit(
                    row.id,
                    model,
                    &CachedAudit {
                        image_fp: row.image_fp.clone(),
                        mask_fp,
                        summary,
                    },
                )?;
                out.audits.push((row.clone(), a));
                out.computed += 1;
            }
            Err(message) => out.problems.push(Problem::new(
                ProblemKind::UnreadableMask,
                row.mask_path.clone().unwrap_or_default(),
                message,
            )),
        }
    }
    tx.commit()?;
    Ok(())
}

/// Orders by sample, then stem; rows equal on both keep their current relative order.
fn sort_by_image(audits: &mut [(IndexedImage, ImageAudit)]) {
    let order: HashMap<ImageId, usize> = audits
        .iter()
        .enumerate()
        .map(|(i, (r, _))| (r.id, i))
        .collect();
    audits.sort_by_key(|(r, _)| (r.sample.clone(), r.stem.clone(), order[&r.id]));
}

/// One image's summary: its current label against the stored prediction (classes, margins),
/// with its grey levels when the image can still be read.
fn compute(
    root: &Path,
    schema: &ClassSchema,
    row: &IndexedImage,
    packed: Option<PackedPrediction>,
    label: Option<Result<LabelRecord, String>>,
) -> Result<ImageAudit, String> {
    let p = packed
        .ok_or("prediction vanished during the audit")?
        .unpack()
        .map_err(|e| e.to_string())?;
    let truth = match label {
        Some(record) => {
            resolve(root, row, schema, &record?, false)?
                .ok_or("the image has no label")?
                .classes
        }
        None => load_mask(root, row, schema)
            .map_err(|e| e.to_string())?
            .ok_or("the image has no mask")?,
    };
    if truth.len() != p.classes.len() {
        return Err(format!(
            "mask has {} pixels, the prediction {}: predict again",
            truth.len(),
            p.classes.len()
        ));
    }
    // The grey levels are evidence for label-suspect; an unreadable image only loses that.
    let grey = load_image(root, row).ok().map(|g| g.pixels);
    Ok(ImageAudit::compute_with_grey(
        &truth,
        &p.classes,
        &p.margin,
        grey.as_deref(),
        p.width as usize,
        schema.len(),
    ))
}

/// The cache key of a row's label: its mask file's fingerprint, the value mapping it is read
/// with, and the length of its correction journal (which only grows). `g1`: summaries with
/// grey statistics (older ones are recomputed once).
/// The cache key of a row's label: a format tag, the mask file's fingerprint, the schema's
/// value-mapping digest and, for a corrected image, its journal's length.
fn mask_key(row: &IndexedImage, mapping: &str, edit_ops: Option<u32>) -> String {
    let fp = row.mask_fp.as_deref().unwrap_or_default();
    match edit_ops {
        Some(n) => format!("g1:{fp}#{mapping}+{n}"),
        None => format!("g1:{fp}#{mapping}"),
    }
}
