//! Training and proposal tests on a synthetic three-phase 128² BSE tile (`synthetic`): grains
//! of a dark smooth phase, a mid-grey smooth phase and a mid-grey speckled phase (only texture
//! tells the last two apart), plus noise; ten clicks per class (disks of radius 3).
// Exact equality is the point where these tests compare floats: copies and round trips.
#![allow(clippy::float_cmp, clippy::naive_bytecount)]

use super::synthetic::{clicks, phase_tile};
use super::{
    AssistError, FeatureSettings, Features, Forest, ForestSettings, LabelledImage, ProposeOptions,
    RaforForest, Rect, SamplingSettings, UNLABELLED, fit, propose, propose_cancellable,
    propose_rect, training_set,
};

const SIDE: usize = 128;

fn accuracy(predicted: &[u8], truth: &[u8]) -> f64 {
    let right = predicted.iter().zip(truth).filter(|(p, t)| p == t).count();
    right as f64 / truth.len() as f64
}

fn tile() -> (Features, Vec<u8>, Vec<u8>) {
    let (image, truth) = phase_tile(SIDE, 3, 32, 11);
    let features = Features::compute(&image, SIDE, SIDE, &FeatureSettings::default()).unwrap();
    let labels = clicks(&truth, SIDE, 10, 5);
    (features, truth, labels)
}

fn train(features: &Features, labels: &[u8], settings: &ForestSettings) -> RaforForest {
    let image = LabelledImage {
        features,
        labels,
        weight: 1.0,
    };
    fit(&[image], &SamplingSettings::default(), settings).unwrap()
}

#[test]
fn ten_clicks_per_class_reach_ninety_percent_pixel_accuracy() {
    let (features, truth, labels) = tile();
    let labelled = labels.iter().filter(|&&l| l != UNLABELLED).count();
    assert!(
        (600..=870).contains(&labelled),
        "{labelled} labelled pixels"
    );
    for settings in [ForestSettings::interactive(), ForestSettings::parity()] {
        let forest = train(&features, &labels, &settings);
        let proposal = propose(&forest, &features, &ProposeOptions::default()).unwrap();
        let acc = accuracy(&proposal.classes, &truth);
        assert!(acc >= 0.9, "{} trees: accuracy {acc}", settings.trees());
    }
}

#[test]
fn probabilities_sum_to_one_and_confidence_follows_them() {
    let (features, _, labels) = tile();
    let forest = train(&features, &labels, &ForestSettings::interactive());
    let options = ProposeOptions {
        keep_probabilities: true,
        confidence: super::ConfidenceKind::TopProbability,
        chunk_pixels: 1000,
    };
    let p = propose(&forest, &features, &options).unwrap();
    let proba = p.probabilities.as_ref().unwrap();
    assert_eq!(proba.len(), SIDE * SIDE * 3);
    for (i, row) in proba.chunks_exact(3).enumerate() {
        let sum: f32 = row.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5, "pixel {i}: {row:?}");
        assert_eq!(p.confidence[i], row[p.classes[i] as usize]);
        assert!(row.iter().all(|&v| v <= row[p.classes[i] as usize]));
    }
    // Some pixels are certain and some are not: the forest's probabilities are soft.
    assert!(p.confidence.contains(&1.0));
    assert!(p.confidence.iter().any(|&c| c < 0.7));
}

#[test]
fn serialised_models_propose_the_same_and_seeds_are_deterministic() {
    let (features, _, labels) = tile();
    let settings = ForestSettings::interactive();
    let forest = train(&features, &labels, &settings);
    let bytes = forest.to_bytes().unwrap();
    let back = RaforForest::from_bytes(&bytes).unwrap();
    assert_eq!(back, forest);
    let options = ProposeOptions {
        keep_probabilities: true,
        ..ProposeOptions::default()
    };
    let before = propose(&forest, &features, &options).unwrap();
    assert_eq!(propose(&back, &features, &options).unwrap(), before);
    // Same seed, same forest, bit for bit; chunking does not change the answer.
    assert_eq!(
        train(&features, &labels, &settings).to_bytes().unwrap(),
        bytes
    );
    let small_chunks = ProposeOptions {
        chunk_pixels: 777,
        ..options
    };
    assert_eq!(propose(&forest, &features, &small_chunks).unwrap(), before);
    let other = ForestSettings {
        seed: 43,
        ..settings
    };
    assert_ne!(train(&features, &labels, &other), forest);
    assert!(matches!(
        RaforForest::from_bytes(b"{}"),
        Err(AssistError::Decode(_))
    ));
}

