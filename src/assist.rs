//! The live pixel classifier ("assist", issue 23): ilastik-style per-pixel features of a grey
//! BSE image, a random forest trained on sparse labels, and the forest's proposal per pixel.
//!
//! No terminal, no workspace, no files: callers hand in bytes and get values back. The flow:
//! [`Features::compute`] once per image (kept while the image is open), then after each stroke
//! [`fit`] on [`LabelledImage`]s (the current image weighted up against the dataset's labelled
//! pixels) and [`propose()`] on the current image's features.
//!
//! Invariants: images are 8-bit grey, row-major `width × height`; labels are one byte per pixel,
//! a class id (0–253) or no label ([`UNLABELLED`], 254, the project's in-memory marker; 255 is
//! skipped too); a forest only predicts features with as many channels as it was trained on.
//! Everything is deterministic for fixed seeds, whatever the thread count.

mod features;
mod filters;
mod forest;
mod normalise;
mod propose;
mod rows;
pub mod superpixels;
pub mod synthetic;
mod train;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_forest;

pub use features::{
    Channel, DOG_RATIO, Family, FeatureSettings, Features, ILASTIK_SCALES, MIN_DERIVATIVE_SCALE,
};
pub use forest::{Forest, ForestSettings, RaforForest, SplitFeatures};
pub use normalise::{HIGH_PERCENTILE, LOW_PERCENTILE, Percentiles};
pub use propose::{
    ConfidenceKind, Proposal, ProposeOptions, Rect, propose, propose_cancellable, propose_rect,
};
pub use superpixels::{SuperpixelError, SuperpixelSettings, Superpixels};
pub use train::{LabelledImage, SamplingSettings, TrainingSet, UNLABELLED, fit, training_set};

/// What can go wrong in the assist core.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AssistError {
    #[error("{what} has {len} values, but the image is {width}x{height}: pass one value per pixel")]
    Size {
        what: &'static str,
        len: usize,
        width: usize,
        height: usize,
    },
    #[error("feature scale {sigma} is not a positive number of pixels")]
    BadScale { sigma: f32 },
    #[error(
        "no labelled pixels: every label is unlabelled (254 or 255); paint at least one stroke"
    )]
    NoLabels,
    #[error(
        "image {index} has {channels} feature channels, the first has {expected}: compute all with the same settings and extra channels"
    )]
    ChannelMismatch {
        index: usize,
        channels: usize,
        expected: usize,
    },
    #[error("image {index} has weight {weight}: weights must be finite and above 0")]
    BadWeight { index: usize, weight: f32 },
    #[error(
        "training set has {rows} labels but {values} values and {weights} weights for {n_features} features per row"
    )]
    RowShape {
        rows: usize,
        values: usize,
        weights: usize,
        n_features: usize,
    },
    #[error(
        "training label {label} is not below the set's {n_classes} classes: set n_classes to the largest label plus one"
    )]
    LabelRange { label: u8, n_classes: usize },
    #[error(
        "a forest of {parts} parts of {trees_per_part} trees is empty: ask for at least one tree"
    )]
    EmptyForest { parts: usize, trees_per_part: usize },
    #[error(
        "the model was trained on {model} feature channels, these features have {features}: recompute them with the model's feature settings"
    )]
    ModelChannels { model: usize, features: usize },
    #[error(
        "rectangle {rect:?} is empty or not inside the {width}x{height} image: clip it to the image"
    )]
    Rect {
        rect: Rect,
        width: usize,
        height: usize,
    },
    #[error("the proposal was cancelled (a newer request replaced it)")]
    Cancelled,
    #[error("could not encode the assist model: {0}")]
    Encode(String),
    #[error("could not read the assist model (corrupt, or from another version): {0}")]
    Decode(String),
}
