//! Mouse: optional, never required. A click selects in the list and moves the pixel cursor;
//! the wheel zooms over an image and scrolls elsewhere; a drag over the image pans it (the
//! cursor under the pointer), except in the editor, where a drag paints one stroke, ended
//! when the button is released.

use crossterm::event::MouseEvent;
use ratatui::layout::Rect;

use super::super::action::Action;
use super::super::msg::Command;
use super::{App, Screen};

impl App {
    /// Handles one mouse event at terminal cell (`m.column`, `m.row`). A click in the list selects
    /// the row under it (the table's border and header rows skipped); on the image screen it moves
    /// the cursor to the pixel under it. The wheel over an image pane zooms, elsewhere it moves
    /// like up/down. Returns the commands of what it did (a preview to load, a finished stroke).
    pub(super) fn mouse(&mut self, m: MouseEvent) -> Vec<Command> {
        use crossterm::event::MouseEventKind as K;
        let panes = self.panes();
        let inside = |r: Rect| r.contains((m.column, m.row).into());
        match m.kind {
            K::Down(_) if inside(panes.main) && self.screen == Screen::Browse => {
                let row = usize::from(m.row.saturating_sub(panes.main.y + 2));
                self.list.click(row);
                self.preview_selection()
            }
            K::Down(_) if self.screen == Screen::Image => {
                self.click_image(&panes, m.column, m.row);
                let on_image = panes.images.iter().any(|r| inside(*r));
                self.image.drag = on_image.then_some((m.column, m.row));
                Vec::new()
            }
            K::Drag(_) if self.editing() => {
                let from = self.image.cursor;
                self.click_image(&panes, m.column, m.row);
                self.drag_paint(from);
                Vec::new()
            }
            K::Drag(_) if self.screen == Screen::Image => {
                if let Some(from) = self.image.drag.replace((m.column, m.row)) {
                    self.drag_view(from, (m.column, m.row));
                }
                Vec::new()
            }
            K::Up(_) if self.editing() => {
                self.image.drag = None;
                self.end_stroke()
            }
            K::Up(_) => {
                self.image.drag = None;
                Vec::new()
            }
            K::ScrollUp if panes.images.iter().any(|r| inside(*r)) => self.update(Action::ZoomIn),
            K::ScrollDown if panes.images.iter().any(|r| inside(*r)) => {
                self.update(Action::ZoomOut)
            }
            K::ScrollUp => self.update(Action::Up),
            K::ScrollDown => self.update(Action::Down),
            _ => Vec::new(),
        }
    }
}
