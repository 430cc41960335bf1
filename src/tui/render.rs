//! Pixels to terminal cells, with no terminal I/O: [`compose()`] blends an image with one of
//! its overlays into an [`Rgb`] frame; [`HalfBlocks`] draws a [`Viewport`] of that frame into
//! a ratatui buffer two pixels per cell (works over SSH, tmux and mosh); [`PixelPane`] draws
//! it with real pixels through ratatui-image (kitty, sixel, iTerm2) where the terminal can.
//!
//! Coordinates: image pixels are `(x, y)` from the top-left; a [`Viewport`] maps them to
//! cells of a render area in "half-block space", where a cell is one pixel wide and two tall.

mod compose;
mod halfblocks;
mod marks;
mod pixels;
mod viewport;

pub use compose::{compose, compose_into, compose_rect};
pub use halfblocks::HalfBlocks;
pub use marks::Marks;
pub use pixels::{Graphics, PixelPane, crop_resize, detect_graphics};
pub use viewport::Viewport;

use crate::dataset::raster::Grey8;

/// An sRGB frame, row-major.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rgb {
    /// Size in pixels: the image's (a triptych pane is one image, not three).
    pub width: u32,
    pub height: u32,
    /// `width * height` pixels.
    pub pixels: Vec<[u8; 3]>,
}

impl Rgb {
    /// The pixel at `(x, y)`, or `None` outside the frame.
    pub fn get(&self, x: u32, y: u32) -> Option<[u8; 3]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        self.pixels
            .get(y as usize * self.width as usize + x as usize)
            .copied()
    }
}

/// What is drawn over the grey image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overlay {
    /// The image alone.
    None,
    /// The mask's class colours.
    Mask,
    /// The model's predicted class colours.
    Prediction,
    /// The true class colour where prediction and mask disagree; the rest darkened.
    Error,
    /// The model's uncertainty as a heat map.
    Uncertainty,
    /// The pixels edited by hand in their new class colour; the rest darkened.
    Edited,
}

impl Overlay {
    /// Every overlay, in the order a "next overlay" key cycles through them.
    pub const ALL: [Overlay; 6] = [
        Overlay::None,
        Overlay::Mask,
        Overlay::Prediction,
        Overlay::Error,
        Overlay::Uncertainty,
        Overlay::Edited,
    ];

    /// A short name for the status bar.
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "image",
            Self::Mask => "mask",
            Self::Prediction => "prediction",
            Self::Error => "errors",
            Self::Uncertainty => "uncertainty",
            Self::Edited => "edited",
        }
    }

    /// The next overlay in [`Overlay::ALL`], wrapping around.
    #[must_use]
    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|&o| o == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

/// An image and the per-pixel layers that may be drawn over it, all row-major and the
/// image's size. A layer of the wrong length counts as missing.
#[derive(Debug, Clone, Copy)]
pub struct Layers<'a> {
    /// The grey image as displayed (through the grey window when one is set), 8-bit levels.
    pub image: &'a Grey8,
    /// Class id per pixel ([`crate::dataset::schema::OUTSIDE`] = value outside the schema).
    pub mask: Option<&'a [u8]>,
    /// Predicted class id per pixel.
    pub prediction: Option<&'a [u8]>,
    /// The model's confidence: margin between the two most likely classes × 255.
    pub margin: Option<&'a [u8]>,
    /// MC-dropout disagreement × 255; preferred over the margin for uncertainty.
    pub disagreement: Option<&'a [u8]>,
    /// The mask before hand edits (where `mask` is the edited one).
    pub original: Option<&'a [u8]>,
}

impl<'a> Layers<'a> {
    /// Just the image, no layers.
    pub fn image(image: &'a Grey8) -> Self {
        Self {
            image,
            mask: None,
            prediction: None,
            margin: None,
            disagreement: None,
            original: None,
        }
    }

    /// Whether `overlay` can be drawn from the layers present (else [`compose()`] draws the
    /// image alone, and the caller should say why).
    pub fn has(&self, overlay: Overlay) -> bool {
        let n = self.image.pixels.len();
        let ok = |l: Option<&[u8]>| l.is_some_and(|l| l.len() == n);
        match overlay {
            Overlay::None => true,
            Overlay::Mask => ok(self.mask),
            Overlay::Prediction => ok(self.prediction),
            Overlay::Error => ok(self.mask) && ok(self.prediction),
            Overlay::Uncertainty => ok(self.disagreement) || ok(self.margin),
            Overlay::Edited => ok(self.mask) && ok(self.original),
        }
    }
}

#[cfg(test)]
mod tests;
