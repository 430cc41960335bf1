//! Image and mask decoding: PNG and TIFF into 8-bit BSE images and class-id masks.
//!
//! Files are recognised by their first bytes, not their extension. Decoding is bounded
//! (see [`DecodeLimits`]) so that a malformed or hostile header cannot allocate gigabytes.
//!
//! How pixel values become an 8-bit BSE image (the network's input):
//! - 8-bit grey: as is; 1/2/4-bit grey: stretched to 0–255 (`v · 255 / (2^d − 1)`);
//! - 16-bit grey: full-range linear, `round(v / 257)`, so 65535 → 255;
//! - 32-bit float: values already in [0, 1] are scaled by 255; otherwise the image's finite
//!   minimum and maximum are stretched to 0–255; NaN becomes 0;
//! - palette: each index through its colour-map entry, then to grey;
//! - RGB/RGBA: equal channels as grey, otherwise Rec. 601 luma; alpha is ignored.
//!
//! How pixel values become a mask: the raw value (8 or 16 bit, palette index, or the common
//! value of equal RGB channels) goes through the class schema's value table; values that map to
//! no class are counted, never silently clamped.

mod convert;
pub mod databar;
mod histogram;
mod png_reader;
mod tiff_palette;
mod tiff_reader;
pub mod vendor;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

pub use convert::luma;
pub use histogram::GreyHistogram;
pub use vendor::VendorMeta;

/// Bounds on what a decoder may allocate, against decompression bombs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest accepted width × height.
    ///
    /// The default is 400 million pixels (a 20,000 × 20,000 mosaic).
    pub max_pixels: u64,
    /// Largest decoded buffer in bytes.
    ///
    /// The default is 1 GiB.
    pub max_bytes: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_pixels: 400_000_000,
            max_bytes: 1 << 30,
        }
    }
}

/// Container formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Recognised by the 8-byte PNG signature.
    Png,
    /// Recognised by `II*\0`, `MM\0*` (classic) or `II+\0`, `MM\0+` (big TIFF).
    Tiff,
}

impl Format {
    /// Lower-case name, as stored in the workspace.
    pub fn name(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Tiff => "tiff",
        }
    }
}

/// Layout of the decoded samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelKind {
    /// One grey sample per pixel.
    Grey,
    /// Grey and alpha; alpha is ignored.
    GreyAlpha,
    /// Three colour samples per pixel.
    Rgb,
    /// Colour and alpha; alpha is ignored.
    Rgba,
    /// One index per pixel into [`Decoded::palette`].
    Palette,
}

impl PixelKind {
    /// Interleaved samples per pixel.
    fn channels(self) -> usize {
        match self {
            Self::Grey | Self::Palette => 1,
            Self::GreyAlpha => 2,
            Self::Rgb => 3,
            Self::Rgba => 4,
        }
    }
}

/// Interleaved samples in their stored precision.
#[derive(Debug, Clone, PartialEq)]
pub enum Samples {
    /// 1- to 8-bit samples, sub-byte depths unpacked to one value per byte (not stretched).
    U8(Vec<u8>),
    /// 16-bit samples (signed TIFF samples shifted by 32768).
    U16(Vec<u16>),
    /// 32-bit float samples (64-bit TIFF floats narrowed).
    F32(Vec<f32>),
}

/// A decoded file before conversion to a BSE image or a mask.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The container the bytes were in.
    pub format: Format,
    /// Size in pixels of the whole frame as stored, data bar included.
    pub width: u32,
    pub height: u32,
    /// Sample layout (grey, palette, colour, alpha).
    pub kind: PixelKind,
    /// Bits per sample as stored (1–16, or 32 for float).
    pub bit_depth: u8,
    /// `width × height × channels` samples, row-major, channels interleaved.
    pub samples: Samples,
    /// Colour map for [`PixelKind::Palette`], 8 bits per channel.
    pub palette: Vec<[u8; 3]>,
    /// Microscope metadata found in the file (TIFF vendor tags).
    pub vendor: Option<VendorMeta>,
    /// A multi-page TIFF: only the first page was read.
    pub more_pages: bool,
}

