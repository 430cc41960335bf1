//! Data safety (SPEC 2.4): no command writes into the dataset folder outside its workspace;
//! several processes share a workspace; work that must not run twice takes a lock; bad or
//! empty input is an error, not a silent success.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{semcurate, snapshot, synth_small, tiny_model, write};
use semcurate::dataset::ClassSchema;

fn stderr_of(cmd: &mut assert_cmd::Command) -> (Option<i32>, String) {
    let o = cmd.output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn dataset_and_model(t: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let root = t.join("data");
    synth_small(&root);
    let model = t.join("model");
    tiny_model(&model, ClassSchema::default(), 3, 1.0);
    (root, model)
}

#[test]
fn predict_out_into_the_dataset_is_refused_and_nothing_changes() {
    let t = tempfile::tempdir().unwrap();
    let (root, model) = dataset_and_model(t.path());
    let before = snapshot(&root);
    let link = t.path().join("innocent-looking");
    std::os::unix::fs::symlink(root.join("10003"), &link).unwrap();
    for (out, says) in [
        (root.clone(), "it is the dataset folder itself"),
        (root.join("10003"), "lies inside the dataset folder"),
        (
            root.join("new/predictions"),
            "lies inside the dataset folder",
        ),
        (t.path().to_path_buf(), "lies inside it"),
        (link, "lies inside the dataset folder"),
    ] {
        let (code, err) = stderr_of(
            semcurate()
                .args(["predict", "--quiet", "--model"])
                .arg(&model)
                .arg("--out")
                .arg(&out)
                .arg(&root),
        );
        assert_eq!(code, Some(2), "--out {}: {err}", out.display());
        assert!(
            err.contains("refusing to write") && err.contains(says),
            "{err}"
        );
    }
    assert_eq!(snapshot(&root), before, "the dataset's files are unchanged");
    // Nothing was predicted either: the refusal comes before any work.
    assert!(!root.join(".semcurate").exists());
    // Beside the dataset is fine.
    semcurate()
        .args(["predict", "--quiet", "--model"])
        .arg(&model)
        .arg("--out")
        .arg(t.path().join("pred"))
        .arg(&root)
        .assert()
        .success();
    assert!(t.path().join("pred/10003/output-images").is_dir());
    assert_eq!(snapshot(&root), before);
}

#[test]
fn other_outputs_into_the_dataset_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let (root, model) = dataset_and_model(t.path());
    let before = snapshot(&root);
    let image = root.join("10003/input-images/10003_s01-t01.png");
    assert!(image.is_file());
    let cases: Vec<(Vec<std::ffi::OsString>, &str)> = vec![
        (
            vec![
                "audit".into(),
                "--model".into(),
                model.clone().into(),
                "--plot".into(),
                root.join("plots").into(),
                root.clone().into(),
            ],
            "audit --plot",
        ),
        (
            vec![
                "train".into(),
                "--out".into(),
                root.join("10003/model").into(),
                "--epochs".into(),
                "1".into(),
                root.clone().into(),
            ],
            "train --out",
        ),
        (
            vec![
                "show".into(),
                image.clone().into(),
                "--out".into(),
                image.clone().into(),
            ],
            "show --out onto the image",
        ),
    ];
    for (args, what) in cases {
        let (code, err) = stderr_of(semcurate().args(&args));
        assert_eq!(code, Some(2), "{what}: {err}");
        assert!(err.contains("refusing to write"), "{what}: {err}");
    }
    assert_eq!(snapshot(&root), before, "the dataset's files are unchanged");
    // The workspace is ours: plots may go there.
    semcurate()
        .args(["predict", "--quiet", "--model"])
        .arg(&model)
        .arg(&root)
        .assert()
        .code(0);
    semcurate()
        .args(["audit", "--quiet", "--model"])
        .arg(&model)
        .arg("--plot")
        .arg(root.join(".semcurate/plots"))
        .arg(&root)
        .assert()
        .code(0);
    assert_eq!(snapshot(&root), before);
}

/// Two `semcurate predict --json` processes started together on `root`.
fn predict_twice_at_once(
    root: &Path,
    model: &Path,
    extra: &[&str],
) -> (std::process::Output, std::process::Output) {
    let spawn = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("semcurate"))
            .args(["predict", "--json", "--quiet", "--model"])
            .arg(model)
            .args(extra)
            .arg(root)
            .output()
            .unwrap()
    };
    std::thread::scope(|s| {
        let a = s.spawn(spawn);
        let b = s.spawn(spawn);
        (a.join().unwrap(), b.join().unwrap())
    })
}

