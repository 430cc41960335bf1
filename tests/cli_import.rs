//! `semcurate import` on files made here: it only adds files (the dataset's own are left
//! byte for byte, and a differing file of the same name is never replaced), writes each
//! tile atomically with its pixel-size file, tiles a mosaic with overlap, and adds nothing twice.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::fs;

use common::{semcurate, snapshot, synth_small, write_grey};

#[test]
fn import_only_adds_files_and_nothing_twice() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    synth_small(&root);
    // A 600×300 "mosaic" with structure (not blank) and a sidecar pixel size.
    let raw = t.path().join("raw");
    let (w, h) = (600u32, 300u32);
    let px: Vec<u8> = (0..w * h)
        .map(|i| (((i % w) / 7 + (i / w) / 5) % 200) as u8 + 20)
        .collect();
    write_grey(&raw.join("mosaic-1.png"), w, h, &px);
    fs::write(raw.join("mosaic-1.txt"), "pixel_size: 0.8\n").unwrap();
    let before = snapshot(&root);
    let run = || {
        semcurate()
            .args(["import", "--json", "--quiet", "--sample", "15555", "--into"])
            .arg(&root)
            .arg(raw.join("mosaic-1.png"))
            .output()
            .unwrap()
    };
    let o = run();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["pixel_size_source"], "sidecar");
    // 256-px tiles sharing 32 px: x 0, 224, 344 and y 0, 44.
    assert_eq!(v[0]["tiles"], 6);
    let after = snapshot(&root);
    for (p, content) in &before {
        assert_eq!(after.get(p), Some(content), "{} changed", p.display());
    }
    let added: Vec<_> = after.keys().filter(|p| !before.contains_key(*p)).collect();
    assert_eq!(added.len(), 12, "6 tiles and 6 pixel-size files: {added:?}");
    let tile = root.join("15555/input-images/15555_mosaic_1-x344_y44.png");
    let (tw, th, tp) = common::read_grey(&tile);
    assert_eq!((tw, th), (256, 256));
    assert_eq!(tp[0], px[(44 * w + 344) as usize]);
    assert_eq!(
        fs::read_to_string(root.join("15555/input-features/15555_mosaic_1-x344_y44.txt")).unwrap(),
        "pixel_size: 0.8\n"
    );
    assert!(
        !added
            .iter()
            .any(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
    );
    // Again: nothing added, nothing changed.
    let o = run();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["already_imported"], true);
    assert_eq!(snapshot(&root), after);
    // A changed raw file whose tile names are taken by different files: refused, not replaced.
    let mut px2 = px.clone();
    px2[0] = 255;
    write_grey(&raw.join("mosaic-1.png"), w, h, &px2);
    let o = run();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v[0]["error"].as_str().unwrap().contains("never replaces"),
        "{v}"
    );
    assert_eq!(common::read_grey(&tile).2, tp);
}

/// One raw image never lands in two samples (its tiles would be two split groups, so one
/// region could be in train and test); a file whose tiles were deleted is imported again.
#[test]
fn one_raw_image_one_sample_and_deleted_tiles_come_back() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    synth_small(&root);
    let raw = t.path().join("raw");
    let (w, h) = (300u32, 260u32);
    let px: Vec<u8> = (0..w * h)
        .map(|i| (((i % w) / 3 + (i / w) / 4) % 180) as u8 + 30)
        .collect();
    write_grey(&raw.join("scan.png"), w, h, &px);
    let import = |sample: &str| {
        let o = semcurate()
            .args([
                "import",
                "--json",
                "--quiet",
                "--pixel-size",
                "0.5",
                "--sample",
            ])
            .arg(sample)
            .arg("--into")
            .arg(&root)
            .arg(raw.join("scan.png"))
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        (o.status.code().unwrap(), v[0].clone())
    };
    let (code, v) = import("15555");
    assert_eq!((code, v["tiles"].as_u64()), (0, Some(4)), "{v}");
    // Into another sample: refused, nothing written there.
    let (code, v) = import("15556");
    assert_eq!(code, 1, "{v}");
    let e = v["error"].as_str().unwrap();
    assert!(
        e.contains("already imported into sample '15555'") && e.contains("4 tiles there"),
        "{e}"
    );
    assert!(!root.join("15556").exists());
    // Its tiles deleted by hand: imported again, into the same or another sample.
    fs::remove_dir_all(root.join("15555")).unwrap();
    let (code, v) = import("15556");
    assert_eq!((code, v["tiles"].as_u64()), (0, Some(4)), "{v}");
    assert!(
        v["notes"][0]
            .as_str()
            .unwrap()
            .contains("the 4 tiles imported before into '15555' are gone"),
        "{v}"
    );
    assert_eq!(
        fs::read_dir(root.join("15556/input-images"))
            .unwrap()
            .count(),
        4
    );
    // One of them deleted: still imported, with the count said.
    let first = fs::read_dir(root.join("15556/input-images"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    fs::remove_file(first).unwrap();
    let (code, v) = import("15556");
    assert_eq!(
        (code, v["already_imported"].as_bool()),
        (0, Some(true)),
        "{v}"
    );
    assert!(
        v["notes"][0]
            .as_str()
            .unwrap()
            .contains("3 of its 4 tiles are there"),
        "{v}"
    );
}

/// An image smaller than the tile gives smaller tiles, and says so; an imported tile's place
/// in its raw image reaches the export manifest (`tile_x`, `tile_y`, `raw_image`).
#[test]
fn small_images_say_so_and_the_manifest_knows_where_tiles_came_from() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("d");
    synth_small(&root);
    let raw = t.path().join("raw");
    let (w, h) = (600u32, 200u32);
    let px: Vec<u8> = (0..w * h)
        .map(|i| (((i % w) / 7 + (i / w) / 5) % 200) as u8 + 20)
        .collect();
    write_grey(&raw.join("strip.png"), w, h, &px);
    let o = semcurate()
        .args([
            "import",
            "--pixel-size",
            "0.8",
            "--sample",
            "15555",
            "--into",
        ])
        .arg(&root)
        .arg(raw.join("strip.png"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "note: tiles are 256×200 px, smaller than --tile 256: the image is 600×200 px"
        ),
        "{text}"
    );
    // Propose with a model, accept the tile at x 344, export: its row says where it lies.
    let model = t.path().join("m");
    common::tiny_model(
        &model,
        semcurate::dataset::ClassSchema::mineralclassifier(),
        1,
        1.0,
    );
    common::predict(&root, &model, None);
    common::decide(&root, "15555", "15555_strip-x344_y0", "accepted");
    let out = t.path().join("out");
    let o = semcurate()
        .args(["export", "--quiet", "--only", "accepted"])
        .arg(&root)
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        o.status.code().unwrap() <= 1,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let rows = m["images"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{m}");
    assert_eq!(
        (rows[0]["tile_x"].as_u64(), rows[0]["tile_y"].as_u64()),
        (Some(344), Some(0))
    );
    assert!(
        rows[0]["raw_image"]
            .as_str()
            .unwrap()
            .ends_with("strip.png"),
        "{}",
        rows[0]
    );
    let csv = fs::read_to_string(out.join("manifest.csv")).unwrap();
    assert!(
        csv.lines().next().unwrap().contains(",tile_y,raw_image,"),
        "{csv}"
    );
}
