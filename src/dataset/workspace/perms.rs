//! Workspaces on shared servers. A new workspace takes the group of the folder it is made in
//! (the dataset's, on a group project folder) and that folder's group access, with the setgid
//! bit so that files made in it later keep the group; its database file is group-writable when
//! the folder is. Nothing of it is ever world-writable, whatever the umask.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// Gives the new workspace folder `dir` its parent's group and group access.
pub(super) fn share_like_parent(dir: &Path) -> std::io::Result<()> {
    let Some(parent) = dir.parent() else {
        return Ok(());
    };
    let p = std::fs::metadata(parent)?;
    // Fails when this user is not in that group: the workspace then stays theirs alone.
    let _ = std::os::unix::fs::chown(dir, None, Some(p.gid()));
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(folder_mode(p.mode())))
}

/// The database file (and with it the log and shared-memory files SQLite makes with the same
/// mode): group read/write as the folder allows, nothing for others.
pub(super) fn share_file(file: &Path, dir: &Path) -> std::io::Result<()> {
    let d = std::fs::metadata(dir)?;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(file_mode(d.mode())))
}

/// rwx for the owner, the parent's group bits (setgid when the group may write), no others.
fn folder_mode(parent: u32) -> u32 {
    let group = parent & 0o070;
    let setgid = if group & 0o020 != 0 { 0o2000 } else { 0 };
    0o700 | group | setgid
}

/// rw for the owner, rw or r for the group as the folder gives, none for others.
fn file_mode(dir: u32) -> u32 {
    0o600 | ((dir & 0o060) & !0o010)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_follow_the_group_and_never_the_world() {
        assert_eq!(folder_mode(0o2775), 0o2770);
        assert_eq!(folder_mode(0o755), 0o750);
        assert_eq!(folder_mode(0o777), 0o2770);
        assert_eq!(folder_mode(0o700), 0o700);
        assert_eq!(file_mode(0o2770), 0o660);
        assert_eq!(file_mode(0o750), 0o640);
        assert_eq!(file_mode(0o700), 0o600);
    }

    /// SQLite's "attempt to write a readonly database" (what a user without write access to a
    /// shared workspace meets) becomes a message naming --workspace.
    #[test]
    fn a_read_only_workspace_is_said_so_with_the_way_out() {
        use crate::dataset::workspace::WorkspaceError;
        let e = WorkspaceError::Sql(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(8),
            Some("attempt to write a readonly database".into()),
        ));
        let msg = WorkspaceError::not_writable(Path::new("/proj/.semcurate"), e).to_string();
        assert_eq!(
            msg,
            "cannot write the workspace '/proj/.semcurate': attempt to write a readonly database; ask its owner for group write access (chmod -R g+w), or pass --workspace DIR to keep a workspace of your own"
        );
    }

    #[test]
    fn a_new_workspace_takes_the_dataset_folders_group() {
        let t = tempfile::tempdir().unwrap();
        let dataset = t.path().join("project");
        std::fs::create_dir(&dataset).unwrap();
        std::fs::set_permissions(&dataset, std::fs::Permissions::from_mode(0o2775)).unwrap();
        // Root may give the folder any group; others keep their own (then the check is moot).
        let gid = if std::os::unix::fs::chown(&dataset, None, Some(100)).is_ok() {
            100
        } else {
            std::fs::metadata(&dataset).unwrap().gid()
        };
        let ws_dir = dataset.join(".semcurate");
        let ws = crate::dataset::workspace::Workspace::open(&ws_dir).unwrap();
        drop(ws);
        let d = std::fs::metadata(&ws_dir).unwrap();
        assert_eq!(d.gid(), gid);
        assert_eq!(d.mode() & 0o7777, 0o2770);
        let f = std::fs::metadata(ws_dir.join("index.sqlite")).unwrap();
        assert_eq!(f.mode() & 0o777, 0o660);
        assert_eq!(f.gid(), gid, "setgid: the database keeps the group");
    }
}
