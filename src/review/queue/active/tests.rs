use super::super::tests::{names, row, unlabelled};
use super::*;
use crate::dataset::image::ImageId;
use crate::dataset::prediction::ClassSummary;

#[test]
fn touching_is_per_raw_image() {
    let a = TileRegion {
        source: "a.tif".into(),
        x: 0,
        y: 0,
        w: 256,
        h: 256,
    };
    let b = TileRegion {
        x: 224,
        ..a.clone()
    };
    let far = TileRegion {
        x: 600,
        ..a.clone()
    };
    let other = TileRegion {
        source: "b.tif".into(),
        ..b.clone()
    };
    assert!(a.touches(&b));
    assert!(!a.touches(&far));
    assert!(!a.touches(&other));
}

/// A 256-px hist with `bright` pixels in the top bin and the rest in bin 16.
fn hist(bright: u32) -> Vec<u32> {
    let mut h = vec![0u32; GREY_BINS];
    h[GREY_BINS - 1] = bright;
    h[16] = 256 - bright;
    h
}

#[test]
fn class_given_grey_is_the_share_of_each_class_at_each_grey() {
    // Image 1: 10 Fe pixels in the top bin, 100 Py in bin 16; image 2: 50 Ol in bin 16.
    let mut one = vec![Vec::new(); 10];
    one[1] = vec![0; GREY_BINS];
    one[1][GREY_BINS - 1] = 10;
    one[4] = vec![0; GREY_BINS];
    one[4][16] = 100;
    let mut two = vec![Vec::new(); 10];
    two[7] = vec![0; GREY_BINS];
    two[7][16] = 50;
    let p = class_given_grey([one.as_slice(), two.as_slice()].into_iter(), 10);
    assert!((p[1][GREY_BINS - 1] - 1.0).abs() < 1e-12);
    assert!((p[4][16] - 100.0 / 150.0).abs() < 1e-12);
    assert!((p[7][16] - 50.0 / 150.0).abs() < 1e-12);
    assert!(p.iter().all(|c| c[0] == 0.0), "no labelled pixel at grey 0");
    let none: [&[Vec<u32>]; 0] = [];
    assert!(class_given_grey(none.into_iter(), 10).is_empty());
}

#[test]
fn rare_boost_finds_a_rare_grey_range_the_model_does_not_predict() {
    // Both tiles are predicted all pyroxene with no metal probability; tile 2 holds 20
    // metal-bright pixels. In the labelled images the top grey bin is all Fe (1).
    let rows = [row(1, "new", 1), row(2, "new", 1)];
    let summary = |bright| {
        let mut s = vec![ClassSummary::default(); 10];
        s[4] = ClassSummary {
            pixels: 256,
            mean_margin: Some(0.5),
            expected_pixels: Some(256.0),
            grey_hist: Some(hist(bright)),
            ..ClassSummary::default()
        };
        s[1].expected_pixels = Some(0.0);
        s
    };
    let sums = [summary(0), summary(20)];
    let unl = unlabelled(&rows, &sums, 0.5);
    let mut grey_class = vec![vec![0.0; GREY_BINS]; 10];
    grey_class[1][GREY_BINS - 1] = 1.0;
    grey_class[4][16] = 1.0;
    let names = names();
    let mut share = vec![0.2; 10];
    share[1] = 0.001;
    let input = QueueInput {
        labelled: &[],
        unlabelled: &unl,
        at_risk: &[],
        class_names: &names,
        class_share: &share,
        grey_class: &grey_class,
        risk_iou: 0.5,
    };
    let q = super::super::rank(&input, Strategy::RareBoost, 2);
    assert_eq!(q[0].image_id, ImageId(2), "{q:?}");
    // Expected Fe area: model 0, grey 20 → 10 px of 256, weight 1 / 0.01 = 100.
    assert!(
        (q[0].score - 10.0 / 256.0 * 100.0).abs() < 1e-9,
        "{}",
        q[0].score
    );
    assert_eq!(q[0].reason, "rare classes: Fe 0 px (grey 20)");
    assert!(q[1].score.abs() < 1e-12, "{}", q[1].score);
    // Without the labelled grey ranges the two tiles tie at 0.
    let input = QueueInput {
        grey_class: &[],
        ..input
    };
    let q = super::super::rank(&input, Strategy::RareBoost, 2);
    assert!(q.iter().all(|i| i.score.abs() < 1e-12), "{q:?}");
}

#[test]
fn diverse_says_when_a_pick_was_ranked_down_for_its_stratum() {
    // Three tiles: two of sample "a" bin 1 (entropy 0.9, 0.8), one of "b" (0.7). The second
    // "a" tile scores 0.8 × 0.7 = 0.56 after the first, below "b", and says why.
    let rows = [row(1, "a", 1), row(2, "a", 1), row(3, "b", 1)];
    let summary = |e: f32| {
        vec![ClassSummary {
            pixels: 256,
            mean_margin: Some(0.5),
            mean_entropy: Some(e),
            ..ClassSummary::default()
        }]
    };
    let sums = [summary(0.9), summary(0.8), summary(0.7)];
    let unl = unlabelled(&rows, &sums, 0.5);
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
    let q = super::super::rank(&input, Strategy::Diverse, 3);
    let ids: Vec<ImageId> = q.iter().map(|i| i.image_id).collect();
    assert_eq!(ids, [1, 3, 2].map(ImageId));
    assert_eq!(q[0].reason, "uncertainty 0.900");
    assert_eq!(
        q[2].reason,
        "ranked at ×0.70 (1 picked before from its sample and bin); uncertainty 0.800"
    );
    assert!(
        (q[2].score - 0.8).abs() < 1e-6,
        "the score itself is not scaled"
    );
}
