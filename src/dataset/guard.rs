//! Where semcurate may write. A dataset folder is the user's data: no command writes into it
//! except under its workspace (and `import`, which only adds files). Every command that takes
//! an output path checks it here before writing anything.
//!
//! Paths are compared after resolving symbolic links of the part that exists, so a link that
//! leads into the dataset is caught as well as a plain subfolder.

use std::path::{Component, Path, PathBuf};

/// Why an output path is refused.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(
        "refusing to write to '{out}': it is the dataset folder itself, whose files semcurate never changes; choose a folder outside the dataset"
    )]
    IsDataset { out: PathBuf },
    #[error(
        "refusing to write to '{out}': it lies inside the dataset folder '{root}', whose files semcurate never changes; choose a folder outside the dataset"
    )]
    InsideDataset { out: PathBuf, root: PathBuf },
    #[error(
        "refusing to write to '{out}': the dataset folder '{root}' lies inside it, so files of the dataset could be overwritten; choose a folder beside the dataset"
    )]
    ContainsDataset { out: PathBuf, root: PathBuf },
    #[error("refusing to write to '{out}': it is the input file itself; choose another name")]
    IsInput { out: PathBuf },
    #[error(
        "refusing --workspace '{workspace}': it {place} the dataset folder '{root}', whose files semcurate never changes; choose a folder outside the dataset, or leave --workspace out to use '{default}'"
    )]
    WorkspaceInDataset {
        workspace: PathBuf,
        root: PathBuf,
        /// `is` or `lies inside`.
        place: &'static str,
        default: PathBuf,
    },
    #[error("cannot resolve '{path}': {source}")]
    Resolve {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Checks that writing to `out` (a folder, or a file) cannot change a file of the dataset at
/// `root`. Writing under the dataset's workspace `workspace` is allowed.
pub fn check_output(out: &Path, root: &Path, workspace: &Path) -> Result<(), OutputError> {
    let out_r = resolve(out)?;
    let root_r = resolve(root)?;
    let ws_r = resolve(workspace)?;
    if out_r.starts_with(&ws_r) {
        return Ok(());
    }
    if out_r == root_r {
        return Err(OutputError::IsDataset {
            out: out.to_path_buf(),
        });
    }
    if out_r.starts_with(&root_r) {
        return Err(OutputError::InsideDataset {
            out: out.to_path_buf(),
            root: root.to_path_buf(),
        });
    }
    if root_r.starts_with(&out_r) {
        return Err(OutputError::ContainsDataset {
            out: out.to_path_buf(),
            root: root.to_path_buf(),
        });
    }
    Ok(())
}

/// Checks that a workspace given with `--workspace` is not the dataset folder nor inside it
/// (links resolved), unless it is the dataset's own workspace `default`.
pub fn check_workspace(workspace: &Path, root: &Path, default: &Path) -> Result<(), OutputError> {
    let place = match check_output(workspace, root, default) {
        Ok(()) | Err(OutputError::ContainsDataset { .. }) => return Ok(()),
        Err(OutputError::IsDataset { .. }) => "is",
        Err(OutputError::InsideDataset { .. }) => "lies inside",
        Err(e) => return Err(e),
    };
    Err(OutputError::WorkspaceInDataset {
        workspace: workspace.to_path_buf(),
        root: root.to_path_buf(),
        place,
        default: default.to_path_buf(),
    })
}

/// Checks that writing the file `out` does not replace the input file `input`.
pub fn check_not_input(out: &Path, input: &Path) -> Result<(), OutputError> {
    if resolve(out)? == resolve(input)? {
        return Err(OutputError::IsInput {
            out: out.to_path_buf(),
        });
    }
    Ok(())
}

/// The absolute form of `path` with links resolved in its longest existing prefix and `.` /
/// `..` applied lexically to the rest (which does not exist yet, so holds no links).
pub fn resolve(path: &Path) -> Result<PathBuf, OutputError> {
    let err = |source| OutputError::Resolve {
        path: path.to_path_buf(),
        source,
    };
    let absolute = std::path::absolute(path).map_err(err)?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(base) => return Ok(append(base, rest.into_iter().rev())),
            Err(_) => match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_os_string());
                    existing = parent;
                }
                _ => return Ok(absolute),
            },
        }
    }
}

