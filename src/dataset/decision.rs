//! Review decisions: what a reviewer decided about an image, who, and when. The workspace
//! keeps them as an append-only log (`Workspace::record_decision`): the latest entry of an image
//! is its review status.

use serde::{Deserialize, Serialize};

use super::image::ImageId;

/// What a reviewer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Looked at; mask and prediction are fine (or were corrected).
    Reviewed,
    /// Needs attention (a label error, a doubtful class).
    Flagged,
    /// Passed over for now.
    Skipped,
    /// Back to not reviewed.
    Cleared,
    /// The mask was corrected by hand.
    Corrected,
    /// The mask (or the proposal it started from) is right as it is: ready for export.
    Accepted,
    /// Not usable (out of focus, charging, wrong sample): never exported.
    Rejected,
}

impl Decision {
    /// The decision's name as stored and printed (`reviewed`, `flagged`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reviewed => "reviewed",
            Self::Flagged => "flagged",
            Self::Skipped => "skipped",
            Self::Cleared => "cleared",
            Self::Corrected => "corrected",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }

    /// The decision named `s` (as [`Decision::as_str`] writes it); `None` for another name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Reviewed,
            Self::Flagged,
            Self::Skipped,
            Self::Cleared,
            Self::Corrected,
            Self::Accepted,
            Self::Rejected,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }

    /// Whether the review of the image is over (the queue leaves it out).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Accepted | Self::Rejected)
    }
}

/// One logged decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionEntry {
    /// The workspace id of the image decided on (`IndexedImage::id`).
    pub image_id: ImageId,
    /// What was decided.
    pub decision: Decision,
    /// Free text the reviewer gave with it; empty when none.
    pub note: String,
    /// Who decided: a user name as `workspace::current_user` gives it.
    pub user: String,
    /// When: Unix seconds.
    pub at: i64,
}
