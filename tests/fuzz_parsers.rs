//! Property-based fuzzing (proptest, stable toolchain) of every parser that reads a user's
//! file (issue 15, part 2): no input may panic, and what is accepted must be sane. Case counts
//! per target are set below (`PROPTEST_CASES` overrides them all); a failing input is shrunk
//! and printed, and belongs in a regression test.
#![allow(clippy::unwrap_used)]

mod common;

use std::fmt::Write as _;

use proptest::prelude::*;
use semcurate::dataset::pixel_size::parse_pixel_size_bytes;
use semcurate::dataset::raster::vendor::{parse_fei, parse_zeiss};
use semcurate::dataset::raster::{DecodeLimits, decode_bytes, encode_grey8_png};
use semcurate::dataset::schema::{ClassSchema, parse_mask_map};

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(n),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Small limits: a decoder must refuse what would exceed them, not allocate it.
const LIMITS: DecodeLimits = DecodeLimits {
    max_pixels: 1 << 20,
    max_bytes: 16 << 20,
};

/// A valid file with bytes overwritten, cut short or spliced in: most fuzz inputs stay close
/// enough to the format to reach deep into the decoder.
fn mutated(base: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = base.len();
    (
        proptest::collection::vec((0..len, any::<u8>()), 0..12),
        0..=len,
        proptest::collection::vec(any::<u8>(), 0..16),
        0..=len,
    )
        .prop_map(move |(flips, cut, insert, at)| {
            let mut b = base.clone();
            for (i, v) in flips {
                b[i] = v;
            }
            let at = at.min(b.len());
            b.splice(at..at, insert);
            b.truncate(cut.max(8));
            b
        })
}

fn numberish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<f64>().prop_map(|v| v.to_string()),
        "[-+]?[0-9]{0,12}(\\.[0-9]{0,8})?([eE][-+]?[0-9]{1,4})?",
        Just("nan".to_string()),
        Just("inf".to_string()),
        ".{0,12}",
    ]
}

proptest! {
    #![proptest_config(cases(3000))]

    /// `input-features/NAME.txt`: any bytes; accepted values are finite and positive.
    #[test]
    fn pixel_size_files(bytes in proptest::collection::vec(any::<u8>(), 0..64), text in "pixel_size: .{0,20}") {
        for b in [bytes.as_slice(), text.as_bytes()] {
            if let Ok(v) = parse_pixel_size_bytes(b) {
                prop_assert!(v.is_finite() && v > 0.0, "{v}");
            }
        }
    }

    /// FEI/Thermo tag 34682 and Zeiss tag 34118 text, free and structured.
    #[test]
    fn vendor_tags(free in ".{0,200}", px in numberish(), rows in numberish(), width in any::<u32>()) {
        let fei = format!("[Scan]\r\nPixelWidth={px}\r\n[Image]\r\nResolutionY={rows}\r\nDatabarHeight={rows}\r\n");
        for text in [free.as_str(), fei.as_str()] {
            let m = parse_fei(text);
            if let Some(v) = m.pixel_size_um {
                prop_assert!(v.is_finite() && v > 0.0, "FEI {v} from {text:?}");
            }
        }
        let zeiss = format!("\r\n\r\n\r\n{px}\r\nAP_IMAGE_PIXEL_SIZE\r\nImage Pixel Size = {px} nm\r\n{free}");
        for text in [free.as_str(), zeiss.as_str()] {
            let m = parse_zeiss(text, width);
            if let Some(v) = m.pixel_size_um {
                prop_assert!(v.is_finite() && v > 0.0, "Zeiss {v} from {text:?}");
            }
        }
    }

    /// `--mask-map` values.
    #[test]
    fn mask_maps(text in "([0-9]{0,6}=[0-9]{0,4},?){0,6}|.{0,40}") {
        if let Ok(pairs) = parse_mask_map(&text) {
            let _ = ClassSchema::default().with_mask_map(&pairs);
        }
    }

    /// `classes.toml`: structured near-valid files and free text.
    #[test]
    fn class_schemas(free in ".{0,300}", id in any::<i64>(), name in ".{0,20}", colour in ".{0,10}", n in 0usize..40) {
        let mut near = String::new();
        for k in 0..n {
            let _ = write!(
                near,
                "[[class]]\nid = {}\nname = {name:?}\nshort = \"c{k}\"\ncolour = {colour:?}\nvalues = [{k}, {id}]\n",
                i64::try_from(k).unwrap() ^ (id & 1)
            );
        }
        for text in [free.as_str(), near.as_str()] {
            if let Ok(s) = ClassSchema::parse(text, std::path::Path::new("fuzz/classes.toml")) {
                prop_assert!(!s.is_empty() && s.len() <= 256);
            }
        }
    }

    /// The TUI's keymap and theme files.
    #[test]
    fn keymap_and_theme_files(free in ".{0,200}", key in ".{0,12}", action in ".{0,20}", colour in ".{0,12}") {
        let keymap = format!("[browse]\n{key:?} = {action:?}\n[editor]\n\"x\" = {action:?}\n");
        for text in [free.as_str(), keymap.as_str()] {
            let mut map = semcurate::tui::keymap::Keymap::default_map();
            let _ = map.apply(text, "fuzz");
        }
        let theme = format!("[colours]\naccent = {colour:?}\nwarn = {colour:?}\n");
        for text in [free.as_str(), theme.as_str()] {
            let _ = semcurate::tui::theme::Theme::parse(text, "fuzz");
        }
    }
}