#[test]
fn two_predicts_at_once_both_succeed_and_the_work_is_done_once() {
    let t = tempfile::tempdir().unwrap();
    let (root, model) = dataset_and_model(t.path());
    // A fresh dataset: both processes create the workspace at the same moment.
    let (a, b) = predict_twice_at_once(&root, &model, &[]);
    let mut predicted = 0;
    for o in [&a, &b] {
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{err}");
        assert!(!err.contains("already exists"), "{err}");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        predicted += v["predicted"].as_u64().unwrap();
        assert_eq!(v["images"], 10);
    }
    assert_eq!(
        predicted, 10,
        "each image predicted by exactly one of the two"
    );
}

#[test]
fn a_held_predict_lock_names_its_holder_to_the_one_that_waits() {
    let t = tempfile::tempdir().unwrap();
    let (root, model) = dataset_and_model(t.path());
    semcurate()
        .args(["index", "--quiet"])
        .arg(&root)
        .assert()
        .code(0);
    let lock = semcurate::dataset::lock::JobLock::try_acquire(&root.join(".semcurate"), "predict")
        .unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("semcurate"))
        .args(["predict", "--model"])
        .arg(&model)
        .arg(&root)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "it waits while the lock is held"
    );
    drop(lock);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let pid = std::process::id().to_string();
    assert!(
        err.contains("waiting: another predict is running") && err.contains(&format!("pid {pid}")),
        "{err}"
    );
}

#[test]
fn unreadable_images_make_predict_exit_1_and_are_listed() {
    let t = tempfile::tempdir().unwrap();
    let (root, model) = dataset_and_model(t.path());
    let broken = [
        root.join("10003/input-images/10003_s01-t02.png"),
        root.join("12002/input-images/12002_s01-t01.png"),
    ];
    for b in &broken {
        write(b, b"\x89PNG\r\n\x1a\n not really a png");
    }
    let o = semcurate()
        .args(["predict", "--json", "--quiet", "--model"])
        .arg(&model)
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["images"], 10);
    assert_eq!(v["predicted"], 8);
    let listed: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "unreadable_image")
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [
            "10003/input-images/10003_s01-t02.png",
            "12002/input-images/12002_s01-t01.png"
        ]
    );
}

#[test]
fn nothing_to_work_on_is_exit_2_and_leaves_no_workspace() {
    let t = tempfile::tempdir().unwrap();
    let empty = t.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let no_images = t.path().join("no-images");
    write(
        &no_images.join("10003/input-features/a.txt"),
        b"pixel_size: 1\n",
    );
    write(&no_images.join("10003/notes.md"), b"# notes\n");
    for root in [&empty, &no_images] {
        let (code, err) = stderr_of(semcurate().args(["index"]).arg(root));
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains("no images under") || err.contains("no sample folders"),
            "{err}"
        );
        assert!(!root.join(".semcurate").exists(), "{}", root.display());
    }
}

#[test]
fn mask_map_mistakes_are_named() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    synth_small(&root);
    let (code, err) = stderr_of(
        semcurate()
            .args(["index", "--mask-map", "0=1,0=2"])
            .arg(&root),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("value 0 is mapped twice (to 1 and to 2)"),
        "{err}"
    );
    // Classes the map leaves out are "not in --mask-map", not "outside the class ids".
    let o = semcurate()
        .args(["index", "--json", "--quiet", "--mask-map", "0=0,1=1,2=2"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("not in --mask-map"), "{text}");
    assert!(!text.contains("outside the class ids"), "{text}");
}

#[test]
fn a_utf16_pixel_size_file_is_named() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    synth_small(&root);
    let feat = root.join("10003/input-features/10003_s01-t01.txt");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "pixel_size: 2.1629\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    std::fs::write(&feat, utf16).unwrap();
    let o = semcurate()
        .args(["index", "--json", "--quiet"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("UTF-16") && text.contains("save it as UTF-8"),
        "{text}"
    );
}

#[test]
fn two_redos_at_once_redo_the_work_once() {
    let t = tempfile::tempdir().unwrap();
    let (root, model) = dataset_and_model(t.path());
    semcurate()
        .args(["predict", "--quiet", "--model"])
        .arg(&model)
        .arg(&root)
        .assert()
        .code(0);
    // Stored predictions are older than the next commands (second resolution).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (a, b) = predict_twice_at_once(&root, &model, &["--redo"]);
    let mut counts = Vec::new();
    for o in [&a, &b] {
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        counts.push((
            v["predicted"].as_u64().unwrap(),
            v["skipped"].as_u64().unwrap(),
        ));
    }
    counts.sort_unstable();
    assert_eq!(
        counts,
        vec![(0, 10), (10, 0)],
        "one redid all ten, the other kept them"
    );
}
