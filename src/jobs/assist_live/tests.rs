use super::*;
use crate::dataset::image::ImageId;
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
    let mut row = crate::dataset::image::IndexedImage {
        id: ImageId(7),
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
        dataset: DatasetMix::AllClasses,
        generation,
    };
    (req, truth)
}

#[test]
fn a_scribble_of_each_class_proposes_the_whole_image_and_features_are_kept() {
    let (req, truth) = request(3);
    let mut worker = Worker::default();
    let a = worker.serve(&req).unwrap();
    assert_eq!(a.labelled, 10);
    assert_eq!(
        a.dataset,
        DatasetUse::Loading,
        "no dataset rows were gathered"
    );
    assert_eq!(a.prediction.model, "assist");
    assert_eq!(a.prediction.image_id, ImageId(7));
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
    assert!(matches!(&worker.shown, Some(s) if s.id == ImageId(7) && s.fp == "fp"));
    let again = worker.serve(&req).unwrap();
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
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths {
        root: dir.path().to_path_buf(),
        workspace: dir.path().join(".semcurate"),
        schema: crate::dataset::ClassSchema::default(),
        default_pixel_size: None,
    };
    let worker = {
        let slot = Arc::clone(&slot);
        std::thread::spawn(move || run(&slot, &outbox, &paths))
    };
    slot.put(request(1).0);
    slot.put(request(2).0);
    let mut last = None;
    // The latest request is answered, then answered again once the (empty) dataset is read.
    while let Ok(r) = rx.recv_timeout(std::time::Duration::from_mins(1)) {
        if let Report::Assisted {
            id,
            generation,
            result,
        } = r
        {
            assert_eq!(id, ImageId(7));
            let a = result.unwrap();
            last = Some(generation);
            if a.dataset == DatasetUse::NoOtherLabels {
                break;
            }
        }
    }
    assert_eq!(last, Some(2), "the latest request is answered");
    slot.close();
    worker.join().unwrap();
}

const SIDE: usize = 64;

/// A four-phase tile (`assist::synthetic::phase_tile`, 64², grains of 8 px) as a request for
/// image `id`, labelled with 5 clicks per phase of `shown` phases only; and its truth.
fn tile_request(id: ImageId, seed: u64, shown: &[u8]) -> (AssistReq, Vec<u8>) {
    tile_request_clicks(id, seed, shown, 5)
}

/// [`tile_request`] with `k` clicks per phase.
fn tile_request_clicks(id: ImageId, seed: u64, shown: &[u8], k: usize) -> (AssistReq, Vec<u8>) {
    let (grey, truth) = crate::assist::synthetic::phase_tile(SIDE, 4, 8, seed);
    let labels: Vec<u8> = crate::assist::synthetic::clicks(&truth, SIDE, k, seed)
        .into_iter()
        .map(|l| if shown.contains(&l) { l } else { UNLABELLED })
        .collect();
    let (mut req, _) = request(1);
    req.row.id = id;
    req.row.image_fp = format!("fp{id}");
    req.image = Arc::new(Grey8 {
        width: SIDE as u32,
        height: SIDE as u32,
        pixels: grey,
    });
    req.labels = labels;
    (req, truth)
}

/// The dataset's rows of tiles 1–3 (seeds 11–13, every pixel labelled), and of image 7 (the
/// one shown) with every pixel labelled 3: wrong, so that using them would show.
fn gathered() -> rows::Gathered {
    let mut g = rows::Gathered::new();
    for id in 1..=3 {
        let (grey, truth) = crate::assist::synthetic::phase_tile(SIDE, 4, 8, 10 + id as u64);
        g.insert(
            ImageId(id),
            rows::image_rows(&features(&grey), &truth).unwrap(),
        );
    }
    let (grey, _) = crate::assist::synthetic::phase_tile(SIDE, 4, 8, 1);
    g.insert(
        ImageId(7),
        rows::image_rows(&features(&grey), &[3; SIDE * SIDE]).unwrap(),
    );
    g
}

fn features(grey: &[u8]) -> Features {
    Features::compute(grey, SIDE, SIDE, &FeatureSettings::default()).unwrap()
}

/// Pixel accuracy, and the recall of each of the 4 phases.
fn scores(proposal: &[u8], truth: &[u8]) -> (f64, [f64; 4]) {
    let right = proposal.iter().zip(truth).filter(|(p, t)| p == t).count();
    let recall = std::array::from_fn(|c| {
        let of_c = truth.iter().filter(|&&t| usize::from(t) == c).count();
        let hit = proposal
            .iter()
            .zip(truth)
            .filter(|&(&p, &t)| usize::from(t) == c && p == t)
            .count();
        hit as f64 / of_c as f64
    });
    (right as f64 / truth.len() as f64, recall)
}

