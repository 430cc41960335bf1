//! Documentation density of the library (issue 25 §4): every top-level module of src/ carries at
//! least [`MIN_PER_100`] doc lines per 100 code lines, test code left out.
//!
//! A module is `src/X.rs` together with everything under `src/X/`; `src/lib.rs` is a row of its
//! own (`lib`) and `src/main.rs`, the five-line binary, is skipped. Per line, after trimming:
//! - a doc line starts with `///` or `//!` (`////` is a plain comment, as rustc reads it);
//! - a code line is any other non-blank line that does not start with `//`; a line of code with
//!   a comment after it is code. Block comments (`/* */`) are not recognised: src/ has none, and
//!   such a line would count as code, which only makes the test harder to pass.
//!
//! Test code is not counted: files named `tests.rs`, files under a `tests/` folder, files that a
//! `#[cfg(test)] mod NAME;` declaration loads (`src/assist/tests_forest.rs`), and every item
//! marked `#[cfg(test)]`. Such an item ends on its own line when it is a declaration (`mod
//! tests;`); otherwise it ends at the first later line that is `}` at the attribute's
//! indentation, which rustfmt guarantees. Test modules usually come last, but not always
//! (`src/model/infer.rs` declares `mod tests;` near its top, `src/labels/status.rs` has a test
//! module between two halves of its code), so "from `#[cfg(test)]` to the end of the file" would
//! drop real code.
//!
//! Run `cargo test --test doc_density -- --nocapture` for the table and the whole-library
//! figure.
#![allow(clippy::unwrap_used)]

mod house;
use house::rust_files;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The floor, in doc lines per 100 code lines, that every module must reach.
const MIN_PER_100: f64 = 18.0;

/// Doc and code line counts of a piece of source; comment and blank lines are in neither.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    doc: usize,
    code: usize,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.doc += other.doc;
        self.code += other.code;
    }

    /// Doc lines per 100 code lines; 0 for a module with no code.
    fn per_100(self) -> f64 {
        if self.code == 0 {
            0.0
        } else {
            100.0 * self.doc as f64 / self.code as f64
        }
    }
}

/// Counts one file's text, `#[cfg(test)]` items left out. Also returns the names of the modules
/// that a `#[cfg(test)] mod NAME;` line declares, whose files are test code.
fn count(text: &str) -> (Counts, Vec<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut counts = Counts::default();
    let mut test_mods = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim();
        if trimmed == "#[cfg(test)]" {
            i = skip_test_item(&lines, i, &mut test_mods);
            continue;
        }
        if trimmed.starts_with("///") && !trimmed.starts_with("////") || trimmed.starts_with("//!")
        {
            counts.doc += 1;
        } else if !trimmed.is_empty() && !trimmed.starts_with("//") {
            counts.code += 1;
        }
        i += 1;
    }
    (counts, test_mods)
}

/// Index of the first line after the `#[cfg(test)]` item whose attribute is on line `at`.
fn skip_test_item(lines: &[&str], at: usize, test_mods: &mut Vec<String>) -> usize {
    let indent = lines[at].len() - lines[at].trim_start().len();
    // Further attributes (`#[allow(..)]`) and comments between the attribute and the item.
    let mut item = at + 1;
    while item < lines.len() {
        let t = lines[item].trim();
        if !(t.starts_with("#[") || t.starts_with("//")) {
            break;
        }
        item += 1;
    }
    let Some(first) = lines.get(item).map(|l| l.trim()) else {
        return lines.len();
    };
    if first.ends_with(';') && !first.contains('{') {
        // A declaration such as `mod tests;` or `pub(crate) mod tests;`.
        if let Some(name) = first
            .trim_end_matches(';')
            .split_whitespace()
            .skip_while(|w| *w != "mod")
            .nth(1)
        {
            test_mods.push(name.to_string());
        }
        return item + 1;
    }
    let close = " ".repeat(indent) + "}";
    lines[item..]
        .iter()
        .position(|l| *l == close || *l == format!("{close};"))
        .map_or(lines.len(), |k| item + k + 1)
}

/// The folder that holds a file's child modules: `src/a/b.rs` → `src/a/b`, `src/lib.rs` → `src`.
fn child_dir(file: &Path) -> PathBuf {
    let stem = file.file_stem().unwrap();
    if stem == "lib" || stem == "main" || stem == "mod" {
        file.parent().unwrap().to_path_buf()
    } else {
        file.with_extension("")
    }
}

/// Whether a file under src/ is test code by its path: `tests.rs`, under a `tests/` folder, or
/// inside a module that a `#[cfg(test)] mod NAME;` line loads (`test_paths` holds those modules'
/// `NAME.rs` files and `NAME/` folders).
fn is_test_file(src: &Path, file: &Path, test_paths: &BTreeSet<PathBuf>) -> bool {
    let rel = file.strip_prefix(src).unwrap();
    rel.file_name().is_some_and(|n| n == "tests.rs")
        || rel
            .parent()
            .is_some_and(|p| p.components().any(|c| c.as_os_str() == "tests"))
        || test_paths.iter().any(|t| file.starts_with(t))
}