/// An 8-bit grey BSE image, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grey8 {
    /// Size in pixels.
    pub width: u32,
    pub height: u32,
    /// Grey level 0–255 per pixel, `width × height`, row-major; brighter means a higher mean
    /// atomic number.
    pub pixels: Vec<u8>,
}

/// A mask as class ids, row-major, with per-class pixel counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassMask {
    /// Size in pixels of the mask as decoded.
    pub width: u32,
    pub height: u32,
    /// Class id per pixel; [`crate::dataset::schema::OUTSIDE`] where the raw value maps to no class.
    pub classes: Vec<u8>,
    /// Pixels per class id, indexed by id; unlabelled pixels are not in any.
    pub counts: Vec<u64>,
    /// Pixels marked [`crate::dataset::schema::UNLABELLED`] (a partial mask).
    pub unlabelled: u64,
    /// Raw values outside the schema and their pixel counts, ascending by value.
    pub outside: Vec<(u16, u64)>,
}

/// Why a file could not be decoded or converted.
#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    /// The file could not be opened or read.
    #[error("cannot read file: {0}")]
    Io(#[from] std::io::Error),
    /// Neither signature matched; holds the first bytes in hex.
    #[error("not a PNG or TIFF file (first bytes {0}): only PNG and TIFF images are read")]
    UnknownFormat(String),
    #[error(
        "{format} decoder failed: {message}; the file may be truncated or corrupt, re-export it"
    )]
    Decode {
        format: &'static str,
        message: String,
    },
    #[error("image is {width}x{height}, above the limit of {max_pixels} pixels")]
    TooLarge {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    /// A zero width or height.
    #[error("image has zero width or height")]
    Empty,
    #[error("unsupported {format} layout: {message}")]
    Unsupported {
        format: &'static str,
        message: String,
    },
    #[error(
        "mask is colour, not grey: pixel ({x}, {y}) is RGB ({r}, {g}, {b}); save masks as grey class ids"
    )]
    MaskColour {
        x: u32,
        y: u32,
        r: u16,
        g: u16,
        b: u16,
    },
    #[error("mask stores floating-point values; save masks as 8-bit integer class ids")]
    MaskFloat,
}

/// "Every pixel is V" when all samples of `v` are equal.
fn constant<T: Copy + std::fmt::Display>(v: &[T], eq: impl Fn(T, T) -> bool) -> Option<String> {
    let first = *v.first()?;
    v.iter().all(|&x| eq(x, first)).then(|| {
        format!(
            "every pixel has the value {first}: a blank frame holds nothing to label or learn from"
        )
    })
}

/// Reads and decodes a PNG or TIFF file.
///
/// The format comes from the first 8 bytes, whatever the extension. Samples keep their
/// stored precision; convert with [`Decoded::to_grey8`] or [`Decoded::to_mask`].
pub fn decode_file(path: &Path, limits: DecodeLimits) -> Result<Decoded, RasterError> {
    let mut file = BufReader::new(File::open(path)?);
    let mut magic = [0u8; 8];
    let n = read_up_to(&mut file, &mut magic)?;
    let file = BufReader::new(File::open(path)?);
    match sniff(&magic[..n]) {
        Some(Format::Png) => png_reader::decode(file, limits),
        Some(Format::Tiff) => tiff_reader::decode(file, limits),
        None => Err(RasterError::UnknownFormat(hex(&magic[..n]))),
    }
}

/// Decodes in-memory PNG or TIFF bytes.
pub fn decode_bytes(bytes: &[u8], limits: DecodeLimits) -> Result<Decoded, RasterError> {
    match sniff(bytes) {
        Some(Format::Png) => png_reader::decode(std::io::Cursor::new(bytes), limits),
        Some(Format::Tiff) => tiff_reader::decode(std::io::Cursor::new(bytes), limits),
        None => Err(RasterError::UnknownFormat(
            hex(&bytes[..bytes.len().min(8)]),
        )),
    }
}

/// Reads a BSE image as 8-bit grey.
pub fn read_grey8(path: &Path, limits: DecodeLimits) -> Result<(Grey8, Decoded), RasterError> {
    let decoded = decode_file(path, limits)?;
    let grey = decoded.to_grey8();
    Ok((grey, decoded))
}

