//! Reading and validating one image with its mask and pixel size. Every fault becomes a
//! [`Problem`] on the record; nothing here fails the whole dataset.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::layout::{FileRef, ItemFiles};
use super::pixel_size::parse_pixel_size_bytes;
use super::problems::{Problem, ProblemKind};
use super::raster::{self, ClassMask, DecodeLimits, Decoded, PixelKind, RasterError};
use super::schema::ClassSchema;

/// Where an image's pixel size came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PixelSizeSource {
    /// `input-features/NAME.txt`.
    Features,
    /// Vendor tags in the TIFF (FEI, Zeiss).
    Metadata,
    /// `--pixel-size` given by the user for images that have none.
    Default,
}

impl PixelSizeSource {
    /// The snake-case name stored in the workspace (`features`, `metadata`, `default`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Features => "features",
            Self::Metadata => "metadata",
            Self::Default => "default",
        }
    }

    /// The source named exactly `s` by [`PixelSizeSource::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Features, Self::Metadata, Self::Default]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// State of an image's mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskState {
    /// No mask: an unlabelled image.
    None,
    /// A mask of the image's size whose values are all class ids.
    Valid,
    /// A mask that cannot be used: unreadable, wrong size or values outside the schema.
    Invalid,
}

impl MaskState {
    /// The snake-case name stored in the workspace (`none`, `valid`, `invalid`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Valid => "valid",
            Self::Invalid => "invalid",
        }
    }

    /// The state named exactly `s` by [`MaskState::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [Self::None, Self::Valid, Self::Invalid]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What the image file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// Container format, `png` or `tiff`.
    pub format: &'static str,
    /// Width in pixels, and height without a data bar the file's metadata names.
    pub width: u32,
    pub height: u32,
    /// Bits per sample as stored (1–16, or 32 for float).
    pub bit_depth: u8,
    /// Sample layout as stored (grey, palette, RGB, with or without alpha).
    pub colour: PixelKind,
}

/// One image after reading: facts, mask statistics and problems.
#[derive(Debug, Clone)]
pub struct ItemRecord {
    /// The files found for the image, with their change fingerprints.
    pub files: ItemFiles,
    /// `None` when the image cannot be decoded.
    pub image: Option<ImageInfo>,
    /// µm/px.
    pub pixel_size: Option<f64>,
    /// Where `pixel_size` came from.
    pub pixel_size_source: Option<PixelSizeSource>,
    pub mask_state: MaskState,
    /// Pixels per class id; `Some` only for a valid mask.
    pub class_counts: Option<Vec<u64>>,
    /// Everything wrong with the image's files; an image with problems is still recorded.
    pub problems: Vec<Problem>,
}

/// What reading needs besides the files.
#[derive(Debug, Clone)]
pub struct ReadContext {
    /// The dataset root the files' relative paths start from.
    pub root: PathBuf,
    /// [`ClassSchema::value_table`].
    pub table: Vec<u8>,
    /// Classes in the schema: decoded class ids must lie below it.
    pub class_count: usize,
    /// Raw mask values go through an explicit map (`--mask-map`, `[mask_values]`): values
    /// outside it are unmapped, not out of the class range.
    pub mapped: bool,
    /// Allocation bounds for decoding (against decompression bombs).
    pub limits: DecodeLimits,
    /// µm/px for images that have no pixel size of their own.
    pub default_pixel_size: Option<f64>,
}

impl ReadContext {
    /// The context for reading under `schema`, with default decode limits and no default pixel
    /// size.
    pub fn new(root: &Path, schema: &ClassSchema) -> Self {
        Self {
            root: root.to_path_buf(),
            table: schema.value_table(),
            class_count: schema.len(),
            mapped: !schema.mask_values.is_empty(),
            limits: DecodeLimits::default(),
            default_pixel_size: None,
        }
    }

    fn abs(&self, f: &FileRef) -> PathBuf {
        self.root.join(&f.path)
    }
}

/// Reads and validates one item.
///
/// Order of the pixel size: the pixel-size file, then vendor metadata, then the context's
/// default; an unreadable pixel-size file is a problem and the next source is tried. An image
/// with no signal (NaN, or one value everywhere) counts as unreadable. A mask is valid only
/// when the image decodes, it has the image's size (a full-frame mask of an image with a data
/// bar is cut like the image), and every value maps to a class or to the unlabelled value.
pub fn read_item(ctx: &ReadContext, files: ItemFiles) -> ItemRecord {
    let mut problems = Vec::new();
    let mut decoded = match raster::decode_file(&ctx.abs(&files.image), ctx.limits) {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(Problem::new(
                ProblemKind::UnreadableImage,
                &files.image.path,
                e.to_string(),
            ));
            None
        }
    };
    let (pixel_size, source) = pixel_size(ctx, &files, decoded.as_ref(), &mut problems);
    // No signal (NaN, or one value over the frame): unreadable, so that nothing downstream
    // (predict, export) uses it; its metadata still gave the pixel size above.
    if let Some(why) = decoded.as_ref().and_then(raster::Decoded::no_signal) {
        problems.push(Problem::new(
            ProblemKind::UnreadableImage,
            &files.image.path,
            why,
        ));
        decoded = None;
    }
    let (mask_state, class_counts) = match &files.mask {
        None => (MaskState::None, None),
        Some(m) => match read_mask(ctx, m, decoded.as_ref(), &mut problems) {
            Some(mask) => (MaskState::Valid, Some(mask.counts)),
            None => (MaskState::Invalid, None),
        },
    };
    let image = decoded.map(|d| ImageInfo {
        format: d.format.name(),
        width: d.width,
        height: d.specimen_height(),
        bit_depth: d.bit_depth,
        colour: d.kind,
    });
    ItemRecord {
        files,
        image,
        pixel_size,
        pixel_size_source: source,
        mask_state,
        class_counts,
        problems,
    }
}

