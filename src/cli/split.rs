//! `semcurate split`: re-assign train/val/test splits by group with new fractions and seed.
//!
//! Changes only the workspace: every group's split is replaced, and the fractions and seed
//! are stored for the groups later indexing adds.

use crate::dataset::index::resplit;
use crate::dataset::split::SplitFractions;

use super::Outcome;
use super::common::DatasetArgs;
use super::groups::GroupArgs;

/// Re-assign train/val/test splits. Images are grouped by sample and the file-name part
/// before the first '-', so the tiles of one site never straddle two splits; datasets named
/// otherwise give their groups with --group-by REGEX or --groups FILE.csv (stored in the
/// workspace).
///
/// Splits are stored in the workspace; `index` gives new groups a split with the same
/// fractions and seed, and never moves existing groups.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate split datasets/demo --fractions 0.8,0.1,0.1 --seed 7\n  semcurate split /data/duvernay --group-by '_(\\d{3})\\d$'\n  semcurate split /data/shale --groups sites.csv"
)]
pub struct Args {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    #[command(flatten)]
    pub grouping: GroupArgs,
    /// Target shares of labelled images: train,val,test.
    #[arg(long, default_value = "0.7,0.15,0.15", value_name = "T,V,T")]
    pub fractions: SplitFractions,
    /// Seed of the group order.
    #[arg(long, default_value_t = crate::dataset::index::DEFAULT_SPLIT_SEED)]
    pub seed: u64,
}

/// Indexes, then assigns every split group a split again with `--fractions` and `--seed`
/// (stored for later indexing); prints how many groups got one.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let (mut ws, _, _) = args.grouping.index(&args.dataset, None, false)?;
    let groups = resplit(&mut ws, args.fractions, args.seed)?;
    println!(
        "assigned {groups} groups with fractions {} and seed {}",
        args.fractions, args.seed
    );
    Ok(Outcome::Clean)
}
