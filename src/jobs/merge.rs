//! `merge`: folding the parts of a sharded predict into the workspace. A part is merged only
//! when it ran to its end and, with a model given, was made by that model; every other part is
//! named with the reason. Merging is idempotent (rows are inserted or replaced as they are).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::shard::{PART_META, PARTS_DIR, PartMeta};
use crate::dataset::image::ImageId;
use crate::dataset::workspace::{MergeCount, Workspace, WorkspaceError};

/// What became of one part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartStatus {
    /// Complete, made by the model asked for, and folded in.
    Merged,
    /// Its shard has not finished (still running, or killed): run it again, then merge.
    Incomplete,
    /// Made by another model than the one asked for.
    OtherModel,
    /// Not a readable part.
    Unreadable,
}

/// One part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartOutcome {
    /// Folder name under `parts/`.
    pub part: String,
    /// Hash of the model that made it, from its metadata (`None` when unreadable).
    pub model: Option<String>,
    /// Its shard as `K/N` (0-based index K of N shards).
    pub shard: Option<String>,
    /// Whether it was merged, and why not.
    pub status: PartStatus,
    /// Its predictions copied in (none stored for the image, or an older one).
    pub merged: u64,
    /// Its predictions already stored (merged before).
    pub current: u64,
    /// Its predictions left out for a newer one of the same image.
    pub superseded: u64,
    /// Its predictions of images that changed or left the index since.
    pub stale: u64,
    /// What happened, in words, with what to do for a part that was not merged.
    pub message: String,
}

/// The whole merge. Images are counted once per model however many parts hold them (runs of
/// several shard counts overlap), so `merged + current` never exceeds the indexed images.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergeSummary {
    /// Every part folder found, by name.
    pub parts: Vec<PartOutcome>,
    /// Shards of an array with no part at all, as `MODEL K/N`.
    pub missing: Vec<String>,
    /// Images whose prediction this merge copied in.
    pub merged: u64,
    /// Images whose prediction in the parts was already stored, none copied in.
    pub current: u64,
    /// Predictions in the parts left out, or replaced in this merge, for a newer one of the
    /// same image (another part's or one stored before).
    pub superseded: u64,
    /// Predictions of images that changed or left the index since their part was made.
    pub stale: u64,
}

/// Images seen so far, by (model, image id), to count each once.
#[derive(Default)]
struct Tally {
    /// Images whose prediction some part copied in.
    written: BTreeSet<(String, ImageId)>,
    /// Images whose prediction some part already had stored.
    current: BTreeSet<(String, ImageId)>,
    /// Predictions in the merged parts that are not stale.
    rows: u64,
}

impl Tally {
    /// Adds one merged part's counts for `model`.
    fn add(&mut self, model: &str, count: &MergeCount) {
        let key = |id: &ImageId| (model.to_string(), *id);
        self.written.extend(count.written.iter().map(key));
        self.current.extend(count.current.iter().map(key));
        self.rows += (count.written.len() + count.current.len()) as u64 + count.superseded;
    }

    /// (merged, current, superseded) over every part.
    fn totals(&self) -> (u64, u64, u64) {
        let merged = self.written.len() as u64;
        let current = self.current.difference(&self.written).count() as u64;
        (merged, current, self.rows - merged - current)
    }
}

impl MergeSummary {
    /// Every part merged and no shard missing.
    pub fn clean(&self) -> bool {
        self.missing.is_empty() && self.parts.iter().all(|p| p.status == PartStatus::Merged)
    }
}

