//! An image as the index knows it: its files, what decoding them found, and its pixel size.
//! The workspace stores one per image (SQLite rows, see `workspace`); everything above the
//! dataset layer reads images through this type.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::item::{MaskState, PixelSizeSource};

/// An image's id in the workspace (the `images` table's integer key): given at its first
/// index, kept while its sample and stem stay the same, never reused. Written as the bare
/// number in JSON and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ImageId(pub i64);

impl fmt::Display for ImageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One indexed image, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedImage {
    /// The image's id in the workspace: given at its first index, kept while its sample and
    /// stem stay the same (a re-index updates the image in place), never reused.
    pub id: ImageId,
    /// Sample folder path relative to the dataset root, `/`-separated (`10003`, or
    /// `apollo11/10003`).
    pub sample: String,
    /// File name of the image without its extension.
    pub stem: String,
    /// Split group: the images that go into one split together (the tiles of one site). By
    /// the study's rule the sample and the stem before its first `-` (`10003/10003_s01` for
    /// `10003_s01-t02`), else the dataset's own rule (see `groups`).
    pub group: String,
    /// Image file path relative to the dataset root, `/`-separated.
    pub image_path: String,
    /// Mask file path relative to the dataset root; `None` for an unlabelled image.
    pub mask_path: Option<String>,
    /// Pixel-size file (`input-features/NAME.txt`) relative to the dataset root; `None`
    /// without one.
    pub features_path: Option<String>,
    /// Change fingerprint of the image file at the last index: `size:mtime_ns` (bytes, and
    /// nanoseconds since the Unix epoch), different whenever the file is rewritten.
    pub image_fp: String,
    /// The mask file's fingerprint (`size:mtime_ns`); `None` without a mask.
    pub mask_fp: Option<String>,
    /// The pixel-size file's fingerprint (`size:mtime_ns`); `None` without one.
    pub features_fp: Option<String>,
    /// File format as decoded (`png`, `tiff`); `None` when the image could not be decoded.
    pub format: Option<String>,
    /// Width in pixels; `None` when the image could not be decoded.
    pub width: Option<u32>,
    /// Height in pixels; `None` when the image could not be decoded.
    pub height: Option<u32>,
    /// Bits per sample as stored in the file (1–16, or 32 for float); `None` when the image
    /// could not be decoded.
    pub bit_depth: Option<u8>,
    /// Pixel size in µm/px (micrometres per pixel); `None` when neither the image, its
    /// pixel-size file nor `--pixel-size` gives one.
    pub pixel_size: Option<f64>,
    /// Where `pixel_size` came from; `None` without a pixel size.
    pub pixel_size_source: Option<PixelSizeSource>,
    /// Scale bin under the workspace's bins (0 for the smallest pixel sizes, see
    /// `ScaleBins::bin_of`); `None` without a pixel size.
    pub bin: Option<u32>,
    /// Whether the image has a mask, and whether it is usable.
    pub mask_state: MaskState,
    /// Pixels per class id (index = class id), for valid masks; `None` otherwise.
    pub class_counts: Option<Vec<u64>>,
    /// The files were gone at the last index; kept so that work attached to it is not lost.
    pub missing: bool,
}

impl IndexedImage {
    /// Readable image with a valid mask.
    pub fn is_labelled(&self) -> bool {
        self.mask_state == MaskState::Valid
    }

    /// The image decoded at the last index.
    pub fn is_readable(&self) -> bool {
        self.width.is_some()
    }

    /// The share (0–1) of a labelled image's pixels that carry a class: below 1 for a
    /// partial mask (scribbles, the schema's `unlabelled` value elsewhere). `None` without a
    /// valid mask.
    pub fn labelled_share(&self) -> Option<f64> {
        let counts = self.class_counts.as_ref().filter(|_| self.is_labelled())?;
        let total = u64::from(self.width?) * u64::from(self.height?);
        (total > 0).then(|| counts.iter().sum::<u64>() as f64 / total as f64)
    }

    /// A valid mask with unlabelled pixels.
    pub fn is_partial(&self) -> bool {
        self.labelled_share().is_some_and(|s| s < 1.0)
    }

    /// Why the image has no pixel size and what to do, for an image whose `pixel_size` is
    /// `None`: a pixel-size file that is there but unreadable is named as such.
    pub fn no_pixel_size(&self) -> String {
        match &self.features_path {
            Some(f) => format!(
                "no pixel size: '{f}' does not give one (its first line must be 'pixel_size: <µm per pixel>', see `semcurate index` for what it holds): fix it, or pass --pixel-size"
            ),
            None => match self.image_path.rsplit_once("input-images/") {
                Some((dir, _)) => format!(
                    "no pixel size: add {dir}input-features/{}.txt with 'pixel_size: <µm per pixel>', or pass --pixel-size",
                    self.stem
                ),
                None => "no pixel size: pass --pixel-size (µm per pixel)".into(),
            },
        }
    }
}
