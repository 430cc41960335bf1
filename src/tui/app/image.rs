//! The image on screen: loading (latest request wins), on-demand prediction, overlays,
//! opacity, triptych, zoom, pan and the pixel cursor.
//!
//! Coordinates: the cursor and any highlight are in image pixels (x right, y down, from the
//! top-left); the viewport maps them to terminal cells. Grey levels are the decoded 8-bit
//! levels; class ids are the schema's (254 = unlabelled in an edited mask).
//!
//! Requests and answers (latest wins, by generation) are `load`'s.

use std::sync::Arc;

use crate::dataset::image::IndexedImage;
use crate::dataset::prediction::StoredPrediction;
use crate::dataset::raster::Grey8;

use super::super::action::Action;
use super::super::msg::Command;
use super::super::render::{Overlay, Rgb, Viewport};
use super::stats::{ClassStat, ImageCounts};

mod levels;
mod load;
mod picture;
use super::{App, Severity};
pub use levels::Levels;

/// Opacity steps of overlays (tenths).
const OPACITY_STEPS: u8 = 10;

/// How the image is shown.
///
/// Overlay, opacity, triptych and grey levels stay as they are from image to image; the
/// view (zoom and pan) and the cursor start again (fit, centre) for each new image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageState {
    /// What is drawn over the grey image (prediction by default).
    pub overlay: Overlay,
    /// Tenths, 0–10.
    pub opacity: u8,
    /// Image, mask and prediction side by side instead of one picture.
    pub triptych: bool,
    /// How grey levels are shown: as stored, stretched, or through a manual window.
    pub levels: Levels,
    /// `None` fits the whole image.
    pub view: Option<Viewport>,
    /// The pixel under the cursor.
    pub cursor: (u32, u32),
    /// A box drawn over the image (the region a queue entry is about).
    pub highlight: Option<crate::review::edit::Rect>,
    /// Where `esc` goes back to.
    pub came_from: Option<super::Screen>,
    /// The terminal cell (column, row) a mouse drag over an image pane last reached, while
    /// the button is down outside the editor (the drag pans).
    pub drag: Option<(u16, u16)>,
}

impl Default for ImageState {
    fn default() -> Self {
        Self {
            overlay: Overlay::Prediction,
            opacity: 5,
            triptych: false,
            levels: Levels::Stored,
            view: None,
            cursor: (0, 0),
            highlight: None,
            came_from: None,
            drag: None,
        }
    }
}

impl ImageState {
    /// The overlay's opacity as 0–1.
    pub fn opacity(&self) -> f32 {
        f32::from(self.opacity) / f32::from(OPACITY_STEPS)
    }
}

/// Where the prediction of the shown image stands.
#[derive(Debug, Clone, PartialEq)]
pub enum PredState {
    /// The prediction made from this image file, by the session's model.
    Stored(Box<StoredPrediction>),
    /// The model worker is on it.
    Running,
    /// No model, or it failed: why.
    Unavailable(String),
}

/// The image on screen and everything derived from it.
#[derive(Debug, Clone)]
pub struct Current {
    /// The image's index row (the key of every request about it).
    pub row: IndexedImage,
    /// The decoded image, or why it could not be read.
    pub image: Result<Arc<Grey8>, String>,
    /// The mask file's class ids (row-major, the image's size), when it has a valid one.
    pub mask: Option<Vec<u8>>,
    /// Why the mask file cannot be shown, when it has one that is unusable.
    pub mask_error: Option<String>,
    /// The model's proposal, or where that stands.
    pub prediction: PredState,
    /// Per class, pixels in the current mask and the prediction, for the side panel.
    pub stats: Vec<ClassStat>,
    /// What `stats` is computed from; updated pixel by pixel by mask edits.
    pub counts: Option<ImageCounts>,
    /// What the image panes show: one picture, or image | mask | prediction.
    pub composed: Vec<Rgb>,
    /// Bumped whenever `composed` changes (pixel-graphics panes re-encode on change only).
    pub version: u64,
    /// The image through the grey-level window in effect, with that window, unless grey
    /// levels are shown as stored (for display only; tools and the read-out use the real
    /// grey levels).
    pub stretched: Option<(Arc<Grey8>, crate::imaging::window::GreyWindow)>,
    /// A newer image was requested and is loading.
    pub loading: bool,
}

impl Current {
    /// Width and height in pixels; `None` when the image could not be read.
    pub fn size(&self) -> Option<(u32, u32)> {
        self.image.as_ref().ok().map(|g| (g.width, g.height))
    }

    /// The grey image as displayed: through the window when one is set.
    pub fn display(&self) -> Option<&Grey8> {
        match (&self.stretched, &self.image) {
            (Some((s, _)), _) => Some(s),
            (None, Ok(i)) => Some(i),
            (None, Err(_)) => None,
        }
    }

