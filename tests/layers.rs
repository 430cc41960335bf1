//! The layer rule of src/ (issue 25): every top-level module has a rank, and a module may use
//! only modules of a lower rank, so there is no cycle and no upward import. The rule is the
//! table below, also written down in src/lib.rs; this test reads every `.rs` file under src/,
//! finds each `crate::MODULE` path (in `use` lines and inline paths, `crate::{a, b::c}` groups
//! included) and fails on an import that breaks it, naming the file and both modules. It also
//! fails when src/lib.rs declares a module the table does not rank, or the table ranks one
//! that no longer exists. Inside `jobs`, a second rule keeps the thread runtime
//! (`jobs::runtime`) below the workflows: see `the_jobs_runtime_knows_no_workflow`.
#![allow(clippy::unwrap_used)]

mod house;
use house::rust_files;

use std::collections::BTreeSet;
use std::path::Path;

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
/// and the workflows beside it. The runtime may name no other `jobs` module. Read on the
/// file's text with line comments stripped and lines joined (so `use` groups that rustfmt
/// splits over lines count), a runtime file breaks the rule when it has:
/// - `jobs::` followed by anything but `runtime` (`crate::jobs::report`,
///   `crate::{jobs::report}`, `crate::jobs::{report}`), or imports `crate::jobs` itself;
/// - a path segment `W::` or a `W` in a `super::{..}` group, W a workflow module of `jobs`
///   (the file names under `src/jobs/`) that is not also a top-level module of the crate
///   (`assist`, `audit`), since `crate::assist::` is allowed;
/// - one `super::` too many for its depth: in `runtime.rs` any `super::` other than
///   `super::*` (a test module's glob), in `runtime/x.rs` a `super::super`.
#[test]
fn the_jobs_runtime_knows_no_workflow() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let jobs = src.join("jobs");
    let mut files = vec![jobs.join("runtime.rs")];
    rust_files(&jobs.join("runtime"), &mut files);
    assert!(files.len() >= 4, "runtime files: {files:?}");
    let workflows = workflow_modules(&src, &jobs);
    assert!(workflows.len() > 10, "workflows found: {workflows:?}");
    let mut broken = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let depth = f
            .strip_prefix(jobs.join("runtime"))
            .map_or(0, |r| r.components().count());
        for why in runtime_breaks(&text, &workflows, depth) {
            broken.push(format!(
                "{}: {why}",
                f.strip_prefix(&src).unwrap().display()
            ));
        }
    }
    assert!(
        broken.is_empty(),
        "the jobs runtime uses a workflow module (move the shared type into the runtime, or \
         take it as a parameter):\n  {}",
        broken.join("\n  ")
    );
}

/// Names of `jobs`'s modules other than `runtime`, less those that are also top-level modules.
fn workflow_modules(src: &Path, jobs: &Path) -> BTreeSet<String> {
    let top: BTreeSet<String> = declared(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    std::fs::read_dir(jobs)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().ok()?;
            let stem = name.strip_suffix(".rs").unwrap_or(&name).to_string();
            (stem != "runtime" && !top.contains(&stem)).then_some(stem)
        })
        .collect()
}

/// Why `text`, a runtime file `depth` folders below `src/jobs/runtime/` (0: `runtime.rs`
/// itself, 1: `runtime/x.rs`), breaks the rule; empty when it does not.
fn runtime_breaks(text: &str, workflows: &BTreeSet<String>, depth: usize) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ");
    let squeezed: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut why = Vec::new();
    for (i, _) in squeezed.match_indices("jobs::") {
        let rest = &squeezed[i + "jobs::".len()..];
        let runtime = rest
            .strip_prefix("runtime")
            .is_some_and(|r| r.starts_with("::") || r.starts_with([';', ',', '}', ' ']));
        if !runtime {
            why.push(format!("`jobs::{}`", &rest[..rest.len().min(30)]));
        }
    }
    for end in [";", " as", ",", "}"] {
        if squeezed.contains(&format!("crate::jobs{end}")) {
            why.push("imports `crate::jobs` itself".into());
        }
    }
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for w in workflows {
        for (i, _) in squeezed.match_indices(w.as_str()) {
            let before = squeezed[..i].chars().next_back();
            let after = &squeezed[i + w.len()..];
            let whole = !before.is_some_and(ident) && !after.starts_with(ident);
            // `W::` at a path's start or after `super::`; `std::error::` is another module.
            let head = &squeezed[..i];
            let as_path =
                after.starts_with("::") && (!head.ends_with("::") || head.ends_with("super::"));
            let in_super_group = head
                .rfind("super::{")
                .is_some_and(|g| !squeezed[g..i].contains('}'));
            if whole && (as_path || in_super_group) {
                why.push(format!("names the workflow module `{w}`"));
            }
        }
    }
    let outward = "super::".repeat(depth + 1);
    // Only `runtime.rs` may write `super::*`, for a test module's glob of runtime itself.
    let glob = format!("{outward}*");
    let leaves = if depth == 0 {
        squeezed
            .match_indices(&outward)
            .any(|(i, _)| !squeezed[i..].starts_with(&glob))
    } else {
        squeezed.contains(&outward)
    };
    if leaves {
        why.push(format!("`{outward}` leaves the runtime"));
    }
    why
}

#[test]
fn the_runtime_rule_catches_each_way_of_naming_a_workflow() {
    let workflows: BTreeSet<String> = ["report", "service", "overview"]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    let bad = |text: &str, depth: usize| !runtime_breaks(text, &workflows, depth).is_empty();
    // Each of these names a workflow module from a runtime file.
    assert!(bad("use crate::jobs::report::Report;", 1));
    assert!(bad(
        "use crate::{jobs::report::Report, progress::Progress};",
        1
    ));
    assert!(bad(
        "use crate::{\n    jobs::report::Report,\n    progress::Progress,\n};",
        1
    ));
    assert!(bad("use crate::jobs::{report, runtime};", 1));
    assert!(bad("use crate::jobs;\nfn f() { jobs::report::x() }", 1));
    assert!(bad("use crate::jobs as j;", 1));
    assert!(bad(
        "use super::{super::report::Report, table::JobEvent};",
        1
    ));
    assert!(bad("use super::{table::JobEvent, service};", 1));
    assert!(bad("use super::super::slot::Slot;", 1));
    assert!(bad("use super::report::Report;", 0));
    assert!(bad("use crate::jobs::runtime_extra::X;", 1));
    // And these do not.
    assert!(!bad(
        "use super::table::{JobEvent, TaskId};\nuse crate::progress::Progress;",
        1
    ));
    assert!(!bad(
        "use crate::jobs::runtime::slot::Slot; // crate::jobs::report in a comment",
        1
    ));
    assert!(!bad(
        "use crate::assist::Features; use crate::reporting::x;",
        1
    ));
    assert!(!bad(
        "pub mod slot;\npub use table::{JobEvent, TaskId};\nmod t { use super::*; }",
        0
    ));
    assert!(!bad("fn service_time() {} let report = 1;", 1));
    assert!(!bad("impl std::report::Termination for X {}", 1));
}
