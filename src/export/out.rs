//! The export folder, replaced whole: files are written into a hidden staging folder beside
//! OUT, checked, flushed, and then swapped with OUT in one step (`renameat2` with
//! `RENAME_EXCHANGE`), so a reader or a crash sees the old export or the new one, never a mix.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::ExportError;
use super::manifest::read_dataset_of;

/// What is at OUT before an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutState {
    /// Nothing: the staging folder is renamed to OUT.
    Absent,
    /// An empty folder, or an earlier export of the same dataset (with `--force`): swapped.
    Replace,
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
        return Ok(OutState::Replace);
    }
    match read_dataset_of(out) {
        Some(d) if d == dataset_id && force => Ok(OutState::Replace),
        Some(d) if d == dataset_id => Err(ExportError::EarlierExport(out.to_path_buf())),
        Some(d) => Err(ExportError::OtherDataset {
            out: out.to_path_buf(),
            dataset: d,
        }),
        None => Err(ExportError::NotEmpty(out.to_path_buf())),
    }
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
    /// Creates `.OUT.semcurate-export-PID` beside OUT, after removing the staging folders of
    /// exports into OUT whose process is gone (a crash or a kill leaves them).
    pub fn create(out: &Path) -> Result<Self, ExportError> {
        let parent = parent_of(out);
        fs::create_dir_all(&parent).map_err(|e| ExportError::io(&parent, e))?;
        remove_stale(&parent, &staging_prefix(out));
        let dir = parent.join(format!("{}{}", staging_prefix(out), std::process::id()));
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

    /// Flushes the staged files to disk and puts them at OUT in one step; the old OUT (if
    /// any) ends up in the staging path and is removed.
    pub fn commit(mut self, state: &OutState) -> Result<(), ExportError> {
        sync_fs(&self.dir);
        match state {
            OutState::Absent => {
                fs::rename(&self.dir, &self.out).map_err(|e| ExportError::io(&self.out, e))?;
            }
            OutState::Replace => exchange(&self.dir, &self.out)?,
        }
        if let Ok(d) = fs::File::open(parent_of(&self.out)) {
            let _ = d.sync_all();
        }
        self.done = true;
        // After an exchange the old export sits at the staging path.
        let _ = fs::remove_dir_all(&self.dir);
        Ok(())
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

/// Swaps two folders atomically; where the file system cannot (no `RENAME_EXCHANGE`), moves
/// OUT aside, renames, and removes the old one (a crash in between leaves OUT missing and
/// the complete old export beside it, named `.OUT.semcurate-export-old-PID`).
fn exchange(staged: &Path, out: &Path) -> Result<(), ExportError> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, staged, CWD, out, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {
            let aside =
                parent_of(out).join(format!("{}old-{}", staging_prefix(out), std::process::id()));
            fs::rename(out, &aside).map_err(|e| ExportError::io(out, e))?;
            fs::rename(staged, out).map_err(|e| ExportError::io(out, e))?;
            fs::rename(&aside, staged).map_err(|e| ExportError::io(staged, e))
        }
        Err(e) => Err(ExportError::io(out, io::Error::from(e))),
    }
}

/// Flushes the file system holding `dir` (one `syncfs`, not one `fsync` per file).
fn sync_fs(dir: &Path) {
    if let Ok(f) = fs::File::open(dir) {
        let _ = rustix::fs::syncfs(&f);
    }
}

/// Removes staging folders named `PREFIX<pid>` (or `PREFIXold-<pid>`) whose process is gone.
fn remove_stale(parent: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        let pid = rest.strip_prefix("old-").unwrap_or(rest);
        let alive = pid
            .parse::<u32>()
            .is_ok_and(|p| Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// Whether a file name belongs to an export's staging folder (for listings that skip them).
pub fn is_staging(name: &str) -> bool {
    name.contains(STAGING_MARK) && name.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_replaces_the_folder_whole() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("exp");
        let s = Staging::create(&out).unwrap();
        fs::write(s.dir.join("a"), "new").unwrap();
        s.commit(&OutState::Absent).unwrap();
        assert_eq!(fs::read_to_string(out.join("a")).unwrap(), "new");
        let s = Staging::create(&out).unwrap();
        fs::write(s.dir.join("b"), "newer").unwrap();
        s.commit(&OutState::Replace).unwrap();
        assert!(!out.join("a").exists());
        assert_eq!(fs::read_to_string(out.join("b")).unwrap(), "newer");
        // Only OUT is left beside it.
        assert_eq!(fs::read_dir(t.path()).unwrap().count(), 1);
    }

    #[test]
    fn stale_staging_of_a_dead_process_is_removed_and_a_dropped_one_too() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("exp");
        let dead = t.path().join(".exp.semcurate-export-4000000000");
        fs::create_dir(&dead).unwrap();
        let s = Staging::create(&out).unwrap();
        assert!(!dead.exists());
        let dir = s.dir.clone();
        drop(s);
        assert!(!dir.exists());
        assert!(is_staging(".exp.semcurate-export-12"));
    }
}
