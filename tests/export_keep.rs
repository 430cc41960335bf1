//! `export --force` replaces only what the earlier export wrote, and a kill at any step of
//! either swap (the atomic exchange, or the two renames used where NFS refuses it) leaves a
//! complete export at OUT, or the complete old one beside it that the next run puts back.
//! Faults are injected with `SEMCURATE_FAULTS` (src/fault.rs; debug builds only).
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{decide, semcurate, synth_small, tiny_model};
use semcurate::export::manifest::read;

fn export(root: &Path, out: &Path, faults: &str) -> std::process::Output {
    semcurate()
        .args(["export", "--quiet", "--force"])
        .arg(root)
        .arg(out)
        .env("SEMCURATE_FAULTS", faults)
        .output()
        .unwrap()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The files a user keeps in an export folder: notes, a model, a note inside a sample folder.
const FOREIGN: [(&str, &[u8]); 3] = [
    ("NOTES.txt", b"grain boundaries checked by hand\n"),
    ("trained_model/bin0.safetensors", b"not really weights"),
    (
        "10003/notes-on-10003.txt",
        b"sample 10003: thin section 4\n",
    ),
];

/// A dataset, its first export at OUT, OUT indexed (its own workspace), and a user's files
/// added to OUT. Returns (root, out, the first export's fingerprint).
fn exported_with_foreign(t: &Path) -> (PathBuf, PathBuf, String) {
    let root = t.join("data");
    synth_small(&root);
    let out = t.join("out");
    let o = export(&root, &out, "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    semcurate()
        .args(["index", "--quiet"])
        .arg(&out)
        .assert()
        .success();
    for (rel, bytes) in FOREIGN {
        let p = out.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }
    let old = read(&out).unwrap().fingerprint;
    (root, out, old)
}

/// Rejects the first exported image, so the next export differs from the first.
fn change_labels(root: &Path, out: &Path) {
    let m = read(out).unwrap();
    let r = &m.images[0];
    let stem = Path::new(&r.source_image)
        .file_stem()
        .unwrap()
        .to_string_lossy();
    decide(root, &r.sample, &stem, "rejected");
}

fn assert_complete(out: &Path, what: &str) -> String {
    let m = read(out).unwrap_or_else(|e| panic!("{what}: no readable manifest: {e}"));
    let problems = semcurate::export::verify::verify(out, &m, &semcurate::progress::NoProgress);
    assert!(problems.is_empty(), "{what}: {problems:?}");
    m.fingerprint
}

fn assert_foreign_kept(out: &Path, what: &str) {
    for (rel, bytes) in FOREIGN {
        assert_eq!(
            fs::read(out.join(rel)).ok().as_deref(),
            Some(bytes),
            "{what}: {rel} lost or changed"
        );
    }
    assert!(
        out.join(".semcurate/index.sqlite").is_file(),
        "{what}: OUT's workspace lost"
    );
}

#[test]
fn force_replaces_only_what_the_earlier_export_wrote() {
    let t = tempfile::tempdir().unwrap();
    let (root, out, old) = exported_with_foreign(t.path());
    let model = t.path().join("model");
    tiny_model(&model, semcurate::dataset::ClassSchema::default(), 3, 1.0);
    common::predict(&out, &model, None);
    let ws_mode = {
        let p = out.join(".semcurate");
        fs::set_permissions(&p, fs::Permissions::from_mode(0o2750)).unwrap();
        fs::metadata(&p).unwrap().permissions().mode() & 0o7777
    };
    change_labels(&root, &out);
    let o = export(&root, &out, "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let new = assert_complete(&out, "after --force");
    assert_ne!(new, old, "the labels changed, so the export must differ");
    assert_eq!(
        read(&out).unwrap().images.len(),
        7,
        "8 labelled, 1 rejected"
    );
    assert_foreign_kept(&out, "after --force");
    let ws = semcurate::dataset::workspace::Workspace::open(&out.join(".semcurate")).unwrap();
    assert_eq!(
        ws.models().unwrap().len(),
        1,
        "the predictions made on OUT are kept"
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    let kept = stdout
        .lines()
        .find_map(|l| l.strip_prefix("kept, as not written by the earlier export: "))
        .unwrap_or_else(|| panic!("no kept line: {stdout}"));
    // The workspace's file count depends on SQLite's logs and the locks made by predict.
    assert!(kept.starts_with(".semcurate/ ("), "{kept}");
    assert!(
        kept.ends_with("), 10003/ (1 file), NOTES.txt, trained_model/ (1 file)"),
        "{kept}"
    );
    // Folders made again in the new tree keep their modes (a shared workspace's group bits).
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(
        mode(&out.join(".semcurate")),
        ws_mode,
        "the workspace folder's mode"
    );
    // The rejected image's files, written by the earlier export, are gone.
    let names: Vec<String> = read(&out)
        .unwrap()
        .images
        .iter()
        .map(|r| r.image.clone())
        .collect();
    let pngs = walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().to_string_lossy().contains("/input-images/"))
        .count();
    assert_eq!(pngs, names.len(), "no image of the earlier export is left");
}

/// Every step of both swaps, killed: OUT holds the old export or the new one, complete, with
/// the user's files, except in the fallback's gap between its two renames, where the old one
/// lies complete beside OUT. The next export puts it back first, then replaces it.
#[test]
fn a_kill_at_every_step_of_both_swaps_loses_nothing() {
    let steps: [(&str, bool); 11] = [
        ("export:staged", false),
        ("export:linked", false),
        ("export:swapped", false),
        ("export:reconciled", false),
        ("export:committed", false),
        ("export:staged", true),
        ("export:linked", true),
        ("export:aside", true),
        ("export:moved", true),
        ("export:reconciled", true),
        ("export:committed", true),
    ];
    for (step, nfs) in steps {
        let what = format!("{step}{}", if nfs { " (no RENAME_EXCHANGE)" } else { "" });
        let t = tempfile::tempdir().unwrap();
        let (root, out, old) = exported_with_foreign(t.path());
        change_labels(&root, &out);
        let mut faults = format!("abort-at={step}");
        if nfs {
            faults.push_str(",no-rename-exchange");
        }
        let o = export(&root, &out, &faults);
        assert_eq!(
            o.status.code(),
            None,
            "{what}: should have died: {}",
            text(&o)
        );
        if step == "export:aside" {
            assert!(!out.exists(), "{what}: the gap between the renames");
            let aside = fs::read_dir(t.path())
                .unwrap()
                .filter_map(Result::ok)
                .find(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with(".out.semcurate-export-old-")
                })
                .unwrap_or_else(|| panic!("{what}: no old export beside OUT"));
            assert_eq!(assert_complete(&aside.path(), &what), old);
            // Any command given OUT as its dataset puts the old export back first.
            let o = semcurate()
                .args(["stats", "--quiet"])
                .arg(&out)
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(0), "{what}: {}", text(&o));
            assert!(
                String::from_utf8_lossy(&o.stderr).contains("back from"),
                "{}",
                text(&o)
            );
            assert_eq!(assert_complete(&out, &what), old);
            assert_foreign_kept(&out, &what);
        } else {
            let fp = assert_complete(&out, &what);
            assert_foreign_kept(&out, &what);
            let killed_before_swap = step.ends_with("staged") || step.ends_with("linked");
            assert_eq!(
                fp == old,
                killed_before_swap,
                "{what}: old or new as expected"
            );
        }
        let o = export(&root, &out, "");
        assert_eq!(o.status.code(), Some(0), "{what}, rerun: {}", text(&o));
        let fp = assert_complete(&out, &format!("{what}, rerun"));
        assert_ne!(fp, old, "{what}: the rerun writes the new export");
        assert_foreign_kept(&out, &format!("{what}, rerun"));
        let beside: Vec<String> = fs::read_dir(t.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let mut beside = beside;
        beside.sort();
        assert_eq!(beside, ["data", "out"], "{what}: leftovers beside OUT");
    }
}
