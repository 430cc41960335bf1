//! Why a workspace cannot be used, in words that say what to do.

use std::path::{Path, PathBuf};

/// Why the workspace cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error(
        "cannot create workspace folder '{path}': {source}; if the dataset is read-only, pass --workspace DIR"
    )]
    /// The workspace folder could not be made (often: the dataset folder is read-only).
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot write the workspace '{path}': {reason}; ask its owner for group write access (chmod -R g+w), or pass --workspace DIR to keep a workspace of your own"
    )]
    /// The workspace exists but this user may not write it (a colleague's shared workspace).
    NotWritable { path: PathBuf, reason: String },
    #[error(
        "cannot write the workspace '{path}': its file system is mounted read-only ({reason}); pass --workspace DIR on a writable disk to keep a workspace of your own (the dataset is read from where it is)"
    )]
    /// The workspace lies on a read-only mount: only another `--workspace` helps.
    ReadOnlyFs { path: PathBuf, reason: String },
    /// SQLite could not open the database file for another reason.
    #[error("cannot open workspace database '{path}': {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "workspace '{path}' was written by a newer semcurate (schema version {found}, this one knows {known}): upgrade semcurate"
    )]
    /// The database has more migrations applied than this build knows.
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "the disk holding the workspace is full ({0}): free some space, or pass --workspace DIR on another disk; the work committed so far is kept"
    )]
    /// SQLite reported a full disk; what was committed before is intact.
    Full(String),
    #[error(
        "the workspace database '{path}' is damaged ({reason}): a workspace holds only what semcurate derived from the dataset, plus your corrections and review decisions; move the folder '{}' aside (keep it: the corrections in it would be lost otherwise) and run `semcurate index` on the dataset again to make a new one",
        .path.parent().unwrap_or(path).display()
    )]
    /// The database file is corrupt or not a database.
    Damaged { path: PathBuf, reason: String },
    /// [`Self::Damaged`] found by a query, where the file is not known.
    #[error(
        "the workspace database is damaged ({0}): a workspace holds only what semcurate derived from the dataset, plus your corrections and review decisions; move the workspace folder ('.semcurate' in the dataset, or your --workspace DIR) aside (keep it: the corrections in it would be lost otherwise) and run `semcurate index` on the dataset again to make a new one"
    )]
    DamagedHere(String),
    #[error(
        "the dataset is not indexed yet: the workspace '{dir}' has no index.sqlite; a shard only reads the index (the array's tasks would race to write it): run `semcurate index DATASET` first (with the same --workspace, if you pass one), or submit the array with `semcurate slurm predict`, which indexes before it writes the script"
    )]
    /// A read-only user (a shard task) found no database to read.
    NotIndexed { dir: PathBuf },
    /// Any other SQLite error.
    #[error("workspace database error: {0}")]
    Sql(rusqlite::Error),
    /// A stored value (metadata JSON, a packed map, a summary) does not parse; `key` says which.
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
                let reason = msg.clone().unwrap_or_else(|| f.to_string());
                if on_read_only_fs(dir) {
                    Self::ReadOnlyFs {
                        path: dir.to_path_buf(),
                        reason: format!("Read-only file system; SQLite: {reason}"),
                    }
                } else {
                    Self::NotWritable {
                        path: dir.to_path_buf(),
                        reason,
                    }
                }
            }
            _ => e,
        }
    }
}

/// Whether `dir` (or the nearest folder above it that exists) is on a file system mounted
/// read-only, where no permission change helps.
fn on_read_only_fs(dir: &Path) -> bool {
    dir.ancestors()
        .find_map(|d| rustix::fs::statvfs(d).ok())
        .is_some_and(|s| s.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY))
}

impl WorkspaceError {
    /// An error of opening the database file `path` that comes from the file being damaged
    /// (not a database, or a malformed one), said so with what to do.
    pub(super) fn damaged(path: &Path, e: Self) -> Self {
        let reason = match &e {
            Self::Open { source, .. } | Self::Sql(source) => damage(source),
            Self::DamagedHere(reason) => Some(reason.clone()),
            _ => None,
        };
        match reason {
            Some(reason) => Self::Damaged {
                path: path.to_path_buf(),
                reason,
            },
            None => e,
        }
    }
}

/// SQLite's words for a damaged database file, when that is what `e` says.
fn damage(e: &rusqlite::Error) -> Option<String> {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match e {
        rusqlite::Error::SqliteFailure(f, msg)
            if matches!(f.code, DatabaseCorrupt | NotADatabase) =>
        {
            Some(msg.clone().unwrap_or_else(|| f.to_string()))
        }
        _ => None,
    }
}

impl From<rusqlite::Error> for WorkspaceError {
    fn from(e: rusqlite::Error) -> Self {
        if let Some(reason) = damage(&e) {
            return Self::DamagedHere(reason);
        }
        match &e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull => {
                Self::Full(e.to_string())
            }
            _ => Self::Sql(e),
        }
    }
}
