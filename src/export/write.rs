//! One image of an export: its current label resolved, mapped into the target schema, cut
//! into tiles if asked, and written (image PNG, mask PNG, pixel-size file) into the staging
//! folder, with its manifest rows.

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::dataset::ClassSchema;
use crate::dataset::load::load_image;
use crate::dataset::raster::encode_grey8_png;
use crate::dataset::schema::UNLABELLED;
use crate::dataset::schema::convert::ClassMap;
use crate::dataset::workspace::{DecisionEntry, ImageRow};
use crate::labels::current::{LabelRecord, LabelSource, mean_dice, resolve};

use super::manifest::ManifestRow;
use crate::dataset::layout::names::{sanitize, tile_name};
use crate::dataset::layout::writer::{self, Role};

/// Every exported image's width and height are multiples of this: the study's U-Net pools
/// three times (2³ = 8) and concatenates skips, which fails on any other size. Untiled images
/// are cut at their right and bottom edges to fit (at most 7 px a side, recorded per row);
/// tiles must be multiples already.
pub const SIZE_MULTIPLE: u32 = 8;

/// The rule [`SIZE_MULTIPLE`] applies, as the manifest and `EXPORT.md` state it.
pub const SIZE_RULE: &str = "every image is cut at its right and bottom edges to a multiple of 8 px on each side (the study's U-Net pools three times); `cut_right` and `cut_bottom` give the pixels removed, at most 7";

/// What every image of an export shares.
pub struct WriteContext<'a> {
    pub root: &'a Path,
    pub staging: &'a Path,
    pub source: &'a ClassSchema,
    pub target: &'a ClassSchema,
    pub map: &'a ClassMap,
    pub tile: Option<u32>,
    /// Write partial masks, their unlabelled pixels as the target schema's `unlabelled`
    /// value; without it they are skipped and counted.
    pub partial: bool,
}

/// One image to export.
pub struct ImageJob<'a> {
    pub row: &'a ImageRow,
    pub record: LabelRecord,
    pub name: String,
    pub decision: Option<&'a DecisionEntry>,
    pub split: String,
    pub rock_type: Option<String>,
    /// What the index found wrong with its files, if anything.
    pub problem: Option<String>,
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
    pub original: bool,
    pub corrected: bool,
    pub accepted: bool,
}

