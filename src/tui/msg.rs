//! What flows between the UI state and the runtime: events in (input, worker results, job
//! progress) and commands out (load, predict, record a decision, start a job). Every result
//! about an image carries the image id and the generation it was requested for, so that a
//! result for an image the user already left is recognised and dropped.

use std::collections::HashMap;
use std::sync::Arc;

use crate::dataset::prediction::StoredPrediction;
use crate::dataset::raster::Grey8;
use crate::dataset::workspace::{DecisionEntry, ImageRow};
use crate::jobs::overview::Overview;
use crate::jobs::report::Report;
pub use crate::jobs::report::{JobEvent, Loaded};
use crate::jobs::table::TaskId;
use crate::labels::journal::JournalReq;

/// Something happened.
#[derive(Debug)]
pub enum Event {
    Input(crossterm::event::Event),
    Loaded {
        id: i64,
        generation: u64,
        result: Result<Loaded, String>,
    },
    Predicted {
        id: i64,
        generation: u64,
        result: Result<StoredPrediction, String>,
    },
    /// The assist's proposal of an image, trained on its labels.
    Assisted {
        id: i64,
        generation: u64,
        result: Result<Box<crate::jobs::assist_live::Assisted>, String>,
    },
    /// The index was refreshed: all present and missing rows.
    Rows(Vec<ImageRow>),
    Reviews(HashMap<i64, DecisionEntry>),
    Labels(crate::labels::status::ExportState),
    Tiles(HashMap<i64, crate::labels::status::TilePos>),
    Overview(Box<Overview>),
    /// A retrain finished: its report and the new model.
    Retrained(Box<crate::jobs::retrain_job::NewModel>),
    Job(JobEvent),
    /// A mask edit is safe in the workspace.
    EditSaved {
        image_id: i64,
        seq: i64,
    },
    /// A background task failed; shown in the status bar.
    Failed(String),
    /// Images were added or lost by another process: re-index ([`Report::DatasetChanged`]).
    DatasetChanged,
}

impl From<Report> for Event {
    fn from(r: Report) -> Self {
        match r {
            Report::Loaded {
                id,
                generation,
                result,
            } => Self::Loaded {
                id,
                generation,
                result,
            },
            Report::Predicted {
                id,
                generation,
                result,
            } => Self::Predicted {
                id,
                generation,
                result,
            },
            Report::Assisted {
                id,
                generation,
                result,
            } => Self::Assisted {
                id,
                generation,
                result,
            },
            Report::Rows(rows) => Self::Rows(rows),
            Report::Reviews(r) => Self::Reviews(r),
            Report::Labels(l) => Self::Labels(l),
            Report::Tiles(t) => Self::Tiles(t),
            Report::Overview(ov) => Self::Overview(ov),
            Report::Retrained(r) => Self::Retrained(r),
            Report::Job(j) => Self::Job(j),
            Report::EditSaved { image_id, seq } => Self::EditSaved { image_id, seq },
            Report::Failed(m) => Self::Failed(m),
            Report::DatasetChanged => Self::DatasetChanged,
        }
    }
}

/// Something for the runtime to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Read an image, its mask and its stored prediction (latest request wins).
    Load {
        row: Box<ImageRow>,
        generation: u64,
    },
    /// Run the model on a loaded image and store the result (latest request wins).
    Predict {
        row: Box<ImageRow>,
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