fn append(mut base: PathBuf, rest: impl Iterator<Item = std::ffi::OsString>) -> PathBuf {
    for part in rest {
        match Path::new(&part).components().next() {
            Some(Component::ParentDir) => {
                base.pop();
            }
            Some(Component::CurDir) | None => {}
            _ => base.push(part),
        }
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("data");
        std::fs::create_dir_all(root.join("10003/output-images")).unwrap();
        let ws = root.join(".semcurate");
        (t, root, ws)
    }

    #[test]
    fn the_dataset_and_its_subfolders_are_refused() {
        let (_t, root, ws) = setup();
        let e = check_output(&root, &root, &ws).unwrap_err();
        assert!(matches!(e, OutputError::IsDataset { .. }), "{e}");
        let e = check_output(&root.join("10003/output-images"), &root, &ws).unwrap_err();
        assert!(matches!(e, OutputError::InsideDataset { .. }), "{e}");
        let e = check_output(&root.join("new/deeper"), &root, &ws).unwrap_err();
        assert!(matches!(e, OutputError::InsideDataset { .. }), "{e}");
        // Spelled differently: trailing `.`, a detour through `..`.
        let e = check_output(&root.join("10003/.."), &root, &ws).unwrap_err();
        assert!(matches!(e, OutputError::IsDataset { .. }), "{e}");
        let e = check_output(&root.join("x/../y/./z"), &root, &ws).unwrap_err();
        assert!(matches!(e, OutputError::InsideDataset { .. }), "{e}");
    }

    #[test]
    fn a_folder_holding_the_dataset_is_refused_and_a_sibling_is_fine() {
        let (t, root, ws) = setup();
        let e = check_output(t.path(), &root, &ws).unwrap_err();
        assert!(matches!(e, OutputError::ContainsDataset { .. }), "{e}");
        check_output(&t.path().join("out"), &root, &ws).unwrap();
        check_output(&t.path().join("data-out/x"), &root, &ws).unwrap();
    }

    #[test]
    fn the_workspace_is_ours() {
        let (_t, root, ws) = setup();
        check_output(&ws.join("plots"), &root, &ws).unwrap();
    }

    #[test]
    fn a_workspace_inside_the_dataset_is_refused_unless_it_is_its_own() {
        let (t, root, ws) = setup();
        let e = check_workspace(&root.join("10003/output-images"), &root, &ws).unwrap_err();
        assert!(
            matches!(
                e,
                OutputError::WorkspaceInDataset {
                    place: "lies inside",
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("leave --workspace out"), "{e}");
        let e = check_workspace(&root, &root, &ws).unwrap_err();
        assert!(
            matches!(e, OutputError::WorkspaceInDataset { place: "is", .. }),
            "{e}"
        );
        check_workspace(&ws, &root, &ws).unwrap();
        check_workspace(&t.path().join("ws"), &root, &ws).unwrap();
        #[cfg(unix)]
        {
            let link = t.path().join("ws-link");
            std::os::unix::fs::symlink(root.join("10003"), &link).unwrap();
            let e = check_workspace(&link, &root, &ws).unwrap_err();
            assert!(matches!(e, OutputError::WorkspaceInDataset { .. }), "{e}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_into_the_dataset_is_refused() {
        let (t, root, ws) = setup();
        let link = t.path().join("looks-outside");
        std::os::unix::fs::symlink(root.join("10003"), &link).unwrap();
        let e = check_output(&link, &root, &ws).unwrap_err();
        assert!(matches!(e, OutputError::InsideDataset { .. }), "{e}");
        let e = check_output(&link.join("new"), &root, &ws).unwrap_err();
        assert!(matches!(e, OutputError::InsideDataset { .. }), "{e}");
        // A workspace elsewhere (--workspace) does not open the dataset to writes.
        let e = check_output(&root.join("p"), &root, &t.path().join("ws")).unwrap_err();
        assert!(matches!(e, OutputError::InsideDataset { .. }), "{e}");
    }
}
