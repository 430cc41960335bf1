//! One image of an export: its current label resolved, mapped into the target schema, cut
//! into tiles if asked, and written (image PNG, mask PNG, pixel-size file) into the staging
//! folder, with its manifest rows.

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::dataset::ClassSchema;
use crate::dataset::decision::DecisionEntry;
use crate::dataset::image::IndexedImage;
use crate::dataset::load::load_image;
use crate::dataset::raster::Grey8;
use crate::dataset::raster::encode_grey8_png;
use crate::dataset::schema::UNLABELLED;
use crate::dataset::schema::convert::ClassMap;
use crate::labels::current::{CurrentLabel, LabelRecord, LabelSource, mean_dice, resolve};

use super::manifest::ManifestRow;
use crate::dataset::layout::names::tile_name;
use crate::dataset::layout::writer::{self, Role};
use row::RowBase;

/// Every exported image's width and height are multiples of this: the study's U-Net pools
/// three times (2³ = 8) and concatenates skips, which fails on any other size. Untiled images
/// are cut at their right and bottom edges to fit (at most 7 px a side, recorded per row);
/// tiles must be multiples already.
pub const SIZE_MULTIPLE: u32 = 8;

/// The rule [`SIZE_MULTIPLE`] applies, as the manifest and `EXPORT.md` state it.
pub const SIZE_RULE: &str = "every image is cut at its right and bottom edges to a multiple of 8 px on each side (the study's U-Net pools three times); `cut_right` and `cut_bottom` give the pixels removed, at most 7";

/// What every image of an export shares.
pub struct WriteContext<'a> {
    /// The dataset root the source files are read from.
    pub root: &'a Path,
    /// The staging folder the files are written into (swapped in for OUT once verified).
    pub staging: &'a Path,
    /// The schema the dataset's masks are read with.
    pub source: &'a ClassSchema,
    /// The schema written; `map` takes source ids to its ids.
    pub target: &'a ClassSchema,
    /// `map.map[source id] = target id`.
    pub map: &'a ClassMap,
    /// Tile side in pixels, or `None` for whole images.
    pub tile: Option<u32>,
    /// Write partial masks, their unlabelled pixels as the target schema's `unlabelled`
    /// value; without it they are skipped and counted.
    pub partial: bool,
}

/// One image to export.
pub struct ImageJob<'a> {
    /// The image's index row.
    pub row: &'a IndexedImage,
    /// Its journal and proposal, from which [`resolve`] builds its current label.
    pub record: LabelRecord,
    /// File stem in the export (unique over the export; tiles add `-xX_yY`).
    pub name: String,
    /// Its latest review decision, if any (an acceptance makes a proposal its label).
    pub decision: Option<&'a DecisionEntry>,
    /// Its split's name (`train`, `val`, `test`), or empty without one, for the manifest.
    pub split: String,
    /// Rock type written as `rock type: NAME` in the pixel-size file, when known.
    pub rock_type: Option<String>,
    /// What the index found wrong with its files, if anything.
    pub problem: Option<String>,
    /// For a tile made by `import`: its raw image and top-left corner there (px).
    pub raw: Option<(String, u32, u32)>,
}

/// What became of one image.
#[derive(Debug)]
pub enum Written {
    /// Files written, one row per file (tile).
    Rows(Vec<ManifestRow>),
    /// Not exported, by the options (no label, smaller than the tile, filtered): why.
    Skipped(String),
    /// Not exported because of a problem with its files: why.
    LeftOut(String),
}

/// Which review states `--only` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Only {
    /// Mask files as they are on disk (not corrected, not accepted).
    pub original: bool,
    /// Masks the workspace's corrections change.
    pub corrected: bool,
    /// Images a reviewer accepted, corrected or not.
    pub accepted: bool,
}

impl Only {
    /// Everything: the default without `--only`.
    pub const ALL: Self = Self {
        original: true,
        corrected: true,
        accepted: true,
    };

    fn keeps(self, source: LabelSource, accepted: bool) -> bool {
        (self.corrected && source == LabelSource::Corrected)
            || (self.accepted && accepted)
            || (self.original && source == LabelSource::File && !accepted)
    }
}

/// Exports one image. Never panics on bad input: problems come back as `LeftOut`.
///
/// `only` decides which label sources go out; the caller has already filtered rejected
/// images, unlabelled ones and other splits.
pub fn export_one(ctx: &WriteContext<'_>, job: &ImageJob<'_>, only: Only) -> Written {
    match write_image(ctx, job, only) {
        Ok(rows) => Written::Rows(rows),
        Err(w) => w,
    }
}

