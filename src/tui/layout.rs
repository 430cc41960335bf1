//! Where each pane goes, as a pure function of the terminal size and the screen. Both the views
//! (to draw) and the state (to size pages, viewports and mouse hits) use it, so they agree.
//!
//! Every screen has the header row on top and the status row at the bottom. Between them:
//! - browse, queue: the list, and from 110 columns on a preview pane taking 42 % of the width;
//! - image: the picture (or three for the triptych) and, from 64 columns on, a 30-column side
//!   panel;
//! - audit: the matrix over the IoU table (55 % / 45 %) and the side list, 18–40 columns wide;
//! - bins: the histogram over the bin table (60 % / 40 %).
//!
//! Image panes are given inside their border (see [`inner`]); other panes include it.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

use super::app::Screen;

pub mod wrap;

/// Smallest usable terminal.
pub const MIN_SIZE: (u16, u16) = (60, 16);
/// Width of the side panel of the image screen.
const SIDE_WIDTH: u16 = 30;
/// From this width on, the list screens show a preview of the selected image.
const PREVIEW_FROM: u16 = 110;

/// The panes of one screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Panes {
    /// The top row: screens, dataset and model.
    pub header: Rect,
    /// The bottom row: messages, hints and jobs.
    pub status: Rect,
    /// The list (browse, queue) or the matrix (audit) or the histogram (bins).
    pub main: Rect,
    /// Image panes: one, or three for the triptych; empty when there is no room.
    pub images: Vec<Rect>,
    /// Side panel: legend and per-class figures (image screen), lists (audit, bins).
    pub side: Rect,
    /// Secondary pane: IoU table (audit), edge list (bins).
    pub lower: Rect,
}

/// Whether the terminal is too small to draw anything useful.
pub fn too_small(size: Rect) -> bool {
    size.width < MIN_SIZE.0 || size.height < MIN_SIZE.1
}

/// The panes of `screen` in a terminal of `size`.
///
/// `triptych` splits the image screen's picture into three equal panes. A terminal under
/// [`MIN_SIZE`] still gets panes; the view draws a message instead.
pub fn panes(size: Rect, screen: Screen, triptych: bool) -> Panes {
    let [header, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(size);
    let mut p = Panes {
        header,
        status,
        ..Panes::default()
    };
    match screen {
        Screen::Browse | Screen::Queue => {
            if body.width >= PREVIEW_FROM {
                let [list, preview] =
                    Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
                        .areas(body);
                p.main = list;
                p.images = vec![inner(preview)];
            } else {
                p.main = body;
            }
        }
        Screen::Image => {
            // Narrow terminals keep a narrow side panel (legend, cursor read-out, editor): a
            // square image at 22 rows needs only ~44 columns of an 80-column terminal.
            let side_w = if body.width >= 64 { SIDE_WIDTH } else { 0 };
            let [view, side] =
                Layout::horizontal([Constraint::Min(1), Constraint::Length(side_w)]).areas(body);
            p.side = side;
            p.images = if triptych {
                Layout::default()
                    .direction(Direction::Horizontal)
                    .constraints([Constraint::Ratio(1, 3); 3])
                    .split(view)
                    .iter()
                    .map(|r| inner(*r))
                    .collect()
            } else {
                vec![inner(view)]
            };
        }
        Screen::Audit => {
            // The matrix needs ~60 columns for 10 classes; the image list takes what is left.
            let side_w = body.width.saturating_sub(60).clamp(18, 40);
            let [left, right] =
                Layout::horizontal([Constraint::Min(40), Constraint::Length(side_w)]).areas(body);
            let [matrix, lower] =
                Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)])
                    .areas(left);
            p.main = matrix;
            p.lower = lower;
            p.side = right;
        }
        Screen::Bins => {
            let [hist, lower] =
                Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)])
                    .areas(body);
            p.main = hist;
            p.lower = lower;
        }
    }
    p
}

/// The inside of a bordered block.
pub fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x.saturating_add(1),
        y: r.y.saturating_add(1),
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

/// The bordered block around an inner rectangle.
pub fn outer(r: Rect) -> Rect {
    Rect {
        x: r.x.saturating_sub(1),
        y: r.y.saturating_sub(1),
        width: r.width + 2,
        height: r.height + 2,
    }
}

/// Height of the reason box under the queue table at least (borders included).
pub const QUEUE_DETAIL: u16 = 4;
/// Height the queue table keeps at least: borders, header and three rows.
const QUEUE_TABLE_MIN: u16 = 6;

/// The queue pane `main` split into the table and, under it, the box with the selected
/// item's whole `reason` wrapped: as tall as the reason needs (borders included), at least
/// [`QUEUE_DETAIL`], at most what leaves the table `QUEUE_TABLE_MIN` rows of the pane.
pub fn queue_split(main: Rect, reason: Option<&str>) -> [Rect; 2] {
    let need = reason.map_or(0, |r| {
        wrap::words(r, usize::from(main.width.saturating_sub(2))).len()
    });
    let need = u16::try_from(need).unwrap_or(u16::MAX).saturating_add(2);
    let most = main
        .height
        .saturating_sub(QUEUE_TABLE_MIN)
        .max(QUEUE_DETAIL);
    let detail = need.clamp(QUEUE_DETAIL, most).min(main.height);
    Layout::vertical([Constraint::Min(0), Constraint::Length(detail)]).areas(main)
}

/// Rows of the queue table (the pane less the reason box, see [`queue_split`]).
pub fn queue_rows(main: Rect, reason: Option<&str>) -> usize {
    table_rows(queue_split(main, reason)[0])
}

/// Rows of a bordered table with a header line.
pub fn table_rows(r: Rect) -> usize {
    usize::from(r.height.saturating_sub(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_screen_leaves_room_for_side_panel_and_triptych() {
        let p = panes(Rect::new(0, 0, 160, 48), Screen::Image, true);
        assert_eq!(p.images.len(), 3);
        assert_eq!(p.side.width, SIDE_WIDTH);
        let total: u16 = p.images.iter().map(|r| r.width + 2).sum();
        assert_eq!(total + SIDE_WIDTH, 160);
        // 80×24 keeps the side panel: a square image at 20 rows needs ~40 columns.
        let narrow = panes(Rect::new(0, 0, 80, 24), Screen::Image, false);
        assert_eq!(narrow.side.width, SIDE_WIDTH);
        assert_eq!(narrow.images[0], Rect::new(1, 2, 48, 20));
        let tiny = panes(Rect::new(0, 0, 60, 24), Screen::Image, false);
        assert_eq!(tiny.side.width, 0);
        assert_eq!(tiny.images[0], Rect::new(1, 2, 58, 20));
    }

    #[test]
    fn browse_shows_a_preview_only_when_wide() {
        assert_eq!(
            panes(Rect::new(0, 0, 160, 48), Screen::Browse, false)
                .images
                .len(),
            1
        );
        assert!(
            panes(Rect::new(0, 0, 80, 24), Screen::Browse, false)
                .images
                .is_empty()
        );
        assert!(too_small(Rect::new(0, 0, 50, 20)));
        assert!(!too_small(Rect::new(0, 0, 80, 24)));
    }
}
