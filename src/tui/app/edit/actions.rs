//! What each editor action does, by key group: the editor itself, the brush, the class,
//! the fills and the proposal.
//!
//! Each handler returns `Some(commands)` when the action is its own (the journal entries of
//! strokes it finished, possibly none) and `None` to pass it on. Any action other than cursor
//! moves, paint mode and undo/redo resets the held-key cursor acceleration.

use crate::review::edit::tools::BrushShape;

use super::super::super::action::Action;
use super::super::super::msg::Command;
use super::super::{App, Severity};
use super::Accept;

impl App {
    /// Handles an editor action; `None` when `action` is not one (the Image screen takes it).
    pub(in crate::tui::app) fn edit_action(&mut self, action: Action) -> Option<Vec<Command>> {
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
        match action {
            A::EditMode => Some(self.enter_editor()),
            A::EditLeave => Some(self.leave_editor()),
            _ => self
                .brush_action(action)
                .or_else(|| self.class_action(action))
                .or_else(|| self.fill_action(action))
                .or_else(|| self.accept_action(action)),
        }
    }

    /// Painting, erasing and restoring with the brush, its size and shape, and undo / redo.
    fn brush_action(&mut self, action: Action) -> Option<Vec<Command>> {
        use Action as A;
        Some(match action {
            A::BrushStamp => self.stamp(),
            A::PaintMode => self.toggle_paint(),
            A::EraseMode => self.toggle_erase(),
            A::RestoreMode => self.toggle_restore(),
            A::BrushBigger => self.resize_brush(true),
            A::BrushSmaller => self.resize_brush(false),
            A::BrushShape => {
                self.edit.shape = match self.edit.shape {
                    BrushShape::Round => BrushShape::Square,
                    BrushShape::Square => BrushShape::Round,
                };
                Vec::new()
            }
            A::Undo => self.undo(),
            A::Redo => self.redo(),
            _ => return None,
        })
    }

    /// Choosing the class painted, and locking it against every tool.
    fn class_action(&mut self, action: Action) -> Option<Vec<Command>> {
        use Action as A;
        Some(match action {
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
            A::ClassPicker => self.open_picker(),
            A::LockClass => self.toggle_lock(),
            _ => return None,
        })
    }

    /// The region tools: flood, grey-level (with its tolerance), polygon and superpixel fills,
    /// and the assist.
    fn fill_action(&mut self, action: Action) -> Option<Vec<Command>> {
        use Action as A;
        Some(match action {
            A::Assist => self.toggle_assist(),
            A::SuperpixelFill => self.superpixel_fill(),
            A::SuperpixelEdges => self.toggle_segment_edges(),
            A::FloodFill => self.flood_fill(),
            A::GreyFill => self.grey_preview(),
            A::ToleranceUp => self.retune(4),
            A::ToleranceDown => self.retune(-4),
            A::PolygonPoint => self.polygon_corner(),
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
            _ => return None,
        })
    }

    /// Accepting the proposal, and the confidence (top-two margin × 255) that accepting by
    /// confidence asks for, in steps of 13 (about 5 %).
    fn accept_action(&mut self, action: Action) -> Option<Vec<Command>> {
        use Action as A;
        Some(match action {
            A::AcceptRegion => self.accept(Accept::Region),
            A::AcceptAll => self.accept(Accept::All),
            A::AcceptClass => self.accept(Accept::Class),
            A::AcceptConfident => self.accept(Accept::Confident),
            A::ConfidenceUp => self.set_confidence(self.edit.min_confidence.saturating_add(13)),
            A::ConfidenceDown => self.set_confidence(self.edit.min_confidence.saturating_sub(13)),
            _ => return None,
        })
    }

    /// Erase mode on or off (ending any stroke): the brush then paints pixels unlabelled (254);
    /// it turns restore off.
    fn toggle_erase(&mut self) -> Vec<Command> {
        let cmds = self.end_stroke();
        self.edit.erase = !self.edit.erase;
        self.edit.restore = false;
        let what = if self.edit.erase { "on" } else { "off" };
        self.say(
            format!(
                "erase {what}: the brush makes pixels unlabelled (R restores them to the proposal)"
            ),
            Severity::Info,
        );
        cmds
    }

    /// Restore mode on or off (ending any stroke): the brush puts back the proposal's class, or
    /// the base mask's without a proposal; it turns erase off.
    fn toggle_restore(&mut self) -> Vec<Command> {
        let cmds = self.end_stroke();
        self.edit.restore = !self.edit.restore;
        self.edit.erase = false;
        let what = if self.edit.restore { "on" } else { "off" };
        self.say(
            format!("restore {what}: the brush puts back the proposal's class (the mask's without one; x erases to unlabelled)"),
            Severity::Info,
        );
        cmds
    }

    /// Opens the class picker, which takes a short class name typed letter by letter.
    fn open_picker(&mut self) -> Vec<Command> {
        self.edit.picker = Some(String::new());
        self.echo_picker();
        Vec::new()
    }

    /// Locks or unlocks the active class: while locked, no tool changes a pixel of that class.
    fn toggle_lock(&mut self) -> Vec<Command> {
        let c = self.edit.class;
        let locked = self.edit.locks.toggle(c);
        let name = self.class_name(c);
        let what = if locked {
            "locked: no tool changes its pixels"
        } else {
            "unlocked: tools change its pixels again"
        };
        self.say(format!("{name} {what}"), Severity::Info);
        Vec::new()
    }

    /// Adds the cursor as the polygon's next corner.
    fn polygon_corner(&mut self) -> Vec<Command> {
        let cmds = self.end_stroke();
        self.edit.polygon.push(self.image.cursor);
        let n = self.edit.polygon.len();
        let corners = if n == 1 { "corner" } else { "corners" };
        let todo = if n < 3 {
            "v adds the next; a polygon needs three"
        } else {
            "enter or V fills"
        };
        self.say(format!("polygon: {n} {corners} ({todo})"), Severity::Info);
        cmds
    }
}

/// The class id a `class_N` action names (0–9).
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
