//! Per-image marks shown in the list and the side panel: mIoU, queue flags, review decisions,
//! corrections and exports, and where imported tiles lie.

use std::collections::HashMap;

use crate::dataset::workspace::DecisionEntry;

use super::super::msg::Command;

/// Per-image marks shown in the list.
#[derive(Debug, Clone, Default)]
pub struct Marks {
    /// Mean IoU of the stored prediction against the mask.
    pub miou: HashMap<i64, f64>,
    /// Queue membership: a short reason code per queued image.
    pub flags: HashMap<i64, &'static str>,
    /// Latest review decision.
    pub reviews: HashMap<i64, DecisionEntry>,
    /// Edit journals now and at the last export.
    pub labels: crate::labels::status::ExportState,
    /// Imported tiles' places in their raw images.
    pub tiles: HashMap<i64, crate::labels::status::TilePos>,
}

impl Marks {
    /// Replaces a part of the marks (a report from the workspace); nothing to do after.
    pub fn set(&mut self, f: impl FnOnce(&mut Self)) -> Vec<Command> {
        f(self);
        Vec::new()
    }
}
