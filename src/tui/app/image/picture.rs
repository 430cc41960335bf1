//! The pictures of the shown image: per-class counts, full and partial recomposition after
//! overlay changes and edits, contrast levels, and the editor's pending marks.

use std::sync::Arc;

use crate::dataset::raster::Grey8;
use crate::review::edit::EditSession;

use super::super::super::render::{Layers, Overlay, Rgb, compose, compose_rect};
use super::super::App;
use super::super::stats::ImageCounts;
use super::PredState;

impl App {
    /// Recomputes per-class figures and the composed pictures of the shown image.
    pub(in crate::tui::app) fn recompute(&mut self) {
        let classes = self.ctx.schema.len();
        let Some(c) = self.current.as_mut() else {
            return;
        };
        let edited = self.edit.sessions.get(&c.row.id).map(|s| s.mask.classes());
        let counts = ImageCounts::new(
            edited.or(c.mask.as_deref()),
            c.prediction().map(|p| &p.classes[..]),
            classes,
        );
        c.stats = counts.stats();
        c.counts = Some(counts);
        self.recompose();
    }

    /// Mask pixels changed `(index, old, new)` by an edit: per-class figures follow.
    pub(in crate::tui::app) fn count_changes(&mut self, changed: &[(usize, u8, u8)]) {
        let Some(c) = self.current.as_mut() else {
            return;
        };
        let pred = match &c.prediction {
            PredState::Stored(p) => Some(&p.classes),
            _ => None,
        };
        if let Some(counts) = c.counts.as_mut() {
            for &(i, old, new) in changed {
                counts.relabel(old, new, pred.map(|p| p[i]));
            }
            c.stats = counts.stats();
        }
    }

    /// Redraws only the region an edit changed.
    pub(in crate::tui::app) fn recompose_dirty(&mut self) {
        let Some(c) = self.current.as_mut() else {
            return;
        };
        let Some(rect) = self
            .edit
            .sessions
            .get_mut(&c.row.id)
            .and_then(|s| s.mask.take_dirty())
        else {
            return;
        };
        self.recompose_rect(rect);
    }

    /// Redraws the pixels of `rect` (after an edit, or to show or clear a preview there).
    pub(in crate::tui::app) fn recompose_rect(&mut self, rect: crate::review::edit::Rect) {
        let Some(c) = self.current.as_mut() else {
            return;
        };
        // Field by field (not `c.display()`) so that `c.composed` stays free to borrow.
        let image: &Grey8 = match (&c.stretched, &c.image) {
            (Some((s, _)), _) => s,
            (None, Ok(i)) => i,
            (None, Err(_)) => return,
        };
        let s = self.edit.sessions.get(&c.row.id);
        let pred = match &c.prediction {
            PredState::Stored(p) => Some(p.as_ref()),
            _ => None,
        };
        let layers = Layers {
            image,
            mask: s.map(|s| s.mask.classes()).or(c.mask.as_deref()),
            prediction: pred.map(|p| &p.classes[..]),
            margin: pred.map(|p| &p.margin[..]),
            disagreement: pred.and_then(|p| p.disagreement.as_deref()),
            original: s.map(EditSession::base),
        };
        let (theme, schema) = (&self.theme, &self.ctx.schema);
        let (pane, overlay, opacity) = if self.image.triptych {
            (1, Overlay::Mask, 1.0)
        } else {
            (0, self.image.overlay, self.image.opacity())
        };
        if let Some(frame) = c.composed.get_mut(pane) {
            compose_rect(&layers, overlay, opacity, theme, schema, frame, rect);
            if pane == 0 && self.edit.active {
                let colour = theme.class_rgb(schema, self.edit.class);
                mark_pending(frame, &self.edit, colour);
            }
            c.version += 1;
        }
    }

    /// Makes (or drops) the stretched display image of the shown image.
    pub(in crate::tui::app) fn apply_levels(&mut self) {
        let on = self.image.levels;
        let Some(c) = self.current.as_mut() else {
            return;
        };
        c.stretched = match (&c.image, on) {
            (Ok(img), true) => {
                let range = percentile_range(&img.pixels);
                Some((Arc::new(stretch(img, range)), range))
            }
            _ => None,
        };
    }

