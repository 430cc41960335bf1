//! Zoom, pan and the pixel cursor of the image screen: the viewport is kept in image pixels
//! (`None` = fit), clamped to the image pane, and follows the cursor.

use super::super::layout::Panes;
use super::super::render::Viewport;
use super::App;

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
    }

    pub(super) fn pan(&mut self, dx: f64, dy: f64) {
        let (Some(v), Some((w, h)), Some(pane)) = (
            self.viewport(),
            self.current_size(),
            self.panes().images.first().copied(),
        ) else {
            return;
        };
        let step_x = f64::from(pane.width) * v.scale / 4.0;
        let step_y = f64::from(pane.height) * 2.0 * v.scale / 4.0;
        let moved = Viewport {
            x0: v.x0 + dx * step_x,
            y0: v.y0 + dy * step_y,
            scale: v.scale,
        };
        self.image.view = Some(self.clamp(moved, w, h));
    }

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

    pub(super) fn clamp_view(&mut self) {
        if let (Some(v), Some((w, h))) = (self.image.view, self.current_size()) {
            self.image.view = Some(self.clamp(v, w, h));
        }
    }

    fn clamp(&self, v: Viewport, w: u32, h: u32) -> Viewport {
        match self.panes().images.first() {
            Some(p) => v.clamp(w, h, p.width, p.height),
            None => v,
        }
    }

    fn fit_view(&self) -> Option<Viewport> {
        let (w, h) = self.current_size()?;
        let pane = *self.panes().images.first()?;
        Some(Viewport::fit(w, h, pane.width, pane.height))
    }

    fn current_size(&self) -> Option<(u32, u32)> {
        self.current.as_ref()?.size()
    }
}
