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

pub(super) fn decode<R: Read + Seek>(
    dec: &mut Decoder<R>,
    width: u32,
    height: u32,
) -> Result<Decoded, RasterError> {
    let bits: u16 = dec
        .find_tag_unsigned(Tag::BitsPerSample)
        .map_err(|e| err(&e))?
        .unwrap_or(1);
    let float: u16 = dec
        .find_tag_unsigned(Tag::SampleFormat)
        .map_err(|e| err(&e))?
        .unwrap_or(1);
    let float_grey = bits == 32 && float == 3;
    if !float_grey && !matches!(bits, 1 | 2 | 4 | 8) {
        return Err(unsupported(format!("palette with {bits}-bit indices")));
    }
    if dec.find_tag(Tag::TileWidth).map_err(|e| err(&e))?.is_some() {
        return Err(unsupported("tiled palette image; save it in strips".into()));
    }
    let compression: u16 = dec
        .find_tag_unsigned(Tag::Compression)
        .map_err(|e| err(&e))?
        .unwrap_or(1);
    let predictor: u16 = dec
        .find_tag_unsigned(Tag::Predictor)
        .map_err(|e| err(&e))?
        .unwrap_or(1);
    let offsets = dec
        .get_tag_u64_vec(Tag::StripOffsets)
        .map_err(|e| err(&e))?;
    let counts = dec
        .get_tag_u64_vec(Tag::StripByteCounts)
        .map_err(|e| err(&e))?;
    if float_grey {
        // Aphelion writes 32-bit float images marked as palette: the values are the grey.
        let expected = width as usize * 4 * height as usize;
        let data = read_strips(dec, &offsets, &counts, compression, expected)?;
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
        return Ok(Decoded {
            format: Format::Tiff,
            width,
            height,
            kind: PixelKind::Grey,
            bit_depth: 32,
            samples: Samples::F32(values),
            palette: Vec::new(),
            vendor: None,
            more_pages: false,
        });
    }
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
    let palette: Vec<[u8; 3]> = (0..entries)
        .map(|i| {
            let c = |k: usize| (u32::from(map[k * entries + i]) / 257) as u8;
            [c(0), c(1), c(2)]
        })
        .collect();
    let line = (width as usize * usize::from(bits)).div_ceil(8);
    let expected = line * height as usize;
    let mut data = read_strips(dec, &offsets, &counts, compression, expected)?;
    if predictor == 2 && bits == 8 {
        for row in data.chunks_mut(line) {
            for x in 1..row.len() {
                row[x] = row[x].wrapping_add(row[x - 1]);
            }
        }
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

/// The image's strips, decompressed and joined: exactly `expected` bytes.
fn read_strips<R: Read + Seek>(
    dec: &mut Decoder<R>,
    offsets: &[u64],
    counts: &[u64],
    compression: u16,
    expected: usize,
) -> Result<Vec<u8>, RasterError> {
    let mut data = Vec::with_capacity(expected);
    for (&offset, &count) in offsets.iter().zip(counts) {
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
            compression,
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
