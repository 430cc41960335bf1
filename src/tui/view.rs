//! Views: functions and widgets that borrow the state for one frame and draw it. Nothing here
//! changes the state; pixel-graphics panes keep only their own encoding cache.

mod audit;
mod bins;
mod browse;
mod image;
mod queue;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::app::{App, Screen, Severity};
use super::keymap::Layer;
use super::layout::{self, Panes};
use super::render::PixelPane;

/// Draws the whole frame.
pub fn draw(f: &mut Frame<'_>, app: &App, pixels: &mut [PixelPane]) {
    let area = f.area();
    if layout::too_small(area) {
        too_small(app, area, f.buffer_mut());
        return;
    }
    let panes = app.panes();
    header(app, panes.header, f.buffer_mut());
    match app.screen {
        Screen::Browse => browse::draw(app, &panes, f.buffer_mut(), pixels),
        Screen::Image => image::draw(app, &panes, f.buffer_mut(), pixels),
        Screen::Audit => audit::draw(app, &panes, f.buffer_mut()),
        Screen::Queue => queue::draw(app, &panes, f.buffer_mut(), pixels),
        Screen::Bins => bins::draw(app, &panes, f.buffer_mut()),
    }
    status(app, &panes, f.buffer_mut());
    if let Some(scroll) = app.help {
        help(app, area, scroll, f.buffer_mut());
    }
}

fn too_small(app: &App, area: Rect, buf: &mut Buffer) {
    let (w, h) = layout::MIN_SIZE;
    let text = format!(
        "terminal too small: {}×{}, semcurate needs at least {w}×{h}. Enlarge it or press q to quit.",
        area.width, area.height
    );
    Paragraph::new(text)
        .style(app.theme.warn())
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

fn header(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let mut spans = vec![Span::styled(" semcurate ", t.title(true))];
    for (i, s) in Screen::ALL.iter().enumerate() {
        let style = if *s == app.screen {
            t.selected(true)
        } else {
            t.dim()
        };
        spans.push(Span::styled(format!(" {} {} ", i + 1, s.title()), style));
    }
    let model = match &app.ctx.model {
        Some(m) => format!("model {}", short(&m.hash)),
        None => "no model".into(),
    };
    let labelled = app.rows.iter().filter(|r| app.marks.has_label(r)).count();
    spans.push(Span::styled(
        format!(
            "  {} · {} images ({labelled} labelled) · {model}",
            app.ctx.name,
            app.rows.len()
        ),
        t.dim(),
    ));
    Line::from(spans).style(t.header()).render(area, buf);
}

/// The first 8 characters of a hash.
pub fn short(hash: &str) -> &str {
    hash.get(..8).unwrap_or(hash)
}

fn status(app: &App, panes: &Panes, buf: &mut Buffer) {
    let t = &app.theme;
    let area = panes.status;
    buf.set_style(area, t.status_bar());
    let right = job_text(app);
    let right_w = right.chars().count() as u16;
    let left_area = Rect {
        width: area.width.saturating_sub(right_w + 1),
        ..area
    };
    let left: Line<'_> = match &app.message {
        Some((text, sev)) => Line::styled(
            format!(" {text}"),
            match sev {
                Severity::Info => t.status_bar(),
                Severity::Ok => t.ok(),
                Severity::Warn => t.warn(),
                Severity::Error => t.error(),
            },
        ),
        None => hints(app),
    };
    left.render(left_area, buf);
    Line::from(right)
        .alignment(Alignment::Right)
        .style(t.status_bar())
        .render(area, buf);
}

