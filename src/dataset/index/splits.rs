//! Train/val/test splits of the indexed groups: new groups get one with the stored fractions
//! and seed (an export's manifest gives its own), and a re-split starts over.

use std::collections::BTreeMap;
use std::path::Path;

use super::super::image::ImageId;
use super::super::split::{self, GroupInfo, SplitFractions};
use super::super::workspace::{Workspace, WorkspaceError};
use super::{DEFAULT_SPLIT_SEED, keys};

/// The stored split fractions and seed (defaults when unset).
pub fn split_params(ws: &Workspace) -> Result<(SplitFractions, u64), WorkspaceError> {
    let fractions = ws.meta_json(keys::SPLIT_FRACTIONS)?.unwrap_or_default();
    let seed = ws
        .meta_json(keys::SPLIT_SEED)?
        .unwrap_or(DEFAULT_SPLIT_SEED);
    Ok((fractions, seed))
}

/// Gives a split to every group with labelled images that has none yet.
///
/// An image counts as labelled with a valid mask, with any edit in the workspace, or once
/// accepted; missing images are left out. Groups are stratified by scale bin (the largest bin
/// among their images). Returns how many groups got a split; existing ones never change.
pub fn assign_new_splits(ws: &mut Workspace) -> Result<usize, WorkspaceError> {
    assign_new_splits_with(ws, &BTreeMap::new())
}

/// The splits a semcurate export recorded for its groups (`SAMPLE/PREFIX` → split), so that
/// a model trained on the export keeps the source dataset's splits; empty for other datasets.
pub fn export_splits(root: &Path) -> BTreeMap<String, split::Split> {
    #[derive(serde::Deserialize)]
    struct Row {
        name: String,
        sample: String,
        split: String,
    }
    #[derive(serde::Deserialize)]
    struct Manifest {
        format: String,
        images: Vec<Row>,
    }
    let Ok(file) = std::fs::File::open(root.join("manifest.json")) else {
        return BTreeMap::new();
    };
    let Ok(m) = serde_json::from_reader::<_, Manifest>(std::io::BufReader::new(file)) else {
        return BTreeMap::new();
    };
    if m.format != "semcurate-export" {
        return BTreeMap::new();
    }
    m.images
        .iter()
        .filter_map(|r| {
            let s = split::Split::parse(&r.split)?;
            Some((super::super::groups::prefix_group(&r.sample, &r.name), s))
        })
        .collect()
}

/// [`assign_new_splits`], giving groups that have a split in `preset` that one.
///
/// A preset split is taken only by a group that has labelled images and no split yet; the
/// rest are assigned as usual, counting the preset ones towards the fractions.
pub fn assign_new_splits_with(
    ws: &mut Workspace,
    preset: &BTreeMap<String, split::Split>,
) -> Result<usize, WorkspaceError> {
    let (fractions, seed) = split_params(ws)?;
    // Unlabelled images whose proposal a person corrected or accepted are labelled now.
    let edited = ws.edit_counts()?;
    let accepted: std::collections::HashSet<ImageId> = ws
        .review_status()?
        .into_iter()
        .filter(|(_, d)| d.decision == super::super::decision::Decision::Accepted)
        .map(|(id, _)| id)
        .collect();
    let mut groups: BTreeMap<String, GroupInfo> = BTreeMap::new();
    for r in ws.images()?.iter().filter(|r| !r.missing) {
        let g = groups.entry(r.group.clone()).or_insert(GroupInfo {
            labelled: 0,
            stratum: None,
        });
        let labelled = r.is_labelled() || edited.contains_key(&r.id) || accepted.contains(&r.id);
        g.labelled += u64::from(labelled);
        // Tiles of a site share a pixel size; the largest bin seen stands for the group.
        g.stratum = g.stratum.max(r.bin.map(|b| b as usize));
    }
    let mut existing = ws.splits()?;
    let mut new = BTreeMap::new();
    for (g, s) in preset {
        if groups.get(g).is_some_and(|i| i.labelled > 0) && !existing.contains_key(g) {
            existing.insert(g.clone(), *s);
            new.insert(g.clone(), *s);
        }
    }
    new.extend(split::assign_stratified(
        &groups, &existing, fractions, seed,
    ));
    let tx = ws.transaction()?;
    for (g, s) in &new {
        tx.set_split(g, *s)?;
    }
    tx.commit()?;
    Ok(new.len())
}

/// Re-splits every group with new fractions and seed.
///
/// The fractions and seed are stored first, so later indexing assigns new groups the same
/// way. Returns how many groups got a split.
pub fn resplit(
    ws: &mut Workspace,
    fractions: SplitFractions,
    seed: u64,
) -> Result<usize, WorkspaceError> {
    let tx = ws.transaction()?;
    tx.clear_splits()?;
    tx.set_meta(
        keys::SPLIT_FRACTIONS,
        &serde_json::to_string(&fractions).unwrap_or_default(),
    )?;
    tx.set_meta(keys::SPLIT_SEED, &seed.to_string())?;
    tx.commit()?;
    assign_new_splits(ws)
}
