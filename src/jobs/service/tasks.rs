//! The task thread: index refreshes, the audit overview, decisions and re-binning, in order;
//! when idle it watches the index for images another process added.

use std::sync::mpsc::Receiver;

use super::{ModelRef, Paths, Task};
use crate::audit::RiskThresholds;
use crate::dataset::ScaleBins;
use crate::dataset::image::ImageId;
use crate::dataset::index::{IndexOptions, index};
use crate::dataset::workspace::Workspace;
use crate::jobs::error::JobError;
use crate::jobs::overview::load_overview;
use crate::jobs::report::{Outbox, Report};
use crate::jobs::runtime::{ChannelProgress, JobEvent, TaskId, guarded};
use crate::progress::NoProgress;

/// How often the task thread, when idle, looks whether another process changed the index.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// The task thread: runs tasks in order, coalescing repeated refresh and overview requests;
/// when idle, it watches the index ([`Workspace::index_stamp`]) and reports
/// [`Report::DatasetChanged`] when another process added or lost images.
pub fn tasks(rx: &Receiver<Task>, tx: &Outbox, paths: &Paths, model: Option<&ModelRef>) {
    let mut ws = match Workspace::open(&paths.workspace) {
        Ok(ws) => ws,
        Err(e) => {
            tx.send(Report::Failed(format!("cannot open the workspace: {e}")));
            return;
        }
    };
    let mut seen = ws.index_stamp().ok();
    loop {
        let first = match rx.recv_timeout(WATCH_EVERY) {
            Ok(task) => task,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let now = ws.index_stamp().ok();
                if now.is_some() && now != seen {
                    seen = now;
                    tx.send(Report::DatasetChanged);
                }
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        run_batch(&mut ws, batch, tx, paths, model);
        // Our own re-index changed the stamp: only another process's change is news.
        seen = ws.index_stamp().ok();
    }
}

/// Runs a batch of tasks: decisions and re-binning in order, then one re-index for all the
/// refreshes asked and one audit overview.
fn run_batch(
    ws: &mut Workspace,
    batch: Vec<Task>,
    tx: &Outbox,
    paths: &Paths,
    model: Option<&ModelRef>,
) {
    let (mut refresh, mut overview) = (Vec::new(), false);
    for task in batch {
        match task {
            Task::Refresh(id) => refresh.push(id),
            Task::Overview => overview = true,
            Task::Decide(e) => {
                if let Err(err) = ws.record_decision(&e) {
                    tx.send(Report::Failed(format!("cannot store the decision: {err}")));
                }
            }
            Task::ApplyBins(edges, id) => {
                let r = guarded("re-binning", || reindex(ws, paths, Some(edges), tx, id));
                end_task(tx, &[id], r);
                overview = true;
            }
        }
    }
    if let Some(&first) = refresh.first() {
        let r = guarded("indexing", || reindex(ws, paths, None, tx, first));
        end_task(tx, &refresh, r);
    }
    if overview && let Some(m) = model {
        send_result(tx, guarded("the audit", || overview_of(ws, paths, m)));
    }
}

/// The audit overview of the model `m`, under the workspace's bins as they are now
/// (re-binning changes them), not the ones the session started with.
fn overview_of(ws: &mut Workspace, paths: &Paths, m: &ModelRef) -> Result<Vec<Report>, JobError> {
    let bins = crate::dataset::index::stored_bins(ws).unwrap_or_else(|_| m.bins.clone());
    load_overview(
        ws,
        &paths.root,
        &paths.schema,
        &m.hash,
        &bins,
        RiskThresholds::default(),
        &NoProgress,
    )
    .map(|ov| vec![Report::Overview(Box::new(ov))])
    .map_err(JobError::from)
}

/// Sends a task's results and ends its table entries (`ids`: the task and any coalesced into
/// it) with the result's message.
fn end_task(tx: &Outbox, ids: &[TaskId], r: Result<(Vec<Report>, String), String>) {
    let (reports, end) = match r {
        Ok((reports, message)) => (reports, Ok(message)),
        Err(message) => (Vec::new(), Err(message)),
    };
    for report in reports {
        tx.send(report);
    }
    for &task in ids {
        tx.send(Report::Job(match &end {
            Ok(message) => JobEvent::Finished {
                task,
                message: message.clone(),
            },
            Err(message) => JobEvent::Failed {
                task,
                message: message.clone(),
            },
        }));
    }
}

/// Sends a task's reports, or its error as a failure message.
fn send_result(tx: &Outbox, r: Result<Vec<Report>, String>) {
    match r {
        Ok(events) => events.into_iter().for_each(|e| {
            tx.send(e);
        }),
        Err(e) => {
            tx.send(Report::Failed(e));
        }
    }
}

/// Indexes the dataset incrementally (with new bin edges for re-binning) and gathers what the
/// front end refreshes from it: rows, review decisions, export state and imported tiles'
/// places; the summary line ends the task.
fn reindex(
    ws: &mut Workspace,
    paths: &Paths,
    edges: Option<Vec<f64>>,
    tx: &Outbox,
    task: TaskId,
) -> Result<(Vec<Report>, String), JobError> {
    let bins = edges
        .map(ScaleBins::new)
        .transpose()
        .map_err(|e| JobError::Invalid(e.to_string()))?;
    let opts = IndexOptions {
        schema: paths.schema.clone(),
        bins,
        full: false,
        default_pixel_size: paths.default_pixel_size,
        group_rule: None,
    };
    let progress = ChannelProgress::new(tx.jobs(), task);
    let summary = index(&paths.root, ws, &opts, &progress)
        .map_err(|e| JobError::Invalid(format!("cannot index '{}': {e}", paths.root.display())))?;
    let rows = ws.images()?;
    let reviews = ws.review_status()?;
    let labels = crate::labels::status::ExportState::read(ws)?;
    let ids: std::collections::HashMap<(&str, &str), ImageId> = rows
        .iter()
        .map(|r| ((r.sample.as_str(), r.stem.as_str()), r.id))
        .collect();
    let tiles = ws
        .import_tiles()?
        .into_iter()
        .filter_map(|(t, path)| {
            let id = *ids.get(&(t.sample.as_str(), t.stem.as_str()))?;
            let source = std::path::Path::new(&path)
                .file_name()
                .map_or(path.clone(), |n| n.to_string_lossy().into_owned());
            Some((
                id,
                crate::labels::status::TilePos {
                    source,
                    x: t.x,
                    y: t.y,
                },
            ))
        })
        .collect();
    let message = format!(
        "indexed: {} images found, {} read",
        summary.found, summary.read
    );
    Ok((
        vec![
            Report::Rows(rows),
            Report::Reviews(reviews),
            Report::Labels(labels),
            Report::Tiles(tiles),
        ],
        message,
    ))
}
