//! Undo and redo as lists of changed pixels: a stroke is the pixels it changed with their
//! values before and after, so undo and redo cost what the stroke cost.

use super::Tool;
use super::mask::LabelMask;

/// One pixel's change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// Row-major pixel index.
    pub index: u32,
    /// Class id before the stroke.
    pub old: u8,
    /// Class id after the stroke; never equal to `old` in a finished stroke.
    pub new: u8,
}

/// A finished edit: every pixel it changed, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stroke {
    /// The tool that made it, stored in the journal with the changes.
    pub tool: Tool,
    /// The changed pixels, each index once, in the order first touched.
    pub changes: Vec<Change>,
}

/// Bytes per change in [`Stroke::encode`]: index (u32, little-endian), old, new.
pub const CHANGE_BYTES: usize = 6;

impl Stroke {
    /// The changes as bytes, [`CHANGE_BYTES`] per pixel (the journal compresses them).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.changes.len() * CHANGE_BYTES);
        for c in &self.changes {
            out.extend_from_slice(&c.index.to_le_bytes());
            out.extend_from_slice(&[c.old, c.new]);
        }
        out
    }

    /// Inverse of [`Stroke::encode`]; `None` when the bytes are not whole changes.
    pub fn decode(tool: Tool, bytes: &[u8]) -> Option<Self> {
        if !bytes.len().is_multiple_of(CHANGE_BYTES) {
            return None;
        }
        let changes = bytes
            .chunks_exact(CHANGE_BYTES)
            .map(|b| Change {
                index: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                old: b[4],
                new: b[5],
            })
            .collect();
        Some(Self { tool, changes })
    }

    /// Applies the stroke (redo); false, and nothing changed, when a pixel does not hold
    /// the stroke's `old` value (the stroke belongs to another mask).
    pub fn apply(&self, mask: &mut LabelMask) -> bool {
        self.fits(mask, |c| c.old) && {
            for c in &self.changes {
                mask.set(c.index as usize, c.new);
            }
            true
        }
    }

    /// Reverts the stroke (undo); false, and nothing changed, when a pixel does not hold the
    /// stroke's `new` value.
    pub fn revert(&self, mask: &mut LabelMask) -> bool {
        self.fits(mask, |c| c.new) && {
            for c in &self.changes {
                mask.set(c.index as usize, c.old);
            }
            true
        }
    }

    fn fits(&self, mask: &LabelMask, value: impl Fn(&Change) -> u8) -> bool {
        let n = mask.classes().len();
        self.changes
            .iter()
            .all(|c| (c.index as usize) < n && mask.get(c.index as usize) == value(c))
    }
}

/// Done and undone strokes of one image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    done: Vec<Stroke>,
    undone: Vec<Stroke>,
}

impl History {
    /// Records a stroke already applied to the mask; the redo list is dropped.
    pub fn push(&mut self, stroke: Stroke) {
        self.done.push(stroke);
        self.undone.clear();
    }

    /// Reverts the last stroke; returns it, or `None` when there is nothing to undo.
    pub fn undo(&mut self, mask: &mut LabelMask) -> Option<&Stroke> {
        let s = self.done.pop()?;
        let ok = s.revert(mask);
        debug_assert!(ok, "the history belongs to this mask");
        self.undone.push(s);
        self.undone.last()
    }

    /// Applies the last undone stroke again.
    pub fn redo(&mut self, mask: &mut LabelMask) -> Option<&Stroke> {
        let s = self.undone.pop()?;
        let ok = s.apply(mask);
        debug_assert!(ok, "the history belongs to this mask");
        self.done.push(s);
        self.done.last()
    }

    /// Strokes in effect, oldest first.
    pub fn done(&self) -> &[Stroke] {
        &self.done
    }

    /// Whether some stroke is in effect.
    pub fn can_undo(&self) -> bool {
        !self.done.is_empty()
    }

    /// Whether some undone stroke can be applied again (a new stroke clears them).
    pub fn can_redo(&self) -> bool {
        !self.undone.is_empty()
    }
}
