//! Indexing: scan the folders, read only what changed since the last index (by file size and
//! modification time), validate in parallel, and commit in transactions of a few hundred
//! images, so an interrupted index keeps everything committed before it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::bins::ScaleBins;
use super::groups::{GroupError, GroupRule};
use super::image::{ImageId, IndexedImage};
use super::item::{ReadContext, read_item};
use super::layout::{self, ItemFiles, LayoutError, SampleInfo, Scan, SkipCounts};
use super::schema::ClassSchema;
use super::workspace::{Workspace, WorkspaceError};
use crate::progress::Progress;

/// Bins a new workspace starts with: the study's two thresholds, in µm/px.
pub const DEFAULT_BINS: &str = "0.25,1.8";
/// Seed of the default split.
pub const DEFAULT_SPLIT_SEED: u64 = 42;
/// Images read and committed per transaction: an interrupted index loses at most one chunk.
const CHUNK: usize = 256;

/// Metadata keys.
mod regroup;
mod settings;
mod splits;
pub use regroup::Regrouped;
pub use settings::stored_bins;
use settings::{check_root, read_settings, resolve_bins, resolve_default_pixel_size};
pub use splits::{assign_new_splits, assign_new_splits_with, export_splits, resplit, split_params};

/// Keys of the workspace's `meta` table (see [`Workspace::meta`]); values are JSON unless
/// said otherwise.
pub mod keys {
    /// The dataset root this workspace belongs to, canonical path as text: indexing another root
    /// into it is refused.
    pub const ROOT: &str = "dataset_root";
    /// Not written by anything at present: the schema's identity is part of
    /// [`READ_SETTINGS`].
    pub const SCHEMA: &str = "schema";
    /// Everything besides the files that changes what reading gives (schema identity, mask map,
    /// unlabelled value, default pixel size, reader version), as text: when it changes, every
    /// file is read again.
    pub const READ_SETTINGS: &str = "read_settings";
    /// The scale-bin edges (µm/px) images are binned under.
    pub const BINS: &str = "bins";
    /// The `--pixel-size` (µm/px) last given, kept for the commands that follow.
    pub const DEFAULT_PIXEL_SIZE: &str = "default_pixel_size";
    /// Target train/val/test shares of labelled images.
    pub const SPLIT_FRACTIONS: &str = "split_fractions";
    /// Seed of the split assignment's group order.
    pub const SPLIT_SEED: &str = "split_seed";
    /// Counts of entries the last scan skipped (hidden, not images).
    pub const SKIPPED: &str = "skipped";
    /// The sample folders the last scan found, with their layout.
    pub const SAMPLES: &str = "samples";
    /// When the index last changed anything, seconds since the Unix epoch (as text).
    pub const LAST_CHANGE: &str = "last_change";
    /// Problems that belong to no image (orphan masks, unlistable folders), from the last scan.
    pub const FOLDER_PROBLEMS: &str = "folder_problems";
    /// The split-group rule (`groups::GroupRule` as JSON); absent means the study's.
    pub const GROUP_RULE: &str = "group_rule";
    /// The model folder the latest `retrain` wrote; the TUI opens on it unless told otherwise.
    pub const RETRAINED_MODEL: &str = "retrained_model";
}

/// Why indexing could not run.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Layout(#[from] LayoutError),
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(transparent)]
    Group(#[from] GroupError),
    #[error(
        "workspace '{workspace}'' belongs to dataset '{stored}', not '{given}': use another --workspace"
    )]
    OtherDataset {
        workspace: PathBuf,
        stored: String,
        given: String,
    },
    #[error(
        "no images under '{root}' ({files} other files and {problems} folder problems seen): expected SAMPLE/input-images/NAME.png (MineralClassifier layout) or SAMPLE/images/NAME.tif; nothing to work on"
    )]
    NoImages {
        root: PathBuf,
        files: u64,
        problems: usize,
    },
}

