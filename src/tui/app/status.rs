//! Status-bar state: the running job and the last message.

use std::time::Instant;

/// How a status message is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Info,
    Ok,
    Warn,
    Error,
}

/// The running background job.
#[derive(Debug, Clone)]
pub struct JobState {
    pub name: String,
    /// Units of work; 0 while unknown.
    pub total: u64,
    pub done: u64,
    pub started: Instant,
}

impl JobState {
    pub fn new(name: String, total: u64) -> Self {
        Self {
            name,
            total,
            done: 0,
            started: Instant::now(),
        }
    }

    /// Done share 0–1, when the total is known.
    pub fn fraction(&self) -> Option<f64> {
        (self.total > 0).then(|| self.done as f64 / self.total as f64)
    }
}
