//! Fixture builders shared by the integration tests: tiny PNG/TIFF images and datasets with
//! every quirk of SPEC 2.1.
#![allow(dead_code, clippy::unwrap_used)]
#![allow(clippy::too_many_lines)] // fixture builders; src/ is held to 60 lines

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

pub fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

pub fn png(w: u32, h: u32, colour: png::ColorType, depth: png::BitDepth, data: &[u8]) -> Vec<u8> {
    png_with_palette(w, h, colour, depth, data, None)
}

pub fn png_with_palette(
    w: u32,
    h: u32,
    colour: png::ColorType,
    depth: png::BitDepth,
    data: &[u8],
    palette: Option<Vec<u8>>,
) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(colour);
        enc.set_depth(depth);
        if let Some(p) = palette {
            enc.set_palette(p);
        }
        let mut writer = enc.write_header().unwrap();
        writer.write_image_data(data).unwrap();
    }
    out
}

/// An 8-bit grey PNG with a gradient.
pub fn grey_png(w: u32, h: u32) -> Vec<u8> {
    let data: Vec<u8> = (0..w * h).map(|i| (i * 7 % 256) as u8).collect();
    png(w, h, png::ColorType::Grayscale, png::BitDepth::Eight, &data)
}

/// A mask PNG with class `(x + y) % classes` at each pixel.
pub fn mask_values(w: u32, h: u32, classes: u8) -> Vec<u8> {
    (0..h)
        .flat_map(|y| (0..w).map(move |x| ((x + y) % u32::from(classes)) as u8))
        .collect()
}

pub fn mask_png(w: u32, h: u32, classes: u8) -> Vec<u8> {
    png(
        w,
        h,
        png::ColorType::Grayscale,
        png::BitDepth::Eight,
        &mask_values(w, h, classes),
    )
}

pub fn features(px: &str) -> Vec<u8> {
    format!("pixel_size: {px}\n").into_bytes()
}

/// Every file under `root` with its bytes and modification time.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| !e.path().components().any(|c| c.as_os_str() == ".semcurate"))
        .map(|e| {
            let p = e.path().to_path_buf();
            let m = fs::metadata(&p).unwrap().modified().unwrap();
            (p.clone(), (fs::read(&p).unwrap(), m))
        })
        .collect()
}

