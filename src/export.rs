//! `export`: a dataset's current labels (mask files with the workspace's corrections, and
//! accepted proposals) written in the MineralClassifier layout for retraining, with a manifest
//! of where every mask came from. Written into a staging folder, verified, then swapped with
//! OUT whole. No terminal here; the CLI renders the report.
//!
//! What OUT holds afterwards: per sample the image PNGs (8-bit grey), masks (8-bit class ids
//! in the target schema, the target's raw `unlabelled` value for unlabelled pixels when
//! `--partial`) and pixel-size text files (µm/px, never rescaled), plus `manifest.json`,
//! `manifest.csv`, `classes.toml` (the target schema) and `EXPORT.md`. Every written image is
//! a multiple of 8 px on each side ([`write::SIZE_MULTIPLE`]).
//! A failure at any step before the swap leaves OUT exactly as it was.

pub mod manifest;
pub mod out;
mod select;
mod stage;
pub mod verify;
pub mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::dataset::ClassSchema;
use crate::dataset::schema::convert::class_map;
use crate::dataset::split::Split;
use crate::dataset::workspace::{ExportRecord, ExportedImage, Workspace, WorkspaceError};
use crate::progress::Progress;

use manifest::{Manifest, ManifestRow};
use out::{Staging, check_out};
use select::Selection;
use stage::{Staged, build_manifest, write_all, write_meta};
use write::{Only, WriteContext};

/// Images whose files are read and written together (bounds memory).
const CHUNK: usize = 64;

/// Why an export could not run.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("'{0}' exists and is not a folder: choose another OUT")]
    OutNotFolder(PathBuf),
    #[error("'{0}' is not empty and holds no semcurate export: choose a new or empty folder")]
    NotEmpty(PathBuf),
    #[error(
        "'{0}' holds an earlier export of this dataset: pass --force to replace the files it wrote (anything else in it is kept)"
    )]
    EarlierExport(PathBuf),
    #[error(
        "'{out}' holds an earlier export whose manifest cannot be read ({error}), so what it wrote is unknown: move that folder aside or choose another OUT"
    )]
    UnreadableManifest { out: PathBuf, error: String },
    #[error(
        "'{0}' was not written by the earlier export, and the new export writes a file of that name: move it out of OUT, then export again"
    )]
    Clash(PathBuf),
    #[error(
        "cannot keep '{path}' in the new export: linking it failed ({error}); move it out of OUT, then export again"
    )]
    Keep {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("'{out}' holds an export of another dataset ('{dataset}'): choose another folder")]
    OtherDataset { out: PathBuf, dataset: String },
    #[error(
        "cannot write '{path}': {error}; check that the folder holding OUT is writable and has space"
    )]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{0}")]
    Schema(String),
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error("nothing to export: {0}")]
    Nothing(String),
    #[error(
        "the written export did not read back as meant, so '{out}' was left as it was: {problems}"
    )]
    Verify { out: PathBuf, problems: String },
}

impl ExportError {
    /// An I/O failure on `path`, with the advice to check the folder is writable.
    pub fn io(path: &Path, error: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            error,
        }
    }
}

/// What to export and where.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The dataset root (the folder holding the sample folders).
    pub root: PathBuf,
    /// The export folder: new, empty, or holding an earlier export of this dataset (`force`).
    pub out: PathBuf,
    /// The schema the dataset's masks are read with, and the one written.
    pub source: ClassSchema,
    /// The schema written: each source class goes to the target class of the same name, or to
    /// its "Other" class ([`crate::dataset::schema::convert::class_map`]).
    pub target: ClassSchema,
    /// Which review states to export (`--only`): original masks, corrected, accepted.
    pub only: Only,
    /// `None`: every split, and images without one.
    pub splits: Option<BTreeSet<Split>>,
    /// `--tile N`: cut every image into N×N px tiles (the last row and column end at the edge);
    /// images smaller than a tile are skipped. `None` writes whole images, cut to multiples of 8.
    pub tile: Option<u32>,
    /// Write partially labelled masks (`--partial`), unlabelled pixels as the schema's value.
    pub partial: bool,
    /// Replace the files an earlier export of the same dataset wrote in OUT (others are kept).
    pub force: bool,
    /// The command line, recorded in the manifest.
    pub command: String,
}

/// An image that was not exported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotExported {
    /// The image's path relative to the dataset root.
    pub image: String,
    /// Why, in words, with what to do where that is not obvious.
    pub reason: String,
}

/// Images an export did not consider, by why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NotSelected {
    /// Images whose latest review decision is a rejection: never exported.
    pub rejected: usize,
    /// Images with no mask file, no edits in the workspace and no acceptance.
    pub unlabelled: usize,
    /// In splits not asked for (`--split`), or in none.
    pub other_splits: usize,
    /// Untouched images under `--only corrected,accepted`.
    pub not_in_only: usize,
}

