//! One-shot tools of the editor: flood fill, grey-level fill (with its preview), polygon,
//! and accepting the proposal.
//!
//! Every function here returns the commands the runtime must run: the journal entries of the
//! strokes finished (a stroke in progress is ended first), nothing when no pixel changed.
//! Pixels are row-major indices into the shown image; the cursor is in image pixels.

use crate::review::edit::Tool;
use crate::review::edit::tools;

use super::super::super::msg::Command;
use super::super::{App, Current, Severity};
use super::assist::thousands;
use super::{Accept, bounds};

impl App {
    /// Applies a one-shot tool: `pixels` take `class_of(pixel)`.
    ///
    /// Locked classes keep their pixels; the status bar says how many pixels changed.
    pub(in crate::tui::app) fn apply_tool(
        &mut self,
        tool: Tool,
        pixels: Vec<usize>,
        class_of: impl Fn(usize) -> u8,
    ) -> Vec<Command> {
        let locks = self.edit.locks.clone();
        let Some(s) = self.session_mut() else {
            return Vec::new();
        };
        let strokes = s.apply(tool, pixels, class_of, &locks);
        // A stroke in progress that `apply` ended was counted while it was painted.
        if let Some(s) = strokes.last().filter(|s| s.tool == tool) {
            let changed: Vec<(usize, u8, u8)> = s
                .changes
                .iter()
                .map(|c| (c.index as usize, c.old, c.new))
                .collect();
            self.count_changes(&changed);
        }
        self.recompose_dirty();
        let n: usize = strokes.last().map_or(0, |s| s.changes.len());
        // The tool's name in words ("grey fill", not the journal's "grey_fill").
        let what = tool.as_str().replace('_', " ");
        if strokes.iter().all(|s| s.tool != tool) {
            self.say(format!("{what}: nothing changed"), Severity::Info);
        } else {
            self.say(format!("{what}: {} px", thousands(n)), Severity::Ok);
        }
        self.committed(strokes)
    }

    /// The row-major index of the image pixel under the cursor; `None` without an image of known
    /// size.
    pub(in crate::tui::app) fn cursor_index(&self) -> Option<usize> {
        let (w, _) = self.current.as_ref()?.size()?;
        let (x, y) = self.image.cursor;
        Some(y as usize * w as usize + x as usize)
    }

    /// Flood fill: the 4-connected region of the class under the cursor takes the chosen class.
    pub(in crate::tui::app) fn flood_fill(&mut self) -> Vec<Command> {
        let mut cmds = self.end_stroke();
        let Some(seed) = self.cursor_index() else {
            return cmds;
        };
        let class = self.edit.class;
        let Some((w, h)) = self.current.as_ref().and_then(Current::size) else {
            return cmds;
        };
        let Some(region) = self
            .session_mut()
            .map(|s| tools::flood(s.mask.classes(), w, h, seed))
        else {
            return cmds;
        };
        cmds.extend(self.apply_tool(Tool::Fill, region, |_| class));
        cmds
    }

    /// Shows, without applying, the grey-level fill from the cursor: the 4-connected pixels within
    /// ± the tolerance of the cursor's grey level (the preview waits for enter or esc).
    pub(in crate::tui::app) fn grey_preview(&mut self) -> Vec<Command> {
        let cmds = self.end_stroke();
        let (Some(seed), Some(c)) = (self.cursor_index(), self.current.as_ref()) else {
            return cmds;
        };
        let Ok(image) = &c.image else { return cmds };
        let region = tools::grey_region(
            &image.pixels,
            image.width,
            image.height,
            seed,
            self.edit.tolerance,
        );
        self.say(
            format!(
                "grey fill: {} px within ±{} of grey {} (enter applies, ( ) change the tolerance, esc cancels)",
                thousands(region.len()),
                self.edit.tolerance,
                image.pixels[seed]
            ),
            Severity::Info,
        );
        let old = self.edit.preview.replace(region);
        self.redraw_preview(old.as_deref());
        cmds
    }

