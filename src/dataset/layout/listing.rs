//! Listing one data folder: its files by stem (hidden entries, folders and other extensions
//! counted as skipped, names that are not UTF-8 reported), with size-and-time fingerprints and
//! paths relative to the dataset root.

use std::fs;
use std::path::Path;
use std::time::UNIX_EPOCH;

use super::{FileRef, Listing, Scan};
use crate::dataset::problems::{Problem, ProblemKind};

/// Lists one data folder's files whose extension is in `exts`, keyed by `key(stem)`.
pub(super) fn list(
    root: &Path,
    dir: &Path,
    exts: &[&str],
    scan: &mut Scan,
    out: &mut Listing,
    key: impl Fn(&str) -> String,
) {
    let Ok(entries) = fs::read_dir(dir) else {
        if dir.exists() {
            scan.problems.push(Problem::new(
                ProblemKind::Unlistable,
                rel(root, dir),
                "cannot list folder: check its permissions",
            ));
        }
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        // Links are followed: a link to an image is the image.
        let Ok(meta) = fs::metadata(&path) else {
            scan.problems.push(Problem::new(
                ProblemKind::Unlistable,
                rel(root, &path),
                "cannot read file metadata (a link to nothing?): fix or remove it",
            ));
            continue;
        };
        let hidden = is_hidden(&path);
        match (meta.is_dir(), hidden) {
            (true, true) => scan.skipped.hidden_dirs += 1,
            (true, false) => scan.skipped.other_dirs += 1,
            (false, true) => scan.skipped.hidden_files += 1,
            (false, false) if !meta.is_file() && stem_if_ext(&path, exts).is_some() => {
                // Opening a FIFO would wait for a writer forever.
                scan.problems.push(Problem::new(
                    ProblemKind::Unlistable,
                    rel(root, &path),
                    "not a regular file (a FIFO, socket or device): skipped, never opened; remove it or replace it with the image",
                ));
            }
            (false, false) if !meta.is_file() => scan.skipped.other_files += 1,
            (false, false) if path.file_name().and_then(|n| n.to_str()).is_none() => {
                scan.problems.push(Problem::new(
                    ProblemKind::Unlistable,
                    rel(root, &path),
                    "the file name is not valid UTF-8 (the bad bytes show as �): rename it; paths are kept as text",
                ));
            }
            (false, false) => match stem_if_ext(&path, exts) {
                Some(stem) => {
                    let file = FileRef {
                        path: rel(root, &path),
                        fingerprint: fingerprint(&meta),
                    };
                    out.entry(key(&stem)).or_default().push(file);
                }
                None => scan.skipped.other_files += 1,
            },
        }
    }
}

/// The file's stem when its extension (any case) is one of `exts`, which are lower case.
fn stem_if_ext(path: &Path, exts: &[&str]) -> Option<String> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    exts.contains(&ext.as_str())
        .then(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()))?
}

/// Whether the entry's name starts with `.` (`.DS_Store`, `.ipynb_checkpoints`, `.semcurate`).
pub(super) fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// `size:mtime_ns` of a file.
///
/// Not a content hash: cheap enough to take for every file of a large dataset on each index,
/// and it changes whenever a file is rewritten (size or modification time). A clock before
/// 1970 reads as mtime 0.
pub fn fingerprint(meta: &fs::Metadata) -> String {
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{}:{mtime}", meta.len())
}

/// `path` relative to `root` with `/` separators.
///
/// A path outside `root` comes back whole; on Unix a UTF-8 path is used as is, otherwise each
/// component is converted lossily (invalid bytes as `�`).
pub fn rel(root: &Path, path: &Path) -> String {
    let r = path.strip_prefix(root).unwrap_or(path);
    if std::path::MAIN_SEPARATOR == '/'
        && let Some(s) = r.to_str()
    {
        return s.to_string();
    }
    r.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_fifo_named_like_an_image_is_a_problem_and_never_opened() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("s/input-images");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("a.png"), b"png").unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(dir.join("x.png"))
            .status()
            .unwrap();
        assert!(made.success());
        let mut scan = Scan::default();
        let mut out = Listing::new();
        // Would block forever if the FIFO were opened.
        list(
            t.path(),
            &dir,
            &["png"],
            &mut scan,
            &mut out,
            str::to_string,
        );
        assert_eq!(out.keys().collect::<Vec<_>>(), ["a"]);
        assert_eq!(scan.problems.len(), 1);
        assert_eq!(scan.problems[0].path, "s/input-images/x.png");
        assert!(scan.problems[0].message.contains("not a regular file"));
    }
}
