//! Loading an indexed image and its mask into memory, for training, prediction and review.

use std::path::Path;

use super::image::IndexedImage;
use super::raster::{self, DecodeLimits, Grey8, RasterError};
use super::schema::ClassSchema;

/// An image with its class-id mask, both row-major and the same size.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledImage {
    /// The BSE image as 8-bit grey, without a data bar its metadata names.
    pub image: Grey8,
    /// Class id per pixel.
    pub mask: Vec<u8>,
    /// µm/px.
    pub pixel_size: f64,
    /// Grey histogram of every image of this image's site (sample and split group), for
    /// models with per-site input; `None` when not gathered (the image's own levels are used).
    pub site: Option<std::sync::Arc<super::raster::GreyHistogram>>,
}

/// Decodes a row's image as 8-bit grey, without a data bar its metadata names.
pub fn load_image(root: &Path, row: &IndexedImage) -> Result<Grey8, RasterError> {
    raster::read_specimen(&root.join(&row.image_path), DecodeLimits::default())
}

/// Decodes a row's mask as class ids (`None` when the image has no mask).
pub fn load_mask(
    root: &Path,
    row: &IndexedImage,
    schema: &ClassSchema,
) -> Result<Option<Vec<u8>>, RasterError> {
    let Some(path) = &row.mask_path else {
        return Ok(None);
    };
    let decoded = raster::decode_file(&root.join(path), DecodeLimits::default())?;
    let mut mask = decoded.to_mask(&schema.value_table(), schema.len())?;
    // A mask of the whole frame of an image whose data bar is cut: cut it the same way.
    if let Some(h) = row.height
        && mask.height > h
        && Some(mask.width) == row.width
    {
        mask = mask.keep_rows(h);
    }
    Ok(Some(mask.classes))
}

/// Loads a labelled row; `None` when it has no valid mask or no pixel size (the index says
/// why), or when its files changed since indexing and no longer agree.
pub fn load_labelled(
    root: &Path,
    row: &IndexedImage,
    schema: &ClassSchema,
) -> Result<Option<LabelledImage>, RasterError> {
    let (Some(pixel_size), true) = (row.pixel_size, row.is_labelled()) else {
        return Ok(None);
    };
    let image = load_image(root, row)?;
    let Some(mask) = load_mask(root, row, schema)? else {
        return Ok(None);
    };
    if mask.len() != image.pixels.len() || !schema.holds_only_classes_or_unlabelled(&mask) {
        return Ok(None);
    }
    Ok(Some(LabelledImage {
        image,
        mask,
        pixel_size,
        site: None,
    }))
}
