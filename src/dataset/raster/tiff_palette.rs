//! Palette ("RGB palette", photometric 3) TIFFs, which microscope software writes and the
//! `tiff` crate refuses: strips are read and decompressed here (none, LZW, Deflate, PackBits),
//! giving one index per pixel and the colour map scaled to 8 bits.

use std::io::{Read, Seek, SeekFrom};

use tiff::decoder::Decoder;
use tiff::tags::Tag;

use super::tiff_reader::err;
use super::{Decoded, Format, PixelKind, RasterError, Samples, png_reader::unpack_bits};

fn unsupported(message: String) -> RasterError {
    RasterError::Unsupported {
        format: "tiff",
        message,
    }
}

/// Decodes the first page of a palette TIFF: 1/2/4/8-bit indices into a colour map
/// ([`PixelKind::Palette`], samples one index per pixel, row-major), or a 32-bit float grey
/// image mislabelled as palette. Tiled palette images and other depths are refused.
pub(super) fn decode<R: Read + Seek>(
    dec: &mut Decoder<R>,
    width: u32,
    height: u32,
) -> Result<Decoded, RasterError> {
    let bits = tag_or_one(dec, Tag::BitsPerSample)?;
    let float = tag_or_one(dec, Tag::SampleFormat)?;
    let float_grey = bits == 32 && float == 3;
    if !float_grey && !matches!(bits, 1 | 2 | 4 | 8) {
        return Err(unsupported(format!("palette with {bits}-bit indices")));
    }
    if dec.find_tag(Tag::TileWidth).map_err(|e| err(&e))?.is_some() {
        return Err(unsupported("tiled palette image; save it in strips".into()));
    }
    let compression = tag_or_one(dec, Tag::Compression)?;
    let predictor = tag_or_one(dec, Tag::Predictor)?;
    let strips = Strips {
        offsets: dec
            .get_tag_u64_vec(Tag::StripOffsets)
            .map_err(|e| err(&e))?,
        counts: dec
            .get_tag_u64_vec(Tag::StripByteCounts)
            .map_err(|e| err(&e))?,
        compression,
    };
    if float_grey {
        return decode_float_grey(dec, &strips, width, height);
    }
    let palette = read_palette(dec, bits)?;
    let line = (width as usize * usize::from(bits)).div_ceil(8);
    let mut data = strips.read(dec, line * height as usize)?;
    if predictor == 2 && bits == 8 {
        undo_horizontal_differencing(&mut data, line);
    }
    let indices = if bits == 8 {
        data
    } else {
        unpack_bits(&data, line, width, height, bits as u8)
    };
    Ok(Decoded {
        format: Format::Tiff,
        width,
        height,
        kind: PixelKind::Palette,
        bit_depth: bits as u8,
        samples: Samples::U8(indices),
        palette,
        vendor: None,
        more_pages: false,
    })
}

/// An unsigned tag's value, 1 where the tag is absent (the TIFF default of the tags read here).
fn tag_or_one<R: Read + Seek>(dec: &mut Decoder<R>, tag: Tag) -> Result<u16, RasterError> {
    Ok(dec
        .find_tag_unsigned(tag)
        .map_err(|e| err(&e))?
        .unwrap_or(1))
}

/// Aphelion writes 32-bit float images marked as palette: the values are the grey, one `f32`
/// per pixel in the file's byte order.
fn decode_float_grey<R: Read + Seek>(
    dec: &mut Decoder<R>,
    strips: &Strips,
    width: u32,
    height: u32,
) -> Result<Decoded, RasterError> {
    let expected = width as usize * 4 * height as usize;
    let data = strips.read(dec, expected)?;
    let big = dec.byte_order() == tiff::tags::ByteOrder::BigEndian;
    let values = data
        .chunks_exact(4)
        .map(|b| {
            let b = [b[0], b[1], b[2], b[3]];
            if big {
                f32::from_be_bytes(b)
            } else {
                f32::from_le_bytes(b)
            }
        })
        .collect();
    Ok(Decoded {
        format: Format::Tiff,
        width,
        height,
        kind: PixelKind::Grey,
        bit_depth: 32,
        samples: Samples::F32(values),
        palette: Vec::new(),
        vendor: None,
        more_pages: false,
    })
}

