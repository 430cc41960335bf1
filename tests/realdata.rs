//! Reads the real public SEM files in `../shared/realdata/` when that folder exists (CI has
//! it; it is never copied into the repository). Without it these tests print a note and pass.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::path::PathBuf;

use assert_cmd::Command;
use semcurate::dataset::raster::{DecodeLimits, PixelKind, decode_file};
use serde_json::Value;

fn realdata() -> Option<PathBuf> {
    let dir = std::env::var_os("SEMCURATE_REALDATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/realdata"),
        PathBuf::from,
    );
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("note: {} not found; real-data tests skipped", dir.display());
        None
    }
}

fn index_json(args: &[&str], dataset: &std::path::Path, ws: &std::path::Path) -> (i32, Value) {
    let out = Command::cargo_bin("semcurate")
        .unwrap()
        .args(["index", "--json"])
        .arg(dataset)
        .arg("--workspace")
        .arg(ws)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

/// The shale masks hold 0 and 255. Without a mapping, 255 is the schema's unlabelled value:
/// the masks read as partial (class 0 where 0), and index says so and how to map 255 instead.
#[test]
fn shale_tiles_without_a_mapping_read_255_as_unlabelled_and_say_so() {
    let Some(real) = realdata() else { return };
    let shale = real.join("shale-sem-tiles");
    let before = common::snapshot(&shale);
    let t = tempfile::tempdir().unwrap();
    let (code, v) = index_json(&[], &shale, t.path());
    assert_eq!(code, 1, "pixel sizes are missing");
    assert_eq!(v["totals"]["images"], 23);
    assert_eq!(v["totals"]["invalid_masks"], 0);
    assert_eq!(v["totals"]["labelled"], 20);
    assert_eq!(v["totals"]["partial"], 20);
    assert_eq!(v["totals"]["unlabelled"], 3);
    assert_eq!(
        v["summary"]["skipped"]["hidden_files"], 1,
        "the 1-byte junk file '...'"
    );
    let problems = v["problems"].as_array().unwrap();
    let of = |k: &str| problems.iter().filter(|p| p["kind"] == k).count();
    assert_eq!(of("mask_out_of_range"), 0);
    assert_eq!(of("missing_pixel_size"), 23);
    // The labelled share is the share of 0 bytes over the 20 masks, counted by another decoder.
    let (mut zeros, mut all) = (0u64, 0u64);
    for e in std::fs::read_dir(shale.join("masks")).unwrap() {
        let m = image::open(e.unwrap().path()).unwrap().to_luma8();
        zeros += m.pixels().filter(|p| p.0[0] == 0).count() as u64;
        all += m.pixels().len() as u64;
    }
    let share = v["totals"]["partial_share"].as_f64().unwrap();
    assert!((share - zeros as f64 / all as f64).abs() < 1e-9, "{share}");
    let text = Command::cargo_bin("semcurate")
        .unwrap()
        .args(["index", "--quiet", "--workspace"])
        .arg(t.path())
        .arg(&shale)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("20 masks are partial") && text.contains("--mask-map 255=CLASS"),
        "{text}"
    );
    assert_eq!(
        common::snapshot(&shale),
        before,
        "the real data is never written"
    );
}

#[test]
fn shale_tiles_with_a_mapping_count_pixels_like_an_independent_decoder() {
    let Some(real) = realdata() else { return };
    let shale = real.join("shale-sem-tiles");
    let t = tempfile::tempdir().unwrap();
    let (code, v) = index_json(
        &["--mask-map", "0=0,255=5", "--pixel-size", "0.1"],
        &shale,
        t.path(),
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["totals"]["labelled"], 20);
    let stats = Command::cargo_bin("semcurate")
        .unwrap()
        .args([
            "stats",
            "--json",
            "--mask-map",
            "0=0,255=5",
            "--pixel-size",
            "0.1",
            "--workspace",
        ])
        .arg(t.path())
        .arg(&shale)
        .output()
        .unwrap();
    let s: Value = serde_json::from_slice(&stats.stdout).unwrap();
    let (mut zeros, mut ones) = (0u64, 0u64);
    for e in std::fs::read_dir(shale.join("masks")).unwrap() {
        let img = image::open(e.unwrap().path()).unwrap().to_luma8();
        zeros += img.pixels().filter(|p| p.0[0] == 0).count() as u64;
        ones += img.pixels().filter(|p| p.0[0] == 255).count() as u64;
    }
    assert_eq!(s["classes"][0]["pixels"], zeros);
    assert_eq!(s["classes"][5]["pixels"], ones);
    assert_eq!(zeros + ones, 20 * 256 * 256);
}

