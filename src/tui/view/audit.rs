//! The audit screen: the confusion matrix (row-normalised, heat-coloured) of all images or of
//! one scale bin, IoU per class per bin, and the images behind the selected cell.
//!
//! All figures come from the overview the task thread computed for the session's model;
//! nothing here reads files. Shares print as whole percent in the matrix and IoUs to two
//! places (`–` where undefined); a `·` cell is a class absent from the truth.
//!
//! Keys (default keymap): arrows move the selected cell, `b`/`B` step the bin (all bins, then
//! each bin, then all again), tab moves between the matrix and the image list, enter opens the
//! selected image with the error overlay. The side pane shows the last retrain's before/after
//! scores above the image list when there was one this session.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Widget};

use super::super::app::{App, AuditFocus};
use super::super::layout::{Panes, wrap};
use super::{block, fmt_opt, tail};

/// Draws the screen over the main, lower and side panes; without an overview (no model, still
/// loading, nothing predicted) one message says why and what to press.
pub fn draw(app: &App, panes: &Panes, buf: &mut Buffer) {
    let whole = panes.main.union(panes.lower).union(panes.side);
    let Some(ov) = &app.overview else {
        let why = if app.ctx.model.is_none() {
            "no model, so no audit".to_string()
        } else {
            "no audit yet: loading, or nothing predicted (P predicts every image)".to_string()
        };
        Paragraph::new(why)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .style(app.theme.dim())
            .block(block(app, " audit ".into(), true))
            .render(whole, buf);
        return;
    };
    let rep = &ov.report;
    if rep.overall.pixels == 0 {
        Paragraph::new(format!(
            "no labelled image has a prediction by model {} yet: press P to predict the dataset ({} labelled images without one)",
            super::short(&rep.model),
            rep.unpredicted
        ))
        .wrap(ratatui::widgets::Wrap { trim: true })
        .style(app.theme.warn())
        .block(block(app, " audit ".into(), true))
        .render(whole, buf);
        return;
    }
    matrix(app, panes.main, buf);
    iou_table(app, panes.lower, buf);
    match &app.retrained {
        Some(r) => {
            // Borders, the title's lines under the border, the note, the header and the lines.
            let title = retrained_title(r);
            let title_lines = wrap::words(&title, usize::from(panes.side.width.saturating_sub(4)));
            let want = u16::try_from(r.changes().len() + 4 + title_lines.len()).unwrap_or(u16::MAX);
            let [top, rest] = ratatui::layout::Layout::vertical([
                Constraint::Length(want.min(panes.side.height / 2 + 4)),
                Constraint::Min(0),
            ])
            .areas(panes.side);
            retrained(app, r, top, buf);
            cell_images(app, rest, buf);
        }
        None => cell_images(app, panes.side, buf),
    }
}

/// The last retrain's scores, before and after, on the same labelled images.
///
/// Four columns (name, before, after, change) from 32 cells on, else name and
/// `before→after`; a change beyond ±0.005 shows in the ok or error colour.
fn retrained(app: &App, r: &crate::jobs::retrain::Retrained, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let inner = super::titled(app, &retrained_title(r), false, area, buf);
    let [note, table] =
        ratatui::layout::Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(inner);
    Paragraph::new(format!("on {}", r.scored_on_text()))
        .wrap(ratatui::widgets::Wrap { trim: true })
        .style(t.dim())
        .render(note, buf);
    // Four columns need 32 cells; a narrow pane (80 columns) gets "0.76→0.86" instead.
    let wide = table.width >= 32;
    let rows = r.changes().into_iter().map(|c| change_row(t, c, wide));
    let (widths, header) = if wide {
        (
            vec![
                Constraint::Length(10),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(7),
            ],
            vec!["", "before", "after", "change"],
        )
    } else {
        (
            vec![Constraint::Length(5), Constraint::Min(9)],
            vec!["", "before→after"],
        )
    };
    Table::new(rows, widths)
        .header(Row::new(header).style(t.header()))
        .render(table, buf);
}

