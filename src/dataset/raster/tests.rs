use super::*;

fn png_bytes(
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

const L: DecodeLimits = DecodeLimits {
    max_pixels: 1 << 20,
    max_bytes: 1 << 24,
};

#[test]
fn png_grey8_reads_as_is() {
    let bytes = png_bytes(
        3,
        2,
        png::ColorType::Grayscale,
        png::BitDepth::Eight,
        &[0, 1, 2, 100, 200, 255],
        None,
    );
    let d = decode_bytes(&bytes, L).unwrap();
    assert_eq!(
        (d.width, d.height, d.bit_depth, d.format),
        (3, 2, 8, Format::Png)
    );
    assert_eq!(d.to_grey8().pixels, vec![0, 1, 2, 100, 200, 255]);
}

#[test]
fn png_16bit_scales_full_range() {
    let values: [u16; 4] = [0, 257, 32896, 65535];
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()).collect();
    let bytes = png_bytes(
        2,
        2,
        png::ColorType::Grayscale,
        png::BitDepth::Sixteen,
        &data,
        None,
    );
    let d = decode_bytes(&bytes, L).unwrap();
    assert_eq!(d.bit_depth, 16);
    assert_eq!(d.to_grey8().pixels, vec![0, 1, 128, 255]);
    // As a mask, 16-bit values are raw class ids, not scaled.
    let table = ClassSchemaFixture::table();
    let m = d.to_mask(&table, 10).unwrap();
    assert_eq!(m.outside, vec![(257, 1), (32896, 1), (65535, 1)]);
    assert_eq!(m.counts[0], 1);
}

struct ClassSchemaFixture;
impl ClassSchemaFixture {
    fn table() -> Vec<u8> {
        crate::dataset::ClassSchema::default().value_table()
    }
}

#[test]
fn rgb_mask_with_equal_channels_is_grey() {
    let data = [3, 3, 3, 7, 7, 7, 9, 9, 9, 0, 0, 0];
    let bytes = png_bytes(2, 2, png::ColorType::Rgb, png::BitDepth::Eight, &data, None);
    let m = decode_bytes(&bytes, L)
        .unwrap()
        .to_mask(&ClassSchemaFixture::table(), 10)
        .unwrap();
    assert_eq!(m.classes, vec![3, 7, 9, 0]);
    assert_eq!(m.counts.iter().sum::<u64>(), 4);
    assert_eq!(m.counts[7], 1);
}

#[test]
fn rgba_mask_with_unequal_channels_names_the_pixel() {
    let data = [3, 3, 3, 255, 1, 2, 3, 255];
    let bytes = png_bytes(
        2,
        1,
        png::ColorType::Rgba,
        png::BitDepth::Eight,
        &data,
        None,
    );
    let e = decode_bytes(&bytes, L)
        .unwrap()
        .to_mask(&ClassSchemaFixture::table(), 10)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "mask is colour, not grey: pixel (1, 0) is RGB (1, 2, 3); save masks as grey class ids"
    );
}

#[test]
fn palette_png_gives_indices_for_masks_and_colours_for_images() {
    let palette = vec![0, 0, 0, 255, 255, 255, 100, 100, 100];
    let bytes = png_bytes(
        3,
        1,
        png::ColorType::Indexed,
        png::BitDepth::Eight,
        &[2, 1, 0],
        Some(palette),
    );
    let d = decode_bytes(&bytes, L).unwrap();
    assert_eq!(d.kind, PixelKind::Palette);
    assert_eq!(
        d.to_mask(&ClassSchemaFixture::table(), 10).unwrap().classes,
        vec![2, 1, 0]
    );
    assert_eq!(d.to_grey8().pixels, vec![100, 255, 0]);
}

#[test]
fn low_bit_depth_unpacks() {
    // 1-bit: 10100000 → 1,0,1 for width 3.
    let bytes = png_bytes(
        3,
        1,
        png::ColorType::Grayscale,
        png::BitDepth::One,
        &[0b1010_0000],
        None,
    );
    let d = decode_bytes(&bytes, L).unwrap();
    assert_eq!(
        d.to_mask(&ClassSchemaFixture::table(), 10).unwrap().classes,
        vec![1, 0, 1]
    );
    assert_eq!(d.to_grey8().pixels, vec![255, 0, 255]);
}

