//! semcurate: curate, audit and grow SEM backscattered-electron (BSE) mineral-segmentation
//! datasets in the MineralClassifier layout, from the terminal.
//!
//! # Layers
//!
//! Each module uses only modules of the layers above it in this list (lower ranks); nothing
//! imports upward, so there are no cycles. `tests/layers.rs` holds the same table and fails
//! on an import that breaks it. docs/ARCHITECTURE.md walks through the rooms.
//!
//! 1. plumbing with no domain knowledge: `clock`, `fault`, `fsutil` (atomic writes),
//!    `hashing`, `progress`, `rng`;
//! 2. `dataset`: the user's folder and our workspace in it (layout, class schema, rasters,
//!    index, locks); the only module that knows where files go;
//! 3. pure computations on images and masks: `metrics` (confusion, IoU, grey statistics),
//!    `imaging` (filters shared by the generator and training), `assist` (pixel features and
//!    the live random forest);
//! 4. `model` (the multi U-Net: burn and the CPU engine, training, cards), `audit`, `review`
//!    (the queue), `stats`;
//! 5. `labels`: label states and the journal of corrections;
//! 6. what writes datasets: `export`, `import`, `synth`;
//! 7. `jobs`: long work on threads: the workflows (predict, train, retrain, audit, assist
//!    refreshes) over `jobs::runtime`, the thread plumbing that knows none of them;
//! 8. `tui`: the terminal UI, a state machine over the core and jobs;
//! 9. `cli`: argument parsing and output.
//!
//! Nothing below `tui` and `cli` prints or knows about terminals.

pub mod assist;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod dataset;
pub mod export;
pub mod fault;
pub mod fsutil;
pub mod hashing;
pub mod imaging;
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
