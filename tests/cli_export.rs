//! `semcurate export`: the study's layout and rules, corrections and decisions, schemas, tiles,
//! bad input, refusal of what is not its own, byte-identical repeats, and kill -9 safety.
#![allow(clippy::unwrap_used, clippy::naive_bytecount)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{
    check_export, correct, decide, python, read_grey, semcurate, synth_small, synth_small_with,
    tiny_model, tree,
};
use semcurate::export::manifest::{Manifest, read};

/// The bundled demo dataset copied without its workspace.
fn demo_copy(to: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo");
    for e in walkdir::WalkDir::new(&src)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".semcurate")
        .filter_map(Result::ok)
    {
        let rel = e.path().strip_prefix(&src).unwrap();
        let dst = to.join(rel);
        if e.file_type().is_dir() {
            fs::create_dir_all(&dst).unwrap();
        } else {
            fs::copy(e.path(), &dst).unwrap();
        }
    }
    to.to_path_buf()
}

fn export(root: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    semcurate()
        .args(["export", "--quiet"])
        .arg(root)
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn ok(o: &std::process::Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn row<'m>(m: &'m Manifest, name: &str) -> &'m semcurate::export::manifest::ManifestRow {
    m.images
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("{name} not in the manifest"))
}

fn study_check(out: &Path) {
    if let Some(py) = python() {
        let (code, text) = check_export(&py, out);
        assert_eq!(code, 0, "check_export.py:\n{text}");
        assert!(text.contains("OK"), "{text}");
    }
}

#[test]
fn demo_export_loads_as_the_study_loads_it_and_repeats_byte_for_byte() {
    let t = tempfile::tempdir().unwrap();
    let root = demo_copy(&t.path().join("demo"));
    let before = common::snapshot(&root);
    let out = t.path().join("x");
    ok(&export(&root, &out, &[]));
    assert_eq!(
        common::snapshot(&root),
        before,
        "export never touches the dataset's files"
    );
    let m = read(&out).unwrap();
    assert_eq!(
        m.images.len(),
        60,
        "every labelled demo image, none unlabelled"
    );
    assert!(
        m.images
            .iter()
            .all(|r| r.mask_source == "file" && !r.renamed)
    );
    assert_eq!(m.class_short.len(), 10);
    // The exported pixels are the source's.
    let r = row(&m, "10003_s01-t02");
    assert_eq!(
        read_grey(&out.join(&r.mask)).2,
        read_grey(&root.join(r.source_mask.as_deref().unwrap())).2
    );
    assert_eq!(
        read_grey(&out.join(&r.image)).2,
        read_grey(&root.join(&r.source_image)).2
    );
    assert_eq!(
        fs::read_to_string(out.join(&r.features)).unwrap(),
        "pixel_size: 0.0238\nrock type: ilmenite basalt\n"
    );
    assert_eq!(r.class_pixels.iter().sum::<u64>(), 256 * 256);
    // Splits as the workspace has them: no group in two splits.
    let mut groups = std::collections::BTreeMap::new();
    for r in &m.images {
        let g = (
            r.sample.clone(),
            r.name.split('-').next().unwrap().to_string(),
        );
        assert_eq!(groups.entry(g).or_insert_with(|| r.split.clone()), &r.split);
    }
    study_check(&out);
    let first = tree(&out);
    ok(&export(&root, &out, &["--force"]));
    assert_eq!(tree(&out), first, "the same input gives the same bytes");
    // Nothing but OUT is left beside it.
    let beside: Vec<_> = fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside.len(), 2, "{beside:?}");
}

