//! Filling the staging folder: the selected images written chunk by chunk, then the manifest
//! built from their rows and the files that describe the export.

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;

use crate::dataset::ClassSchema;
use crate::dataset::schema::convert::to_toml;
use crate::dataset::workspace::{ExportedImage, Workspace};
use crate::labels::current::LabelRecord;
use crate::progress::Progress;

use super::manifest::{self, FORMAT, FORMAT_VERSION, Manifest, ManifestRow};
use super::select::Selection;
use super::write::{self, WriteContext, Written, export_one};
use super::{CHUNK, ExportError, ExportOptions, NotExported};

/// What writing the selected images gave.
pub(super) struct Staged {
    /// Manifest rows of the files written, sorted by name.
    pub(super) rows: Vec<ManifestRow>,
    /// Images with problems, sorted by image path.
    pub(super) left_out: Vec<NotExported>,
    /// Images read but not exported: count by reason.
    pub(super) skipped: BTreeMap<String, usize>,
    /// The source images exported, in the order written.
    pub(super) exported: Vec<ExportedImage>,
}

/// Reads the workspace records of a chunk on this thread, then writes its images in parallel.
pub(super) fn write_all(
    ws: &Workspace,
    ctx: &WriteContext<'_>,
    sel: &Selection,
    opts: &ExportOptions,
    progress: &dyn Progress,
) -> Staged {
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
    Staged {
        rows,
        left_out,
        skipped,
        exported,
    }
}

pub(super) fn build_manifest(
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
pub(super) fn write_meta(
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
