//! The assist behind the editor: after each finished stroke the editor asks for a proposal of
//! the image it shows; requests go through a latest-wins slot, so a burst of strokes costs one
//! fit. The forest trains on that image's labels, weighted up ([`OWN_WEIGHT`]), and on rows of
//! the dataset's other labelled images ([`rows`]; which of them: the request's [`DatasetMix`]),
//! gathered once per editor run by a thread of their own after the first request. Until those are ready, requests are answered from the
//! image's labels alone (no wait); once they are, the latest request is answered again.
//! The image's features are computed once and kept while requests are for the same image (its
//! id and fingerprint).

pub mod rows;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::assist::{
    AssistError, FeatureSettings, Features, Forest, ForestSettings, LabelledImage, ProposeOptions,
    RaforForest, SamplingSettings, TrainingSet, propose, training_set,
};
use crate::dataset::image::{ImageId, IndexedImage};
use crate::dataset::prediction::StoredPrediction;
use crate::dataset::raster::Grey8;

use super::report::{Outbox, Report};
use super::runtime::slot::Slot;
use super::service::Paths;
pub use rows::{DatasetMix, DatasetRows, DatasetUse};

/// Weight of the shown image's rows against the dataset's (before classes are balanced): its
/// strokes say what this image holds, the dataset fills in what they do not show.
pub const OWN_WEIGHT: f32 = 4.0;

/// A proposal wanted for `row` from `labels` (one byte a pixel: a class id or
/// [`crate::dataset::schema::UNLABELLED`]).
#[derive(Debug, Clone, PartialEq)]
pub struct AssistReq {
    /// The shown image's index row (its id and fingerprint key the kept features).
    pub row: IndexedImage,
    /// Its 8-bit grey pixels, shared with the editor.
    pub image: Arc<Grey8>,
    /// The editor's current mask of the image, `width × height`, row-major.
    pub labels: Vec<u8>,
    /// Classes of the schema: proposals hold ids below it.
    pub n_classes: usize,
    /// Which of the dataset's rows to train on besides `labels`.
    pub dataset: DatasetMix,
    /// The editor's request counter, returned with the answer so stale answers are dropped.
    pub generation: u64,
}

/// What the worker sends back.
#[derive(Debug, Clone, PartialEq)]
pub struct Assisted {
    /// The proposal in stored form (model `assist`): class ids and top-two margins per pixel.
    pub prediction: StoredPrediction,
    /// Labelled pixels of the image it was trained on.
    pub labelled: usize,
    /// What of the rest of the dataset it was trained on.
    pub dataset: DatasetUse,
    /// From the request being taken to the proposal, features included when computed.
    pub millis: u64,
}

/// Serves requests until the slot closes or the UI goes away. The dataset's rows come from
/// `paths` (its workspace and class schema).
///
/// Asking for dataset rows (any mix but `Off`) starts their gathering once; when it finishes,
/// the latest request is put back in the slot (unless a newer one waits) so it is answered
/// again with them.
pub fn run(slot: &Arc<Slot<AssistReq>>, tx: &Outbox, paths: &Paths) {
    let mut worker = Worker::default();
    let latest: Arc<Mutex<Option<AssistReq>>> = Arc::default();
    while let Some(req) = slot.take() {
        if let Ok(mut l) = latest.lock() {
            *l = Some(req.clone());
        }
        if req.dataset != DatasetMix::Off {
            let (slot, latest) = (Arc::clone(slot), Arc::clone(&latest));
            worker.rows.start(paths, move || {
                let again = latest.lock().ok().and_then(|l| l.clone());
                if let Some(req) = again {
                    slot.put_if_empty(req);
                }
            });
        }
        let result = super::runtime::guarded("assist", || {
            worker
                .serve(&req)
                .map_err(|e| super::JobError::Invalid(e.to_string()))
        });
        let event = Report::Assisted {
            id: req.row.id,
            generation: req.generation,
            result,
        };
        if !tx.send(event) {
            return;
        }
    }
}

/// The shown image's features and latest labels.
struct Shown {
    /// Row id of the shown image.
    id: ImageId,
    /// Its change fingerprint: a rewritten file gets its features computed again.
    fp: String,
    /// Its per-pixel feature stack.
    features: Features,
    /// The labels of its latest request, handed to the dataset's rows when another image is
    /// shown.
    labels: Vec<u8>,
}

