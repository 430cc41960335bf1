//! The mask editor of the Image screen: tool settings, one edit session per image (kept while
//! moving between images), and the journal commands every finished stroke produces. The
//! pixel work is `review::edit`'s; this file decides what an action means here and keeps the
//! picture, the per-class figures and the save state in step with the session.
//!
//! Lifetimes: a session lives for the whole run once an image is edited (moving to another
//! image and back keeps its history); its base and journal come from the workspace when the
//! image is loaded (`adopt_edits`). A journal that no longer fits its base is kept in the
//! workspace, marked broken here, and the image's edits are not shown.

use std::collections::HashMap;

use crate::dataset::image::ImageId;
use crate::dataset::workspace::EditBase;
use crate::labels::journal::LoadedEdits;
use crate::review::edit::tools::{BrushShape, MAX_BRUSH};
use crate::review::edit::{EditSession, Locks};

use super::super::msg::Command;
use super::{App, Severity};

mod actions;
mod assist;
mod classes;
mod fills;
mod strokes;
mod superpixel;

/// Editor settings and sessions.
///
/// The tool settings (class, brush, modes, thresholds, locks) are one set for the whole run,
/// kept from image to image; sessions, bases and save counts are per image, by row id.
#[derive(Debug, Clone)]
pub struct EditState {
    /// The editor is on (its key layer is active on the Image screen).
    pub active: bool,
    /// The class painted.
    pub class: u8,
    /// Brush diameter in pixels, 1–64.
    pub brush: u32,
    /// Round or square brush footprint.
    pub shape: BrushShape,
    /// Cursor moves paint.
    pub paint: bool,
    /// The brush erases: its pixels become unlabelled (a partial mask).
    pub erase: bool,
    /// The brush restores: its pixels go back to the proposal's class (the base's without a
    /// proposal).
    pub restore: bool,
    /// Grey-level fill: ± this many grey levels around the seed pixel.
    pub tolerance: u8,
    /// Accepting by confidence: pixels whose top-two margin × 255 is at least this.
    pub min_confidence: u8,
    /// Polygon corners set so far.
    pub polygon: Vec<(u32, u32)>,
    /// A grey-level fill waiting for `apply`: its pixels.
    pub preview: Option<Vec<usize>>,
    /// Classes no tool may change (`LockClass`).
    pub locks: Locks,
    /// Typed short-name prefix while the class picker is open.
    pub picker: Option<String>,
    /// One session per image edited in this run.
    pub sessions: HashMap<ImageId, EditSession>,
    /// The base each session's journal starts from.
    pub bases: HashMap<ImageId, EditBase>,
    /// Journal operations sent and not yet reported saved, per image.
    pub unsaved: HashMap<ImageId, u32>,
    /// Images whose journal could not be replayed, with why (their edits are kept).
    pub broken: HashMap<ImageId, String>,
    /// Who edited each image before this run, and how (from its journal).
    pub provenance: HashMap<ImageId, crate::dataset::workspace::Provenance>,
    /// The assist proposes the shown image after each edit.
    pub assist: bool,
    /// The superpixels of an image (by id), computed on first use.
    pub superpixels: Option<(ImageId, crate::assist::Superpixels)>,
    /// Draw the superpixels' edges over the image.
    pub segment_edges: bool,
    /// The latest assist request's number: older answers are dropped.
    pub assist_generation: u64,
    /// The decision each image had before the editor marked it corrected, to return to
    /// when every edit is undone.
    pub before_correction: HashMap<ImageId, Option<crate::dataset::decision::Decision>>,
    /// Consecutive cursor moves in one direction (for acceleration).
    streak: ((i64, i64), u32),
}

impl Default for EditState {
    fn default() -> Self {
        Self {
            active: false,
            class: 4,
            brush: 5,
            shape: BrushShape::Round,
            paint: false,
            erase: false,
            restore: false,
            tolerance: 12,
            min_confidence: 204,
            polygon: Vec::new(),
            preview: None,
            locks: Locks::default(),
            picker: None,
            sessions: HashMap::new(),
            bases: HashMap::new(),
            unsaved: HashMap::new(),
            broken: HashMap::new(),
            provenance: HashMap::new(),
            before_correction: HashMap::new(),
            assist: false,
            superpixels: None,
            segment_edges: false,
            assist_generation: 0,
            streak: ((0, 0), 0),
        }
    }
}

impl EditState {
    /// Operations of all images not yet confirmed saved.
    pub fn unsaved_total(&self) -> u32 {
        self.unsaved.values().sum()
    }

    /// Cursor step multiplier for a move in direction `d`. A press that is not an
    /// auto-repeat (`held` false) moves one step and starts a new streak; auto-repeats of a
    /// held key move 1 step for the first three, then doubling every three up to 16, so
    /// holding a key crosses a large image while taps stay exact.
    pub fn accelerate(&mut self, d: (i64, i64), held: bool) -> i64 {
        if held && self.streak.0 == d {
            self.streak.1 += 1;
        } else {
            self.streak = (d, 0);
        }
        1 << (self.streak.1 / 3).min(4)
    }

