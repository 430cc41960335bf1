//! Why a background job failed: one type for the work `jobs` runs, with the underlying
//! error's facts, shown to the user through its message (the TUI's status bar, the CLI's
//! error chain).

use crate::dataset::index::IndexError;
use crate::dataset::lock::LockError;
use crate::dataset::raster::RasterError;
use crate::dataset::workspace::WorkspaceError;
use crate::model::multi::ModelError;

/// A failed job.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The workspace could not be opened, read or written.
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    /// Re-indexing the dataset failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The model folder could not be loaded.
    #[error("cannot load the model: {0}")]
    Model(#[from] ModelError),
    /// Another process holds the job's lock (its holder is named).
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The image file at `path` (relative to the dataset root) could not be decoded.
    #[error("cannot read image '{path}': {source}")]
    Image { path: String, source: RasterError },
    /// Anything else, already in words.
    #[error("{0}")]
    Invalid(String),
}

impl From<super::train::TrainSetupError> for JobError {
    fn from(e: super::train::TrainSetupError) -> Self {
        Self::Invalid(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_the_facts() {
        let e = JobError::Image {
            path: "10003/input-images/a.png".into(),
            source: RasterError::UnknownFormat("00 01".into()),
        };
        assert!(
            e.to_string()
                .starts_with("cannot read image '10003/input-images/a.png': "),
            "{e}"
        );
    }
}
