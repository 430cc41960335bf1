//! Long work off the caller's thread: batch prediction of a dataset (resumable), with
//! progress records and a cancel flag. The model worker of the TUI will live here too.

pub mod audit;
pub mod overview;
pub mod predict;
pub mod train;