/// Reads a BSE image as 8-bit grey, keeping no other copy of its pixels (for large images).
pub fn read_grey8_only(path: &Path, limits: DecodeLimits) -> Result<Grey8, RasterError> {
    Ok(decode_file(path, limits)?.into_grey8())
}

/// Reads a dataset's BSE image: 8-bit grey without the instrument's data bar when the file's
/// metadata gives one (FEI `[Image] ResolutionY` below the height), as `import` cuts it.
pub fn read_specimen(path: &Path, limits: DecodeLimits) -> Result<Grey8, RasterError> {
    let decoded = decode_file(path, limits)?;
    let bar = decoded.databar_rows();
    Ok(databar::crop_bottom(decoded.into_grey8(), bar))
}

impl Decoded {
    /// Why the pixels hold no usable image, if they do not: NaN or infinite values (a float
    /// TIFF with missing data, which would read as black), or one value over the whole frame
    /// (a blank or failed acquisition). `None` for an image with signal.
    pub fn no_signal(&self) -> Option<String> {
        let n = (self.width as usize) * (self.height as usize);
        match &self.samples {
            Samples::F32(v) => {
                let bad = v.iter().filter(|x| !x.is_finite()).count();
                if bad == v.len() {
                    return Some(format!(
                        "every pixel is NaN or infinite ({n} px): the file holds no image"
                    ));
                }
                if bad > 0 {
                    return Some(format!(
                        "{bad} of {n} px are NaN or infinite (they would read as black): save the image with those pixels filled"
                    ));
                }
                constant(v, |a, b| a.to_bits() == b.to_bits())
            }
            Samples::U16(v) => constant(v, |a, b| a == b),
            Samples::U8(v) => constant(v, |a, b| a == b),
        }
    }

    /// Rows of data bar at the bottom by the file's metadata (0 without one).
    pub fn databar_rows(&self) -> u32 {
        self.vendor
            .as_ref()
            .and_then(|v| v.data_rows)
            .filter(|&rows| rows > 0 && rows < self.height)
            .map_or(0, |rows| self.height - rows)
    }

    /// Height of the specimen part of the image (without a metadata data bar).
    pub fn specimen_height(&self) -> u32 {
        self.height - self.databar_rows()
    }
}

impl ClassMask {
    /// The mask's top `rows` rows (a mask drawn on a whole frame, data bar included, cut as
    /// its image is), with the class counts of what is kept.
    #[must_use]
    pub fn keep_rows(mut self, rows: u32) -> Self {
        if rows >= self.height {
            return self;
        }
        self.classes.truncate(rows as usize * self.width as usize);
        self.height = rows;
        self.counts.iter_mut().for_each(|c| *c = 0);
        self.unlabelled = 0;
        for &c in &self.classes {
            if let Some(n) = self.counts.get_mut(usize::from(c)) {
                *n += 1;
            } else if c == crate::dataset::schema::UNLABELLED {
                self.unlabelled += 1;
            }
        }
        self
    }
}

/// Fills `buf` from `r` until it is full or the reader ends; returns the bytes read.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The container by its signature; `None` for anything else.
fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
        || bytes.starts_with(b"II+\0")
        || bytes.starts_with(b"MM\0+")
    {
        Some(Format::Tiff)
    } else {
        None
    }
}

/// The bytes as spaced hex for an error message, or a note that the file is empty.
fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "none: the file is empty".to_string();
    }
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Refuses empty images and images over `limits.max_pixels` before anything is allocated.
pub(crate) fn check_size(width: u32, height: u32, limits: DecodeLimits) -> Result<(), RasterError> {
    if width == 0 || height == 0 {
        return Err(RasterError::Empty);
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(RasterError::TooLarge {
            width,
            height,
            max_pixels: limits.max_pixels,
        });
    }
    Ok(())
}

/// Encodes 8-bit grey pixels (a BSE image or a class-id mask) as a PNG.
pub fn encode_grey8_png(
    width: u32,
    height: u32,
    pixels: &[u8],
) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(bytes)
}

#[cfg(test)]
mod tests;
