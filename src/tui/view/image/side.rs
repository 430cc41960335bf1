//! The Image screen's side panel, most needed first (a short terminal cuts its bottom): the
//! image's facts, the editor, the cursor read-out, then the class legend.
//!
//! Units as shown: pixel size in µm/px, areas in percent of the image's pixels, IoU and
//! confidence 0–1 to two places, grey levels 0–255 as stored. Nothing here is computed from
//! pixels except the read-out at the cursor; the per-class figures are the state's counts.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::dataset::image::ImageId;
use crate::labels::status::{MaskStatus, mosaic};

use super::super::super::app::{App, Current, Levels, PredState};
use super::super::{block, fmt_opt};

mod editor;
use editor::editor_lines;

/// Draws the panel. While editing on a short terminal the order changes so the editor's
/// lines and the whole legend show first, then as much of the cursor read-out and facts as
/// fits.
pub(super) fn side(app: &App, c: &Current, area: Rect, buf: &mut Buffer) {
    // Most needed first: on a short terminal the bottom of the panel is cut. While editing,
    // the legend (each class's colour and key) must stay whole: the editor's lines, then the
    // legend, then whatever of the rest fits.
    let mut top = facts(app, c, area.width);
    top.extend(editor_lines(app, c));
    top.extend(cursor_lines(app, c));
    let mut legend = legend_lines(app, c);
    let (width, rows) = (
        area.width.saturating_sub(2),
        usize::from(area.height.saturating_sub(2)),
    );
    let lines = if app.edit.active && height(&top, width) + height(&legend, width) > rows {
        legend.pop(); // the footnote
        let mut lines = editor_lines(app, c);
        lines.extend(legend);
        let mut rest = cursor_lines(app, c);
        rest.extend(facts(app, c, area.width));
        for l in rest {
            if height(&lines, width) + height(std::slice::from_ref(&l), width) > rows {
                break;
            }
            lines.push(l);
        }
        lines
    } else {
        top.extend(legend);
        top
    };
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(app, " legend ".into(), false))
        .render(area, buf);
}

