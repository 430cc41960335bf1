//! What OUT holds besides the export: found from the earlier export's manifest, and kept.
//!
//! Before the swap, every file in OUT that the earlier export did not write is hard-linked
//! into the staging folder at the same path. A hard link is the same file under a second name,
//! so the file is in OUT before the swap, in OUT after it, and in both trees in between: no
//! moment exists when it is only in a folder that is about to be removed. Links work on NFS,
//! Lustre and GPFS; where they are refused, the export stops before touching OUT and names
//! the file.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::super::ExportError;
use super::super::manifest;
use super::owned_paths;

/// An entry at the top of OUT that an export kept, as it was.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Kept {
    /// Its name in OUT (`.semcurate`, `NOTES.txt`, or a sample folder holding a user's file).
    pub name: String,
    /// Files kept under it (1 for a file).
    pub files: usize,
    pub folder: bool,
}

/// A file (or an empty folder) of `tree` that `owned` does not name.
struct Unnamed {
    rel: PathBuf,
    folder: bool,
}

/// Files of `tree` not named in `owned`, and its folders that are empty and hold no path of
/// `owned` (paths relative to `tree`, `/`-separated).
fn unnamed(tree: &Path, owned: &BTreeSet<String>) -> io::Result<Vec<Unnamed>> {
    let owned_dirs: BTreeSet<String> = owned
        .iter()
        .flat_map(|p| {
            Path::new(p)
                .ancestors()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let mut found = Vec::new();
    for entry in WalkDir::new(tree).min_depth(1).sort_by_file_name() {
        let entry = entry.map_err(io::Error::other)?;
        let rel = entry.path().strip_prefix(tree).unwrap_or(entry.path());
        let key = rel.to_string_lossy().replace('\\', "/");
        if entry.file_type().is_dir() {
            let empty = fs::read_dir(entry.path())?.next().is_none();
            if empty && !owned_dirs.contains(&key) {
                found.push(Unnamed {
                    rel: rel.to_path_buf(),
                    folder: true,
                });
            }
        } else if !owned.contains(&key) {
            found.push(Unnamed {
                rel: rel.to_path_buf(),
                folder: false,
            });
        }
    }
    Ok(found)
}

/// Hard-links every file of OUT that the earlier export did not write into `staged`.
/// Refuses, naming the file, where the new export writes a file of the same name or the link
/// cannot be made; OUT is not touched either way.
pub(super) fn link_foreign(
    out: &Path,
    staged: &Path,
    owned: &BTreeSet<String>,
) -> Result<Vec<Kept>, ExportError> {
    let found = unnamed(out, owned).map_err(|e| ExportError::io(out, e))?;
    for u in &found {
        let dst = staged.join(&u.rel);
        if u.folder {
            fs::create_dir_all(&dst).map_err(|e| ExportError::io(&dst, e))?;
            continue;
        }
        if fs::symlink_metadata(&dst).is_ok() {
            return Err(ExportError::Clash(out.join(&u.rel)));
        }
        if let Some(parent) = dst.parent() {
            fs::create_dir_all(parent).map_err(|e| ExportError::io(parent, e))?;
        }
        fs::hard_link(out.join(&u.rel), &dst).map_err(|error| ExportError::Keep {
            path: out.join(&u.rel),
            error,
        })?;
    }
    copy_folder_modes(out, staged, &found);
    Ok(summarise(&found))
}

/// Gives the folders made for the kept files the modes (and group) of theirs in OUT: a
/// shared workspace keeps its group bits and setgid. Best effort: a mode that cannot be set
/// leaves the folder as made.
fn copy_folder_modes(out: &Path, staged: &Path, found: &[Unnamed]) {
    use std::os::unix::fs::MetadataExt;
    let folders: BTreeSet<&Path> = found
        .iter()
        .flat_map(|u| u.rel.ancestors().skip(usize::from(!u.folder)))
        .filter(|a| !a.as_os_str().is_empty())
        .collect();
    for rel in folders {
        let Ok(meta) = fs::metadata(out.join(rel)) else {
            continue;
        };
        let dst = staged.join(rel);
        let _ = std::os::unix::fs::chown(&dst, None, Some(meta.gid()));
        let _ = fs::set_permissions(&dst, meta.permissions());
    }
}

/// The kept entries by their top-level name.
fn summarise(found: &[Unnamed]) -> Vec<Kept> {
    let mut kept: Vec<Kept> = Vec::new();
    for u in found {
        let mut parts = u.rel.components();
        let top = parts
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        let nested = parts.next().is_some();
        let files = usize::from(!u.folder);
        match kept.last_mut() {
            Some(k) if k.name == top => k.files += files,
            _ => kept.push(Kept {
                name: top,
                files,
                folder: nested || u.folder,
            }),
        }
    }
    kept
}

/// Moves into `out` every file of the old tree `old` that its own manifest does not name and
/// that `out` lacks (a file made in OUT while the swap ran). A tree without a manifest is a
/// dead export's unfinished staging: it holds only what that export was writing.
pub(super) fn move_unnamed(old: &Path, out: &Path) -> io::Result<()> {
    let Ok(m) = manifest::read(old) else {
        return Ok(());
    };
    for u in unnamed(old, &owned_paths(m))? {
        let dst = out.join(&u.rel);
        if fs::symlink_metadata(&dst).is_ok() {
            continue;
        }
        if u.folder {
            fs::create_dir_all(&dst)?;
            continue;
        }
        if let Some(parent) = dst.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::rename(old.join(&u.rel), &dst)?;
    }
    Ok(())
}
