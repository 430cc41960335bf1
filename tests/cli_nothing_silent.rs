//! Issue 22's "nothing silent" cases, each as a user meets it on the command line: a workspace
//! inside the dataset, sizes the study's U-Net cannot take, NaN and blank images, pixel sizes
//! outside 1 pm–1 m, a FIFO among the images, a name that is not UTF-8, a pixel-size file that
//! holds garbage, and read-only folders.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{features, grey_png, mask_png, semcurate, write};
use semcurate::export::manifest::read;

/// One sample `10003` of labelled images `NAME` (w×h), 2 µm/px.
fn dataset(root: &Path, images: &[(&str, u32, u32)]) {
    for &(name, w, h) in images {
        write(
            &root.join(format!("10003/input-images/{name}.png")),
            &grey_png(w, h),
        );
        write(
            &root.join(format!("10003/output-images/{name}.png")),
            &mask_png(w, h, 4),
        );
        write(
            &root.join(format!("10003/input-features/{name}.txt")),
            &features("2"),
        );
    }
}

fn run(args: &[&str], paths: &[&Path]) -> (Option<i32>, String, String) {
    let o = semcurate()
        .args(args)
        .args(paths)
        .timeout(Duration::from_mins(2))
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn export_json(root: &Path, out: &Path) -> (Option<i32>, serde_json::Value) {
    let (code, stdout, stderr) = run(&["export", "--quiet", "--json"], &[root, out]);
    let v = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    (code, v)
}

fn reasons(v: &serde_json::Value) -> Vec<(String, String)> {
    v["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["image"].as_str().unwrap().to_string(),
                l["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_workspace_inside_the_dataset_is_refused_before_anything_is_written() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    dataset(&root, &[("a", 32, 32)]);
    let before = common::snapshot(&root);
    let inside = root.join("10003/input-images");
    let (code, _, err) = run(&["index", "--workspace"], &[&inside, &root]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("refusing --workspace"), "{err}");
    assert!(err.contains("lies inside the dataset folder"), "{err}");
    #[cfg(unix)]
    {
        let link = t.path().join("ws-link");
        std::os::unix::fs::symlink(root.join("10003"), &link).unwrap();
        let (code, _, err) = run(&["stats", "--workspace"], &[&link, &root]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("refusing --workspace"), "{err}");
    }
    assert_eq!(
        common::snapshot(&root),
        before,
        "nothing written into the dataset"
    );
    // Beside the dataset is fine.
    let (code, _, err) = run(
        &["index", "--quiet", "--workspace"],
        &[&t.path().join("ws"), &root],
    );
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn exported_sizes_are_multiples_of_8_and_too_small_images_are_counted() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    // 50×42 as an FEI image cut at its data bar might be; 5×5 cannot be cut to 8.
    dataset(&root, &[("odd", 50, 42), ("even", 40, 32), ("tiny", 5, 5)]);
    let out = t.path().join("out");
    let (code, v) = export_json(&root, &out);
    assert_eq!(code, Some(0), "{v}");
    let m = read(&out).unwrap();
    let size = |n: &str| {
        let r = m.images.iter().find(|r| r.name == n).unwrap();
        (r.width, r.height, r.cut_right, r.cut_bottom)
    };
    assert_eq!(size("odd"), (48, 40, 2, 2));
    assert_eq!(size("even"), (40, 32, 0, 0));
    assert!(m.size_rule.contains("multiple of 8"), "{}", m.size_rule);
    assert_eq!(
        v["skipped"]["under 8 px on a side, too small for the study's U-Net"], 1,
        "{v}"
    );
    let (w, h, px) = common::read_grey(&out.join("10003/input-images/odd.png"));
    assert_eq!((w, h), (48, 40));
    // The kept region is the top-left of the source, row by row.
    let src: Vec<u8> = (0..50u32 * 42).map(|i| (i * 7 % 256) as u8).collect();
    assert_eq!(&px[..48], &src[..48]);
    assert_eq!(&px[48..96], &src[50..98]);
    if let Some(py) = common::python() {
        let (code, text) = common::check_export(&py, &out);
        assert_eq!(code, 0, "{text}");
    }
    // A tile size that is not a multiple of 8 is refused by the command line.
    let (code, _, err) = run(&["export", "--tile", "100"], &[&root, &t.path().join("o2")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("multiple of 8"), "{err}");
}

/// A 32-bit float TIFF of `values`.
fn float_tiff(w: u32, h: u32, values: &[f32]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    tiff::encoder::TiffEncoder::new(&mut buf)
        .unwrap()
        .write_image::<tiff::encoder::colortype::Gray32Float>(w, h, values)
        .unwrap();
    buf.into_inner()
}

#[test]
fn nan_and_blank_images_are_problems_and_are_not_exported() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    dataset(&root, &[("good", 16, 16)]);
    let n = 16 * 16;
    let mut partial: Vec<f32> = (0..n).map(|i| i as f32 / n as f32).collect();
    partial[3] = f32::NAN;
    let cases: [(&str, Vec<f32>); 3] = [
        ("allnan", vec![f32::NAN; n]),
        ("partnan", partial),
        ("flat", vec![0.5; n]),
    ];
    for (name, values) in &cases {
        write(
            &root.join(format!("10003/input-images/{name}.tif")),
            &float_tiff(16, 16, values),
        );
        write(
            &root.join(format!("10003/output-images/{name}.png")),
            &mask_png(16, 16, 4),
        );
        write(
            &root.join(format!("10003/input-features/{name}.txt")),
            &features("2"),
        );
    }
    let (code, stdout, _) = run(
        &["index", "--json", "--quiet", "--workspace"],
        &[&t.path().join("ws"), &root],
    );
    assert_eq!(code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let msg = |stem: &str| -> String {
        v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["path"].as_str().unwrap().contains(stem))
            .map(|p| format!("{}: {}", p["kind"], p["message"]))
            .unwrap_or_default()
    };
    assert!(msg("allnan").contains("every pixel is NaN"), "{v}");
    assert!(msg("partnan").contains("1 of 256 px are NaN"), "{v}");
    assert!(msg("flat").contains("every pixel has the value 0.5"), "{v}");
    let out = t.path().join("out");
    let (code, stdout, _) = run(
        &[
            "export",
            "--quiet",
            "--json",
            "--workspace",
            t.path().join("ws").to_str().unwrap(),
        ],
        &[&root, &out],
    );
    assert_eq!(code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let left: Vec<String> = reasons(&v).into_iter().map(|(i, _)| i).collect();
    assert_eq!(
        left,
        [
            "10003/input-images/allnan.tif",
            "10003/input-images/flat.tif",
            "10003/input-images/partnan.tif"
        ]
    );
    assert_eq!(read(&out).unwrap().images.len(), 1);
}

#[test]
fn pixel_sizes_outside_a_picometre_to_a_metre_are_refused_by_file_and_value() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    dataset(
        &root,
        &[
            ("big", 16, 16),
            ("small", 16, 16),
            ("junk", 16, 16),
            ("ok", 16, 16),
        ],
    );
    write(
        &root.join("10003/input-features/big.txt"),
        b"pixel_size: 1e30\n",
    );
    write(
        &root.join("10003/input-features/small.txt"),
        b"pixel_size: 1e-300\n",
    );
    write(
        &root.join("10003/input-features/junk.txt"),
        b"pixel_size: n/a\n",
    );
    let out = t.path().join("out");
    let (code, v) = export_json(&root, &out);
    assert_eq!(code, Some(1), "{v}");
    let left = reasons(&v);
    assert_eq!(left.len(), 3, "{left:?}");
    for (image, reason) in &left {
        let stem = Path::new(image).file_stem().unwrap().to_string_lossy();
        assert!(
            reason.contains(&format!(
                "'10003/input-features/{stem}.txt' does not give one"
            )),
            "{image}: {reason}"
        );
        assert!(!reason.contains("add "), "the file exists: {reason}");
    }
    let (_, stdout, _) = run(&["index", "--json", "--quiet"], &[&root]);
    assert!(
        stdout.contains("1e30 µm/px is outside 1 pm–1 m per pixel")
            || stdout
                .contains("1000000000000000000000000000000 µm/px is outside 1 pm–1 m per pixel"),
        "{stdout}"
    );
    let m = read(&out).unwrap();
    assert_eq!(m.images.len(), 1);
    assert_eq!(
        fs::read_to_string(out.join("10003/input-features/ok.txt")).unwrap(),
        "pixel_size: 2\n"
    );
    let (code, _, err) = run(&["index", "--pixel-size", "1e-300"], &[&root]);
    assert_eq!(code, Some(2));
    assert!(err.contains("outside 1 pm–1 m per pixel"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_fifo_and_a_non_utf8_name_are_named_and_nothing_hangs() {
    use std::os::unix::ffi::OsStrExt;
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    dataset(&root, &[("a", 16, 16)]);
    let fifo = root.join("10003/input-images/x.png");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let bad = root
        .join("10003/input-images")
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9.png"));
    fs::write(&bad, grey_png(16, 16)).unwrap();
    // `run` has a timeout: a FIFO opened would block until it.
    let out = t.path().join("out");
    let (code, v) = export_json(&root, &out);
    assert_eq!(code, Some(1), "{v}");
    let left = reasons(&v);
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(
        left.iter()
            .any(|(i, r)| i.ends_with("x.png") && r.contains("not a regular file")),
        "{left:?}"
    );
    assert!(
        left.iter()
            .any(|(i, r)| i.contains("caf") && r.contains("not valid UTF-8")),
        "{left:?}"
    );
    // Predict reads the same index: it ends, and predicts the one real image.
    let (code, _, err) = run(&["predict", "--quiet"], &[&root]);
    assert!(matches!(code, Some(0 | 1)), "{code:?} {err}");
    // A FIFO given to import is refused before it is opened.
    let (code, stdout, _) = run(
        &["import", "--sample", "raw", "--pixel-size", "1", "--into"],
        &[&t.path().join("new"), &fifo],
    );
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("not a regular file"), "{stdout}");
}

/// Runs `f` with `dir` made read-only by a bind mount (root only; skipped otherwise).
fn with_read_only(dir: &Path, f: impl FnOnce()) {
    let mount = |args: &[&str]| {
        std::process::Command::new("mount")
            .args(args)
            .status()
            .is_ok_and(|s| s.success())
    };
    let d = dir.to_str().unwrap();
    if !mount(&["--bind", d, d]) {
        eprintln!("skipped: cannot bind-mount (not root?)");
        return;
    }
    let ro = mount(&["-o", "remount,ro,bind", d]);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if ro {
            f();
        } else {
            eprintln!("skipped: cannot remount read-only");
        }
    }));
    std::process::Command::new("umount")
        .arg(d)
        .status()
        .unwrap();
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}

#[test]
fn read_only_folders_say_so_and_name_the_way_out() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    dataset(&root, &[("a", 16, 16)]);
    let (code, _, err) = run(&["index", "--quiet"], &[&root]);
    assert_eq!(code, Some(0), "{err}");
    fs::write(root.join("10003/input-features/a.txt"), "pixel_size: 3\n").unwrap();
    let ws: PathBuf = t.path().join("own-ws");
    with_read_only(&root, || {
        // The workspace must record the changed file, and cannot.
        let (code, _, err) = run(&["stats"], &[&root]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("mounted read-only"), "{err}");
        assert!(err.contains("--workspace DIR"), "{err}");
        assert!(
            !err.contains("chmod"),
            "no permission helps on a read-only mount: {err}"
        );
        let (code, _, err) = run(&["stats", "--quiet", "--workspace"], &[&ws, &root]);
        assert_eq!(
            code,
            Some(0),
            "a read-only dataset is browsable with --workspace: {err}"
        );
        let raw = t.path().join("raw.png");
        fs::write(&raw, grey_png(64, 64)).unwrap();
        let (code, _, err) = run(
            &[
                "import",
                "--sample",
                "new",
                "--pixel-size",
                "1",
                "--workspace",
                ws.to_str().unwrap(),
                "--into",
            ],
            &[&root, &raw],
        );
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains("cannot add files to the dataset folder"),
            "{err}"
        );
    });
}

