//! The mask editor of the Image screen: tool settings, one edit session per image (kept while
//! moving between images), and the journal commands every finished stroke produces. The
//! pixel work is `review::edit`'s; this file decides what an action means here and keeps the
//! picture, the per-class figures and the save state in step with the session.

use std::collections::HashMap;

use crate::dataset::workspace::{Decision, EditBase, current_user};
use crate::jobs::edits::{JournalReq, LoadedEdits, base_for};
use crate::review::edit::tools::{self, BrushShape, MAX_BRUSH};
use crate::review::edit::{EditSession, JournalOp, Locks, Stroke, Tool};

use super::super::action::Action;
use super::super::msg::Command;
use super::{App, Severity};

/// Editor settings and sessions.
#[derive(Debug, Clone)]
pub struct EditState {
    /// The editor is on (its key layer is active on the Image screen).
    pub active: bool,
    /// The class painted.
    pub class: u8,
    /// Brush diameter in pixels, 1–64.
    pub brush: u32,
    pub shape: BrushShape,
    /// Cursor moves paint.
    pub paint: bool,
    /// The brush paints the class under its centre when the stroke began.
    pub erase: bool,
    erase_to: Option<u8>,
    /// Grey-level fill: ± this many grey levels around the seed pixel.
    pub tolerance: u8,
    /// Accepting by confidence: pixels whose top-two margin × 255 is at least this.
    pub min_confidence: u8,
    /// Polygon corners set so far.
    pub polygon: Vec<(u32, u32)>,
    /// A grey-level fill waiting for `apply`: its pixels.
    pub preview: Option<Vec<usize>>,
    pub locks: Locks,
    /// Typed short-name prefix while the class picker is open.
    pub picker: Option<String>,
    /// One session per image edited in this run.
    pub sessions: HashMap<i64, EditSession>,
    /// The base each session's journal starts from.
    pub bases: HashMap<i64, EditBase>,
    /// Journal operations sent and not yet reported saved, per image.
    pub unsaved: HashMap<i64, u32>,
    /// Images whose journal could not be replayed, with why (their edits are kept).
    pub broken: HashMap<i64, String>,
    /// Who edited each image before this run, and how (from its journal).
    pub provenance: HashMap<i64, crate::dataset::workspace::Provenance>,
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
            erase_to: None,
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
            streak: ((0, 0), 0),
        }
    }
}

impl EditState {
    /// Operations of all images not yet confirmed saved.
    pub fn unsaved_total(&self) -> u32 {
        self.unsaved.values().sum()
    }

