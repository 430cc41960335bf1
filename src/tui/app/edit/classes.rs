//! The editor's active class: by digit, by stepping, and by short name in the picker.

use super::super::super::msg::Command;
use super::super::{App, Severity};

impl App {
    pub(in crate::tui::app) fn class_name(&self, c: u8) -> String {
        self.ctx
            .schema
            .classes
            .iter()
            .find(|k| k.id == c)
            .map_or_else(|| format!("class {c}"), |k| k.short.clone())
    }

    pub(in crate::tui::app) fn pick_class(&mut self, c: u8) -> Vec<Command> {
        if usize::from(c) >= self.ctx.schema.len() {
            self.say(format!("no class {c} in this schema"), Severity::Warn);
            return Vec::new();
        }
        let cmds = self.end_stroke();
        self.edit.class = c;
        cmds
    }

    pub(in crate::tui::app) fn step_class(&mut self, d: i64) -> Vec<Command> {
        let n = self.ctx.schema.len() as i64;
        let c = (i64::from(self.edit.class) + d).rem_euclid(n.max(1));
        self.pick_class(c as u8)
    }

    /// A typed character or key while the class picker is open; true when it was taken.
    pub(in crate::tui::app) fn picker_key(&mut self, key: crossterm::event::KeyCode) -> bool {
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
}
