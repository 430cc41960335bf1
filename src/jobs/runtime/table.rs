//! The task table: every background job a front end started, with its progress, until it
//! ends (yazi's scheduler, reduced to what we run). Pure state: job threads report
//! [`JobEvent`]s carrying their task id, the front end applies them here and draws the table.

use std::time::Instant;

/// Identifies one job of a session.
pub type TaskId = u64;

/// Progress of a background job, by its task id (see [`TaskTable`]).
#[derive(Debug, Clone, PartialEq)]
pub enum JobEvent {
    Started {
        task: TaskId,
        name: String,
        total: u64,
    },
    Progress {
        task: TaskId,
        done: u64,
    },
    Finished {
        task: TaskId,
        message: String,
    },
    Failed {
        task: TaskId,
        message: String,
    },
}

impl JobEvent {
    /// The job it is about.
    pub fn task(&self) -> TaskId {
        match self {
            Self::Started { task, .. }
            | Self::Progress { task, .. }
            | Self::Finished { task, .. }
            | Self::Failed { task, .. } => *task,
        }
    }
}

/// A running job.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskEntry {
    /// Its id, from 1 in order of creation; never reused within a session.
    pub id: TaskId,
    /// What runs: the job's current stage (`predict`, `scan`, …).
    pub name: String,
    /// Units of work; 0 while unknown.
    pub total: u64,
    /// Units done in the current stage.
    pub done: u64,
    /// When the job was added (stages do not reset it).
    pub started: Instant,
}

impl TaskEntry {
    /// Done share 0–1, when the total is known.
    pub fn fraction(&self) -> Option<f64> {
        (self.total > 0).then(|| self.done as f64 / self.total as f64)
    }
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// Ended normally; `message` is its summary line.
    Finished { name: String, message: String },
    /// Ended with an error; `message` says what went wrong.
    Failed { name: String, message: String },
}

/// The jobs of a session that have not ended, oldest first.
#[derive(Debug, Default)]
pub struct TaskTable {
    /// The last id handed out.
    next: TaskId,
    /// The jobs not yet ended, in order of creation.
    running: Vec<TaskEntry>,
}

impl TaskTable {
    /// Registers a job that is about to start; its progress arrives as events.
    pub fn add(&mut self, name: &str) -> TaskId {
        self.next += 1;
        self.running.push(TaskEntry {
            id: self.next,
            name: name.to_string(),
            total: 0,
            done: 0,
            started: Instant::now(),
        });
        self.next
    }

    /// Applies a job's event; returns how it ended when it did. Events of unknown tasks
    /// (already ended) are ignored.
    pub fn apply(&mut self, e: JobEvent) -> Option<Ended> {
        let pos = self.running.iter().position(|t| t.id == e.task())?;
        match e {
            JobEvent::Started { name, total, .. } => {
                let t = &mut self.running[pos];
                (t.name, t.total, t.done) = (name, total, 0);
                None
            }
            JobEvent::Progress { done, .. } => {
                self.running[pos].done = done;
                None
            }
            JobEvent::Finished { message, .. } => {
                let t = self.running.remove(pos);
                Some(Ended::Finished {
                    name: t.name,
                    message,
                })
            }
            JobEvent::Failed { message, .. } => {
                let t = self.running.remove(pos);
                Some(Ended::Failed {
                    name: t.name,
                    message,
                })
            }
        }
    }

    /// Jobs that have not ended, oldest first.
    pub fn running(&self) -> &[TaskEntry] {
        &self.running
    }

    /// The most recently started job.
    pub fn newest(&self) -> Option<&TaskEntry> {
        self.running.last()
    }

    /// Whether job `id` is still running; false for `None` (no such job was started).
    pub fn is_running(&self, id: Option<TaskId>) -> bool {
        id.is_some_and(|id| self.running.iter().any(|t| t.id == id))
    }

    /// Whether no job is running.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_progress_and_end_independently() {
        let mut t = TaskTable::default();
        let a = t.add("predict");
        let b = t.add("reindex");
        assert_ne!(a, b);
        assert_eq!(
            t.apply(JobEvent::Started {
                task: a,
                name: "predict".into(),
                total: 70
            }),
            None
        );
        t.apply(JobEvent::Progress { task: a, done: 35 });
        assert_eq!(t.running()[0].fraction(), Some(0.5));
        assert_eq!(t.newest().map(|e| e.id), Some(b));
        assert_eq!(
            t.apply(JobEvent::Finished {
                task: b,
                message: "done".into()
            }),
            Some(Ended::Finished {
                name: "reindex".into(),
                message: "done".into()
            })
        );
        assert!(t.is_running(Some(a)) && !t.is_running(Some(b)));
        // A late event of an ended job changes nothing.
        assert_eq!(t.apply(JobEvent::Progress { task: b, done: 3 }), None);
        assert_eq!(t.running().len(), 1);
        t.apply(JobEvent::Failed {
            task: a,
            message: "x".into(),
        });
        assert!(t.is_empty());
    }
}
