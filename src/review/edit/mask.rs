//! A label mask being edited: class ids per pixel, and the rectangle changed since the view
//! last redrew, so redrawing follows the edit, not the image.

/// A pixel rectangle, `x0..x1` × `y0..y1` (exclusive ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left column and top row, in pixels.
    pub x0: u32,
    pub y0: u32,
    /// One past the right column and one past the bottom row.
    pub x1: u32,
    pub y1: u32,
}

impl Rect {
    /// The one pixel at (`x`, `y`).
    pub fn pixel(x: u32, y: u32) -> Self {
        Self {
            x0: x,
            y0: y,
            x1: x + 1,
            y1: y + 1,
        }
    }

    /// The smallest rectangle holding both.
    #[must_use]
    pub fn union(self, o: Self) -> Self {
        Self {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }

    /// Columns covered, `x1 − x0`.
    pub fn width(self) -> u32 {
        self.x1 - self.x0
    }

    /// Rows covered, `y1 − y0`.
    pub fn height(self) -> u32 {
        self.y1 - self.y0
    }
}

/// Class ids of an image's mask, row-major, with the region changed since the last
/// [`LabelMask::take_dirty`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelMask {
    /// Size in pixels; the mask holds `width × height` class ids.
    pub width: u32,
    pub height: u32,
    classes: Vec<u8>,
    dirty: Option<Rect>,
}

impl LabelMask {
    /// A mask of `width`×`height` ids (`classes.len()` must be their product).
    pub fn new(width: u32, height: u32, classes: Vec<u8>) -> Self {
        assert_eq!(
            classes.len(),
            width as usize * height as usize,
            "mask size matches its dimensions"
        );
        Self {
            width,
            height,
            classes,
            dirty: None,
        }
    }

    /// Every pixel's class id, row-major, `width × height` long.
    pub fn classes(&self) -> &[u8] {
        &self.classes
    }

    /// The class id at row-major index `i`; panics when `i` is outside the mask.
    pub fn get(&self, i: usize) -> u8 {
        self.classes[i]
    }

    /// Sets pixel `i` and marks it dirty.
    pub fn set(&mut self, i: usize, class: u8) {
        self.classes[i] = class;
        let w = self.width as usize;
        let r = Rect::pixel((i % w) as u32, (i / w) as u32);
        self.dirty = Some(self.dirty.map_or(r, |d| d.union(r)));
    }

    /// Adds `r` to the region to redraw (e.g. where a preview was shown).
    pub fn mark_dirty(&mut self, r: Rect) {
        self.dirty = Some(self.dirty.map_or(r, |d| d.union(r)));
    }

    /// The region changed since the last call, and forgets it.
    pub fn take_dirty(&mut self) -> Option<Rect> {
        self.dirty.take()
    }

    /// The mask's ids, consuming it.
    pub fn into_classes(self) -> Vec<u8> {
        self.classes
    }
}
