//! Zoom, pan and the pixel cursor of the image screen: the viewport is kept in image pixels
//! (`None` = fit), clamped to the image pane. View and cursor are one model: the cursor is
//! always on screen. A cursor move that leaves the view pans it; a pan (keys or a mouse drag)
//! carries the cursor along at its place on screen, so the next cursor move starts from what
//! is shown and never jumps the view back.

use super::super::layout::Panes;
use super::super::render::Viewport;
use super::App;
use ratatui::layout::Rect;

/// Zoom factor per key press.
pub const ZOOM_STEP: f64 = 1.5;

impl App {
    /// The viewport of the first image pane (all triptych panes share it).
    pub fn viewport(&self) -> Option<Viewport> {
        let (w, h) = self.current.as_ref()?.size()?;
        let pane = *self.panes().images.first()?;
        Some(
            self.image
                .view
                .unwrap_or_else(|| Viewport::fit(w, h, pane.width, pane.height)),
        )
    }

    /// Zooms by `factor` (above 1 zooms in) about the cursor's pixel; zooming out past the fit
    /// goes back to the fit (`view` = `None`).
    pub(super) fn zoom(&mut self, factor: f64) {
        let (Some(v), Some((w, h))) = (self.viewport(), self.current_size()) else {
            return;
        };
        let (cx, cy) = self.image.cursor;
        let z = v.zoom_about(factor, f64::from(cx) + 0.5, f64::from(cy) + 0.5);
        // Zooming out beyond the fit is the fit.
        let fit = self.fit_view();
        self.image.view = match fit {
            Some(f) if z.scale >= f.scale => None,
            _ => Some(self.clamp(z, w, h)),
        };
        // The clamp may have moved the view off a cursor near the image's edge.
        self.cursor_into_view((f64::from(cx), f64::from(cy)));
    }

    /// The shown image's viewport, its size in pixels and the pane it is drawn in, when an
    /// image is shown.
    fn view_geometry(&self) -> Option<(Viewport, (u32, u32), Rect)> {
        Some((
            self.viewport()?,
            self.current_size()?,
            self.panes().images.first().copied()?,
        ))
    }

    /// Pans by a quarter of the pane per step in direction (`dx`, `dy`) (−1, 0 or 1 each),
    /// clamped to the image; the cursor moves along.
    pub(super) fn pan(&mut self, dx: f64, dy: f64) {
        let Some((v, (w, h), pane)) = self.view_geometry() else {
            return;
        };
        let step_x = f64::from(pane.width) * v.scale / 4.0;
        let step_y = f64::from(pane.height) * 2.0 * v.scale / 4.0;
        let moved = self.clamp(v.pan(dx * step_x, dy * step_y), w, h);
        self.pan_to(v, moved);
    }

    /// Shows `to` instead of `from` (the same scale, moved): the cursor moves by as many
    /// pixels as the view did, keeping its place on screen, and stays inside what is shown.
    fn pan_to(&mut self, from: Viewport, to: Viewport) {
        let (x, y) = self.image.cursor;
        let moved = (
            f64::from(x) + (to.x0 - from.x0),
            f64::from(y) + (to.y0 - from.y0),
        );
        self.image.view = Some(to);
        self.cursor_into_view(moved);
    }

    /// Puts the cursor at image point `(x, y)` (pixels, rounded), or at the nearest pixel
    /// whose centre is shown when that point is off screen or off the image.
    fn cursor_into_view(&mut self, (x, y): (f64, f64)) {
        let Some((v, (w, h), pane)) = self.view_geometry() else {
            return;
        };
        // Pixel p is shown when its centre p + 0.5 lies in [origin, origin + span).
        let shown = |origin: f64, span: f64, len: u32, p: f64| {
            let first = (origin - 0.5).ceil().max(0.0);
            let last = ((origin + span - 0.5).ceil() - 1.0).min(f64::from(len) - 1.0);
            if first > last {
                return p.round().clamp(0.0, f64::from(len) - 1.0);
            }
            p.round().clamp(first, last)
        };
        let nx = shown(v.x0, f64::from(pane.width) * v.scale, w, x);
        let ny = shown(v.y0, 2.0 * f64::from(pane.height) * v.scale, h, y);
        self.image.cursor = (nx as u32, ny as u32);
    }

