//! The dataset list: samples and their images with pixel size, bin, label state, mIoU, queue
//! flag and review status; only the visible window is built, so 16,000 rows cost nothing.
//!
//! Keys (default keymap): arrows, `j`/`k`, page keys and `g`/`G` move; enter or `l` opens the
//! image (or folds a header), space folds the sample, `.`/`,` jump to the next or previous
//! queued image, `r`/`f`/`s` record reviewed, flag, skip. Imported tiles sit under a header
//! per raw image with their review progress.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Row, Table, Widget};

use crate::dataset::decision::Decision;
use crate::dataset::image::IndexedImage;
use crate::labels::status::MaskStatus;

use super::super::app::{App, Entry};
use super::super::layout::{self, Panes};
use super::super::render::PixelPane;
use super::{block, image};

/// Draws the list in the main pane and the shown image's preview in the first image pane.
pub fn draw(app: &App, panes: &Panes, buf: &mut Buffer, pixels: &mut [PixelPane]) {
    list(app, panes.main, buf);
    if let Some(&pane) = panes.images.first() {
        image::preview(app, pane, buf, pixels);
    }
}

/// The visible window of list entries (sample headers, raw-image headers, images) from the
/// scroll offset, the cursor's highlighted; the title counts position and entries.
fn list(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let height = layout::table_rows(area);
    let l = &app.list;
    let name_w = usize::from(area.width).saturating_sub(NOT_NAME);
    let end = (l.offset + height).min(l.entries.len());
    let rows: Vec<Row<'_>> = l.entries[l.offset..end]
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let selected = l.offset + i == l.cursor;
            let row = match *e {
                Entry::Sample { first, images } => sample_row(app, first, images),
                Entry::Source { first, images } => source_row(app, first, images),
                Entry::Image(r) => image_row(app, &app.rows[r], name_w),
            };
            if selected {
                row.style(t.selected(true))
            } else {
                row
            }
        })
        .collect();
    let header =
        Row::new(["image", "µm/px", "bin", "mask", "mIoU", "flag", "review"]).style(t.header());
    let title = format!(" {} · {}/{} ", app.ctx.name, l.cursor + 1, l.entries.len());
    Table::new(
        rows,
        [
            Constraint::Min(18),
            Constraint::Length(6),
            Constraint::Length(3),
            Constraint::Length(9),
            Constraint::Length(5),
            Constraint::Length(4),
            Constraint::Length(9),
        ],
    )
    .header(header)
    .block(block(app, title, true))
    .render(area, buf);
}

/// A sample's header: fold mark (`▸` folded, `▾` open), name, labelled images of all, and
/// how many raw images its imported tiles come from.
fn sample_row<'a>(app: &App, first: usize, images: usize) -> Row<'a> {
    let rows = &app.rows[first..first + images];
    let labelled = rows.iter().filter(|r| app.marks.has_label(r)).count();
    let sample = &rows[0].sample;
    let fold = if app.list.folded.contains(sample) {
        "▸"
    } else {
        "▾"
    };
    // Tiles made by `import` are grouped under a header per raw image (see `source_row`);
    // the sample's header counts the raw images.
    let mut sources: Vec<&str> = rows
        .iter()
        .filter_map(|r| app.marks.tiles.get(&r.id).map(|t| t.source.as_str()))
        .collect();
    sources.sort_unstable();
    sources.dedup();
    let from = match sources.len() {
        0 => String::new(),
        1 => ", 1 raw image".to_string(),
        k => format!(", {k} raw images"),
    };
    Row::new([format!(
        "{fold} {sample}  ({labelled}/{images} labelled{from})"
    )])
    .style(app.theme.title(false))
}

