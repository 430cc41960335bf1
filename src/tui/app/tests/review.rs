//! State tests of the review screens: audit cells, the queue, bin edits and the automatic
//! prediction of small datasets.

use super::*;

#[test]
fn an_audit_cell_leads_to_its_images() {
    let mut a = app();
    a.startup();
    let ov = overview(&a);
    a.handle(Report::Overview(ov));
    assert_eq!(a.marks.miou.get(&ImageId(3)).copied(), Some(1.0));
    press(&mut a, "3");
    assert_eq!(a.screen, Screen::Audit);
    // Go to (true Pyx = 6, predicted Plag = 4).
    press(&mut a, "j j j j j j l l l l");
    assert_eq!(a.audit.cell, (6, 4));
    assert_eq!(a.audit.images, vec![(ImageId(1), 32)]);
    press(&mut a, "enter");
    assert_eq!(a.audit.focus, AuditFocus::Images);
    let cmds = press(&mut a, "enter");
    assert_eq!(a.screen, Screen::Image);
    // Image 1 is already the current selection of the list, so it may already be loading.
    assert!(load_of(&cmds).is_none_or(|(id, _)| id == ImageId(1)));
    // Switching to bin 0 of the model's single edge keeps the matrix defined.
    press(&mut a, "3 b");
    assert_eq!(a.audit.bin, Some(0));
    assert!(a.audit_metrics().is_some());
}

#[test]
fn the_queue_ranks_like_the_cli_and_decisions_advance() {
    let mut a = app();
    a.startup();
    a.handle(Report::Overview(overview(&a)));
    press(&mut a, "4");
    assert_eq!(a.screen, Screen::Queue);
    let ov = a.overview.as_ref().unwrap();
    let expected = ov.queue(&a.ctx.schema, crate::review::queue::Strategy::Mixed, 100);
    assert_eq!(a.queue.items, expected);
    assert!(!a.queue.items.is_empty());
    let first = a.queue.items[0].image_id;
    assert!(a.marks.flags.contains_key(&first));
    let cmds = press(&mut a, "r");
    assert!(
        matches!(&cmds[0], Command::Decide(e) if e.image_id == first && e.decision == Decision::Reviewed)
    );
    assert_eq!(a.queue.cursor, 1.min(a.queue.items.len() - 1));
    // Strategy cycling re-ranks.
    press(&mut a, "S");
    assert_eq!(
        a.queue.strategy(),
        crate::review::queue::Strategy::RareLowIou
    );
}

#[test]
fn bin_edits_preview_counts_and_apply_as_a_command() {
    let mut a = app();
    a.startup();
    // Pixel sizes 0.1, 0.2, 0.3 µm/px under edges 0.25, 1.8: two images in bin 0, one in bin 1.
    assert_eq!(a.bins.counts, vec![2, 1, 0]);
    press(&mut a, "5");
    assert_eq!(a.layers(), vec![Layer::Bins, Layer::Global]);
    // Move the first edge up 5 % three times: 0.25 → ~0.289, so 0.3 stays in bin 1.
    press(&mut a, "k k k");
    assert!(a.bins.dirty());
    assert_eq!(a.bins.counts, vec![2, 1, 0]);
    // Two more: ~0.319 takes the 0.3 µm/px image into bin 0.
    press(&mut a, "k k");
    assert_eq!(a.bins.counts, vec![3, 0, 0]);
    let cmds = press(&mut a, "enter");
    let Some(Command::ApplyBins(edges, _)) = cmds.first() else {
        panic!("{cmds:?}")
    };
    assert!(edges[0] > 0.3 && edges[0] < 0.33, "{edges:?}");
    assert!((edges[1] - 1.8).abs() < 1e-12, "{edges:?}");
    assert!(!a.bins.dirty());
    assert_eq!(a.ctx.bins.edges(), &edges[..]);
    // `x` after applying has nothing to reset; deleting an edge merges two bins.
    press(&mut a, "d");
    assert_eq!(a.bins.counts, vec![3, 0]);
    press(&mut a, "x");
    assert_eq!(a.bins.counts, vec![3, 0, 0]);
}

#[test]
fn only_small_datasets_are_predicted_automatically() {
    let mut a = app();
    a.auto_predict = true;
    a.startup();
    let mut ov = overview(&a);
    ov.summaries.clear();
    let cmds = a.handle(Report::Overview(ov));
    assert!(
        cmds.iter().any(|c| matches!(c, Command::PredictAll(_))),
        "{cmds:?}"
    );

    let mut big = app();
    big.auto_predict = true;
    let rows: Vec<IndexedImage> = (1..=600)
        .map(|i| row(i, "s", &format!("t{i:04}"), true))
        .collect();
    big.handle(Report::Rows(rows));
    let mut ov = overview(&big);
    ov.summaries.clear();
    let cmds = big.handle(Report::Overview(ov));
    assert!(
        !cmds.iter().any(|c| matches!(c, Command::PredictAll(_))),
        "{cmds:?}"
    );
    assert!(
        big.message
            .as_ref()
            .is_some_and(|(m, _)| m.contains("press P to predict the 600 images")),
        "{:?}",
        big.message
    );
}

#[test]
fn accepted_and_rejected_images_leave_the_queue() {
    let mut a = app();
    a.startup();
    a.handle(Report::Overview(overview(&a)));
    press(&mut a, "4");
    let before: Vec<ImageId> = a.queue.items.iter().map(|it| it.image_id).collect();
    assert!(before.len() >= 2, "{before:?}");
    // Never opened: `Y` asks first, `y` answers.
    let cmds = press(&mut a, "Y y");
    assert!(cmds.iter().any(
        |c| matches!(c, Command::Decide(e) if e.image_id == before[0] && e.decision == Decision::Accepted)
    ));
    let after: Vec<ImageId> = a.queue.items.iter().map(|it| it.image_id).collect();
    assert_eq!(after, before[1..].to_vec());
    assert_eq!(a.queue.selected().map(|it| it.image_id), Some(before[1]));
    press(&mut a, "D");
    assert!(a.queue.items.iter().all(|it| it.image_id != before[1]));
    // Stored as final, a later overview leaves them out too.
    let mut ov = overview(&a);
    ov.finished.extend([before[0], before[1]]);
    let fresh = ov.queue(&a.ctx.schema, crate::review::queue::Strategy::Mixed, 100);
    assert!(
        fresh
            .iter()
            .all(|it| it.image_id != before[0] && it.image_id != before[1])
    );
}

#[test]
fn opening_from_the_queue_keeps_the_context_and_esc_goes_back() {
    let mut a = app();
    a.startup();
    a.handle(Report::Overview(overview(&a)));
    press(&mut a, "4");
    let item = a.queue.selected().cloned().unwrap();
    press(&mut a, "enter");
    assert_eq!(a.screen, Screen::Image);
    let want = if item.labelled {
        crate::tui::render::Overlay::Error
    } else {
        crate::tui::render::Overlay::Uncertainty
    };
    assert_eq!(a.image.overlay, want);
    assert!(
        a.message
            .as_ref()
            .is_some_and(|(m, _)| m.contains(&item.reason)),
        "{:?}",
        a.message
    );
    press(&mut a, "esc");
    assert_eq!(a.screen, Screen::Queue, "back where it came from");
    press(&mut a, "3");
    assert_eq!(a.screen, Screen::Audit);
}
