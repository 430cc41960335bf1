//! A latest-wins request slot: the UI puts requests, a worker takes them; a request that was
//! not taken yet is replaced by a newer one, so a worker never works on stale requests.

use std::sync::{Condvar, Mutex};

/// One pending request at most.
pub struct Slot<T> {
    /// The pending request, and whether the slot is closed.
    state: Mutex<(Option<T>, bool)>,
    /// Signalled when a request arrives or the slot closes.
    ready: Condvar,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self {
            state: Mutex::new((None, false)),
            ready: Condvar::new(),
        }
    }
}

impl<T> Slot<T> {
    /// Replaces any pending request with `value`.
    ///
    /// Does nothing on a poisoned lock (a worker panicked while holding it): never panics.
    pub fn put(&self, value: T) {
        if let Ok(mut s) = self.state.lock() {
            s.0 = Some(value);
            self.ready.notify_one();
        }
    }

    /// Puts `value` only when no request is pending and the slot is open: a worker that asks
    /// itself to redo its latest request never replaces a newer one.
    pub fn put_if_empty(&self, value: T) {
        if let Ok(mut s) = self.state.lock()
            && s.0.is_none()
            && !s.1
        {
            s.0 = Some(value);
            self.ready.notify_one();
        }
    }

    /// Waits for a request; `None` once the slot is closed.
    pub fn take(&self) -> Option<T> {
        let mut s = self.state.lock().ok()?;
        loop {
            if let Some(v) = s.0.take() {
                return Some(v);
            }
            if s.1 {
                return None;
            }
            s = self.ready.wait(s).ok()?;
        }
    }

    /// Wakes the worker and makes `take` return `None` from now on.
    pub fn close(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.0 = None;
            s.1 = true;
            self.ready.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn newer_requests_replace_pending_ones() {
        let slot = Slot::default();
        slot.put(1);
        slot.put(2);
        slot.put(3);
        assert_eq!(slot.take(), Some(3));
        slot.put(4);
        slot.put_if_empty(5);
        assert_eq!(slot.take(), Some(4), "a pending request is not replaced");
        slot.put_if_empty(6);
        assert_eq!(slot.take(), Some(6), "an empty slot takes it");
        let slot = Arc::new(slot);
        let worker = {
            let slot = Arc::clone(&slot);
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while let Some(v) = slot.take() {
                    seen.push(v);
                }
                seen
            })
        };
        slot.put(7);
        std::thread::sleep(std::time::Duration::from_millis(20));
        slot.close();
        let seen = worker.join().unwrap();
        assert!(seen == vec![7] || seen.is_empty(), "{seen:?}");
    }
}
