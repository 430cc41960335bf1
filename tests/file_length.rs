//! The size rule of the library (issue 25): no source file of `src/` or of the engine crate
//! (`crates/*/src`) is over [`MAX_LINES`] lines, tests included, so each file stays one
//! concern a reader can hold. A file that grows past it is split by concern (a submodule with
//! its own `//!` header, or its tests moved to `tests.rs`), in a commit of its own. Integration
//! tests and benches (`tests/`, `benches/`) are not held to it.
#![allow(clippy::unwrap_used)]

mod house;
use house::rust_files;

use std::path::Path;

/// The most lines a library source file may have.
const MAX_LINES: usize = 400;

#[test]
fn no_library_file_is_over_the_limit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    for c in std::fs::read_dir(root.join("crates")).unwrap() {
        let src = c.unwrap().path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    assert!(files.len() > 200, "only {} files found", files.len());
    let mut long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > MAX_LINES)
                .then(|| format!("{} ({n} lines)", f.strip_prefix(root).unwrap().display()))
        })
        .collect();
    long.sort();
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines: split by concern, each move its own commit:\n  {}",
        long.join("\n  ")
    );
}