#[test]
fn truncated_png_is_a_decode_error() {
    let data: Vec<u8> = (0..64 * 64).map(|i| (i * 7 % 251) as u8).collect();
    let bytes = png_bytes(
        64,
        64,
        png::ColorType::Grayscale,
        png::BitDepth::Eight,
        &data,
        None,
    );
    let cut = &bytes[..bytes.len() / 2];
    let e = decode_bytes(cut, L).unwrap_err();
    assert!(
        matches!(e, RasterError::Decode { format: "png", .. }),
        "{e}"
    );
    assert!(e.to_string().contains("truncated or corrupt"));
}

#[test]
fn oversized_header_is_refused_before_allocation() {
    let data = vec![0u8; 4 * 4];
    let mut bytes = png_bytes(
        4,
        4,
        png::ColorType::Grayscale,
        png::BitDepth::Eight,
        &data,
        None,
    );
    // Patch IHDR width/height to 100000 x 100000 (the CRC then fails, or the size check does).
    bytes[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bytes[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    assert!(decode_bytes(&bytes, L).is_err());
    let small = DecodeLimits {
        max_pixels: 8,
        max_bytes: 1 << 20,
    };
    let ok = png_bytes(
        4,
        4,
        png::ColorType::Grayscale,
        png::BitDepth::Eight,
        &data,
        None,
    );
    assert!(matches!(
        decode_bytes(&ok, small),
        Err(RasterError::TooLarge {
            width: 4,
            height: 4,
            ..
        })
    ));
}

#[test]
fn junk_bytes_are_unknown_format() {
    let e = decode_bytes(b"\0", L).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("not a PNG or TIFF file (first bytes 00)"),
        "{e}"
    );
    assert!(
        decode_bytes(b"", L)
            .unwrap_err()
            .to_string()
            .contains("the file is empty")
    );
}

fn tiff_bytes<C: tiff::encoder::colortype::ColorType>(w: u32, h: u32, data: &[C::Inner]) -> Vec<u8>
where
    [C::Inner]: tiff::encoder::TiffValue,
{
    let mut out = std::io::Cursor::new(Vec::new());
    let mut enc = tiff::encoder::TiffEncoder::new(&mut out).unwrap();
    enc.write_image::<C>(w, h, data).unwrap();
    out.into_inner()
}

#[test]
fn tiff_grey8_16_and_float() {
    use tiff::encoder::colortype::{Gray8, Gray16, Gray32Float};
    let d = decode_bytes(&tiff_bytes::<Gray8>(2, 1, &[5, 250]), L).unwrap();
    assert_eq!(
        (d.format, d.to_grey8().pixels),
        (Format::Tiff, vec![5, 250])
    );
    let d = decode_bytes(&tiff_bytes::<Gray16>(2, 1, &[0, 65535]), L).unwrap();
    assert_eq!(d.to_grey8().pixels, vec![0, 255]);
    let d = decode_bytes(&tiff_bytes::<Gray32Float>(3, 1, &[0.0, 0.5, 1.0]), L).unwrap();
    assert_eq!(d.to_grey8().pixels, vec![0, 128, 255]);
    // Outside [0, 1]: min–max stretch; NaN → 0.
    let d = decode_bytes(
        &tiff_bytes::<Gray32Float>(4, 1, &[-1.0, 1.0, 3.0, f32::NAN]),
        L,
    )
    .unwrap();
    assert_eq!(d.to_grey8().pixels, vec![0, 128, 255, 0]);
    assert!(matches!(
        d.to_mask(&ClassSchemaFixture::table(), 10),
        Err(RasterError::MaskFloat)
    ));
}

/// A little-endian, uncompressed, 8-bit palette TIFF built by hand (the `tiff` crate cannot
/// write one).
pub(crate) fn palette_tiff(w: u16, h: u16, indices: &[u8], grey_map: bool) -> Vec<u8> {
    let n = 256usize;
    let map: Vec<u16> = (0..3 * n)
        .map(|k| {
            let i = (k % n) as u16;
            if grey_map { i * 257 } else { (255 - i) * 257 }
        })
        .collect();
    let header = 8u32;
    let pixels_at = header;
    let map_at = pixels_at + indices.len() as u32;
    let ifd_at = map_at + (map.len() * 2) as u32;
    let mut b = Vec::new();
    b.extend_from_slice(b"II*\0");
    b.extend_from_slice(&ifd_at.to_le_bytes());
    b.extend_from_slice(indices);
    for v in &map {
        b.extend_from_slice(&v.to_le_bytes());
    }
    let entries: Vec<(u16, u16, u32, u32)> = vec![
        (256, 3, 1, u32::from(w)),
        (257, 3, 1, u32::from(h)),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 3),
        (273, 4, 1, pixels_at),
        (277, 3, 1, 1),
        (278, 3, 1, u32::from(h)),
        (279, 4, 1, indices.len() as u32),
        (320, 3, map.len() as u32, map_at),
    ];
    b.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, typ, count, value) in entries {
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&typ.to_le_bytes());
        b.extend_from_slice(&count.to_le_bytes());
        b.extend_from_slice(&value.to_le_bytes());
    }
    b.extend_from_slice(&0u32.to_le_bytes());
    b
}

