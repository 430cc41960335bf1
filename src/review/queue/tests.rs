use super::*;
use crate::dataset::image::ImageId;
use crate::dataset::item::MaskState;

pub(super) fn row(id: i64, sample: &str, bin: u32) -> IndexedImage {
    IndexedImage {
        id: ImageId(id),
        sample: sample.into(),
        stem: format!("{sample}_s01-t{id:02}"),
        group: format!("{sample}/{sample}_s01"),
        image_path: format!("{sample}/input-images/{id}.png"),
        mask_path: None,
        features_path: None,
        image_fp: "1:1".into(),
        mask_fp: None,
        features_fp: None,
        format: Some("png".into()),
        width: Some(16),
        height: Some(16),
        bit_depth: Some(8),
        pixel_size: Some(1.0),
        pixel_size_source: None,
        bin: Some(bin),
        mask_state: MaskState::Valid,
        class_counts: None,
        missing: false,
    }
}

/// `label-suspect` over `rows` with `audits`, no at-risk classes, the first `budget` items.
pub(super) fn label_suspects(
    rows: &[IndexedImage],
    audits: &[ImageAudit],
    budget: usize,
) -> Vec<QueueItem> {
    let labelled: Vec<LabelledInput<'_>> = rows
        .iter()
        .zip(audits)
        .map(|(row, audit)| LabelledInput { row, audit })
        .collect();
    let names = names();
    let input = QueueInput {
        labelled: &labelled,
        unlabelled: &[],
        at_risk: &[],
        class_names: &names,
        class_share: &[],
        grey_class: &[],
        risk_iou: 0.5,
    };
    rank(&input, Strategy::LabelSuspect, budget)
}

/// Unlabelled inputs of `rows` with their summaries, all with mean margin `margin`.
pub(super) fn unlabelled<'a>(
    rows: &'a [IndexedImage],
    sums: &'a [Vec<ClassSummary>],
    margin: f64,
) -> Vec<UnlabelledInput<'a>> {
    rows.iter()
        .zip(sums)
        .map(|(row, s)| UnlabelledInput {
            row,
            mean_margin: margin,
            region: None,
            mask_problem: None,
            per_class: s,
        })
        .collect()
}

