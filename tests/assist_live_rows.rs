//! The editor's live assist trains on the dataset's rows (issue 23 §2), end to end through the
//! worker the TUI runs: a dataset on disk, indexed by the binary; strokes on one tile show two
//! of its four phases, the other tiles' masks show all four.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{features, semcurate, write_grey};
use semcurate::assist::UNLABELLED;
use semcurate::assist::synthetic::{clicks, phase_tile};
use semcurate::dataset::ClassSchema;
use semcurate::dataset::load::load_image;
use semcurate::dataset::workspace::Workspace;
use semcurate::jobs::assist_live::rows::{PER_IMAGE_CAP, TOTAL_CAP};
use semcurate::jobs::assist_live::{AssistReq, DatasetMix, DatasetUse, run};
use semcurate::jobs::report::{Outbox, Report};
use semcurate::jobs::runtime::slot::Slot;
use semcurate::jobs::service::Paths;

const SIDE: u32 = 64;

/// Tiles `s1-a`–`s1-c` (seeds 11–13) with complete masks, and `s1-shown` (seed 1) whose mask
/// file says class 3 everywhere: wrong, so that training on it would show. Returns the shown
/// tile's truth.
fn dataset(root: &Path) -> Vec<u8> {
    for (stem, seed) in [("s1-a", 11), ("s1-b", 12), ("s1-c", 13), ("s1-shown", 1)] {
        let (grey, truth) = phase_tile(SIDE as usize, 4, 8, seed);
        let mask = if stem == "s1-shown" {
            vec![3; truth.len()]
        } else {
            truth
        };
        write_grey(
            &root.join(format!("10003/input-images/{stem}.png")),
            SIDE,
            SIDE,
            &grey,
        );
        write_grey(
            &root.join(format!("10003/output-images/{stem}.png")),
            SIDE,
            SIDE,
            &mask,
        );
        common::write(
            &root.join(format!("10003/input-features/{stem}.txt")),
            &features("2"),
        );
    }
    phase_tile(SIDE as usize, 4, 8, 1).1
}

#[test]
fn the_live_assist_adds_the_other_images_rows_once_gathered() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let truth = dataset(root);
    semcurate()
        .args(["index", "--quiet"])
        .arg(root)
        .assert()
        .success();
    let paths = Paths {
        root: root.to_path_buf(),
        workspace: Workspace::default_dir(root),
        schema: ClassSchema::for_dataset(root).unwrap(),
        default_pixel_size: None,
    };
    let ws = Workspace::open(&paths.workspace).unwrap();
    let row = ws
        .images()
        .unwrap()
        .into_iter()
        .find(|r| r.stem == "s1-shown")
        .unwrap();
    // The strokes show phases 0 and 1 only.
    let labels: Vec<u8> = clicks(&truth, SIDE as usize, 5, 1)
        .into_iter()
        .map(|l| if l < 2 { l } else { UNLABELLED })
        .collect();
    let req = AssistReq {
        image: Arc::new(load_image(root, &row).unwrap()),
        row,
        labels,
        n_classes: paths.schema.len(),
        dataset: DatasetMix::AllClasses,
        generation: 1,
    };

    let (tx, rx) = std::sync::mpsc::channel::<Report>();
    let slot = Arc::new(Slot::default());
    let worker = {
        let (slot, outbox, paths) = (Arc::clone(&slot), Outbox::new(tx), paths.clone());
        std::thread::spawn(move || run(&slot, &outbox, &paths))
    };
    slot.put(req);
    // The request is answered, and answered again (same generation) once the rows are ready.
    let mut answers = Vec::new();
    while let Ok(Report::Assisted {
        result, generation, ..
    }) = rx.recv_timeout(Duration::from_mins(2))
    {
        assert_eq!(generation, 1);
        let a = result.unwrap();
        let done = a.dataset != DatasetUse::Loading;
        answers.push(a);
        if done {
            break;
        }
    }
    slot.close();
    worker.join().unwrap();
    let last = answers.last().unwrap();
    assert!(answers.len() <= 2, "{} answers", answers.len());
    // The shown tile's own (wrong) mask is left out: three images, 300 rows per class each,
    // thinned to the cap.
    assert_eq!(
        last.dataset,
        DatasetUse::Rows {
            rows: TOTAL_CAP.min(3 * 4 * PER_IMAGE_CAP),
            images: 3
        }
    );
    let right = last
        .prediction
        .classes
        .iter()
        .zip(&truth)
        .filter(|(p, t)| p == t)
        .count();
    let acc = right as f64 / truth.len() as f64;
    assert!(acc > 0.9, "accuracy {acc}");
    for class in [2, 3] {
        assert!(last.prediction.classes.contains(&class), "class {class}");
    }
}
