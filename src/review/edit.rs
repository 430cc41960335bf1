//! Mask editing without I/O or UI: a label mask with a dirty rectangle, the tools that
//! compute which pixels a stroke changes (brush, erase, flood fill, grey-level fill, polygon,
//! accept the proposal), locked classes, and an undo/redo history stored as changed pixel
//! indices with old and new values (napari's history atoms), so the cost of every operation
//! follows the stroke, not the image.
//!
//! Invariants: a [`Stroke`] lists each pixel at most once, with its value before the stroke
//! (`old`) and after (`new`, ≠ `old`); undoing every stroke in reverse order gives back the
//! mask the session started from, bit for bit.

mod history;
mod mask;
mod session;
pub mod tools;

pub use history::{CHANGE_BYTES, Change, History, Stroke};
pub use mask::{LabelMask, Rect};
pub use session::{EditSession, JournalOp, Locks, ReplayError};

use serde::{Deserialize, Serialize};

/// What made a stroke (recorded in the journal and the provenance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tool {
    /// Paints the chosen class under a round or square brush dragged by the user.
    Brush,
    /// Paints [`crate::dataset::schema::UNLABELLED`] (254): the pixels become unlabelled, not a
    /// class.
    Erase,
    /// Flood fill: the 4-connected region of one class around the clicked pixel.
    Fill,
    /// Grey-level fill (magic wand): the 4-connected pixels within ± a tolerance of the clicked
    /// pixel's grey level, which follows grain boundaries in BSE.
    GreyFill,
    /// The pixels whose centres lie inside a clicked polygon (even-odd rule), outline included.
    Polygon,
    /// Takes the model's predicted class for each chosen pixel (all of them, one predicted
    /// region, one predicted class, or those above a margin).
    Accept,
    /// Back to the proposal's class (or the base's, without a proposal), pixel by pixel.
    Restore,
    /// Whole superpixels (grey SNIC segments) under the brush.
    Superpixel,
}

impl Tool {
    /// The snake-case name stored in the journal's `tool` column; [`Tool::parse`] reads it back.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Brush => "brush",
            Self::Erase => "erase",
            Self::Fill => "fill",
            Self::GreyFill => "grey_fill",
            Self::Polygon => "polygon",
            Self::Accept => "accept",
            Self::Restore => "restore",
            Self::Superpixel => "superpixel",
        }
    }

    /// The tool named `s` by [`Tool::as_str`]; `None` for an unknown name (a journal row written
    /// by a newer version), which replay reports as an error.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Brush,
            Self::Erase,
            Self::Fill,
            Self::GreyFill,
            Self::Polygon,
            Self::Accept,
            Self::Restore,
            Self::Superpixel,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

#[cfg(test)]
mod tests;
