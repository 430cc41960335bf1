//! `merge`: folding the parts of a sharded predict into the workspace. A part is merged only
//! when it ran to its end and, with a model given, was made by that model; every other part is
//! named with the reason. Merging is idempotent (rows are inserted or replaced as they are).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use super::shard::{PART_META, PARTS_DIR, PartMeta};
use crate::dataset::workspace::{Workspace, WorkspaceError};

/// What became of one part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartStatus {
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
    pub model: Option<String>,
    pub shard: Option<String>,
    pub status: PartStatus,
    pub merged: u64,
    pub stale: u64,
    pub message: String,
}

/// The whole merge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergeSummary {
    pub parts: Vec<PartOutcome>,
    /// Shards of an array with no part at all, as `MODEL K/N`.
    pub missing: Vec<String>,
    pub merged: u64,
    pub stale: u64,
}

impl MergeSummary {
    /// Every part merged and no shard missing.
    pub fn clean(&self) -> bool {
        self.missing.is_empty() && self.parts.iter().all(|p| p.status == PartStatus::Merged)
    }
}

/// Merges the parts under `ws`'s folder (only `model`'s, when given).
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
        stale: 0,
    };
    // Shards seen per (model, count), for the missing ones.
    let mut arrays: BTreeMap<(String, u32), BTreeSet<u32>> = BTreeMap::new();
    for name in names {
        let outcome = merge_one(ws, &dir.join(&name), &name, model, &mut arrays)?;
        out.merged += outcome.merged;
        out.stale += outcome.stale;
        out.parts.push(outcome);
    }
    for ((m, count), seen) in arrays {
        out.missing.extend(
            (0..count)
                .filter(|k| !seen.contains(k))
                .map(|k| format!("{m} {k}/{count}")),
        );
    }
    Ok(out)
}

fn merge_one(
    ws: &mut Workspace,
    path: &Path,
    name: &str,
    model: Option<&str>,
    arrays: &mut BTreeMap<(String, u32), BTreeSet<u32>>,
) -> Result<PartOutcome, WorkspaceError> {
    let mut o = PartOutcome {
        part: name.to_string(),
        model: None,
        shard: None,
        status: PartStatus::Unreadable,
        merged: 0,
        stale: 0,
        message: String::new(),
    };
    let meta = match read_meta(path) {
        Ok(m) => m,
        Err(e) => {
            o.message = format!("not a shard part: {e}");
            return Ok(o);
        }
    };
    o.model = Some(meta.model.clone());
    o.shard = Some(meta.shard.to_string());
    if model.is_some_and(|m| m != meta.model) {
        o.status = PartStatus::OtherModel;
        o.message = format!("made by model {}, not the one asked for", meta.model);
        return Ok(o);
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
        return Ok(o);
    }
    let count = ws.merge_part(path, &meta.model)?;
    o.status = PartStatus::Merged;
    o.merged = count.merged;
    o.stale = count.stale;
    o.message = if count.stale > 0 {
        format!(
            "{} predictions merged; {} left out: their images changed or left the index since (predict them again)",
            count.merged, count.stale
        )
    } else {
        format!("{} predictions merged", count.merged)
    };
    Ok(o)
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