proptest! {
    #![proptest_config(cases(400))]

    /// PNG through our reader: mutated valid files of several kinds.
    #[test]
    fn png_decode(bytes in prop_oneof![
        mutated(encode_grey8_png(13, 7, &(0..91).map(|i| (i * 3) as u8).collect::<Vec<_>>()).unwrap()),
        mutated(common::png(5, 4, png::ColorType::Rgb, png::BitDepth::Eight, &[90; 60])),
        mutated(common::png(8, 3, png::ColorType::Grayscale, png::BitDepth::Sixteen, &[7; 48])),
        mutated(common::png_with_palette(
            4,
            4,
            png::ColorType::Indexed,
            png::BitDepth::Eight,
            &[0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3],
            Some(vec![0, 0, 0, 80, 80, 80, 160, 160, 160, 255, 0, 0]),
        )),
    ]) {
        if let Ok(d) = decode_bytes(&bytes, LIMITS) {
            prop_assert!(u64::from(d.width) * u64::from(d.height) <= LIMITS.max_pixels);
            let g = d.into_grey8();
            prop_assert_eq!(g.pixels.len(), g.width as usize * g.height as usize);
        }
    }

    /// TIFF through our reader (8/16-bit, FEI- and Zeiss-tagged, palette).
    #[test]
    fn tiff_decode(bytes in prop_oneof![
        mutated(common::tiff16(6, 5)),
        mutated(tiff_tagged(34682, "[Scan]\r\nPixelWidth=2.5e-07\r\n[Image]\r\nResolutionY=6\r\n")),
        mutated(tiff_tagged(34118, "\r\n\r\n\r\n0.5\r\nAP_IMAGE_PIXEL_SIZE\r\nImage Pixel Size = 200 nm\r\n")),
    ]) {
        if let Ok(d) = decode_bytes(&bytes, LIMITS) {
            prop_assert!(u64::from(d.width) * u64::from(d.height) <= LIMITS.max_pixels);
            let g = d.into_grey8();
            prop_assert_eq!(g.pixels.len(), g.width as usize * g.height as usize);
        }
    }

    /// A model folder's `config.json` and a bin's safetensors header (length prefix + JSON).
    #[test]
    fn model_files(config in prop_oneof![".{0,200}".prop_map(String::into_bytes), mutated(default_config())],
                   header_len in prop_oneof![any::<u64>(), 0u64..200], header in ".{0,120}") {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), &config).unwrap();
        let _ = semcurate::model::config::ModelConfig::load(dir.path());
        // A valid config with a broken weights file: an error, never a panic or a huge allocation.
        std::fs::write(dir.path().join("config.json"), default_config()).unwrap();
        let mut st = header_len.to_le_bytes().to_vec();
        st.extend_from_slice(header.as_bytes());
        for k in 0..3 {
            std::fs::write(dir.path().join(format!("bin{k}.safetensors")), &st).unwrap();
        }
        let loaded = semcurate::model::MultiUNet::load(dir.path(), &burn::tensor::Device::flex());
        prop_assert!(loaded.is_err());
    }
}

fn default_config() -> Vec<u8> {
    std::fs::read("models/default/config.json").unwrap()
}

/// An 8-bit 6×6 TIFF with an ASCII `tag`.
fn tiff_tagged(tag: u16, text: &str) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut enc = tiff::encoder::TiffEncoder::new(&mut out).unwrap();
    let mut img = enc
        .new_image::<tiff::encoder::colortype::Gray8>(6, 6)
        .unwrap();
    img.encoder()
        .write_tag(tiff::tags::Tag::Unknown(tag), text)
        .unwrap();
    img.write_data(&[100u8; 36]).unwrap();
    out.into_inner()
}

/// A decompression bomb's header: a valid PNG (correct CRCs) that claims 100,000 × 100,000
/// 8-bit pixels (10 GB) over a few bytes of data is refused as too large from its header,
/// before any buffer of that size is asked for.
#[test]
fn a_png_bomb_header_is_refused_from_its_header() {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for &b in bytes {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(kind: [u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
        out
    }
    let mut ihdr = 100_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(*b"IHDR", &ihdr));
    // zlib stream of a few zero bytes: what a bomb's data would start with.
    png.extend(chunk(
        *b"IDAT",
        &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
    ));
    png.extend(chunk(*b"IEND", &[]));
    assert!(png.len() < 100);
    match decode_bytes(&png, DecodeLimits::default()) {
        Err(semcurate::dataset::raster::RasterError::TooLarge { width, height, .. }) => {
            assert_eq!((width, height), (100_000, 100_000));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}
