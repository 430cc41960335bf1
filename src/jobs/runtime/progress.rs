//! Progress of background work as job events for the status bar, throttled so that a fast
//! loop does not flood the UI channel.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::progress::Progress;

use super::table::{JobEvent, TaskId};

/// Where job events go: false once nobody listens (the front end quit). A front end wraps
/// its own channel; `jobs::report::Outbox::jobs` makes one that sends `Report::Job`.
pub type JobSink = Arc<dyn Fn(JobEvent) -> bool + Send + Sync>;

/// Progress sent to the UI as job events, at most ten a second.
pub struct ChannelProgress {
    /// Where the events go.
    sink: JobSink,
    /// The task-table entry the events update.
    task: TaskId,
    /// Steps done in the current stage (reset by `begin`).
    done: AtomicU64,
    /// When the last progress event went out: the next waits 100 ms.
    last: Mutex<Instant>,
}

impl ChannelProgress {
    /// Progress for task `task`, sending to `sink`.
    pub fn new(sink: JobSink, task: TaskId) -> Self {
        Self {
            sink,
            task,
            done: AtomicU64::new(0),
            last: Mutex::new(Instant::now()),
        }
    }

    /// Sends one job event; a closed front end is ignored.
    fn send(&self, e: JobEvent) {
        (self.sink)(e);
    }
}

impl Progress for ChannelProgress {
    /// Starts stage `stage` of `total` steps; a stage of unknown length (0) sends nothing.
    fn begin(&self, stage: &str, total: u64) {
        self.done.store(0, Ordering::Relaxed);
        if total > 0 {
            self.send(JobEvent::Started {
                task: self.task,
                name: stage.to_string(),
                total,
            });
        }
    }

    /// Counts `n` steps and sends the running total when 100 ms have passed since the last.
    fn advance(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if last.elapsed() >= Duration::from_millis(100) {
            *last = Instant::now();
            drop(last);
            self.send(JobEvent::Progress {
                task: self.task,
                done,
            });
        }
    }
}