/// What an export did.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    /// The export folder as given.
    pub out: PathBuf,
    /// Files (images or tiles) written.
    pub files: usize,
    /// Source images exported.
    pub images: usize,
    /// Files per mask source (file, corrected, proposal).
    pub by_source: BTreeMap<String, usize>,
    /// Images with problems, left out (exit 1).
    pub left_out: Vec<NotExported>,
    /// Images read but not exported (no label, not selected, smaller than the tile): reason
    /// and count.
    pub skipped: BTreeMap<String, usize>,
    /// Images not considered: rejected, unlabelled, other splits, not selected by `--only`.
    pub not_selected: NotSelected,
    /// Short hash of the manifest's rows (names, pixel sizes, image and mask hashes): equal
    /// fingerprints mean the same training data.
    pub fingerprint: String,
    /// An earlier export was replaced.
    pub replaced: bool,
    /// What OUT held that the earlier export did not write: kept as it was.
    pub kept: Vec<out::Kept>,
    /// Distinct image sizes (width × height) written; more than one without `--tile` means
    /// the study's loader can batch them only one at a time.
    pub sizes: usize,
    /// An old export that a killed run had left beside a missing OUT, put back first.
    pub recovered: Option<PathBuf>,
    /// Wall-clock duration of the whole export, in seconds.
    pub seconds: f64,
}

/// Runs an export of the dataset indexed in `ws`.
///
/// Order: recover an interrupted earlier run, check OUT, map the schemas, select images, write
/// every file into a staging folder beside OUT (in chunks of 64 images, to bound memory),
/// build and write the manifest, verify every file by reading it back, swap the staging folder
/// in, then record the export in the workspace. Images with problems are left out and listed;
/// the export fails only when nothing can be written or verification fails.
pub fn run(
    ws: &mut Workspace,
    opts: &ExportOptions,
    progress: &dyn Progress,
) -> Result<ExportReport, ExportError> {
    let started = Instant::now();
    let dataset_id = std::fs::canonicalize(&opts.root)
        .map_err(|e| ExportError::io(&opts.root, e))?
        .display()
        .to_string();
    let recovered = out::recover(&opts.out)
        .map_err(|e| ExportError::io(&opts.out, e))?
        .map(|r| r.from);
    let state = check_out(&opts.out, &dataset_id, opts.force)?;
    let map = class_map(&opts.source, &opts.target).map_err(ExportError::Schema)?;
    let sel = Selection::read(ws, opts)?;
    if sel.rows.is_empty() {
        return Err(nothing_selected(opts));
    }
    let staging = Staging::create(&opts.out)?;
    let ctx = WriteContext {
        root: &opts.root,
        staging: &staging.dir,
        source: &opts.source,
        target: &opts.target,
        map: &map,
        tile: opts.tile,
        partial: opts.partial,
    };
    let mut staged = write_all(ws, &ctx, &sel, opts, progress);
    staged.left_out.extend(sel.unindexed.iter().cloned());
    if staged.rows.is_empty() {
        return Err(nothing_written(sel.rows.len(), &staged));
    }
    let manifest = build_manifest(ws, opts, &dataset_id, &map, staged.rows)?;
    write_meta(&staging.dir, &manifest, &opts.target, staged.left_out.len())?;
    let problems = verify::verify(&staging.dir, &manifest, progress);
    if !problems.is_empty() {
        return Err(ExportError::Verify {
            out: opts.out.clone(),
            problems: problems.join("; "),
        });
    }
    let replaced = matches!(&state, out::OutState::Replace { owned } if !owned.is_empty());
    let kept = staging.commit(&state)?;
    crate::fault::point("export:committed");
    record_export(ws, opts, &manifest, &staged.exported)?;
    Ok(ExportReport {
        out: opts.out.clone(),
        files: manifest.images.len(),
        images: staged.exported.len(),
        by_source: by_source(&manifest.images),
        left_out: staged.left_out,
        skipped: staged.skipped,
        not_selected: sel.counts,
        fingerprint: manifest.fingerprint,
        replaced,
        sizes: distinct_sizes(&manifest.images),
        kept,
        recovered,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// No image is labelled, corrected or accepted (in the chosen splits).
fn nothing_selected(opts: &ExportOptions) -> ExportError {
    ExportError::Nothing(format!(
        "no labelled, corrected or accepted image{} in '{}'",
        if opts.splits.is_some() {
            " in the chosen splits"
        } else {
            ""
        },
        opts.root.display()
    ))
}

/// Of `considered` images none gave a file: the skip reasons with their counts, then the
/// first three images left out.
fn nothing_written(considered: usize, staged: &Staged) -> ExportError {
    let why: Vec<String> = staged
        .skipped
        .iter()
        .map(|(k, n)| format!("{n}: {k}"))
        .chain(
            staged
                .left_out
                .iter()
                .take(3)
                .map(|l| format!("{}: {}", l.image, l.reason)),
        )
        .collect();
    ExportError::Nothing(format!(
        "{considered} images considered, none exported ({})",
        why.join("; ")
    ))
}

/// Records the committed export in the workspace, with what each exported image was.
fn record_export(
    ws: &mut Workspace,
    opts: &ExportOptions,
    manifest: &Manifest,
    exported: &[ExportedImage],
) -> Result<(), ExportError> {
    ws.record_export(
        &ExportRecord {
            out: opts.out.display().to_string(),
            fingerprint: manifest.fingerprint.clone(),
            files: manifest.images.len() as u64,
            user: crate::dataset::workspace::current_user(),
            at: crate::clock::now(),
        },
        exported,
    )?;
    Ok(())
}

/// Files per mask source.
fn by_source(images: &[ManifestRow]) -> BTreeMap<String, usize> {
    let mut by_source = BTreeMap::new();
    for r in images {
        *by_source.entry(r.mask_source.clone()).or_insert(0) += 1;
    }
    by_source
}

/// How many distinct (width, height) sizes the files have.
fn distinct_sizes(images: &[ManifestRow]) -> usize {
    images
        .iter()
        .map(|r| (r.width, r.height))
        .collect::<BTreeSet<_>>()
        .len()
}