impl Only {
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
pub fn export_one(ctx: &WriteContext<'_>, job: &ImageJob<'_>, only: Only) -> Written {
    let row = job.row;
    let accepted = job
        .decision
        .is_some_and(|d| d.decision == crate::dataset::workspace::Decision::Accepted);
    let why = || job.problem.clone().unwrap_or_default();
    if !row.is_readable() {
        return Written::LeftOut(format!("the image cannot be read: {}", why()));
    }
    if row.mask_path.is_some() && !row.is_labelled() {
        return Written::LeftOut(format!("the mask cannot be used: {}", why()));
    }
    let Some(pixel_size) = row.pixel_size else {
        return Written::LeftOut(row.no_pixel_size());
    };
    let label = match resolve(ctx.root, row, ctx.source, &job.record, accepted) {
        Ok(Some(l)) => l,
        Ok(None) => return Written::Skipped("no label".into()),
        Err(e) => return Written::LeftOut(e),
    };
    if !only.keeps(label.source, accepted) {
        return Written::Skipped("not selected by --only".into());
    }
    let image = match load_image(ctx.root, row) {
        Ok(i) => i,
        Err(e) => return Written::LeftOut(format!("image: {e}")),
    };
    if image.pixels.len() != label.classes.len() {
        return Written::LeftOut(format!(
            "the image is {}×{} now but its mask is not: it changed since indexing; run `semcurate index`",
            image.width, image.height
        ));
    }
    let mask = match file_mask(ctx, &label.classes) {
        Ok(m) => m,
        Err(w) => return w,
    };
    let proposal = job.record.proposal.as_ref().and_then(|(m, p)| {
        (p.len() == mask.len()).then(|| (m.clone(), map_classes(p, ctx.map, u8::MAX)))
    });
    let (w, h) = (image.width, image.height);
    let Some(tiles) = tile_origins(w, h, ctx.tile) else {
        let t = ctx.tile.unwrap_or(0);
        return Written::Skipped(format!("{w}×{h} is smaller than the {t}×{t} tile"));
    };
    let (tw, th) = ctx
        .tile
        .map_or((w - w % SIZE_MULTIPLE, h - h % SIZE_MULTIPLE), |t| (t, t));
    if tw == 0 || th == 0 {
        return Written::Skipped(format!(
            "under {SIZE_MULTIPLE} px on a side, too small for the study's U-Net"
        ));
    }
    let mut base = RowBase::new(job, &label, pixel_size);
    if ctx.tile.is_none() {
        base.cut = (w - tw, h - th);
    }
    let mut rows = Vec::with_capacity(tiles.len());
    for (x, y) in tiles {
        let name = if ctx.tile.is_some() {
            tile_name(&job.name, x, y)
        } else {
            job.name.clone()
        };
        let img = crop(&image.pixels, w, x, y, tw, th);
        let msk = crop(&mask, w, x, y, tw, th);
        let dice = proposal.as_ref().and_then(|(_, p)| {
            let p = crop(p.as_ref()?, w, x, y, tw, th);
            mean_dice(&p, &msk, ctx.target.len())
        });
        let tiled = ctx.tile.map(|_| (x, y));
        match write_files(ctx, &base, &name, (tw, th), &img, &msk) {
            Ok(paths) => rows.push(base.row(&name, paths, tiled, (tw, th), &img, &msk, dice, ctx)),
            Err(e) => return Written::LeftOut(e),
        }
    }
    Written::Rows(rows)
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
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The per-image part of its manifest rows.
struct RowBase<'a> {
    job: &'a ImageJob<'a>,
    sample_dir: String,
    pixel_size: f64,
    source: LabelSource,
    changed: u64,
    edited_by: Vec<String>,
    edited_at: Option<String>,
    review_status: String,
    /// Pixels cut at the right and bottom edges to reach [`SIZE_MULTIPLE`].
    cut: (u32, u32),
}

impl<'a> RowBase<'a> {
    fn new(
        job: &'a ImageJob<'a>,
        label: &crate::labels::current::CurrentLabel,
        pixel_size: f64,
    ) -> Self {
        let (edited_by, edited_at) = label.provenance.as_ref().map_or((Vec::new(), None), |p| {
            (
                p.users.clone(),
                Some(crate::clock::utc(p.ended_ms.div_euclid(1000))),
            )
        });
        Self {
            job,
            sample_dir: sanitize(&job.row.sample),
            pixel_size,
            source: label.source,
            changed: label.changed_pixels as u64,
            edited_by,
            edited_at,
            review_status: job
                .decision
                .map_or_else(String::new, |d| d.decision.as_str().to_string()),
            cut: (0, 0),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &self,
        name: &str,
        paths: [String; 3],
        tile: Option<(u32, u32)>,
        (w, h): (u32, u32),
        img: &[u8],
        mask: &[u8],
        dice: Option<f64>,
        ctx: &WriteContext<'_>,
    ) -> ManifestRow {
        let row = self.job.row;
        let mut class_pixels = vec![0u64; ctx.target.len()];
        let mut unlabelled_pixels = 0;
        for &c in mask {
            match class_pixels.get_mut(usize::from(c)) {
                Some(n) => *n += 1,
                None => unlabelled_pixels += 1,
            }
        }
        let [image, mask_path, features] = paths;
        ManifestRow {
            name: name.to_string(),
            sample: self.sample_dir.clone(),
            image,
            mask: mask_path,
            features,
            source_image: row.image_path.clone(),
            source_mask: row.mask_path.clone(),
            source_features: row.features_path.clone(),
            renamed: std::path::Path::new(&row.image_path)
                .file_name()
                .is_none_or(|f| f.to_string_lossy() != format!("{name}.png")),
            tile_x: tile.map(|t| t.0),
            tile_y: tile.map(|t| t.1),
            width: w,
            height: h,
            cut_right: self.cut.0,
            cut_bottom: self.cut.1,
            pixel_size: self.pixel_size,
            pixel_size_source: row
                .pixel_size_source
                .map_or_else(String::new, |s| s.as_str().to_string()),
            scale_bin: row.bin,
            study_unet: if self.pixel_size > 1.8 {
                "large"
            } else {
                "small"
            }
            .into(),
            split: self.job.split.clone(),
            rock_type: self.job.rock_type.clone(),
            mask_source: self.source.as_str().into(),
            review_status: self.review_status.clone(),
            decided_by: self.job.decision.map(|d| d.user.clone()),
            decided_at: self.job.decision.map(|d| crate::clock::utc(d.at)),
            edited_by: self.edited_by.clone(),
            edited_at: self.edited_at.clone(),
            changed_pixels: self.changed,
            proposal_model: self.job.record.proposal.as_ref().map(|(m, _)| m.clone()),
            proposal_dice: dice,
            class_pixels,
            unlabelled_pixels,
            image_sha256: sha256_hex(img),
            mask_sha256: sha256_hex(mask),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_image_and_end_at_the_edge() {
        assert_eq!(tile_origins(256, 256, None), Some(vec![(0, 0)]));
        assert_eq!(
            tile_origins(512, 256, Some(256)),
            Some(vec![(0, 0), (256, 0)])
        );
        assert_eq!(
            tile_origins(600, 300, Some(256)),
            Some(vec![
                (0, 0),
                (256, 0),
                (344, 0),
                (0, 44),
                (256, 44),
                (344, 44)
            ])
        );
        assert_eq!(tile_origins(200, 300, Some(256)), None);
    }

    #[test]
    fn crop_takes_the_rectangle() {
        let px: Vec<u8> = (0..12).collect(); // 4×3
        assert_eq!(crop(&px, 4, 1, 1, 2, 2), vec![5, 6, 9, 10]);
        assert_eq!(crop(&px, 4, 0, 0, 4, 3), px);
    }

    #[test]
    fn features_file_has_the_study_first_line() {
        assert_eq!(
            writer::pixel_size_text(0.0238, None),
            "pixel_size: 0.0238\n"
        );
        assert_eq!(
            writer::pixel_size_text(2.381, Some("olivine basalt")),
            "pixel_size: 2.381\nrock type: olivine basalt\n"
        );
    }
}