/// Builds the quirks dataset under `root` and returns the problems it must produce, as
/// `(kind, path)` pairs.
pub fn quirks_dataset(root: &Path) -> Vec<(&'static str, &'static str)> {
    let s = root.join("10003");
    let img = |n: &str| s.join("input-images").join(n);
    let mask = |n: &str| s.join("output-images").join(n);
    let feat = |n: &str| s.join("input-features").join(n);
    let (w, h) = (16, 12);
    // good pair
    write(&img("10003_a-01.png"), &grey_png(w, h));
    write(&mask("10003_a-01.png"), &mask_png(w, h, 10));
    write(&feat("10003_a-01.txt"), &features("0.5"));
    // RGB mask with equal channels
    let rgb: Vec<u8> = mask_values(w, h, 10)
        .iter()
        .flat_map(|&v| [v, v, v])
        .collect();
    write(&img("10003_a-02.png"), &grey_png(w, h));
    write(
        &mask("10003_a-02.png"),
        &png(w, h, png::ColorType::Rgb, png::BitDepth::Eight, &rgb),
    );
    write(&feat("10003_a-02.txt"), &features("0.5"));
    // BOM, CRLF and extra spaces in the pixel-size file
    write(&img("10003_b-01.png"), &grey_png(w, h));
    write(&mask("10003_b-01.png"), &mask_png(w, h, 10));
    write(
        &feat("10003_b-01.txt"),
        "\u{feff}pixel_size:   2.3810  \r\nother: 1\r\n".as_bytes(),
    );
    // missing, malformed and zero pixel size
    write(&img("10003_b-02.png"), &grey_png(w, h));
    write(&mask("10003_b-02.png"), &mask_png(w, h, 10));
    write(&img("10003_b-03.png"), &grey_png(w, h));
    write(&feat("10003_b-03.txt"), b"pixel_size: abc\n");
    write(&img("10003_b-04.png"), &grey_png(w, h));
    write(&feat("10003_b-04.txt"), b"pixel_size: 0\n");
    // missing mask: unlabelled, not a problem
    write(&img("10003_c-01.png"), &grey_png(w, h));
    write(&feat("10003_c-01.txt"), &features("20"));
    // mask with no image
    write(&mask("10003_c-99.png"), &mask_png(w, h, 10));
    // truncated PNG
    let full = grey_png(64, 64);
    write(&img("10003_d-01.png"), &full[..full.len() / 2]);
    write(&feat("10003_d-01.txt"), &features("1"));
    // wrong-size mask
    write(&img("10003_d-02.png"), &grey_png(w, h));
    write(&mask("10003_d-02.png"), &mask_png(8, h, 10));
    write(&feat("10003_d-02.txt"), &features("1"));
    // out-of-range class id
    let mut bad = mask_values(w, h, 10);
    bad[5] = 12;
    bad[6] = 255;
    write(&img("10003_d-03.png"), &grey_png(w, h));
    write(
        &mask("10003_d-03.png"),
        &png(w, h, png::ColorType::Grayscale, png::BitDepth::Eight, &bad),
    );
    write(&feat("10003_d-03.txt"), &features("1"));
    // 16-bit PNG image and 16-bit TIFF image
    let v16: Vec<u8> = (0..w * h)
        .flat_map(|i| ((i * 300) as u16).to_be_bytes())
        .collect();
    write(
        &img("10003_e-01.png"),
        &png(
            w,
            h,
            png::ColorType::Grayscale,
            png::BitDepth::Sixteen,
            &v16,
        ),
    );
    write(&mask("10003_e-01.png"), &mask_png(w, h, 10));
    write(&feat("10003_e-01.txt"), &features("0.1"));
    write(&img("10003_e-02.tif"), &tiff16(w, h));
    write(&mask("10003_e-02.png"), &mask_png(w, h, 10));
    write(&feat("10003_e-02.txt"), &features("0.1"));
    // colour mask with unequal channels
    let colour: Vec<u8> = (0..w * h).flat_map(|i| [(i % 10) as u8, 0, 0]).collect();
    write(&img("10003_f-01.png"), &grey_png(w, h));
    write(
        &mask("10003_f-01.png"),
        &png(w, h, png::ColorType::Rgb, png::BitDepth::Eight, &colour),
    );
    write(&feat("10003_f-01.txt"), &features("1"));
    // palette mask: indices are class ids
    let pal: Vec<u8> = (0..10u8).flat_map(|i| [i * 20, 255 - i * 20, 0]).collect();
    write(&img("10003_f-02.png"), &grey_png(w, h));
    write(
        &mask("10003_f-02.png"),
        &png_with_palette(
            w,
            h,
            png::ColorType::Indexed,
            png::BitDepth::Eight,
            &mask_values(w, h, 10),
            Some(pal),
        ),
    );
    write(&feat("10003_f-02.txt"), &features("1"));
    // junk and checkpoint folders
    write(&s.join("input-images/Thumbs.db"), b"junk");
    write(&s.join("input-images/.DS_Store"), b"junk");
    write(
        &s.join("input-images/.ipynb_checkpoints/10003_a-01-checkpoint.png"),
        &grey_png(w, h),
    );
    write(&s.join("output-images/notes.txt"), b"notes");
    write(
        &root.join("12002/.ipynb_checkpoints/x.png"),
        &grey_png(w, h),
    );
    write(
        &root.join("12002/input-images/12002_a-01.png"),
        &grey_png(w, h),
    );
    write(
        &root.join("12002/output-images/12002_a-01.png"),
        &mask_png(w, h, 10),
    );
    write(
        &root.join("12002/input-features/12002_a-01.txt"),
        &features("5"),
    );
    vec![
        ("missing_pixel_size", "10003/input-images/10003_b-02.png"),
        ("bad_pixel_size", "10003/input-features/10003_b-03.txt"),
        ("bad_pixel_size", "10003/input-features/10003_b-04.txt"),
        ("orphan_mask", "10003/output-images/10003_c-99.png"),
        ("unreadable_image", "10003/input-images/10003_d-01.png"),
        ("size_mismatch", "10003/output-images/10003_d-02.png"),
        ("mask_out_of_range", "10003/output-images/10003_d-03.png"),
        ("mask_not_grey", "10003/output-images/10003_f-01.png"),
    ]
}

