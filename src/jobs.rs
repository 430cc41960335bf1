//! Long work off the caller's thread, in one place, in two layers:
//! - [`runtime`]: the thread plumbing (latest-wins request slots, the task table and its job
//!   events, throttled progress, panic guards); it knows no workflow (tests/layers.rs);
//! - the workflows beside it: batch prediction of a dataset (resumable, sharded), training
//!   and retraining, audits and the overview, assist refreshes, and the services an
//!   interactive front end runs in the background (image loader and model worker, an ordered
//!   task thread, the journal writer). They report through a [`report::Outbox`], whose
//!   [`report::Report`] is the vocabulary between the workflows and a front end.

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
pub mod report;
pub mod retrain;
pub mod retrain_job;
pub mod runtime;
pub mod service;
pub mod shard;
pub mod sites;
pub mod train;
pub mod train_data;

pub use error::JobError;