fn job_text(app: &App) -> String {
    let rejected = |id: i64| {
        app.marks
            .reviews
            .get(&id)
            .is_some_and(|d| d.decision == crate::dataset::workspace::Decision::Rejected)
    };
    let labels = &app.marks.labels;
    // Accepted images never exported count too (an accepted proposal is a new label).
    let accepted = app
        .marks
        .reviews
        .iter()
        .filter(|(id, d)| {
            d.decision == crate::dataset::workspace::Decision::Accepted
                && !labels.exported.contains_key(id)
                && !labels.edits.contains_key(id)
        })
        .count();
    let unexported = match labels.unexported_count(rejected) + accepted {
        0 => String::new(),
        1 => "1 correction not exported ".into(),
        n => format!("{n} corrections not exported "),
    };
    match (unexported.is_empty(), task_text(app)) {
        (_, t) if t.is_empty() => unexported,
        (true, t) => t,
        (false, t) => format!("{unexported}· {t}"),
    }
}

fn task_text(app: &App) -> String {
    if app.indexing {
        return "indexing… ".into();
    }
    let Some(j) = app.tasks.newest() else {
        return String::new();
    };
    let more = match app.tasks.running().len() {
        0 | 1 => String::new(),
        n => format!("+{} more ", n - 1),
    };
    let secs = j.started.elapsed().as_secs_f64();
    match j.fraction() {
        Some(f) => {
            let filled = (f * 10.0).round() as usize;
            format!(
                "{} {}/{} {}{} {secs:.0}s (X cancels) {more}",
                j.name,
                j.done,
                j.total,
                "█".repeat(filled),
                "░".repeat(10 - filled.min(10))
            )
        }
        None => format!("{} … {secs:.0}s {more}", j.name),
    }
}

/// Key hints of the active layer, from the keymap.
fn hints(app: &App) -> Line<'static> {
    use super::action::Action as A;
    let layer = app.layers()[0];
    let wanted: &[A] = match layer {
        Layer::Browse => &[
            A::Open,
            A::ToggleSample,
            A::NextFlagged,
            A::MarkReviewed,
            A::Flag,
        ],
        Layer::Image => &[
            A::EditMode,
            A::OverlayNext,
            A::ZoomIn,
            A::NextImage,
            A::MarkReviewed,
        ],
        Layer::Edit => &[
            A::BrushStamp,
            A::PaintMode,
            A::GreyFill,
            A::AcceptRegion,
            A::Undo,
            A::EditLeave,
        ],
        Layer::Audit => &[A::NextBin, A::Open, A::FocusNext],
        Layer::Queue => &[A::Open, A::MarkReviewed, A::Flag, A::Skip, A::NextStrategy],
        Layer::Bins => &[A::EdgeUp, A::EdgeAdd, A::EdgeDelete, A::EdgesApply],
        Layer::Help | Layer::Global => &[],
    };
    let t = &app.theme;
    let mut spans = Vec::new();
    let global = [(A::Help, Layer::Global), (A::Quit, Layer::Global)];
    for (a, l) in wanted.iter().map(|a| (*a, layer)).chain(global) {
        let keys = app.keymap.keys_for(l, a);
        // `enter` reads better than a letter alias for "open".
        let key = keys
            .iter()
            .find(|k| k.to_string() == "enter")
            .or(keys.first());
        if let Some(k) = key {
            spans.push(Span::styled(format!(" {k}"), t.key_hint()));
            spans.push(Span::styled(format!(" {}", hint_word(a)), t.status_bar()));
        }
    }
    Line::from(spans)
}

fn hint_word(a: super::action::Action) -> &'static str {
    use super::action::Action as A;
    match a {
        A::Open => "open",
        A::ToggleSample => "fold",
        A::NextFlagged => "next queued",
        A::MarkReviewed => "reviewed",
        A::Flag => "flag",
        A::Skip => "skip",
        A::OverlayNext => "overlay",
        A::Triptych => "triptych",
        A::ZoomIn => "zoom",
        A::NextImage => "next",
        A::NextBin => "bin",
        A::FocusNext => "focus",
        A::NextStrategy => "strategy",
        A::EdgeUp => "move edge",
        A::EdgeAdd => "add",
        A::EdgeDelete => "delete",
        A::EdgesApply => "apply",
        A::EditMode => "edit",
        A::BrushStamp => "paint",
        A::PaintMode => "paint mode",
        A::GreyFill => "grey fill",
        A::AcceptRegion => "accept",
        A::Undo => "undo",
        A::EditLeave => "leave",
        A::Help => "help",
        A::Quit => "quit",
        _ => "",
    }
}