pub(super) fn names() -> Vec<String> {
    [
        "Void", "Fe", "FeS", "MO", "Py", "Pl", "Si", "Ol", "LSMC", "Na",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect()
}

/// A 16×16 image: truth Py everywhere, prediction Py with `wrong` pixels (a square from
/// the top-left) predicted as `as_class`, all with margin `margin`.
fn audit(truth_class: u8, wrong: usize, as_class: u8, margin: u8) -> ImageAudit {
    let w = 16;
    let truth = vec![truth_class; w * w];
    let mut pred = truth.clone();
    let side = (wrong as f64).sqrt() as usize;
    for y in 0..side {
        for x in 0..side {
            pred[y * w + x] = as_class;
        }
    }
    ImageAudit::compute(&truth, &pred, &vec![margin; w * w], w, 10)
}

#[test]
fn a_planted_mislabelled_region_comes_first() {
    let rows: Vec<IndexedImage> = (1..=5).map(|i| row(i, "10003", 1)).collect();
    let audits = vec![
        audit(4, 4, 5, 200),  // small confident error
        audit(4, 64, 5, 200), // the planted 8×8 region
        // Bigger but unsure: no region of confident disagreement, so its 36 px count by
        // their margin (bucket centre 24) against Pl's usual 128 (no Pl predicted right): 7.
        audit(4, 36, 5, 30),
        audit(4, 0, 4, 200),  // perfect
        audit(4, 16, 5, 200), // 4×4, the same confusion
    ];
    // All disputes are Py → Pl with the same history, so size decides.
    let q = label_suspects(&rows, &audits, 4);
    assert_eq!(
        q.iter().map(|i| i.image_id).collect::<Vec<_>>(),
        [2, 5, 3, 1].map(ImageId)
    );
    assert!((q[2].numbers["disputed_pixels"] - 7.0).abs() < 1e-9);
    assert_eq!(q[0].rank, 1);
    assert!(
        q[0].reason
            .starts_with("a 64-px region labelled Py is confidently predicted Pl"),
        "{}",
        q[0].reason
    );
    assert!((q[0].numbers["region_pixels"] - 64.0).abs() < 1e-9);
}

#[test]
fn a_rare_class_with_iou_zero_is_flagged() {
    let rows: Vec<IndexedImage> = (1..=3).map(|i| row(i, "12002", 2)).collect();
    // Image 1: olivine (7) in the mask, predicted as pyroxene everywhere → Ol IoU 0.
    let a1 = {
        let truth: Vec<u8> = (0..256).map(|i| if i < 40 { 7 } else { 4 }).collect();
        ImageAudit::compute(&truth, &[4; 256], &[200; 256], 16, 10)
    };
    let a2 = audit(4, 0, 4, 200);
    let a3 = {
        let truth: Vec<u8> = (0..256).map(|i| if i < 40 { 7 } else { 4 }).collect();
        ImageAudit::compute(&truth, &truth, &[200; 256], 16, 10)
    };
    let audits = [a1, a2, a3];
    let labelled: Vec<LabelledInput<'_>> = rows
        .iter()
        .zip(&audits)
        .map(|(row, audit)| LabelledInput { row, audit })
        .collect();
    let names = names();
    let input = QueueInput {
        labelled: &labelled,
        unlabelled: &[],
        at_risk: &[7],
        class_names: &names,
        class_share: &[],
        grey_class: &[],
        risk_iou: 0.5,
    };
    let q = rank(&input, Strategy::RareLowIou, 10);
    assert_eq!(q.len(), 1, "only the image where olivine fails: {q:?}");
    assert_eq!(q[0].image_id, ImageId(1));
    assert!(q[0].numbers["iou_Ol"].abs() < 1e-12);
    assert!(
        q[0].reason.contains("Ol IoU 0.00 over 40 px"),
        "{}",
        q[0].reason
    );
}

#[test]
fn uncertain_picks_spread_over_samples_and_bins() {
    let rows: Vec<IndexedImage> = (1..=6)
        .map(|i| row(i, if i <= 4 { "10003" } else { "70017" }, 0))
        .collect();
    let summary = |px: u64| {
        vec![ClassSummary {
            pixels: px,
            mean_margin: Some(0.5),
            mc_disagreement: None,
            ..ClassSummary::default()
        }]
    };
    let sums: Vec<Vec<ClassSummary>> = (0..6).map(|_| summary(256)).collect();
    let margins = [0.10, 0.11, 0.12, 0.13, 0.20, 0.25];
    let unl: Vec<UnlabelledInput<'_>> = rows
        .iter()
        .zip(&sums)
        .zip(margins)
        .map(|((row, s), m)| UnlabelledInput {
            row,
            mean_margin: m,
            region: None,
            mask_problem: None,
            per_class: s,
        })
        .collect();
    let names = names();
    let input = QueueInput {
        labelled: &[],
        unlabelled: &unl,
        at_risk: &[],
        class_names: &names,
        class_share: &[],
        grey_class: &[],
        risk_iou: 0.5,
    };
    let q = rank(&input, Strategy::Uncertain, 3);
    let samples: Vec<&str> = q.iter().map(|i| i.sample.as_str()).collect();
    assert_eq!(
        samples,
        vec!["10003", "70017", "10003"],
        "the second pick comes from the other sample"
    );
    assert_eq!(q[0].image_id, ImageId(1), "the least confident first");
}

/// A 64×64 image: truth `claim` on the first `rows` rows (predicted `pred` there, grey
/// `region_grey`), the rest truth and prediction `rest` at grey `rest_grey`.
fn relabel_case(claim: u8, pred: u8, rows: usize, rest: u8, greys: (u8, u8)) -> ImageAudit {
    relabel_case_at(claim, pred, rows, rest, greys, 220)
}

pub(super) fn relabel_case_at(
    claim: u8,
    pred: u8,
    rows: usize,
    rest: u8,
    greys: (u8, u8),
    margin: u8,
) -> ImageAudit {
    let w = 64;
    let split = rows * w;
    let truth: Vec<u8> = (0..w * w)
        .map(|i| if i < split { claim } else { rest })
        .collect();
    let p: Vec<u8> = (0..w * w)
        .map(|i| if i < split { pred } else { rest })
        .collect();
    let grey: Vec<u8> = (0..w * w)
        .map(|i| if i < split { greys.0 } else { greys.1 })
        .collect();
    ImageAudit::compute_with_grey(&truth, &p, &vec![margin; w * w], Some(&grey), w, 10)
}

/// An unlabelled image predicting an at-risk class in ≥ 100 px gets a 1.5× boost and says
/// so; 99 px is not enough.
#[test]
fn uncertain_boosts_images_predicting_an_at_risk_class() {
    let rows: Vec<IndexedImage> = (1..=2).map(|i| row(i, "10003", 0)).collect();
    let with = |ol: u64| {
        let mut v = vec![ClassSummary::default(); 10];
        v[4].pixels = 256 - ol;
        v[7].pixels = ol;
        v
    };
    let sums = [with(100), with(99)];
    let unl = unlabelled(&rows, &sums, 0.6);
    let names = names();
    let input = QueueInput {
        labelled: &[],
        unlabelled: &unl,
        at_risk: &[7],
        class_names: &names,
        class_share: &[],
        grey_class: &[],
        risk_iou: 0.5,
    };
    let q = rank(&input, Strategy::Uncertain, 2);
    assert_eq!(q[0].image_id, ImageId(1));
    assert!((q[0].score - 0.4 * 1.5).abs() < 1e-12, "{}", q[0].score);
    assert!((q[1].score - 0.4).abs() < 1e-12, "{}", q[1].score);
    assert_eq!(
        q[0].reason,
        "unlabelled; mean margin 0.60; predicts at-risk Ol"
    );
    assert_eq!(q[1].reason, "unlabelled; mean margin 0.60");
}

/// An image whose mask file is there but unusable is not called unlabelled, by any strategy
/// over images without a mask.
#[test]
fn an_invalid_mask_is_called_so_not_unlabelled() {
    let rows: Vec<IndexedImage> = (1..=2).map(|i| row(i, "10003", 0)).collect();
    let sums: Vec<Vec<ClassSummary>> = (0..2).map(|_| vec![ClassSummary::default(); 10]).collect();
    let mut unl = unlabelled(&rows, &sums, 0.6);
    unl[1].mask_problem = Some("mask is 8x12, its image is 16x12");
    unl[1].mean_margin = 0.5;
    let names = names();
    let input = QueueInput {
        labelled: &[],
        unlabelled: &unl,
        at_risk: &[],
        class_names: &names,
        class_share: &[],
        grey_class: &[],
        risk_iou: 0.5,
    };
    let q = rank(&input, Strategy::Uncertain, 2);
    assert_eq!(
        q[0].reason,
        "mask invalid: mask is 8x12, its image is 16x12; mean margin 0.50"
    );
    assert_eq!(
        q[0].mask_problem.as_deref(),
        Some("mask is 8x12, its image is 16x12")
    );
    assert_eq!(
        (q[1].reason.as_str(), q[1].mask_problem.as_deref()),
        ("unlabelled; mean margin 0.60", None)
    );
    let m = rank(&input, Strategy::Margin, 2);
    assert_eq!(
        m[0].reason,
        "mask invalid: mask is 8x12, its image is 16x12; mean margin 0.500"
    );
    assert_eq!(m[1].reason, "mean margin 0.600");
}

mod dispute;
mod grey;

#[test]
fn class_share_is_measured_or_taken_from_the_rare_flags() {
    let schema = crate::dataset::schema::ClassSchema::default();
    let counts = [vec![30u64, 0, 10], vec![60, 0, 0, 0, 100]];
    let share = super::class_share(counts.iter().map(Vec::as_slice), &schema);
    assert_eq!(share.len(), schema.len());
    assert!((share[0] - 0.45).abs() < 1e-12 && (share[2] - 0.05).abs() < 1e-12);
    assert!((share[4] - 0.5).abs() < 1e-12 && share[1] == 0.0);
    // Nothing labelled: 0.5 % for rare classes, 20 % for the others.
    let prior = super::class_share(std::iter::empty(), &schema);
    for (c, p) in schema.classes.iter().zip(&prior) {
        assert!(
            (p - if c.rare { 0.005 } else { 0.2 }).abs() < 1e-12,
            "{}",
            c.short
        );
    }
    assert!(schema.classes.iter().any(|c| c.rare) && schema.classes.iter().any(|c| !c.rare));
}

#[test]
fn strategy_names_round_trip_and_are_unique() {
    let names: std::collections::BTreeSet<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
    assert_eq!(names.len(), Strategy::ALL.len());
    for s in Strategy::ALL {
        assert_eq!(Strategy::parse(s.name()), Some(s));
    }
    assert_eq!(Strategy::parse("fastest"), None);
}
