//! Fault injection for the crash tests of multi-step file-system work (export's swap of OUT):
//! a test sets `SEMCURATE_FAULTS` and the process dies, or a system call fails, at a named
//! step, exactly as a `kill -9` or an NFS server would make it.
//!
//! `SEMCURATE_FAULTS` is a comma-separated list:
//! - `abort-at=STEP`: the process aborts (no destructors, no flush) when it reaches `STEP`;
//! - `no-rename-exchange`: `renameat2(RENAME_EXCHANGE)` answers `EINVAL`, as on NFS, CIFS and
//!   many FUSE file systems, so the non-atomic fallback runs.
//!
//! Only debug builds (the test suite's and CI's) read the variable; in a release build every
//! function here is a constant no-op, so a stray variable cannot harm a user's run.

/// The variable tests set.
pub const VAR: &str = "SEMCURATE_FAULTS";

fn items() -> Vec<String> {
    if !cfg!(debug_assertions) {
        return Vec::new();
    }
    std::env::var(VAR)
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default()
}

/// Whether the fault `name` (an item without `=`) is switched on.
pub fn enabled(name: &str) -> bool {
    items().iter().any(|i| i == name)
}

/// A named step of a multi-step operation: aborts here when `abort-at=STEP` names it.
pub fn point(step: &str) {
    if items()
        .iter()
        .any(|i| i.strip_prefix("abort-at=") == Some(step))
    {
        eprintln!("semcurate: fault injection: aborting at '{step}' ({VAR})");
        std::process::abort();
    }
}
