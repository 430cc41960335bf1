//! The image screen: one picture or the image | mask | prediction triptych, and the side panel
//! with the image's facts, the class legend with per-class area and IoU, and the cursor pixel.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::super::app::{App, Current, PredState};
use super::super::layout::{Panes, outer};
use super::super::render::{Graphics, HalfBlocks, Overlay, PixelPane, Viewport};
use super::{block, fmt_opt};

const TRIPTYCH_TITLES: [&str; 3] = ["image", "mask", "prediction"];

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
    let levels = match &c.stretched {
        Some((_, (lo, hi))) => format!(" · levels {lo}–{hi}"),
        None => String::new(),
    };
    format!(
        " {} · {}{opacity}{levels}{state}{loading}{} ",
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
    let mode = match (e.paint, e.erase) {
        (true, true) => " PAINT ERASE",
        (true, false) => " PAINT",
        (false, true) => " erase",
        (false, false) => "",
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
    match pixels.get_mut(i) {
        Some(p) if app.graphics != Graphics::HalfBlocks => {
            p.render(rgb, c.version * 4 + i as u64, view, pane, buf);
        }
        _ => HalfBlocks {
            rgb,
            view,
            cursor,
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

fn placeholder(app: &App, area: Rect, text: &str, buf: &mut Buffer) {
    Paragraph::new(text.to_string())
        .style(app.theme.warn())
        .wrap(Wrap { trim: true })
        .block(block(app, " image ".into(), false))
        .render(area, buf);
}

fn side(app: &App, c: &Current, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    // Most needed first: on a short terminal the bottom of the panel is cut.
    let mut lines = facts(app, c);
    lines.extend(editor_lines(app, c));
    lines.extend(cursor_lines(app, c));
    lines.push(Line::styled("class      mask%  pred%  IoU", t.header()));
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
            Span::styled(fmt_opt(s.iou), t.iou(s.iou)),
        ]));
    }
    lines.push(Line::styled("* underrepresented class", t.dim()));
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(app, " legend ".into(), false))
        .render(area, buf);
}

fn facts<'a>(app: &App, c: &Current) -> Vec<Line<'a>> {
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
    if let Some(e) = &c.mask_error {
        lines.push(Line::styled(format!("mask: {e}"), t.error()));
    } else if c.mask.is_none() && r.is_labelled() {
        lines.push(Line::styled(
            "mask not loaded (the image is unreadable)",
            t.warn(),
        ));
    } else if c.mask.is_none() {
        lines.push(Line::styled("unlabelled (no mask)", t.dim()));
    }
    match &c.prediction {
        PredState::Running => lines.push(Line::styled("predicting…", t.warn())),
        PredState::Unavailable(w) => {
            lines.push(Line::styled(format!("no prediction: {w}"), t.dim()));
        }
        PredState::Stored(_) => {}
    }
    lines
}

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

/// The editor's state for the side panel: tool settings while editing, and for an image
/// with edits how much changed, the agreement with the proposal and whether all is saved.
fn editor_lines<'a>(app: &App, c: &Current) -> Vec<Line<'a>> {
    let t = &app.theme;
    let e = &app.edit;
    let mut lines = Vec::new();
    if let Some(why) = e.broken.get(&c.row.id) {
        lines.push(Line::styled(
            format!("saved edits not applied: {why}"),
            t.error(),
        ));
    }
    if e.active {
        let shape = match e.shape {
            crate::review::edit::tools::BrushShape::Round => "round",
            crate::review::edit::tools::BrushShape::Square => "square",
        };
        let mode = match (e.paint, e.erase) {
            (true, true) => " · PAINT ERASE",
            (true, false) => " · PAINT",
            (false, true) => " · erase",
            (false, false) => "",
        };
        let class = app.ctx.schema.short(e.class);
        lines.push(Line::from(vec![
            Span::styled("edit ", t.title(false)),
            Span::styled(
                "██",
                ratatui::style::Style::default().fg(t.class_colour(&app.ctx.schema, e.class)),
            ),
            Span::styled(
                format!(" {class}({}) {}px {shape}{mode}", e.class, e.brush),
                t.text(),
            ),
        ]));
        let locked: Vec<String> = e
            .locks
            .locked()
            .iter()
            .map(|&l| app.ctx.schema.short(l))
            .collect();
        let locked = if locked.is_empty() {
            String::new()
        } else {
            format!(" · locked {}", locked.join(" "))
        };
        lines.push(Line::styled(
            format!(
                "grey ±{} · accept ≥{:.2}{locked}",
                e.tolerance,
                f64::from(e.min_confidence) / 255.0
            ),
            t.text(),
        ));
        if let Some(p) = &e.picker {
            lines.push(Line::styled(format!("class: {p}▏"), t.warn()));
        }
    }
    if let Some(s) = app.edit_session() {
        let dice = c
            .counts
            .as_ref()
            .and_then(super::super::app::stats_dice)
            .map_or(String::new(), |d| format!(" · Dice {d:.3}"));
        lines.push(Line::styled(
            format!("{} px edited{dice}", s.changed_pixels()),
            t.text(),
        ));
        if let Some(p) = e.provenance.get(&c.row.id) {
            lines.push(Line::styled(
                format!(
                    "saved edits: {} · {:.0} min active · {}",
                    p.users.join(", "),
                    p.active_seconds / 60.0,
                    p.tools.join(" ")
                ),
                t.dim(),
            ));
        }
        let unsaved = e.unsaved.get(&c.row.id).copied().unwrap_or(0);
        let (text, style) = if unsaved > 0 {
            (format!("saving {unsaved} edits…"), t.warn())
        } else {
            ("all edits saved".to_string(), t.ok())
        };
        lines.push(Line::styled(text, style));
    }
    lines
}