    /// Forgets the held-key streak: the next cursor move is a single step.
    fn reset_streak(&mut self) {
        self.streak = ((0, 0), 0);
    }
}

impl App {
    /// The session of the shown image, if it has one.
    pub fn edit_session(&self) -> Option<&EditSession> {
        let id = self.current.as_ref()?.row.id;
        self.edit.sessions.get(&id)
    }

    /// Takes the journal an image was loaded with (unless this run already edits it).
    pub(super) fn adopt_edits(&mut self, id: ImageId, loaded: Option<Box<LoadedEdits>>) {
        let Some(l) = loaded else { return };
        let l = *l;
        if let Some(p) = l.provenance {
            self.edit.provenance.insert(id, p);
        }
        if self.edit.sessions.contains_key(&id) {
            return;
        }
        match l.session {
            Ok(s) => {
                self.marks.labels.set_net_change(id, s.changed_pixels() > 0);
                self.edit.sessions.insert(id, s);
                self.edit.bases.insert(id, l.base);
                self.edit.broken.remove(&id);
            }
            Err(why) => {
                self.say(format!("saved edits not shown: {why}"), Severity::Error);
                self.edit.broken.insert(id, why);
            }
        }
    }

    /// Turns the editor on for the shown image: starts its session at once (so the first stroke
    /// on a large image draws within a frame) and switches to a mask overlay; refused for an
    /// image that cannot be read.
    fn enter_editor(&mut self) -> Vec<Command> {
        let Some(c) = &self.current else {
            return Vec::new();
        };
        let blank = c.mask.is_none() && c.prediction().is_none();
        if c.image.is_err() {
            self.say(
                "nothing to edit: the image cannot be read".into(),
                Severity::Warn,
            );
            return Vec::new();
        }
        self.edit.active = true;
        // The session (two copies of the mask) is made now, not on the first stroke, so
        // that a stroke on a large image redraws within a frame.
        let _ = self.session_mut();
        // Show what is being edited: the mask (errors and edited pixels are masks too).
        if !matches!(
            self.image.overlay,
            super::super::render::Overlay::Mask
                | super::super::render::Overlay::Error
                | super::super::render::Overlay::Edited
        ) {
            self.image.overlay = super::super::render::Overlay::Mask;
        }
        self.image.triptych = false;
        self.recompose();
        let hint = if blank {
            "editing a blank mask (no mask file, no proposal): digits pick a class, space paints, b paint mode, g grey fill, x erases to unlabelled, esc leaves"
        } else {
            "editing: digits pick a class, space paints, b paint mode, g grey fill, a accept, u undo, esc leaves"
        };
        self.say(hint.into(), Severity::Info);
        Vec::new()
    }

    /// Esc in the editor, innermost first: cancels a grey-fill preview, else the polygon, else
    /// ends any stroke and leaves the editor (paint mode off).
    fn leave_editor(&mut self) -> Vec<Command> {
        if let Some(old) = self.edit.preview.take() {
            self.redraw_preview(Some(&old));
            self.say("preview cancelled".into(), Severity::Info);
            return Vec::new();
        }
        if !self.edit.polygon.is_empty() {
            self.edit.polygon.clear();
            self.say("polygon cancelled".into(), Severity::Info);
            self.recompose();
            return Vec::new();
        }
        let cmds = self.end_stroke();
        self.edit.active = false;
        self.edit.paint = false;
        self.say("editor closed".into(), Severity::Info);
        cmds
    }

    /// Grows the brush by a quarter (at least 1 px, at most 64) or shrinks it by a fifth (at
    /// least 1 px).
    fn resize_brush(&mut self, bigger: bool) -> Vec<Command> {
        let b = self.edit.brush;
        self.edit.brush = if bigger {
            (b + b.div_ceil(4)).min(MAX_BRUSH)
        } else {
            b.saturating_sub(b.div_ceil(5)).max(1)
        };
        Vec::new()
    }
}

/// What "accept the proposal" takes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Accept {
    /// Every pixel of the image.
    All,
    /// The 4-connected region of the predicted class under the cursor.
    Region,
    /// Every pixel the proposal gives the class under the cursor.
    Class,
    /// Every pixel whose top-two margin is at least the set threshold.
    Confident,
}

/// The bounding rectangle of pixel indices of an image `w` px wide.
pub(super) fn bounds(pixels: &[usize], w: u32) -> Option<crate::review::edit::Rect> {
    let w = w as usize;
    pixels
        .iter()
        .map(|&i| crate::review::edit::Rect::pixel((i % w) as u32, (i / w) as u32))
        .reduce(crate::review::edit::Rect::union)
}
