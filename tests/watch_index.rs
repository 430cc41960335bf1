//! The TUI's task thread notices images another process added: `semcurate import` in a
//! second shell while the TUI is open reports `DatasetChanged` (the TUI then re-indexes), and
//! the thread's own work does not.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use semcurate::dataset::workspace::Workspace;
use semcurate::jobs::report::{Outbox, Report};
use semcurate::jobs::service::{Paths, tasks};

#[test]
fn an_import_by_another_process_is_reported() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    common::synth_small(&root);
    common::semcurate()
        .args(["index", "--quiet"])
        .arg(&root)
        .assert()
        .code(predicates::ord::lt(2));
    let paths = Paths {
        root: root.clone(),
        workspace: Workspace::default_dir(&root),
        schema: semcurate::dataset::ClassSchema::for_dataset(&root).unwrap(),
        default_pixel_size: None,
    };
    let (task_tx, task_rx) = mpsc::channel();
    let (tx, rx) = mpsc::channel::<Report>();
    let outbox = Outbox::new(tx);
    let thread = std::thread::spawn(move || tasks(&task_rx, &outbox, &paths, None));
    // Quiet while nothing changes (two watch periods).
    let changed = |rx: &mpsc::Receiver<Report>, secs: u64| {
        let end = Instant::now() + Duration::from_secs(secs);
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            if let Ok(Report::DatasetChanged) = rx.recv_timeout(left) {
                return true;
            }
        }
        false
    };
    assert!(!changed(&rx, 7), "nothing changed yet");
    let raw = t.path().join("raw.png");
    let px: Vec<u8> = (0..300u32 * 300)
        .map(|i| ((i % 300) / 3 + (i / 300) / 4) as u8)
        .collect();
    common::write_grey(&raw, 300, 300, &px);
    common::semcurate()
        .args([
            "import",
            "--quiet",
            "--pixel-size",
            "0.5",
            "--sample",
            "new",
            "--into",
        ])
        .arg(&root)
        .arg(&raw)
        .assert()
        .success();
    assert!(changed(&rx, 10), "the import was noticed");
    assert!(!changed(&rx, 7), "and reported once");
    drop(task_tx);
    thread.join().unwrap();
}