/// Merges the parts under `ws`'s folder (only `model`'s, when given).
///
/// Parts are the `predict-*` folders under `WORKSPACE/parts/`, merged in name order; the
/// stored newest-wins rule makes the order irrelevant to the result. Shards of an array (one
/// model and shard count) with no part folder at all are listed as missing.
pub fn merge_parts(
    ws: &mut Workspace,
    model: Option<&str>,
) -> Result<MergeSummary, WorkspaceError> {
    let dir = ws.dir().join(PARTS_DIR);
    let mut names: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            // Parts are named `predict-HASH-KofN`; `logs` and scripts live beside them.
            .filter(|name| name.starts_with("predict-"))
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    let mut out = MergeSummary {
        parts: Vec::new(),
        missing: Vec::new(),
        merged: 0,
        current: 0,
        superseded: 0,
        stale: 0,
    };
    // Shards seen per (model, count), for the missing ones.
    let mut arrays: BTreeMap<(String, u32), BTreeSet<u32>> = BTreeMap::new();
    let mut tally = Tally::default();
    for name in names {
        let (outcome, count) = merge_one(ws, &dir.join(&name), &name, model, &mut arrays)?;
        if let (Some(count), Some(m)) = (count, &outcome.model) {
            tally.add(m, &count);
        }
        out.stale += outcome.stale;
        out.parts.push(outcome);
    }
    (out.merged, out.current, out.superseded) = tally.totals();
    for ((m, count), seen) in arrays {
        out.missing.extend(
            (0..count)
                .filter(|k| !seen.contains(k))
                .map(|k| format!("{m} {k}/{count}")),
        );
    }
    Ok(out)
}

/// Checks one part's metadata and merges it when complete and of the right model; records
/// its shard in `arrays` (model, shard count → indices seen) for the missing-shard check.
fn merge_one(
    ws: &mut Workspace,
    path: &Path,
    name: &str,
    model: Option<&str>,
    arrays: &mut BTreeMap<(String, u32), BTreeSet<u32>>,
) -> Result<(PartOutcome, Option<MergeCount>), WorkspaceError> {
    let mut o = PartOutcome {
        part: name.to_string(),
        model: None,
        shard: None,
        status: PartStatus::Unreadable,
        merged: 0,
        current: 0,
        superseded: 0,
        stale: 0,
        message: String::new(),
    };
    let meta = match read_meta(path) {
        Ok(m) => m,
        Err(e) => {
            o.message = format!("not a shard part: {e}");
            return Ok((o, None));
        }
    };
    o.model = Some(meta.model.clone());
    o.shard = Some(meta.shard.to_string());
    if model.is_some_and(|m| m != meta.model) {
        o.status = PartStatus::OtherModel;
        o.message = format!("made by model {}, not the one asked for", meta.model);
        return Ok((o, None));
    }
    arrays
        .entry((meta.model.clone(), meta.shard.count))
        .or_default()
        .insert(meta.shard.index);
    if !meta.complete {
        o.status = PartStatus::Incomplete;
        o.message = format!(
            "shard {} has not finished: run `semcurate predict DATASET --shard {}` again, then merge",
            meta.shard, meta.shard
        );
        return Ok((o, None));
    }
    let count = ws.merge_part(path, &meta.model)?;
    o.status = PartStatus::Merged;
    o.merged = count.written.len() as u64;
    o.current = count.current.len() as u64;
    o.superseded = count.superseded;
    o.stale = count.stale;
    o.message = merged_message(&o);
    Ok((o, Some(count)))
}

/// What merging a part did, in words.
fn merged_message(o: &PartOutcome) -> String {
    let mut text = format!("{} predictions merged", o.merged);
    if o.current > 0 {
        let _ = write!(text, ", {} already current", o.current);
    }
    if o.superseded > 0 {
        let _ = write!(
            text,
            ", {} superseded by a newer prediction of the same image",
            o.superseded
        );
    }
    if o.stale > 0 {
        let _ = write!(
            text,
            "; {} left out: their images changed or left the index since (predict them again)",
            o.stale
        );
    }
    text
}

fn read_meta(path: &Path) -> Result<PartMeta, String> {
    if !path.join("index.sqlite").is_file() {
        return Err("no index.sqlite".into());
    }
    let part = Workspace::open_snapshot(path).map_err(|e| e.to_string())?;
    part.meta_json::<PartMeta>(PART_META)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "no shard description (its first run was killed before it began)".into())
}
