//! Review: which images a person should look at first, and why, and how a person corrects a
//! mask. No I/O and no UI: the queue is computed from stored summaries (see `jobs` for
//! loading them); edits are pure operations on masks whose strokes a caller journals.

pub mod edit;
pub mod queue;
