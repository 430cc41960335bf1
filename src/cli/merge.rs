//! `semcurate merge`: fold the parts of a sharded predict into the workspace.
//!
//! Exit codes: 0 every part merged, 1 some part was not merged or a shard has no part, 2 could
//! not run.

use std::path::PathBuf;

use crate::jobs::merge::{PartStatus, merge_parts};

use super::Outcome;
use super::common::{DatasetArgs, show};

/// Fold the parts written by `semcurate predict --shard K/N` (one per task of a job array)
/// into the workspace, so that `audit`, `queue` and the TUI see every prediction.
///
/// Only parts whose shard ran to its end are merged; a part still running or killed, one made
/// by another model than --model, and shards of an array with no part at all are named. A
/// prediction whose image changed or left the index since is left out and counted. Parts of
/// runs with different shard counts may hold the same image: the newest prediction is kept,
/// and each image is counted once. Merging again changes nothing.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate merge /data/apollo\n  semcurate merge /data/apollo --model runs/m3 --json\n\nExit codes: 0 every part merged, 1 some part or shard named, 2 could not run."
)]
pub struct Args {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    /// Merge only the parts of this model (folder) [default: every model's].
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Takes the workspace's `merge` lock and folds every finished shard part into the workspace
/// (only `--model`'s, when given); lists each part and every missing shard. Exit 1 when a part
/// was not merged or a shard has no part.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let hash = match &args.model {
        Some(dir) => Some(
            crate::model::multi::model_hash(dir)
                .map_err(|e| anyhow::anyhow!("cannot read model '{}': {e}", show(dir)))?,
        ),
        None => None,
    };
    let mut ws = args.dataset.open_workspace()?;
    let _lock = args.dataset.lock(&ws, "merge")?;
    let started = std::time::Instant::now();
    let s = merge_parts(&mut ws, hash.as_deref())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        if s.parts.is_empty() {
            println!(
                "no parts under {}: run `semcurate predict DATASET --shard K/N` first",
                show(&ws.dir().join(crate::jobs::shard::PARTS_DIR))
            );
        }
        for p in &s.parts {
            let mark = if p.status == PartStatus::Merged {
                "merged"
            } else {
                "NOT merged"
            };
            println!("{:<10} {}: {}", mark, p.part, p.message);
        }
        for m in &s.missing {
            println!("missing    shard {m}: no part; run that task");
        }
        println!(
            "{} images merged, {} already current, {} predictions superseded by a newer one of the same image, {} stale, in {:.1} s",
            s.merged,
            s.current,
            s.superseded,
            s.stale,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(if s.clean() && !s.parts.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Problems
    })
}
