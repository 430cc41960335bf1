//! The workers' reports, each to its handler: results about an image (dropped when stale),
//! index and overview refreshes, job progress, saved edits and failures.

use super::super::msg::{Command, Report};
use super::{App, Severity};

impl App {
    pub(super) fn on_report(&mut self, report: Report) -> Vec<Command> {
        match report {
            Report::Loaded {
                id,
                generation,
                result,
            } => self.on_loaded(id, generation, result),
            Report::Predicted {
                id,
                generation,
                result,
            } => self.on_predicted(id, generation, result),
            Report::Assisted {
                id,
                generation,
                result,
            } => self.on_assisted(id, generation, result),
            Report::Rows(rows) => self.on_rows(rows),
            Report::Reviews(r) => self.marks.set(|m| m.reviews = r),
            Report::Overview(ov) => self.on_overview(ov),
            Report::Retrained(r) => self.on_retrained(*r),
            Report::Job(j) => self.on_job(j),
            Report::Labels(l) => self.on_labels(l),
            Report::Tiles(t) => self.on_tiles(t),
            Report::EditSaved { image_id, seq } => {
                self.marks.labels.edit_saved(image_id, seq);
                self.on_edit_saved(image_id)
            }
            Report::Failed(message) => {
                self.say(message, Severity::Error);
                Vec::new()
            }
            Report::DatasetChanged => vec![self.refresh()],
        }
    }
}
