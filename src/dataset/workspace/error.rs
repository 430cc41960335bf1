//! Why a workspace cannot be used, in words that say what to do.

use std::path::{Path, PathBuf};

/// Why the workspace cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error(
        "cannot create workspace folder '{path}': {source}; if the dataset is read-only, pass --workspace DIR"
    )]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot write the workspace '{path}': {reason}; ask its owner for group write access (chmod -R g+w), or pass --workspace DIR to keep a workspace of your own"
    )]
    NotWritable { path: PathBuf, reason: String },
    #[error("cannot open workspace database '{path}': {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "workspace '{path}' was written by a newer semcurate (schema version {found}, this one knows {known}): upgrade semcurate"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "the disk holding the workspace is full ({0}): free some space, or pass --workspace DIR on another disk; the work committed so far is kept"
    )]
    Full(String),
    #[error("workspace database error: {0}")]
    Sql(rusqlite::Error),
    #[error("workspace value '{key}' is corrupt: {message}")]
    Corrupt { key: String, message: String },
}

impl WorkspaceError {
    /// An error of opening `dir` that comes from not being allowed to write it, said so.
    pub(super) fn not_writable(dir: &Path, e: Self) -> Self {
        use rusqlite::ErrorCode::{CannotOpen, PermissionDenied, ReadOnly};
        let sql = match &e {
            Self::Open { source, .. } | Self::Sql(source) => source,
            Self::Create { source, .. }
                if source.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                return Self::NotWritable {
                    path: dir.to_path_buf(),
                    reason: source.to_string(),
                };
            }
            _ => return e,
        };
        match sql {
            rusqlite::Error::SqliteFailure(f, msg)
                if matches!(f.code, ReadOnly | CannotOpen | PermissionDenied) =>
            {
                Self::NotWritable {
                    path: dir.to_path_buf(),
                    reason: msg.clone().unwrap_or_else(|| f.to_string()),
                }
            }
            _ => e,
        }
    }
}

impl From<rusqlite::Error> for WorkspaceError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull => {
                Self::Full(e.to_string())
            }
            _ => Self::Sql(e),
        }
    }
}
