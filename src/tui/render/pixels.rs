//! Real pixels through ratatui-image (kitty, sixel, iTerm2), for terminals that can show
//! them, and the detection of which one the terminal speaks.
//!
//! A frame is resampled to the pane's size in screen pixels (the terminal's cell size times
//! the cells), nearest neighbour so class colours stay exact, and encoded once per content
//! generation, view and area; an unchanged frame is never sent again.

use std::str::FromStr;
use std::time::Duration;

use image::{DynamicImage, Rgba, RgbaImage};
use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::widgets::Widget;
use ratatui_image::picker::cap_parser::QueryStdioOptions;
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::protocol::Protocol;
use ratatui_image::{Image, Resize};

use super::{Rgb, Viewport};

/// How long to wait for the terminal to answer the graphics query. A terminal that answers
/// does so in a few milliseconds locally; over a slow SSH link the query is abandoned and the
/// half blocks are used.
const QUERY_TIMEOUT: Duration = Duration::from_secs(1);

/// How images reach the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Graphics {
    /// Text cells with '▀' (every terminal).
    HalfBlocks,
    /// The kitty graphics protocol (kitty, ghostty, recent konsole).
    Kitty,
    /// Sixel (foot, mlterm, xterm -ti vt340, recent Windows Terminal).
    Sixel,
    /// iTerm2's inline images (iTerm2, `WezTerm`).
    Iterm2,
}

impl Graphics {
    /// The name `FromStr` accepts.
    pub fn name(self) -> &'static str {
        match self {
            Self::HalfBlocks => "halfblocks",
            Self::Kitty => "kitty",
            Self::Sixel => "sixel",
            Self::Iterm2 => "iterm2",
        }
    }

    /// The `ratatui-image` protocol of this choice.
    fn protocol(self) -> ProtocolType {
        match self {
            Self::HalfBlocks => ProtocolType::Halfblocks,
            Self::Kitty => ProtocolType::Kitty,
            Self::Sixel => ProtocolType::Sixel,
            Self::Iterm2 => ProtocolType::Iterm2,
        }
    }

    /// Our name for a protocol `ratatui-image` detected.
    fn from_protocol(p: ProtocolType) -> Self {
        match p {
            ProtocolType::Halfblocks => Self::HalfBlocks,
            ProtocolType::Kitty => Self::Kitty,
            ProtocolType::Sixel => Self::Sixel,
            ProtocolType::Iterm2 => Self::Iterm2,
        }
    }
}

impl std::fmt::Display for Graphics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Graphics {
    type Err = String;

    /// `halfblocks`, `kitty`, `sixel` or `iterm2` (any case); `auto` is the caller's.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "halfblocks" | "half-blocks" | "blocks" => Ok(Self::HalfBlocks),
            "kitty" => Ok(Self::Kitty),
            "sixel" => Ok(Self::Sixel),
            "iterm2" | "iterm" => Ok(Self::Iterm2),
            _ => Err(format!(
                "unknown graphics '{s}': use auto, halfblocks, kitty, sixel or iterm2"
            )),
        }
    }
}

/// Which graphics to use, and the picker (with the terminal's font size in pixels) for
/// anything but half blocks.
///
/// Call it after entering raw mode and the alternate screen and before any thread reads
/// stdin: it writes a query to the terminal and reads the answer. Without `force` it uses
/// half blocks inside tmux, GNU screen and mosh (they rarely pass graphics through intact),
/// when the terminal does not answer within a second, and when it answers but supports no
/// graphics protocol. A forced protocol is used even when the query fails, with a guessed
/// 10×20 pixel cell.
pub fn detect_graphics(force: Option<Graphics>) -> (Graphics, Option<Picker>) {
    match force {
        Some(Graphics::HalfBlocks) => return (Graphics::HalfBlocks, None),
        None if multiplexed() => return (Graphics::HalfBlocks, None),
        _ => {}
    }
    let options = QueryStdioOptions {
        timeout: QUERY_TIMEOUT,
        ..QueryStdioOptions::default()
    };
    let queried = Picker::from_query_stdio_with_options(options);
    match (force, queried) {
        (Some(g), queried) => {
            let mut picker = queried.unwrap_or_else(|_| Picker::halfblocks());
            picker.set_protocol_type(g.protocol());
            (g, Some(picker))
        }
        (None, Ok(picker)) => match Graphics::from_protocol(picker.protocol_type()) {
            Graphics::HalfBlocks => (Graphics::HalfBlocks, None),
            g => (g, Some(picker)),
        },
        (None, Err(_)) => (Graphics::HalfBlocks, None),
    }
}

/// Inside tmux, GNU screen or mosh.
///
/// Decided from `TMUX`, `TERM` and `STY`, and for mosh from the process tree.
fn multiplexed() -> bool {
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    let term = env("TERM");
    !env("TMUX").is_empty()
        || !env("STY").is_empty()
        || term.starts_with("tmux")
        || term.starts_with("screen")
        || under_mosh()
}

/// mosh sets no variable of its own; look for `mosh-server` among our ancestor processes.
#[cfg(target_os = "linux")]
fn under_mosh() -> bool {
    let mut pid = std::process::id();
    for _ in 0..32 {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return false;
        };
        // "pid (comm) state ppid ..": comm may contain spaces and parentheses.
        let Some((head, tail)) = stat.rsplit_once(')') else {
            return false;
        };
        if head.contains("(mosh-server") {
            return true;
        }
        match tail.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            Some(ppid) if ppid > 1 => pid = ppid,
            _ => return false,
        }
    }
    false
}

#[cfg(not(target_os = "linux"))]
fn under_mosh() -> bool {
    false
}

