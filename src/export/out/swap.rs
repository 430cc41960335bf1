//! Putting a staged export at OUT, and putting things right after a kill.
//!
//! Names beside OUT (all hidden, all starting `.OUT.semcurate-export-`):
//! - `…-PID@HOST`: the staging folder of a running export; after an exchange, the old export;
//! - `…-old-PID@HOST`: the old export moved aside by the non-atomic fallback.
//!
//! A folder whose process is gone is stale. [`recover`] first puts an old export back at a
//! missing OUT, then retires stale folders: files in them that OUT lacks and that their own
//! manifest does not name (a user's, written during the swap) are moved into OUT, and only
//! then is the folder removed. A staging folder without a manifest holds nothing but files
//! the dead export was writing, and is removed as it is.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::super::ExportError;
use super::{carry, parent_of, staging_prefix};

/// An old export put back at OUT by [`recover`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// Where it was: the aside folder of a killed swap.
    pub from: PathBuf,
}

/// This process's tag in staging names: `PID@HOST`.
pub(super) fn owner_tag() -> String {
    format!("{}@{}", std::process::id(), host())
}

fn host() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().replace(['/', '@'], "_"))
        .unwrap_or_default()
}

/// Puts the staged tree at OUT, which holds an earlier export or is empty; returns where the
/// old tree now is.
pub(super) fn replace(staged: &Path, out: &Path) -> Result<PathBuf, ExportError> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    let refused = if crate::fault::enabled("no-rename-exchange") {
        Err(Errno::INVAL)
    } else {
        renameat_with(CWD, staged, CWD, out, RenameFlags::EXCHANGE)
    };
    match refused {
        Ok(()) => {
            crate::fault::point("export:swapped");
            Ok(staged.to_path_buf())
        }
        Err(e) if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::NOTSUP => {
            move_aside_then_in(staged, out)
        }
        Err(e) => Err(ExportError::io(out, io::Error::from(e))),
    }
}

/// The fallback: OUT → aside, staged → OUT. If the second rename fails, the old export goes
/// back at once.
pub(super) fn move_aside_then_in(staged: &Path, out: &Path) -> Result<PathBuf, ExportError> {
    let aside = parent_of(out).join(format!("{}old-{}", staging_prefix(out), owner_tag()));
    fs::rename(out, &aside).map_err(|e| ExportError::io(out, e))?;
    crate::fault::point("export:aside");
    if let Err(e) = fs::rename(staged, out) {
        let _ = fs::rename(&aside, out);
        return Err(ExportError::io(out, e));
    }
    crate::fault::point("export:moved");
    Ok(aside)
}

/// Moves the files of an old tree that OUT lacks and that its manifest does not name into
/// OUT, then removes the tree. Leaves the tree where any such file could not be moved.
pub(super) fn retire(old: &Path, out: &Path) -> bool {
    match carry::move_unnamed(old, out) {
        Ok(()) => {
            crate::fault::point("export:reconciled");
            fs::remove_dir_all(old).is_ok()
        }
        Err(_) => false,
    }
}

/// A folder beside OUT that an export into OUT made.
struct Leftover {
    path: PathBuf,
    aside: bool,
    alive: bool,
}

fn leftovers(out: &Path) -> Vec<Leftover> {
    let prefix = staging_prefix(out);
    let Ok(entries) = fs::read_dir(parent_of(out)) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, Leftover)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let rest = name.strip_prefix(&prefix)?;
            let (aside, tag) = match rest.strip_prefix("old-") {
                Some(t) => (true, t),
                None => (false, rest),
            };
            let mtime = e.metadata().and_then(|m| m.modified()).ok()?;
            let path = e.path();
            Some((
                mtime,
                Leftover {
                    path,
                    aside,
                    alive: is_alive(tag),
                },
            ))
        })
        .collect();
    // Newest first: the aside put back is the latest old export.
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().map(|(_, l)| l).collect()
}

/// Whether the process named by a staging tag (`PID@HOST`, or a bare `PID` of older versions)
/// may still be running. A process on another host is taken as running: only its own host
/// can tell.
fn is_alive(tag: &str) -> bool {
    let (pid, h) = tag.split_once('@').unwrap_or((tag, ""));
    if !h.is_empty() && h != host() {
        return true;
    }
    pid.parse::<u32>()
        .is_ok_and(|p| Path::new(&format!("/proc/{p}")).exists())
}

/// Puts right what a killed export into OUT left: an old export beside a missing OUT is put
/// back (whatever process left it), then stale folders are retired. Returns the old export
/// put back, if any. Safe to call at any time, by any command that is about to open OUT.
pub fn recover(out: &Path) -> io::Result<Option<Recovered>> {
    let found = leftovers(out);
    if found.is_empty() {
        return Ok(None);
    }
    let mut recovered = None;
    let missing =
        matches!(fs::symlink_metadata(out), Err(e) if e.kind() == io::ErrorKind::NotFound);
    if missing && let Some(old) = found.iter().find(|l| l.aside) {
        fs::rename(&old.path, out)?;
        recovered = Some(Recovered {
            from: old.path.clone(),
        });
    }
    let out_exists = fs::symlink_metadata(out).is_ok();
    for l in found.iter().filter(|l| !l.alive) {
        if recovered.as_ref().is_some_and(|r| r.from == l.path) {
            continue;
        }
        if out_exists {
            retire(&l.path, out);
        } else if !l.aside {
            // OUT never existed: a first export into it died before its one rename.
            let _ = fs::remove_dir_all(&l.path);
        }
    }
    Ok(recovered)
}
