//! Pixel size files: `input-features/NAME.txt`, first line `pixel_size: <float>` in µm/px.
//!
//! The study's loader reads the first line and takes the float after the colon. We accept
//! what real folders contain besides: a UTF-8 BOM, CRLF line ends, extra spaces, any case of
//! the key, `=` instead of `:`, and a trailing unit `um`/`µm` or `µm/px`. We reject anything
//! that is not a finite number above zero.

/// Why a pixel-size file could not give a pixel size.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PixelSizeError {
    #[error("file is empty: its first line must be 'pixel_size: <µm per pixel>'")]
    Empty,
    #[error("first line '{0}' is not 'pixel_size: <µm per pixel>'")]
    NoKey(String),
    #[error("pixel size '{0}' is not a number: write it in µm per pixel, e.g. 'pixel_size: 2.381'")]
    NotANumber(String),
    #[error(
        "pixel size {0} µm/px is outside 1 pm–1 m per pixel (1e-6 to 1e6 µm/px): write it in µm per pixel, e.g. 'pixel_size: 2.381'"
    )]
    OutOfRange(f64),
    #[error(
        "file is UTF-16 text (what Windows Notepad saves as 'Unicode'): save it as UTF-8 or plain ASCII; the study's loader cannot read UTF-16 either"
    )]
    Utf16,
}

/// The pixel sizes taken, in µm/px: 1 pm to 1 m per pixel. Outside it a value is a typo or a
/// unit mix-up (metres written as µm), and would print as a 30-digit number in an export.
pub const RANGE_UM: std::ops::RangeInclusive<f64> = 1e-6..=1e6;

/// `v` (µm/px) if it is finite and inside [`RANGE_UM`].
pub fn check_range(v: f64) -> Result<f64, PixelSizeError> {
    if v.is_finite() && RANGE_UM.contains(&v) {
        Ok(v)
    } else {
        Err(PixelSizeError::OutOfRange(v))
    }
}

/// Parses a pixel-size file's bytes: UTF-8 (a BOM is fine); UTF-16 is named as such.
pub fn parse_pixel_size_bytes(bytes: &[u8]) -> Result<f64, PixelSizeError> {
    if looks_utf16(bytes) {
        return Err(PixelSizeError::Utf16);
    }
    parse_pixel_size(&String::from_utf8_lossy(bytes))
}

/// A UTF-16 byte-order mark, or ASCII text with a NUL in every other byte.
fn looks_utf16(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    let head = &bytes[..bytes.len().min(32)];
    head.len() >= 4 && {
        let nul_even = head.iter().step_by(2).all(|&b| b == 0);
        let nul_odd = head.iter().skip(1).step_by(2).all(|&b| b == 0);
        nul_even != nul_odd
    }
}

/// Parses the contents of a pixel-size file into µm/px.
pub fn parse_pixel_size(text: &str) -> Result<f64, PixelSizeError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let line = text
        .lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\0'))
        .find(|l| !l.is_empty())
        .ok_or(PixelSizeError::Empty)?;
    let (key, value) = line
        .split_once(':')
        .or_else(|| line.split_once('='))
        .ok_or_else(|| PixelSizeError::NoKey(clip(line)))?;
    let key = key.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    if key != "pixel_size" && key != "pixelsize" {
        return Err(PixelSizeError::NoKey(clip(line)));
    }
    let value = strip_unit(value.trim());
    let number: f64 = value
        .parse()
        .map_err(|_| PixelSizeError::NotANumber(clip(value)))?;
    check_range(number)
}

fn strip_unit(value: &str) -> &str {
    for unit in ["µm/px", "um/px", "µm", "um"] {
        if let Some(v) = value.strip_suffix(unit) {
            return v.trim_end();
        }
    }
    value
}

fn clip(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() > MAX {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}…")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn study_format_and_real_world_variants() {
        assert_eq!(parse_pixel_size("pixel_size: 2.3810\n"), Ok(2.381));
        assert_eq!(parse_pixel_size("pixel_size:2.3810"), Ok(2.381));
        assert_eq!(
            parse_pixel_size("  pixel_size :   0.25  \r\nnext: 1\r\n"),
            Ok(0.25)
        );
        assert_eq!(parse_pixel_size("\u{feff}pixel_size: 19.6\r\n"), Ok(19.6));
        assert_eq!(parse_pixel_size("\n\nPixel_Size: 1e-1 µm"), Ok(0.1));
        assert_eq!(parse_pixel_size("pixel_size = 0.02"), Ok(0.02));
    }

    #[test]
    fn utf16_files_are_named_as_such() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("pixel_size: 2.5".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(parse_pixel_size_bytes(&le), Err(PixelSizeError::Utf16));
        let be_no_bom: Vec<u8> = "pixel_size: 2.5"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(
            parse_pixel_size_bytes(&be_no_bom),
            Err(PixelSizeError::Utf16)
        );
        assert!(
            PixelSizeError::Utf16
                .to_string()
                .contains("save it as UTF-8")
        );
        assert_eq!(parse_pixel_size_bytes(b"pixel_size: 2.5\r\n"), Ok(2.5));
        assert_eq!(
            parse_pixel_size_bytes(b"\xEF\xBB\xBFpixel_size: 2.5"),
            Ok(2.5)
        );
    }

    #[test]
    fn sizes_outside_a_picometre_to_a_metre_are_refused_with_the_value() {
        assert_eq!(
            parse_pixel_size("pixel_size: 1e30"),
            Err(PixelSizeError::OutOfRange(1e30))
        );
        assert_eq!(
            parse_pixel_size("pixel_size: 1e-300"),
            Err(PixelSizeError::OutOfRange(1e-300))
        );
        assert_eq!(parse_pixel_size("pixel_size: 1e-6"), Ok(1e-6));
        assert_eq!(parse_pixel_size("pixel_size: 1000000"), Ok(1e6));
        let e = parse_pixel_size("pixel_size: 1e30")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("1000000000000000000000000000000 µm/px is outside 1 pm–1 m"),
            "{e}"
        );
    }

    #[test]
    fn bad_values_say_what_is_wrong() {
        assert_eq!(parse_pixel_size(""), Err(PixelSizeError::Empty));
        assert_eq!(parse_pixel_size(" \r\n"), Err(PixelSizeError::Empty));
        assert!(matches!(
            parse_pixel_size("scale: 2"),
            Err(PixelSizeError::NoKey(_))
        ));
        assert!(matches!(
            parse_pixel_size("2.38"),
            Err(PixelSizeError::NoKey(_))
        ));
        assert_eq!(
            parse_pixel_size("pixel_size: abc"),
            Err(PixelSizeError::NotANumber("abc".into()))
        );
        assert_eq!(
            parse_pixel_size("pixel_size: 0"),
            Err(PixelSizeError::OutOfRange(0.0))
        );
        assert_eq!(
            parse_pixel_size("pixel_size: -1.5"),
            Err(PixelSizeError::OutOfRange(-1.5))
        );
        assert!(matches!(
            parse_pixel_size("pixel_size: NaN"),
            Err(PixelSizeError::OutOfRange(_))
        ));
        assert!(matches!(
            parse_pixel_size("pixel_size: inf"),
            Err(PixelSizeError::OutOfRange(_))
        ));
    }
}