/// How to index.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// The schema masks are read with (ids, raw-value map, unlabelled value).
    pub schema: ClassSchema,
    /// New bins to store; `None` keeps the workspace's.
    pub bins: Option<ScaleBins>,
    /// Re-read every file even if unchanged.
    pub full: bool,
    /// µm/px for images without one; stored, so later runs without it keep it. `None` uses
    /// the stored one.
    pub default_pixel_size: Option<f64>,
    /// A new split-group rule to store; `None` keeps the workspace's.
    pub group_rule: Option<GroupRule>,
}

/// What an index run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexSummary {
    /// Every sample folder found, with its layout (MineralClassifier or images/masks).
    pub samples: Vec<SampleInfo>,
    /// Images found on disk.
    pub found: usize,
    /// Images read this run (new or changed).
    pub read: usize,
    /// Images whose files were gone and are now marked missing.
    pub newly_missing: usize,
    /// Groups given a split this run.
    pub new_split_groups: usize,
    /// The grouping rule changed this run: images moved and every split was assigned again.
    pub regrouped: Option<Regrouped>,
    /// Entries the scan skipped (hidden folders and files, non-image files).
    pub skipped: SkipCounts,
}

/// Indexes `root` into `ws`.
///
/// Refuses a workspace that belongs to another dataset root ([`IndexError::OtherDataset`])
/// and a root with no image. Images whose files are gone are marked missing, never deleted,
/// so their edits and decisions survive until the files come back. Groups that get labelled
/// images for the first time are given a split; existing splits never change here (a changed
/// grouping rule aside).
pub fn index(
    root: &Path,
    ws: &mut Workspace,
    opts: &IndexOptions,
    progress: &dyn Progress,
) -> Result<IndexSummary, IndexError> {
    check_root(root, ws)?;
    let (rule, previous_rule) = regroup::resolve_rule(ws, opts.group_rule.as_ref())?;
    let scan = scan_grouped(root, &rule, progress)?;
    let bins = resolve_bins(ws, opts.bins.as_ref())?;
    let default_px = resolve_default_pixel_size(ws, opts.default_pixel_size)?;
    let settings = read_settings(opts, default_px);
    let reread_all =
        opts.full || ws.meta(keys::READ_SETTINGS)?.as_deref() != Some(settings.as_str());
    let rows = ws.images()?;
    let (changed, seen) = changed_items(&scan.items, &rows, reread_all);
    let mut ctx = ReadContext::new(root, &opts.schema);
    ctx.default_pixel_size = default_px;
    read_and_store(ws, &ctx, &changed, &bins, progress)?;
    let newly_missing = mark_missing(ws, &rows, &seen)?;
    // A warm re-index of an unchanged dataset writes nothing: no transaction, no fsync.
    let dirty = !changed.is_empty() || newly_missing > 0;
    store_scan(ws, &scan, settings, dirty)?;
    let regrouped = regroup::regroup(ws, &scan.items, &rule, previous_rule.as_ref(), &rows)?;
    let new_split_groups = if dirty || regrouped.is_some() {
        assign_new_splits_with(ws, &export_splits(root))?
    } else {
        0
    };
    Ok(IndexSummary {
        samples: scan.samples,
        found: scan.items.len(),
        read: changed.len(),
        newly_missing,
        new_split_groups,
        regrouped,
        skipped: scan.skipped,
    })
}

/// The folders scanned and their images grouped by `rule` (images it cannot group become
/// folder problems); an error when no image was found.
fn scan_grouped(
    root: &Path,
    rule: &GroupRule,
    progress: &dyn Progress,
) -> Result<Scan, IndexError> {
    progress.begin("scan", 0);
    let mut scan = layout::scan(root)?;
    progress.end();
    let ungrouped = rule.compile()?.apply(&mut scan.items);
    scan.problems.extend(ungrouped);
    if scan.items.is_empty() {
        return Err(IndexError::NoImages {
            root: root.to_path_buf(),
            files: scan.skipped.other_files + scan.skipped.hidden_files,
            problems: scan.problems.len(),
        });
    }
    Ok(scan)
}

