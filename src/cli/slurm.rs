//! `semcurate slurm predict`: index the dataset, then write a ready sbatch script for a job
//! array whose tasks run `semcurate predict --shard`.
//!
//! Writes the script and creates `WORKSPACE/parts/logs/`; submits nothing. The tasks read the
//! workspace as an immutable snapshot, so it is checkpointed here first. Exit 0 when the
//! script was written, 2 otherwise.

use std::path::{Path, PathBuf};

use std::fmt::Write as _;

use anyhow::Context;

use crate::jobs::shard::PARTS_DIR;

use super::Outcome;
use super::common::{DatasetArgs, show};
use super::model_args::ModelArgs;

/// Scale out on a Slurm cluster: write an sbatch script for a job array (docs/SLURM.md).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: SlurmCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum SlurmCommand {
    Predict(PredictArgs),
}

/// Index the dataset (so the tasks can read the workspace without locks), then write an
/// sbatch script that predicts it as a job array of N shards, each into its own part of the
/// workspace; print the `sbatch` command, and the `merge` to run when the array is done.
///
/// Tasks are requeued when preempted and resume where they stopped; a task that failed can be
/// resubmitted alone (`sbatch --array=K SCRIPT`): the script names the shard count, so task K
/// is shard K whatever the array it runs in.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate slurm predict /data/apollo --array 16 --gpus-per-task 1 --partition gpu\n  semcurate slurm predict /data/apollo --array 8 --cpus-per-task 8 --time 02:00:00\n\nThen: sbatch SCRIPT; when every task has ended: semcurate merge /data/apollo"
)]
pub struct PredictArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Tasks in the array (shards).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub array: u32,
    /// GPUs per task (0 = CPU; with GPUs the tasks use --backend cuda).
    #[arg(long, default_value_t = 0, value_name = "G")]
    pub gpus_per_task: u32,
    #[arg(long, default_value_t = 4, value_name = "C")]
    pub cpus_per_task: u32,
    #[arg(long, value_name = "P")]
    pub partition: Option<String>,
    /// Time limit per task (Slurm format).
    #[arg(long, default_value = "04:00:00")]
    pub time: String,
    /// Extra sbatch options, one per use (e.g. --sbatch=--account=geo).
    #[arg(long, value_name = "OPT", allow_hyphen_values = true)]
    pub sbatch: Vec<String>,
    /// Where to write the script [default: WORKSPACE/parts/predict-HASH-N.sbatch].
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
}

/// What goes into a script.
#[derive(Debug, Clone, PartialEq)]
pub struct Script<'a> {
    /// The semcurate executable each task runs (absolute: this one).
    pub exe: &'a Path,
    /// Dataset root, workspace and model folder, absolute so the script works from any folder.
    pub dataset: &'a Path,
    pub workspace: &'a Path,
    pub model: &'a Path,
    /// The model's hash; its first 8 hex digits name the job.
    pub hash: &'a str,
    /// Shards, one array task each (`--array=0-(N-1)`); task K runs `--shard K/N`.
    pub array: u32,
    /// GPUs per task; any GPU switches the backend to `cuda`, none runs `flex` on the CPUs.
    pub gpus: u32,
    /// CPUs per task, and the rayon threads when Slurm does not say.
    pub cpus: u32,
    /// `--partition`, when given.
    pub partition: Option<&'a str>,
    /// `--time` limit per task, Slurm's format (e.g. `01:00:00`).
    pub time: &'a str,
    /// More `#SBATCH` options, each written as given.
    pub extra: &'a [String],
}

impl Script<'_> {
    /// The sbatch script: `#SBATCH` lines (requeue on preemption, logs appended under
    /// `WORKSPACE/parts/logs/JOB_TASK.out`), then one `semcurate predict --shard` per task.
    pub fn render(&self) -> String {
        let logs = self.workspace.join(PARTS_DIR).join("logs");
        let mut s = String::from(
            "#!/bin/bash\n# Written by `semcurate slurm predict`: one shard of the dataset per array task.\n",
        );
        let mut opt = |o: String| {
            s.push_str("#SBATCH ");
            s.push_str(&o);
            s.push('\n');
        };
        opt(format!(
            "--job-name=semcurate-predict-{}",
            &self.hash[..self.hash.len().min(8)]
        ));
        opt(format!("--array=0-{}", self.array - 1));
        opt(format!("--cpus-per-task={}", self.cpus));
        if self.gpus > 0 {
            opt(format!("--gpus-per-task={}", self.gpus));
        }
        if let Some(p) = self.partition {
            opt(format!("--partition={p}"));
        }
        opt(format!("--time={}", self.time));
        opt("--requeue".into());
        opt("--open-mode=append".into());
        opt(format!("--output={}/%A_%a.out", logs.display()));
        for e in self.extra {
            opt(e.clone());
        }
        let backend = if self.gpus > 0 { "cuda" } else { "flex" };
        let _ = write!(
            s,
            "set -euo pipefail\nexport RAYON_NUM_THREADS=\"${{SLURM_CPUS_PER_TASK:-{}}}\"\nexec {} predict {} --workspace {} --model {} --backend {backend} --shard \"${{SLURM_ARRAY_TASK_ID}}/{}\" --quiet\n",
            self.cpus,
            quote(self.exe),
            quote(self.dataset),
            quote(self.workspace),
            quote(self.model),
            self.array
        );
        s
    }
}

