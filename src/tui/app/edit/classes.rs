//! The editor's active class: by digit, by stepping, and by short name in the picker.
//!
//! Digits `0`–`9` pick a class by id, tab and shift-tab step through the schema, `/` opens the
//! picker (a short name typed letter by letter, enter picks, esc cancels). A digit or a step
//! ends the stroke in progress before the class changes.

use super::super::super::msg::Command;
use super::super::{App, Severity};

impl App {
    /// The short name of class id `c`, or `class N` for an id the schema lacks.
    pub(in crate::tui::app) fn class_name(&self, c: u8) -> String {
        self.ctx
            .schema
            .classes
            .iter()
            .find(|k| k.id == c)
            .map_or_else(|| format!("class {c}"), |k| k.short.clone())
    }

    /// Makes `c` the painted class (ending any stroke); an id past the schema is refused with a
    /// warning.
    pub(in crate::tui::app) fn pick_class(&mut self, c: u8) -> Vec<Command> {
        if usize::from(c) >= self.ctx.schema.len() {
            self.say(format!("no class {c} in this schema"), Severity::Warn);
            return Vec::new();
        }
        let cmds = self.end_stroke();
        self.edit.class = c;
        cmds
    }

    /// The next (`d` = 1) or previous (−1) class, wrapping round the schema.
    pub(in crate::tui::app) fn step_class(&mut self, d: i64) -> Vec<Command> {
        let n = self.ctx.schema.len() as i64;
        let c = (i64::from(self.edit.class) + d).rem_euclid(n.max(1));
        self.pick_class(c as u8)
    }

    /// The class the picker's typed text names: the class whose short name it is (case
    /// ignored), else the first whose short name starts with it; `None` while nothing is
    /// typed or nothing matches.
    pub fn picker_match(&self) -> Option<u8> {
        let typed = self.edit.picker.as_deref()?.to_lowercase();
        if typed.is_empty() {
            return None;
        }
        let classes = &self.ctx.schema.classes;
        classes
            .iter()
            .find(|k| k.short.to_lowercase() == typed)
            .or_else(|| {
                classes
                    .iter()
                    .find(|k| k.short.to_lowercase().starts_with(&typed))
            })
            .map(|k| k.id)
    }

    /// Echoes the picker's typed text in the status bar, with the class it names.
    pub(in crate::tui::app) fn echo_picker(&mut self) {
        let Some(typed) = self.edit.picker.clone() else {
            return;
        };
        let (text, severity) = match self.picker_match() {
            _ if typed.is_empty() => (
                "class: type its short name (e.g. Ol), enter picks, esc cancels".to_string(),
                Severity::Info,
            ),
            Some(id) => {
                let name = self
                    .ctx
                    .schema
                    .class(id)
                    .map_or_else(String::new, |k| format!(" {}", k.name));
                (
                    format!(
                        "class: {typed}▏ → {} ({id}){name} · enter picks, esc cancels",
                        self.class_name(id)
                    ),
                    Severity::Info,
                )
            }
            None => (
                format!("class: {typed}▏ names no class (backspace deletes, esc cancels)"),
                Severity::Warn,
            ),
        };
        self.say(text, severity);
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
            K::Esc => {
                self.edit.picker = None;
                self.say("class unchanged".into(), Severity::Info);
                return true;
            }
            K::Enter => {
                let found = self.picker_match();
                let typed = self.edit.picker.take().unwrap_or_default();
                match found {
                    Some(id) => {
                        self.edit.class = id;
                        let name = self.class_name(id);
                        self.say(format!("class {name} ({id})"), Severity::Info);
                    }
                    None => self.say(format!("no class named '{typed}'"), Severity::Warn),
                }
                return true;
            }
            _ => return true,
        }
        self.echo_picker();
        true
    }
}
