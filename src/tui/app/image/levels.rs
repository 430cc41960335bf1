//! The contrast of the shown image: grey levels as stored, the automatic stretch (`c`), or a
//! window moved and sized by hand. Display only; the mapping is `imaging::window`'s.
//!
//! Every tool (grey fill, superpixels, the assist) and the cursor read-out use the stored grey
//! levels; only the composed picture goes through the window. The window steps are
//! `imaging::window`'s `CENTRE_STEP` and `WIDTH_STEP` grey levels.

use std::sync::Arc;

use crate::dataset::raster::Grey8;
use crate::imaging::window::{CENTRE_STEP, GreyWindow, WIDTH_STEP};

use super::super::super::action::Action;
use super::super::{App, Severity};

/// How stored grey levels are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Levels {
    /// As stored: grey 0 black, 255 white.
    #[default]
    Stored,
    /// Each image stretched to its own 0.5th–99.5th percentile grey levels.
    Auto,
    /// One window set by hand, kept from image to image.
    Manual(GreyWindow),
}

impl App {
    /// The grey-level window of the shown image; `None` while grey levels are shown as stored.
    pub fn grey_window(&self) -> Option<GreyWindow> {
        Some(self.current.as_ref()?.stretched.as_ref()?.1)
    }

    /// The contrast keys: `c` toggles the automatic stretch; the window keys start from the
    /// window in effect (the stretch's, or 0–255) and move or size it by hand.
    pub(in crate::tui::app) fn levels_action(&mut self, action: Action) {
        let now = self.grey_window().unwrap_or_default();
        self.image.levels = match action {
            Action::Levels if self.image.levels == Levels::Auto => Levels::Stored,
            Action::Levels => Levels::Auto,
            Action::WindowUp => Levels::Manual(now.shifted(CENTRE_STEP)),
            Action::WindowDown => Levels::Manual(now.shifted(-CENTRE_STEP)),
            Action::WindowWider => Levels::Manual(now.widened(WIDTH_STEP)),
            Action::WindowNarrower => Levels::Manual(now.widened(-WIDTH_STEP)),
            Action::WindowReset => Levels::Stored,
            _ => return,
        };
        self.apply_levels();
        self.recompose();
        let text = match (self.image.levels, self.grey_window()) {
            (Levels::Auto, Some(w)) => format!(
                "auto stretch: grey {}–{} shown black to white (c again: as stored)",
                w.lo(),
                w.hi()
            ),
            (Levels::Manual(w), _) => format!(
                "window {}–{} (grey levels) shown black to white; the data is unchanged",
                w.lo(),
                w.hi()
            ),
            _ => "grey levels as stored (0–255)".into(),
        };
        self.say(text, Severity::Info);
    }

    /// Makes (or drops) the display image of the shown image through the window in effect.
    pub(in crate::tui::app) fn apply_levels(&mut self) {
        let levels = self.image.levels;
        let Some(c) = self.current.as_mut() else {
            return;
        };
        let window = match (&c.image, levels) {
            (Ok(_), Levels::Stored) | (Err(_), _) => None,
            (Ok(img), Levels::Auto) => Some(GreyWindow::auto(&img.pixels)),
            (Ok(_), Levels::Manual(w)) => Some(w),
        };
        c.stretched = match (&c.image, window) {
            (Ok(img), Some(w)) => {
                let shown = Grey8 {
                    width: img.width,
                    height: img.height,
                    pixels: w.apply(&img.pixels),
                };
                Some((Arc::new(shown), w))
            }
            _ => None,
        };
    }
}
