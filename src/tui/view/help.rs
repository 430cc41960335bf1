//! The help overlay: the keys of the active layers with their actions' descriptions, and notes.
//! Every line is wrapped to the popup's width here, so no word is ever cut off at the border:
//! a long description continues under the column where it started.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::super::app::App;
use super::super::keymap::Layer;
use super::super::layout::wrap;
use super::centred;

/// Column (in cells, inside the border) where descriptions start when the keys leave room.
const DOC_COL: usize = 20;
/// Widest popup, in cells: wider lines read badly.
const MAX_WIDTH: u16 = 100;
/// Cells per entry of the flag-letter table: a letter, a space, the strategy's name padded to
/// 16, and a space.
const FLAG_CELL: usize = 19;

/// Draws the popup centred over `area` (at most [`MAX_WIDTH`] cells wide), cleared
/// underneath, its lines scrolled down by `scroll` rows.
pub(super) fn help(app: &App, area: Rect, scroll: u16, buf: &mut Buffer) {
    let t = &app.theme;
    let popup = centred(
        area,
        MAX_WIDTH.min(area.width.saturating_sub(2)),
        area.height.saturating_sub(4),
    );
    Clear.render(popup, buf);
    let lines = help_lines(app, usize::from(popup.width.saturating_sub(2)));
    Paragraph::new(lines)
        .scroll((scroll, 0))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.border(true))
                .title(Span::styled(
                    " help (esc closes, j/k scroll) ",
                    t.title(true),
                )),
        )
        .render(popup, buf);
}

/// Every line of the help, each at most `width` cells.
///
/// The layers shown are the current screen's (the editor's first when it is on) and the
/// global ones, each with its bound actions in help order; the list screen adds the flag
/// letters; then the notes.
pub(super) fn help_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let screen_layer = app.screen.layer();
    let mut lines = Vec::new();
    let layers: &[Layer] = if app.edit.active && screen_layer == Layer::Image {
        &[Layer::Edit, Layer::Image, Layer::Global]
    } else {
        &[screen_layer, Layer::Global]
    };
    let mut any_shadowed = false;
    for (i, &layer) in layers.iter().enumerate() {
        lines.extend(text_lines(
            &format!("{} keys", layer.name()),
            t.title(true),
            width,
        ));
        for (keys, doc) in app.keymap.help_shadowed(layer, &layers[..i]) {
            any_shadowed |= keys.iter().any(|(_, s)| *s);
            lines.extend(help_line(app, &keys, doc, width));
        }
        lines.push(Line::raw(""));
    }
    if screen_layer == Layer::Browse {
        lines.extend(flag_lines(app, width));
    }
    if any_shadowed {
        lines.extend(text_lines(
            "Keys marked * do what the layer above says while it is on (the editor's keys win over the image's).",
            t.dim(),
            width,
        ));
    }
    lines.extend(text_lines(
        "Keys come from the keymap: override them in ~/.config/semcurate/keymap.toml.",
        t.dim(),
        width,
    ));
    lines
}

/// The list's flag letters with their strategies, as many to a line as fit (at most three).
fn flag_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut lines = text_lines("The list's flag column", t.title(true), width);
    lines.extend(text_lines(
        "A letter: the review queue's strategy that ranks the image.",
        t.text(),
        width,
    ));
    let codes: Vec<String> = crate::review::queue::Strategy::ALL
        .iter()
        .map(|&s| format!("{} {:<16}", crate::tui::app::flag_code(s), s.name()))
        .collect();
    let per_line = ((width.saturating_sub(2) + 1) / FLAG_CELL).clamp(1, 3);
    for some in codes.chunks(per_line) {
        lines.push(Line::raw(
            format!("  {}", some.join(" ")).trim_end().to_string(),
        ));
    }
    lines.push(Line::raw(""));
    lines
}

/// `text` wrapped to `width`, every line in `style`.
fn text_lines(text: &str, style: Style, width: usize) -> Vec<Line<'static>> {
    wrap::words(text, width)
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect()
}

/// One action: its keys (those a layer above takes dimmed and marked `*`), then its doc from
/// [`DOC_COL`] on (or after the keys when they are wider), dimmed when no key of the action
/// is left to reach it; the doc wraps under the column where it started.
fn help_line(app: &App, keys: &[(String, bool)], doc: &str, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut spans = vec![Span::raw("  ")];
    let mut used = 2;
    for (i, (k, shadowed)) in keys.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
            used += 1;
        }
        let text = if *shadowed {
            format!("{k}*")
        } else {
            k.clone()
        };
        used += text.chars().count();
        spans.push(Span::styled(
            text,
            if *shadowed { t.dim() } else { t.key_hint() },
        ));
    }
    let start = DOC_COL.max(used + 1);
    spans.push(Span::raw(" ".repeat(start - used)));
    let style = if keys.iter().any(|(_, s)| !s) {
        t.text()
    } else {
        t.dim()
    };
    let mut doc_lines = wrap::words(doc, width.saturating_sub(start)).into_iter();
    if let Some(first) = doc_lines.next() {
        spans.push(Span::styled(first, style));
    }
    let mut lines = vec![Line::from(spans)];
    lines.extend(
        doc_lines.map(|l| Line::from(vec![Span::raw(" ".repeat(start)), Span::styled(l, style)])),
    );
    lines
}
