//! Strokes and history of the editor: the session of the shown image, painting, ending a
//! stroke into the journal, undo and redo, and the bookkeeping that keeps counts, picture and
//! save state in step.
//!
//! A stroke's life: painting adds pixels to the session's stroke in progress (each pixel
//! once, locked classes kept); `end_stroke` finishes it and `committed` turns it into a
//! `Command::Journal` for the journal writer, counting it in `EditState::unsaved` until the
//! writer reports it saved (`on_edit_saved`). The first change of an image also records the
//! decision `corrected`, and undoing every edit returns it to the decision it had before.

use crate::dataset::decision::Decision;
use crate::dataset::image::ImageId;
use crate::dataset::schema::UNLABELLED;
use crate::dataset::workspace::current_user;
use crate::labels::journal::{JournalReq, base_for};
use crate::review::edit::tools;
use crate::review::edit::{EditSession, JournalOp, Stroke, Tool};

use super::super::super::msg::Command;
use super::super::{App, Current, Severity};
use crate::clock::now_ms;

impl App {
    /// The session of the shown image, started now if needed (from its mask, or the model's
    /// proposal for an unlabelled image).
    ///
    /// Without mask and proposal the base is blank (every pixel unlabelled, 254). `None`
    /// without an image of known size, and for an image whose saved journal no longer fits
    /// (editing it would hide those edits; the status bar says so).
    pub(in crate::tui::app) fn session_mut(&mut self) -> Option<&mut EditSession> {
        let c = self.current.as_ref()?;
        let id = c.row.id;
        if self.edit.broken.contains_key(&id) {
            self.say(
                "this image has saved edits that no longer apply; editing it would hide them"
                    .into(),
                Severity::Error,
            );
            return None;
        }
        let mut from_proposal = false;
        if let std::collections::hash_map::Entry::Vacant(e) = self.edit.sessions.entry(id) {
            let (w, h) = c.size()?;
            let model = c.prediction().map(|p| p.model.clone());
            let base_classes = match (&c.mask, c.prediction()) {
                (Some(m), _) => m.clone(),
                (None, Some(p)) => p.classes.clone(),
                // No mask, no proposal: a blank mask, every pixel unlabelled.
                (None, None) => vec![UNLABELLED; w as usize * h as usize],
            };
            from_proposal = c.mask.is_none();
            let base = base_for(&c.row, model.as_deref(), &current_user())?;
            e.insert(EditSession::new(w, h, base_classes));
            self.edit.bases.insert(id, base);
        }
        if from_proposal {
            // The class table counted no mask until now: the proposal is the mask being made.
            self.recompute();
        }
        self.edit.sessions.get_mut(&id)
    }

    /// Ends the stroke in progress, if any, and journals it.
    pub(in crate::tui::app) fn end_stroke(&mut self) -> Vec<Command> {
        let Some(id) = self.current.as_ref().map(|c| c.row.id) else {
            return Vec::new();
        };
        let stroke = self
            .edit
            .sessions
            .get_mut(&id)
            .and_then(EditSession::finish);
        self.committed(stroke.into_iter().collect())
    }

    /// Journals finished strokes of the shown image and brings the view up to date.
    pub(in crate::tui::app) fn committed(&mut self, strokes: Vec<Stroke>) -> Vec<Command> {
        let mut cmds: Vec<Command> = strokes
            .into_iter()
            .filter_map(|s| self.journal(JournalOp::Stroke(s)))
            .collect();
        if !cmds.is_empty() {
            cmds.extend(self.sync_corrected());
            cmds.extend(self.assist_request());
        }
        cmds
    }

