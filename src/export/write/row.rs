//! The manifest rows of one exported image: what its files share, and each file's own.
//!
//! Hashes are of the decoded 8-bit pixels written (row-major, one byte each), not of the PNG
//! bytes, so `verify` can compare what it reads back whatever the encoder's compression.

use crate::dataset::layout::names::sanitize;
use crate::labels::current::{CurrentLabel, LabelSource};

use super::super::manifest::ManifestRow;
use super::{ImageJob, WriteContext, sha256_hex};

/// The per-image part of its manifest rows.
pub(super) struct RowBase<'a> {
    /// The image being exported, with its label record, decision and split.
    pub(super) job: &'a ImageJob<'a>,
    /// The sample folder's name in the export: the source sample, sanitised.
    pub(super) sample_dir: String,
    /// µm/px of the source image, copied to every file of it (export never rescales).
    pub(super) pixel_size: f64,
    /// Where the exported mask came from (file, corrected, proposal).
    source: LabelSource,
    /// Pixels the workspace's corrections changed from the base they started on.
    changed: u64,
    /// Who corrected the mask, and when the last correction ended (UTC text).
    edited_by: Vec<String>,
    edited_at: Option<String>,
    /// The latest review decision's name, empty without one.
    review_status: String,
    /// Pixels cut at the right and bottom edges to reach [`SIZE_MULTIPLE`](super::SIZE_MULTIPLE).
    pub(super) cut: (u32, u32),
}

impl<'a> RowBase<'a> {
    pub(super) fn new(job: &'a ImageJob<'a>, label: &CurrentLabel, pixel_size: f64) -> Self {
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

    /// The manifest row of one written file set.
    ///
    /// `img` and `mask` are the file's pixels (`w`×`h`, row-major), the mask already in the
    /// target schema. `tile` is the file's top-left corner in the raw image (or in the source
    /// image for tiles cut by export); `None` for an untiled export of a non-imported image. Mask
    /// values outside the target's ids are counted as unlabelled pixels. `study_unet` names which
    /// of the study's two U-Nets serves the scale: `large` above 1.8 µm/px, else `small`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn row(
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
            raw_image: self.job.raw.as_ref().map(|(path, _, _)| path.clone()),
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