    /// A mouse drag outside the editor from cell `from` to cell `to` (terminal columns and
    /// rows): the image moves with the pointer and the cursor is the pixel under it.
    pub(super) fn drag_view(&mut self, from: (u16, u16), to: (u16, u16)) {
        let (Some(v), Some((w, h))) = (self.viewport(), self.current_size()) else {
            return;
        };
        let dx = (f64::from(from.0) - f64::from(to.0)) * v.scale;
        let dy = (f64::from(from.1) - f64::from(to.1)) * 2.0 * v.scale;
        let moved = self.clamp(v.pan(dx, dy), w, h);
        self.pan_to(v, moved);
        let panes = self.panes();
        self.click_image(&panes, to.0, to.1);
    }

    /// Moves the cursor by (`dx`, `dy`) cells' worth of pixels (a cell is `scale` pixels wide
    /// and `2·scale` high, at least one pixel), accelerated while a key is held in the editor,
    /// clamped to the image; the view follows, and in paint mode the move paints.
    pub(super) fn move_cursor(&mut self, dx: i64, dy: i64) {
        let (Some(v), Some((w, h))) = (self.viewport(), self.current_size()) else {
            return;
        };
        // One cell per key press: a cell spans `scale` pixels across, 2·scale down. In the
        // editor, a held key accelerates (long strokes across a large image); separate taps
        // never do, however many.
        let accel = if self.editing() {
            self.edit.accelerate((dx, dy), self.key_held)
        } else {
            1
        };
        let step_x = v.scale.round().max(1.0) as i64 * accel;
        let step_y = (2.0 * v.scale).round().max(1.0) as i64 * accel;
        let (x, y) = self.image.cursor;
        let nx = (i64::from(x) + dx * step_x).clamp(0, i64::from(w) - 1);
        let ny = (i64::from(y) + dy * step_y).clamp(0, i64::from(h) - 1);
        self.image.cursor = (nx as u32, ny as u32);
        self.follow_cursor(v, w, h);
        self.paint_move((x, y));
    }

    /// Pans so that the cursor stays visible.
    ///
    /// A cursor still inside the pane leaves the view alone; one outside it re-centres the
    /// view on the cursor at the same scale, clamped to the image.
    fn follow_cursor(&mut self, v: Viewport, w: u32, h: u32) {
        let Some(pane) = self.panes().images.first().copied() else {
            return;
        };
        if v.pixel_to_cell(self.image.cursor.0, self.image.cursor.1)
            .is_some_and(|(c, r)| c < pane.width && r < pane.height)
        {
            return;
        }
        let vis_w = f64::from(pane.width) * v.scale;
        let vis_h = f64::from(pane.height) * 2.0 * v.scale;
        let centred = Viewport {
            x0: f64::from(self.image.cursor.0) - vis_w / 2.0,
            y0: f64::from(self.image.cursor.1) - vis_h / 2.0,
            scale: v.scale,
        };
        self.image.view = Some(self.clamp(centred, w, h));
    }

    /// Puts the cursor on the image pixel under terminal cell (`col`, `row`), when that cell is
    /// in an image pane and over the image.
    pub(super) fn click_image(&mut self, panes: &Panes, col: u16, row: u16) {
        let Some(v) = self.viewport() else { return };
        let Some((w, h)) = self.current_size() else {
            return;
        };
        for pane in &panes.images {
            if pane.contains((col, row).into()) {
                let (px, py) = v.cell_to_pixel(col - pane.x, row - pane.y, true);
                if px >= 0.0 && py >= 0.0 && px < f64::from(w) && py < f64::from(h) {
                    self.image.cursor = (px as u32, py as u32);
                }
            }
        }
    }

    /// Keeps the view on the image after a resize or a layout change, and the cursor in it.
    pub(super) fn clamp_view(&mut self) {
        if let (Some(v), Some((w, h))) = (self.image.view, self.current_size()) {
            self.image.view = Some(self.clamp(v, w, h));
        }
        // Only the Image screen's panes show the cursor (a list's preview pane is smaller).
        if self.screen == super::Screen::Image {
            let (x, y) = self.image.cursor;
            self.cursor_into_view((f64::from(x), f64::from(y)));
        }
    }

    /// `v` kept over the image in the first image pane (no pane: unchanged).
    fn clamp(&self, v: Viewport, w: u32, h: u32) -> Viewport {
        match self.panes().images.first() {
            Some(p) => v.clamp(w, h, p.width, p.height),
            None => v,
        }
    }

    /// The viewport that fits the whole image in the first image pane.
    fn fit_view(&self) -> Option<Viewport> {
        let (w, h) = self.current_size()?;
        let pane = *self.panes().images.first()?;
        Some(Viewport::fit(w, h, pane.width, pane.height))
    }

    /// Width and height in pixels of the shown image.
    fn current_size(&self) -> Option<(u32, u32)> {
        self.current.as_ref()?.size()
    }
}
