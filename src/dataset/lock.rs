//! Locks for work that must not run twice on one workspace at once (predict, train, export,
//! import): an OS file lock on `WORKSPACE/locks/JOB.lock`, which the kernel releases when the
//! holder exits or is killed, so a crash never leaves a stale lock behind. The file also holds
//! who holds it (pid, command, start time, user, host), for the message of the one that waits
//! or is refused.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Folder of lock files inside a workspace.
const LOCKS_DIR: &str = "locks";

/// Who holds a lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Process id on `host`.
    pub pid: u32,
    /// The holder's command line, arguments joined by spaces.
    pub command: String,
    /// Seconds since the Unix epoch.
    pub started: i64,
    /// Who ran it ([`super::workspace::current_user`]).
    pub user: String,
    /// Host name from `/proc/sys/kernel/hostname`; empty when unknown (the workspace may be on a
    /// shared file system, so the pid alone does not say which machine).
    pub host: String,
}

impl Holder {
    /// This process, now.
    pub fn this_process() -> Self {
        Self {
            pid: std::process::id(),
            command: std::env::args().collect::<Vec<_>>().join(" "),
            started: crate::clock::now(),
            user: super::workspace::current_user(),
            host: std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = if self.host.is_empty() {
            String::new()
        } else {
            format!(" on {}", self.host)
        };
        write!(
            f,
            "pid {}{host}, user {}, started {} ({}): `{}`",
            self.pid,
            self.user,
            crate::clock::utc(self.started),
            crate::clock::ago(self.started),
            self.command
        )
    }
}

/// Why a lock cannot be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another {job} is running on this workspace ({holder}); wait for it to finish, or stop it"
    )]
    Held { job: String, holder: Holder },
    #[error("cannot use lock file '{path}': {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A held lock; released when dropped (or when the process ends, however it ends).
///
/// Locks are per job name: an export and a predict may run at once, two predicts may not.
#[derive(Debug)]
pub struct JobLock {
    file: File,
    path: PathBuf,
}

impl JobLock {
    /// Takes the lock for `job` in workspace `dir` if it is free; otherwise says who holds it.
    ///
    /// Never waits. When taken, the file is rewritten with this process as holder; a holder whose
    /// file cannot be parsed is reported as unknown rather than failing.
    pub fn try_acquire(dir: &Path, job: &str) -> Result<Self, LockError> {
        let (mut file, path) = open(dir, job)?;
        match file.try_lock() {
            Ok(()) => Self::claim(file, path),
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Held {
                job: job.to_string(),
                holder: read_holder(&mut file).unwrap_or_else(unknown_holder),
            }),
            Err(std::fs::TryLockError::Error(source)) => Err(LockError::Io { path, source }),
        }
    }

    /// Takes the lock for `job`, waiting for its holder to finish; `waiting` is told who
    /// holds it before the wait begins.
    pub fn acquire(
        dir: &Path,
        job: &str,
        waiting: impl FnOnce(&Holder),
    ) -> Result<Self, LockError> {
        match Self::try_acquire(dir, job) {
            Err(LockError::Held { holder, .. }) => {
                waiting(&holder);
                let (file, path) = open(dir, job)?;
                file.lock().map_err(|source| LockError::Io {
                    path: path.clone(),
                    source,
                })?;
                Self::claim(file, path)
            }
            other => other,
        }
    }

    /// Writes this process into the locked file as its holder (JSON), replacing the last one's.
    fn claim(mut file: File, path: PathBuf) -> Result<Self, LockError> {
        let me = serde_json::to_vec(&Holder::this_process()).unwrap_or_default();
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(&me).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(Self { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for JobLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Opens (creating if needed) `DIR/locks/JOB.lock` without truncating it, so the holder's
/// record survives until the lock is taken.
fn open(dir: &Path, job: &str) -> Result<(File, PathBuf), LockError> {
    let folder = dir.join(LOCKS_DIR);
    let path = folder.join(format!("{job}.lock"));
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(&folder).map_err(io)?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    Ok((file, path))
}

/// The holder recorded in a lock file; `None` when the file is empty or not our JSON.
fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

fn unknown_holder() -> Holder {
    Holder {
        pid: 0,
        command: "(unknown: the holder has not written its name yet)".into(),
        started: 0,
        user: String::new(),
        host: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_refused_with_the_holder_and_gets_it_after_release() {
        let t = tempfile::tempdir().unwrap();
        let first = JobLock::try_acquire(t.path(), "predict").unwrap();
        // A second open file description conflicts like a second process would.
        let e = JobLock::try_acquire(t.path(), "predict").unwrap_err();
        let LockError::Held { job, holder } = &e else {
            panic!("{e}")
        };
        assert_eq!(job, "predict");
        assert_eq!(holder.pid, std::process::id());
        assert!(
            e.to_string()
                .contains(&format!("pid {}", std::process::id())),
            "{e}"
        );
        // Other jobs are independent.
        let _train = JobLock::try_acquire(t.path(), "train").unwrap();
        drop(first);
        let again = JobLock::try_acquire(t.path(), "predict").unwrap();
        assert!(again.path().ends_with("locks/predict.lock"));
    }

    #[test]
    fn a_waiter_is_told_who_holds_it_and_proceeds_after_release() {
        let t = tempfile::tempdir().unwrap();
        let first = JobLock::try_acquire(t.path(), "export").unwrap();
        let dir = t.path().to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            JobLock::acquire(&dir, "export", |h| tx.send(h.pid).unwrap()).map(|_| ())
        });
        assert_eq!(rx.recv().unwrap(), std::process::id());
        drop(first);
        waiter.join().unwrap().unwrap();
    }
}
