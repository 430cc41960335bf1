//! Long work off the caller's thread, in one place: batch prediction of a dataset
//! (resumable), training, audits, and the services an interactive front end runs in the
//! background (image loader and model worker behind latest-wins slots, an ordered task thread,
//! cancellable jobs), reporting through an [`report::Outbox`] with throttled progress.

pub mod assist;
pub mod assist_labels;
pub mod assist_live;
pub mod audit;
pub mod edits;
pub mod error;
pub mod merge;
pub mod overview;
pub mod predict;
pub mod predict_all;
pub mod progress_channel;
pub mod report;
pub mod retrain;
pub mod retrain_job;
pub mod service;
pub mod shard;
pub mod sites;
pub mod slot;
pub mod table;
pub mod train;
pub mod train_data;

pub use error::JobError;
