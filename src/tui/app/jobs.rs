//! Review decisions and background jobs: what the decision keys act on, the batch prediction
//! and its progress.

use crate::dataset::workspace::{Decision, DecisionEntry, current_user};

use super::super::msg::{Command, JobEvent};
use super::{App, JobState, Screen, Severity, unix_now};

impl App {
    /// The image the decision keys act on in the current screen.
    fn decision_target(&self) -> Option<i64> {
        match self.screen {
            Screen::Queue => self.queue.selected().map(|it| it.image_id),
            Screen::Browse => self.list.selected_row().map(|i| self.rows[i].id),
            _ => self.current.as_ref().map(|c| c.row.id),
        }
    }

    pub(super) fn decide(&mut self, decision: Decision) -> Vec<Command> {
        let Some(image_id) = self.decision_target() else {
            self.say("no image selected".into(), Severity::Warn);
            return Vec::new();
        };
        let entry = DecisionEntry {
            image_id,
            decision,
            note: String::new(),
            user: current_user(),
            at: unix_now(),
        };
        self.marks.reviews.insert(image_id, entry.clone());
        let name = self
            .row_by_id(image_id)
            .map_or(String::new(), |r| r.stem.clone());
        self.say(
            format!("{name}: {} by {}", decision.as_str(), entry.user),
            Severity::Ok,
        );
        let mut cmds = vec![Command::Decide(entry)];
        if self.screen == Screen::Queue {
            cmds.extend(self.queue_move(1));
        }
        cmds
    }

    pub(super) fn predict_all(&mut self) -> Vec<Command> {
        if self.ctx.model.is_none() {
            let why = self.ctx.model_error.clone().unwrap_or_default();
            self.say(format!("no model: {why}"), Severity::Error);
            return Vec::new();
        }
        if self.job.is_some() {
            self.say(
                "a job is already running (X cancels it)".into(),
                Severity::Warn,
            );
            return Vec::new();
        }
        self.job = Some(JobState::new("predict".into(), 0));
        vec![Command::PredictAll]
    }

    pub(super) fn cancel_job(&mut self) -> Vec<Command> {
        if self.job.is_none() {
            self.say("no job is running".into(), Severity::Info);
            return Vec::new();
        }
        self.say("cancelling…".into(), Severity::Warn);
        vec![Command::CancelJob]
    }

    pub(super) fn on_job(&mut self, e: JobEvent) -> Vec<Command> {
        match e {
            JobEvent::Started { name, total } => self.job = Some(JobState::new(name, total)),
            JobEvent::Progress { done } => {
                if let Some(j) = &mut self.job {
                    j.done = done;
                }
            }
            JobEvent::Finished { message } => {
                self.job = None;
                self.say(message, Severity::Ok);
                let mut cmds = vec![Command::LoadOverview];
                // Pick up the prediction of the image on screen.
                cmds.extend(self.reload_current());
                return cmds;
            }
            JobEvent::Failed { message } => {
                self.job = None;
                self.say(message, Severity::Error);
            }
        }
        Vec::new()
    }
}