#[test]
fn a_mask_file_changed_under_edits_is_left_out_with_the_way_to_resolve_it() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    dataset(&root, &[("a", 16, 16), ("b", 16, 16)]);
    common::correct(&root, "10003", "a", |i, _| i < 10, 3);
    // The mask file is replaced after the correction (same size, other classes).
    write(
        &root.join("10003/output-images/a.png"),
        &mask_png(16, 16, 2),
    );
    let (code, v) = export_json(&root, &t.path().join("out"));
    assert_eq!(code, Some(1), "{v}");
    let left = reasons(&v);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].0, "10003/input-images/a.png");
    assert!(
        left[0]
            .1
            .contains("changed on disk after it was edited here"),
        "{left:?}"
    );
    assert!(left[0].1.contains("put the earlier file back"), "{left:?}");
}

#[test]
fn a_pixel_size_given_once_is_kept_for_the_commands_that_follow() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data");
    dataset(&root, &[("a", 16, 16), ("b", 16, 16)]);
    for n in ["a", "b"] {
        fs::remove_file(root.join(format!("10003/input-features/{n}.txt"))).unwrap();
    }
    let (code, _, err) = run(&["index", "--quiet", "--pixel-size", "0.5"], &[&root]);
    assert_eq!(code, Some(0), "{err}");
    // Later commands without the flag: the images keep their pixel size.
    let (code, stdout, err) = run(&["stats", "--json", "--quiet"], &[&root]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["totals"]["no_pixel_size"], 0, "{v}");
    let out = t.path().join("out");
    let (code, _, err) = run(&["export", "--quiet"], &[&root, &out]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        fs::read_to_string(out.join("10003/input-features/a.txt")).unwrap(),
        "pixel_size: 0.5\n"
    );
}