#[test]
fn corrections_acceptances_and_rejections_are_exported_as_decided() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    synth_small(&root);
    let model = t.path().join("m");
    tiny_model(&model, semcurate::dataset::ClassSchema::default(), 3, 1.0);
    common::predict(&root, &model, None);
    // Every pyroxene pixel of one tile relabelled olivine; the top rows of another Void.
    let corrected = correct(&root, "10003", "10003_s01-t01", |_, c| c == 4, 7);
    let changed = corrected.iter().filter(|&&c| c == 7).count() as u64;
    correct(&root, "12002", "12002_s01-t02", |i, _| i < 48 * 3, 0);
    decide(&root, "12002", "12002_s01-t02", "accepted");
    decide(&root, "10003", "10003_s01-t03", "rejected");
    decide(&root, "12002", "12002_s02-t01", "accepted");
    let out = t.path().join("x");
    ok(&export(&root, &out, &[]));
    let m = read(&out).unwrap();
    assert_eq!(
        m.images.len(),
        8,
        "8 labelled - 1 rejected + 1 accepted proposal"
    );
    assert!(m.images.iter().all(|r| r.name != "10003_s01-t03"));
    let c = row(&m, "10003_s01-t01");
    assert_eq!(c.mask_source, "corrected");
    assert_eq!(c.edited_by, vec!["tester".to_string()]);
    assert!(
        c.changed_pixels > 0 && c.class_pixels[7] == changed,
        "{c:?}"
    );
    assert_eq!(read_grey(&out.join(&c.mask)).2, corrected);
    assert!(c.proposal_model.is_some() && c.proposal_dice.is_some());
    let a = row(&m, "12002_s01-t02");
    assert_eq!(
        (a.mask_source.as_str(), a.review_status.as_str()),
        ("corrected", "accepted")
    );
    assert_eq!(a.decided_by.as_deref(), Some("tester"));
    let p = row(&m, "12002_s02-t01");
    assert_eq!(
        (p.mask_source.as_str(), p.proposal_dice),
        ("proposal", Some(1.0))
    );
    study_check(&out);
    // Only what a person touched.
    let only = t.path().join("only");
    ok(&export(&root, &only, &["--only", "corrected,accepted"]));
    let names: Vec<String> = read(&only)
        .unwrap()
        .images
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["10003_s01-t01", "12002_s01-t02", "12002_s02-t01"]);
}