/// The header over one raw image's tiles: its name and how far their review has got (tiles
/// corrected, accepted or labelled are done). The counts sit in the mask and review columns,
/// which stay visible when the preview pane narrows the first.
fn source_row<'a>(app: &App, first: usize, images: usize) -> Row<'a> {
    let rows = &app.rows[first..first + images];
    let source = app
        .marks
        .tiles
        .get(&rows[0].id)
        .map_or("?", |t| t.source.as_str());
    let done = rows
        .iter()
        .filter(|r| {
            matches!(
                app.marks.labels.status(r, app.marks.reviews.get(&r.id)),
                MaskStatus::Corrected | MaskStatus::Accepted | MaskStatus::Original
            )
        })
        .count();
    let t = &app.theme;
    let open = images - done;
    Row::new(vec![
        Line::raw(format!("  ◇ {source}: {images} tiles")),
        Line::raw(""),
        Line::raw(""),
        Line::styled(
            format!("{done}/{images}"),
            if open == 0 { t.ok() } else { t.text() },
        ),
        Line::raw(""),
        Line::raw(""),
        Line::raw(if open == 0 {
            "all done".to_string()
        } else {
            format!("{open} to do")
        }),
    ])
    .style(t.dim())
}

/// The image's current mask: original, corrected (warned while not yet exported), accepted;
/// a mask file that is partial says its labelled share (`part 12%`).
fn mask_cell<'a>(app: &App, r: &IndexedImage) -> Line<'a> {
    let t = &app.theme;
    let status = app.marks.labels.status(r, app.marks.reviews.get(&r.id));
    if status == MaskStatus::Original
        && let Some(share) = r.labelled_share().filter(|s| *s < 1.0)
    {
        let pct = (100.0 * share)
            .floor()
            .max(if share > 0.0 { 1.0 } else { 0.0 });
        return Line::styled(format!("part {pct:.0}%"), t.warn());
    }
    let style = match status {
        MaskStatus::Original => t.text(),
        MaskStatus::Corrected if app.marks.labels.unexported(r.id) => t.warn(),
        MaskStatus::Corrected | MaskStatus::Accepted => t.ok(),
        MaskStatus::Bad => t.error(),
        MaskStatus::None => t.dim(),
    };
    Line::styled(status.as_str(), style)
}

/// Cells of a list row that are not the image column: 2 borders, the six fixed columns
/// (6 + 3 + 9 + 5 + 4 + 9) and the 6 one-cell gaps between the seven columns.
const NOT_NAME: usize = 2 + 36 + 6;

/// `name` in at most `w` cells, cut in the middle (`…`) so that its end stays: the end of an
/// imported tile's name (`-x344_y44`) is what tells its tiles apart.
fn keep_end(name: &str, w: usize) -> String {
    let n = name.chars().count();
    if n <= w || w < 4 {
        return name.to_string();
    }
    let tail = name.rfind('-').map_or(w / 2, |i| name[i..].chars().count());
    let tail = tail.min(w - 2);
    let head = w - 1 - tail;
    let start: String = name.chars().take(head).collect();
    let end: String = name.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// One image: name (indented under a raw-image header, cut in the middle to fit), pixel size
/// in µm/px, scale bin, mask status, the image's mIoU against the model, the queue's flag and
/// the latest decision.
fn image_row<'a>(app: &App, r: &IndexedImage, name_w: usize) -> Row<'a> {
    let t = &app.theme;
    let miou = app.marks.miou.get(&r.id).copied();
    let review = app.marks.reviews.get(&r.id).map(|e| e.decision);
    let review_style = match review {
        Some(Decision::Reviewed) => t.ok(),
        Some(Decision::Flagged) => t.warn(),
        _ => t.dim(),
    };
    Row::new(vec![
        Line::raw(if app.marks.tiles.contains_key(&r.id) {
            format!("    {}", keep_end(&r.stem, name_w.saturating_sub(4)))
        } else {
            format!("  {}", keep_end(&r.stem, name_w.saturating_sub(2)))
        }),
        Line::raw(r.pixel_size.map_or("?".into(), |p| format!("{p:.3}"))),
        Line::raw(r.bin.map_or("?".into(), |b| b.to_string())),
        mask_cell(app, r),
        Line::from(Span::styled(super::fmt_opt(miou), t.iou(miou))),
        Line::styled(
            app.marks
                .flags
                .get(&r.id)
                .copied()
                .unwrap_or("")
                .to_string(),
            t.warn(),
        ),
        Line::styled(review.map_or("–", |d| d.as_str()).to_string(), review_style),
    ])
}
