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

/// An image with what is stored about it, as the loader read it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub image: Arc<Grey8>,
    /// Class ids; `None` for unlabelled images.
    pub mask: Option<Vec<u8>>,
    /// Why the mask could not be read, when it exists but is broken.
    pub mask_error: Option<String>,
    /// The current model's stored prediction, when it is up to date with the image file.
    pub prediction: Option<StoredPrediction>,
}

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
    /// The index was refreshed: all present and missing rows.
    Rows(Vec<ImageRow>),
    Reviews(HashMap<i64, DecisionEntry>),
    Overview(Box<Overview>),
    Job(JobEvent),
    /// A background task failed; shown in the status bar.
    Failed(String),
}

/// Progress of a background job.
#[derive(Debug, Clone, PartialEq)]
pub enum JobEvent {
    Started { name: String, total: u64 },
    Progress { done: u64 },
    Finished { message: String },
    Failed { message: String },
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
    /// Append a review decision to the workspace.
    Decide(DecisionEntry),
    /// Predict every image without a stored prediction, as a cancellable job.
    PredictAll,
    CancelJob,
    /// Re-index incrementally, then reload rows, decisions and the overview.
    Refresh,
    /// Reload the audit and queue inputs.
    LoadOverview,
    /// Re-bin the workspace with these edges (µm/px), then refresh.
    ApplyBins(Vec<f64>),
    Quit,
}