/// The image's files written, one manifest row per file; `Err` says why not, as `Skipped` or
/// `LeftOut`. Checks run in order: the label, the image, the mask, the size.
fn write_image(
    ctx: &WriteContext<'_>,
    job: &ImageJob<'_>,
    only: Only,
) -> Result<Vec<ManifestRow>, Written> {
    let (label, pixel_size) = selected_label(ctx, job, only)?;
    let image = matching_image(ctx, job.row, label.classes.len())?;
    let mask = file_mask(ctx, &label.classes)?;
    // The proposal in the target schema, when it has the mask's size and maps.
    let proposal = job
        .record
        .proposal
        .as_ref()
        .and_then(|(_, p)| (p.len() == mask.len()).then(|| map_classes(p, ctx.map, u8::MAX)))
        .flatten();
    let (w, h) = (image.width, image.height);
    let layout = FileLayout::of(w, h, ctx.tile)?;
    let size = layout.size;
    let mut base = RowBase::new(job, &label, pixel_size);
    if ctx.tile.is_none() {
        base.cut = (w - size.0, h - size.1);
    }
    let planes = Planes {
        width: w,
        image: &image.pixels,
        mask: &mask,
        proposal: proposal.as_deref(),
    };
    layout
        .origins
        .into_iter()
        .map(|origin| write_file_set(ctx, &base, &planes, origin, size))
        .collect()
}

/// The image's current label when the export takes it, with its pixel size (µm/px): its
/// files are usable, it has a pixel size and a label, and `--only` keeps its source.
fn selected_label(
    ctx: &WriteContext<'_>,
    job: &ImageJob<'_>,
    only: Only,
) -> Result<(CurrentLabel, f64), Written> {
    let row = job.row;
    let accepted = job
        .decision
        .is_some_and(|d| d.decision == crate::dataset::decision::Decision::Accepted);
    let why = || job.problem.clone().unwrap_or_default();
    if !row.is_readable() {
        return Err(Written::LeftOut(format!(
            "the image cannot be read: {}",
            why()
        )));
    }
    if row.mask_path.is_some() && !row.is_labelled() {
        return Err(Written::LeftOut(format!(
            "the mask cannot be used: {}",
            why()
        )));
    }
    let Some(pixel_size) = row.pixel_size else {
        return Err(Written::LeftOut(row.no_pixel_size()));
    };
    let label = match resolve(ctx.root, row, ctx.source, &job.record, accepted) {
        Ok(Some(l)) => l,
        Ok(None) => return Err(Written::Skipped("no label".into())),
        Err(e) => return Err(Written::LeftOut(e)),
    };
    if !only.keeps(label.source, accepted) {
        return Err(Written::Skipped("not selected by --only".into()));
    }
    Ok((label, pixel_size))
}

/// The image, read again, when it still has the label's `pixels` (width × height).
fn matching_image(
    ctx: &WriteContext<'_>,
    row: &IndexedImage,
    pixels: usize,
) -> Result<Grey8, Written> {
    let image = load_image(ctx.root, row).map_err(|e| Written::LeftOut(format!("image: {e}")))?;
    if image.pixels.len() != pixels {
        return Err(Written::LeftOut(format!(
            "the image is {}×{} now but its mask is not: it changed since indexing; run `semcurate index`",
            image.width, image.height
        )));
    }
    Ok(image)
}

/// The files cut from one image: their top-left corners, and their size (px) — the tile's,
/// or without tiling the image cut to multiples of [`SIZE_MULTIPLE`].
struct FileLayout {
    origins: Vec<(u32, u32)>,
    size: (u32, u32),
}

impl FileLayout {
    /// The layout for a `w`×`h` image; `Err(Skipped)` when it is smaller than the tile or
    /// under [`SIZE_MULTIPLE`] px on a side.
    fn of(w: u32, h: u32, tile: Option<u32>) -> Result<Self, Written> {
        let Some(origins) = tile_origins(w, h, tile) else {
            let t = tile.unwrap_or(0);
            return Err(Written::Skipped(format!(
                "{w}×{h} is smaller than the {t}×{t} tile"
            )));
        };
        let (tw, th) = tile.map_or((w - w % SIZE_MULTIPLE, h - h % SIZE_MULTIPLE), |t| (t, t));
        if tw == 0 || th == 0 {
            return Err(Written::Skipped(format!(
                "under {SIZE_MULTIPLE} px on a side, too small for the study's U-Net"
            )));
        }
        Ok(Self {
            origins,
            size: (tw, th),
        })
    }
}

/// The whole image's pixel planes, row-major, `width` px a row, one byte a pixel: grey,
/// mask in the target schema, and the proposal mapped likewise (`u8::MAX` where unlabelled).
struct Planes<'a> {
    width: u32,
    image: &'a [u8],
    mask: &'a [u8],
    proposal: Option<&'a [u8]>,
}

