//! The screens of the TUI and the key layer each one activates.

use super::super::keymap::Layer;

/// The screens, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The dataset list with a preview (key `1`).
    Browse,
    /// One image with overlays, the side panel and the editor (`2`).
    Image,
    /// The confusion matrix and IoU per bin of the session's model (`3`).
    Audit,
    /// The review queue (`4`).
    Queue,
    /// The scale-bin edges and a histogram of pixel sizes (`5`).
    Bins,
}

impl Screen {
    /// Every screen, in the header's order (and its number keys').
    pub const ALL: [Screen; 5] = [
        Screen::Browse,
        Screen::Image,
        Screen::Audit,
        Screen::Queue,
        Screen::Bins,
    ];

    /// The screen's name in the header row.
    pub fn title(self) -> &'static str {
        match self {
            Screen::Browse => "Browse",
            Screen::Image => "Image",
            Screen::Audit => "Audit",
            Screen::Queue => "Queue",
            Screen::Bins => "Bins",
        }
    }

    /// The key layer of this screen.
    pub fn layer(self) -> Layer {
        match self {
            Screen::Browse => Layer::Browse,
            Screen::Image => Layer::Image,
            Screen::Audit => Layer::Audit,
            Screen::Queue => Layer::Queue,
            Screen::Bins => Layer::Bins,
        }
    }
}