    /// Redraws the area of the current preview and of the one it replaced (`old`).
    pub(in crate::tui::app) fn redraw_preview(&mut self, old: Option<&[usize]>) {
        let Some((w, _)) = self.current.as_ref().and_then(Current::size) else {
            return;
        };
        let now = self.edit.preview.as_deref().and_then(|r| bounds(r, w));
        let before = old.and_then(|r| bounds(r, w));
        match (now, before) {
            (Some(a), Some(b)) => self.recompose_rect(a.union(b)),
            (Some(r), None) | (None, Some(r)) => self.recompose_rect(r),
            (None, None) => {}
        }
    }

    /// Changes the grey-fill tolerance by `d` grey levels (kept within 0–255), redrawing a shown
    /// preview with it.
    pub(in crate::tui::app) fn retune(&mut self, d: i16) -> Vec<Command> {
        self.edit.tolerance = (i16::from(self.edit.tolerance) + d).clamp(0, 255) as u8;
        if self.edit.preview.is_some() {
            return self.grey_preview();
        }
        self.say(
            format!("grey-fill tolerance ±{}", self.edit.tolerance),
            Severity::Info,
        );
        Vec::new()
    }

    /// Applies the shown grey-fill preview with the chosen class; nothing without a preview.
    pub(in crate::tui::app) fn apply_preview(&mut self) -> Vec<Command> {
        let Some(region) = self.edit.preview.take() else {
            return Vec::new();
        };
        let class = self.edit.class;
        let area = self
            .current
            .as_ref()
            .and_then(Current::size)
            .and_then(|(w, _)| bounds(&region, w));
        // The preview's area is redrawn with the fill (one pass, not two).
        if let (Some(r), Some(s)) = (area, self.session_mut()) {
            s.mask.mark_dirty(r);
        }
        self.apply_tool(Tool::GreyFill, region, |_| class)
    }

    /// Fills the polygon through the corners placed so far (outline included) with the chosen
    /// class; fewer than three corners are kept and a warning shown.
    pub(in crate::tui::app) fn polygon_fill(&mut self) -> Vec<Command> {
        let mut cmds = self.end_stroke();
        let corners = std::mem::take(&mut self.edit.polygon);
        let Some((w, h)) = self.current.as_ref().and_then(Current::size) else {
            return cmds;
        };
        if corners.len() < 3 {
            self.say(
                "a polygon needs at least three corners (v adds one at the cursor)".into(),
                Severity::Warn,
            );
            self.edit.polygon = corners;
            return cmds;
        }
        let class = self.edit.class;
        cmds.extend(self.apply_tool(Tool::Polygon, tools::polygon(&corners, w, h), |_| class));
        cmds
    }

    /// Sets the least top-two margin (byte 0–255, shown as 0–1) that `Accept::Confident` takes.
    pub(in crate::tui::app) fn set_confidence(&mut self, v: u8) -> Vec<Command> {
        self.edit.min_confidence = v;
        self.say(
            format!("accept where confidence ≥ {:.2}", f64::from(v) / 255.0),
            Severity::Info,
        );
        Vec::new()
    }

    /// Takes the proposal's class for the chosen pixels: all, the predicted region under the
    /// cursor, every pixel of the predicted class under it, or those at least as confident as the
    /// set margin.
    pub(in crate::tui::app) fn accept(&mut self, what: Accept) -> Vec<Command> {
        let mut cmds = self.end_stroke();
        let Some(c) = self.current.as_ref() else {
            return cmds;
        };
        let Some(p) = c.prediction() else {
            self.say("no proposal to accept yet".into(), Severity::Warn);
            return cmds;
        };
        let (Some(seed), Some((w, h))) = (self.cursor_index(), c.size()) else {
            return cmds;
        };
        let pred = p.classes.clone();
        let pixels: Vec<usize> = match what {
            Accept::All => (0..pred.len()).collect(),
            Accept::Region => tools::flood(&pred, w, h, seed),
            Accept::Class => {
                let k = pred[seed];
                (0..pred.len()).filter(|&i| pred[i] == k).collect()
            }
            Accept::Confident => {
                let min = self.edit.min_confidence;
                (0..pred.len()).filter(|&i| p.margin[i] >= min).collect()
            }
        };
        cmds.extend(self.apply_tool(Tool::Accept, pixels, |i| pred[i]));
        cmds
    }
}
