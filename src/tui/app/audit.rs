//! The audit screen's state: which bin, which confusion cell, and the images that contribute
//! most pixels to that cell.
//!
//! A cell is (true class id, predicted class id). Its images come from the overview's
//! per-image confusion matrices, filtered to the chosen bin under the report's own bin edges
//! (the model's, which may differ from the workspace's).

use crate::audit::GroupMetrics;
use crate::dataset::ScaleBins;
use crate::dataset::image::{ImageId, IndexedImage};

use super::super::action::Action;
use super::super::msg::Command;
use super::{App, Screen};

/// Images listed for a cell.
/// At most this many images are listed for a cell, those with the most pixels in it first.
const CELL_IMAGES: usize = 50;

/// Which part of the audit screen has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuditFocus {
    /// Arrows move the selected confusion cell.
    #[default]
    Matrix,
    /// Arrows move in the list of the cell's images; enter opens one.
    Images,
}

/// Audit screen state.
#[derive(Debug, Clone, Default)]
pub struct AuditState {
    /// `None` = all bins.
    pub bin: Option<usize>,
    /// (true class, predicted class).
    pub cell: (usize, usize),
    /// Which part takes the arrow keys.
    pub focus: AuditFocus,
    /// Images with the most pixels in the cell: (image id, pixels).
    pub images: Vec<(ImageId, u64)>,
    /// Index of the selected image in `images`.
    pub image_cursor: usize,
}

impl App {
    /// The metrics of the selected bin (or of everything).
    ///
    /// `None` before the first overview, or for a bin the report does not hold.
    pub fn audit_metrics(&self) -> Option<&GroupMetrics> {
        let rep = &self.overview.as_ref()?.report;
        match self.audit.bin {
            None => Some(&rep.overall),
            Some(b) => rep.bins.iter().find(|m| m.bin == b).map(|m| &m.metrics),
        }
    }

    /// Handles a key on the audit screen: tab switches focus, `b`/`B` step the bin (all, 0, 1, …,
    /// all), arrows move the cell or the image cursor, enter on an image opens it on the image
    /// screen with the error overlay. Returns the commands to load that image, if one was opened.
    pub(super) fn audit_action(&mut self, action: Action) -> Vec<Command> {
        let n = self.ctx.schema.len();
        let (t, p) = self.audit.cell;
        match (self.audit.focus, action) {
            (_, Action::FocusNext) => {
                self.audit.focus = match self.audit.focus {
                    AuditFocus::Matrix => AuditFocus::Images,
                    AuditFocus::Images => AuditFocus::Matrix,
                };
                return Vec::new();
            }
            (_, Action::NextBin | Action::PrevBin) => {
                let bins = self.overview.as_ref().map_or(0, |o| o.report.bins.len());
                self.audit.bin = step_bin(self.audit.bin, bins, action == Action::NextBin);
            }
            (AuditFocus::Matrix, Action::Up) => self.audit.cell = (t.saturating_sub(1), p),
            (AuditFocus::Matrix, Action::Down) => self.audit.cell = ((t + 1).min(n - 1), p),
            (AuditFocus::Matrix, Action::Left) => self.audit.cell = (t, p.saturating_sub(1)),
            (AuditFocus::Matrix, Action::Right) => self.audit.cell = (t, (p + 1).min(n - 1)),
            (AuditFocus::Matrix, Action::Open) => {
                self.audit.focus = AuditFocus::Images;
                return Vec::new();
            }
            (AuditFocus::Images, Action::Up) => {
                self.audit.image_cursor = self.audit.image_cursor.saturating_sub(1);
                return Vec::new();
            }
            (AuditFocus::Images, Action::Down) => {
                let last = self.audit.images.len().saturating_sub(1);
                self.audit.image_cursor = (self.audit.image_cursor + 1).min(last);
                return Vec::new();
            }
            (AuditFocus::Images, Action::Open) => {
                let Some(&(id, _)) = self.audit.images.get(self.audit.image_cursor) else {
                    return Vec::new();
                };
                self.screen = Screen::Image;
                self.image.came_from = Some(Screen::Audit);
                self.image.highlight = None;
                self.image.overlay = crate::tui::render::Overlay::Error;
                self.image.triptych = false;
                self.after_resize();
                return self.show_id(id);
            }
            _ => return Vec::new(),
        }
        self.refresh_cell_images();
        Vec::new()
    }

    /// Recomputes the images of the selected cell.
    pub(super) fn refresh_cell_images(&mut self) {
        let Some(ov) = &self.overview else {
            self.audit.images.clear();
            return;
        };
        let (t, p) = self.audit.cell;
        // The report's bins are the model's, not necessarily the workspace's.
        let bins = ScaleBins::new(ov.report.bin_edges.clone()).ok();
        let in_bin = |row: &IndexedImage| match (self.audit.bin, &bins) {
            (None, _) => true,
            (Some(b), Some(bins)) => row.pixel_size.is_some_and(|p| bins.bin_of(p) == b),
            (Some(_), None) => false,
        };
        let mut images: Vec<(ImageId, u64)> = ov
            .audits
            .iter()
            .filter(|(row, _)| in_bin(row))
            .map(|(row, a)| (row.id, a.confusion.get(t, p)))
            .filter(|&(_, px)| px > 0)
            .collect();
        images.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        images.truncate(CELL_IMAGES);
        self.audit.images = images;
        self.audit.image_cursor = 0;
    }
}

/// All → 0 → 1 → … → all.
fn step_bin(bin: Option<usize>, bins: usize, forward: bool) -> Option<usize> {
    if bins == 0 {
        return None;
    }
    match (bin, forward) {
        (None, true) => Some(0),
        (None, false) => Some(bins - 1),
        (Some(b), true) if b + 1 < bins => Some(b + 1),
        (Some(b), false) if b > 0 => Some(b - 1),
        _ => None,
    }
}
