//! Messages that say what went wrong and what to do (issue 22): each test makes the fault a
//! user met and checks the exit code and the words of the message.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{semcurate, synth_small, tiny_model};
use semcurate::dataset::ClassSchema;

/// Runs `cmd`; returns its exit code and stderr.
fn fails(cmd: &mut assert_cmd::Command) -> (i32, String) {
    let o = cmd.output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn predict(root: &Path, model: &Path) -> assert_cmd::Command {
    let mut cmd = semcurate();
    cmd.args(["predict", "--quiet", "--model"])
        .arg(model)
        .arg(root);
    cmd
}

#[test]
fn a_missing_weights_file_is_named_with_its_bin_and_what_to_do() {
    let t = tempfile::tempdir().unwrap();
    let (root, model) = (t.path().join("d"), t.path().join("m"));
    synth_small(&root);
    tiny_model(&model, ClassSchema::default(), 3, 1.0);
    std::fs::remove_file(model.join("bin1.safetensors")).unwrap();
    for cmd in [
        &mut predict(&root, &model),
        semcurate()
            .args(["merge", "--quiet", "--model"])
            .arg(&model)
            .arg(&root),
    ] {
        let (code, err) = fails(cmd);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("'bin1.safetensors' is missing from the model folder"),
            "{err}"
        );
        assert!(err.contains("bin 1 (> 1 µm/px)"), "{err}");
        assert!(
            err.contains("pass --model with the folder that has it"),
            "{err}"
        );
        assert!(!err.contains("cannot write"), "{err}");
    }
}

/// A workspace database overwritten with garbage, or with its pages garbled behind an intact
/// header: the file is named, what a workspace holds is said, and how to start again.
#[test]
fn a_damaged_workspace_says_which_file_and_how_to_start_again() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    synth_small(&root);
    let index = || {
        let mut cmd = semcurate();
        cmd.args(["index", "--quiet"]).arg(&root);
        cmd
    };
    index().assert().success();
    let db = root.join(".semcurate/index.sqlite");
    let good = std::fs::read(&db).unwrap();
    let garbage: Vec<u8> = (0..5000u32).map(|i| (i * 37 % 251) as u8).collect();
    let mut garbled = good.clone();
    for (i, b) in garbled.iter_mut().enumerate().skip(100) {
        *b = (i * 37 % 251) as u8;
    }
    for (bytes, reason) in [
        (garbage, "(file is not a database)"),
        (garbled, "(database disk image is malformed)"),
    ] {
        std::fs::write(&db, bytes).unwrap();
        for cmd in [
            &mut index(),
            semcurate().args(["stats", "--quiet"]).arg(&root),
        ] {
            let (code, err) = fails(cmd);
            assert_eq!(code, 2, "{err}");
            let want = format!(
                "the workspace database '{}' is damaged {reason}",
                db.display()
            );
            assert!(err.contains(&want), "{err}");
            assert!(
                err.contains("plus your corrections and review decisions"),
                "{err}"
            );
            let aside = format!("move the folder '{}' aside", db.parent().unwrap().display());
            assert!(err.contains(&aside), "{err}");
            assert!(
                err.contains("run `semcurate index` on the dataset again"),
                "{err}"
            );
            assert!(!err.contains("Error code"), "{err}");
        }
    }
}
