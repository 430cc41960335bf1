//! Long text is wrapped, never cut at a border: the help's descriptions and notes, and the
//! audit screen's pane titles, at 160 and at 80 columns.

use ratatui::layout::Rect;

use super::{render, sized, start, with_image};
use crate::tui::app::tests::retrain::new_model;
use crate::tui::app::tests::{overview, press};
use crate::tui::keymap::Layer;
use crate::tui::msg::Report;

/// The text inside `r` of a rendered screen, row by row, box-drawing characters as spaces.
fn crop(text: &str, r: Rect) -> String {
    text.lines()
        .skip(usize::from(r.y))
        .take(usize::from(r.height))
        .map(|l| {
            l.chars()
                .skip(usize::from(r.x))
                .take(usize::from(r.width))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
        .replace(['│', '┌', '┐', '└', '┘', '─'], " ")
}

/// Where the help popup is on a rendered screen: from its top-left corner (the one its title
/// follows) to its top-right corner, down to the last row.
fn popup(text: &str) -> Rect {
    let (y, row) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("┌ help (esc closes"))
        .unwrap_or_else(|| panic!("no help popup\n{text}"));
    let chars: Vec<char> = row.chars().collect();
    let title = row[..row.find("┌ help").unwrap_or(0)].chars().count();
    let right = (title..chars.len())
        .find(|&i| chars[i] == '┐')
        .unwrap_or(chars.len() - 1);
    let rows = text.lines().count();
    let to_u16 = |v: usize| u16::try_from(v).unwrap_or(u16::MAX);
    Rect::new(
        to_u16(title),
        to_u16(y),
        to_u16(right + 1 - title),
        to_u16(rows - y),
    )
}

/// Whether the words of `phrase` follow each other somewhere among the words of `text`.
fn has_phrase(text: &str, phrase: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    let want: Vec<&str> = phrase.split_whitespace().collect();
    want.is_empty() || words.windows(want.len()).any(|w| w == want.as_slice())
}

/// Rows of the terminal for the help tests: tall enough that the help needs no scrolling, so
/// that only the width is under test.
const TALL: u16 = 250;

#[test]
fn help_lines_wrap_at_160_and_80_columns() {
    for w in [160, 80] {
        for keys in ["", "4", "3", "5", "enter", "enter i"] {
            let mut a = sized(w, TALL);
            with_image(&mut a);
            if !keys.is_empty() {
                press(&mut a, keys);
            }
            // The layers the help lists, the active screen's first.
            let layers = if a.editing() {
                vec![Layer::Edit, Layer::Image, Layer::Global]
            } else {
                vec![a.screen.layer(), Layer::Global]
            };
            press(&mut a, "?");
            let (text, _) = render(&a, w, TALL);
            let all = crop(&text, popup(&text));
            let mut phrases = vec![
                "Keys come from the keymap: override them in ~/.config/semcurate/keymap.toml."
                    .to_string(),
            ];
            if a.editing() {
                phrases.push("Keys marked * do what the layer above says while it is on (the editor's keys win over the image's).".into());
            }
            for (i, &layer) in layers.iter().enumerate() {
                let docs = a.keymap.help_shadowed(layer, &layers[..i]);
                phrases.extend(docs.into_iter().map(|(_, doc)| doc.to_string()));
            }
            for p in phrases {
                assert!(
                    has_phrase(&all, &p),
                    "after '{keys}' at {w} columns, cut: {p}\n{text}"
                );
            }
        }
    }
}

#[test]
fn audit_titles_wrap_at_160_and_80_columns() {
    for (w, h) in [(160, 48), (80, 24)] {
        let mut a = sized(w, h);
        start(&mut a);
        a.handle(Report::Overview(overview(&a)));
        let done = new_model(&a);
        let title = super::super::audit::retrained_title(&done.report);
        a.handle(Report::Retrained(Box::new(done)));
        // A bin's title is the longest: it names the bin's range.
        press(&mut a, "3 b");
        let (text, _) = render(&a, w, h);
        let panes = a.panes();
        let titles = [
            (super::super::audit::matrix_title(&a), panes.main),
            (super::super::audit::IOU_TITLE.to_string(), panes.lower),
            (super::super::audit::cell_title(&a), panes.side),
            (title, panes.side),
        ];
        for (title, pane) in titles {
            assert!(!title.is_empty());
            assert!(
                has_phrase(&crop(&text, pane), &title),
                "{w}x{h}: title cut: {title}\n{text}"
            );
        }
    }
}
