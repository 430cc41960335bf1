//! The assist behind the editor: after each finished stroke the editor asks for a proposal of
//! the image it shows, trained on that image's labels alone; requests go through a
//! latest-wins slot, so a burst of strokes costs one fit. The image's features are computed
//! once and kept while requests are for the same image (its id and fingerprint).

use std::sync::Arc;
use std::time::Instant;

use crate::assist::{
    FeatureSettings, Features, ForestSettings, LabelledImage, ProposeOptions, RaforForest,
    SamplingSettings, fit, propose,
};
use crate::dataset::prediction::StoredPrediction;
use crate::dataset::raster::Grey8;
use crate::dataset::workspace::ImageRow;

use super::report::{Outbox, Report};
use super::slot::Slot;

/// A proposal wanted for `row` from `labels` (one byte a pixel: a class id or
/// [`crate::dataset::schema::UNLABELLED`]).
#[derive(Debug, Clone, PartialEq)]
pub struct AssistReq {
    pub row: ImageRow,
    pub image: Arc<Grey8>,
    pub labels: Vec<u8>,
    /// Classes of the schema: proposals hold ids below it.
    pub n_classes: usize,
    pub generation: u64,
}

/// What the worker sends back.
#[derive(Debug, Clone, PartialEq)]
pub struct Assisted {
    pub prediction: StoredPrediction,
    /// Labelled pixels it was trained on.
    pub labelled: usize,
    /// From the request being taken to the proposal, features included when computed.
    pub millis: u64,
}

/// Serves requests until the slot closes or the UI goes away.
pub fn run(slot: &Slot<AssistReq>, tx: &Outbox) {
    let mut cache: Option<(i64, String, Features)> = None;
    while let Some(req) = slot.take() {
        let result = super::error::guarded("assist", || {
            serve(&req, &mut cache).map_err(|e| super::JobError::Invalid(e.to_string()))
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

fn serve(
    req: &AssistReq,
    cache: &mut Option<(i64, String, Features)>,
) -> Result<Box<Assisted>, crate::assist::AssistError> {
    let started = Instant::now();
    let fresh = !matches!(cache, Some((id, fp, _)) if *id == req.row.id && *fp == req.row.image_fp);
    if fresh {
        let f = Features::compute(
            &req.image.pixels,
            req.image.width as usize,
            req.image.height as usize,
            &FeatureSettings::default(),
        )?;
        *cache = Some((req.row.id, req.row.image_fp.clone(), f));
    }
    let Some((_, _, features)) = cache.as_ref() else {
        return Err(crate::assist::AssistError::NoLabels);
    };
    let one = [LabelledImage {
        features,
        labels: &req.labels,
        weight: 1.0,
    }];
    let forest: RaforForest = fit(
        &one,
        &SamplingSettings::default(),
        &ForestSettings::interactive(),
    )?;
    let p = propose(&forest, features, &ProposeOptions::default())?;
    let labelled = req
        .labels
        .iter()
        .filter(|&&c| usize::from(c) < req.n_classes)
        .count();
    Ok(Box::new(Assisted {
        prediction: super::assist::stored(&req.row, &p, req.n_classes),
        labelled,
        millis: started.elapsed().as_millis() as u64,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::schema::UNLABELLED;

    /// A 32² image, dark left half (class 1) and bright right half (class 2), and a scribble
    /// of 5 pixels per class.
    fn request(generation: u64) -> (AssistReq, Vec<u8>) {
        let w = 32u32;
        let (mut pixels, mut truth) = (Vec::new(), Vec::new());
        for y in 0..w {
            for x in 0..w {
                let bright = x >= w / 2;
                pixels.push(if bright { 190 } else { 50 } + ((x * 5 + y * 3) % 7) as u8);
                truth.push(if bright { 2u8 } else { 1 });
            }
        }
        let mut labels = vec![UNLABELLED; (w * w) as usize];
        for y in 10..15 {
            labels[(y * w + 3) as usize] = 1;
            labels[(y * w + 28) as usize] = 2;
        }
        let mut row = crate::dataset::workspace::ImageRow {
            id: 7,
            sample: "s".into(),
            stem: "a".into(),
            group: "s/a".into(),
            image_path: "s/input-images/a.png".into(),
            mask_path: None,
            features_path: None,
            image_fp: "fp".into(),
            mask_fp: None,
            features_fp: None,
            format: None,
            width: Some(w),
            height: Some(w),
            bit_depth: Some(8),
            pixel_size: Some(1.0),
            pixel_size_source: None,
            bin: Some(1),
            mask_state: crate::dataset::item::MaskState::None,
            class_counts: None,
            missing: false,
        };
        row.group = "s/a".into();
        let req = AssistReq {
            row,
            image: Arc::new(Grey8 {
                width: w,
                height: w,
                pixels,
            }),
            labels,
            n_classes: 4,
            generation,
        };
        (req, truth)
    }

    #[test]
    fn a_scribble_of_each_class_proposes_the_whole_image_and_features_are_kept() {
        let (req, truth) = request(3);
        let mut cache = None;
        let a = serve(&req, &mut cache).unwrap();
        assert_eq!(a.labelled, 10);
        assert_eq!(a.prediction.model, "assist");
        assert_eq!(a.prediction.image_id, 7);
        let right = a
            .prediction
            .classes
            .iter()
            .zip(&truth)
            .filter(|(p, t)| p == t)
            .count();
        assert!(
            right as f64 / truth.len() as f64 > 0.95,
            "{right} of {}",
            truth.len()
        );
        assert_eq!(a.prediction.margin.len(), truth.len());
        // The features stay for the next request on the same image.
        assert!(matches!(&cache, Some((7, fp, _)) if fp == "fp"));
        let again = serve(&req, &mut cache).unwrap();
        assert_eq!(
            again.prediction.classes, a.prediction.classes,
            "deterministic"
        );
    }

    #[test]
    fn the_worker_answers_the_latest_request_with_its_generation() {
        let (tx, rx) = std::sync::mpsc::channel::<Report>();
        let outbox = Outbox::new(tx);
        let slot = Arc::new(Slot::default());
        let worker = {
            let slot = Arc::clone(&slot);
            std::thread::spawn(move || run(&slot, &outbox))
        };
        slot.put(request(1).0);
        slot.put(request(2).0);
        let mut last = None;
        while let Ok(r) = rx.recv_timeout(std::time::Duration::from_mins(1)) {
            if let Report::Assisted {
                id,
                generation,
                result,
            } = r
            {
                assert_eq!(id, 7);
                assert!(result.is_ok(), "{result:?}");
                last = Some(generation);
                if generation == 2 {
                    break;
                }
            }
        }
        assert_eq!(last, Some(2), "the latest request is answered");
        slot.close();
        worker.join().unwrap();
    }
}
