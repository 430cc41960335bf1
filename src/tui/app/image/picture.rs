//! The pictures of the shown image: per-class counts, full and partial recomposition after
//! overlay changes and edits, and the editor's pending marks.
//!
//! The mask drawn is the editor's session mask when the image has one (edits included), else
//! the mask file's. The triptych holds three pictures (the grey image, the mask and the
//! prediction, both fully opaque), the single view one; after an edit only the changed
//! rectangle of the picture is composed again (the mask's pane in the triptych).
//! `Current::version` goes up with every change, so pixel-graphics panes re-encode only then.

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
///
/// The preview's pixels are three quarters class colour, one quarter the picture; corners
/// are white pixels. Only the composed frame changes, never the mask.
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