#[test]
fn dataset_rows_supply_the_classes_the_strokes_do_not_show() {
    // The strokes show phases 0 and 1 only; tiles 1–3 hold all four.
    let (req, truth) = tile_request(ImageId(7), 1, &[0, 1]);
    let alone = Worker::default().serve(&req).unwrap();
    let (acc, recall) = scores(&alone.prediction.classes, &truth);
    assert!(acc < 0.6, "image alone: accuracy {acc}");
    assert_eq!((recall[2], recall[3]), (0.0, 0.0), "never shown");

    let mut worker = Worker::with_rows(DatasetRows::ready(gathered()));
    let a = worker.serve(&req).unwrap();
    // Image 7's own gathered rows are left out: 3 images of 4 classes × 300 rows, capped
    // to TOTAL_CAP shared by the 4 classes.
    assert_eq!(
        a.dataset,
        DatasetUse::Rows {
            rows: rows::TOTAL_CAP,
            images: 3
        }
    );
    let (acc, recall) = scores(&a.prediction.classes, &truth);
    assert!(
        acc > 0.9,
        "with dataset rows: accuracy {acc}, recall {recall:?}"
    );
    assert!(recall.iter().all(|&r| r > 0.8), "recall {recall:?}");
}

#[test]
fn the_shown_image_is_left_out_and_an_image_left_gives_its_latest_labels() {
    let mut rows = DatasetRows::ready(gathered());
    let len = |rows: &mut DatasetRows, id| match rows.without(id, None).1 {
        DatasetUse::Rows { rows, images } => (rows, images),
        other => panic!("{other:?}"),
    };
    // Each tile gives 300 rows of each of 4 classes; image 7's wrong rows are 300 of class 3.
    // The union is thinned to TOTAL_CAP / 4 per class.
    let capped = 4 * (rows::TOTAL_CAP / 4).min(rows::PER_CLASS_CAP);
    assert_eq!(len(&mut rows, ImageId(7)), (capped, 3));
    assert_eq!(len(&mut rows, ImageId(1)), (capped, 3));
    // Without image 7 the rows are exactly those of tiles 1–3 alone.
    let mut three = gathered();
    three.remove(&ImageId(7));
    let three = DatasetRows::ready(three)
        .without(ImageId(99), None)
        .0
        .unwrap();
    assert_eq!(*rows.without(ImageId(7), None).0.unwrap(), *three);
    assert_ne!(*rows.without(ImageId(1), None).0.unwrap(), *three);
    // The editor leaves image 7 with no label: its rows go.
    let (grey, _) = crate::assist::synthetic::phase_tile(SIDE, 4, 8, 1);
    rows.left(ImageId(7), &features(&grey), &[UNLABELLED; SIDE * SIDE]);
    assert_eq!(len(&mut rows, ImageId(1)), (capped, 2));
    // Under the caps every row is kept.
    let mut one = rows::Gathered::new();
    one.insert(
        ImageId(5),
        rows::image_rows(&features(&grey), &[2; SIDE * SIDE]).unwrap(),
    );
    let mut rows = DatasetRows::ready(one);
    let n = rows::PER_IMAGE_CAP
        .min(rows::TOTAL_CAP)
        .min(rows::PER_CLASS_CAP);
    assert_eq!(len(&mut rows, ImageId(7)), (n, 1));
    assert_eq!(rows.without(ImageId(5), None).1, DatasetUse::NoOtherLabels);
}

#[test]
fn before_the_rows_are_ready_the_image_alone_answers_then_the_rows_are_used() {
    let (req, truth) = tile_request(ImageId(7), 1, &[0, 1]);
    let (gate, wait) = std::sync::mpsc::channel::<()>();
    let (woke, was_woken) = std::sync::mpsc::channel::<()>();
    let mut worker = Worker::default();
    worker.rows.start_with(
        move |_| {
            wait.recv().unwrap();
            Ok(gathered())
        },
        move || woke.send(()).unwrap(),
    );
    let first = worker.serve(&req).unwrap();
    assert_eq!(first.dataset, DatasetUse::Loading);
    assert_eq!(
        first.labelled,
        req.labels.iter().filter(|&&l| l < 4).count()
    );
    assert!(first.prediction.classes.iter().all(|&c| c < 2));
    gate.send(()).unwrap();
    was_woken
        .recv_timeout(std::time::Duration::from_mins(1))
        .unwrap();
    let second = worker.serve(&req).unwrap();
    assert!(matches!(second.dataset, DatasetUse::Rows { images: 3, .. }));
    assert!(scores(&second.prediction.classes, &truth).0 > 0.9);
}

