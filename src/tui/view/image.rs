//! The image screen: one picture or the image | mask | prediction triptych, and the side panel
//! with the image's facts, the class legend with per-class area and IoU, and the cursor pixel.
//!
//! A picture is drawn from `Current::composed`, the frame the state composed (grey image,
//! overlay, grey window), through the view's `Viewport`: fitted to the pane by default, else
//! zoomed and panned by hand. Real pixels go out through a `PixelPane` when the terminal has a
//! graphics protocol; only half blocks draw the cursor and the editor's marks (the graphics
//! path draws neither).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::super::app::{App, Current, Levels, PredState};
use super::super::layout::{Panes, outer};
use super::super::render::{Graphics, HalfBlocks, Marks, Overlay, PixelPane, Viewport};
use super::block;

mod side;
use side::side;

/// Titles of the triptych's three panes, left to right.
const TRIPTYCH_TITLES: [&str; 3] = ["image", "mask", "prediction"];

/// Draws every image pane (the first framed as focused, with the queue's region box and the
/// bottom border's scale bar), then the side panel when the layout gives it room.
pub fn draw(app: &App, panes: &Panes, buf: &mut Buffer, pixels: &mut [PixelPane]) {
    let Some(c) = &app.current else {
        let area = panes.images.first().copied().unwrap_or(panes.main);
        placeholder(
            app,
            outer(area),
            "no image selected: pick one in the list (1)",
            buf,
        );
        return;
    };
    for (i, &pane) in panes.images.iter().enumerate() {
        let title = if app.image.triptych {
            format!(" {} ", TRIPTYCH_TITLES[i])
        } else {
            picture_title(app, c)
        };
        block(app, title, i == 0).render(outer(pane), buf);
        picture(app, c, i, pane, buf, pixels);
        if i == 0 {
            region_box(app, pane, buf);
            bottom_border(app, c, pane, buf);
        }
    }
    if panes.side.width > 0 {
        side(app, c, panes.side, buf);
    }
}

/// The preview pane of the list screens.
pub fn preview(app: &App, pane: Rect, buf: &mut Buffer, pixels: &mut [PixelPane]) {
    let Some(c) = &app.current else {
        placeholder(app, outer(pane), "no image", buf);
        return;
    };
    block(app, picture_title(app, c), false).render(outer(pane), buf);
    picture(app, c, 0, pane, buf, pixels);
}

/// `stem · overlay opacity% · state · editor essentials · grey window`, the parts that do not
/// apply left out.
fn picture_title(app: &App, c: &Current) -> String {
    let overlay = app.image.overlay;
    let state = match (&c.prediction, overlay) {
        (PredState::Running, Overlay::Prediction | Overlay::Error | Overlay::Uncertainty) => {
            " · predicting…"
        }
        _ => "",
    };
    let loading = if c.loading { " · loading…" } else { "" };
    let opacity = if matches!(overlay, Overlay::None | Overlay::Error | Overlay::Edited) {
        String::new()
    } else {
        format!(" {}%", u32::from(app.image.opacity) * 10)
    };
    let levels = match (app.image.levels, app.grey_window()) {
        (Levels::Manual(_), Some(w)) => format!(" · window {}–{}", w.lo(), w.hi()),
        (_, Some(w)) => format!(" · auto {}–{}", w.lo(), w.hi()),
        (_, None) => String::new(),
    };
    // The window last: a narrow pane cuts the title's end, and the editor's essentials
    // matter more (the side panel says the window too).
    format!(
        " {} · {}{opacity}{state}{loading}{}{levels} ",
        c.row.stem,
        overlay.label(),
        editor_title(app, c)
    )
}