/// One line of the before/after table: four columns, or name and "before→after" when narrow.
fn change_row(
    t: &crate::tui::theme::Theme,
    c: crate::jobs::retrain::Change,
    wide: bool,
) -> Row<'static> {
    let delta = c.before.zip(c.after).map(|(b, a)| a - b);
    let style = match delta {
        Some(d) if d > 0.005 => t.ok(),
        Some(d) if d < -0.005 => t.error(),
        _ => t.dim(),
    };
    let (before, after) = (
        Span::styled(fmt_opt(c.before), t.iou(c.before)),
        Span::styled(fmt_opt(c.after), t.iou(c.after)),
    );
    if wide {
        Row::new(vec![
            Line::styled(c.name, t.text()),
            Line::from(before),
            Line::from(after),
            Line::styled(delta.map_or(String::new(), |d| format!("{d:+.3}")), style),
        ])
    } else {
        let name = if c.name == "pixel acc." {
            "acc".into()
        } else {
            c.name
        };
        let arrow = Span::styled("→", style);
        Row::new(vec![
            Line::styled(name, t.text()),
            Line::from(vec![before, arrow, after]),
        ])
    }
}

/// The before/after table's title.
pub(super) fn retrained_title(r: &crate::jobs::retrain::Retrained) -> String {
    format!("retrained {} · before → after", super::short(&r.hash))
}

/// `all bins`, or `bin K: RANGE` (µm/px) of the bin the matrix shows.
fn bin_name(app: &App) -> String {
    let Some(ov) = &app.overview else {
        return String::new();
    };
    match app.audit.bin {
        None => "all bins".into(),
        Some(b) => ov
            .report
            .bins
            .iter()
            .find(|m| m.bin == b)
            .map_or(format!("bin {b}"), |m| {
                // The range carries its unit ("≤ 0.25 µm/px").
                format!("bin {b}: {}", m.range)
            }),
    }
}

