//! Grey-level evidence in `label-suspect` and the habit discount of `rare-low-iou`.

use super::*;

/// A 64×64 image the model agrees with everywhere: left half plagioclase (grey 80), right
/// half pyroxene (grey 110), ±6 noise; with `plant`, a 12×12 square of plagioclase grey inside
/// the pyroxene half keeps the label (and prediction) Py (the scene of `grey_odd`'s tests).
fn agreeing_scene(plant: bool) -> ImageAudit {
    let w = 64;
    let (grey, truth) = crate::metrics::grey_odd::tests::scene(plant.then_some((40, 20, 12)), 110);
    ImageAudit::compute_with_grey(&truth, &truth, &vec![200; w * w], Some(&grey), w, 10)
}

/// The model agrees with the relabelled grain (it calls plagioclase pyroxene itself), so only
/// the grey level finds it: listed with its region and evidence, the clean image not at all.
#[test]
fn a_grain_the_model_agrees_with_is_found_by_grey_alone() {
    let rows: Vec<IndexedImage> = (1..=2).map(|i| row(i, "10003", 0)).collect();
    let audits = [agreeing_scene(false), agreeing_scene(true)];
    let q = label_suspects(&rows, &audits, 5);
    assert_eq!(q.len(), 1, "{q:?}");
    let it = &q[0];
    assert_eq!(it.image_id, ImageId(2));
    let px = it.numbers["odd_pixels"];
    assert!((130.0..=150.0).contains(&px), "{px}");
    // 80 against Py's 110 and Pl's 80, spreads of a few levels: far beyond the cap e^10.
    assert!((it.numbers["odd_log_ratio"] - 10.0).abs() < 1e-9);
    let gain = super::super::suspect::error_gain(10.0);
    assert!((it.score - px * gain).abs() < 1e-9, "{}", it.score);
    assert!(
        it.reason.starts_with(&format!(
            "a {px}-px region labelled Py has the grey level of Pl (box [40, 20, 51, 31])"
        )),
        "{}",
        it.reason
    );
    assert!(
        it.reason
            .ends_with("likelihood ratio 22026.5 for an error whatever the model says"),
        "{}",
        it.reason
    );
    assert!(!it.numbers.contains_key("disputed_pixels"));
}

/// Olivine at nearly pyroxene's grey, disputed as Py by a model that gets olivine right
/// elsewhere: the references overlap, so grey neither boosts nor clears the dispute.
#[test]
fn grey_does_not_weigh_in_between_classes_of_the_same_grey() {
    let rows: Vec<IndexedImage> = (1..=2).map(|i| row(i, "12002", 1)).collect();
    let audits = [
        relabel_case_at(7, 4, 40, 4, (146, 145), 220),
        // The site's labelled olivine, at 146 too; predicted Ol here (agreeing pixels).
        relabel_case_at(7, 7, 8, 4, (146, 145), 220),
    ];
    let q = label_suspects(&rows, &audits, 5);
    let it = q.iter().find(|i| i.image_id == ImageId(1)).unwrap();
    assert!(it.numbers["grey_log_ratio"].abs() < 1e-12);
    assert!(
        it.reason
            .contains("(grey cannot tell Ol from Py here: not counted)"),
        "{}",
        it.reason
    );
    // The model's word alone: elsewhere it calls 0 of 512 Ol pixels Py (prior 5 of 100) and
    // 3584 of 3584 Py pixels Py (prior 50 of 100).
    let ratio = (3634.0 / 3684.0) / (5.0 / 612.0);
    assert!((it.numbers["model_ratio"] - ratio).abs() < 1e-9);
    let gain = super::super::suspect::error_gain(ratio.ln());
    assert!((it.score - 2560.0 * gain).abs() < 1e-6, "{}", it.score);
}

/// rare-low-iou: olivine missed in every image gives no image a score; an image where the
/// model misses olivine while it finds it elsewhere leads, discounted by the misses elsewhere.
#[test]
fn rare_low_iou_discounts_a_class_the_model_misses_everywhere() {
    let rows: Vec<IndexedImage> = (1..=4).map(|i| row(i, "12002", 2)).collect();
    let ol_as = |pred: u8| {
        // 64×64: the first 40 rows olivine (2560 px), predicted `pred`; the rest pyroxene.
        let truth: Vec<u8> = (0..4096).map(|i| if i < 2560 { 7 } else { 4 }).collect();
        let p: Vec<u8> = truth
            .iter()
            .map(|&t| if t == 7 { pred } else { t })
            .collect();
        ImageAudit::compute(&truth, &p, &[200; 4096], 64, 10)
    };
    let names = names();
    let rank_with = |audits: &[ImageAudit]| {
        let labelled: Vec<LabelledInput<'_>> = rows
            .iter()
            .zip(audits)
            .map(|(row, audit)| LabelledInput { row, audit })
            .collect();
        let input = QueueInput {
            labelled: &labelled,
            unlabelled: &[],
            at_risk: &[7],
            class_names: &names,
            class_share: &[],
            grey_class: &[],
            risk_iou: 0.5,
        };
        rank(&input, Strategy::RareLowIou, 10)
    };
    let everywhere = [ol_as(4), ol_as(4), ol_as(4), ol_as(4)];
    assert!(rank_with(&everywhere).is_empty());
    let once = [ol_as(4), ol_as(7), ol_as(7), ol_as(4)];
    let q = rank_with(&once);
    // Images 1 and 4 each miss Ol; elsewhere the model misses 1 of 3 images' olivine.
    assert_eq!(
        q.iter().map(|i| i.image_id).collect::<Vec<_>>(),
        [1, 4].map(ImageId)
    );
    let miss = 2560.0 / 7680.0;
    assert!((q[0].numbers["missed_elsewhere_Ol"] - miss).abs() < 1e-12);
    let want = (10.0f64 + 2560.0).log10() * (1.0 - miss);
    assert!((q[0].score - want).abs() < 1e-9, "{} vs {want}", q[0].score);
    assert!(
        q[0].reason
            .ends_with("elsewhere the model misses 33% of Ol (×0.67)"),
        "{}",
        q[0].reason
    );
}
