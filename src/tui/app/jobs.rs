//! Review decisions and background jobs: what the decision keys act on, the batch prediction
//! and its progress.
//!
//! Decisions are recorded in the session at once (`Marks::reviews`) and sent to the task
//! thread to append to the workspace's log; jobs are entries of the task table, updated by the
//! events their threads send and ended by their last one.

use crate::dataset::decision::{Decision, DecisionEntry};
use crate::dataset::image::ImageId;

use super::super::msg::{Command, JobEvent};
use super::{AUTO_PREDICT_MAX, App, Screen, Severity};
use crate::dataset::workspace::current_user;
use crate::jobs::overview::Overview;
use crate::jobs::runtime::table::Ended;

impl App {
    /// The image the decision keys act on in the current screen.
    pub(super) fn decision_target(&self) -> Option<ImageId> {
        match self.screen {
            Screen::Queue => self.queue.selected().map(|it| it.image_id),
            Screen::Browse => self.list.selected_row().map(|i| self.rows[i].id),
            _ => self.current.as_ref().map(|c| c.row.id),
        }
    }

    /// Records `decision` for the image the decision keys act on; a warning when none is
    /// selected.
    pub(super) fn decide(&mut self, decision: Decision) -> Vec<Command> {
        let Some(image_id) = self.decision_target() else {
            self.say("no image selected".into(), Severity::Warn);
            return Vec::new();
        };
        self.decide_on(image_id, decision)
    }

    /// Records `decision` for `image_id` and says so; a final one takes the image out of the
    /// queue (the queue's cursor lands on the next), another moves the queue's cursor on.
    pub(super) fn decide_on(&mut self, image_id: ImageId, decision: Decision) -> Vec<Command> {
        let mut cmds = self.end_stroke();
        cmds.extend(self.decide_quietly(image_id, decision));
        let name = self
            .row_by_id(image_id)
            .map_or(String::new(), |r| r.stem.clone());
        let user = current_user();
        self.say(
            format!("{name}: {} by {user}", decision.as_str()),
            Severity::Ok,
        );
        if decision.is_final() {
            // Accepted and rejected images leave the queue; the cursor lands on the next.
            let at = self.queue.cursor;
            self.rank_queue();
            if self.screen == Screen::Queue {
                self.queue.cursor = at.min(self.queue.items.len().saturating_sub(1));
                cmds.extend(self.queue_move(0));
            }
        } else if self.screen == Screen::Queue {
            cmds.extend(self.queue_move(1));
        }
        cmds
    }

    /// Records a decision for `image_id` without a message or a move.
    pub(super) fn decide_quietly(&mut self, image_id: ImageId, decision: Decision) -> Vec<Command> {
        let entry = DecisionEntry {
            image_id,
            decision,
            note: String::new(),
            user: current_user(),
            at: crate::clock::now(),
        };
        self.marks.reviews.insert(image_id, entry.clone());
        vec![Command::Decide(entry)]
    }

    /// Starts the batch prediction of every image without a current one as a background job;
    /// refused without a model or while one already runs.
    pub(super) fn predict_all(&mut self) -> Vec<Command> {
        if self.ctx.model.is_none() {
            let why = self.ctx.model_error.clone().unwrap_or_default();
            self.say(format!("no model: {why}"), Severity::Error);
            return Vec::new();
        }
        if self.tasks.is_running(self.predict_task) {
            self.say(
                "a batch prediction is already running (X cancels it)".into(),
                Severity::Warn,
            );
            return Vec::new();
        }
        let task = self.tasks.add("predict");
        self.predict_task = Some(task);
        vec![Command::PredictAll(task)]
    }

    /// Cancels the newest running job.
    ///
    /// Only asks: the job stops at its next check and ends the task with its own event.
    pub(super) fn cancel_job(&mut self) -> Vec<Command> {
        let Some(task) = self.tasks.newest().map(|t| t.id) else {
            self.say("no job is running".into(), Severity::Info);
            return Vec::new();
        };
        self.say("cancelling…".into(), Severity::Warn);
        vec![Command::CancelJob(task)]
    }

    /// Applies a job's event to the task table; a job that finished reloads the overview and the
    /// shown image (to pick up new predictions), a failed one says why.
    pub(super) fn on_job(&mut self, e: JobEvent) -> Vec<Command> {
        match self.tasks.apply(e) {
            Some(Ended::Finished { message, .. }) => {
                self.say(message, Severity::Ok);
                let mut cmds = vec![Command::LoadOverview];
                // Pick up the prediction of the image on screen.
                cmds.extend(self.reload_current());
                cmds
            }
            Some(Ended::Failed { message, .. }) => {
                self.say(message, Severity::Error);
                Vec::new()
            }
            None => Vec::new(),
        }
    }
}

impl App {
    /// Starts a retrain: fine-tuning the model, or from nothing without one.
    ///
    /// Ends any stroke first, so its journal entry is sent before the retrain starts, and adds
    /// a `retrain` job to the task table; refused while one runs.
    pub(super) fn retrain(&mut self) -> Vec<Command> {
        if self.tasks.is_running(self.retrain_task) {
            self.say(
                "a retrain is already running (X cancels it)".into(),
                Severity::Warn,
            );
            return Vec::new();
        }
        let mut cmds = self.end_stroke();
        let task = self.tasks.add("retrain");
        self.retrain_task = Some(task);
        let what = match &self.ctx.model {
            Some(m) => format!("fine-tuning model {}", m.hash.get(..8).unwrap_or(&m.hash)),
            None => "training a small U-Net from nothing".into(),
        };
        self.say(
            format!("{what} on the current labels, then re-predicting (X cancels)"),
            Severity::Info,
        );
        cmds.push(Command::Retrain(task));
        cmds
    }

    /// A retrain finished: the workers switch to its model, the audit shows before/after.
    pub(super) fn on_retrained(
        &mut self,
        done: crate::jobs::retrain_job::NewModel,
    ) -> Vec<Command> {
        self.ctx.model = Some(done.info);
        self.ctx.model_error = None;
        self.retrained = Some(Box::new(done.report));
        let mut cmds = vec![Command::UseModel(Box::new(done.model))];
        if !self.editing() {
            cmds.extend(self.switch(Screen::Audit));
        }
        cmds
    }
}

impl App {
    /// A new overview: per-image mIoU, the queue ranked again, and the automatic batch
    /// prediction of a small dataset that has none stored.
    pub(super) fn on_overview(&mut self, ov: Box<Overview>) -> Vec<Command> {
        self.marks.miou = ov
            .audits
            .iter()
            .filter_map(|(r, a)| a.confusion.mean_iou().map(|m| (r.id, m)))
            .collect();
        let nothing_predicted = ov.summaries.is_empty();
        self.overview = Some(ov);
        self.rank_queue();
        self.refresh_cell_images();
        let mut cmds = Vec::new();
        let small = self.rows.len() <= AUTO_PREDICT_MAX;
        if nothing_predicted && small && self.auto_predict && self.ctx.model.is_some() {
            self.auto_predict = false;
            self.say(
                "no stored predictions yet: predicting the dataset in the background (X cancels)"
                    .into(),
                Severity::Info,
            );
            cmds.extend(self.predict_all());
        } else if nothing_predicted && self.auto_predict && self.ctx.model.is_some() {
            self.auto_predict = false;
            self.say(
                format!(
                    "no stored predictions by this model: press P to predict the {} images",
                    self.rows.len()
                ),
                Severity::Info,
            );
        }
        cmds
    }
}
