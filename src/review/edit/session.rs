//! One image's edit session: the mask it started from, the current mask, the stroke in
//! progress, and the history. Every operation that changes pixels goes through here, so
//! locked classes are honoured by every tool and every finished stroke is recorded once.

use std::collections::HashMap;

use super::Tool;
use super::history::{Change, History, Stroke};
use super::mask::LabelMask;

/// Classes that no tool may change (a pixel of a locked class keeps it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locks([bool; 256]);

impl Default for Locks {
    fn default() -> Self {
        Self([false; 256])
    }
}

impl Locks {
    /// Whether `class` is locked; every id 0–255 can be, the unlabelled 254 included.
    pub fn is_locked(&self, class: u8) -> bool {
        self.0[usize::from(class)]
    }

    /// Locks or unlocks `class`; returns whether it is locked now.
    pub fn toggle(&mut self, class: u8) -> bool {
        let l = &mut self.0[usize::from(class)];
        *l = !*l;
        *l
    }

    /// Locked class ids, ascending.
    pub fn locked(&self) -> Vec<u8> {
        (0..=255u8).filter(|&c| self.is_locked(c)).collect()
    }
}

/// A journal entry that cannot be replayed on the session's mask.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error(
        "edit {entry} ({what}) does not fit the mask: the mask it was made on has changed since"
    )]
    DoesNotFit { entry: usize, what: &'static str },
}

/// A replayable operation of the journal.
///
/// The journal stores the user's undo and redo as entries of their own rather than deleting
/// strokes, so replaying it in order rebuilds the same history, redo list included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalOp {
    /// A finished stroke, applied.
    Stroke(Stroke),
    /// The user undid the last stroke in effect.
    Undo,
    /// The user redid the last undone stroke.
    Redo,
}

/// The stroke being drawn.
#[derive(Debug, Clone)]
struct Pending {
    tool: Tool,
    changes: Vec<Change>,
    at: HashMap<u32, usize>,
}

/// Editing one image.
#[derive(Debug, Clone)]
pub struct EditSession {
    base: Vec<u8>,
    /// The current mask; change it only through the session so the history stays exact.
    pub mask: LabelMask,
    history: History,
    pending: Option<Pending>,
    /// Pixels whose class differs from the base, kept up to date by every operation.
    changed: usize,
}

impl EditSession {
    /// A session on `base` (the image's mask, or the proposal it starts from).
    pub fn new(width: u32, height: u32, base: Vec<u8>) -> Self {
        Self {
            mask: LabelMask::new(width, height, base.clone()),
            base,
            history: History::default(),
            pending: None,
            changed: 0,
        }
    }

    /// Keeps the count of pixels differing from the base when pixel `i` goes `before` → `after`.
    fn track(&mut self, i: usize, before: u8, after: u8) {
        let b = self.base[i];
        match (before == b, after == b) {
            (true, false) => self.changed += 1,
            (false, true) => self.changed -= 1,
            _ => {}
        }
    }

    /// Counts the effect of a stroke applied (`forward`) or reverted.
    fn track_stroke(&mut self, s: &Stroke, forward: bool) {
        for c in &s.changes {
            let (before, after) = if forward {
                (c.old, c.new)
            } else {
                (c.new, c.old)
            };
            self.track(c.index as usize, before, after);
        }
    }

    /// Rebuilds a session from its journal; stops at the first entry that does not fit.
    pub fn replay(
        width: u32,
        height: u32,
        base: Vec<u8>,
        ops: &[JournalOp],
    ) -> Result<Self, ReplayError> {
        let mut s = Self::new(width, height, base);
        for (k, op) in ops.iter().enumerate() {
            let ok = match op {
                JournalOp::Stroke(st) => {
                    let ok = st.apply(&mut s.mask);
                    if ok {
                        s.track_stroke(st, true);
                        s.history.push(st.clone());
                    }
                    ok
                }
                JournalOp::Undo => s.undo().1,
                JournalOp::Redo => s.redo(),
            };
            if !ok {
                let what = match op {
                    JournalOp::Stroke(_) => "a stroke",
                    JournalOp::Undo => "an undo",
                    JournalOp::Redo => "a redo",
                };
                return Err(ReplayError::DoesNotFit { entry: k + 1, what });
            }
        }
        s.mask.take_dirty();
        Ok(s)
    }

    /// The mask the session started from.
    pub fn base(&self) -> &[u8] {
        &self.base
    }

