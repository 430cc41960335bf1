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
    Brush,
    Erase,
    Fill,
    GreyFill,
    Polygon,
    Accept,
    /// Back to the proposal's class (or the base's, without a proposal), pixel by pixel.
    Restore,
    /// Whole superpixels (grey SNIC segments) under the brush.
    Superpixel,
}

impl Tool {
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
