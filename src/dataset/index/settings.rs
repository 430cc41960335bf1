//! What the workspace keeps between index runs besides the images, in its `meta` table
//! ([`super::keys`]): the dataset root it belongs to, the scale-bin edges (µm/px), the default
//! pixel size (µm/px) for images without one, and the read settings, whose change makes the
//! next index read every file again. A value given on the command line replaces the stored
//! one and is stored; a value not given is read back.

use std::path::Path;

use super::super::bins::ScaleBins;
use super::super::workspace::{Workspace, WorkspaceError};
use super::{DEFAULT_BINS, IndexError, IndexOptions, keys};

/// Refuses `root` when the workspace belongs to another dataset root (a workspace inside
/// `root` aside); otherwise stores `root`'s canonical path as the one it belongs to.
pub(super) fn check_root(root: &Path, ws: &Workspace) -> Result<(), IndexError> {
    let given = std::fs::canonicalize(root)
        .unwrap_or_else(|_| root.to_path_buf())
        .display()
        .to_string();
    let inside = ws.dir().starts_with(root)
        || std::fs::canonicalize(ws.dir()).is_ok_and(|d| d.starts_with(&given));
    match ws.meta(keys::ROOT)? {
        Some(stored) if stored != given && !inside => Err(IndexError::OtherDataset {
            workspace: ws.dir().to_path_buf(),
            stored,
            given,
        }),
        _ => Ok(ws.set_meta(keys::ROOT, &given)?),
    }
}

/// The bins the workspace stores, or the default ones before the first index; reads only.
pub fn stored_bins(ws: &Workspace) -> Result<ScaleBins, WorkspaceError> {
    Ok(ws
        .meta_json(keys::BINS)?
        .unwrap_or_else(|| DEFAULT_BINS.parse().expect("DEFAULT_BINS parses (tested)")))
}

/// The workspace's bins, replaced by `new` when given.
pub(super) fn resolve_bins(
    ws: &mut Workspace,
    new: Option<&ScaleBins>,
) -> Result<ScaleBins, IndexError> {
    let stored: Option<ScaleBins> = ws.meta_json(keys::BINS)?;
    match (new, stored) {
        (Some(n), s) if s.as_ref() != Some(n) => {
            let tx = ws.transaction()?;
            tx.rebin(n)?;
            tx.set_meta(keys::BINS, &serde_json::to_string(n).unwrap_or_default())?;
            tx.commit()?;
            Ok(n.clone())
        }
        (_, Some(s)) => Ok(s),
        (_, None) => {
            let b: ScaleBins = DEFAULT_BINS.parse().expect("DEFAULT_BINS parses (tested)");
            ws.set_meta_json(keys::BINS, &b)?;
            Ok(b)
        }
    }
}

/// The pixel size for images without one: `given` (then stored), else the stored one. A
/// dataset whose images carry none (tiles from another lab) needs `--pixel-size` once, not
/// on every command: without it a later run read every file again and lost their sizes.
pub(super) fn resolve_default_pixel_size(
    ws: &mut Workspace,
    given: Option<f64>,
) -> Result<Option<f64>, WorkspaceError> {
    match given {
        Some(p) => {
            ws.set_meta_json(keys::DEFAULT_PIXEL_SIZE, &p)?;
            Ok(Some(p))
        }
        None => ws.meta_json(keys::DEFAULT_PIXEL_SIZE),
    }
}

/// Everything besides the files that changes what reading produces.
pub(super) fn read_settings(opts: &IndexOptions, default_px: Option<f64>) -> String {
    let map: Vec<String> = opts
        .schema
        .mask_values
        .iter()
        .map(|(v, c)| format!("{v}={c}"))
        .collect();
    // `reader:2`: images are read without a data bar their metadata names (2026-11-30);
    // `reader:3`: nor one found in the pixels of a microscope file whose tag gives none.
    // Workspaces indexed before re-read every file once.
    format!(
        "{}|map:{}|unlabelled:{}|default_px:{:?}|reader:3",
        opts.schema.identity(),
        map.join(","),
        opts.schema.unlabelled,
        default_px
    )
}