    /// Cursor step multiplier for a move in direction `d`: 1 for the first three presses,
    /// then doubling every three presses up to 16, so holding a key crosses a large image.
    pub fn accelerate(&mut self, d: (i64, i64)) -> i64 {
        if self.streak.0 == d {
            self.streak.1 += 1;
        } else {
            self.streak = (d, 0);
        }
        1 << (self.streak.1 / 3).min(4)
    }

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
    pub(super) fn adopt_edits(&mut self, id: i64, loaded: Option<Box<LoadedEdits>>) {
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

    /// Handles an editor action; `None` when `action` is not one (the Image screen takes it).
    pub(super) fn edit_action(&mut self, action: Action) -> Option<Vec<Command>> {
        use Action as A;
        if !matches!(
            action,
            A::CursorLeft
                | A::CursorRight
                | A::CursorUp
                | A::CursorDown
                | A::PaintMode
                | A::Undo
                | A::Redo
        ) {
            self.edit.reset_streak();
        }
        let cmds = match action {
            A::EditMode => self.enter_editor(),
            A::EditLeave => self.leave_editor(),
            A::Class0
            | A::Class1
            | A::Class2
            | A::Class3
            | A::Class4
            | A::Class5
            | A::Class6
            | A::Class7
            | A::Class8
            | A::Class9 => self.pick_class(class_digit(action)),
            A::ClassNext => self.step_class(1),
            A::ClassPrev => self.step_class(-1),
            A::ClassPicker => {
                self.edit.picker = Some(String::new());
                self.say(
                    "class: type its short name (e.g. Ol), enter picks, esc cancels".into(),
                    Severity::Info,
                );
                Vec::new()
            }
            A::BrushStamp => self.stamp(),
            A::PaintMode => self.toggle_paint(),
            A::EraseMode => {
                let cmds = self.end_stroke();
                self.edit.erase = !self.edit.erase;
                self.edit.erase_to = None;
                let what = if self.edit.erase { "on" } else { "off" };
                self.say(
                    format!("erase {what}: the brush paints the class under its centre at the start of a stroke"),
                    Severity::Info,
                );
                cmds
            }
            A::BrushBigger => self.resize_brush(true),
            A::BrushSmaller => self.resize_brush(false),
            A::BrushShape => {
                self.edit.shape = match self.edit.shape {
                    BrushShape::Round => BrushShape::Square,
                    BrushShape::Square => BrushShape::Round,
                };
                Vec::new()
            }
            A::FloodFill => self.flood_fill(),
            A::GreyFill => self.grey_preview(),
            A::ToleranceUp => self.retune(4),
            A::ToleranceDown => self.retune(-4),
            A::PolygonPoint => {
                let cmds = self.end_stroke();
                self.edit.polygon.push(self.image.cursor);
                self.say(
                    format!(
                        "polygon: {} corners (enter or V fills)",
                        self.edit.polygon.len()
                    ),
                    Severity::Info,
                );
                cmds
            }
            A::PolygonFill => self.polygon_fill(),
            A::Apply => {
                if self.edit.preview.is_some() {
                    self.apply_preview()
                } else if !self.edit.polygon.is_empty() {
                    self.polygon_fill()
                } else {
                    Vec::new()
                }
            }
            A::AcceptRegion => self.accept(Accept::Region),
            A::AcceptAll => self.accept(Accept::All),
            A::AcceptClass => self.accept(Accept::Class),
            A::AcceptConfident => self.accept(Accept::Confident),
            A::ConfidenceUp => self.set_confidence(self.edit.min_confidence.saturating_add(13)),
            A::ConfidenceDown => self.set_confidence(self.edit.min_confidence.saturating_sub(13)),
            A::LockClass => {
                let c = self.edit.class;
                let locked = self.edit.locks.toggle(c);
                let name = self.class_name(c);
                let what = if locked { "locked" } else { "unlocked" };
                self.say(
                    format!("{name} {what}: no tool changes its pixels"),
                    Severity::Info,
                );
                Vec::new()
            }
            A::Undo => self.undo(),
            A::Redo => self.redo(),
            _ => return None,
        };
        Some(cmds)
    }

    fn enter_editor(&mut self) -> Vec<Command> {
        let Some(c) = &self.current else {
            return Vec::new();
        };
        let no_base = c.mask.is_none() && c.prediction().is_none();
        if c.image.is_err() || no_base {
            self.say(
                "nothing to edit: the image has no mask and no proposal yet (P predicts)".into(),
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
        self.say(
            "editing: digits pick a class, space paints, b paint mode, g grey fill, a accept, u undo, esc leaves".into(),
            Severity::Info,
        );
        Vec::new()
    }

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

    fn class_name(&self, c: u8) -> String {
        self.ctx
            .schema
            .classes
            .iter()
            .find(|k| k.id == c)
            .map_or_else(|| format!("class {c}"), |k| k.short.clone())
    }

    fn pick_class(&mut self, c: u8) -> Vec<Command> {
        if usize::from(c) >= self.ctx.schema.len() {
            self.say(format!("no class {c} in this schema"), Severity::Warn);
            return Vec::new();
        }
        let cmds = self.end_stroke();
        self.edit.class = c;
        cmds
    }

    fn step_class(&mut self, d: i64) -> Vec<Command> {
        let n = self.ctx.schema.len() as i64;
        let c = (i64::from(self.edit.class) + d).rem_euclid(n.max(1));
        self.pick_class(c as u8)
    }

    /// A typed character or key while the class picker is open; true when it was taken.
    pub(super) fn picker_key(&mut self, key: crossterm::event::KeyCode) -> bool {
        use crossterm::event::KeyCode as K;
        let Some(text) = self.edit.picker.as_mut() else {
            return false;
        };
        match key {
            K::Char(ch) => text.push(ch),
            K::Backspace => {
                text.pop();
            }
            K::Esc => self.edit.picker = None,
            K::Enter => {
                let typed = self.edit.picker.take().unwrap_or_default().to_lowercase();
                let found = self
                    .ctx
                    .schema
                    .classes
                    .iter()
                    .find(|k| k.short.to_lowercase() == typed)
                    .or_else(|| {
                        self.ctx
                            .schema
                            .classes
                            .iter()
                            .find(|k| k.short.to_lowercase().starts_with(&typed))
                    })
                    .map(|k| k.id);
                match found {
                    Some(id) if !typed.is_empty() => self.edit.class = id,
                    _ => self.say(format!("no class named '{typed}'"), Severity::Warn),
                }
            }
            _ => {}
        }
        true
    }

    fn resize_brush(&mut self, bigger: bool) -> Vec<Command> {
        let b = self.edit.brush;
        self.edit.brush = if bigger {
            (b + b.div_ceil(4)).min(MAX_BRUSH)
        } else {
            b.saturating_sub(b.div_ceil(5)).max(1)
        };
        Vec::new()
    }

    /// The session of the shown image, started now if needed (from its mask, or the model's
    /// proposal for an unlabelled image).
    fn session_mut(&mut self) -> Option<&mut EditSession> {
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
        if let std::collections::hash_map::Entry::Vacant(e) = self.edit.sessions.entry(id) {
            let (w, h) = c.size()?;
            let model = c.prediction().map(|p| p.model.clone());
            let base_classes = match (&c.mask, c.prediction()) {
                (Some(m), _) => m.clone(),
                (None, Some(p)) => p.classes.clone(),
                (None, None) => return None,
            };
            let base = base_for(&c.row, model.as_deref(), &current_user())?;
            e.insert(EditSession::new(w, h, base_classes));
            self.edit.bases.insert(id, base);
        }
        self.edit.sessions.get_mut(&id)
    }

    /// Ends the stroke in progress, if any, and journals it.
    pub(super) fn end_stroke(&mut self) -> Vec<Command> {
        let Some(id) = self.current.as_ref().map(|c| c.row.id) else {
            return Vec::new();
        };
        let stroke = self
            .edit
            .sessions
            .get_mut(&id)
            .and_then(EditSession::finish);
        self.edit.erase_to = None;
        self.committed(stroke.into_iter().collect())
    }

    /// Journals finished strokes of the shown image and brings the view up to date.
    fn committed(&mut self, strokes: Vec<Stroke>) -> Vec<Command> {
        let mut cmds: Vec<Command> = strokes
            .into_iter()
            .filter_map(|s| self.journal(JournalOp::Stroke(s)))
            .collect();
        if !cmds.is_empty() {
            cmds.extend(self.mark_corrected_once());
        }
        cmds
    }

    /// The journal command for `op` on the shown image.
    fn journal(&mut self, op: JournalOp) -> Option<Command> {
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
    fn mark_corrected_once(&mut self) -> Vec<Command> {
        let Some(id) = self.current.as_ref().map(|c| c.row.id) else {
            return Vec::new();
        };
        let status = self.marks.reviews.get(&id).map(|e| e.decision);
        if matches!(status, Some(Decision::Corrected)) {
            return Vec::new();
        }
        self.decide_quietly(id, Decision::Corrected)
    }

    /// Paints the brush (or the erase class) on `pixels` as part of the current stroke.
    fn paint_pixels(&mut self, pixels: Vec<usize>) {
        let class = if self.edit.erase {
            let at = self.cursor_index().and_then(|i| self.shown_class(i));
            *self.edit.erase_to.get_or_insert(at.unwrap_or(0))
        } else {
            self.edit.class
        };
        let (tool, locks) = (
            if self.edit.erase {
                Tool::Erase
            } else {
                Tool::Brush
            },
            self.edit.locks.clone(),
        );
        let Some(s) = self.session_mut() else { return };
        let before: Vec<(usize, u8)> = pixels.iter().map(|&i| (i, s.mask.get(i))).collect();
        s.paint(tool, pixels, class, &locks);
        self.after_paint(&before);
    }

    /// Updates counts and picture for pixels that may have changed from their `before` ids.
    fn after_paint(&mut self, before: &[(usize, u8)]) {
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

    fn stamp(&mut self) -> Vec<Command> {
        let Some((w, h)) = self.current.as_ref().and_then(super::Current::size) else {
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

    fn toggle_paint(&mut self) -> Vec<Command> {
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
    pub(super) fn drag_paint(&mut self, from: (u32, u32)) {
        let Some((w, h)) = self.current.as_ref().and_then(super::Current::size) else {
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
    pub(super) fn paint_move(&mut self, from: (u32, u32)) {
        if self.edit.active && self.edit.paint {
            self.drag_paint(from);
        }
    }

    /// Applies a one-shot tool: `pixels` take `class_of(pixel)`.
    fn apply_tool(
        &mut self,
        tool: Tool,
        pixels: Vec<usize>,
        class_of: impl Fn(usize) -> u8,
    ) -> Vec<Command> {
        let locks = self.edit.locks.clone();
        let Some(s) = self.session_mut() else {
            return Vec::new();
        };
        let strokes = s.apply(tool, pixels, class_of, &locks);
        // A stroke in progress that `apply` ended was counted while it was painted.
        if let Some(s) = strokes.last().filter(|s| s.tool == tool) {
            let changed: Vec<(usize, u8, u8)> = s
                .changes
                .iter()
                .map(|c| (c.index as usize, c.old, c.new))
                .collect();
            self.count_changes(&changed);
        }
        self.recompose_dirty();
        let n: usize = strokes.last().map_or(0, |s| s.changes.len());
        if strokes.iter().all(|s| s.tool != tool) {
            self.say(
                format!("{}: nothing changed", tool.as_str()),
                Severity::Info,
            );
        } else {
            self.say(format!("{}: {n} pixels", tool.as_str()), Severity::Ok);
        }
        self.committed(strokes)
    }

    /// The class of pixel `i` as shown: edited, else the mask's, else the proposal's.
    fn shown_class(&self, i: usize) -> Option<u8> {
        let c = self.current.as_ref()?;
        self.edit_session()
            .map(|s| s.mask.classes())
            .or(c.mask.as_deref())
            .or(c.prediction().map(|p| &p.classes[..]))
            .and_then(|m| m.get(i))
            .copied()
    }

    fn cursor_index(&self) -> Option<usize> {
        let (w, _) = self.current.as_ref()?.size()?;
        let (x, y) = self.image.cursor;
        Some(y as usize * w as usize + x as usize)
    }

    fn flood_fill(&mut self) -> Vec<Command> {
        let mut cmds = self.end_stroke();
        let Some(seed) = self.cursor_index() else {
            return cmds;
        };
        let class = self.edit.class;
        let Some((w, h)) = self.current.as_ref().and_then(super::Current::size) else {
            return cmds;
        };
        let Some(region) = self
            .session_mut()
            .map(|s| tools::flood(s.mask.classes(), w, h, seed))
        else {
            return cmds;
        };
        cmds.extend(self.apply_tool(Tool::Fill, region, |_| class));
        cmds
    }

    fn grey_preview(&mut self) -> Vec<Command> {
        let cmds = self.end_stroke();
        let (Some(seed), Some(c)) = (self.cursor_index(), self.current.as_ref()) else {
            return cmds;
        };
        let Ok(image) = &c.image else { return cmds };
        let region = tools::grey_region(
            &image.pixels,
            image.width,
            image.height,
            seed,
            self.edit.tolerance,
        );
        self.say(
            format!(
                "grey fill: {} pixels within ±{} of grey {} (enter applies, ( ) change the tolerance, esc cancels)",
                region.len(),
                self.edit.tolerance,
                image.pixels[seed]
            ),
            Severity::Info,
        );
        let old = self.edit.preview.replace(region);
        self.redraw_preview(old.as_deref());
        cmds
    }

    /// Redraws the area of the current preview and of the one it replaced (`old`).
    fn redraw_preview(&mut self, old: Option<&[usize]>) {
        let Some((w, _)) = self.current.as_ref().and_then(super::Current::size) else {
            return;
        };
        let now = self.edit.preview.as_deref().and_then(|r| bounds(r, w));
        let before = old.and_then(|r| bounds(r, w));
        match (now, before) {
            (Some(a), Some(b)) => self.recompose_rect(a.union(b)),
            (Some(r), None) | (None, Some(r)) => self.recompose_rect(r),
            (None, None) => {}
        }
    }

    fn retune(&mut self, d: i16) -> Vec<Command> {
        self.edit.tolerance = (i16::from(self.edit.tolerance) + d).clamp(0, 255) as u8;
        if self.edit.preview.is_some() {
            return self.grey_preview();
        }
        self.say(
            format!("grey-fill tolerance ±{}", self.edit.tolerance),
            Severity::Info,
        );
        Vec::new()
    }

    fn apply_preview(&mut self) -> Vec<Command> {
        let Some(region) = self.edit.preview.take() else {
            return Vec::new();
        };
        let class = self.edit.class;
        let area = self
            .current
            .as_ref()
            .and_then(super::Current::size)
            .and_then(|(w, _)| bounds(&region, w));
        // The preview's area is redrawn with the fill (one pass, not two).
        if let (Some(r), Some(s)) = (area, self.session_mut()) {
            s.mask.mark_dirty(r);
        }
        self.apply_tool(Tool::GreyFill, region, |_| class)
    }

    fn polygon_fill(&mut self) -> Vec<Command> {
        let mut cmds = self.end_stroke();
        let corners = std::mem::take(&mut self.edit.polygon);
        let Some((w, h)) = self.current.as_ref().and_then(super::Current::size) else {
            return cmds;
        };
        if corners.len() < 3 {
            self.say(
                "a polygon needs at least three corners (v adds one at the cursor)".into(),
                Severity::Warn,
            );
            self.edit.polygon = corners;
            return cmds;
        }
        let class = self.edit.class;
        cmds.extend(self.apply_tool(Tool::Polygon, tools::polygon(&corners, w, h), |_| class));
        cmds
    }

    fn set_confidence(&mut self, v: u8) -> Vec<Command> {
        self.edit.min_confidence = v;
        self.say(
            format!("accept where confidence ≥ {:.2}", f64::from(v) / 255.0),
            Severity::Info,
        );
        Vec::new()
    }

    fn accept(&mut self, what: Accept) -> Vec<Command> {
        let mut cmds = self.end_stroke();
        let Some(c) = self.current.as_ref() else {
            return cmds;
        };
        let Some(p) = c.prediction() else {
            self.say("no proposal to accept yet".into(), Severity::Warn);
            return cmds;
        };
        let (Some(seed), Some((w, h))) = (self.cursor_index(), c.size()) else {
            return cmds;
        };
        let pred = p.classes.clone();
        let pixels: Vec<usize> = match what {
            Accept::All => (0..pred.len()).collect(),
            Accept::Region => tools::flood(&pred, w, h, seed),
            Accept::Class => {
                let k = pred[seed];
                (0..pred.len()).filter(|&i| pred[i] == k).collect()
            }
            Accept::Confident => {
                let min = self.edit.min_confidence;
                (0..pred.len()).filter(|&i| p.margin[i] >= min).collect()
            }
        };
        cmds.extend(self.apply_tool(Tool::Accept, pixels, |i| pred[i]));
        cmds
    }

    fn undo(&mut self) -> Vec<Command> {
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
        } else {
            self.say("nothing to undo".into(), Severity::Info);
        }
        cmds
    }

    fn redo(&mut self) -> Vec<Command> {
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
        let cmds: Vec<Command> = self.journal(JournalOp::Redo).into_iter().collect();
        self.recount_from(&before);
        cmds
    }

    /// Updates counts after an undo or redo, from the mask before it.
    fn recount_from(&mut self, before: &[u8]) {
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
    pub(super) fn on_edit_saved(&mut self, id: i64) -> Vec<Command> {
        if let Some(n) = self.edit.unsaved.get_mut(&id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.edit.unsaved.remove(&id);
            }
        }
        Vec::new()
    }
}

/// What "accept the proposal" takes.
#[derive(Debug, Clone, Copy)]
enum Accept {
    All,
    Region,
    Class,
    Confident,
}

fn class_digit(a: Action) -> u8 {
    use Action as A;
    match a {
        A::Class1 => 1,
        A::Class2 => 2,
        A::Class3 => 3,
        A::Class4 => 4,
        A::Class5 => 5,
        A::Class6 => 6,
        A::Class7 => 7,
        A::Class8 => 8,
        A::Class9 => 9,
        _ => 0,
    }
}

/// The bounding rectangle of pixel indices of an image `w` px wide.
fn bounds(pixels: &[usize], w: u32) -> Option<crate::review::edit::Rect> {
    let w = w as usize;
    pixels
        .iter()
        .map(|&i| crate::review::edit::Rect::pixel((i % w) as u32, (i / w) as u32))
        .reduce(crate::review::edit::Rect::union)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
