//! The instrument's data bar at the bottom of a raw SEM image (scale bar, magnification,
//! detector, date as text): rows that are not specimen and must not reach a model, which would
//! label the text as minerals.
//!
//! From the file: FEI/Thermo `[Image] ResolutionY` below the image height gives the rows of
//! image data above the bar. From the pixels, because some instruments write no height (or
//! `DatabarHeight=0`) and still draw a bar: scanning up from the bottom, a band of rows in
//! which at least 90 % of the pixels are near black (≤ 8) or near white (≥ 247), that holds
//! text (at least 3 rows with both and 4 or more black–white transitions), ending at most 3
//! rows above the bottom (the Zeiss file has a border row under its bar), no higher than a
//! quarter of the image, with a specimen row above it (under half its pixels extreme). A band
//! that does not end below a specimen row (a blank or saturated image) is not a bar.

use super::{Grey8, VendorMeta};

/// Where a crop came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DatabarSource {
    /// `--crop-databar N`.
    Given,
    /// The vendor tag's image height.
    Metadata,
    /// Found in the pixels.
    Detected,
    /// No bar found, or `--crop-databar none`.
    None,
}

/// Rows of data bar at the bottom of `img` found in its pixels (see the module docs).
pub fn detect(img: &Grey8) -> Option<u32> {
    let (w, h) = (img.width as usize, img.height as usize);
    if w == 0 || h < 16 {
        return None;
    }
    let row = |y: usize| &img.pixels[y * w..(y + 1) * w];
    let extreme = |y: usize| row(y).iter().filter(|&&v| v <= 8 || v >= 247).count() * 10 >= w * 9;
    let max_band = h / 4;
    // The last rows may hold something else (a border line of the scan): up to 3 are skipped.
    let mut top = h;
    while top > h - 3 && !extreme(top - 1) {
        top -= 1;
    }
    while top > 0 && extreme(top - 1) {
        top -= 1;
        if h - top > max_band {
            return None;
        }
    }
    let band = h - top;
    if band < 9 || top == 0 {
        return None;
    }
    let above = row(top - 1).iter().filter(|&&v| v <= 8 || v >= 247).count();
    if above * 2 >= w {
        return None;
    }
    let text_rows = (top..h).filter(|&y| text_like(row(y))).count();
    (text_rows >= 3).then_some(band as u32)
}

/// A row with both black and white pixels and at least 4 black–white transitions.
fn text_like(row: &[u8]) -> bool {
    let mut last: Option<bool> = None;
    let mut transitions = 0;
    for &v in row {
        let state = match v {
            0..=8 => Some(false),
            247..=255 => Some(true),
            _ => None,
        };
        if let Some(s) = state {
            if last.is_some_and(|l| l != s) {
                transitions += 1;
            }
            last = Some(s);
        }
    }
    transitions >= 4
}

/// Rows to crop from the bottom of `img`: the vendor tag's bar when it gives one, else the bar
/// found in the pixels.
pub fn auto(img: &Grey8, vendor: Option<&VendorMeta>) -> (u32, DatabarSource) {
    if let Some(v) = vendor
        && let Some(rows) = v.data_rows
        && rows < img.height
    {
        let source = if v.bar_detected {
            DatabarSource::Detected
        } else {
            DatabarSource::Metadata
        };
        return (img.height - rows, source);
    }
    match detect(img) {
        Some(n) => (n, DatabarSource::Detected),
        None => (0, DatabarSource::None),
    }
}

/// `img` without its bottom `rows`.
pub fn crop_bottom(mut img: Grey8, rows: u32) -> Grey8 {
    let keep = img.height.saturating_sub(rows);
    img.pixels.truncate(keep as usize * img.width as usize);
    img.pixels.shrink_to_fit();
    img.height = keep;
    img
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A specimen-like image (mid greys with noise) with a `bar`-row text band at the bottom.
    fn with_bar(w: u32, h: u32, bar: u32) -> Grey8 {
        let mut pixels = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let v = if y >= h - bar {
                    // White band with black "glyphs".
                    if y > h - bar + 2 && (x / 3) % 4 == 0 && y % 5 != 0 {
                        0
                    } else {
                        255
                    }
                } else {
                    (90 + (x * 7 + y * 13) % 60) as u8
                };
                pixels.push(v);
            }
        }
        Grey8 {
            width: w,
            height: h,
            pixels,
        }
    }

    #[test]
    fn a_text_band_under_the_specimen_is_found() {
        assert_eq!(detect(&with_bar(200, 160, 20)), Some(20));
        assert_eq!(detect(&with_bar(200, 160, 0)), None);
        let img = with_bar(200, 160, 20);
        let c = crop_bottom(img, 20);
        assert_eq!((c.height, c.pixels.len()), (140, 140 * 200));
    }

    #[test]
    fn blank_saturated_or_tall_bands_are_not_bars() {
        let blank = Grey8 {
            width: 64,
            height: 64,
            pixels: vec![0; 64 * 64],
        };
        assert_eq!(detect(&blank), None);
        // A band higher than a quarter of the image is specimen (a bright grain), not a bar.
        assert_eq!(detect(&with_bar(200, 160, 60)), None);
    }

    #[test]
    fn the_tag_wins_when_it_gives_a_bar() {
        let img = with_bar(200, 160, 20);
        let meta = VendorMeta {
            bar_detected: false,
            vendor: "FEI",
            pixel_size_um: None,
            data_rows: Some(150),
            notes: vec![],
        };
        assert_eq!(auto(&img, Some(&meta)), (10, DatabarSource::Metadata));
        let none = VendorMeta {
            bar_detected: false,
            data_rows: Some(160),
            ..meta
        };
        assert_eq!(auto(&img, Some(&none)), (20, DatabarSource::Detected));
    }
}
