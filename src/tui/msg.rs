//! What flows between the UI state and the runtime: events in (terminal input, and the
//! workers' [`Report`]s: results, job progress) and commands out (load, predict, record a
//! decision, start a job). Every result about an image carries the image id and the
//! generation it was requested for, so that a result for an image the user already left is
//! recognised and dropped.

use std::sync::Arc;

use crate::dataset::decision::DecisionEntry;
use crate::dataset::image::IndexedImage;
use crate::dataset::raster::Grey8;
pub use crate::jobs::report::{Loaded, Report};
pub use crate::jobs::runtime::JobEvent;
use crate::jobs::runtime::TaskId;
use crate::labels::journal::JournalReq;

/// Something happened: the user did something, or a worker reported (its [`Report`] as is,
/// so a new kind of report needs no change here).
// A report is as large as the mirrored variants it replaces (a stored prediction inline);
// boxing it would allocate for every report.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Event {
    /// A key, mouse or resize event from the terminal.
    Input(crossterm::event::Event),
    /// A worker's result or news.
    Report(Report),
}

impl From<Report> for Event {
    fn from(r: Report) -> Self {
        Self::Report(r)
    }
}

impl From<crossterm::event::Event> for Event {
    fn from(e: crossterm::event::Event) -> Self {
        Self::Input(e)
    }
}

/// Something for the runtime to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Read an image, its mask and its stored prediction (latest request wins).
    Load {
        row: Box<IndexedImage>,
        generation: u64,
    },
    /// Run the model on a loaded image and store the result (latest request wins).
    Predict {
        row: Box<IndexedImage>,
        image: Arc<Grey8>,
        generation: u64,
    },
    /// Train the assist on an image's labels and propose it (latest request wins).
    Assist(Box<crate::jobs::assist_live::AssistReq>),
    /// Append a review decision to the workspace.
    Decide(DecisionEntry),
    /// Append a mask edit to its image's journal (reported back as `EditSaved`).
    Journal(Box<JournalReq>),
    /// Predict every image without a stored prediction, as a cancellable job (its entry in
    /// the task table).
    PredictAll(TaskId),
    /// Fine-tune the model (or train one from nothing) on the current labels, then predict
    /// the dataset with it, as a cancellable job (its entry in the task table).
    Retrain(TaskId),
    /// From now on, load and predict with this model (a retrain made it).
    UseModel(Box<crate::jobs::service::ModelRef>),
    /// Ask a job to stop (it keeps what it finished).
    CancelJob(TaskId),
    /// Re-index incrementally, then reload rows, decisions and the overview (a task).
    Refresh(TaskId),
    /// Reload the audit and queue inputs.
    LoadOverview,
    /// Re-bin the workspace with these edges (µm/px), then refresh (a task).
    ApplyBins(Vec<f64>, TaskId),
    Quit,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::image::ImageId;
    use crate::jobs::report::Outbox;

    #[test]
    fn the_workers_outbox_delivers_their_reports_as_they_are() {
        let (tx, rx) = std::sync::mpsc::channel::<Event>();
        let outbox = Outbox::new(tx);
        assert!(outbox.send(Report::EditSaved {
            image_id: ImageId(3),
            seq: 7
        }));
        assert!(matches!(
            rx.try_recv(),
            Ok(Event::Report(Report::EditSaved {
                image_id: ImageId(3),
                seq: 7
            }))
        ));
        drop(rx);
        assert!(!outbox.send(Report::DatasetChanged), "nobody listens");
    }
}
