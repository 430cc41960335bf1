//! What the house-rule tests share (`tests/layers.rs`, `tests/doc_density.rs`,
//! `tests/file_length.rs`): walking a source tree. Kept apart from `tests/common`, which builds
//! datasets and models, so these text-only checks compile in seconds.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, at any depth, in directory order (sort for a stable one).
///
/// # Panics
/// When a folder cannot be read: the check would otherwise pass on a tree it never saw.
pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}
