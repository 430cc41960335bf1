//! The review queue: ranked images with strategy, score, review status and the reason in words.
//!
//! Keys (default keymap): arrows, page keys and `g`/`G` move, enter opens the image (errors or
//! uncertainty overlay, the entry's region boxed), `r` reviewed, `f` flag, `s` skip, `Y`
//! accept, `D` reject, `S` ranks by the next strategy. The list comes from the overview the
//! task thread computed; decisions taken this session drop finished images at once.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Row, Table, Widget, Wrap};

use super::super::app::App;
use super::super::layout::{self, Panes};
use super::super::render::PixelPane;
use super::{block, image, tail};

/// Draws the queue table in the main pane (rank, `sample/stem` cut from the left to 22 cells,
/// bin, score, latest decision, reason), the selected item's whole reason in a box below it,
/// and the shown image's preview in the first image pane (through `pixels`, the panes that
/// draw real pixels when the terminal has a graphics protocol).
pub fn draw(app: &App, panes: &Panes, buf: &mut Buffer, pixels: &mut [PixelPane]) {
    let q = &app.queue;
    let title = format!(
        " review queue · {} · {} images (S strategy) ",
        serde_json::to_value(q.strategy())
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        q.items.len()
    );
    if q.items.is_empty() {
        draw_empty(app, title, panes.main, buf);
        return;
    }
    // The table, and below it the selected item's whole reason (the column truncates it).
    let reason = q.selected().map(|it| it.reason.as_str());
    let [table_area, detail_area] = layout::queue_split(panes.main, reason);
    Table::new(
        rows(app, layout::table_rows(table_area)),
        [
            Constraint::Length(4),
            Constraint::Length(22),
            Constraint::Length(3),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Min(20),
        ],
    )
    .header(Row::new(["#", "image", "bin", "score", "review", "why"]).style(app.theme.header()))
    .block(block(app, title, true))
    .render(table_area, buf);
    if let Some(it) = q.selected() {
        // Wrapped as `queue_split` sized the box, so every word of the reason shows.
        let width = usize::from(detail_area.width.saturating_sub(2));
        let lines: Vec<Line<'_>> = layout::wrap::words(&it.reason, width)
            .into_iter()
            .map(Line::raw)
            .collect();
        Paragraph::new(lines)
            .style(app.theme.text())
            .block(block(app, format!(" #{} {} ", it.rank, it.stem), false))
            .render(detail_area, buf);
    }
    if let Some(&pane) = panes.images.first() {
        image::preview(app, pane, buf, pixels);
    }
}

/// Why there is nothing to list: predictions still loading or missing, or none that the
/// strategy ranks.
fn draw_empty(app: &App, title: String, area: Rect, buf: &mut Buffer) {
    let why = if app.overview.is_none() {
        "the queue needs stored predictions: loading, or press P to predict the dataset".to_string()
    } else {
        format!(
            "nothing to list: {} (S switches strategy)",
            app.queue.strategy().empty_hint()
        )
    };
    Paragraph::new(why)
        .style(app.theme.dim())
        .wrap(Wrap { trim: true })
        .block(block(app, title, true))
        .render(area, buf);
}

/// The `height` items from the scroll offset on, the cursor's highlighted.
///
/// Scores print to two places; the review column is the session's latest decision, `–`
/// without one.
fn rows(app: &App, height: usize) -> Vec<Row<'_>> {
    let (t, q) = (&app.theme, &app.queue);
    let end = (q.offset + height).min(q.items.len());
    q.items[q.offset..end]
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let review = app
                .marks
                .reviews
                .get(&it.image_id)
                .map_or("–", |e| e.decision.as_str());
            let row = Row::new(vec![
                Line::raw(it.rank.to_string()),
                Line::raw(tail(&format!("{}/{}", it.sample, it.stem), 22)),
                Line::raw(it.bin.map_or("?".into(), |b| b.to_string())),
                Line::raw(format!("{:>8.2}", it.score)),
                Line::styled(review.to_string(), t.dim()),
                Line::raw(it.reason.clone()),
            ]);
            if q.offset + i == q.cursor {
                row.style(t.selected(true))
            } else {
                row
            }
        })
        .collect()
}
