//! Command line: one `Args` struct and one `run` per subcommand. Exit codes follow the spec:
//! 0 success, 1 done but problems found, 2 could not run.
//!
//! Every `run` returns `Ok(Outcome)` when the command did its work (exit 0 or 1) and `Err` only
//! when it could not run (exit 2); batch commands count bad files and go on rather than stop
//! at the first. Output for people goes to stdout, progress and warnings to stderr.

mod assist;
mod audit;
mod audit_plot;
mod audit_render;
mod common;
mod convert;
mod export;
mod export_model;
mod groups;
mod import;
mod index;
mod merge;
pub mod model_args;
mod predict;
mod progress;
mod queue;
mod retrain;
mod show;
mod slurm;
mod split;
mod stats;
mod synth;
mod table;
mod train;
mod tui_args;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The examples and exit codes printed after `semcurate --help`.
const EXAMPLES: &str = "\
Examples:
  semcurate                                     open the terminal UI on the bundled demo
  semcurate /data/apollo                        open the terminal UI on a dataset
  semcurate stats datasets/demo                 images, pixels and classes of the bundled demo
  semcurate index /data/apollo --bins 0.25,1.8  scan, validate and cache a dataset
  semcurate synth /tmp/syn --samples 4 --per-sample 25 --seed 1
  semcurate split /data/apollo --fractions 0.7,0.15,0.15 --seed 7
  semcurate export /data/apollo /data/apollo-export  corrected labels for retraining
  semcurate retrain /data/apollo                fine-tune on the current labels, re-predict

Exit codes: 0 success, 1 done but problems found (bad files), 2 could not run.";

/// Curate, audit and grow SEM BSE mineral-segmentation datasets from the terminal.
#[derive(Debug, Parser)]
#[command(name = "semcurate", version, about, after_help = EXAMPLES, propagate_version = true)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    tui: tui_args::Args,
}

#[derive(Debug, Subcommand)]
enum Command {
    Index(index::Args),
    Audit(audit::Args),
    Queue(queue::Args),
    Predict(predict::Args),
    Train(train::Args),
    Retrain(retrain::Args),
    ConvertWeights(convert::Args),
    ExportModel(export_model::Args),
    Stats(stats::Args),
    Split(split::Args),
    Synth(synth::Args),
    Show(show::Args),
    Export(export::Args),
    Import(import::Args),
    Merge(merge::Args),
    Slurm(slurm::Args),
    Assist(assist::Args),
}

/// How a command that ran ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything fine: exit 0.
    Clean,
    /// Done, but problems were found: exit 1.
    Problems,
}

impl From<Outcome> for ExitCode {
    /// `Clean` exits 0, `Problems` 1 (a failure to run, 2, never reaches here).
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Clean => Self::SUCCESS,
            Outcome::Problems => Self::from(1),
        }
    }
}

/// Parses the command line, runs it, and maps the result to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(outcome) => outcome.into(),
        Err(e) => {
            anstream::eprintln!(
                "{}semcurate: error:{} {}",
                table::ERROR.render(),
                table::ERROR.render_reset(),
                error_text(&e)
            );
            ExitCode::from(2)
        }
    }
}

/// Dispatches to the subcommand's `run`; no subcommand opens the terminal UI.
fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Some(Command::Index(a)) => index::run(&a),
        Some(Command::Audit(a)) => audit::run(&a),
        Some(Command::Queue(a)) => queue::run(&a),
        Some(Command::Predict(a)) => predict::run(&a),
        Some(Command::Train(a)) => train::run(&a),
        Some(Command::Retrain(a)) => retrain::run(&a),
        Some(Command::ConvertWeights(a)) => convert::run(&a),
        Some(Command::ExportModel(a)) => export_model::run(&a),
        Some(Command::Stats(a)) => stats::run(&a),
        Some(Command::Split(a)) => split::run(&a),
        Some(Command::Assist(a)) => assist::run(&a),
        Some(Command::Synth(a)) => synth::run(&a),
        Some(Command::Show(a)) => show::run(&a),
        Some(Command::Export(a)) => export::run(&a),
        Some(Command::Import(a)) => import::run(&a),
        Some(Command::Merge(a)) => merge::run(&a),
        Some(Command::Slurm(a)) => slurm::run(&a),
        None => tui_args::run(&cli.tui),
    }
}

/// The error and its causes, joined by ": ", each cause left out when the text so far already
/// says it (errors that name their source in their own message would otherwise say it twice).
fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        let last = text.rsplit(": ").next().unwrap_or_default();
        if text.contains(&part) || (!last.is_empty() && part.ends_with(last)) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let io = std::io::Error::other("No space left on device");
        let lock = crate::dataset::lock::LockError::Io {
            path: "/ws/locks/predict.lock".into(),
            source: io,
        };
        let e = anyhow::Error::new(lock);
        assert_eq!(
            error_text(&e),
            "cannot use lock file '/ws/locks/predict.lock': No space left on device"
        );
        let e = e.context("cannot predict");
        assert_eq!(
            error_text(&e),
            "cannot predict: cannot use lock file '/ws/locks/predict.lock': No space left on device"
        );
        let plain = anyhow::anyhow!("inner").context("outer");
        assert_eq!(error_text(&plain), "outer: inner");
        // rusqlite's "database or disk is full" over SQLite's "Error code 13: database or disk
        // is full": said once, with what to do.
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(13),
            Some("database or disk is full".into()),
        );
        let e = anyhow::Error::new(crate::dataset::workspace::WorkspaceError::from(full));
        assert_eq!(
            error_text(&e),
            "the disk holding the workspace is full (database or disk is full): free some space, or pass --workspace DIR on another disk; the work committed so far is kept"
        );
    }
}
