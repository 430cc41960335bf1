//! Progress of background work as job events for the status bar, throttled so that a fast
//! loop does not flood the UI channel.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use crate::progress::Progress;

use super::super::msg::{Event, JobEvent};

/// Progress sent to the UI as job events, at most ten a second.
pub struct ChannelProgress {
    tx: Mutex<Sender<Event>>,
    done: AtomicU64,
    started: AtomicBool,
    last: Mutex<Instant>,
}

impl ChannelProgress {
    pub fn new(tx: Sender<Event>) -> Self {
        Self {
            tx: Mutex::new(tx),
            done: AtomicU64::new(0),
            started: AtomicBool::new(false),
            last: Mutex::new(Instant::now()),
        }
    }

    fn send(&self, e: JobEvent) {
        if let Ok(tx) = self.tx.lock() {
            let _ = tx.send(Event::Job(e));
        }
    }

    /// Ends the job in the status bar, when a stage with a known size was announced.
    pub fn finish(&self, message: String) {
        if self.started.load(Ordering::Relaxed) {
            self.send(JobEvent::Finished { message });
        }
    }
}

impl Progress for ChannelProgress {
    fn begin(&self, stage: &str, total: u64) {
        self.done.store(0, Ordering::Relaxed);
        if total > 0 {
            self.started.store(true, Ordering::Relaxed);
            self.send(JobEvent::Started {
                name: stage.to_string(),
                total,
            });
        }
    }

    fn advance(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if last.elapsed() >= Duration::from_millis(100) {
            *last = Instant::now();
            drop(last);
            self.send(JobEvent::Progress { done });
        }
    }
}