#[test]
fn sampling_caps_each_class_keeping_strokes_whole_and_balances_weights() {
    let (features, _, _) = tile();
    let n = SIDE * SIDE;
    // The edited image: 50 class-0 pixels and 20 class-2 pixels; the dataset image: 10,000
    // class-0 pixels and 100 class-2 pixels.
    let mut strokes = vec![UNLABELLED; n];
    strokes[..50].fill(0);
    strokes[100..120].fill(2);
    let mut dataset = vec![UNLABELLED; n];
    dataset[..10_000].fill(0);
    dataset[10_000..10_100].fill(2);
    let images = [
        LabelledImage {
            features: &features,
            labels: &strokes,
            weight: 4.0,
        },
        LabelledImage {
            features: &features,
            labels: &dataset,
            weight: 1.0,
        },
    ];
    let sampling = SamplingSettings {
        per_class_cap: 1000,
        ..SamplingSettings::default()
    };
    let set = training_set(&images, &sampling).unwrap();
    assert_eq!(set.n_classes, 3);
    let count = |class: u8| set.labels.iter().filter(|&&l| l == class).count();
    assert_eq!((count(0), count(1), count(2)), (1000, 0, 120));
    assert_eq!(set.rows.len(), 1120 * features.n_channels());
    // Equal class totals (mean weight 1: 560 each); the edited image's rows weigh 4× the rest.
    let total = |class: u8| -> f32 {
        set.labels
            .iter()
            .zip(&set.weights)
            .filter(|(l, _)| **l == class)
            .map(|(_, w)| w)
            .sum()
    };
    assert!((total(0) - 560.0).abs() < 0.01 && (total(2) - 560.0).abs() < 0.01);
    // Rows come image by image in scan order: row 0 is the edited image's, row 70 the dataset's.
    let (first, last) = (set.weights[0], set.weights[70]);
    assert_eq!((set.labels[0], set.labels[70]), (0, 0));
    assert!((first / last - 4.0).abs() < 1e-5, "{first} {last}");
    // The same inputs draw the same rows, and 255 (a raw "no label") is skipped like 254.
    assert_eq!(training_set(&images, &sampling).unwrap(), set);
    assert_eq!(UNLABELLED, 254);
    let raw: Vec<u8> = strokes
        .iter()
        .map(|&l| if l == UNLABELLED { 255 } else { l })
        .collect();
    let images_raw = [
        LabelledImage {
            labels: &raw,
            ..images[0]
        },
        images[1],
    ];
    assert_eq!(training_set(&images_raw, &sampling).unwrap(), set);
}