/// On the picture's bottom border: a µm scale bar from the pixel size, the zoom (pixels per
/// cell), and with the uncertainty overlay its colour scale.
fn bottom_border(app: &App, c: &Current, pane: Rect, buf: &mut Buffer) {
    let Some(v) = app.viewport() else { return };
    let t = &app.theme;
    let y = pane.y + pane.height;
    let mut x = pane.x + 1;
    let right_end = pane.x + pane.width;
    if let Some((cells, label)) = c.row.pixel_size.and_then(|px| scale_bar(px, v.scale)) {
        let bar = format!(
            "├{}┤ {label}",
            "─".repeat(usize::from(cells.saturating_sub(2)))
        );
        buf.set_string(x, y, &bar, t.text());
        x += bar.chars().count() as u16 + 2;
    }
    let zoom = if v.scale >= 1.0 {
        format!(" {:.1} px/cell ", v.scale)
    } else {
        format!(" {:.1} cells/px ", 1.0 / v.scale)
    };
    if app.image.overlay == Overlay::Uncertainty {
        let steps = 8u16;
        let start = right_end.saturating_sub(zoom.chars().count() as u16 + steps + 22);
        if start > x {
            buf.set_string(start, y, "certain ", t.dim());
            for k in 0..steps {
                let style = t.heat(f64::from(k) / f64::from(steps - 1));
                buf.set_string(start + 8 + k, y, " ", style);
            }
            buf.set_string(start + 8 + steps, y, " uncertain", t.dim());
        }
    }
    let zx = right_end.saturating_sub(zoom.chars().count() as u16 + 1);
    if zx > x {
        buf.set_string(zx, y, &zoom, t.dim());
    }
}

/// A scale bar of a round length (1, 2 or 5 × 10ⁿ µm) between 6 and 16 cells long, for
/// `um_per_px` µm per pixel and `px_per_cell` pixels per cell: its length in cells and label.
pub fn scale_bar(um_per_px: f64, px_per_cell: f64) -> Option<(u16, String)> {
    let um_per_cell = um_per_px * px_per_cell;
    if !(um_per_cell.is_finite() && um_per_cell > 0.0) {
        return None;
    }
    let target = um_per_cell * 10.0;
    let mag = 10f64.powf(target.log10().floor());
    let nice = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .min_by(|a, b| (a - target).abs().total_cmp(&(b - target).abs()))?;
    let cells = (nice / um_per_cell).round();
    if !(6.0..=16.0).contains(&cells) {
        return None;
    }
    let label = if nice >= 1000.0 {
        format!("{} mm", nice / 1000.0)
    } else if nice >= 1.0 {
        format!("{nice} µm")
    } else {
        format!("{} nm", (nice * 1000.0).round())
    };
    Some((cells as u16, label))
}

/// The box of the region a queue entry is about, drawn in cells over the picture so that it
/// stays visible at any zoom (a pixel outline would vanish when zoomed out).
fn region_box(app: &App, pane: Rect, buf: &mut Buffer) {
    let (Some(r), Some(v)) = (app.image.highlight, app.viewport()) else {
        return;
    };
    let (Some((c0, r0)), Some((c1, r1))) = (
        v.pixel_to_cell(r.x0, r.y0),
        v.pixel_to_cell(r.x1.saturating_sub(1), r.y1.saturating_sub(1)),
    ) else {
        return;
    };
    let style = app.theme.warn();
    let inside = |c: u16, r: u16| c < pane.width && r < pane.height;
    let mut put = |c: u16, r: u16, ch: &str| {
        if inside(c, r) {
            buf[(pane.x + c, pane.y + r)]
                .set_symbol(ch)
                .set_style(style);
        }
    };
    for c in c0..=c1 {
        put(c, r0, "─");
        put(c, r1, "─");
    }
    for r in r0..=r1 {
        put(c0, r, "│");
        put(c1, r, "│");
    }
    put(c0, r0, "┌");
    put(c1, r0, "┐");
    put(c0, r1, "└");
    put(c1, r1, "┘");
}

