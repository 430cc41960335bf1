//! Earlier imports of the same raw file (by content fingerprint): nothing twice, never into
//! two samples, and again once its tiles were deleted.

use super::{FileReport, ImportOptions};
use crate::dataset::workspace::Workspace;

/// Looks at earlier imports of the same file (by content): whether to import it now.
///
/// - Into this sample with its tiles there: nothing to add.
/// - Into another sample with its tiles there: refused, since one raw image in two samples
///   would put neighbouring tiles in two split groups (train and test).
/// - Its tiles all deleted since: the old record is forgotten and the file imported again.
pub(super) fn check_earlier_imports(
    ws: &mut Workspace,
    opts: &ImportOptions,
    fp: &str,
    r: &mut FileReport,
) -> Result<bool, String> {
    let err = |e: crate::dataset::workspace::WorkspaceError| e.to_string();
    for (id, prev, stems) in ws.imports_of_file(fp).map_err(err)? {
        let images = opts.root.join(&prev.sample).join("input-images");
        let present = stems
            .iter()
            .filter(|s| images.join(format!("{s}.png")).exists())
            .count();
        if present == 0 && !stems.is_empty() {
            ws.forget_import(id).map_err(err)?;
            r.notes.push(format!(
                "the {} tiles imported before into '{}' are gone: imported again",
                stems.len(),
                prev.sample
            ));
            continue;
        }
        if prev.sample != opts.sample && stems.is_empty() {
            continue; // nothing of it there (all blank): no split group to share
        }
        if prev.sample != opts.sample {
            return Err(format!(
                "already imported into sample '{}' from '{}' ({present} tiles there): the same \
                 raw image in two samples would put its tiles in two split groups, so one \
                 region could be in both train and test; delete that sample's tiles first to \
                 move it",
                prev.sample, prev.path
            ));
        }
        r.already_imported = true;
        let missing = stems.len() - present;
        r.notes.push(if missing == 0 {
            format!(
                "imported before from '{}' ({} tiles): nothing added",
                prev.path, prev.tiles
            )
        } else {
            format!(
                "imported before from '{}': {present} of its {} tiles are there, {missing} \
                 deleted; nothing added (delete the rest to import it again)",
                prev.path,
                stems.len()
            )
        });
        return Ok(false);
    }
    Ok(true)
}
