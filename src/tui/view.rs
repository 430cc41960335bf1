//! Views: functions and widgets that borrow the state for one frame and draw it. Nothing here
//! changes the state; pixel-graphics panes keep only their own encoding cache.
//!
//! Every frame is drawn whole from the state: there is no retained widget tree, only the
//! pixel panes' encodings and the state's composed pictures, which change when their inputs
//! do. Colours come from the theme's semantic methods, sizes from `layout::panes`, so views,
//! mouse hits and page sizes agree.

mod audit;
mod bins;
mod browse;
mod help;
mod image;
mod legend;
mod queue;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::dataset::image::ImageId;

use super::app::{App, Screen, Severity};
use super::keymap::Layer;
use super::layout::{self, Panes};
use super::render::PixelPane;

/// Draws the whole frame.
///
/// Order: the header row, the screen's panes, the class legend over them, the status bar,
/// then the help popup on top. A terminal under [`layout::MIN_SIZE`] gets one message instead.
/// `pixels` are the panes that draw real image pixels (one per image pane), which keep their
/// encodings between frames.
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
    legend::overlay(app, &panes, f.buffer_mut());
    status(app, &panes, f.buffer_mut());
    if let Some(scroll) = app.help {
        help::help(app, area, scroll, f.buffer_mut());
    }
}

/// The message for a terminal under the minimum size, with its size and the one needed.
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

/// The top row: the screens by number with the current one highlighted, then the dataset's
/// name, image and labelled counts, and the model's short hash.
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

/// The bottom row: a confirmation question, else the last message in its severity's colour,
/// else the key hints of the active layer; on the right, unexported corrections and the
/// newest background job.
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
    let left: Line<'_> = match (&app.confirm, &app.message) {
        (Some(c), _) => Line::styled(format!(" {}", c.question), t.warn()),
        (None, Some((text, sev))) => Line::styled(
            format!(" {text}"),
            match sev {
                Severity::Info => t.status_bar(),
                Severity::Ok => t.ok(),
                Severity::Warn => t.warn(),
                Severity::Error => t.error(),
            },
        ),
        (None, None) => hints(app),
    };
    left.render(left_area, buf);
    Line::from(right)
        .alignment(Alignment::Right)
        .style(t.status_bar())
        .render(area, buf);
}

/// The right of the status bar: corrections (and accepted images) not yet exported, rejected
/// images aside, then the running job.
fn job_text(app: &App) -> String {
    let rejected = |id: ImageId| {
        app.marks
            .reviews
            .get(&id)
            .is_some_and(|d| d.decision == crate::dataset::decision::Decision::Rejected)
    };
    let labels = &app.marks.labels;
    // Accepted images never exported count too (an accepted proposal is a new label).
    let accepted = app
        .marks
        .reviews
        .iter()
        .filter(|(id, d)| {
            d.decision == crate::dataset::decision::Decision::Accepted
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

/// `indexing…`, or the newest job's stage with done/total, a ten-cell bar and seconds so far
/// (or `…` when its total is unknown), and how many more jobs run.
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

/// The short word a hint shows after its key; empty for actions that have none.
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

/// Draws a bordered block whose `title` shows whole however narrow `area` is: the words that
/// fit on the top border, the rest wrapped on the first lines inside, in the title's style.
/// Returns what is left inside the block under the title.
fn titled(app: &App, title: &str, focused: bool, area: Rect, buf: &mut Buffer) -> Rect {
    // One space either side of the words, on the border and inside alike.
    let room = usize::from(area.width.saturating_sub(4));
    let mut lines = layout::wrap::words(title, room).into_iter();
    let first = lines.next().unwrap_or_default();
    let frame = block(app, format!(" {first} "), focused);
    let inner = frame.inner(area);
    frame.render(area, buf);
    let rest: Vec<Line<'_>> = lines
        .map(|l| Line::styled(format!(" {l}"), app.theme.title(focused)))
        .collect();
    let used = u16::try_from(rest.len())
        .unwrap_or(u16::MAX)
        .min(inner.height);
    let [head, below] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Length(used),
        ratatui::layout::Constraint::Min(0),
    ])
    .areas(inner);
    Paragraph::new(rest).render(head, buf);
    below
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