/// Writes the files of the image, or of its tile at `(x, y)`, all `(tw, th)` px; gives the
/// manifest row.
fn write_file_set(
    ctx: &WriteContext<'_>,
    base: &RowBase<'_>,
    planes: &Planes<'_>,
    (x, y): (u32, u32),
    (tw, th): (u32, u32),
) -> Result<ManifestRow, Written> {
    let job = base.job;
    let name = if ctx.tile.is_some() {
        tile_name(&job.name, x, y)
    } else {
        job.name.clone()
    };
    let w = planes.width;
    let img = crop(planes.image, w, x, y, tw, th);
    let msk = crop(planes.mask, w, x, y, tw, th);
    let dice = planes.proposal.and_then(|p| {
        let p = crop(p, w, x, y, tw, th);
        mean_dice(&p, &msk, ctx.target.len())
    });
    let tiled = match (&job.raw, ctx.tile) {
        (Some((_, rx, ry)), _) => Some((rx + x, ry + y)),
        (None, Some(_)) => Some((x, y)),
        (None, None) => None,
    };
    let paths = write_files(ctx, base, &name, (tw, th), &img, &msk).map_err(Written::LeftOut)?;
    Ok(base.row(&name, paths, tiled, (tw, th), &img, &msk, dice, ctx))
}

/// The mask as it is written: class ids through the map, unlabelled pixels as the target
/// schema's raw `unlabelled` value. A partial mask without `--partial` is skipped, counted.
fn file_mask(ctx: &WriteContext<'_>, classes: &[u8]) -> Result<Vec<u8>, Written> {
    #[allow(clippy::naive_bytecount)] // once per image, against a dependency for it
    let unlabelled = classes.iter().filter(|&&c| c == UNLABELLED).count();
    let raw = ctx.target.unlabelled;
    if unlabelled > 0 && !ctx.partial {
        return Err(Written::Skipped(format!(
            "partially labelled: --partial writes them, with {raw} = unlabelled"
        )));
    }
    let Ok(raw) = u8::try_from(raw) else {
        return Err(Written::LeftOut(format!(
            "{unlabelled} px are unlabelled, and the schema's unlabelled value {raw} does not fit an 8-bit mask: set `unlabelled` below 256 in classes.toml"
        )));
    };
    map_classes(classes, ctx.map, raw)
        .ok_or_else(|| Written::LeftOut("mask values outside the class schema".into()))
}

/// Class ids through the map, [`UNLABELLED`] as `unlabelled`; `None` when one is outside
/// the source schema.
fn map_classes(classes: &[u8], map: &ClassMap, unlabelled: u8) -> Option<Vec<u8>> {
    classes
        .iter()
        .map(|&c| {
            if c == UNLABELLED {
                Some(unlabelled)
            } else {
                map.map.get(usize::from(c)).copied()
            }
        })
        .collect()
}

/// Top-left corners of the tiles covering a `w`×`h` image (the last row and column end at
/// the edge, overlapping their neighbour); one corner without tiling; `None` when the image
/// is smaller than the tile.
pub fn tile_origins(w: u32, h: u32, tile: Option<u32>) -> Option<Vec<(u32, u32)>> {
    let Some(t) = tile else {
        return Some(vec![(0, 0)]);
    };
    if w < t || h < t || t == 0 {
        return None;
    }
    Some(
        writer::tile_grid(w, h, t, 0)
            .into_iter()
            .map(|(x, y, _, _)| (x, y))
            .collect(),
    )
}

fn crop(pixels: &[u8], w: u32, x: u32, y: u32, tw: u32, th: u32) -> Vec<u8> {
    if x == 0 && y == 0 && tw == w && pixels.len() == (tw * th) as usize {
        return pixels.to_vec();
    }
    let mut out = Vec::with_capacity((tw * th) as usize);
    for r in y..y + th {
        let start = (r * w + x) as usize;
        out.extend_from_slice(&pixels[start..start + tw as usize]);
    }
    out
}

/// Full SHA-256 hex of bytes.
///
/// 64 lower-case hex digits; the manifest records this of the decoded pixels of each file.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Writes the three files of one exported image; returns their paths inside the export.
fn write_files(
    ctx: &WriteContext<'_>,
    base: &RowBase<'_>,
    name: &str,
    (w, h): (u32, u32),
    img: &[u8],
    mask: &[u8],
) -> Result<[String; 3], String> {
    let rel = |role| writer::file_path(&base.sample_dir, role, name);
    let paths = [rel(Role::Image), rel(Role::Mask), rel(Role::Features)];
    let image_png = encode_grey8_png(w, h, img).map_err(|e| format!("encoding the image: {e}"))?;
    let mask_png = encode_grey8_png(w, h, mask).map_err(|e| format!("encoding the mask: {e}"))?;
    let text = writer::pixel_size_text(base.pixel_size, base.job.rock_type.as_deref());
    for (path, bytes) in
        paths
            .iter()
            .zip([image_png.as_slice(), mask_png.as_slice(), text.as_bytes()])
    {
        writer::write_file(ctx.staging, path, bytes, writer::Mode::Fresh)
            .map_err(|e| e.to_string())?;
    }
    Ok(paths)
}

mod row;
#[cfg(test)]
mod tests;
