//! Per image, what its current mask is (original, corrected, accepted) and whether its
//! corrections have been exported since they were made: what the TUI marks and counts.

use std::collections::HashMap;

use crate::dataset::workspace::{Decision, DecisionEntry, ImageRow, Workspace, WorkspaceError};

/// Journal lengths now and at the last export, per image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportState {
    /// Operations in each image's edit journal.
    pub edits: HashMap<i64, u32>,
    /// Operations in its journal when it was last exported.
    pub exported: HashMap<i64, u32>,
}

/// What an image's current mask is, for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskStatus {
    /// Unlabelled, nothing corrected or accepted.
    None,
    /// A mask file that cannot be used.
    Bad,
    /// The mask file as it is.
    Original,
    /// Corrected in the workspace.
    Corrected,
    /// Accepted by a reviewer (corrected or not).
    Accepted,
}

impl MaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "–",
            Self::Bad => "bad",
            Self::Original => "original",
            Self::Corrected => "corrected",
            Self::Accepted => "accepted",
        }
    }
}

impl ExportState {
    /// Reads the journal lengths and the last export of every image.
    pub fn read(ws: &Workspace) -> Result<Self, WorkspaceError> {
        Ok(Self {
            edits: ws
                .edit_counts()?
                .into_iter()
                .map(|(id, c)| (id, c.ops))
                .collect(),
            exported: ws
                .exported()?
                .into_iter()
                .map(|(id, e)| (id, e.edit_ops))
                .collect(),
        })
    }

    /// An edit of `image_id` was saved as journal entry `seq` (entries count from 1).
    pub fn edit_saved(&mut self, image_id: i64, seq: i64) {
        let e = self.edits.entry(image_id).or_insert(0);
        *e = (*e).max(seq.max(0) as u32);
    }

    /// Whether `image_id` has edits made after its last export (or never exported).
    pub fn unexported(&self, image_id: i64) -> bool {
        self.edits
            .get(&image_id)
            .is_some_and(|&n| n > self.exported.get(&image_id).copied().unwrap_or(0))
    }

    /// Images with edits not yet exported.
    pub fn unexported_count(&self) -> usize {
        self.edits.keys().filter(|&&id| self.unexported(id)).count()
    }

    /// The status of `row`'s current mask given its latest decision.
    pub fn status(&self, row: &ImageRow, decision: Option<&DecisionEntry>) -> MaskStatus {
        if decision.is_some_and(|d| d.decision == Decision::Accepted) {
            return MaskStatus::Accepted;
        }
        if self.edits.get(&row.id).is_some_and(|&n| n > 0) {
            return MaskStatus::Corrected;
        }
        match (row.is_labelled(), row.mask_path.is_some()) {
            (true, _) => MaskStatus::Original,
            (false, true) => MaskStatus::Bad,
            (false, false) => MaskStatus::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_after_an_export_count_as_unexported() {
        let mut s = ExportState::default();
        s.edit_saved(1, 3);
        s.edit_saved(2, 1);
        assert_eq!(s.unexported_count(), 2);
        s.exported.insert(1, 3);
        assert_eq!(s.unexported_count(), 1);
        s.edit_saved(1, 4);
        assert!(s.unexported(1));
        s.edit_saved(1, 2); // a late report never lowers the count
        assert_eq!(s.edits[&1], 4);
    }
}
