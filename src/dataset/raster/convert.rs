//! Decoded samples to what the rest of the tool uses: an 8-bit BSE image and a class-id mask
//! (the rules are in the module docs of `raster`).

use super::{ClassMask, Decoded, Grey8, PixelKind, RasterError, Samples};

/// Palette indices as grey levels: 8-bit indices as they are, fewer bits stretched to 0–255.
fn palette_levels(indices: &[u8], bits: u8) -> Vec<u8> {
    if bits >= 8 || bits == 0 {
        return indices.to_vec();
    }
    let top = f64::from((1u16 << bits) - 1);
    indices
        .iter()
        .map(|&i| (f64::from(i) * 255.0 / top).round() as u8)
        .collect()
}

impl Decoded {
    /// Number of pixels.
    pub fn pixel_count(&self) -> usize {
        self.width as usize * self.height as usize
    }

    /// Converts to an 8-bit grey BSE image by the rules in the module docs.
    pub fn to_grey8(&self) -> Grey8 {
        let channels = self.kind.channels();
        let levels = self.to_levels8();
        let pixels = match self.kind {
            PixelKind::Grey | PixelKind::GreyAlpha => {
                levels.iter().step_by(channels).copied().collect()
            }
            // A grey entry gives its grey (an inverted map inverts). Microscope palette TIFFs
            // (Zeiss) store the grey level as the index and colour a few entries for overlays:
            // for a coloured entry the index is the BSE signal, not the colour.
            PixelKind::Palette => {
                let by_index = palette_levels(&levels, self.bit_depth);
                levels
                    .iter()
                    .zip(by_index)
                    .map(|(&i, grey)| match self.palette.get(usize::from(i)) {
                        Some(&[r, g, b]) if r == g && g == b => r,
                        _ => grey,
                    })
                    .collect()
            }
            PixelKind::Rgb | PixelKind::Rgba => levels
                .chunks_exact(channels)
                .map(|p| luma([p[0], p[1], p[2]]))
                .collect(),
        };
        Grey8 {
            width: self.width,
            height: self.height,
            pixels,
        }
    }

    /// Like [`Decoded::to_grey8`], consuming the decoded file: an 8-bit single-channel grey
    /// image (the common case) hands over its buffer instead of copying it, so a 16384²
    /// image costs 268 MB once, not three times.
    pub fn into_grey8(self) -> Grey8 {
        match self.samples {
            Samples::U8(pixels)
                if self.kind == PixelKind::Grey
                    && self.kind.channels() == 1
                    && self.bit_depth == 8 =>
            {
                Grey8 {
                    width: self.width,
                    height: self.height,
                    pixels,
                }
            }
            _ => self.to_grey8(),
        }
    }

    /// Samples scaled to 8-bit levels (palette indices are kept as indices).
    fn to_levels8(&self) -> Vec<u8> {
        match &self.samples {
            Samples::U8(v) if self.kind == PixelKind::Palette || self.bit_depth >= 8 => v.clone(),
            Samples::U8(v) => {
                let max = (1u32 << self.bit_depth) - 1;
                v.iter()
                    .map(|&x| (u32::from(x) * 255 / max) as u8)
                    .collect()
            }
            Samples::U16(v) if self.kind == PixelKind::Palette => {
                v.iter().map(|&x| x.min(255) as u8).collect()
            }
            Samples::U16(v) => v
                .iter()
                .map(|&x| ((u32::from(x) + 128) / 257) as u8)
                .collect(),
            Samples::F32(v) => float_to_levels(v),
        }
    }

    /// Converts to class ids through `table` (from [`crate::dataset::schema::ClassSchema::value_table`]).
    pub fn to_mask(&self, table: &[u8], class_count: usize) -> Result<ClassMask, RasterError> {
        use crate::dataset::schema::{OUTSIDE, UNLABELLED};
        let raw = self.raw_mask_values()?;
        let mut counts = vec![0u64; class_count];
        let mut unlabelled = 0u64;
        let mut outside = std::collections::BTreeMap::<u16, u64>::new();
        let classes: Vec<u8> = raw
            .iter()
            .map(|&v| {
                let c = table.get(usize::from(v)).copied().unwrap_or(OUTSIDE);
                match counts.get_mut(usize::from(c)) {
                    Some(n) => *n += 1,
                    None if c == UNLABELLED => unlabelled += 1,
                    None => *outside.entry(v).or_default() += 1,
                }
                c
            })
            .collect();
        Ok(ClassMask {
            width: self.width,
            height: self.height,
            classes,
            counts,
            unlabelled,
            outside: outside.into_iter().collect(),
        })
    }

    /// Raw per-pixel mask values: grey level, palette index, or the common RGB value.
    fn raw_mask_values(&self) -> Result<Vec<u16>, RasterError> {
        let channels = self.kind.channels();
        let values: Vec<u16> = match &self.samples {
            Samples::U8(v) => v.iter().map(|&x| u16::from(x)).collect(),
            Samples::U16(v) => v.clone(),
            Samples::F32(_) => return Err(RasterError::MaskFloat),
        };
        match self.kind {
            PixelKind::Grey | PixelKind::Palette => Ok(values),
            PixelKind::GreyAlpha => Ok(values.into_iter().step_by(2).collect()),
            PixelKind::Rgb | PixelKind::Rgba => {
                let mut out = Vec::with_capacity(self.pixel_count());
                for (i, p) in values.chunks_exact(channels).enumerate() {
                    if p[0] != p[1] || p[0] != p[2] {
                        let w = self.width as usize;
                        return Err(RasterError::MaskColour {
                            x: (i % w) as u32,
                            y: (i / w) as u32,
                            r: p[0],
                            g: p[1],
                            b: p[2],
                        });
                    }
                    out.push(p[0]);
                }
                Ok(out)
            }
        }
    }
}

/// 32-bit float samples to grey levels: values already in [0, 1] times 255; otherwise the
/// finite minimum to maximum stretched over 0–255 (a constant image becomes all 0); NaN and
/// infinities become 0.
fn float_to_levels(v: &[f32]) -> Vec<u8> {
    let finite = v.iter().copied().filter(|x| x.is_finite());
    let (lo, hi) = finite.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    let (offset, scale) = if lo >= 0.0 && hi <= 1.0 {
        (0.0, 255.0)
    } else if hi > lo {
        (lo, 255.0 / (hi - lo))
    } else {
        (lo, 0.0)
    };
    v.iter()
        .map(|&x| {
            if x.is_finite() {
                ((x - offset) * scale).round().clamp(0.0, 255.0) as u8
            } else {
                0
            }
        })
        .collect()
}

/// Rec. 601 luma of an sRGB triple; exact for equal channels.
pub fn luma([r, g, b]: [u8; 3]) -> u8 {
    ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000) as u8
}
