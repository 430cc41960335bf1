//! The dataset's labelled pixels as the assist sees them: for each image, its current label
//! (mask file, partial masks included, with the workspace's corrections replayed, or an
//! accepted proposal) when it has a labelled pixel, and its grey image. Shared by the
//! dataset-wide `semcurate assist` and the editor's cache of dataset rows, so both train on
//! the same pixels.

use std::collections::HashMap;
use std::path::Path;

use crate::dataset::ClassSchema;
use crate::dataset::decision::{Decision, DecisionEntry};
use crate::dataset::image::{ImageId, IndexedImage};
use crate::dataset::load::load_image;
use crate::dataset::raster::Grey8;
use crate::dataset::schema::UNLABELLED;
use crate::dataset::workspace::{Workspace, WorkspaceError};
use crate::labels::current::{LabelRecord, resolve};

/// What the workspace says about every image's label, read once.
pub struct DatasetLabels<'a> {
    ws: &'a Workspace,
    root: &'a Path,
    schema: &'a ClassSchema,
    models: Vec<String>,
    decisions: HashMap<ImageId, DecisionEntry>,
}

impl<'a> DatasetLabels<'a> {
    /// Reads the models and decisions of `ws`, for the dataset at `root`.
    pub fn new(
        ws: &'a Workspace,
        root: &'a Path,
        schema: &'a ClassSchema,
    ) -> Result<Self, WorkspaceError> {
        let models = ws.models()?.into_iter().map(|(h, _)| h).collect();
        let decisions = ws.review_status()?;
        Ok(Self {
            ws,
            root,
            schema,
            models,
            decisions,
        })
    }

    /// The labels of `row` (one byte a pixel, a class id or [`UNLABELLED`]) when it has a
    /// labelled pixel, and its grey image; `None` when it has none, or when its label or image
    /// cannot be read (the batch goes on without it).
    pub fn labelled(&self, row: &IndexedImage) -> Option<(Vec<u8>, Grey8)> {
        let accepted = self
            .decisions
            .get(&row.id)
            .is_some_and(|d| d.decision == Decision::Accepted);
        let record = LabelRecord::fetch(self.ws, row, &self.models).ok()?;
        let label = resolve(self.root, row, self.schema, &record, accepted).ok()??;
        if label.classes.iter().all(|&c| c == UNLABELLED) {
            return None;
        }
        let image = load_image(self.root, row).ok()?;
        Some((label.classes, image))
    }
}