#[test]
fn refuses_folders_that_are_not_its_own_and_replaces_only_with_force() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    synth_small(&root);
    let other = t.path().join("e");
    synth_small_with(&other, &["--pixel-size-range", "0.5,1"]);
    let busy = t.path().join("busy");
    fs::create_dir(&busy).unwrap();
    fs::write(busy.join("notes.txt"), "mine").unwrap();
    let o = export(&root, &busy, &["--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("holds no semcurate export"));
    assert_eq!(fs::read_to_string(busy.join("notes.txt")).unwrap(), "mine");
    let out = t.path().join("x");
    ok(&export(&root, &out, &[]));
    let o = export(&root, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("pass --force"));
    let o = export(&other, &out, &["--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("another dataset"));
    // A sample folder of an indexed dataset: the user is told its workspace is the root's.
    let sample_out = t.path().join("sample-x");
    let o = semcurate()
        .arg("export")
        .arg(root.join("10003"))
        .arg(&sample_out)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is a sample of the dataset"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let inside = root.join("10003/exported");
    let o = export(&root, &inside, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!inside.exists());
}

#[test]
fn extended_masks_collapse_into_the_default_schema() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    semcurate()
        .args([
            "synth",
            "--samples",
            "2",
            "--per-sample",
            "6",
            "--size",
            "96",
        ])
        .args(["--seed", "11", "--schema", "extended", "--quiet"])
        .arg(&root)
        .assert()
        .success();
    let src = t.path().join("src");
    ok(&export(&root, &src, &[]));
    let out = t.path().join("x");
    ok(&export(&root, &out, &["--schema", "default"]));
    let (s, m) = (read(&src).unwrap(), read(&out).unwrap());
    assert_eq!(s.class_short.len(), 11);
    assert_eq!(m.class_short.len(), 10);
    assert_eq!(m.class_map, vec![(10, 9)]);
    assert!(
        fs::read_to_string(out.join("classes.toml"))
            .unwrap()
            .contains("Other")
    );
    let (zr_ph, other): (u64, u64) = (
        s.images
            .iter()
            .map(|r| r.class_pixels[9] + r.class_pixels[10])
            .sum(),
        m.images.iter().map(|r| r.class_pixels[9]).sum(),
    );
    assert_eq!(zr_ph, other);
    for r in &m.images {
        assert!(read_grey(&out.join(&r.mask)).2.iter().all(|&v| v <= 9));
    }
    study_check(&out);
}

#[test]
fn tiles_cover_each_image_and_keep_its_group() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    synth_small(&root);
    let out = t.path().join("x");
    ok(&export(&root, &out, &["--tile", "32"]));
    let m = read(&out).unwrap();
    assert_eq!(
        m.images.len(),
        8 * 4,
        "48² images in four 32² tiles (the last ones overlap)"
    );
    let r = row(&m, "10003_s01-t01_x16_y16");
    assert_eq!(
        (r.width, r.height, r.tile_x, r.tile_y),
        (32, 32, Some(16), Some(16))
    );
    let full = read_grey(&root.join(r.source_mask.as_deref().unwrap())).2;
    let tile = read_grey(&out.join(&r.mask)).2;
    for y in 0..32 {
        assert_eq!(
            tile[y * 32..y * 32 + 32],
            full[(y + 16) * 48 + 16..(y + 16) * 48 + 48]
        );
    }
    study_check(&out);
    let small = t.path().join("y");
    let o = export(&root, &small, &["--tile", "64"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "nothing to export when every image is smaller"
    );
}

#[test]
fn bad_files_are_left_out_listed_and_never_written() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    synth_small(&root);
    fs::write(
        root.join("10003/output-images/10003_s01-t02.png"),
        b"not a png",
    )
    .unwrap();
    fs::remove_file(root.join("12002/input-features/12002_s01-t01.txt")).unwrap();
    fs::write(
        root.join("12002/input-images/12002_s01-t03.png"),
        b"\x89PNG broken",
    )
    .unwrap();
    let out = t.path().join("x");
    let o = export(&root, &out, &[]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("left out 3 images"), "{text}");
    for name in ["10003_s01-t02", "12002_s01-t01", "12002_s01-t03"] {
        assert!(text.contains(name), "{name} not listed: {text}");
        assert!(
            !tree(&out)
                .keys()
                .any(|p| p.to_string_lossy().contains(name))
        );
    }
    assert_eq!(read(&out).unwrap().images.len(), 5);
    study_check(&out);
}

/// kill -9 at points spread over an export: OUT holds the complete earlier export or the
/// complete new one, never a mix, and a later export cleans up after the killed one.
#[test]
fn kill_during_export_leaves_the_old_export_or_the_new_one() {
    let t = tempfile::tempdir().unwrap();
    let root = demo_copy(&t.path().join("demo"));
    let out = t.path().join("x");
    ok(&export(&root, &out, &[]));
    let old = read(&out).unwrap().fingerprint;
    let bin = assert_cmd::cargo::cargo_bin("semcurate");
    let mut outcomes = Vec::new();
    for k in 0..8u64 {
        let mut child = std::process::Command::new(&bin)
            .args(["export", "--quiet", "--force", "--tile", "128"])
            .arg(&root)
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(60 + 110 * k));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let m = read(&out).unwrap();
        assert!(
            m.fingerprint == old || m.images.len() == 240,
            "a mix: {}",
            m.fingerprint
        );
        let problems =
            semcurate::export::verify::verify(&out, &m, &semcurate::progress::NoProgress);
        assert!(problems.is_empty(), "after kill {k}: {problems:?}");
        let files = tree(&out).len();
        assert_eq!(
            files,
            3 * m.images.len() + 4,
            "no stray files after kill {k}"
        );
        outcomes.push((status.success(), m.fingerprint == old));
        if m.fingerprint != old {
            // Back to the old export for the next round.
            ok(&export(&root, &out, &["--force"]));
        }
    }
    assert!(
        outcomes.iter().any(|(_, o)| *o),
        "no kill landed mid-export: {outcomes:?}"
    );
    ok(&export(&root, &out, &["--force"]));
    let beside = fs::read_dir(t.path()).unwrap().count();
    assert_eq!(
        beside, 2,
        "demo and x only: staging folders of killed runs are removed"
    );
}

/// The study check is not a rubber stamp: it fails on what the study's loader would skip or
/// read differently.
#[test]
fn the_study_check_fails_on_what_the_loader_would_skip_or_misread() {
    let Some(py) = python() else { return };
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    synth_small(&root);
    let out = t.path().join("x");
    ok(&export(&root, &out, &[]));
    assert_eq!(check_export(&py, &out).0, 0);
    let feats = out.join("10003/input-features/10003_s01-t01.txt");
    fs::write(&feats, "pixel size = 2.1629\n").unwrap();
    let (code, text) = check_export(&py, &out);
    assert_eq!(code, 1);
    assert!(text.contains("does not start with 'pixel_size:'"), "{text}");
    fs::remove_file(&feats).unwrap();
    let (_, text) = check_export(&py, &out);
    assert!(text.contains("the loader skips it"), "{text}");
    fs::copy(
        out.join("12002/output-images/12002_s01-t01.png"),
        out.join("12002/output-images/12002_s01-t02.png"),
    )
    .unwrap();
    let (_, text) = check_export(&py, &out);
    assert!(
        text.contains("12002_s01-t02.png: mask pixels differ"),
        "{text}"
    );
}

