//! `export`: a dataset's current labels (mask files with the workspace's corrections, and
//! accepted proposals) written in the MineralClassifier layout for retraining, with a manifest
//! of where every mask came from. Written into a staging folder, verified, then swapped with
//! OUT whole. No terminal here; the CLI renders the report.

pub mod manifest;
pub mod out;
mod select;
pub mod verify;
pub mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::dataset::ClassSchema;
use crate::dataset::schema::convert::{class_map, to_toml};
use crate::dataset::split::Split;
use crate::dataset::workspace::{ExportRecord, ExportedImage, Workspace, WorkspaceError};
use crate::labels::current::LabelRecord;
use crate::progress::Progress;

use manifest::{FORMAT, FORMAT_VERSION, Manifest, ManifestRow};
use out::{Staging, check_out};
use select::Selection;
use write::{Only, WriteContext, Written, export_one};

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
    pub root: PathBuf,
    pub out: PathBuf,
    /// The schema the dataset's masks are read with, and the one written.
    pub source: ClassSchema,
    pub target: ClassSchema,
    pub only: Only,
    /// `None`: every split, and images without one.
    pub splits: Option<BTreeSet<Split>>,
    pub tile: Option<u32>,
    /// Write partially labelled masks (`--partial`), unlabelled pixels as the schema's value.
    pub partial: bool,
    pub force: bool,
    /// The command line, recorded in the manifest.
    pub command: String,
}

/// An image that was not exported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotExported {
    pub image: String,
    pub reason: String,
}

/// Images an export did not consider, by why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NotSelected {
    pub rejected: usize,
    pub unlabelled: usize,
    /// In splits not asked for (`--split`), or in none.
    pub other_splits: usize,
    /// Untouched images under `--only corrected,accepted`.
    pub not_in_only: usize,
}

/// What an export did.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
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
    pub seconds: f64,
}

/// Runs an export of the dataset indexed in `ws`.
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
        return Err(ExportError::Nothing(format!(
            "no labelled, corrected or accepted image{} in '{}'",
            if opts.splits.is_some() {
                " in the chosen splits"
            } else {
                ""
            },
            opts.root.display()
        )));
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
    let (rows, mut left_out, skipped, exported) = write_all(ws, &ctx, &sel, opts, progress);
    left_out.extend(sel.unindexed.iter().cloned());
    if rows.is_empty() {
        let why: Vec<String> = skipped
            .iter()
            .map(|(k, n)| format!("{n}: {k}"))
            .chain(
                left_out
                    .iter()
                    .take(3)
                    .map(|l| format!("{}: {}", l.image, l.reason)),
            )
            .collect();
        return Err(ExportError::Nothing(format!(
            "{} images considered, none exported ({})",
            sel.rows.len(),
            why.join("; ")
        )));
    }
    let manifest = build_manifest(ws, opts, &dataset_id, &map, rows)?;
    write_meta(&staging.dir, &manifest, &opts.target, left_out.len())?;
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
    let mut by_source = BTreeMap::new();
    for r in &manifest.images {
        *by_source.entry(r.mask_source.clone()).or_insert(0) += 1;
    }
    ws.record_export(
        &ExportRecord {
            out: opts.out.display().to_string(),
            fingerprint: manifest.fingerprint.clone(),
            files: manifest.images.len() as u64,
            user: crate::dataset::workspace::current_user(),
            at: crate::clock::now(),
        },
        &exported,
    )?;
    Ok(ExportReport {
        out: opts.out.clone(),
        files: manifest.images.len(),
        images: exported.len(),
        by_source,
        left_out,
        skipped,
        not_selected: sel.counts,
        fingerprint: manifest.fingerprint,
        replaced,
        sizes: manifest
            .images
            .iter()
            .map(|r| (r.width, r.height))
            .collect::<BTreeSet<_>>()
            .len(),
        kept,
        recovered,
        seconds: started.elapsed().as_secs_f64(),
    })
}

type WriteResult = (
    Vec<ManifestRow>,
    Vec<NotExported>,
    BTreeMap<String, usize>,
    Vec<ExportedImage>,
);