pub fn tiff16(w: u32, h: u32) -> Vec<u8> {
    let data: Vec<u16> = (0..w * h).map(|i| (i * 257) as u16).collect();
    let mut out = std::io::Cursor::new(Vec::new());
    let mut enc = tiff::encoder::TiffEncoder::new(&mut out).unwrap();
    enc.write_image::<tiff::encoder::colortype::Gray16>(w, h, &data)
        .unwrap();
    out.into_inner()
}

// ---------------------------------------------------------------------------------------------
// End-to-end fixtures for the model commands (`predict`, `audit`, `queue`).

/// The `semcurate` binary under test.
pub fn semcurate() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("semcurate").unwrap()
}

/// `semcurate export ARGS.. ROOT OUT`, asserting exit 0 (with both outputs on failure);
/// returns stdout.
pub fn export_ok(root: &Path, out: &Path, args: &[&str]) -> Vec<u8> {
    let o = semcurate()
        .arg("export")
        .args(args)
        .arg(root)
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

/// Runs `cmd`, asserts exit 0 and returns stdout as JSON.
pub fn json_of(cmd: &mut assert_cmd::Command) -> serde_json::Value {
    let o = cmd.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `synth --samples 2 --per-sample 4 --unlabelled 2 --size 48 --seed 5`: samples 10003
/// (2.1629 µm/px) and 12002 (0.3351 µm/px), labelled tiles in groups `*_s01`, one unlabelled
/// tile per sample in group `*_s02`.
pub fn synth_small(root: &Path) {
    synth_small_with(root, &[]);
}

/// [`synth_small`] with further `synth` arguments (e.g. `--pixel-size-range`).
pub fn synth_small_with(root: &Path, extra: &[&str]) {
    semcurate()
        .args([
            "synth",
            "--samples",
            "2",
            "--per-sample",
            "4",
            "--unlabelled",
            "2",
            "--size",
            "48",
            "--seed",
            "5",
            "--quiet",
        ])
        .args(extra)
        .arg(root)
        .assert()
        .success();
}

/// Serialises seeding and initialising models: the flex backend has one global RNG.
static MODEL_INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A width-4 multi U-Net with random weights drawn from `seed`, over the bins up to 1 µm/px
/// and above. Its head weights are multiplied by `head_scale`: the argmax hardly moves but the
/// top-two margins grow, so a large scale makes a confident (if wrong) model. Such a model
/// predicts one or two classes over most of a tile, which class depending on the seed.
pub fn tiny_model(dir: &Path, schema: semcurate::dataset::ClassSchema, seed: u64, head_scale: f32) {
    let input = semcurate::model::config::InputNorm::default();
    tiny_model_with(dir, schema, seed, head_scale, input);
}

/// [`tiny_model`] with the given input levels (per-site, per-image …).
pub fn tiny_model_with(
    dir: &Path,
    schema: semcurate::dataset::ClassSchema,
    seed: u64,
    head_scale: f32,
    input: semcurate::model::config::InputNorm,
) {
    use semcurate::model::config::{FORMAT_VERSION, ModelConfig, ModelKind};
    use semcurate::model::{MultiUNet, UNetConfig};
    let config = ModelConfig {
        format_version: FORMAT_VERSION,
        kind: ModelKind::MultiUnet,
        unet: UNetConfig::new(schema.len()).with_width(4),
        schema,
        bins: "1".parse().unwrap(),
        input,
        tile: 64,
        overlap: 16,
        trained: vec![true, true],
    };
    let device = burn::tensor::Device::flex();
    // Parameters are drawn lazily, at the latest when saved: hold the lock until then.
    let _guard = MODEL_INIT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    device.seed(seed);
    let net = || {
        let mut n = config.unet.init(&device);
        n.head.weight = n.head.weight.map(|w| w * head_scale);
        Some(n)
    };
    let nets = vec![net(), net()];
    MultiUNet::new(config, nets, device).save(dir).unwrap();
}

/// `semcurate predict --json` (with `--out` when given); asserts exit 0.
pub fn predict(root: &Path, model: &Path, out: Option<&Path>) -> serde_json::Value {
    let mut cmd = semcurate();
    cmd.args(["predict", "--json", "--quiet", "--model"])
        .arg(model);
    if let Some(out) = out {
        cmd.arg("--out").arg(out);
    }
    json_of(cmd.arg(root))
}

/// Width, height and values of an 8-bit grey PNG (a mask or a predicted class map).
pub fn read_grey(path: &Path) -> (u32, u32, Vec<u8>) {
    let img = image::open(path).unwrap();
    assert!(
        matches!(img, image::DynamicImage::ImageLuma8(_)),
        "{} is not 8-bit grey",
        path.display()
    );
    let g = img.to_luma8();
    (g.width(), g.height(), g.into_raw())
}

/// Writes `values` as an 8-bit grey PNG.
pub fn write_grey(path: &Path, w: u32, h: u32, values: &[u8]) {
    write(
        path,
        &png(
            w,
            h,
            png::ColorType::Grayscale,
            png::BitDepth::Eight,
            values,
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// Corrections as the editor makes them (session + journal), without a terminal.

/// Corrects the mask of `sample`/`stem` the way the editor does: one fill stroke that sets
/// every pixel `pick` chooses to `class`, journalled in the workspace (indexed first). Returns
/// the corrected mask.
pub fn correct(
    root: &Path,
    sample: &str,
    stem: &str,
    pick: impl Fn(usize, u8) -> bool,
    class: u8,
) -> Vec<u8> {
    use semcurate::dataset::load::load_mask;
    use semcurate::dataset::workspace::Workspace;
    use semcurate::labels::journal::{JournalReq, base_for, to_row};
    use semcurate::review::edit::{EditSession, JournalOp, Locks, Tool};
    semcurate()
        .args(["index", "--quiet"])
        .arg(root)
        .assert()
        .code(predicates::ord::lt(2));
    let mut ws = Workspace::open(&Workspace::default_dir(root)).unwrap();
    let row = ws
        .images()
        .unwrap()
        .into_iter()
        .find(|r| r.sample == sample && r.stem == stem)
        .unwrap_or_else(|| panic!("{sample}/{stem} is not indexed"));
    let schema = semcurate::dataset::ClassSchema::for_dataset(root).unwrap();
    let mask = load_mask(root, &row, &schema).unwrap().unwrap();
    let (w, h) = (row.width.unwrap(), row.height.unwrap());
    let base = base_for(&row, None, "tester").unwrap();
    let mut s = EditSession::new(w, h, mask.clone());
    let pixels: Vec<usize> = (0..mask.len()).filter(|&i| pick(i, mask[i])).collect();
    for stroke in s.apply(Tool::Fill, pixels, |_| class, &Locks::default()) {
        let req = JournalReq {
            image_id: row.id,
            base: base.clone(),
            op: JournalOp::Stroke(stroke),
            user: "tester".into(),
            at_ms: 1_700_000_000_000,
        };
        ws.append_edit(row.id, &base, &to_row(&req)).unwrap();
    }
    s.mask.classes().to_vec()
}

/// Records a review decision for `sample`/`stem` (`accepted`, `rejected`, …).
pub fn decide(root: &Path, sample: &str, stem: &str, decision: &str) {
    use semcurate::dataset::decision::{Decision, DecisionEntry};
    use semcurate::dataset::workspace::Workspace;
    let ws = Workspace::open(&Workspace::default_dir(root)).unwrap();
    let row = ws
        .images()
        .unwrap()
        .into_iter()
        .find(|r| r.sample == sample && r.stem == stem)
        .unwrap();
    ws.record_decision(&DecisionEntry {
        image_id: row.id,
        decision: Decision::parse(decision).unwrap(),
        note: String::new(),
        user: "tester".into(),
        at: 1_700_000_000,
    })
    .unwrap();
}

/// A Python with numpy and Pillow for the docs/*.py checks: `$SEMCURATE_PYTHON`, else
/// `python3`. `None` (the check is skipped, said on stderr) when it has neither, unless
/// `$SEMCURATE_REQUIRE_PYTHON` is set (CI sets it), which makes that a failure.
pub fn python() -> Option<String> {
    let py = std::env::var("SEMCURATE_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&py)
        .args(["-c", "import numpy, PIL"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(py);
    }
    assert!(
        std::env::var_os("SEMCURATE_REQUIRE_PYTHON").is_none(),
        "{py} has no numpy and Pillow, and SEMCURATE_REQUIRE_PYTHON is set"
    );
    eprintln!("SKIPPED the Python check: {py} has no numpy and Pillow (set SEMCURATE_PYTHON)");
    None
}

/// Runs `docs/check_export.py` on an export; returns its exit code and output.
pub fn check_export(py: &str, out: &Path) -> (i32, String) {
    let o = std::process::Command::new(py)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/check_export.py"))
        .arg(out)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// Every file under `dir` with its bytes, by relative path.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}