    /// Recomposes the pictures after an overlay, opacity or layout change.
    pub(in crate::tui::app) fn recompose(&mut self) {
        let Some(c) = self.current.as_mut() else {
            return;
        };
        let image: &Grey8 = match (&c.stretched, &c.image) {
            (Some((s, _)), _) => s,
            (None, Ok(i)) => i,
            (None, Err(_)) => {
                c.composed.clear();
                return;
            }
        };
        let pred = c.prediction();
        // The whole picture is redrawn now: nothing is left dirty.
        let session = self.edit.sessions.get_mut(&c.row.id).map(|s| {
            s.mask.take_dirty();
            &*s
        });
        let layers = Layers {
            image,
            mask: session.map(|s| s.mask.classes()).or(c.mask.as_deref()),
            prediction: pred.map(|p| &p.classes[..]),
            margin: pred.map(|p| &p.margin[..]),
            disagreement: pred.and_then(|p| p.disagreement.as_deref()),
            original: session.map(EditSession::base),
        };
        let (theme, schema) = (&self.theme, &self.ctx.schema);
        c.composed = if self.image.triptych {
            vec![
                compose(&layers, Overlay::None, 0.0, theme, schema),
                compose(&layers, Overlay::Mask, 1.0, theme, schema),
                compose(&layers, Overlay::Prediction, 1.0, theme, schema),
            ]
        } else {
            vec![compose(
                &layers,
                self.image.overlay,
                self.image.opacity(),
                theme,
                schema,
            )]
        };
        if let Some(frame) = c.composed.first_mut()
            && self.edit.active
        {
            let colour = theme.class_rgb(schema, self.edit.class);
            mark_pending(frame, &self.edit, colour);
        }
        c.version += 1;
    }
}

/// Draws what the editor has not applied yet over the picture: the grey-fill preview in the
/// active class colour with the grey showing through, and the polygon's corners.
fn mark_pending(frame: &mut Rgb, edit: &super::super::EditState, colour: [u8; 3]) {
    if let Some(region) = &edit.preview {
        for &i in region {
            if let Some(p) = frame.pixels.get_mut(i) {
                *p = std::array::from_fn(|k| {
                    ((u16::from(p[k]) + 3 * u16::from(colour[k])) / 4) as u8
                });
            }
        }
    }
    let w = frame.width as usize;
    for &(x, y) in &edit.polygon {
        if let Some(p) = frame.pixels.get_mut(y as usize * w + x as usize) {
            *p = [255, 255, 255];
        }
    }
}

/// Grey levels at the 0.5th and 99.5th percentiles.
pub fn percentile_range(pixels: &[u8]) -> (u8, u8) {
    let mut hist = [0u64; 256];
    for &p in pixels {
        hist[usize::from(p)] += 1;
    }
    let n = pixels.len() as u64;
    let cut = n / 200;
    let (mut lo, mut acc) = (0usize, 0u64);
    while lo < 255 && acc + hist[lo] <= cut {
        acc += hist[lo];
        lo += 1;
    }
    let (mut hi, mut acc) = (255usize, 0u64);
    while hi > 0 && acc + hist[hi] <= cut {
        acc += hist[hi];
        hi -= 1;
    }
    (lo as u8, hi.max(lo) as u8)
}

/// `image` with `lo..=hi` stretched to 0–255.
pub fn stretch(image: &Grey8, (lo, hi): (u8, u8)) -> Grey8 {
    let span = f32::from(hi.saturating_sub(lo)).max(1.0);
    let lut: [u8; 256] = std::array::from_fn(|v| {
        ((v as f32 - f32::from(lo)) * 255.0 / span)
            .round()
            .clamp(0.0, 255.0) as u8
    });
    Grey8 {
        width: image.width,
        height: image.height,
        pixels: image.pixels.iter().map(|&p| lut[usize::from(p)]).collect(),
    }
}