/// The quirks of real folders (SPEC 2.1): what can be read is exported in the study's form
/// (16-bit PNG and TIFF as 8-bit grey PNG, RGB and palette masks as class ids, odd names
/// renamed), what cannot is listed and left out.
#[test]
fn real_folder_quirks_export_cleanly_or_are_listed() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("q");
    common::quirks_dataset(&root);
    let s = root.join("10003");
    common::write(
        &s.join("input-images/10003_g.v2 x-01.png"),
        &common::grey_png(16, 16),
    );
    common::write(
        &s.join("output-images/10003_g.v2 x-01.png"),
        &common::mask_png(16, 16, 10),
    );
    common::write(
        &s.join("input-features/10003_g.v2 x-01.txt"),
        &common::features("0.5"),
    );
    // A second image file with the same stem: the index takes one, export lists the other.
    common::write(
        &s.join("input-images/10003_a-01.tif"),
        &common::tiff16(16, 12),
    );
    let out = t.path().join("x");
    let o = export(&root, &out, &[]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8_lossy(&o.stdout);
    let m = read(&out).unwrap();
    let names: Vec<&str> = m.images.iter().map(|r| r.name.as_str()).collect();
    for want in [
        "10003_a-01",
        "10003_a-02",
        "10003_b-01",
        "10003_e-01",
        "10003_e-02",
        "10003_f-02",
        "10003_g_v2_x-01",
    ] {
        assert!(
            names.contains(&want),
            "{want} not exported: {names:?}\n{text}"
        );
    }
    // Labelled images with a problem are listed; unlabelled ones (b-03, b-04, d-01: bad pixel
    // sizes, a truncated PNG, no masks) are not the export's business.
    for bad in ["10003_b-02", "10003_d-02", "10003_d-03", "10003_f-01"] {
        assert!(!names.contains(&bad), "{bad} exported");
        assert!(text.contains(bad), "{bad} not listed:\n{text}");
    }
    assert!(!names.contains(&"10003_d-01") && !text.contains("10003_d-01"));
    assert!(text.contains("left out 5 images"), "{text}");
    assert!(text.contains("10003_a-01.tif"), "{text}");
    let tif = row(&m, "10003_e-02");
    assert_eq!(tif.source_image, "10003/input-images/10003_e-02.tif");
    assert!(tif.image.ends_with("10003_e-02.png"));
    let renamed = row(&m, "10003_g_v2_x-01");
    assert!(renamed.renamed);
    assert_eq!(
        renamed.source_image,
        "10003/input-images/10003_g.v2 x-01.png"
    );
    study_check(&out);
}

#[test]
fn names_with_dots_spaces_and_great_length_export_to_safe_names_inside_out() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    let s = root.join("12002");
    let long = format!("12002_{}-01", "x".repeat(240));
    let stems = [
        "12002_..a-01",
        "12002_x..y z-01",
        "12002_.. ..-02",
        long.as_str(),
    ];
    for stem in stems {
        common::write(
            &s.join(format!("input-images/{stem}.png")),
            &common::grey_png(16, 16),
        );
        common::write(
            &s.join(format!("output-images/{stem}.png")),
            &common::mask_png(16, 16, 10),
        );
        common::write(
            &s.join(format!("input-features/{stem}.txt")),
            &common::features("0.5"),
        );
    }
    let out = t.path().join("x");
    let o = export(&root, &out, &[]);
    ok(&o);
    let m = read(&out).unwrap();
    assert_eq!(m.images.len(), stems.len());
    let out_real = out.canonicalize().unwrap();
    let mut files = 0;
    for entry in walkdir::WalkDir::new(&out) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_str().unwrap();
        let real = entry.path().canonicalize().unwrap();
        assert!(
            real.starts_with(&out_real),
            "{} escapes OUT",
            entry.path().display()
        );
        assert!(!name.contains(".."), "unsafe name {name:?}");
        assert!(!name.contains(' '), "name with a space {name:?}");
        assert!(name.len() <= 200, "{} bytes: {name:?}", name.len());
        files += usize::from(entry.file_type().is_file());
    }
    // Image, mask and pixel-size file per image, plus manifest, classes.toml and EXPORT.md.
    assert!(files >= 3 * stems.len() + 3, "{files} files");
    study_check(&out);
}
