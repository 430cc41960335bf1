//! What the background workers report: results about images (each with the image id and the
//! generation it was requested for, so a stale one is recognised and dropped), index and
//! overview refreshes, and job progress. A front end (the TUI) receives them through an
//! [`Outbox`], as they are or wrapped in its own event type.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::Sender;

use crate::dataset::decision::DecisionEntry;
use crate::dataset::image::{ImageId, IndexedImage};
use crate::dataset::prediction::StoredPrediction;
use crate::dataset::raster::Grey8;
use crate::jobs::overview::Overview;
use crate::jobs::runtime::progress::JobSink;
use crate::jobs::runtime::table::JobEvent;

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
    /// The image's saved mask edits, replayed (or why they could not be).
    pub edits: Option<Box<crate::labels::journal::LoadedEdits>>,
}

/// A worker's result or news.
#[derive(Debug)]
pub enum Report {
    Loaded {
        id: ImageId,
        generation: u64,
        result: Result<Loaded, String>,
    },
    Predicted {
        id: ImageId,
        generation: u64,
        result: Result<StoredPrediction, String>,
    },
    /// The editor's assist proposed the image (latest request wins).
    Assisted {
        id: ImageId,
        generation: u64,
        result: Result<Box<super::assist_live::Assisted>, String>,
    },
    /// The index was refreshed: all present and missing rows.
    Rows(Vec<IndexedImage>),
    Reviews(HashMap<ImageId, DecisionEntry>),
    /// Edit journal lengths now and at the last export, per image.
    Labels(crate::labels::status::ExportState),
    /// Imported tiles' places in their raw images, by image id.
    Tiles(std::collections::HashMap<ImageId, crate::labels::status::TilePos>),
    Overview(Box<Overview>),
    /// A retrain finished: the new model, for the workers to switch to.
    Retrained(Box<super::retrain_job::NewModel>),
    Job(JobEvent),
    /// A mask edit was committed to the image's journal (its position `seq`).
    EditSaved {
        image_id: ImageId,
        seq: i64,
    },
    /// A background task failed.
    Failed(String),
    /// Another process (`semcurate import` or `index` in a second shell) added or lost
    /// images in the index since it was last read: the rows should be read again.
    DatasetChanged,
}

/// Where workers send their reports: any channel whose messages can be made from a
/// [`Report`]. `send` is false once the receiver is gone (the front end quit).
#[derive(Clone)]
pub struct Outbox(Arc<dyn Fn(Report) -> bool + Send + Sync>);

impl Outbox {
    pub fn new<T: From<Report> + Send + 'static>(tx: Sender<T>) -> Self {
        Self(Arc::new(move |r| tx.send(r.into()).is_ok()))
    }

    /// Sends a report; false when nobody listens any more.
    pub fn send(&self, r: Report) -> bool {
        (self.0)(r)
    }

    /// A sink for the runtime's job events, sending each as [`Report::Job`].
    pub fn jobs(&self) -> JobSink {
        let out = self.clone();
        Arc::new(move |e| out.send(Report::Job(e)))
    }
}
