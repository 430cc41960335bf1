//! Review: which images a person should look at first, and why. No I/O and no UI: the
//! queue is computed from stored summaries (see `jobs` for loading them).

pub mod queue;