    /// Strokes done and undone, for the journal and the undo keys.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Whether a stroke is being drawn.
    pub fn drawing(&self) -> bool {
        self.pending.is_some()
    }

    /// Paints `class` over `pixels` as part of the stroke in progress (started with `tool` if
    /// none is). Pixels of locked classes keep their class. Returns how many pixels changed.
    pub fn paint(
        &mut self,
        tool: Tool,
        pixels: impl IntoIterator<Item = usize>,
        class: u8,
        locks: &Locks,
    ) -> usize {
        self.paint_with(tool, pixels, |_| class, locks)
    }

    /// Like [`EditSession::paint`], each pixel taking the class `class_of(index)` (accepting
    /// the proposal takes the predicted class of each pixel).
    pub fn paint_with(
        &mut self,
        tool: Tool,
        pixels: impl IntoIterator<Item = usize>,
        class_of: impl Fn(usize) -> u8,
        locks: &Locks,
    ) -> usize {
        if self.pending.as_ref().is_some_and(|p| p.tool != tool) {
            self.finish();
        }
        let pending = self.pending.get_or_insert_with(|| Pending {
            tool,
            changes: Vec::new(),
            at: HashMap::new(),
        });
        let mut changed = 0;
        for i in pixels {
            let (now, new) = (self.mask.get(i), class_of(i));
            if now == new || locks.is_locked(now) {
                continue;
            }
            self.mask.set(i, new);
            changed += 1;
            let b = self.base[i];
            match (now == b, new == b) {
                (true, false) => self.changed += 1,
                (false, true) => self.changed -= 1,
                _ => {}
            }
            if let Some(&k) = pending.at.get(&(i as u32)) {
                pending.changes[k].new = new;
            } else {
                pending.at.insert(i as u32, pending.changes.len());
                pending.changes.push(Change {
                    index: i as u32,
                    old: now,
                    new,
                });
            }
        }
        changed
    }

    /// Ends the stroke in progress; returns it (also recorded for undo) when it changed
    /// anything.
    pub fn finish(&mut self) -> Option<Stroke> {
        let p = self.pending.take()?;
        let changes: Vec<Change> = p.changes.into_iter().filter(|c| c.old != c.new).collect();
        if changes.is_empty() {
            return None;
        }
        let stroke = Stroke {
            tool: p.tool,
            changes,
        };
        self.history.push(stroke.clone());
        Some(stroke)
    }

    /// Paints and finishes in one go (fills, polygon, accept). Returns the strokes finished:
    /// a stroke that was in progress (ended first), then this one, each when it changed
    /// anything.
    /// `pixels` must not repeat (fills and regions do not): a one-shot stroke skips the
    /// bookkeeping a brush needs for pixels painted twice, so a 1-Mpx fill stays cheap.
    pub fn apply(
        &mut self,
        tool: Tool,
        pixels: impl IntoIterator<Item = usize>,
        class_of: impl Fn(usize) -> u8,
        locks: &Locks,
    ) -> Vec<Stroke> {
        let mut done: Vec<Stroke> = self.finish().into_iter().collect();
        let mut changes = Vec::new();
        for i in pixels {
            let (now, new) = (self.mask.get(i), class_of(i));
            if now == new || locks.is_locked(now) {
                continue;
            }
            self.mask.set(i, new);
            changes.push(Change {
                index: i as u32,
                old: now,
                new,
            });
        }
        if !changes.is_empty() {
            let stroke = Stroke { tool, changes };
            self.track_stroke(&stroke, true);
            self.history.push(stroke.clone());
            done.push(stroke);
        }
        done
    }

    /// Undoes the last stroke (finishing one in progress first, which is then the one
    /// undone). Returns the finished stroke, if one was in progress, and whether an undo
    /// happened.
    pub fn undo(&mut self) -> (Option<Stroke>, bool) {
        let finished = self.finish();
        let undone = self.history.undo(&mut self.mask).cloned();
        if let Some(s) = &undone {
            self.track_stroke(s, false);
        }
        (finished, undone.is_some())
    }

    /// Redoes the last undone stroke.
    pub fn redo(&mut self) -> bool {
        let redone = self.history.redo(&mut self.mask).cloned();
        if let Some(s) = &redone {
            self.track_stroke(s, true);
        }
        redone.is_some()
    }

    /// Pixels whose class differs from the base (kept as a count, not recounted).
    pub fn changed_pixels(&self) -> usize {
        self.changed
    }
}