#[test]
fn absent_classes_get_zero_probability_and_bad_inputs_are_refused() {
    let (features, _, labels) = tile();
    let only_0_and_2: Vec<u8> = labels
        .iter()
        .map(|&l| if l == 1 { UNLABELLED } else { l })
        .collect();
    let forest = train(&features, &only_0_and_2, &ForestSettings::interactive());
    assert_eq!(
        (forest.n_classes(), forest.trained_classes()),
        (3, &[0, 2][..])
    );
    let options = ProposeOptions {
        keep_probabilities: true,
        ..ProposeOptions::default()
    };
    let p = propose(&forest, &features, &options).unwrap();
    assert!(
        p.probabilities
            .unwrap()
            .chunks_exact(3)
            .all(|r| r[1] == 0.0)
    );
    assert!(p.classes.iter().all(|&c| c != 1));

    let none = vec![UNLABELLED; SIDE * SIDE];
    let image = LabelledImage {
        features: &features,
        labels: &none,
        weight: 1.0,
    };
    assert_eq!(
        training_set(&[image], &SamplingSettings::default()).unwrap_err(),
        AssistError::NoLabels
    );
    let weightless = LabelledImage {
        weight: 0.0,
        labels: &labels,
        ..image
    };
    let err = training_set(&[weightless], &SamplingSettings::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "image 0 has weight 0: weights must be finite and above 0"
    );
    let mut more = features.clone();
    more.push_extra(vec![0.5; SIDE * SIDE]).unwrap();
    let err = propose(&forest, &more, &ProposeOptions::default()).unwrap_err();
    assert_eq!(
        err,
        AssistError::ModelChannels {
            model: 49,
            features: 50
        }
    );
}

#[test]
fn a_rectangle_proposes_the_crop_of_the_whole_image() {
    let (features, _, labels) = tile();
    let forest = train(&features, &labels, &ForestSettings::interactive());
    let options = ProposeOptions {
        keep_probabilities: true,
        chunk_pixels: 100,
        ..ProposeOptions::default()
    };
    let whole = propose(&forest, &features, &options).unwrap();
    let rect = Rect {
        x: 17,
        y: 40,
        width: 50,
        height: 31,
    };
    let part = propose_rect(&forest, &features, rect, &options).unwrap();
    assert_eq!(
        (part.width, part.height, part.classes.len()),
        (50, 31, 50 * 31)
    );
    let proba = part.probabilities.as_ref().unwrap();
    let whole_proba = whole.probabilities.as_ref().unwrap();
    for (i, (&class, &confidence)) in part.classes.iter().zip(&part.confidence).enumerate() {
        let p = (rect.y + i / 50) * SIDE + rect.x + i % 50;
        assert_eq!((class, confidence), (whole.classes[p], whole.confidence[p]));
        assert_eq!(proba[i * 3..i * 3 + 3], whole_proba[p * 3..p * 3 + 3]);
    }
    let cancel = std::sync::atomic::AtomicBool::new(true);
    let err = propose_cancellable(&forest, &features, rect, &options, &cancel).unwrap_err();
    assert_eq!(err, AssistError::Cancelled);
    cancel.store(false, std::sync::atomic::Ordering::Relaxed);
    let again = propose_cancellable(&forest, &features, rect, &options, &cancel).unwrap();
    assert_eq!(again, part);
    let outside = Rect { x: 100, ..rect };
    let err = propose_rect(&forest, &features, outside, &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        "rectangle Rect { x: 100, y: 40, width: 50, height: 31 } is empty or not inside the \
         128x128 image: clip it to the image"
    );
}

#[test]
fn one_class_proposes_it_everywhere_and_bad_sets_are_refused() {
    let (features, _, labels) = tile();
    let only_2: Vec<u8> = labels
        .iter()
        .map(|&l| if l == 2 { 2 } else { UNLABELLED })
        .collect();
    let forest = train(&features, &only_2, &ForestSettings::interactive());
    let p = propose(&forest, &features, &ProposeOptions::default()).unwrap();
    assert!(p.classes.iter().all(|&c| c == 2));
    assert!(p.confidence.iter().all(|&c| c == 1.0));

    let image = LabelledImage {
        features: &features,
        labels: &labels,
        weight: 1.0,
    };
    let mut set = training_set(&[image], &SamplingSettings::default()).unwrap();
    set.n_classes = 2;
    let err = RaforForest::fit(&set, &ForestSettings::interactive()).unwrap_err();
    assert_eq!(
        err,
        AssistError::LabelRange {
            label: 2,
            n_classes: 2
        }
    );
    set.n_classes = 3;
    set.weights.pop();
    assert!(matches!(
        RaforForest::fit(&set, &ForestSettings::interactive()),
        Err(AssistError::RowShape { .. })
    ));
}
