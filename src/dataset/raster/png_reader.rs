//! PNG decoding with the `png` crate, keeping stored precision and palette indices.

use std::io::{BufRead, Seek};

use png::{BitDepth, ColorType, Transformations};

use super::{DecodeLimits, Decoded, Format, PixelKind, RasterError, Samples, check_size};

/// A PNG decoder error as a [`RasterError::Decode`].
fn err(e: &png::DecodingError) -> RasterError {
    RasterError::Decode {
        format: "png",
        message: e.to_string(),
    }
}

/// Decodes the first frame with no transformation: 16-bit samples stay 16-bit, palette images
/// keep their indices and colour map, sub-byte depths are unpacked. The byte limit of
/// `limits` bounds the decoder's allocations; the pixel limit is checked on the header.
pub(super) fn decode<R: BufRead + Seek>(
    reader: R,
    limits: DecodeLimits,
) -> Result<Decoded, RasterError> {
    let mut decoder = png::Decoder::new_with_limits(
        reader,
        png::Limits {
            bytes: limits.max_bytes,
        },
    );
    decoder.set_transformations(Transformations::IDENTITY);
    let header = decoder.read_header_info().map_err(|e| err(&e))?;
    check_size(header.width, header.height, limits)?;
    let mut reader = decoder.read_info().map_err(|e| err(&e))?;
    let (colour, depth) = reader.output_color_type();
    let size = reader.output_buffer_size().ok_or(RasterError::TooLarge {
        width: reader.info().width,
        height: reader.info().height,
        max_pixels: limits.max_pixels,
    })?;
    let mut buf = vec![0u8; size];
    let frame = reader.next_frame(&mut buf).map_err(|e| err(&e))?;
    let (width, height) = (frame.width, frame.height);
    let palette = reader
        .info()
        .palette
        .as_ref()
        .map(|p| p.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect())
        .unwrap_or_default();
    let kind = pixel_kind(colour);
    let samples = samples(&buf, &frame, kind.channels(), depth);
    Ok(Decoded {
        format: Format::Png,
        width,
        height,
        kind,
        bit_depth: depth as u8,
        samples,
        palette,
        vendor: None,
        more_pages: false,
    })
}

/// The PNG colour type as our sample layout (PNG indexed colour is [`PixelKind::Palette`]).
fn pixel_kind(colour: ColorType) -> PixelKind {
    match colour {
        ColorType::Grayscale => PixelKind::Grey,
        ColorType::GrayscaleAlpha => PixelKind::GreyAlpha,
        ColorType::Rgb => PixelKind::Rgb,
        ColorType::Rgba => PixelKind::Rgba,
        ColorType::Indexed => PixelKind::Palette,
    }
}

/// The frame's samples, row-major without row padding: 16-bit ones from big-endian byte
/// pairs, 1/2/4-bit ones unpacked to a byte each. `buf` holds the frame's rows of
/// `frame.line_size` bytes; `channels` samples per pixel.
fn samples(buf: &[u8], frame: &png::OutputInfo, channels: usize, depth: BitDepth) -> Samples {
    let (width, height, line) = (frame.width, frame.height, frame.line_size);
    match depth {
        BitDepth::Sixteen => Samples::U16(
            buf[..line * height as usize]
                .chunks_exact(line)
                .flat_map(|row| {
                    row[..width as usize * channels * 2]
                        .chunks_exact(2)
                        .map(|b| u16::from_be_bytes([b[0], b[1]]))
                })
                .collect(),
        ),
        BitDepth::Eight => Samples::U8(
            buf[..line * height as usize]
                .chunks_exact(line)
                .flat_map(|row| row[..width as usize * channels].iter().copied())
                .collect(),
        ),
        BitDepth::One | BitDepth::Two | BitDepth::Four => {
            Samples::U8(unpack_bits(buf, line, width, height, depth as u8))
        }
    }
}

/// Unpacks 1/2/4-bit single-channel rows (MSB first) into one byte per pixel.
pub(super) fn unpack_bits(buf: &[u8], line: usize, width: u32, height: u32, bits: u8) -> Vec<u8> {
    let per_byte = 8 / usize::from(bits);
    let mask = (1u8 << bits) - 1;
    let mut out = Vec::with_capacity(width as usize * height as usize);
    for row in buf.chunks(line).take(height as usize) {
        for x in 0..width as usize {
            let byte = row.get(x / per_byte).copied().unwrap_or(0);
            let shift = 8 - usize::from(bits) * (x % per_byte + 1);
            out.push((byte >> shift) & mask);
        }
    }
    out
}