/// The viewport region of `rgb` resampled (nearest neighbour, so class maps keep their exact
/// colours) to `width`×`height` screen pixels, for a terminal whose cells are `font_width`
/// pixels wide. One image pixel spans `font_width / view.scale` screen pixels both ways, so
/// the aspect is kept; pixels off the image are transparent.
pub fn crop_resize(
    rgb: &Rgb,
    view: Viewport,
    width: u32,
    height: u32,
    font_width: u16,
) -> RgbaImage {
    let step = view.scale / f64::from(font_width.max(1));
    let source = |o: f64, t: u32, len: u32| {
        let p = (o + (f64::from(t) + 0.5) * step).floor();
        (p >= 0.0 && p < f64::from(len)).then_some(p as usize)
    };
    let xs: Vec<Option<usize>> = (0..width).map(|t| source(view.x0, t, rgb.width)).collect();
    let stride = rgb.width as usize;
    let mut out = RgbaImage::new(width, height);
    for (ty, row) in out.rows_mut().enumerate() {
        let y = source(view.y0, ty as u32, rgb.height);
        for (px, x) in row.zip(&xs) {
            let c = y.zip(*x).and_then(|(y, x)| rgb.pixels.get(y * stride + x));
            *px = match c {
                Some(&[r, g, b]) => Rgba([r, g, b, 255]),
                None => Rgba([0, 0, 0, 0]),
            };
        }
    }
    out
}

/// The key an encoded image was made for.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Key {
    /// The frame's content generation (`Current::version` and the pane's index).
    generation: u64,
    /// The image region shown.
    view: Viewport,
    /// The terminal cells it fills.
    area: Rect,
}

/// A pane that shows a frame with real pixels. The encoded image is cached by (content
/// generation, viewport, area), so a redraw with nothing changed re-encodes and re-sends
/// nothing; bump the generation whenever the frame's pixels change.
pub struct PixelPane {
    /// Encodes frames for the detected protocol at the terminal's cell size.
    picker: Picker,
    /// The last encoding and what it was made for; `None` inside when encoding failed.
    cached: Option<(Key, Option<Protocol>)>,
    /// Why the last encoding failed.
    error: Option<String>,
    /// Images encoded so far (each one a full re-send to the terminal).
    encodes: u64,
}

impl PixelPane {
    /// A pane that encodes with `picker`; nothing is encoded until the first `render`.
    pub fn new(picker: Picker) -> Self {
        Self {
            picker,
            cached: None,
            error: None,
            encodes: 0,
        }
    }

    /// The terminal's cell size in pixels (width, height).
    pub fn font_size(&self) -> (u16, u16) {
        let f = self.picker.font_size();
        (f.width, f.height)
    }

    /// How many images this pane has encoded (and so sent to the terminal).
    pub fn encodes(&self) -> u64 {
        self.encodes
    }

    /// Why the last encoding failed, if it did (the pane is then left blank).
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Draws the `view` of `rgb` filling `area`.
    ///
    /// `generation` must change whenever `rgb`'s pixels do: an unchanged (generation, view, area)
    /// reuses the last encoding without re-sending anything.
    pub fn render(
        &mut self,
        rgb: &Rgb,
        generation: u64,
        view: Viewport,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let key = Key {
            generation,
            view,
            area,
        };
        if self.cached.as_ref().is_none_or(|(k, _)| *k != key) {
            let (fw, fh) = self.font_size();
            let image = crop_resize(
                rgb,
                view,
                u32::from(area.width) * u32::from(fw),
                u32::from(area.height) * u32::from(fh),
                fw,
            );
            let size = Size::new(area.width, area.height);
            let protocol = match self.picker.new_protocol(
                DynamicImage::ImageRgba8(image),
                size,
                Resize::Fit(None),
            ) {
                Ok(p) => {
                    self.error = None;
                    Some(p)
                }
                Err(e) => {
                    self.error = Some(e.to_string());
                    None
                }
            };
            self.cached = Some((key, protocol));
            self.encodes += 1;
        }
        if let Some((_, Some(protocol))) = &self.cached {
            Image::new(protocol).render(area, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_pane_encodes_once_per_generation_view_and_area() {
        // Picker::halfblocks() runs `tmux set -p allow-passthrough on` inside tmux: do not
        // touch the developer's tmux from a test.
        let in_tmux = std::env::var("TERM").is_ok_and(|t| t.starts_with("tmux"))
            || std::env::var("TERM_PROGRAM").is_ok_and(|t| t == "tmux");
        if in_tmux {
            return;
        }
        let frame = Rgb {
            width: 4,
            height: 4,
            pixels: vec![[200, 10, 10]; 16],
        };
        let view = Viewport::fit(4, 4, 4, 2);
        let area = Rect::new(0, 0, 4, 2);
        let mut buf = Buffer::empty(area);
        let mut pane = PixelPane::new(Picker::halfblocks());
        assert_eq!(pane.font_size(), (10, 20));
        pane.render(&frame, 1, view, area, &mut buf);
        pane.render(&frame, 1, view, area, &mut buf);
        assert_eq!(pane.encodes(), 1);
        assert!(pane.error().is_none());
        // A uniform picture: ratatui-image draws every cell as a blank of that colour.
        assert!(
            buf.content
                .iter()
                .all(|c| c.bg == ratatui::style::Color::Rgb(200, 10, 10)),
            "{buf:?}"
        );
        pane.render(&frame, 2, view, area, &mut buf);
        assert_eq!(pane.encodes(), 2);
        pane.render(&frame, 2, view.zoom_about(2.0, 2.0, 2.0), area, &mut buf);
        assert_eq!(pane.encodes(), 3);
    }
}
