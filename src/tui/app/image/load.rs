//! Loading the shown image and its prediction: requests to the loader and the model worker,
//! and taking their answers.
//!
//! Requests and answers: every load gets a new generation, remembered with the image id as
//! the pending request; the loader's and the model worker's answers are taken only when they
//! match it, so after scrolling fast through the list only the last image is drawn and a late
//! prediction of an image left behind is dropped. A new image starts fitted, with the cursor
//! at its centre (pixels, from the top-left); the same image loaded again keeps both.

use std::sync::Arc;

use crate::dataset::image::ImageId;
use crate::dataset::prediction::StoredPrediction;

use super::super::super::msg::{Command, Loaded};
use super::super::{App, Severity};
use super::{Current, PredState};

impl App {
    /// Requests row `i` unless it is already shown.
    ///
    /// A newer request replaces the pending one (its answer is dropped by generation); asking
    /// again for the image being loaded sends nothing, and so does the image already shown from
    /// the same file.
    pub(in crate::tui::app) fn show_row(&mut self, i: usize) -> Vec<Command> {
        let row = self.rows[i].clone();
        let loading_it = self.pending.is_some_and(|(id, _)| id == row.id);
        if loading_it && self.current.as_ref().is_none_or(|c| c.row.id != row.id) {
            return Vec::new();
        }
        if let Some(c) = &mut self.current {
            if c.row.id == row.id && c.row.image_fp == row.image_fp {
                return Vec::new();
            }
            c.loading = true;
        }
        let generation = self.next_generation();
        self.pending = Some((row.id, generation));
        vec![Command::Load {
            row: Box::new(row),
            generation,
        }]
    }

    /// Loads the shown image again (after a batch prediction stored its result).
    pub(in crate::tui::app) fn reload_current(&mut self) -> Vec<Command> {
        let Some(row) = self.current.as_ref().map(|c| c.row.clone()) else {
            return Vec::new();
        };
        let generation = self.next_generation();
        self.pending = Some((row.id, generation));
        vec![Command::Load {
            row: Box::new(row),
            generation,
        }]
    }

    /// Takes the loader's answer for `id` if it is the pending request: adopts its saved edits,
    /// asks the model worker for a prediction when none is stored (and a model is loaded), resets
    /// zoom and cursor (to the centre) for a new image, and composes the picture.
    pub(in crate::tui::app) fn on_loaded(
        &mut self,
        id: ImageId,
        generation: u64,
        result: Result<Loaded, String>,
    ) -> Vec<Command> {
        if self.pending != Some((id, generation)) {
            return Vec::new();
        }
        let Some(row) = self.row_by_id(id).cloned() else {
            return Vec::new();
        };
        let same_image = self.current.as_ref().is_some_and(|c| c.row.id == id);
        let (image, mask, mask_error, prediction, edits) = match result {
            Ok(l) => (Ok(l.image), l.mask, l.mask_error, l.prediction, l.edits),
            Err(e) => (Err(e), None, None, None, None),
        };
        self.adopt_edits(id, edits);
        let mut cmds = Vec::new();
        let prediction = match (prediction, &image, &self.ctx.model) {
            (Some(p), _, _) => PredState::Stored(Box::new(p)),
            (None, Ok(img), Some(_)) => {
                cmds.push(Command::Predict {
                    row: Box::new(row.clone()),
                    image: Arc::clone(img),
                    generation,
                });
                PredState::Running
            }
            (None, Err(_), _) => PredState::Unavailable("the image could not be read".into()),
            (None, Ok(_), None) => PredState::Unavailable(
                self.ctx
                    .model_error
                    .clone()
                    .unwrap_or_else(|| "no model".into()),
            ),
        };
        if !same_image {
            self.image.view = None;
            self.image.cursor = image
                .as_ref()
                .map_or((0, 0), |g| (g.width / 2, g.height / 2));
        }
        self.current = Some(Current {
            row,
            image,
            mask,
            mask_error,
            prediction,
            stats: Vec::new(),
            counts: None,
            composed: Vec::new(),
            version: 0,
            stretched: None,
            loading: false,
        });
        self.apply_levels();
        self.recompute();
        cmds
    }

    /// Takes the model worker's answer when it is for the shown image and the pending
    /// generation; a failure is said in the status bar.
    pub(in crate::tui::app) fn on_predicted(
        &mut self,
        id: ImageId,
        generation: u64,
        result: Result<StoredPrediction, String>,
    ) -> Vec<Command> {
        let Some(c) = self.current.as_mut().filter(|c| c.row.id == id) else {
            return Vec::new();
        };
        if self.pending != Some((id, generation)) {
            return Vec::new();
        }
        c.prediction = match result {
            Ok(p) => PredState::Stored(Box::new(p)),
            Err(e) => {
                self.message = Some((format!("prediction failed: {e}"), Severity::Error));
                PredState::Unavailable(e)
            }
        };
        self.recompute();
        Vec::new()
    }

    /// Asks the model worker to predict the shown image again (no MC passes); refused with a
    /// warning without an image or a model.
    pub(super) fn predict_current(&mut self) -> Vec<Command> {
        let Some(c) = &mut self.current else {
            return Vec::new();
        };
        let (Ok(image), Some(_)) = (&c.image, &self.ctx.model) else {
            self.say(
                "nothing to predict (no image or no model)".into(),
                Severity::Warn,
            );
            return Vec::new();
        };
        c.prediction = PredState::Running;
        let cmd = Command::Predict {
            row: Box::new(c.row.clone()),
            image: Arc::clone(image),
            generation: self.pending.map_or(0, |p| p.1),
        };
        vec![cmd]
    }
}