#[test]
fn palette_tiff_reads_indices_and_inverted_map() {
    let bytes = palette_tiff(3, 2, &[0, 1, 2, 3, 254, 255], false);
    let d = decode_bytes(&bytes, L).unwrap();
    assert_eq!(d.kind, PixelKind::Palette);
    assert_eq!(
        d.to_mask(&ClassSchemaFixture::table(), 10).unwrap().classes[..4],
        [0, 1, 2, 3]
    );
    assert_eq!(d.to_grey8().pixels, vec![255, 254, 253, 252, 1, 0]);
}

#[test]
fn palette_entries_that_are_coloured_give_their_index_as_grey() {
    // Zeiss-style: grey entries, one entry coloured for an overlay; that pixel is BSE level 1.
    let palette = vec![0, 0, 0, 255, 0, 0, 2, 2, 2];
    let bytes = png_bytes(
        3,
        1,
        png::ColorType::Indexed,
        png::BitDepth::Eight,
        &[2, 1, 0],
        Some(palette),
    );
    let d = decode_bytes(&bytes, L).unwrap();
    assert_eq!(d.to_grey8().pixels, vec![2, 1, 0]);
}

#[test]
fn multi_page_tiff_reads_the_first_page_and_says_so() {
    use tiff::encoder::colortype::Gray8;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut enc = tiff::encoder::TiffEncoder::new(&mut out).unwrap();
        enc.write_image::<Gray8>(2, 1, &[1, 2]).unwrap();
        enc.write_image::<Gray8>(2, 1, &[9, 9]).unwrap();
    }
    let d = decode_bytes(out.get_ref(), L).unwrap();
    assert!(d.more_pages);
    assert_eq!(d.to_grey8().pixels, vec![1, 2]);
    let single = tiff_bytes::<Gray8>(2, 1, &[1, 2]);
    assert!(!decode_bytes(&single, L).unwrap().more_pages);
}

/// A little-endian TIFF marked palette (photometric 3) holding 32-bit float samples, as
/// Aphelion writes them.
fn float_palette_tiff(w: u32, h: u32, values: &[f32]) -> Vec<u8> {
    let entries: [(u16, u16, u32); 10] = [
        (256, 4, w),
        (257, 4, h),
        (258, 3, 32),
        (259, 3, 1),
        (262, 3, 3),
        (273, 4, 0), // patched below
        (277, 3, 1),
        (278, 4, h),
        (279, 4, w * h * 4),
        (339, 3, 3),
    ];
    let data_offset = 8 + 2 + 12 * entries.len() as u32 + 4;
    let mut out = b"II*\0\x08\0\0\0".to_vec();
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, kind, value) in entries {
        let value = if tag == 273 { data_offset } else { value };
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[test]
fn float_palette_tiff_reads_as_float_grey() {
    let d = decode_bytes(&float_palette_tiff(4, 1, &[0.0, 0.25, 0.5, 1.0]), L).unwrap();
    assert_eq!((d.kind, d.bit_depth), (PixelKind::Grey, 32));
    assert_eq!(d.to_grey8().pixels, vec![0, 64, 128, 255]);
}