/// The colour map's `2^bits` entries as 8-bit RGB (the file stores three 16-bit planes: all
/// reds, then greens, then blues).
fn read_palette<R: Read + Seek>(
    dec: &mut Decoder<R>,
    bits: u16,
) -> Result<Vec<[u8; 3]>, RasterError> {
    let map = dec.get_tag_u16_vec(Tag::ColorMap).map_err(|e| err(&e))?;
    let entries = 1usize << bits;
    if map.len() < 3 * entries {
        return Err(RasterError::Decode {
            format: "tiff",
            message: format!(
                "colour map has {} values, {} expected",
                map.len(),
                3 * entries
            ),
        });
    }
    Ok((0..entries)
        .map(|i| {
            let c = |k: usize| (u32::from(map[k * entries + i]) / 257) as u8;
            [c(0), c(1), c(2)]
        })
        .collect())
}

/// Undoes predictor 2 on 8-bit rows of `line` bytes: each byte was stored as the difference
/// from its left neighbour.
fn undo_horizontal_differencing(data: &mut [u8], line: usize) {
    for row in data.chunks_mut(line) {
        for x in 1..row.len() {
            row[x] = row[x].wrapping_add(row[x - 1]);
        }
    }
}

/// Where the image's strips are and how they are compressed (the TIFF compression code).
struct Strips {
    /// Byte offset of each strip in the file.
    offsets: Vec<u64>,
    /// Stored (compressed) byte count of each strip.
    counts: Vec<u64>,
    /// 1 none, 5 LZW, 8 or 32946 Deflate, 32773 `PackBits`.
    compression: u16,
}

impl Strips {
    /// The image's strips, decompressed and joined: exactly `expected` bytes.
    fn read<R: Read + Seek>(
        &self,
        dec: &mut Decoder<R>,
        expected: usize,
    ) -> Result<Vec<u8>, RasterError> {
        let mut data = Vec::with_capacity(expected);
        for (&offset, &count) in self.offsets.iter().zip(&self.counts) {
            let mut raw = vec![
                0u8;
                usize::try_from(count)
                    .unwrap_or(usize::MAX)
                    .min(expected * 2 + 1024)
            ];
            let r = dec.inner();
            r.seek(SeekFrom::Start(offset))?;
            r.read_exact(&mut raw)?;
            data.extend(decompress(
                self.compression,
                &raw,
                expected - data.len().min(expected),
            )?);
            if data.len() >= expected {
                break;
            }
        }
        if data.len() < expected {
            return Err(RasterError::Decode {
                format: "tiff",
                message: format!("strips hold {} bytes, {expected} expected", data.len()),
            });
        }
        data.truncate(expected);
        Ok(data)
    }
}

/// One strip's bytes decompressed by TIFF compression code `method`, at most about `want`
/// bytes for Deflate (against bombs); unknown codes are refused.
fn decompress(method: u16, raw: &[u8], want: usize) -> Result<Vec<u8>, RasterError> {
    let fail = |m: String| RasterError::Decode {
        format: "tiff",
        message: m,
    };
    match method {
        1 => Ok(raw.to_vec()),
        5 => {
            let mut out = Vec::with_capacity(want);
            let mut d = weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
            let result = d.into_vec(&mut out).decode(raw);
            match result.status {
                Ok(_) => Ok(out),
                Err(e) => Err(fail(format!("LZW strip: {e}"))),
            }
        }
        8 | 32946 => {
            let mut out = Vec::with_capacity(want);
            flate2::read::ZlibDecoder::new(raw)
                .take(want as u64)
                .read_to_end(&mut out)
                .map_err(|e| fail(format!("deflate strip: {e}")))?;
            Ok(out)
        }
        32773 => Ok(unpack_packbits(raw, want)),
        other => Err(unsupported(format!(
            "compression {other} in a palette image"
        ))),
    }
}

/// `PackBits` run-length decoding: a header byte n ≥ 0 copies n + 1 literal bytes, n < 0
/// (but not −128, a no-op) repeats the next byte 1 − n times; stops once it has `want`
/// bytes (the last run may pass it).
fn unpack_packbits(raw: &[u8], want: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(want);
    let mut i = 0;
    while i < raw.len() && out.len() < want {
        let n = raw[i] as i8;
        i += 1;
        if n >= 0 {
            let end = (i + n as usize + 1).min(raw.len());
            out.extend_from_slice(&raw[i..end]);
            i = end;
        } else if n != -128 {
            if let Some(&b) = raw.get(i) {
                out.extend(std::iter::repeat_n(b, (1 - i32::from(n)) as usize));
            }
            i += 1;
        }
    }
    out
}
