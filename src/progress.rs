//! Progress reporting for long work, with no terminal knowledge: core code calls these
//! methods, and the CLI (a progress bar or plain lines) or the TUI (a task table) renders them.

/// Receives progress from long-running work. Implementations must be cheap and thread-safe:
/// `advance` is called from worker threads.
pub trait Progress: Sync {
    /// A stage of `total` units starts (`total` 0 means unknown).
    fn begin(&self, stage: &str, total: u64);
    /// `n` more units are done.
    fn advance(&self, n: u64);
    /// Inside the unit being worked on (one large image): `done` of its `total` parts (tiles)
    /// are done. Called once per part, so it must stay cheap; ignored unless rendered.
    fn within(&self, _done: u64, _total: u64) {}
    /// The current stage ended.
    fn end(&self) {}
}

/// Discards progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn begin(&self, _stage: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
}
