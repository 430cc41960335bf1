//! The editor's assist: `T` turns it on; then, after every finished stroke, undo or redo, the
//! shown image's labels go to the assist worker (latest request wins), whose proposal, a
//! random forest trained on those labels alone, becomes the image's proposal: `p` shows it
//! and the accept tools (region, class, confidence, all) take it like a model's.

use std::sync::Arc;

use crate::jobs::assist_live::{AssistReq, Assisted};

use super::super::super::msg::Command;
use super::super::image::PredState;
use super::super::{App, Severity};

impl App {
    /// Turns the assist on (asking for a proposal now) or off.
    pub(in crate::tui::app) fn toggle_assist(&mut self) -> Vec<Command> {
        self.edit.assist = !self.edit.assist;
        if !self.edit.assist {
            self.say("assist off".into(), Severity::Info);
            return Vec::new();
        }
        let cmds: Vec<Command> = self.assist_request().into_iter().collect();
        let msg = if cmds.is_empty() {
            "assist on: paint a few strokes of two classes or more, and it proposes the rest"
        } else {
            "assist on: training on this image's labels…"
        };
        self.say(msg.into(), Severity::Info);
        cmds
    }

    /// A request for the shown image, when the assist is on and the image has a session
    /// with labelled pixels.
    pub(in crate::tui::app) fn assist_request(&mut self) -> Option<Command> {
        if !self.edit.assist {
            return None;
        }
        let c = self.current.as_ref()?;
        let image = Arc::clone(c.image.as_ref().ok()?);
        let n_classes = self.ctx.schema.len();
        let labels = self.edit.sessions.get(&c.row.id)?.mask.classes().to_vec();
        if !labels.iter().any(|&l| usize::from(l) < n_classes) {
            return None;
        }
        self.edit.assist_generation += 1;
        Some(Command::Assist(Box::new(AssistReq {
            row: c.row.clone(),
            image,
            labels,
            n_classes,
            generation: self.edit.assist_generation,
        })))
    }

    /// A proposal from the assist: kept as the image's proposal if it answers the latest
    /// request for the image still shown.
    pub(in crate::tui::app) fn on_assisted(
        &mut self,
        id: i64,
        generation: u64,
        result: Result<Box<Assisted>, String>,
    ) -> Vec<Command> {
        if generation != self.edit.assist_generation {
            return Vec::new();
        }
        let Some(c) = self.current.as_mut().filter(|c| c.row.id == id) else {
            return Vec::new();
        };
        match result {
            Ok(a) => {
                c.prediction = PredState::Stored(Box::new(a.prediction));
                self.recompute();
                self.say(
                    format!(
                        "assist: proposal from {} labelled px in {} ms (p shows it; a, w, y, A accept)",
                        a.labelled, a.millis
                    ),
                    Severity::Ok,
                );
            }
            Err(e) => self.say(format!("assist failed: {e}"), Severity::Error),
        }
        Vec::new()
    }
}
