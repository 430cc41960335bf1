//! Pixel size and data-bar height from microscope vendor tags in TIFF files.
//!
//! - FEI/Thermo Fisher, tag 34682: INI text; `[Scan] PixelWidth` in metres; `[Image]
//!   ResolutionY` is the height of the image data above the instrument's data bar.
//! - Zeiss SmartSEM, tag 34118: Latin-1 text; a line `Image Pixel Size = 2.615 µm` (units pm,
//!   nm, µm or mm). Without it, `Pixel Size = …`, else line 4 (metres): both refer to a
//!   1024-px-wide scan and are scaled by 1024 / image width, as rosettasciio does (a 512-px
//!   image read without the scaling comes out 2× too small).
//!
//! Malformed values never fail decoding: they are reported in [`VendorMeta::notes`].

use std::io::{Read, Seek};

use tiff::decoder::Decoder;
use tiff::tags::Tag;

/// Private TIFF tag holding FEI/Thermo Fisher metadata (INI text).
const FEI_TAG: u16 = 34682;
/// Private TIFF tag holding Zeiss SmartSEM metadata.
const ZEISS_TAG: u16 = 34118;
/// Longest tag text read (1 MiB): longer tags are cut, never allocated whole.
const MAX_TAG_BYTES: usize = 1 << 20;

/// What a vendor tag says about the image.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorMeta {
    /// `FEI` or `Zeiss`.
    pub vendor: &'static str,
    /// Pixel size in µm/px, when the tag gives a valid one.
    pub pixel_size_um: Option<f64>,
    /// Rows of image data above the data bar, when the tag says so or (see `bar_detected`)
    /// when a bar was found in the pixels of a file whose tag gives none.
    pub data_rows: Option<u32>,
    /// `data_rows` comes from the pixels, not the tag.
    pub bar_detected: bool,
    /// What was missing or malformed, in words.
    pub notes: Vec<String>,
}

/// Reads vendor metadata from the current TIFF directory, if any.
pub(super) fn read<R: Read + Seek>(dec: &mut Decoder<R>, width: u32) -> Option<VendorMeta> {
    if let Some(text) = tag_text(dec, FEI_TAG) {
        return Some(parse_fei(&text));
    }
    tag_text(dec, ZEISS_TAG).map(|text| parse_zeiss(&text, width))
}

/// The text of private tag `tag` in the current directory, read as Latin-1; `None` when the
/// file has no such tag.
fn tag_text<R: Read + Seek>(dec: &mut Decoder<R>, tag: u16) -> Option<String> {
    let mut buf = vec![0u8; MAX_TAG_BYTES];
    let len = dec
        .image_ifd()
        .find_tag_bytes(Tag::Unknown(tag), &mut buf, 0)
        .ok()??;
    buf.truncate(len.min(MAX_TAG_BYTES));
    // Latin-1 decoding: every byte is one char, so 0xB5 becomes 'µ'.
    Some(buf.iter().map(|&b| char::from(b)).collect())
}

/// Parses FEI INI text.
///
/// Pixel size from `[Scan] PixelWidth` (metres, converted to µm/px); `data_rows` from
/// `[Image] ResolutionY`. Keys are matched within their section; missing or malformed ones
/// leave the field `None` with a note.
pub fn parse_fei(text: &str) -> VendorMeta {
    let mut meta = VendorMeta {
        bar_detected: false,
        vendor: "FEI",
        pixel_size_um: None,
        data_rows: None,
        notes: Vec::new(),
    };
    let mut section = String::new();
    let mut pixel_width: Option<String> = None;
    let mut resolution_y: Option<String> = None;
    for line in text
        .lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\0'))
    {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
        } else if let Some((k, v)) = line.split_once('=') {
            match (section.as_str(), k.trim()) {
                ("Scan", "PixelWidth") => pixel_width = Some(v.trim().to_string()),
                ("Image", "ResolutionY") => resolution_y = Some(v.trim().to_string()),
                _ => {}
            }
        }
    }
    match pixel_width.as_deref().map(str::parse::<f64>) {
        Some(Ok(m)) if m.is_finite() && m > 0.0 => meta.pixel_size_um = Some(tidy(m * 1e6)),
        Some(_) => meta.notes.push(format!(
            "[Scan] PixelWidth '{}' is not a positive number of metres",
            pixel_width.unwrap_or_default()
        )),
        None => meta.notes.push("no [Scan] PixelWidth".to_string()),
    }
    match resolution_y.as_deref().map(str::parse::<u32>) {
        Some(Ok(rows)) if rows > 0 => meta.data_rows = Some(rows),
        Some(_) => meta.notes.push(format!(
            "[Image] ResolutionY '{}' is not a row count",
            resolution_y.unwrap_or_default()
        )),
        None => meta.notes.push("no [Image] ResolutionY".to_string()),
    }
    plausible(meta)
}

/// Pixel sizes a microscope can give: 1 pm to 1 m per pixel. A value outside (a corrupt tag:
/// metres read as nanometres, an overflow to infinity) is dropped with a note, so the file is
/// refused for want of a pixel size instead of routed to a bin by nonsense.
fn plausible(mut meta: VendorMeta) -> VendorMeta {
    if let Some(v) = meta.pixel_size_um
        && crate::dataset::pixel_size::check_range(v).is_err()
    {
        meta.notes.push(format!(
            "pixel size {v} µm/px is outside 1 pm–1 m per pixel: ignored"
        ));
        meta.pixel_size_um = None;
    }
    meta
}

