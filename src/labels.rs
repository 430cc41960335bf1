//! Labels as the workspace holds them: a mask file plus an edit journal replayed on it (or on
//! a model's proposal). The core that the editor, training and export share; no terminal.
//!
//! Masks here are always class ids as `u8`, one per pixel, row-major, the image's width ×
//! height; `dataset::schema::UNLABELLED` (254) marks pixels nobody labelled. A journal is tied to
//! the exact base it was made on by a fingerprint, so an edited file on disk makes its
//! corrections stop applying (kept, reported) rather than land on the wrong pixels.

pub mod current;
pub mod journal;
pub mod status;