#[test]
fn vendor_tiffs_give_pixel_sizes_and_palette_pixels() {
    let Some(real) = realdata() else { return };
    let dir = real.join("sem-tiff-metadata");
    let l = DecodeLimits::default();
    let fei = decode_file(&dir.join("FEI-Helios-Ebeam-8bits.tif"), l).unwrap();
    assert_eq!((fei.width, fei.height), (512, 471));
    let v = fei.vendor.as_ref().unwrap();
    assert!((v.pixel_size_um.unwrap() - 3.3724).abs() < 1e-9);
    assert_eq!(v.data_rows, Some(442));

    let bad = decode_file(
        &dir.join("FEI-Helios-navcam-with-no-IRBeam-bad-floats.tif"),
        l,
    )
    .unwrap();
    assert_eq!((bad.width, bad.height), (768, 551));
    let v = bad.vendor.as_ref().unwrap();
    assert_eq!(v.vendor, "FEI");
    assert_eq!(v.pixel_size_um, None, "this file has no [Scan] PixelWidth");
    assert_eq!(v.notes, vec!["no [Scan] PixelWidth".to_string()]);
    assert_eq!(
        v.data_rows,
        Some(512),
        "ResolutionY=512: the bottom 39 rows are the data bar"
    );

    let zeiss = decode_file(&dir.join("test_tiff_Zeiss_SEM_1k.tif"), l).unwrap();
    assert_eq!(
        (zeiss.width, zeiss.height, zeiss.kind),
        (1024, 768, PixelKind::Palette)
    );
    assert!((zeiss.vendor.as_ref().unwrap().pixel_size_um.unwrap() - 2.615).abs() < 1e-9);
    let grey = zeiss.to_grey8();
    let distinct: std::collections::BTreeSet<u8> = grey.pixels.iter().copied().collect();
    assert!(
        distinct.len() > 50,
        "a real BSE image has many grey levels, got {}",
        distinct.len()
    );
}

