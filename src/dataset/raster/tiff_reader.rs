//! TIFF decoding with the `tiff` crate: grey, RGB(A), 8/16-bit integers and 32/64-bit floats.
//! Palette TIFFs, which `tiff` refuses, go through [`super::tiff_palette`].

use std::io::{Read, Seek};

use tiff::ColorType;
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::tags::{PhotometricInterpretation, Tag};

use super::{
    DecodeLimits, Decoded, Format, PixelKind, RasterError, Samples, check_size, tiff_palette,
    vendor,
};

/// A `tiff` crate error as ours: unsupported features as [`RasterError::Unsupported`],
/// everything else as [`RasterError::Decode`].
pub(super) fn err(e: &tiff::TiffError) -> RasterError {
    match e {
        tiff::TiffError::UnsupportedError(u) => RasterError::Unsupported {
            format: "tiff",
            message: u.to_string(),
        },
        other => RasterError::Decode {
            format: "tiff",
            message: other.to_string(),
        },
    }
}

/// Decodes the first page of a TIFF with its vendor metadata (FEI, Zeiss). Palette images go
/// to `tiff_palette`; `WhiteIsZero` grey is inverted so bright is always high; signed integer
/// samples are shifted to unsigned; 32/64-bit integer and 16-bit float samples are refused.
pub(super) fn decode<R: Read + Seek>(
    reader: R,
    limits: DecodeLimits,
) -> Result<Decoded, RasterError> {
    let mut tl = Limits::default();
    tl.decoding_buffer_size = limits.max_bytes;
    tl.intermediate_buffer_size = limits.max_bytes.min(256 << 20);
    let mut dec = Decoder::new(reader).map_err(|e| err(&e))?.with_limits(tl);
    let (width, height) = dec.dimensions().map_err(|e| err(&e))?;
    check_size(width, height, limits)?;
    let vendor = vendor::read(&mut dec, width);
    let photometric = dec
        .find_tag_unsigned::<u16>(Tag::PhotometricInterpretation)
        .map_err(|e| err(&e))?;
    if photometric == Some(PhotometricInterpretation::RGBPalette.to_u16()) {
        let mut decoded = tiff_palette::decode(&mut dec, width, height)?;
        decoded.vendor = vendor;
        decoded.more_pages = dec.more_images();
        return Ok(with_detected_bar(decoded));
    }
    let colour = dec.colortype().map_err(|e| err(&e))?;
    let (kind, bits) = match colour {
        ColorType::Gray(b) => (PixelKind::Grey, b),
        ColorType::GrayA(b) => (PixelKind::GreyAlpha, b),
        ColorType::RGB(b) => (PixelKind::Rgb, b),
        ColorType::RGBA(b) => (PixelKind::Rgba, b),
        other => {
            return Err(RasterError::Unsupported {
                format: "tiff",
                message: format!("colour type {other:?}; save as grey, RGB or palette"),
            });
        }
    };
    let white_is_zero = photometric == Some(PhotometricInterpretation::WhiteIsZero.to_u16());
    let result = dec.read_image().map_err(|e| err(&e))?;
    let result = match result {
        DecodingResult::U8(v) if bits < 8 && v.len() != (width as usize * height as usize) => {
            // Sub-byte samples arrive packed, rows padded to whole bytes.
            let line = (width as usize * usize::from(bits)).div_ceil(8);
            DecodingResult::U8(super::png_reader::unpack_bits(
                &v, line, width, height, bits,
            ))
        }
        other => other,
    };
    let samples = to_samples(result, bits, white_is_zero)?;
    Ok(with_detected_bar(Decoded {
        format: Format::Tiff,
        width,
        height,
        kind,
        bit_depth: bits,
        samples,
        palette: Vec::new(),
        vendor,
        more_pages: dec.more_images(),
    }))
}

/// A microscope file (vendor tag present) whose tag gives no data bar may still have one drawn
/// (`DatabarHeight=0` on some FEI instruments, Zeiss files): look for it in the pixels, so that
/// the index, dataset reads and `import` all cut the same rows.
fn with_detected_bar(mut d: Decoded) -> Decoded {
    let needs = d
        .vendor
        .as_ref()
        .is_some_and(|v| v.data_rows.is_none_or(|rows| rows >= d.height));
    if !needs {
        return d;
    }
    if let Some(rows) = super::databar::detect(&d.to_grey8())
        && let Some(v) = d.vendor.as_mut()
    {
        v.data_rows = Some(d.height - rows);
        v.bar_detected = true;
        v.notes.push(format!(
            "a {rows}-row data bar was found in the pixels; the tag gives none"
        ));
    }
    d
}

/// The decoder's result in our sample types, inverted when `invert` (`WhiteIsZero`).
fn to_samples(result: DecodingResult, bits: u8, invert: bool) -> Result<Samples, RasterError> {
    let unsupported = |what: &str| RasterError::Unsupported {
        format: "tiff",
        message: format!("{what} samples; save as 8/16-bit integer or 32-bit float"),
    };
    let samples = match result {
        DecodingResult::U8(v) => Samples::U8(v),
        DecodingResult::U16(v) => Samples::U16(v),
        DecodingResult::F32(v) => Samples::F32(v),
        DecodingResult::F64(v) => Samples::F32(v.into_iter().map(|x| x as f32).collect()),
        DecodingResult::I8(v) => {
            Samples::U8(v.into_iter().map(|x| (i16::from(x) + 128) as u8).collect())
        }
        DecodingResult::I16(v) => Samples::U16(
            v.into_iter()
                .map(|x| (i32::from(x) + 32768) as u16)
                .collect(),
        ),
        DecodingResult::U32(_) | DecodingResult::I32(_) => {
            return Err(unsupported("32-bit integer"));
        }
        DecodingResult::U64(_) | DecodingResult::I64(_) => {
            return Err(unsupported("64-bit integer"));
        }
        DecodingResult::F16(_) => return Err(unsupported("16-bit float")),
    };
    Ok(if invert {
        invert_samples(samples, bits)
    } else {
        samples
    })
}

/// Inverts samples of `bits` bits: `max − v` for integers, `1 − v` for floats.
fn invert_samples(samples: Samples, bits: u8) -> Samples {
    match samples {
        Samples::U8(v) => {
            let max = if bits >= 8 { 255 } else { (1u8 << bits) - 1 };
            Samples::U8(v.into_iter().map(|x| max - x.min(max)).collect())
        }
        Samples::U16(v) => Samples::U16(v.into_iter().map(|x| u16::MAX - x).collect()),
        Samples::F32(v) => Samples::F32(v.into_iter().map(|x| 1.0 - x).collect()),
    }
}
