//! The export folder OUT, replaced whole. Files are written into a hidden staging folder beside
//! OUT, checked and flushed; then the files in OUT that the earlier export did not write (its
//! workspace `.semcurate/`, a user's notes, a model saved there) are hard-linked into the
//! staging folder, and the two folders are swapped in one step (`renameat2` with
//! `RENAME_EXCHANGE`). A reader or a crash sees the old export or the new one, never a mix, and
//! a file we did not write is in OUT at every instant.
//!
//! Where the file system refuses the exchange (NFS, CIFS, many FUSE file systems), OUT is
//! renamed aside and the staging folder renamed to OUT: two renames, with a moment in between
//! when OUT is missing. A kill in that moment leaves the complete old export beside OUT
//! (`.OUT.semcurate-export-old-PID`), and the next command that opens OUT puts it back
//! ([`recover`]) before anything else. No complete tree is ever deleted while OUT is missing.
//! `docs/RELIABILITY.md` says what holds where.

mod carry;
mod swap;

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::ExportError;
use super::manifest::{self, read_dataset_of};

pub use carry::Kept;
pub use swap::{Recovered, recover};

/// The files every export writes at its top level, besides its rows' files.
pub const META_FILES: [&str; 4] = [
    manifest::MANIFEST_JSON,
    manifest::MANIFEST_CSV,
    "classes.toml",
    "EXPORT.md",
];

/// What is at OUT before an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutState {
    /// Nothing: the staging folder is renamed to OUT.
    Absent,
    /// An empty folder, or an earlier export of the same dataset (with `--force`): swapped.
    /// `owned` holds the paths (relative to OUT, `/`-separated) that the earlier export wrote;
    /// everything else in OUT is kept.
    Replace { owned: BTreeSet<String> },
}

/// Checks that OUT may receive an export of the dataset `dataset_id`.
pub fn check_out(out: &Path, dataset_id: &str, force: bool) -> Result<OutState, ExportError> {
    let meta = match fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(OutState::Absent),
        Err(e) => return Err(ExportError::io(out, e)),
    };
    if !meta.is_dir() {
        return Err(ExportError::OutNotFolder(out.to_path_buf()));
    }
    let empty = fs::read_dir(out)
        .map_err(|e| ExportError::io(out, e))?
        .next()
        .is_none();
    if empty {
        return Ok(OutState::Replace {
            owned: BTreeSet::new(),
        });
    }
    match read_dataset_of(out) {
        Some(d) if d == dataset_id && force => Ok(OutState::Replace {
            owned: owned_by_earlier(out)?,
        }),
        Some(d) if d == dataset_id => Err(ExportError::EarlierExport(out.to_path_buf())),
        Some(d) => Err(ExportError::OtherDataset {
            out: out.to_path_buf(),
            dataset: d,
        }),
        None => Err(ExportError::NotEmpty(out.to_path_buf())),
    }
}

/// The paths an earlier export in OUT wrote, from its manifest: each row's image, mask and
/// pixel-size file, and the top-level files every export writes.
fn owned_by_earlier(out: &Path) -> Result<BTreeSet<String>, ExportError> {
    let m = manifest::read(out).map_err(|e| ExportError::UnreadableManifest {
        out: out.to_path_buf(),
        error: e,
    })?;
    Ok(owned_paths(m))
}

/// The paths a manifest's export wrote, relative to its folder.
fn owned_paths(m: manifest::Manifest) -> BTreeSet<String> {
    let mut owned: BTreeSet<String> = META_FILES.iter().map(|s| (*s).to_string()).collect();
    for r in m.images {
        owned.extend([r.image, r.mask, r.features]);
    }
    owned
}

/// The hidden staging folder of an export into OUT; removed on drop unless committed.
pub struct Staging {
    pub dir: PathBuf,
    out: PathBuf,
    done: bool,
}

const STAGING_MARK: &str = ".semcurate-export-";

fn staging_prefix(out: &Path) -> String {
    let name = out
        .file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    format!(".{name}{STAGING_MARK}")
}

impl Staging {
    /// Creates `.OUT.semcurate-export-PID` beside OUT, after putting back an old export that a
    /// killed swap left beside a missing OUT, and removing the staging folders of exports into
    /// OUT whose process is gone.
    pub fn create(out: &Path) -> Result<Self, ExportError> {
        let parent = parent_of(out);
        fs::create_dir_all(&parent).map_err(|e| ExportError::io(&parent, e))?;
        recover(out).map_err(|e| ExportError::io(out, e))?;
        let dir = parent.join(format!("{}{}", staging_prefix(out), swap::owner_tag()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| ExportError::io(&dir, e))?;
        }
        fs::create_dir(&dir).map_err(|e| ExportError::io(&dir, e))?;
        Ok(Self {
            dir,
            out: out.to_path_buf(),
            done: false,
        })
    }

    /// Flushes the staged files, links in what OUT holds that the earlier export did not
    /// write, and puts the staged tree at OUT. Returns what was kept.
    pub fn commit(mut self, state: &OutState) -> Result<Vec<Kept>, ExportError> {
        crate::fault::point("export:staged");
        let kept = match state {
            OutState::Absent => Vec::new(),
            OutState::Replace { owned } => carry::link_foreign(&self.out, &self.dir, owned)?,
        };
        sync_fs(&self.dir);
        crate::fault::point("export:linked");
        match state {
            OutState::Absent => {
                fs::rename(&self.dir, &self.out).map_err(|e| ExportError::io(&self.out, e))?;
                self.done = true;
            }
            OutState::Replace { .. } => {
                let old = swap::replace(&self.dir, &self.out)?;
                self.done = true;
                swap::retire(&old, &self.out);
            }
        }
        if let Ok(d) = fs::File::open(parent_of(&self.out)) {
            let _ = d.sync_all();
        }
        Ok(kept)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn parent_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Flushes the file system holding `dir` (one `syncfs`, not one `fsync` per file).
fn sync_fs(dir: &Path) {
    if let Ok(f) = fs::File::open(dir) {
        let _ = rustix::fs::syncfs(&f);
    }
}

/// Whether a file name belongs to an export's staging folder (for listings that skip them).
pub fn is_staging(name: &str) -> bool {
    name.contains(STAGING_MARK) && name.starts_with('.')
}

#[cfg(test)]
mod tests;