/// The scanned items to read (new, changed, or all when `reread_all`), and the ids of the
/// stored rows that are still on disk.
fn changed_items(
    items: &[ItemFiles],
    rows: &[IndexedImage],
    reread_all: bool,
) -> (Vec<ItemFiles>, HashSet<ImageId>) {
    let existing: HashMap<(&str, &str), &IndexedImage> = rows
        .iter()
        .map(|r| ((r.sample.as_str(), r.stem.as_str()), r))
        .collect();
    let mut seen = HashSet::with_capacity(items.len());
    let changed = items
        .iter()
        .filter(|f| {
            let row = existing.get(&(f.sample.as_str(), f.stem.as_str()));
            if let Some(r) = row {
                seen.insert(r.id);
            }
            reread_all || row.is_none_or(|r| is_changed(r, f))
        })
        .cloned()
        .collect();
    (changed, seen)
}

/// Stores what the scan found besides the images (folder problems, skip counts, samples) and
/// the read settings, in one transaction that also stamps the last change; only when the
/// images changed (`dirty`) or one of those values did.
fn store_scan(
    ws: &mut Workspace,
    scan: &Scan,
    settings: String,
    dirty: bool,
) -> Result<(), IndexError> {
    let meta = [
        (keys::READ_SETTINGS, settings),
        (keys::FOLDER_PROBLEMS, to_json(&scan.problems)),
        (keys::SKIPPED, to_json(&scan.skipped)),
        (keys::SAMPLES, to_json(&scan.samples)),
    ];
    let mut stale = Vec::new();
    for (key, value) in &meta {
        if ws.meta(key)?.as_deref() != Some(value.as_str()) {
            stale.push((*key, value.as_str()));
        }
    }
    if dirty || !stale.is_empty() {
        let tx = ws.transaction()?;
        tx.replace_folder_problems(&scan.problems)?;
        for (key, value) in stale {
            tx.set_meta(key, value)?;
        }
        tx.set_meta(keys::LAST_CHANGE, &crate::clock::now().to_string())?;
        tx.commit()?;
    }
    Ok(())
}

/// Whether a stored row no longer matches its files: another path or fingerprint (size and
/// modification time) for the image, mask or pixel-size file.
fn is_changed(row: &IndexedImage, f: &ItemFiles) -> bool {
    let fp =
        |r: &Option<layout::FileRef>| r.as_ref().map(|x| (x.path.clone(), x.fingerprint.clone()));
    row.missing
        || row.image_fp != f.image.fingerprint
        || row.image_path != f.image.path
        || (row.mask_path.clone(), row.mask_fp.clone()) != unzip(fp(&f.mask))
        || (row.features_path.clone(), row.features_fp.clone()) != unzip(fp(&f.features))
}

fn unzip(p: Option<(String, String)>) -> (Option<String>, Option<String>) {
    p.map_or((None, None), |(a, b)| (Some(a), Some(b)))
}

fn read_and_store(
    ws: &mut Workspace,
    ctx: &ReadContext,
    changed: &[ItemFiles],
    bins: &ScaleBins,
    progress: &dyn Progress,
) -> Result<(), IndexError> {
    progress.begin("index", changed.len() as u64);
    for chunk in changed.chunks(CHUNK) {
        let records: Vec<_> = chunk
            .par_iter()
            .map(|f| {
                let r = read_item(ctx, f.clone());
                progress.advance(1);
                r
            })
            .collect();
        let now = crate::clock::now();
        let tx = ws.transaction()?;
        for r in &records {
            tx.upsert(r, bins, now)?;
        }
        tx.commit()?;
    }
    progress.end();
    Ok(())
}

/// Marks rows whose files were not found in this scan as missing.
fn mark_missing(
    ws: &mut Workspace,
    rows: &[IndexedImage],
    seen: &HashSet<ImageId>,
) -> Result<usize, IndexError> {
    let gone: Vec<ImageId> = rows
        .iter()
        .filter(|r| !r.missing && !seen.contains(&r.id))
        .map(|r| r.id)
        .collect();
    if !gone.is_empty() {
        let tx = ws.transaction()?;
        for &id in &gone {
            tx.set_missing(id, true)?;
        }
        tx.commit()?;
    }
    Ok(gone.len())
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
