//! Problems found in a dataset: one record per file and fault, with a message that says what
//! is wrong and what to do. Batch work collects them and goes on; the exit code reports them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What went wrong with a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A mask whose name matches no image.
    OrphanMask,
    /// No pixel-size file and no pixel size in the image's metadata.
    MissingPixelSize,
    /// The pixel-size file exists but does not give a valid pixel size.
    BadPixelSize,
    /// The image cannot be decoded.
    UnreadableImage,
    /// The mask cannot be decoded.
    UnreadableMask,
    /// The mask is colour with unequal channels.
    MaskNotGrey,
    /// Mask and image differ in size.
    SizeMismatch,
    /// The mask holds values that are not class ids of the schema.
    MaskOutOfRange,
    /// Two image files with the same name stem in one sample.
    DuplicateStem,
    /// A file could not be listed or inspected.
    Unlistable,
    /// A labelled image the dataset's grouping rule (`--group-by`, `--groups`) does not match.
    Ungrouped,
}

impl ProblemKind {
    /// All kinds, in report order.
    pub const ALL: [Self; 11] = [
        Self::UnreadableImage,
        Self::UnreadableMask,
        Self::MaskNotGrey,
        Self::SizeMismatch,
        Self::MaskOutOfRange,
        Self::MissingPixelSize,
        Self::BadPixelSize,
        Self::OrphanMask,
        Self::DuplicateStem,
        Self::Unlistable,
        Self::Ungrouped,
    ];

    /// The snake_case name used in JSON and in the workspace.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrphanMask => "orphan_mask",
            Self::MissingPixelSize => "missing_pixel_size",
            Self::BadPixelSize => "bad_pixel_size",
            Self::UnreadableImage => "unreadable_image",
            Self::UnreadableMask => "unreadable_mask",
            Self::MaskNotGrey => "mask_not_grey",
            Self::SizeMismatch => "size_mismatch",
            Self::MaskOutOfRange => "mask_out_of_range",
            Self::DuplicateStem => "duplicate_stem",
            Self::Unlistable => "unlistable",
            Self::Ungrouped => "ungrouped",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// What kind of fault: decides how reports group and count it.
    pub kind: ProblemKind,
    /// Path relative to the dataset root, with `/` separators.
    pub path: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl Problem {
    pub fn new(kind: ProblemKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.path, self.kind, self.message)
    }
}
