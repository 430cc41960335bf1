//! Labels as the workspace holds them: a mask file plus an edit journal replayed on it (or on
//! a model's proposal). The core that the editor, training and export share; no terminal.

pub mod current;
pub mod journal;
pub mod status;