    /// Keeps the image's status in step with its net change. Changed, it is corrected (the
    /// decision it had before is remembered); back at the start (every edit undone), it is
    /// not: it returns to the decision it had before its first correction.
    pub(in crate::tui::app) fn sync_corrected(&mut self) -> Vec<Command> {
        let Some(id) = self.current.as_ref().map(|c| c.row.id) else {
            return Vec::new();
        };
        let changed = self.edit_session().is_some_and(|s| s.changed_pixels() > 0);
        self.marks.labels.set_net_change(id, changed);
        let status = self.marks.reviews.get(&id).map(|e| e.decision);
        match (changed, status) {
            (true, _) => self.mark_corrected_once(),
            (false, Some(Decision::Corrected)) => {
                let before = self.edit.before_correction.remove(&id).flatten();
                self.decide_quietly(id, before.unwrap_or(Decision::Cleared))
            }
            (false, _) => Vec::new(),
        }
    }

    /// The journal command for `op` on the shown image.
    pub(in crate::tui::app) fn journal(&mut self, op: JournalOp) -> Option<Command> {
        let id = self.current.as_ref()?.row.id;
        let base = self.edit.bases.get(&id)?.clone();
        *self.edit.unsaved.entry(id).or_default() += 1;
        Some(Command::Journal(Box::new(JournalReq {
            image_id: id,
            base,
            op,
            user: current_user(),
            at_ms: now_ms(),
        })))
    }

    /// The first correction of an image sets its review status to corrected.
    pub(in crate::tui::app) fn mark_corrected_once(&mut self) -> Vec<Command> {
        let Some(id) = self.current.as_ref().map(|c| c.row.id) else {
            return Vec::new();
        };
        let status = self.marks.reviews.get(&id).map(|e| e.decision);
        if matches!(status, Some(Decision::Corrected)) {
            return Vec::new();
        }
        self.edit.before_correction.entry(id).or_insert(status);
        self.decide_quietly(id, Decision::Corrected)
    }

    /// Paints the brush on `pixels` as part of the current stroke: the active class, or
    /// unlabelled (erase), or the proposal's class pixel by pixel (restore).
    pub(in crate::tui::app) fn paint_pixels(&mut self, pixels: Vec<usize>) {
        let locks = self.edit.locks.clone();
        let proposal = self
            .edit
            .restore
            .then(|| {
                self.current
                    .as_ref()?
                    .prediction()
                    .map(|p| p.classes.clone())
            })
            .flatten();
        let (erase, restore, class) = (self.edit.erase, self.edit.restore, self.edit.class);
        let Some(s) = self.session_mut() else { return };
        let before: Vec<(usize, u8)> = pixels.iter().map(|&i| (i, s.mask.get(i))).collect();
        if restore {
            let source = proposal.unwrap_or_else(|| s.base().to_vec());
            s.paint_with(Tool::Restore, pixels, |i| source[i], &locks);
        } else if erase {
            s.paint(Tool::Erase, pixels, UNLABELLED, &locks);
        } else {
            s.paint(Tool::Brush, pixels, class, &locks);
        }
        self.after_paint(&before);
    }

    /// Updates counts and picture for pixels that may have changed from their `before` ids.
    pub(in crate::tui::app) fn after_paint(&mut self, before: &[(usize, u8)]) {
        let Some(c) = self.current.as_ref() else {
            return;
        };
        let id = c.row.id;
        let Some(s) = self.edit.sessions.get(&id) else {
            return;
        };
        let changed: Vec<(usize, u8, u8)> = before
            .iter()
            .filter_map(|&(i, old)| {
                let new = s.mask.get(i);
                (new != old).then_some((i, old, new))
            })
            .collect();
        self.count_changes(&changed);
        self.recompose_dirty();
    }

    /// Paints the brush once at the cursor; outside paint mode that is a whole stroke, journalled
    /// at once, in paint mode it joins the stroke in progress.
    pub(in crate::tui::app) fn stamp(&mut self) -> Vec<Command> {
        let Some((w, h)) = self.current.as_ref().and_then(Current::size) else {
            return Vec::new();
        };
        let (x, y) = self.image.cursor;
        let pixels = tools::brush(w, h, x, y, self.edit.brush, self.edit.shape);
        self.paint_pixels(pixels);
        if self.edit.paint {
            return Vec::new();
        }
        self.end_stroke()
    }

