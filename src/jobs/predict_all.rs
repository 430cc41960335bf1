//! The TUI's batch prediction: every image without a current prediction, on its own thread,
//! under the workspace's predict lock, cancellable, with progress in the task table.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::error::JobError;
use super::predict::{PredictOptions, predict_dataset};
use super::report::{Outbox, Report};
use super::runtime::{ChannelProgress, JobEvent, TaskId, guarded};
use super::service::{ModelRef, Paths};
use crate::dataset::lock::JobLock;
use crate::dataset::workspace::Workspace;
use crate::model::MultiUNet;

/// Batch prediction of every image without a current prediction.
pub struct PredictAll {
    /// Where the finished, failed and progress events go.
    pub tx: Outbox,
    /// Dataset root, workspace and schema.
    pub paths: Paths,
    /// The model to predict with (loaded on the job's thread).
    pub model: ModelRef,
    /// Set by the front end to stop; what was predicted so far is kept.
    pub cancel: Arc<AtomicBool>,
    /// Its entry in the front end's task table.
    pub task: TaskId,
}

impl PredictAll {
    /// Predicts until done or cancelled, then reports on the channel.
    ///
    /// Refused (a failed event) when another prediction holds the workspace's `predict` lock.
    pub fn run(self) {
        let progress = ChannelProgress::new(self.tx.jobs(), self.task);
        let r = guarded("batch prediction", || {
            let model = MultiUNet::load(&self.model.dir, &self.model.backend.device())?;
            let mut ws = Workspace::open(&self.paths.workspace)?;
            // A headless predict on the same workspace: do not run twice, say who runs.
            let _lock = JobLock::try_acquire(ws.dir(), "predict")?;
            let opts = PredictOptions {
                batch: self.model.backend.default_batch(),
                ..PredictOptions::default()
            };
            predict_dataset(
                &model,
                &self.model.hash,
                &self.paths.root,
                &mut ws,
                &opts,
                &progress,
                &self.cancel,
            )
            .map_err(JobError::from)
        });
        let event = match r {
            Ok(s) if s.cancelled => JobEvent::Finished {
                task: self.task,
                message: format!("prediction cancelled: {} images done, kept", s.predicted),
            },
            Ok(s) => JobEvent::Finished {
                task: self.task,
                message: format!(
                    "predicted {} images in {:.1} s ({} already done, {} problems)",
                    s.predicted,
                    s.seconds,
                    s.skipped,
                    s.problems.len()
                ),
            },
            Err(message) => JobEvent::Failed {
                task: self.task,
                message,
            },
        };
        self.tx.send(Report::Job(event));
    }
}

/// Starts the batch prediction on its own thread.
///
/// The thread is named `predict-all`; an error only when the thread could not be spawned.
pub fn spawn_predict_all(job: PredictAll) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("predict-all".into())
        .spawn(move || job.run())
        .map(|_| ())
}
