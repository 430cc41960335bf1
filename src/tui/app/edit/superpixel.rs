//! Superpixels as a paint unit: `S` gives the active class to every superpixel the brush
//! covers at the cursor (one superpixel with a 1-px brush); `E` shows their edges. Superpixels
//! (grey SNIC, about 150 px each) are computed once per image on first use and kept for
//! that image only: showing another image and using them there computes its own.
//!
//! They are computed from the stored grey levels (not the display window), so the segments
//! do not change with the contrast.

use crate::assist::{SuperpixelSettings, Superpixels};
use crate::review::edit::{Tool, tools};

use super::super::super::msg::Command;
use super::super::{App, Severity};

impl App {
    /// The shown image's superpixels, computed on first use.
    ///
    /// A failure (an image too large to label with 32-bit ids) is said in the status bar and
    /// gives `None`.
    pub(in crate::tui::app) fn superpixels(&mut self) -> Option<&Superpixels> {
        let c = self.current.as_ref()?;
        let id = c.row.id;
        if !matches!(&self.edit.superpixels, Some((k, _)) if *k == id) {
            let g = c.image.as_ref().ok()?;
            let sp = Superpixels::compute(
                &g.pixels,
                g.width as usize,
                g.height as usize,
                &SuperpixelSettings::default(),
            );
            match sp {
                Ok(sp) => self.edit.superpixels = Some((id, sp)),
                Err(e) => {
                    self.say(format!("superpixels: {e}"), Severity::Error);
                    return None;
                }
            }
        }
        self.edit.superpixels.as_ref().map(|(_, s)| s)
    }

    /// Paints the superpixels under the brush at the cursor with the active class.
    pub(in crate::tui::app) fn superpixel_fill(&mut self) -> Vec<Command> {
        let mut cmds = self.end_stroke();
        let Some((w, h)) = self.current.as_ref().and_then(super::super::Current::size) else {
            return cmds;
        };
        let (x, y) = self.image.cursor;
        let under = tools::brush(w, h, x, y, self.edit.brush, self.edit.shape);
        let Some(sp) = self.superpixels() else {
            return cmds;
        };
        let segments = sp.segments_under(&under);
        let pixels: Vec<usize> = segments.iter().flat_map(|&l| sp.pixels_of(l)).collect();
        let class = self.edit.class;
        cmds.extend(self.apply_tool(Tool::Superpixel, pixels, |_| class));
        cmds
    }

    /// Shows or hides the superpixels' edges (computed now if needed, so the view can draw
    /// them from the state).
    pub(in crate::tui::app) fn toggle_segment_edges(&mut self) -> Vec<Command> {
        self.edit.segment_edges = !self.edit.segment_edges;
        if self.edit.segment_edges {
            let n = self.superpixels().map_or(0, Superpixels::count);
            self.say(
                format!("superpixel edges on: {n} segments (S fills those under the brush)"),
                Severity::Info,
            );
        }
        Vec::new()
    }
}
