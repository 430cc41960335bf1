//! The screens of the TUI and the key layer each one activates.

use super::super::keymap::Layer;

/// The screens, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Browse,
    Image,
    Audit,
    Queue,
    Bins,
}

impl Screen {
    pub const ALL: [Screen; 5] = [
        Screen::Browse,
        Screen::Image,
        Screen::Audit,
        Screen::Queue,
        Screen::Bins,
    ];

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