fn pixel_size(
    ctx: &ReadContext,
    files: &ItemFiles,
    decoded: Option<&Decoded>,
    problems: &mut Vec<Problem>,
) -> (Option<f64>, Option<PixelSizeSource>) {
    if let Some(f) = &files.features {
        let parsed = std::fs::read(ctx.abs(f))
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|b| parse_pixel_size_bytes(&b).map_err(|e| e.to_string()));
        match parsed {
            Ok(p) => return (Some(p), Some(PixelSizeSource::Features)),
            Err(e) => problems.push(Problem::new(ProblemKind::BadPixelSize, &f.path, e)),
        }
    }
    let vendor = decoded.and_then(|d| d.vendor.as_ref());
    if let Some(p) = vendor.and_then(|v| v.pixel_size_um) {
        return (Some(p), Some(PixelSizeSource::Metadata));
    }
    if let Some(p) = ctx.default_pixel_size {
        return (Some(p), Some(PixelSizeSource::Default));
    }
    if files.features.is_none() {
        let mut message = format!(
            "no input-features/{}.txt and no pixel size in the image's metadata: add that file with 'pixel_size: <µm per pixel>' or pass --pixel-size",
            files.stem
        );
        if let Some(v) = vendor {
            let _ = write!(message, " ({} metadata: {})", v.vendor, v.notes.join("; "));
        }
        problems.push(Problem::new(
            ProblemKind::MissingPixelSize,
            &files.image.path,
            message,
        ));
    }
    (None, None)
}

fn read_mask(
    ctx: &ReadContext,
    file: &FileRef,
    image: Option<&Decoded>,
    problems: &mut Vec<Problem>,
) -> Option<ClassMask> {
    let mask = raster::decode_file(&ctx.abs(file), ctx.limits)
        .and_then(|d| d.to_mask(&ctx.table, ctx.class_count));
    let mask = match mask {
        Ok(m) => m,
        Err(e) => {
            let kind = match e {
                RasterError::MaskColour { .. } => ProblemKind::MaskNotGrey,
                _ => ProblemKind::UnreadableMask,
            };
            problems.push(Problem::new(kind, &file.path, e.to_string()));
            return None;
        }
    };
    let mut ok = true;
    // An image whose metadata names a data bar is read without it; a mask of the whole frame
    // is cut the same way.
    let mask = match image {
        Some(img)
            if img.databar_rows() > 0 && (mask.width, mask.height) == (img.width, img.height) =>
        {
            mask.keep_rows(img.specimen_height())
        }
        _ => mask,
    };
    if let Some(img) = image
        && (img.width, img.specimen_height()) != (mask.width, mask.height)
    {
        problems.push(Problem::new(
            ProblemKind::SizeMismatch,
            &file.path,
            format!(
                "mask is {}x{}, its image is {}x{}: save the mask again at the image's size",
                mask.width,
                mask.height,
                img.width,
                img.specimen_height()
            ),
        ));
        ok = false;
    }
    if !mask.outside.is_empty() {
        problems.push(Problem::new(
            ProblemKind::MaskOutOfRange,
            &file.path,
            outside_message(&mask, ctx.class_count, ctx.mapped),
        ));
        ok = false;
    }
    (ok && image.is_some()).then_some(mask)
}

fn outside_message(mask: &ClassMask, class_count: usize, mapped: bool) -> String {
    let total: u64 = mask.outside.iter().map(|(_, n)| n).sum();
    let mut worst = mask.outside.clone();
    worst.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let listed: Vec<String> = worst
        .iter()
        .take(4)
        .map(|(v, n)| format!("{v} ({n} px)"))
        .collect();
    let more = if worst.len() > 4 {
        format!(" and {} more values", worst.len() - 4)
    } else {
        String::new()
    };
    if mapped {
        return format!(
            "{total} pixels hold values not in --mask-map / [mask_values]: {}{more}; add them to the map (VALUE=CLASS) or fix the mask",
            listed.join(", ")
        );
    }
    format!(
        "{total} pixels hold values outside the class ids 0–{}: {}{more}; fix the mask, or map raw values to classes with [mask_values] in classes.toml or --mask-map VALUE=CLASS",
        class_count - 1,
        listed.join(", ")
    )
}