/// Rows `lines` take when wrapped at `width` columns.
fn height(lines: &[Line<'_>], width: u16) -> usize {
    let w = usize::from(width.max(1));
    lines.iter().map(|l| l.width().max(1).div_ceil(w)).sum()
}

/// The class legend: a header, one line per class (colour, name, mask and prediction shares,
/// IoU, and `#` when the editor's lock keeps every tool off its pixels), and the footnote.
/// Shares are percent of all the image's pixels; `*` marks a class the schema flags rare.
fn legend_lines<'a>(app: &App, c: &Current) -> Vec<Line<'a>> {
    let t = &app.theme;
    let mut lines = vec![Line::styled("class      mask%  pred%  IoU", t.header())];
    let total = c
        .size()
        .map_or(1, |(w, h)| u64::from(w) * u64::from(h))
        .max(1);
    let pct = |n: u64| format!("{:5.1}", 100.0 * n as f64 / total as f64);
    for (class, s) in app.ctx.schema.classes.iter().zip(&c.stats) {
        let rare = if class.rare { "*" } else { " " };
        lines.push(Line::from(vec![
            Span::styled(
                "██",
                ratatui::style::Style::default().fg(t.class_colour(&app.ctx.schema, class.id)),
            ),
            Span::styled(format!(" {:<5}{rare}", class.short), t.text()),
            Span::styled(format!("{} {} ", pct(s.truth_px), pct(s.pred_px)), t.text()),
            Span::styled(format!("{:<4}", fmt_opt(s.iou)), t.iou(s.iou)),
            Span::styled(
                if app.edit.locks.is_locked(class.id) {
                    " #"
                } else {
                    ""
                },
                t.warn(),
            ),
        ]));
    }
    let note = if app.edit.locks.locked().is_empty() {
        "* underrepresented class"
    } else {
        "* underrepresented  # locked"
    };
    lines.push(Line::styled(note, t.dim()));
    lines
}

/// Rows the raw-image map may take in the panel; a larger grid is shrunk to fit.
const MOSAIC_ROWS: usize = 12;

/// Sample/stem, size in pixels (`256²` when square), pixel size in µm/px and scale bin (with
/// the U-Net actually used when it fell back), the latest decision, label status, the raw
/// image's tile map, the mask note, and where the proposal stands.
fn facts<'a>(app: &App, c: &Current, width: u16) -> Vec<Line<'a>> {
    let t = &app.theme;
    let r = &c.row;
    let size = c.size().map_or("?".into(), |(w, h)| {
        if w == h {
            format!("{w}²")
        } else {
            format!("{w}×{h}")
        }
    });
    let px = r
        .pixel_size
        .map_or("? µm/px".into(), |p| format!("{p:.3} µm/px"));
    let bin = r.bin.map_or("?".into(), |b| b.to_string());
    let route = match c.prediction() {
        Some(p) if p.used_bin != p.bin => format!(" (U-Net of bin {}, fallback)", p.used_bin),
        _ => String::new(),
    };
    let mut lines = vec![
        Line::styled(format!("{} / {}", r.sample, r.stem), t.title(false)),
        Line::styled(format!("{size} · {px} · bin {bin}{route}"), t.text()),
    ];
    let review = app
        .marks
        .reviews
        .get(&r.id)
        .map_or("not reviewed".into(), |e| {
            format!("{} by {}", e.decision.as_str(), e.user)
        });
    lines.push(Line::styled(review, t.dim()));
    lines.extend(label_status(app, c));
    lines.extend(mosaic_lines(app, c, width));
    lines.extend(mask_note(app, c));
    lines.push(match &c.prediction {
        PredState::Running => Line::styled("predicting…", t.warn()),
        PredState::Unavailable(w) => Line::styled(format!("no prediction: {w}"), t.dim()),
        PredState::Stored(p) => Line::styled(proposal_source(app, &p.model), t.dim()),
    });
    lines
}

/// A corrected or accepted mask, and whether the last export holds it.
fn label_status<'a>(app: &App, c: &Current) -> Option<Line<'a>> {
    let t = &app.theme;
    let labels = &app.marks.labels;
    let status = labels.status(&c.row, app.marks.reviews.get(&c.row.id));
    if !matches!(status, MaskStatus::Corrected | MaskStatus::Accepted) {
        return None;
    }
    let exported = if labels.unexported(c.row.id) {
        (" · not yet exported", t.warn())
    } else if labels.exported.contains_key(&c.row.id) {
        (" · exported", t.ok())
    } else {
        ("", t.ok())
    };
    Some(Line::from(vec![
        Span::styled(format!("mask: {}", status.as_str()), t.ok()),
        Span::styled(exported.0, exported.1),
    ]))
}

/// For an imported tile, the map of its raw image's tiles by mask status, fitted to a panel
/// `width` columns wide (borders included) and [`MOSAIC_ROWS`] high.
fn mosaic_lines<'a>(app: &App, c: &Current, width: u16) -> Vec<Line<'a>> {
    let t = &app.theme;
    let labels = &app.marks.labels;
    let status_of = |id: ImageId| {
        app.row_by_id(id).map_or(MaskStatus::None, |row| {
            labels.status(row, app.marks.reviews.get(&id))
        })
    };
    // Marks are 2 columns apart, after the borders and a 2-column indent.
    let cols = usize::from(width).saturating_sub(4).div_ceil(2);
    let Some((title, map)) = mosaic(&app.marks.tiles, c.row.id, status_of, cols, MOSAIC_ROWS)
    else {
        return Vec::new();
    };
    let mut lines = vec![Line::styled(title, t.dim())];
    lines.extend(
        map.into_iter()
            .map(|l| Line::styled(format!("  {l}"), t.text())),
    );
    lines
}

/// Why no mask is shown (or that it cannot be used), and what an edit makes it from.
fn mask_note<'a>(app: &App, c: &Current) -> Option<Line<'a>> {
    let t = &app.theme;
    let r = &c.row;
    if let Some(e) = &c.mask_error {
        Some(Line::styled(format!("mask: {e}"), t.error()))
    } else if c.mask.is_none() && r.is_labelled() {
        Some(Line::styled(
            "mask not loaded (the image is unreadable)",
            t.warn(),
        ))
    } else if c.mask.is_none() && app.edit.sessions.contains_key(&r.id) {
        let from = match app.edit.bases.get(&r.id).map(|b| b.source) {
            Some(crate::dataset::workspace::BaseSource::Blank) => {
                "unlabelled: its mask is being made from nothing (unpainted pixels stay unlabelled)"
            }
            _ => "unlabelled: its mask is being made from the proposal",
        };
        Some(Line::styled(from, t.ok()))
    } else if c.mask.is_none() {
        Some(Line::styled("unlabelled (no mask)", t.dim()))
    } else {
        None
    }
}

/// Where the shown proposal comes from, in words: the assist, or a model by its hash.
fn proposal_source(app: &App, model: &str) -> String {
    if model == crate::jobs::assist::ASSIST_MODEL {
        return "proposal: assist forest".into();
    }
    let short = &model[..model.len().min(8)];
    match &app.ctx.model {
        Some(m) if m.hash == model => format!("proposal: U-Net {short}"),
        _ => format!("proposal: model {short}"),
    }
}

/// The pixel under the cursor: its position, stored grey level, mask (edits included) and
/// predicted class, the grey window in effect, and the proposal's confidence (top-two margin,
/// 0–1) with the MC disagreement when stored.
fn cursor_lines<'a>(app: &App, c: &Current) -> Vec<Line<'a>> {
    let t = &app.theme;
    let Some((w, _)) = c.size() else {
        return Vec::new();
    };
    let (x, y) = app.image.cursor;
    let i = (y * w + x) as usize;
    let name = |id: Option<u8>| id.map_or("–".to_string(), |id| app.ctx.schema.short(id));
    let grey = c.image.as_ref().ok().and_then(|g| g.pixels.get(i)).copied();
    let truth = app
        .edit_session()
        .map(|s| s.mask.classes())
        .or(c.mask.as_deref())
        .and_then(|m| m.get(i))
        .copied();
    let pred = c.prediction();
    let mut lines = vec![
        Line::styled(
            format!(
                "cursor ({x}, {y})  grey {}",
                grey.map_or("–".into(), |g| g.to_string())
            ),
            t.title(false),
        ),
        Line::styled(
            format!(
                "mask {}  pred {}",
                name(truth),
                name(pred.and_then(|p| p.classes.get(i)).copied())
            ),
            t.text(),
        ),
    ];
    // How the grey above is shown (display only): the stretch's or the manual window.
    lines.extend(app.grey_window().map(|w| {
        let text = match app.image.levels {
            Levels::Manual(_) => format!("window {}–{} (grey levels)", w.lo(), w.hi()),
            _ => format!("auto stretch: grey {}–{}", w.lo(), w.hi()),
        };
        Line::styled(text, t.text())
    }));
    if let Some(p) = pred {
        let conf = p.margin.get(i).map_or(0.0, |&m| f64::from(m) / 255.0);
        let mc = p
            .disagreement
            .as_ref()
            .and_then(|d| d.get(i))
            .map_or(String::new(), |d| {
                format!("  MC {:.2}", f64::from(*d) / 255.0)
            });
        let text = format!("confidence {conf:.2}{mc}");
        lines.push(Line::styled(text, t.text()));
    }
    lines
}
