//! Which part of an image a render area shows, at what zoom.

/// Smallest scale (largest zoom): 32 columns per image pixel.
pub const MIN_SCALE: f64 = 1.0 / 32.0;

/// The image region shown in a render area, in half-block space: a cell is one unit wide
/// and two tall, so column `c`, half-row `h` (two per row, upper first) shows the image
/// square with top-left `(x0 + c·scale, y0 + h·scale)` and side `scale`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    /// Image x (pixels) at the area's left edge; negative when the image is centred in a
    /// wider area.
    pub x0: f64,
    /// Image y (pixels) at the area's top edge.
    pub y0: f64,
    /// Image pixels per terminal column, and per half row; above 1 zooms out.
    pub scale: f64,
}

impl Viewport {
    /// The whole image, as large as fits, centred, aspect kept. An empty image or area gives
    /// scale 1 at the origin.
    pub fn fit(img_w: u32, img_h: u32, cols: u16, rows: u16) -> Self {
        if img_w == 0 || img_h == 0 || cols == 0 || rows == 0 {
            return Self {
                x0: 0.0,
                y0: 0.0,
                scale: 1.0,
            };
        }
        let (w, h) = (f64::from(cols), 2.0 * f64::from(rows));
        let scale = (f64::from(img_w) / w).max(f64::from(img_h) / h);
        Self {
            x0: (f64::from(img_w) - w * scale) / 2.0,
            y0: (f64::from(img_h) - h * scale) / 2.0,
            scale,
        }
    }

    /// Zoomed in by `factor` (above 1 magnifies) so that image point `(px, py)` stays on the
    /// same spot of the area.
    #[must_use]
    pub fn zoom_about(&self, factor: f64, px: f64, py: f64) -> Self {
        if !(factor.is_finite() && factor > 0.0) {
            return *self;
        }
        let scale = self.scale / factor;
        let keep = |p: f64, o: f64| p - (p - o) / factor;
        Self {
            x0: keep(px, self.x0),
            y0: keep(py, self.y0),
            scale,
        }
    }

    /// Moved by `(dx, dy)` image pixels.
    #[must_use]
    pub fn pan(&self, dx: f64, dy: f64) -> Self {
        Self {
            x0: self.x0 + dx,
            y0: self.y0 + dy,
            ..*self
        }
    }

    /// Within sensible bounds: scale between `MIN_SCALE` and the fit scale (zooming out
    /// past the whole image only adds margin); along an axis where the image is smaller than
    /// the area it is centred, otherwise the area stays on the image.
    #[must_use]
    pub fn clamp(&self, img_w: u32, img_h: u32, cols: u16, rows: u16) -> Self {
        let fit = Self::fit(img_w, img_h, cols, rows);
        let scale = if self.scale.is_finite() {
            self.scale.clamp(MIN_SCALE.min(fit.scale), fit.scale)
        } else {
            fit.scale
        };
        let axis = |o: f64, img: u32, span: f64| {
            let (img, span) = (f64::from(img), span * scale);
            if span >= img || !o.is_finite() {
                (img - span) / 2.0
            } else {
                o.clamp(0.0, img - span)
            }
        };
        Self {
            x0: axis(self.x0, img_w, f64::from(cols)),
            y0: axis(self.y0, img_h, 2.0 * f64::from(rows)),
            scale,
        }
    }

    /// The image point (pixels, fractional) at the centre of a half cell: `upper` picks the
    /// cell's upper half. `col`, `row` count from the area's top-left.
    pub fn cell_to_pixel(&self, col: u16, row: u16, upper: bool) -> (f64, f64) {
        let half = 2.0 * f64::from(row) + if upper { 0.0 } else { 1.0 };
        (
            self.x0 + (f64::from(col) + 0.5) * self.scale,
            self.y0 + (half + 0.5) * self.scale,
        )
    }

    /// The cell (column, row from the area's top-left) that shows the centre of pixel
    /// `(px, py)`; `None` when it lies left of or above the area (or beyond `u16`). The caller
    /// checks the right and bottom edges against its area.
    pub fn pixel_to_cell(&self, px: u32, py: u32) -> Option<(u16, u16)> {
        let col = ((f64::from(px) + 0.5 - self.x0) / self.scale).floor();
        let half = ((f64::from(py) + 0.5 - self.y0) / self.scale).floor();
        let row = (half / 2.0).floor();
        let max = f64::from(u16::MAX);
        ((0.0..=max).contains(&col) && (0.0..=max).contains(&row))
            .then_some((col as u16, row as u16))
    }
}