/// What the worker keeps between requests.
#[derive(Default)]
pub struct Worker {
    shown: Option<Shown>,
    /// The other images' training rows, gathered on a thread of their own.
    pub rows: DatasetRows,
}

impl Worker {
    /// A worker with the dataset's rows already gathered (tests, benches).
    pub fn with_rows(rows: DatasetRows) -> Self {
        Self { shown: None, rows }
    }

    /// A proposal for `req`: this image's labels and the dataset's rows as far as ready.
    ///
    /// `DrawnClasses` takes dataset rows only of the classes drawn, while the image has few
    /// labels per class ([`rows::classes_wanted`]; past that its own labels are enough); rows
    /// of the image itself are always left out of the dataset's. Fails with `NoLabels` when
    /// neither the image nor the dataset has a labelled pixel.
    pub fn serve(&mut self, req: &AssistReq) -> Result<Box<Assisted>, AssistError> {
        let started = Instant::now();
        self.rows.poll();
        self.show(req)?;
        let (dataset, used) = match req.dataset {
            DatasetMix::Off => (None, DatasetUse::Off),
            DatasetMix::DrawnClasses => match rows::classes_wanted(&req.labels, req.n_classes) {
                Some(drawn) => self.rows.without(req.row.id, Some(&drawn)),
                None => (None, DatasetUse::EnoughOwnLabels),
            },
            DatasetMix::AllClasses => self.rows.without(req.row.id, None),
        };
        let Some(shown) = self.shown.as_mut() else {
            return Err(AssistError::NoLabels);
        };
        shown.labels.clone_from(&req.labels);
        let set = training_rows(&shown.features, &req.labels, dataset.as_deref())?;
        let forest = RaforForest::fit(&set, &ForestSettings::interactive())?;
        let p = propose(&forest, &shown.features, &ProposeOptions::default())?;
        let labelled = req
            .labels
            .iter()
            .filter(|&&c| usize::from(c) < req.n_classes)
            .count();
        Ok(Box::new(Assisted {
            prediction: super::assist::stored(&req.row, &p, req.n_classes),
            labelled,
            dataset: used,
            millis: started.elapsed().as_millis() as u64,
        }))
    }

    /// Keeps the features of `req`'s image, computing them for a new image; the image left
    /// gives its latest labels to the dataset's rows.
    fn show(&mut self, req: &AssistReq) -> Result<(), AssistError> {
        let same = matches!(&self.shown, Some(s) if s.id == req.row.id && s.fp == req.row.image_fp);
        if same {
            return Ok(());
        }
        if let Some(old) = self.shown.take() {
            self.rows.left(old.id, &old.features, &old.labels);
        }
        let features = Features::compute(
            &req.image.pixels,
            req.image.width as usize,
            req.image.height as usize,
            &FeatureSettings::default(),
        )?;
        self.shown = Some(Shown {
            id: req.row.id,
            fp: req.row.image_fp.clone(),
            features,
            labels: Vec::new(),
        });
        Ok(())
    }
}

/// The image's rows (default sampling, weight [`OWN_WEIGHT`]) and the dataset's, with classes
/// balanced over both; the dataset's alone when the image has no label.
pub fn training_rows(
    features: &Features,
    labels: &[u8],
    dataset: Option<&TrainingSet>,
) -> Result<TrainingSet, AssistError> {
    let dataset = dataset.filter(|d| d.n_features == features.n_channels());
    let one = [LabelledImage {
        features,
        labels,
        weight: OWN_WEIGHT,
    }];
    let sampling = SamplingSettings {
        balance_classes: false,
        ..SamplingSettings::default()
    };
    let own = match training_set(&one, &sampling) {
        Ok(set) => Some(set),
        Err(AssistError::NoLabels) if dataset.is_some() => None,
        Err(e) => return Err(e),
    };
    let parts = own.into_iter().chain(dataset.cloned()).collect();
    let mut set = TrainingSet::merge(parts).ok_or(AssistError::NoLabels)?;
    set.balance_classes();
    Ok(set)
}

#[cfg(test)]
mod tests;