fn help(app: &App, area: Rect, scroll: u16, buf: &mut Buffer) {
    let t = &app.theme;
    let popup = centred(area, 78, area.height.saturating_sub(4));
    Clear.render(popup, buf);
    let screen_layer = app.screen.layer();
    let mut lines = Vec::new();
    let layers: &[Layer] = if app.edit.active && screen_layer == Layer::Image {
        &[Layer::Edit, Layer::Image, Layer::Global]
    } else {
        &[screen_layer, Layer::Global]
    };
    let mut any_shadowed = false;
    for (i, &layer) in layers.iter().enumerate() {
        lines.push(Line::styled(
            format!("{} keys", layer.name()),
            t.title(true),
        ));
        for (keys, doc) in app.keymap.help_shadowed(layer, &layers[..i]) {
            any_shadowed |= keys.iter().any(|(_, s)| *s);
            lines.push(help_line(app, &keys, doc));
        }
        lines.push(Line::raw(""));
    }
    if screen_layer == Layer::Browse {
        lines.push(Line::styled("The list's flag column", t.title(true)));
        lines.push(Line::raw(
            "A letter: the review queue's strategy that ranks the image.",
        ));
        let codes: Vec<String> = crate::review::queue::Strategy::ALL
            .iter()
            .map(|&s| format!("{} {:<16}", crate::tui::app::flag_code(s), s.name()))
            .collect();
        for three in codes.chunks(3) {
            lines.push(Line::raw(format!("  {}", three.join(" "))));
        }
        lines.push(Line::raw(""));
    }
    if any_shadowed {
        lines.push(Line::styled(
            "Keys marked * do what the layer above says while it is on (the editor's keys win over the image's).",
            t.dim(),
        ));
    }
    lines.push(Line::styled(
        "Keys come from the keymap: override them in ~/.config/semcurate/keymap.toml.",
        t.dim(),
    ));
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

/// One help line: the keys (those a layer above takes, dimmed and marked `*`), then the doc,
/// dimmed too when no key of the action is left to reach it.
fn help_line<'a>(app: &App, keys: &[(String, bool)], doc: &'a str) -> Line<'a> {
    let t = &app.theme;
    let mut spans = vec![Span::raw("  ")];
    let mut width = 2;
    for (i, (k, shadowed)) in keys.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
            width += 1;
        }
        let text = if *shadowed {
            format!("{k}*")
        } else {
            k.clone()
        };
        width += text.chars().count();
        spans.push(Span::styled(
            text,
            if *shadowed { t.dim() } else { t.key_hint() },
        ));
    }
    spans.push(Span::raw(" ".repeat(20usize.saturating_sub(width).max(1))));
    let reachable = keys.iter().any(|(_, s)| !s);
    spans.push(Span::styled(
        doc,
        if reachable { t.text() } else { t.dim() },
    ));
    Line::from(spans)
}

/// A `w`×`h` rectangle centred in `area`.
fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// A bordered block with a title, focused or not.
fn block<'a>(app: &App, title: String, focused: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.border(focused))
        .title(Span::styled(title, app.theme.title(focused)))
}

/// `name` cut to `width` characters from the left (`…` first), keeping the end that tells
/// tiles of one site apart (`12002_s02-t03` → `…002_s02-t03`).
pub(super) fn tail(name: &str, width: usize) -> String {
    let n = name.chars().count();
    if n <= width || width == 0 {
        return name.to_string();
    }
    let keep: String = name.chars().skip(n - (width - 1)).collect();
    format!("…{keep}")
}

/// `0.123` → `0.12`; `None` → `–`.
fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.2}"))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tail_tests {
    #[test]
    fn names_keep_their_distinguishing_end() {
        assert_eq!(super::tail("12002_s02-t03", 10), "…2_s02-t03");
        assert_eq!(super::tail("a-01", 10), "a-01");
    }
}
