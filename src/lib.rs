//! semcurate: curate, audit and grow SEM backscattered-electron (BSE) mineral-segmentation
//! datasets in the MineralClassifier layout, from the terminal.
//!
//! Layers, each importing only those below it: `cli` → `jobs` → `stats` → `synth` → `dataset`.
//! Nothing below `cli` prints or knows about terminals.

pub mod assist;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod dataset;
pub mod export;
pub mod fault;
pub mod fsutil;
pub mod hashing;
pub mod import;
pub mod jobs;
pub mod labels;
pub mod metrics;
pub mod model;
pub mod progress;
pub mod review;
pub(crate) mod rng;
pub mod stats;
pub mod synth;
pub mod tui;