/// A path as one shell word.
fn quote(p: &Path) -> String {
    format!("'{}'", p.to_string_lossy().replace('\'', "'\\''"))
}

/// Runs the `slurm` subcommand given.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    match &args.command {
        SlurmCommand::Predict(a) => predict(a),
    }
}

/// Indexes and checkpoints the workspace (tasks read it as an immutable snapshot), writes
/// the script (default `WORKSPACE/parts/predict-HASH-N.sbatch`) and prints how to submit and
/// merge. Submits nothing itself.
fn predict(a: &PredictArgs) -> anyhow::Result<Outcome> {
    let (ws, schema, _) = a.dataset.index(None, false)?;
    // Tasks read the workspace as an immutable file: everything must be in it.
    ws.checkpoint()?;
    let info = a.model.info(&schema)?;
    let abs = |p: &Path| {
        std::fs::canonicalize(p).with_context(|| format!("cannot resolve '{}'", show(p)))
    };
    let (dataset, workspace, model) = (abs(&a.dataset.dataset)?, abs(ws.dir())?, abs(&info.dir)?);
    let exe = std::env::current_exe().context("cannot find the semcurate executable")?;
    let script = Script {
        exe: &exe,
        dataset: &dataset,
        workspace: &workspace,
        model: &model,
        hash: &info.hash,
        array: a.array,
        gpus: a.gpus_per_task,
        cpus: a.cpus_per_task,
        partition: a.partition.as_deref(),
        time: &a.time,
        extra: &a.sbatch,
    };
    let path = a.script.clone().unwrap_or_else(|| {
        workspace
            .join(PARTS_DIR)
            .join(format!("predict-{}-{}.sbatch", info.hash, a.array))
    });
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create '{}'", show(dir)))?;
    }
    std::fs::create_dir_all(workspace.join(PARTS_DIR).join("logs"))
        .with_context(|| format!("cannot create the log folder under '{}'", show(&workspace)))?;
    crate::fsutil::write_atomic(&path, script.render().as_bytes())
        .with_context(|| format!("cannot write '{}'", show(&path)))?;
    println!("wrote {}", show(&path));
    println!("submit:  sbatch {}", quote(&path));
    println!(
        "then, when every task has ended:  semcurate merge {} --workspace {} --model {}",
        quote(&dataset),
        quote(&workspace),
        quote(&model)
    );
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_runs_one_shard_per_task() {
        let extra = vec!["--account=geo".to_string()];
        let s = Script {
            exe: Path::new("/opt/semcurate"),
            dataset: Path::new("/data/apollo's"),
            workspace: Path::new("/data/ws"),
            model: Path::new("/m"),
            hash: "0123456789abcdef",
            array: 4,
            gpus: 1,
            cpus: 8,
            partition: Some("gpu"),
            time: "01:00:00",
            extra: &extra,
        }
        .render();
        for line in [
            "#SBATCH --array=0-3",
            "#SBATCH --gpus-per-task=1",
            "#SBATCH --partition=gpu",
            "#SBATCH --cpus-per-task=8",
            "#SBATCH --requeue",
            "#SBATCH --output=/data/ws/parts/logs/%A_%a.out",
            "#SBATCH --account=geo",
            "#SBATCH --job-name=semcurate-predict-01234567",
        ] {
            assert!(s.lines().any(|l| l == line), "{line} in\n{s}");
        }
        assert!(s.contains(
            "exec '/opt/semcurate' predict '/data/apollo'\\''s' --workspace '/data/ws' --model '/m' --backend cuda --shard \"${SLURM_ARRAY_TASK_ID}/4\" --quiet"
        ), "{s}");
    }
}