#[test]
fn vendor_tiffs_in_a_dataset_take_pixel_sizes_from_metadata() {
    let Some(real) = realdata() else { return };
    let dir = real.join("sem-tiff-metadata");
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("vendor");
    for (name, stem) in [
        ("FEI-Helios-Ebeam-8bits.tif", "fei_a-1"),
        ("FEI-Helios-navcam-with-no-IRBeam-bad-floats.tif", "fei_b-1"),
        ("test_tiff_Zeiss_SEM_1k.tif", "zeiss_a-1"),
    ] {
        common::write(
            &root.join(format!("s1/input-images/{stem}.tif")),
            &std::fs::read(dir.join(name)).unwrap(),
        );
    }
    let (code, v) = index_json(&[], &root, &t.path().join("ws"));
    assert_eq!(code, 1, "the navcam image has no usable pixel size");
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{problems:?}");
    let message = |kind: &str| {
        problems
            .iter()
            .find(|p| p["kind"] == kind && p["path"] == "s1/input-images/fei_b-1.tif")
            .and_then(|p| p["message"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        message("missing_pixel_size").contains("(FEI metadata: no [Scan] PixelWidth)"),
        "{problems:?}"
    );
    // The navcam frame is blank (all 0): nothing to label, said so.
    assert!(
        message("unreadable_image").contains("every pixel has the value 0"),
        "{problems:?}"
    );
    let stats = Command::cargo_bin("semcurate")
        .unwrap()
        .args(["stats", "--json", "--bins", "3", "--workspace"])
        .arg(t.path().join("ws"))
        .arg(&root)
        .output()
        .unwrap();
    let s: Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(s["bins"][0]["images"], 1, "Zeiss 2.615 µm/px ≤ 3");
    assert_eq!(s["bins"][1]["images"], 1, "FEI 3.3724 µm/px > 3");
}

/// Data bars of the real files: the FEI file's from its tag (`ResolutionY` 442 of 471 rows), the
/// Zeiss file's from its pixels (a black rule at row 691 above white text); the FEI navcam
/// image's from its tag (`ResolutionY` 512 of 551, `DatabarHeight` 39) although its pixels are
/// blank.
#[test]
fn data_bars_of_real_files() {
    use semcurate::dataset::raster::databar::{DatabarSource, auto, detect};
    let Some(dir) = realdata() else { return };
    let dir = dir.join("sem-tiff-metadata");
    let read = |name: &str| {
        let d = decode_file(&dir.join(name), DecodeLimits::default()).unwrap();
        let vendor = d.vendor.clone();
        (d.into_grey8(), vendor)
    };
    let (fei, meta) = read("FEI-Helios-Ebeam-8bits.tif");
    assert_eq!(auto(&fei, meta.as_ref()), (29, DatabarSource::Metadata));
    let (zeiss, meta) = read("test_tiff_Zeiss_SEM_1k.tif");
    assert_eq!(detect(&zeiss), Some(77));
    assert_eq!(auto(&zeiss, meta.as_ref()), (77, DatabarSource::Detected));
    // Read as a dataset image, the Zeiss file loses the same 77 rows the import cuts.
    let notes = &meta.as_ref().unwrap().notes;
    assert!(
        notes
            .iter()
            .any(|n| n.contains("a 77-row data bar was found in the pixels")),
        "{notes:?}"
    );
    let specimen = semcurate::dataset::raster::read_specimen(
        &dir.join("test_tiff_Zeiss_SEM_1k.tif"),
        DecodeLimits::default(),
    )
    .unwrap();
    assert_eq!(
        (specimen.width, specimen.height),
        (zeiss.width, zeiss.height - 77)
    );
    let (navcam, meta) = read("FEI-Helios-navcam-with-no-IRBeam-bad-floats.tif");
    assert_eq!(auto(&navcam, meta.as_ref()), (39, DatabarSource::Metadata));
    assert_eq!(detect(&navcam), None, "a blank image shows no bar");
}

/// `import` on the real microscope files: pixel sizes from their tags, data bars cut, tiles
/// added as unlabelled images with the study's pixel-size files, nothing added twice, the file
/// without a pixel size refused with the flag to add; then `queue --strategy diverse` ranks
/// the predicted tiles with no two touching ones.
#[test]
fn import_real_files_then_rank_their_tiles() {
    let Some(dir) = realdata() else { return };
    let raw = dir.join("sem-tiff-metadata");
    let t = tempfile::tempdir().unwrap();
    let ds = t.path().join("apollo");
    let import = |files: &[&str], extra: &[&str]| {
        let mut c = Command::cargo_bin("semcurate").unwrap();
        c.args(["import", "--json", "--quiet", "--sample", "12002", "--into"])
            .arg(&ds);
        for f in files {
            c.arg(raw.join(f));
        }
        let o = c.args(extra).output().unwrap();
        let v: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
        (o.status.code().unwrap(), v)
    };
    let (code, v) = import(
        &[
            "test_tiff_Zeiss_SEM_1k.tif",
            "FEI-Helios-Ebeam-8bits.tif",
            "FEI-Helios-navcam-with-no-IRBeam-bad-floats.tif",
        ],
        &[],
    );
    assert_eq!(code, 1, "the navcam file has no pixel size: {v}");
    let zeiss = &v[0];
    assert_eq!(zeiss["pixel_size"], 2.615);
    assert_eq!(zeiss["pixel_size_source"], "Zeiss metadata");
    assert_eq!(
        (zeiss["crop_rows"].as_u64(), zeiss["crop_source"].as_str()),
        (Some(77), Some("detected"))
    );
    // 1024 × 691 after the crop, 256-px tiles sharing 32 px: 5 columns × 3 rows.
    assert_eq!(zeiss["tiles"], 15);
    let fei = &v[1];
    assert_eq!(fei["pixel_size"], 3.3724);
    assert_eq!(
        (fei["crop_rows"].as_u64(), fei["crop_source"].as_str()),
        (Some(29), Some("metadata"))
    );
    assert_eq!(
        (fei["tiles"].as_u64(), fei["blank"].as_u64()),
        (Some(0), Some(6)),
        "the FEI scan is blank"
    );
    let err = v[2]["error"].as_str().unwrap();
    assert!(err.contains("--pixel-size"), "{err}");
    let first = ds.join("12002/input-features/12002_test_tiff_Zeiss_SEM_1k-x0_y0.txt");
    assert_eq!(
        std::fs::read_to_string(first).unwrap(),
        "pixel_size: 2.615\n"
    );
    // The bottom tile row ends where the data bar was cut: y = 691 − 256.
    assert!(
        ds.join("12002/input-images/12002_test_tiff_Zeiss_SEM_1k-x768_y435.png")
            .is_file()
    );
    // Importing again adds nothing; with --pixel-size the navcam file is taken (and blank).
    let (code, v) = import(&["test_tiff_Zeiss_SEM_1k.tif"], &[]);
    assert_eq!((code, v[0]["already_imported"].as_bool()), (0, Some(true)));
    let (code, v) = import(
        &["FEI-Helios-navcam-with-no-IRBeam-bad-floats.tif"],
        &["--pixel-size", "0.5"],
    );
    assert_eq!(
        (code, v[0]["pixel_size_source"].as_str()),
        (0, Some("given"))
    );
    // The tiles are unlabelled images of the dataset; diverse ranks them after predict.
    let stats = common::json_of(
        Command::cargo_bin("semcurate")
            .unwrap()
            .args(["stats", "--json"])
            .arg(&ds),
    );
    assert_eq!(stats["totals"]["images"], 15);
    assert_eq!(stats["totals"]["labelled"], 0);
    let model = t.path().join("m");
    common::tiny_model(&model, semcurate::dataset::ClassSchema::default(), 4, 1.0);
    common::predict(&ds, &model, None);
    let q = common::json_of(
        Command::cargo_bin("semcurate")
            .unwrap()
            .args([
                "queue",
                "--json",
                "--strategy",
                "diverse",
                "--budget",
                "6",
                "--model",
            ])
            .arg(&model)
            .arg(&ds),
    );
    let items = q["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    let xy = |it: &Value| {
        let stem = it["stem"].as_str().unwrap();
        let (x, y) = stem.rsplit_once("-x").unwrap().1.split_once("_y").unwrap();
        (x.parse::<u32>().unwrap(), y.parse::<u32>().unwrap())
    };
    for (i, a) in items.iter().enumerate() {
        for b in &items[i + 1..] {
            let ((ax, ay), (bx, by)) = (xy(a), xy(b));
            let apart = ax + 256 < bx || bx + 256 < ax || ay + 256 < by || by + 256 < ay;
            assert!(
                apart,
                "picked touching tiles {} and {}",
                a["stem"], b["stem"]
            );
        }
    }
}

/// A dataset image with a data bar named in its metadata (the FEI file: 29 rows) is read
/// without it everywhere, and a mask drawn on the whole frame is cut the same way.
#[test]
fn dataset_images_lose_their_metadata_data_bar() {
    use semcurate::dataset::load::{load_image, load_mask};
    use semcurate::dataset::workspace::Workspace;
    let Some(dir) = realdata() else { return };
    let t = tempfile::tempdir().unwrap();
    let ds = t.path().join("d");
    let s = ds.join("12002");
    std::fs::create_dir_all(s.join("input-images")).unwrap();
    std::fs::copy(
        dir.join("sem-tiff-metadata/FEI-Helios-Ebeam-8bits.tif"),
        s.join("input-images/12002_fei-01.tif"),
    )
    .unwrap();
    // A full-frame mask (471 rows): class 4 above the bar, class 9 in the bar rows.
    let (w, h) = (512u32, 471u32);
    let values: Vec<u8> = (0..w * h)
        .map(|i| if i / w < 442 { 4 } else { 9 })
        .collect();
    common::write_grey(&s.join("output-images/12002_fei-01.png"), w, h, &values);
    let (code, v) = index_json(&[], &ds, &t.path().join("ws"));
    assert_eq!(code, 0, "{v}");
    let ws = Workspace::open(&t.path().join("ws")).unwrap();
    let row = ws.images().unwrap().remove(0);
    assert_eq!((row.width, row.height), (Some(512), Some(442)));
    assert!(
        row.is_labelled(),
        "the full-frame mask is cut with its image"
    );
    let counts = row.class_counts.clone().unwrap();
    assert_eq!((counts[4], counts[9]), (512 * 442, 0));
    let img = load_image(&ds, &row).unwrap();
    assert_eq!((img.width, img.height), (512, 442));
    let mask = load_mask(&ds, &row, &semcurate::dataset::ClassSchema::default())
        .unwrap()
        .unwrap();
    assert_eq!(mask.len(), 512 * 442);
}