/// Dataset rows per class of `set`, for the 4 phases.
fn per_class(set: &TrainingSet) -> [usize; 4] {
    std::array::from_fn(|c| set.labels.iter().filter(|&&l| usize::from(l) == c).count())
}

#[test]
fn with_the_drawn_classes_a_class_only_the_dataset_shows_is_never_proposed() {
    assert_eq!(DatasetMix::default(), DatasetMix::DrawnClasses);
    // One click on each of phases 0 and 1 (under FEW_LABELS pixels each); tiles 1–3 hold
    // all four phases.
    let (mut req, truth) = tile_request_clicks(ImageId(7), 1, &[0, 1], 1);
    req.dataset = DatasetMix::DrawnClasses;
    let counts = rows::class_counts(&req.labels, 4);
    assert!(counts[0] < rows::FEW_LABELS && counts[1] < rows::FEW_LABELS);
    let mut worker = Worker::with_rows(DatasetRows::ready(gathered()));
    let a = worker.serve(&req).unwrap();
    // 3 images × 300 rows of each drawn phase, thinned to DRAWN_CAP shared by the 2 phases.
    let half = rows::DRAWN_CAP / 2;
    assert_eq!(half, 150);
    assert_eq!(
        a.dataset,
        DatasetUse::Rows {
            rows: 2 * half,
            images: 3
        }
    );
    let drawn = rows::drawn_classes(&req.labels, 4);
    assert_eq!(drawn, [true, true, false, false]);
    let used = worker.rows.without(ImageId(7), Some(&drawn)).0.unwrap();
    assert_eq!(per_class(&used), [half, half, 0, 0]);
    assert!(a.prediction.classes.iter().all(|&c| c < 2), "only drawn");
    let (_, recall) = scores(&a.prediction.classes, &truth);
    assert!(recall[0] > 0.9 && recall[1] > 0.9, "recall {recall:?}");

    // A click of phase 2 brings the dataset's rows of phase 2 in: 3 classes share the cap.
    let (mut req, _) = tile_request_clicks(ImageId(7), 1, &[0, 1, 2], 1);
    req.dataset = DatasetMix::DrawnClasses;
    let a = worker.serve(&req).unwrap();
    let third = rows::DRAWN_CAP / 3;
    assert_eq!(
        a.dataset,
        DatasetUse::Rows {
            rows: 3 * third,
            images: 3
        }
    );
    assert!(a.prediction.classes.iter().all(|&c| c < 3));
    assert!(a.prediction.classes.contains(&2));

    // Phases 0 and 1 labelled in full: enough of the image's own, no dataset rows.
    let mut full = req.clone();
    full.labels = truth
        .iter()
        .map(|&t| if t < 2 { t } else { UNLABELLED })
        .collect();
    assert_eq!(rows::classes_wanted(&full.labels, 4), None);
    let a = worker.serve(&full).unwrap();
    assert_eq!(a.dataset, DatasetUse::EnoughOwnLabels);
    full.dataset = DatasetMix::Off;
    assert_eq!(a.prediction, worker.serve(&full).unwrap().prediction);
}

#[test]
fn dataset_rows_off_answers_from_the_image_alone() {
    let (mut req, _) = tile_request_clicks(ImageId(7), 1, &[0, 1], 1);
    req.dataset = DatasetMix::Off;
    let alone = Worker::with_rows(DatasetRows::ready(rows::Gathered::new()))
        .serve(&req)
        .unwrap();
    let mut worker = Worker::with_rows(DatasetRows::ready(gathered()));
    let a = worker.serve(&req).unwrap();
    assert_eq!(a.dataset, DatasetUse::Off);
    assert_eq!(a.prediction.classes, alone.prediction.classes);
    // Rows of none of the drawn classes: the image alone, said so.
    let (grey, _) = crate::assist::synthetic::phase_tile(SIDE, 4, 8, 2);
    let mut only_3 = rows::Gathered::new();
    only_3.insert(
        ImageId(1),
        rows::image_rows(&features(&grey), &[3; SIDE * SIDE]).unwrap(),
    );
    req.dataset = DatasetMix::DrawnClasses;
    let a = Worker::with_rows(DatasetRows::ready(only_3))
        .serve(&req)
        .unwrap();
    assert_eq!(a.dataset, DatasetUse::NoneOfTheDrawnClasses);
    assert_eq!(a.prediction.classes, alone.prediction.classes);
}