/// The editor's essentials in the picture's title, visible at any terminal size (the side
/// panel is left out on narrow terminals): class, brush, mode, save state.
fn editor_title(app: &App, c: &Current) -> String {
    let e = &app.edit;
    if !e.active {
        return String::new();
    }
    let mode = match (e.paint, e.erase, e.restore) {
        (true, true, _) => " PAINT ERASE",
        (true, _, true) => " PAINT RESTORE",
        (true, false, false) => " PAINT",
        (false, true, _) => " erase",
        (false, _, true) => " restore",
        (false, false, false) => "",
    };
    let saved = match e.unsaved.get(&c.row.id) {
        Some(n) if *n > 0 => format!(" · saving {n}"),
        _ if app.edit_session().is_some_and(|s| s.changed_pixels() > 0) => " · saved".into(),
        _ => String::new(),
    };
    format!(
        " │ edit {} brush {}{mode}{saved}",
        app.ctx.schema.short(e.class),
        e.brush
    )
}

/// What the editor's tools will touch, drawn before they act: the brush footprint around the
/// cursor, and the polygon's corners, edges and rubber band. `None` when the editor is off.
fn editor_marks(app: &App, size: (u32, u32)) -> Option<Marks> {
    let e = &app.edit;
    if !e.active {
        return None;
    }
    let cursor = app.image.cursor;
    let mut marks = Marks::cursor(cursor);
    let id = app.current.as_ref().map(|c| c.row.id);
    if let Some((_, sp)) = e
        .superpixels
        .as_ref()
        .filter(|(k, _)| e.segment_edges && Some(*k) == id)
    {
        marks = marks.with_edges(size.0, |i| sp.is_boundary(i), sp.labels().len());
    }
    Some(if e.polygon.is_empty() {
        marks.with_brush(size, cursor, e.brush, e.shape)
    } else {
        marks.with_polygon(&e.polygon, Some(cursor))
    })
}

/// Draws composed picture `i` into `pane` (already inside its border) through the fitted or
/// zoomed viewport: as real pixels when the terminal has a graphics protocol, else as half
/// blocks with the cursor and the editor's marks (on the image screen only).
fn picture(
    app: &App,
    c: &Current,
    i: usize,
    pane: Rect,
    buf: &mut Buffer,
    pixels: &mut [PixelPane],
) {
    let rgb = match (&c.image, c.composed.get(i)) {
        (Err(e), _) => {
            // `pane` is already inside the picture's border.
            Paragraph::new(format!("cannot show this image: {e}"))
                .style(app.theme.warn())
                .wrap(Wrap { trim: true })
                .render(pane, buf);
            return;
        }
        (Ok(_), Some(rgb)) => rgb,
        (Ok(_), None) => return,
    };
    let view = app
        .image
        .view
        .unwrap_or_else(|| Viewport::fit(rgb.width, rgb.height, pane.width, pane.height));
    let cursor = (app.screen == super::super::app::Screen::Image).then_some(app.image.cursor);
    let marks = cursor.and_then(|_| editor_marks(app, (rgb.width, rgb.height)));
    match pixels.get_mut(i) {
        Some(p) if app.graphics != Graphics::HalfBlocks => {
            p.render(rgb, c.version * 4 + i as u64, view, pane, buf);
        }
        _ => HalfBlocks {
            rgb,
            view,
            cursor,
            marks: marks.as_ref(),
            theme: &app.theme,
            majority: pure_class_map(app, i),
        }
        .render(pane, buf),
    }
}

/// Whether picture `i` is a class map without the grey image blended in: the triptych's mask
/// and prediction, or a mask or prediction overlay at full opacity.
fn pure_class_map(app: &App, i: usize) -> bool {
    if app.image.triptych {
        return i > 0;
    }
    matches!(app.image.overlay, Overlay::Mask | Overlay::Prediction) && app.image.opacity >= 10
}

/// A framed warning in place of a picture (no image selected, or none loaded).
fn placeholder(app: &App, area: Rect, text: &str, buf: &mut Buffer) {
    Paragraph::new(text.to_string())
        .style(app.theme.warn())
        .wrap(Wrap { trim: true })
        .block(block(app, " image ".into(), false))
        .render(area, buf);
}