    /// Paint mode on (stamping at the cursor: cursor moves then paint one stroke) or off (ending
    /// that stroke into the journal).
    pub(in crate::tui::app) fn toggle_paint(&mut self) -> Vec<Command> {
        self.edit.paint = !self.edit.paint;
        if self.edit.paint {
            self.say(
                "paint mode: moving the cursor paints (b again ends the stroke)".into(),
                Severity::Info,
            );
            self.stamp()
        } else {
            self.end_stroke()
        }
    }

    /// A mouse drag: paints the brush from `from` to the cursor as part of one stroke (the
    /// button's release ends it).
    pub(in crate::tui::app) fn drag_paint(&mut self, from: (u32, u32)) {
        let Some((w, h)) = self.current.as_ref().and_then(Current::size) else {
            return;
        };
        let pixels = tools::brush_line(
            w,
            h,
            from,
            self.image.cursor,
            self.edit.brush,
            self.edit.shape,
        );
        self.paint_pixels(pixels);
    }

    /// In paint mode, paints the brush along the cursor's move from `from`.
    pub(in crate::tui::app) fn paint_move(&mut self, from: (u32, u32)) {
        if self.edit.active && self.edit.paint {
            self.drag_paint(from);
        }
    }

    /// Undoes the last stroke of the shown image (ending one in progress first) and journals the
    /// undo; counts, the corrected status and the assist follow.
    pub(in crate::tui::app) fn undo(&mut self) -> Vec<Command> {
        let Some(id) = self.current.as_ref().map(|c| c.row.id) else {
            return Vec::new();
        };
        let Some(s) = self.edit.sessions.get_mut(&id) else {
            self.say("nothing to undo".into(), Severity::Info);
            return Vec::new();
        };
        let before = s.mask.classes().to_vec();
        let (finished, undone) = s.undo();
        let mut cmds = self.committed(finished.into_iter().collect());
        if undone {
            cmds.extend(self.journal(JournalOp::Undo));
            self.recount_from(&before);
            cmds.extend(self.sync_corrected());
            cmds.extend(self.assist_request());
        } else {
            self.say("nothing to undo".into(), Severity::Info);
        }
        cmds
    }

    /// Redoes the last undone stroke and journals the redo; counts, the corrected status and the
    /// assist follow.
    pub(in crate::tui::app) fn redo(&mut self) -> Vec<Command> {
        let Some(id) = self.current.as_ref().map(|c| c.row.id) else {
            return Vec::new();
        };
        let Some(s) = self.edit.sessions.get_mut(&id) else {
            return Vec::new();
        };
        let before = s.mask.classes().to_vec();
        if !s.redo() {
            self.say("nothing to redo".into(), Severity::Info);
            return Vec::new();
        }
        let mut cmds: Vec<Command> = self.journal(JournalOp::Redo).into_iter().collect();
        self.recount_from(&before);
        cmds.extend(self.sync_corrected());
        cmds.extend(self.assist_request());
        cmds
    }

    /// Updates counts after an undo or redo, from the mask before it.
    pub(in crate::tui::app) fn recount_from(&mut self, before: &[u8]) {
        let Some(s) = self.edit_session() else { return };
        let Some(rect) = s.mask.clone().take_dirty() else {
            return;
        };
        let w = s.mask.width as usize;
        let changed: Vec<(usize, u8, u8)> = (rect.y0..rect.y1)
            .flat_map(|y| (rect.x0..rect.x1).map(move |x| y as usize * w + x as usize))
            .filter_map(|i| {
                let new = s.mask.get(i);
                (before[i] != new).then_some((i, before[i], new))
            })
            .collect();
        self.count_changes(&changed);
        self.recompose_dirty();
    }

    /// A journal operation of image `id` is safe in the workspace.
    pub(in crate::tui::app) fn on_edit_saved(&mut self, id: ImageId) -> Vec<Command> {
        if let Some(n) = self.edit.unsaved.get_mut(&id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.edit.unsaved.remove(&id);
            }
        }
        Vec::new()
    }
}
