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
    /// The work panicked: a bug, reported instead of unwinding through the front end.
    #[error("{what} failed unexpectedly: {message}")]
    Panicked { what: String, message: String },
}

impl From<super::train::TrainSetupError> for JobError {
    fn from(e: super::train::TrainSetupError) -> Self {
        Self::Invalid(e.to_string())
    }
}

/// The panic's message when it is text, else `unknown panic`.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Runs `f`, turning a panic into a job error; the error, whatever it was, becomes the
/// message the front end shows.
pub fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, JobError>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|p| {
            Err(JobError::Panicked {
                what: what.to_string(),
                message: panic_text(&*p),
            })
        })
        .map_err(|e| e.to_string())
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
        let p = JobError::Panicked {
            what: "prediction".into(),
            message: "index out of bounds".into(),
        };
        assert_eq!(
            p.to_string(),
            "prediction failed unexpectedly: index out of bounds"
        );
    }
}
