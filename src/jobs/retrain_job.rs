//! The TUI's retrain and refresh (`F`) as a background job: [`super::retrain::retrain`] on its
//! own thread, cancellable, with progress in the task table; it reports the new model so the
//! front end can switch to it.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::error::JobError;
use super::report::{Outbox, Report};
use super::retrain::{Recipe, RetrainInput, Retrained, retrain};
use super::runtime::{ChannelProgress, JobEvent, TaskId, guarded};
use super::service::{ModelRef, Paths};
use crate::model::BackendKind;
use crate::model::multi::ModelInfo;

/// A finished retrain and the model the workers should use from now on.
#[derive(Debug, Clone)]
pub struct NewModel {
    /// Scores before and after, times, and what the prediction did.
    pub report: Retrained,
    /// The new model folder as dataset commands see it (config checked against the schema, hash).
    pub info: ModelInfo,
    /// What the workers load from now on.
    pub model: ModelRef,
}

/// Fine-tunes `base` (or trains from nothing without one) on the current labels.
pub struct RetrainJob {
    /// Where progress, the new model and the end of the task go.
    pub tx: Outbox,
    /// Dataset root, workspace and schema.
    pub paths: Paths,
    /// The session's model, fine-tuned; `None` trains a small model from nothing.
    pub base: Option<ModelRef>,
    /// For a model from nothing (a fine-tuned one keeps its base's backend).
    pub backend: BackendKind,
    /// Set by the front end to stop (see [`RetrainInput::cancel`]).
    pub cancel: Arc<AtomicBool>,
    /// Its entry in the front end's task table.
    pub task: TaskId,
}

impl RetrainJob {
    /// Trains, scores and predicts, then reports the new model and ends the task.
    pub fn run(self) {
        let progress = ChannelProgress::new(self.tx.jobs(), self.task);
        let backend = self.base.as_ref().map_or(self.backend, |b| b.backend);
        let recipe = match self.base {
            Some(_) => Recipe::fine_tune(),
            None => Recipe::from_nothing(),
        };
        let input = RetrainInput {
            root: &self.paths.root,
            workspace: &self.paths.workspace,
            schema: &self.paths.schema,
            base: self.base.as_ref().map(|b| b.dir.as_path()),
            backend,
            recipe,
            out: None,
            command: "semcurate (TUI: F, retrain and refresh)".into(),
            cancel: &self.cancel,
            progress: &progress,
        };
        let r = guarded("retraining", || {
            let report = retrain(&input).map_err(|e| JobError::Invalid(e.to_string()))?;
            let info = ModelInfo::for_dataset(&report.dir, &self.paths.schema)?;
            let model = ModelRef {
                dir: report.dir.clone(),
                hash: report.hash.clone(),
                bins: info.config.bins.clone(),
                backend,
            };
            Ok::<_, JobError>(NewModel {
                report,
                info,
                model,
            })
        });
        let event = match r {
            Ok(done) => {
                let message = summary(&done.report);
                self.tx.send(Report::Retrained(Box::new(done)));
                JobEvent::Finished {
                    task: self.task,
                    message,
                }
            }
            Err(message) => JobEvent::Failed {
                task: self.task,
                message,
            },
        };
        self.tx.send(Report::Job(event));
    }
}

/// One line for the status bar.
///
/// Time, `mIoU before → after` and what it was scored on, how many images were predicted,
/// and a hint at the audit screen.
fn summary(r: &Retrained) -> String {
    let f = |v: Option<f64>| v.map_or("n/a".to_string(), |x| format!("{x:.3}"));
    let miou = match &r.before {
        Some(b) => format!("mIoU {} → {}", f(b.mean_iou), f(r.after.mean_iou)),
        None => format!("mIoU {}", f(r.after.mean_iou)),
    };
    format!(
        "retrained in {:.0} s: {miou} on {}; {} images predicted with it (3 shows the audit)",
        r.training_seconds,
        r.scored_on_text(),
        r.predicted.predicted
    )
}

/// Starts the retrain on its own thread.
pub fn spawn_retrain(job: RetrainJob) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("retrain".into())
        .spawn(move || job.run())
        .map(|_| ())
}
