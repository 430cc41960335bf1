//! The layer rule of src/ (issue 25): every top-level module has a rank, and a module may use
//! only modules of a lower rank, so there is no cycle and no upward import. The rule is the
//! table below, also written down in src/lib.rs; this test reads every `.rs` file under src/,
//! finds each `crate::MODULE` path (in `use` lines and inline paths, `crate::{a, b::c}` groups
//! included) and fails on an import that breaks it, naming the file and both modules. It also
//! fails when src/lib.rs declares a module the table does not rank, or the table ranks one
//! that no longer exists.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Ranks, lowest first. A module may import modules of strictly lower rank only.
const LAYERS: &[(&str, &[&str])] = &[
    // Plumbing with no domain knowledge.
    (
        "base",
        &["clock", "fault", "fsutil", "hashing", "progress", "rng"],
    ),
    // The dataset on disk: layout, schema, rasters, workspace.
    ("dataset", &["dataset"]),
    // Pure computations on images and masks.
    ("measures", &["assist", "imaging", "metrics"]),
    // The model, the audit and the review queue, the statistics.
    ("analysis", &["audit", "model", "review", "stats"]),
    // Label states and the journal of corrections (read the review's decisions).
    ("labels", &["labels"]),
    // Whatever writes datasets: export, import of raw images, the synthetic generator.
    ("producers", &["export", "import", "synth"]),
    // Long work on threads: predict, train, retrain, assist refreshes.
    ("jobs", &["jobs"]),
    // The terminal UI: a state machine over jobs and the core.
    ("tui", &["tui"]),
    // The command line: parses arguments, runs everything.
    ("cli", &["cli"]),
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, ms)| ms.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file under src/ belongs to (`src/model/train.rs` → `model`).
fn owner(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_string())
}

/// Top-level modules named by `crate::` paths in `text`, line comments left out.
fn used_modules(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // `crate::{a, b::c, d::{e, f}}`: the first name of each item at depth 0.
                let (mut depth, mut name, mut first) = (0, String::new(), true);
                for ch in group.chars() {
                    if ch.is_ascii_alphanumeric() || ch == '_' {
                        if depth == 0 && first {
                            name.push(ch);
                        }
                        continue;
                    }
                    if !name.is_empty() {
                        out.insert(std::mem::take(&mut name));
                        first = false;
                    }
                    match ch {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => first = true,
                        _ => {}
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.insert(name);
            }
        }
    }
    out
}

/// Modules declared in src/lib.rs.
fn declared(lib: &str) -> BTreeSet<String> {
    lib.lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l
                .strip_prefix("pub ")
                .or_else(|| l.strip_prefix("pub(crate) "))?;
            Some(l.strip_prefix("mod ")?.trim_end_matches(';').to_string())
        })
        .collect()
}

#[test]
fn every_module_has_a_rank_and_lib_rs_lists_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let mods = declared(&lib);
    let ranked: BTreeSet<String> = LAYERS
        .iter()
        .flat_map(|(_, ms)| ms.iter().map(|m| (*m).to_string()))
        .collect();
    assert_eq!(
        mods, ranked,
        "src/lib.rs declares these modules, the layer table ranks those: add the new module to \
         LAYERS in tests/layers.rs and to the map in src/lib.rs"
    );
    // The map in lib.rs names every module too.
    for m in &mods {
        assert!(
            lib.contains(&format!("`{m}`")),
            "src/lib.rs's layer map does not name `{m}`"
        );
    }
}

#[test]
fn no_module_imports_from_its_own_rank_or_above() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut broken = Vec::new();
    let mut edges = 0;
    for f in &files {
        let Some(from) = owner(&src, f) else { continue };
        let from_rank = rank(&from).unwrap_or_else(|| panic!("module `{from}` has no rank"));
        for to in used_modules(&std::fs::read_to_string(f).unwrap()) {
            if to == from || to == "self" || to == "super" {
                continue;
            }
            let Some(to_rank) = rank(&to) else { continue };
            edges += 1;
            if to_rank >= from_rank {
                broken.push(format!(
                    "{}: `{from}` ({}) uses `{to}` ({})",
                    f.strip_prefix(&src).unwrap().display(),
                    LAYERS[from_rank].0,
                    LAYERS[to_rank].0
                ));
            }
        }
    }
    assert!(
        edges > 100,
        "only {edges} imports found: is the parser broken?"
    );
    assert!(
        broken.is_empty(),
        "imports against the layer rule (tests/layers.rs):\n  {}",
        broken.join("\n  ")
    );
}

#[test]
fn the_parser_reads_groups_and_paths() {
    let text = "use crate::{dataset::{A, B}, metrics,fsutil::write};\n\
                let x = crate::model::x(); // crate::jobs in a comment\n\
                use crate::clock::now;";
    let got: Vec<String> = used_modules(text).into_iter().collect();
    assert_eq!(got, ["clock", "dataset", "fsutil", "metrics", "model"]);
}

/// `jobs` in two layers: the thread runtime (`src/jobs/runtime.rs` and `src/jobs/runtime/`)
/// and the workflows beside it. The runtime may name no other `jobs` module: not by
/// `crate::jobs::X` (X other than `runtime`), and not by `super::` out of its own folder.
#[test]
fn the_jobs_runtime_knows_no_workflow() {
    let jobs = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/jobs");
    let mut files = vec![jobs.join("runtime.rs")];
    rust_files(&jobs.join("runtime"), &mut files);
    assert!(files.len() >= 4, "runtime files: {files:?}");
    let mut broken = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        // In runtime.rs `super` is `jobs`; in runtime/x.rs `super::super` is.
        let outward = if f.ends_with("runtime.rs") {
            "super::"
        } else {
            "super::super"
        };
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let via_crate = code
                .match_indices("crate::jobs::")
                .any(|(i, _)| !code[i + "crate::jobs::".len()..].starts_with("runtime"));
            if via_crate || code.contains(outward) {
                broken.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "the jobs runtime uses a workflow module (move the shared type into the runtime, or \
         take it as a parameter):\n  {}",
        broken.join("\n  ")
    );
}
