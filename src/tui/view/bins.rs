//! The scale-bin screen: a histogram of pixel sizes on a log axis with the bin edges marked,
//! and the images per bin under the edited edges next to the saved ones.
//!
//! Keys (default keymap): ←/→ select an edge, ↑/↓ move it by ±5 %, `a` adds one, `d` deletes
//! it, enter applies the edges (re-binning the workspace as a background job), `x` drops the
//! edits. The histogram's x axis is log10 of the pixel size over every size and edge, padded
//! by a tenth of a decade each side; bars count images, not pixels.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Widget};

use crate::dataset::ScaleBins;
use crate::dataset::bins::fmt_edge;

use super::super::app::App;
use super::super::layout::{Panes, inner};
use super::block;

/// Draws the screen: the histogram in the main pane, the bin table below it.
pub fn draw(app: &App, panes: &Panes, buf: &mut Buffer) {
    histogram(app, panes.main, buf);
    table(app, panes.lower, buf);
}

/// Log10 range of the axis: the sizes and the edges, padded.
///
/// Units are decades of µm/px: 0 is 1 µm/px, −1 is 0.1.
///
/// Only positive sizes and edges count; `None` when there are none.
fn axis(app: &App) -> Option<(f64, f64)> {
    let b = &app.bins;
    let values = b.sizes.iter().chain(&b.edges).copied().filter(|v| *v > 0.0);
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v.log10()), hi.max(v.log10()))
    });
    lo.is_finite().then_some((lo - 0.1, hi + 0.1))
}

/// One column per terminal cell along log10 of the pixel size; bar heights are image counts
/// scaled to the tallest; each edge is a vertical line labelled with its value at the bottom,
/// the selected edge in the selection style.
fn histogram(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let title = format!(
        " pixel sizes (µm/px, log axis) · {} images, {} without a size ",
        app.bins.sizes.len(),
        app.bins.unknown
    );
    block(app, title, true).render(area, buf);
    let plot = inner(area);
    let Some((lo, hi)) = axis(app) else {
        Paragraph::new("no image has a pixel size")
            .style(t.dim())
            .render(plot, buf);
        return;
    };
    if plot.width < 4 || plot.height < 3 {
        return;
    }
    let cols = usize::from(plot.width);
    let col_of = |v: f64| (((v.log10() - lo) / (hi - lo)) * (cols - 1) as f64).round() as usize;
    let mut counts = vec![0usize; cols];
    for &s in &app.bins.sizes {
        counts[col_of(s).min(cols - 1)] += 1;
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1);
    let bar_h = plot.height - 1;
    for (x, &n) in counts.iter().enumerate() {
        let h = (n * usize::from(bar_h)).div_ceil(max) as u16;
        for dy in 0..h {
            let cell = &mut buf[(plot.x + x as u16, plot.y + bar_h - 1 - dy)];
            cell.set_symbol("█").set_style(t.text());
        }
    }
    for (i, &e) in app.bins.edges.iter().enumerate() {
        let x = plot.x + col_of(e).min(cols - 1) as u16;
        let style = if i == app.bins.selected {
            t.selected(true)
        } else {
            t.warn()
        };
        for y in plot.y..plot.y + bar_h {
            if buf[(x, y)].symbol() == " " {
                buf[(x, y)].set_symbol("│").set_style(style);
            } else {
                buf[(x, y)].set_style(style);
            }
        }
        let label = fmt_edge(e);
        let lx = x.min(plot.x + plot.width.saturating_sub(label.len() as u16));
        buf.set_string(lx, plot.y + bar_h, label, style);
    }
}

/// Per bin under the edited edges: its interval (µm/px), its images now and under the saved
/// edges, and whether the edges differ from the saved ones (with the keys that edit them).
fn table(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let b = &app.bins;
    let edited = ScaleBins::new(b.edges.clone()).ok();
    let rows: Vec<Row<'_>> = b
        .counts
        .iter()
        .enumerate()
        .map(|(k, n)| {
            let range = edited.as_ref().map_or(String::new(), |s| s.interval(k));
            let before = b
                .saved_counts
                .get(k)
                .map_or("–".into(), ToString::to_string);
            Row::new([format!("bin {k}"), range, n.to_string(), before])
        })
        .collect();
    let state = if b.dirty() {
        "edited, Enter applies, x resets"
    } else {
        "saved"
    };
    let model_bins = app.ctx.model.as_ref().map_or(String::new(), |m| {
        format!(" · model bins {:?}", m.config.bins.edges())
    });
    let title = format!(" bins ({state}){model_bins} ");
    let lines = Line::from(vec![Span::styled(
        "←/→ select edge  ↑/↓ move it ±5 %  a add  d delete",
        t.dim(),
    )]);
    let [tab, hint] =
        ratatui::layout::Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    Table::new(
        rows,
        [
            Constraint::Length(6),
            Constraint::Length(18),
            Constraint::Length(8),
            Constraint::Length(8),
        ],
    )
    .header(Row::new(["bin", "µm/px", "images", "saved"]).style(t.header()))
    .block(block(app, title, false))
    .render(tab, buf);
    lines.render(hint, buf);
}
