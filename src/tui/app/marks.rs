//! Per-image marks shown in the list and the side panel: mIoU, queue flags, review decisions,
//! corrections and exports, and where imported tiles lie.

use std::collections::HashMap;

use crate::dataset::decision::DecisionEntry;
use crate::dataset::image::ImageId;

use super::super::msg::Command;
use super::App;

/// Per-image marks shown in the list. Every map is keyed by image row id; an image absent
/// from a map has no such mark.
#[derive(Debug, Clone, Default)]
pub struct Marks {
    /// Mean IoU (0–1) of the stored prediction against the current label, from the overview's
    /// per-image audit; labelled images with a current prediction only.
    pub miou: HashMap<ImageId, f64>,
    /// Queue membership: the letter of the strategy that ranked the image (`flag_code`).
    pub flags: HashMap<ImageId, &'static str>,
    /// Latest review decision.
    pub reviews: HashMap<ImageId, DecisionEntry>,
    /// Edit journals now and at the last export.
    pub labels: crate::labels::status::ExportState,
    /// Imported tiles' places in their raw images.
    pub tiles: HashMap<ImageId, crate::labels::status::TilePos>,
}

impl Marks {
    /// Whether `row` has a current label: a mask file, corrections, or an accepted proposal
    /// (so the header's count follows review, not only the files on disk).
    pub fn has_label(&self, row: &crate::dataset::image::IndexedImage) -> bool {
        self.labels
            .status(row, self.reviews.get(&row.id))
            .has_label()
    }

    /// Replaces a part of the marks (a report from the workspace); nothing to do after.
    pub fn set(&mut self, f: impl FnOnce(&mut Self)) -> Vec<Command> {
        f(self);
        Vec::new()
    }
}

impl App {
    /// New journal counts; what the editor knows of net changes outlives the reload.
    pub(super) fn on_labels(&mut self, labels: crate::labels::status::ExportState) -> Vec<Command> {
        self.marks.labels = labels;
        for (id, s) in &self.edit.sessions {
            self.marks
                .labels
                .set_net_change(*id, s.changed_pixels() > 0);
        }
        Vec::new()
    }

    /// New tile places; the list is rebuilt around the selected image.
    pub(super) fn on_tiles(
        &mut self,
        tiles: HashMap<ImageId, crate::labels::status::TilePos>,
    ) -> Vec<Command> {
        self.marks.tiles = tiles;
        let keep = self.list.selected_row().map(|i| self.rows[i].id);
        self.list.rebuild(&self.rows, &self.marks.tiles, keep);
        Vec::new()
    }
}
