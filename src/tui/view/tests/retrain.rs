//! The audit screen after a retrain: before → after per class, wide and at 80×24.

use super::{render, sized, start};
use crate::tui::app::tests::retrain::new_model;
use crate::tui::msg::Report;

fn retrained(w: u16, h: u16) -> String {
    let mut a = sized(w, h);
    start(&mut a);
    let ov = crate::tui::app::tests::overview(&a);
    a.handle(Report::Overview(ov));
    let done = new_model(&a);
    a.handle(Report::Retrained(Box::new(done)));
    render(&a, w, h).0
}

#[test]
fn the_audit_shows_scores_before_and_after_a_retrain() {
    let text = retrained(160, 48);
    assert!(text.contains("retrained 01234567"), "{text}");
    assert!(text.contains("on 3 held-out images"), "{text}");
    let acc = text.lines().find(|l| l.contains("pixel acc.")).unwrap();
    assert!(
        acc.contains("0.61") && acc.contains("0.78") && acc.contains("+0.170"),
        "{acc}"
    );
    let py = text
        .lines()
        .find(|l| l.contains("Py ") && l.contains("+0.220"))
        .unwrap();
    assert!(py.contains("0.50") && py.contains("0.72"), "{py}");
}

#[test]
fn at_80x24_the_scores_are_whole_not_cut() {
    let text = retrained(80, 24);
    assert!(text.contains("0.61→0.78"), "{text}");
    assert!(text.contains("0.14→0.40"), "{text}");
    assert!(text.contains("0.50→0.72"), "{text}");
}