/// The confusion matrix of the chosen bin (or all): rows true class, columns predicted, each
/// cell the percent of the row's true pixels, heat-coloured; the selected cell is highlighted
/// and its row kept in view.
fn matrix(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let Some(m) = app.audit_metrics() else { return };
    let schema = &app.ctx.schema;
    let n = schema.len();
    let (ct, cp) = app.audit.cell;
    let mut header = vec![Line::styled("true", t.header())];
    header.extend(
        schema
            .classes
            .iter()
            .map(|c| Line::styled(c.short.clone(), t.header())),
    );
    let rows: Vec<Row<'_>> = (0..n)
        .map(|ti| {
            let norm = m.confusion_normalised.get(ti).and_then(Option::as_ref);
            let mut cells = vec![Line::styled(schema.classes[ti].short.clone(), t.header())];
            for pi in 0..n {
                let v = norm.and_then(|r| r.get(pi)).copied();
                let text = v.map_or("  ·".into(), |v| format!("{:>3.0}", 100.0 * v));
                let mut style = v.map_or(t.dim(), |v| t.heat(v));
                if (ti, pi) == (ct, cp) {
                    style = t.selected(app.audit.focus == AuditFocus::Matrix);
                }
                cells.push(Line::from(Span::styled(text, style)));
            }
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![Constraint::Length(5)];
    widths.extend(std::iter::repeat_n(Constraint::Length(4), n));
    let focused = app.audit.focus == AuditFocus::Matrix;
    let inner = super::titled(app, &matrix_title(app), focused, area, buf);
    // A fresh state with the selected row: the table scrolls so that the cursor's row shows.
    let mut state = ratatui::widgets::TableState::default().with_selected(Some(ct));
    ratatui::widgets::StatefulWidget::render(
        Table::new(rows, widths)
            .header(Row::new(header))
            .column_spacing(1),
        inner,
        buf,
        &mut state,
    );
}

/// The matrix's title: what it shows, of which bin, and the bin's summary figures.
pub(super) fn matrix_title(app: &App) -> String {
    let Some(m) = app.audit_metrics() else {
        return String::new();
    };
    format!(
        "confusion % of true class (rows true, columns predicted) · {} · {} images · acc {} · mIoU {} (b/B bin)",
        bin_name(app),
        m.images,
        fmt_opt(m.pixel_accuracy),
        fmt_opt(m.mean_iou)
    )
}

/// One row per class: IoU overall and per scale bin, coloured by value, and true pixels;
/// marks `!` for at risk and `u` for underrepresented. Scrolls with the matrix's true class.
fn iou_table(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let Some(ov) = &app.overview else { return };
    let rep = &ov.report;
    let mut header = vec![
        Line::styled("class", t.header()),
        Line::styled("all", t.header()),
    ];
    header.extend(
        rep.bins
            .iter()
            .map(|b| Line::styled(format!("bin {}", b.bin), t.header())),
    );
    header.push(Line::styled("support", t.header()));
    let at_risk: Vec<u8> = ov.at_risk();
    let rare: Vec<u8> = rep.underrepresented.iter().map(|u| u.id).collect();
    let rows: Vec<Row<'_>> = rep
        .overall
        .per_class
        .iter()
        .map(|c| {
            let mark = match (at_risk.contains(&c.id), rare.contains(&c.id)) {
                (true, true) => " !u",
                (true, false) => " !",
                (false, true) => " u",
                (false, false) => "",
            };
            let mut cells = vec![Line::styled(format!("{}{mark}", c.short), t.text())];
            cells.push(Line::styled(fmt_opt(c.iou), t.iou(c.iou)));
            for b in &rep.bins {
                let iou = b
                    .metrics
                    .per_class
                    .get(usize::from(c.id))
                    .and_then(|s| s.iou);
                cells.push(Line::styled(fmt_opt(iou), t.iou(iou)));
            }
            cells.push(Line::styled(c.support.to_string(), t.dim()));
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![Constraint::Length(8), Constraint::Length(5)];
    widths.extend(rep.bins.iter().map(|_| Constraint::Length(6)));
    widths.push(Constraint::Length(10));
    // Scrolls with the matrix cursor's true class, so a short terminal still shows it.
    let mut state = ratatui::widgets::TableState::default().with_selected(Some(app.audit.cell.0));
    let inner = super::titled(app, IOU_TITLE, false, area, buf);
    ratatui::widgets::StatefulWidget::render(
        Table::new(rows, widths)
            .header(Row::new(header))
            .row_highlight_style(t.header()),
        inner,
        buf,
        &mut state,
    );
}

/// The IoU table's title.
pub(super) const IOU_TITLE: &str = "IoU per class per bin (! at risk, u underrepresented)";

/// The title of the list of images behind the selected matrix cell.
pub(super) fn cell_title(app: &App) -> String {
    let schema = &app.ctx.schema;
    let (ct, cp) = app.audit.cell;
    format!(
        "true {} → pred {} · top images (tab, enter)",
        schema.short(ct as u8),
        schema.short(cp as u8)
    )
}

/// The images with the most pixels of the selected (true, predicted) pair, name and pixel
/// count, the cursor's row highlighted.
fn cell_images(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let focused = app.audit.focus == AuditFocus::Images;
    // The pixel column takes 8 and the borders 2; the name gets the rest.
    let name_width = usize::from(area.width.saturating_sub(11)).max(6);
    let rows: Vec<Row<'_>> = app
        .audit
        .images
        .iter()
        .enumerate()
        .map(|(i, (id, px))| {
            let name = app
                .row_by_id(*id)
                .map_or(id.to_string(), |r| tail(&r.stem, name_width));
            let row = Row::new([name, px.to_string()]);
            if i == app.audit.image_cursor {
                row.style(t.selected(focused))
            } else {
                row
            }
        })
        .collect();
    let inner = super::titled(app, &cell_title(app), focused, area, buf);
    Table::new(rows, [Constraint::Min(10), Constraint::Length(8)])
        .header(Row::new(["image", "pixels"]).style(t.header()))
        .render(inner, buf);
}
