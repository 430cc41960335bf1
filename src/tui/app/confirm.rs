//! Questions that must be answered before a decision is recorded: accepting a proposal that
//! was never looked at. Images count as looked at once they were on the image screen with
//! their proposal loaded, in this session.
//!
//! While a question is open every key answers it: `y` (Shift alone allowed) records the
//! decision, anything else drops it with a note; auto-repeats are ignored (the question
//! stays), so a held `Y` cannot accept by itself.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::dataset::decision::Decision;
use crate::dataset::image::ImageId;

use super::super::msg::Command;
use super::{App, Screen, Severity};

/// A decision waiting for a yes: `y` records it, any other key drops it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    /// Row id of the image the decision is for.
    pub image_id: ImageId,
    /// The decision recorded on `y`.
    pub decision: Decision,
    /// The question, naming the image, for the status bar.
    pub question: String,
}

impl App {
    /// `mark_accepted`: at once when the image's proposal was opened, else a question first.
    pub(super) fn mark_accepted(&mut self) -> Vec<Command> {
        let Some(id) = self.decision_target() else {
            return self.decide(Decision::Accepted);
        };
        if self.opened.contains(&id) {
            return self.decide(Decision::Accepted);
        }
        let name = self.row_by_id(id).map_or_else(
            || format!("image {id}"),
            |r| format!("{}/{}", r.sample, r.stem),
        );
        self.confirm = Some(Confirm {
            image_id: id,
            decision: Decision::Accepted,
            question: format!("accept {name} without opening it? y yes, other keys no"),
        });
        Vec::new()
    }

    /// The answer to the open question: `y` records the decision, any other key drops it.
    /// Auto-repeats of the key that asked are no answer.
    pub(super) fn answer(&mut self, k: KeyEvent) -> Vec<Command> {
        if k.kind == KeyEventKind::Repeat {
            return Vec::new();
        }
        let Some(c) = self.confirm.take() else {
            return Vec::new();
        };
        let plain = (k.modifiers - KeyModifiers::SHIFT).is_empty();
        if plain && k.code == KeyCode::Char('y') {
            return self.decide_on(c.image_id, c.decision);
        }
        let name = self
            .row_by_id(c.image_id)
            .map_or_else(String::new, |r| r.stem.clone());
        self.say(
            format!("{name}: not {} (nothing changed)", c.decision.as_str()),
            Severity::Info,
        );
        Vec::new()
    }

    /// Remembers the image on the image screen as opened once its proposal is there.
    pub(super) fn note_opened(&mut self) {
        if self.screen != Screen::Image {
            return;
        }
        if let Some(c) = &self.current
            && !c.loading
            && c.prediction().is_some()
        {
            self.opened.insert(c.row.id);
        }
    }
}