/// Counts per top-level module (`lib` for src/lib.rs alone), src/main.rs left out.
fn measure(src: &Path) -> BTreeMap<String, Counts> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut per_file = Vec::new();
    let mut test_paths = BTreeSet::new();
    for f in &files {
        let (counts, mods) = count(&std::fs::read_to_string(f).unwrap());
        for m in mods {
            let dir = child_dir(f);
            test_paths.insert(dir.join(format!("{m}.rs")));
            test_paths.insert(dir.join(m));
        }
        per_file.push((f, counts));
    }
    let mut modules: BTreeMap<String, Counts> = BTreeMap::new();
    for (f, counts) in per_file {
        if is_test_file(src, f, &test_paths) {
            continue;
        }
        let first = f.strip_prefix(src).unwrap().components().next().unwrap();
        let first = first.as_os_str().to_str().unwrap();
        let module = first.strip_suffix(".rs").unwrap_or(first);
        if module == "main" {
            continue;
        }
        modules.entry(module.to_string()).or_default().add(counts);
    }
    modules
}

/// The table: one row per module, then the whole library; `below` marks rows under the floor.
fn table(modules: &BTreeMap<String, Counts>) -> String {
    let mut out = format!(
        "{:<10} {:>6} {:>6} {:>8}\n",
        "module", "doc", "code", "doc/100"
    );
    let mut total = Counts::default();
    for (name, c) in modules {
        total.add(*c);
        let mark = if c.per_100() < MIN_PER_100 {
            "  below"
        } else {
            ""
        };
        writeln!(
            out,
            "{name:<10} {:>6} {:>6} {:>8.1}{mark}",
            c.doc,
            c.code,
            c.per_100()
        )
        .unwrap();
    }
    writeln!(
        out,
        "{:<10} {:>6} {:>6} {:>8.1}",
        "library",
        total.doc,
        total.code,
        total.per_100()
    )
    .unwrap();
    out
}

#[test]
fn every_library_module_has_enough_doc_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = measure(&src);
    assert!(
        modules.len() > 10 && modules.contains_key("dataset") && modules.contains_key("lib"),
        "found only {:?} under src/: is the walk broken?",
        modules.keys().collect::<Vec<_>>()
    );
    let table = table(&modules);
    println!("doc lines per 100 code lines (floor {MIN_PER_100}):\n{table}");
    let below: Vec<&String> = modules
        .iter()
        .filter(|(_, c)| c.per_100() < MIN_PER_100)
        .map(|(name, _)| name)
        .collect();
    assert!(
        below.is_empty(),
        "modules below {MIN_PER_100} doc lines per 100 code lines: {below:?}; document units \
         (µm/px, grey levels), shapes and invariants of their public items\n{table}"
    );
}

#[test]
fn the_counter_reads_docs_code_and_test_items() {
    let text = "//! Module header.\n\
                //! Second line.\n\
                \n\
                use std::fmt;\n\
                // A plain comment.\n\
                //// Four slashes: a plain comment too.\n\
                #[cfg(test)]\n\
                mod tests;\n\
                /// Width in pixels.\n\
                pub fn f() -> u32 {\n    \
                    /// Doc on an inner item.\n    \
                    let x = 1; // trailing comment: still code\n    \
                    x\n\
                }\n\
                #[cfg(test)]\n\
                #[allow(dead_code)]\n\
                fn helper() {\n    \
                    let y = 2;\n\
                }\n\
                const AFTER: u8 = 3;\n\
                #[cfg(test)]\n\
                pub(crate) mod more_tests {\n    \
                    /// Not counted.\n    \
                    fn g() {}\n\
                }\n";
    let (counts, mods) = count(text);
    // Docs: the two `//!`, `/// Width`, the inner `///`. Code: `use`, `pub fn`, `let x`, `x`,
    // `}`, `const AFTER`.
    assert_eq!(counts, Counts { doc: 4, code: 6 });
    assert_eq!(mods, ["tests"]);
    assert!((counts.per_100() - 66.666).abs() < 0.01);
}

#[test]
fn test_files_are_found_by_name_folder_and_declaration() {
    let src = Path::new("/r/src");
    let declared: BTreeSet<PathBuf> = [
        child_dir(Path::new("/r/src/assist.rs")).join("tests_forest.rs"),
        child_dir(Path::new("/r/src/lib.rs")).join("t"),
    ]
    .into();
    let test = |p: &str| is_test_file(src, Path::new(p), &declared);
    assert!(test("/r/src/model/infer/tests.rs"));
    assert!(test("/r/src/tui/view/tests/editor.rs"));
    assert!(test("/r/src/assist/tests_forest.rs"));
    assert!(test("/r/src/t/deep.rs"));
    assert!(!test("/r/src/assist/forest.rs"));
    assert!(!test("/r/src/model/infer.rs"));
}