/// Reads the workspace records of a chunk on this thread, then writes its images in parallel.
fn write_all(
    ws: &Workspace,
    ctx: &WriteContext<'_>,
    sel: &Selection,
    opts: &ExportOptions,
    progress: &dyn Progress,
) -> WriteResult {
    let mut rows = Vec::new();
    let mut left_out = Vec::new();
    let mut skipped = BTreeMap::new();
    let mut exported = Vec::new();
    progress.begin("export", sel.rows.len() as u64);
    for chunk in sel.rows.chunks(CHUNK) {
        let mut jobs = Vec::with_capacity(chunk.len());
        for row in chunk {
            match LabelRecord::fetch(ws, row, &sel.models) {
                Ok(record) => jobs.push(sel.job(row, record)),
                Err(e) => left_out.push(NotExported {
                    image: row.image_path.clone(),
                    reason: format!("corrections: {e}"),
                }),
            }
        }
        let results: Vec<Written> = jobs
            .par_iter()
            .map(|j| {
                let w = export_one(ctx, j, opts.only);
                progress.advance(1);
                w
            })
            .collect();
        for (job, w) in jobs.iter().zip(results) {
            match w {
                Written::Rows(r) => {
                    rows.extend(r);
                    exported.push(ExportedImage {
                        image_id: job.row.id,
                        edit_ops: sel.edit_ops.get(&job.row.id).copied().unwrap_or(0),
                        mask_fp: job.row.mask_fp.clone(),
                    });
                }
                Written::Skipped(why) => *skipped.entry(why).or_insert(0) += 1,
                Written::LeftOut(reason) => left_out.push(NotExported {
                    image: job.row.image_path.clone(),
                    reason,
                }),
            }
        }
    }
    progress.end();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    left_out.sort_by(|a, b| a.image.cmp(&b.image));
    (rows, left_out, skipped, exported)
}

fn build_manifest(
    ws: &Workspace,
    opts: &ExportOptions,
    dataset_id: &str,
    map: &crate::dataset::schema::convert::ClassMap,
    rows: Vec<ManifestRow>,
) -> Result<Manifest, ExportError> {
    let bins: Option<crate::dataset::ScaleBins> =
        ws.meta_json(crate::dataset::index::keys::BINS)?;
    let o = opts.only;
    let only = [
        (o.original, "original"),
        (o.corrected, "corrected"),
        (o.accepted, "accepted"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, s)| (*s).to_string())
    .collect();
    Ok(Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        semcurate_version: env!("CARGO_PKG_VERSION").into(),
        dataset: dataset_id.into(),
        schema: opts.target.name.clone(),
        source_schema: opts.source.name.clone(),
        class_map: map.changed(),
        class_short: opts
            .target
            .classes
            .iter()
            .map(|c| c.short.clone())
            .collect(),
        bins: bins.map(|b| b.edges().to_vec()).unwrap_or_default(),
        tile: opts.tile,
        size_rule: write::SIZE_RULE.into(),
        unlabelled_value: opts.partial.then_some(opts.target.unlabelled),
        only,
        splits: opts
            .splits
            .as_ref()
            .map(|s| s.iter().map(|x| x.as_str().to_string()).collect())
            .unwrap_or_default(),
        command: opts.command.clone(),
        fingerprint: manifest::fingerprint(&rows),
        images: rows,
    })
}

/// Writes `manifest.json`, `manifest.csv` (both streamed), `classes.toml` and `EXPORT.md`.
fn write_meta(
    dir: &Path,
    m: &Manifest,
    target: &ClassSchema,
    left_out: usize,
) -> Result<(), ExportError> {
    use std::io::Write as _;
    let stream = |name: &str, f: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>| {
        let p = dir.join(name);
        let file = std::fs::File::create(&p).map_err(|e| ExportError::io(&p, e))?;
        let mut w = std::io::BufWriter::new(file);
        f(&mut w)
            .and_then(|()| w.flush())
            .map_err(|e| ExportError::io(&p, e))
    };
    stream(manifest::MANIFEST_JSON, &|w| {
        serde_json::to_writer_pretty(&mut *w, m).map_err(std::io::Error::other)?;
        writeln!(w)
    })?;
    stream(manifest::MANIFEST_CSV, &|mut w| {
        manifest::write_csv(m, &mut w)
    })?;
    stream("classes.toml", &|w| w.write_all(to_toml(target).as_bytes()))?;
    stream("EXPORT.md", &|w| {
        w.write_all(manifest::readme(m, left_out).as_bytes())
    })
}