/// Parses Zeiss SmartSEM text of an image `width` px wide.
///
/// Zeiss tags give no data-bar height, so `data_rows` stays `None` (the reader may then find
/// the bar in the pixels).
pub fn parse_zeiss(text: &str, width: u32) -> VendorMeta {
    let mut meta = VendorMeta {
        bar_detected: false,
        vendor: "Zeiss",
        pixel_size_um: None,
        data_rows: None,
        notes: Vec::new(),
    };
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let value_of = |key: &str| {
        lines.iter().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim().to_string())
        })
    };
    // The fallbacks hold the pixel size of a 1024-px-wide scan.
    let scan = 1024.0 / f64::from(width.max(1));
    if let Some(value) = value_of("Image Pixel Size") {
        match parse_length_um(&value) {
            Some(um) => meta.pixel_size_um = Some(um),
            None => meta
                .notes
                .push(format!("Image Pixel Size '{value}' is not a length")),
        }
    } else if let Some(value) = value_of("Pixel Size") {
        match parse_length_um(&value) {
            Some(um) => meta.pixel_size_um = Some(tidy(um * scan)),
            None => meta
                .notes
                .push(format!("Pixel Size '{value}' is not a length")),
        }
    } else {
        let line4 = lines.get(3).and_then(|l| l.parse::<f64>().ok());
        match line4 {
            Some(m) if m.is_finite() && m > 0.0 && m < 1e-2 => {
                meta.pixel_size_um = Some(tidy(m * 1e6 * scan));
            }
            _ => meta
                .notes
                .push("no 'Image Pixel Size' line and no pixel size in metres on line 4".into()),
        }
    }
    plausible(meta)
}

/// A converted value rounded to 9 significant digits, so that `3.3724e-006` m reads as
/// 3.3724 µm and not 3.3724000000000003 (metadata carries far fewer digits).
fn tidy(v: f64) -> f64 {
    format!("{v:.8e}").parse().unwrap_or(v)
}

/// `2.615 µm`, `850 nm`, `1.2 mm` → µm.
fn parse_length_um(value: &str) -> Option<f64> {
    let (number, unit) = value.split_once(' ').unwrap_or((value, "µm"));
    let n: f64 = number.trim().parse().ok()?;
    let factor = match unit.trim() {
        "pm" => 1e-6,
        "nm" => 1e-3,
        "µm" | "um" | "\u{3bc}m" => 1.0,
        "mm" => 1e3,
        "m" => 1e6,
        _ => return None,
    };
    let um = tidy(n * factor);
    (um.is_finite() && um > 0.0).then_some(um)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fei_ini_with_crlf() {
        let t = "[User]\r\nDate=x\r\n[Scan]\r\nPixelWidth=3.3724e-006\r\n[Image]\r\nResolutionY=442\r\n";
        let m = parse_fei(t);
        assert_eq!(m.pixel_size_um, Some(3.3724));
        assert_eq!(m.data_rows, Some(442));
        assert!(m.notes.is_empty());
    }

    /// Found by `tests/fuzz_parsers.rs`: a finite `PixelWidth` of 2.4e306 m became an infinite
    /// pixel size in µm; and a Zeiss size in pm read as 1e-9 µm.
    #[test]
    fn implausible_pixel_sizes_are_dropped_with_a_note() {
        let m = parse_fei("[Scan]\nPixelWidth=2.436458054079048e306\n[Image]\nResolutionY=-0\n");
        assert_eq!(m.pixel_size_um, None);
        assert!(
            m.notes.iter().any(|n| n.contains("outside 1 pm–1 m")),
            "{:?}",
            m.notes
        );
        let z = parse_zeiss("Image Pixel Size = 0.001 pm", 1024);
        assert_eq!(z.pixel_size_um, None);
        let ok = parse_zeiss("Image Pixel Size = 850 nm", 1024);
        assert_eq!(ok.pixel_size_um, Some(0.85));
    }

    #[test]
    fn fei_bad_floats_are_notes_not_errors() {
        let m = parse_fei("[Beam]\nHV=notafloat\n[Scan]\nPixelWidth=\n");
        assert_eq!(m.pixel_size_um, None);
        assert_eq!(m.notes.len(), 2, "{:?}", m.notes);
        assert!(m.notes[0].contains("PixelWidth ''"));
    }

    #[test]
    fn zeiss_latin1_units() {
        let m = parse_zeiss(
            "0\r\nDP_X\r\nAP_PIXEL_SIZE\r\nImage Pixel Size = 2.615 µm\r\n",
            1024,
        );
        assert_eq!(m.pixel_size_um, Some(2.615));
        assert_eq!(parse_length_um("850 nm"), Some(0.85));
        assert_eq!(parse_length_um("1.5 mm"), Some(1500.0));
        assert_eq!(parse_length_um("abc µm"), None);
    }

    #[test]
    fn zeiss_fallbacks_refer_to_a_1024_px_scan() {
        // Line 4 in metres, no 'Image Pixel Size': a 512-px image has pixels twice as large.
        let t = "0\r\nDP\r\nAP_PIXEL_SIZE\r\n2.614514e-006\r\n";
        let full = parse_zeiss(t, 1024).pixel_size_um.unwrap();
        let half = parse_zeiss(t, 512).pixel_size_um.unwrap();
        assert!((full - 2.614_514).abs() < 1e-9, "{full}");
        assert!((half - 2.0 * 2.614_514).abs() < 1e-9, "{half}");
        let m = parse_zeiss("a\nb\nc\nd\nPixel Size = 5.2 nm\n", 512);
        assert!((m.pixel_size_um.unwrap() - 0.0104).abs() < 1e-12);
        // 'Image Pixel Size' is the image's own and is not scaled.
        let m = parse_zeiss("Pixel Size = 1 µm\nImage Pixel Size = 3 µm\n", 512);
        assert_eq!(m.pixel_size_um, Some(3.0));
        assert!(parse_zeiss("x\n", 512).pixel_size_um.is_none());
    }
}
