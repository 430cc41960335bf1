//! The journal writer: one thread, one connection, mask-edit operations committed in order,
//! each before it is reported saved. (Rows and replay live in `labels::journal`.)

use std::sync::mpsc::Receiver;

use crate::dataset::workspace::Workspace;
use crate::labels::journal::{JournalReq, to_row};

use super::report::{Outbox, Report};

/// Appends journal requests in order until the channel closes; each is reported saved
/// (`Report::EditSaved`) only after its transaction committed.
///
/// Runs on its own thread with its own workspace connection, so saving an edit never waits
/// on the UI; a failed save is reported and the writer goes on with the next request.
pub fn journal_writer(rx: &Receiver<JournalReq>, tx: &Outbox, workspace: &std::path::Path) {
    let mut ws = match Workspace::open(workspace) {
        Ok(ws) => ws,
        Err(e) => {
            tx.send(Report::Failed(format!(
                "cannot open the workspace to save edits: {e}"
            )));
            return;
        }
    };
    while let Ok(req) = rx.recv() {
        let report = match ws.append_edit(req.image_id, &req.base, &to_row(&req)) {
            Ok(seq) => Report::EditSaved {
                image_id: req.image_id,
                seq,
            },
            Err(e) => Report::Failed(format!("an edit could not be saved: {e}")),
        };
        if !tx.send(report) {
            return;
        }
    }
}