    /// The stored prediction, when there is one.
    pub fn prediction(&self) -> Option<&StoredPrediction> {
        match &self.prediction {
            PredState::Stored(p) => Some(p),
            _ => None,
        }
    }
}

impl App {
    /// Handles a key on the image screen: back, next/previous image, overlays and opacity, grey
    /// levels, triptych, zoom, pan, cursor, predict. Returns the commands to load or predict.
    pub(super) fn image_action(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Back => {
                self.screen = self.image.came_from.take().unwrap_or(super::Screen::Browse);
                self.image.highlight = None;
                self.after_resize();
            }
            Action::NextImage => return self.step_image(1),
            Action::PrevImage => return self.step_image(-1),
            Action::OverlayNext => {
                let all = Overlay::ALL;
                let i = all
                    .iter()
                    .position(|o| *o == self.image.overlay)
                    .unwrap_or(0);
                self.set_overlay(all[(i + 1) % all.len()]);
            }
            Action::OverlayNone => self.set_overlay(Overlay::None),
            Action::OverlayMask => self.set_overlay(Overlay::Mask),
            Action::OverlayPrediction => self.set_overlay(Overlay::Prediction),
            Action::OverlayError => self.set_overlay(Overlay::Error),
            Action::OverlayUncertainty => self.set_overlay(Overlay::Uncertainty),
            Action::OverlayEdited => self.set_overlay(Overlay::Edited),
            Action::OpacityUp => self.set_opacity(self.image.opacity.saturating_add(1)),
            Action::OpacityDown => self.set_opacity(self.image.opacity.saturating_sub(1)),
            Action::Levels
            | Action::WindowUp
            | Action::WindowDown
            | Action::WindowWider
            | Action::WindowNarrower
            | Action::WindowReset => self.levels_action(action),
            Action::Triptych => {
                self.image.triptych = !self.image.triptych;
                self.image.view = None;
                self.recompose();
            }
            Action::ZoomIn => self.zoom(super::viewport::ZOOM_STEP),
            Action::ZoomOut => self.zoom(1.0 / super::viewport::ZOOM_STEP),
            Action::ZoomFit => self.image.view = None,
            Action::PanLeft => self.pan(-1.0, 0.0),
            Action::PanRight => self.pan(1.0, 0.0),
            Action::PanUp => self.pan(0.0, -1.0),
            Action::PanDown => self.pan(0.0, 1.0),
            Action::CursorLeft => self.move_cursor(-1, 0),
            Action::CursorRight => self.move_cursor(1, 0),
            Action::CursorUp => self.move_cursor(0, -1),
            Action::CursorDown => self.move_cursor(0, 1),
            Action::Predict => return self.predict_current(),
            _ => {}
        }
        Vec::new()
    }

    /// Shows overlay `o` (leaving the triptych) and says why when its layer is missing.
    fn set_overlay(&mut self, o: Overlay) {
        self.image.overlay = o;
        if self.image.triptych {
            self.image.triptych = false;
            self.image.view = None;
        }
        self.recompose();
        self.explain_missing_layer();
    }

    /// Says why an overlay shows only the grey image.
    ///
    /// The reasons: no hand edits yet (edited overlay), no mask (its error when it has an
    /// unusable one), a prediction still running or unavailable; as a status-bar warning.
    fn explain_missing_layer(&mut self) {
        let Some(c) = &self.current else { return };
        let need_mask = matches!(self.image.overlay, Overlay::Mask | Overlay::Error);
        let need_pred = matches!(
            self.image.overlay,
            Overlay::Prediction | Overlay::Error | Overlay::Uncertainty
        );
        let edited = self.edit.sessions.contains_key(&c.row.id);
        let why = if self.image.overlay == Overlay::Edited && !edited {
            Some("no hand edits on this image yet (i opens the editor)".to_string())
        } else if need_mask && c.mask.is_none() && !edited {
            Some(
                c.mask_error
                    .clone()
                    .unwrap_or_else(|| "this image has no mask (unlabelled)".into()),
            )
        } else if need_pred && c.prediction().is_none() {
            Some(match &c.prediction {
                PredState::Running => "the prediction is being computed".into(),
                PredState::Unavailable(w) => format!("no prediction: {w}"),
                PredState::Stored(_) => String::new(),
            })
        } else {
            None
        };
        if let Some(why) = why {
            self.say(why, Severity::Warn);
        }
    }

    /// Sets the overlay opacity in tenths, at most 10.
    fn set_opacity(&mut self, v: u8) {
        self.image.opacity = v.min(OPACITY_STEPS);
        self.recompose();
    }
}
