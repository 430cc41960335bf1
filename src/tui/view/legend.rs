//! Legends of the overlays that colour only some pixels (errors, hand edits): what the
//! colours mean, on the picture's border beside the scale bar and the zoom, where the
//! uncertainty overlay shows its colour scale. Drawn after the picture, into whatever run of
//! plain border is left, so it never covers the other border marks.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::super::app::App;
use super::super::layout::Panes;
use super::super::render::Overlay;

/// The error overlay's legend, longest first: the first that fits is drawn.
pub(super) const ERROR_LEGEND: [&str; 5] = [
    " coloured: model wrong, in the mask's class colour · dimmed: model agrees ",
    " coloured: wrong, mask's class · dimmed: right ",
    " coloured: wrong (mask's class) ",
    " coloured: wrong ",
    " colour=wrong ",
];

/// The hand-edit overlay's legend, longest first.
const EDITED_LEGEND: [&str; 4] = [
    " coloured: edited by hand, in its new class colour · dimmed: unchanged ",
    " coloured: edited, new class · dimmed: unchanged ",
    " coloured: edited ",
    " colour=edited ",
];

/// The legend of the shown overlay on the first picture's bottom border, or on its top border
/// when a longer form of it fits there (the scale bar and the zoom can leave little room).
pub(super) fn overlay(app: &App, panes: &Panes, buf: &mut Buffer) {
    let legend: &[&str] = match app.image.overlay {
        Overlay::Error => &ERROR_LEGEND,
        Overlay::Edited => &EDITED_LEGEND,
        _ => return,
    };
    let (Some(&pane), Some(c)) = (panes.images.first(), &app.current) else {
        return;
    };
    if app.image.triptych || c.image.is_err() || pane.y == 0 {
        return;
    }
    let style = app.theme.dim();
    let bottom = pane.y.saturating_add(pane.height);
    // The longest form wins; the bottom border on a tie.
    let best = [bottom, pane.y - 1]
        .into_iter()
        .filter_map(|y| free_run(buf, pane, y, legend).map(|(x, i)| (i, x, y)))
        .min_by_key(|&(i, _, _)| i);
    if let Some((i, x, y)) = best {
        buf.set_string(x, y, legend[i], style);
    }
}

/// Where on border row `y` of `pane` the longest form of `legend` that fits goes, and which
/// form: right-aligned in the longest run of plain border (`─`), one border cell kept either
/// side.
fn free_run(buf: &Buffer, pane: Rect, y: u16, legend: &[&str]) -> Option<(u16, usize)> {
    let area = buf.area;
    if y < area.y || y >= area.y + area.height {
        return None;
    }
    let end = pane.x.saturating_add(pane.width).min(area.x + area.width);
    let (mut best, mut run) = ((0u16, 0u16), (pane.x, 0u16));
    for x in pane.x..end {
        if buf[(x, y)].symbol() == "─" {
            run.1 += 1;
            if run.1 > best.1 {
                best = run;
            }
        } else {
            run = (x + 1, 0);
        }
    }
    let (start, len) = best;
    let i = legend
        .iter()
        .position(|t| t.chars().count() + 2 <= usize::from(len))?;
    let width = u16::try_from(legend[i].chars().count()).ok()?;
    Some((start + len - 1 - width, i))
}
