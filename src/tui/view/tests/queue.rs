//! The review queue screen: the selected item's reason is readable whole, however long.

use super::{render, sized, start};
use crate::tui::app::tests::{overview, press};
use crate::tui::msg::Report;

/// 60 numbered words and a last one: far more than the "why" column or two lines hold.
fn long_reason() -> String {
    let mut words: Vec<String> = (1..=60).map(|i| format!("word{i}")).collect();
    words.push("last.".into());
    words.join(" ")
}

/// Whether `words` appear in this order among the whitespace-separated tokens of `text`
/// (box borders count as spaces).
fn in_order(text: &str, words: &[&str]) -> bool {
    let cleaned = text.replace(['│', '┌', '┐', '└', '┘', '─'], " ");
    let mut tokens = cleaned.split_whitespace();
    words.iter().all(|w| tokens.any(|t| t == *w))
}

#[test]
fn the_detail_pane_shows_the_whole_reason_wide_and_at_80x24() {
    for (w, h) in [(160, 48), (80, 24)] {
        let mut a = sized(w, h);
        start(&mut a);
        a.handle(Report::Overview(overview(&a)));
        assert!(a.queue.items.len() >= 2);
        let reason = long_reason();
        a.queue.items[0].reason.clone_from(&reason);
        press(&mut a, "4");
        let (text, _) = render(&a, w, h);
        let words: Vec<&str> = reason.split(' ').collect();
        // The box is under the table: its lines, from the one titled with the item on.
        let stem = &a.queue.items[0].stem;
        let title = format!("#1 {stem}");
        let from = text
            .lines()
            .position(|l| l.contains(&title))
            .unwrap_or_else(|| panic!("{w}x{h}: no detail box\n{text}"));
        let detail: Vec<&str> = text.lines().skip(from).collect();
        assert!(
            in_order(&detail.join("\n"), &words),
            "{w}x{h}: the reason is cut\n{text}"
        );
        // The table keeps its rows: both items are listed.
        assert!(text.contains(&a.queue.items[1].stem), "{w}x{h}\n{text}");
        // A short reason gives the rows back.
        let long_rows = a.queue_rows();
        a.queue.items[0].reason = "short".into();
        assert!(a.queue_rows() > long_rows, "{w}x{h}");
    }
}
