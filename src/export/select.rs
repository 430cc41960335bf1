//! Which images an export considers, what the workspace knows about each (decision, split,
//! corrections, proposal models, index problems, rock type), and their export names.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::dataset::decision::{Decision, DecisionEntry};
use crate::dataset::image::{ImageId, IndexedImage};
use crate::dataset::problems::ProblemKind;
use crate::dataset::split::Split;
use crate::dataset::workspace::Workspace;
use crate::labels::current::LabelRecord;

use super::write::ImageJob;
use super::{ExportError, ExportOptions, NotExported, NotSelected};
use crate::dataset::layout::names;

/// The images an export considers, with what the workspace knows about them.
pub(super) struct Selection {
    pub(super) rows: Vec<IndexedImage>,
    pub(super) names: HashMap<(String, String), String>,
    pub(super) decisions: HashMap<ImageId, DecisionEntry>,
    pub(super) splits: BTreeMap<String, Split>,
    pub(super) edit_ops: HashMap<ImageId, u32>,
    pub(super) models: Vec<String>,
    pub(super) rock_types: HashMap<String, String>,
    /// Tiles made by `import`: (sample, stem) → raw image path and the tile's corner (px).
    pub(super) raw: HashMap<(String, String), (String, u32, u32)>,
    /// The index's problems per image: `path: message`.
    pub(super) problems: HashMap<ImageId, String>,
    /// Images left out before reading: rejected, unlabelled, not selected.
    pub(super) counts: NotSelected,
    /// Files the index could not take (duplicate stems, names that are not UTF-8, FIFOs).
    pub(super) unindexed: Vec<NotExported>,
    pub(super) root: PathBuf,
}

impl Selection {
    pub(super) fn read(ws: &Workspace, opts: &ExportOptions) -> Result<Self, ExportError> {
        let decisions = ws.review_status()?;
        let splits = ws.splits()?;
        let edit_ops: HashMap<ImageId, u32> = ws
            .edit_counts()?
            .into_iter()
            .map(|(id, c)| (id, c.ops))
            .collect();
        let mut counts = NotSelected::default();
        let rows: Vec<IndexedImage> = ws
            .images()?
            .into_iter()
            .filter(|r| selects(r, opts, &decisions, &splits, &edit_ops, &mut counts))
            .collect();
        let models = ws.models()?;
        let (problems, unindexed) = index_problems(ws)?;
        let raw = ws
            .import_tiles()?
            .into_iter()
            .map(|(t, path)| ((t.sample, t.stem), (path, t.x, t.y)))
            .collect();
        Ok(Self {
            raw,
            counts,
            unindexed,
            problems,
            root: opts.root.clone(),
            names: export_names(&rows),
            rock_types: rock_types(&opts.root),
            models: models.into_iter().map(|(h, _)| h).collect(),
            rows,
            decisions,
            splits,
            edit_ops,
        })
    }

    pub(super) fn job<'a>(&'a self, row: &'a IndexedImage, record: LabelRecord) -> ImageJob<'a> {
        ImageJob {
            row,
            name: self.names[&(row.sample.clone(), row.stem.clone())].clone(),
            decision: self.decisions.get(&row.id),
            split: self
                .splits
                .get(&row.group)
                .map_or_else(String::new, |s| s.as_str().to_string()),
            rock_type: features_rock_type(&self.root, row)
                .or_else(|| self.rock_types.get(&row.sample).cloned()),
            problem: self.problems.get(&row.id).cloned(),
            raw: self
                .raw
                .get(&(row.sample.clone(), row.stem.clone()))
                .cloned(),
            record,
        }
    }
}

/// Whether the export considers `r`: its files are there, it is not rejected, it is
/// labelled (mask file, corrections or accepted proposal), in a chosen split, and allowed by
/// `--only`. An image left out for one of these reasons (the first that applies) is counted in
/// `counts`; a missing one is not counted.
fn selects(
    r: &IndexedImage,
    opts: &ExportOptions,
    decisions: &HashMap<ImageId, DecisionEntry>,
    splits: &BTreeMap<String, Split>,
    edit_ops: &HashMap<ImageId, u32>,
    counts: &mut NotSelected,
) -> bool {
    let decision = decisions.get(&r.id).map(|d| d.decision);
    let accepted = decision == Some(Decision::Accepted);
    let edited = edit_ops.contains_key(&r.id);
    let split_ok = opts
        .splits
        .as_ref()
        .is_none_or(|want| splits.get(&r.group).is_some_and(|s| want.contains(s)));
    let labelled = r.mask_path.is_some() || edited || accepted;
    if r.missing {
        false
    } else if decision == Some(Decision::Rejected) {
        counts.rejected += 1;
        false
    } else if !labelled {
        counts.unlabelled += 1;
        false
    } else if !split_ok {
        counts.other_splits += 1;
        false
    } else if !(opts.only.original || edited || accepted) {
        counts.not_in_only += 1;
        false
    } else {
        true
    }
}

/// The index's problems: the first per image id as `path: message`, and the files the index
/// could not take at all (a second file with the same stem, a name that is not UTF-8, a
/// FIFO), named so that nothing is left out unsaid.
fn index_problems(
    ws: &Workspace,
) -> Result<(HashMap<ImageId, String>, Vec<NotExported>), ExportError> {
    let mut problems: HashMap<ImageId, String> = HashMap::new();
    let mut unindexed = Vec::new();
    for (id, p) in ws.problems()? {
        match id {
            Some(id) => {
                problems
                    .entry(id)
                    .or_insert_with(|| format!("{}: {}", p.path, p.message));
            }
            None if matches!(p.kind, ProblemKind::DuplicateStem | ProblemKind::Unlistable) => {
                unindexed.push(NotExported {
                    image: p.path.clone(),
                    reason: p.message.clone(),
                });
            }
            None => {}
        }
    }
    Ok((problems, unindexed))
}

/// Export name per `(sample, stem)`. Names carry the split group before their first '-', as
/// the study reads it. An image grouped by --group-by or --groups gets its group in front of
/// its stem, so that the export (and the study's loader) groups it the same way.
fn export_names(rows: &[IndexedImage]) -> HashMap<(String, String), String> {
    let pairs: Vec<(String, String)> = rows.iter().map(named_by_group).collect();
    let assigned = names::assign(&pairs);
    rows.iter()
        .zip(&pairs)
        .map(|(r, p)| ((r.sample.clone(), r.stem.clone()), assigned[p].clone()))
        .collect()
}

/// `(sample, stem)` for naming: the stem as it is when the image's split group is the study's
/// (the sample and the stem's part before its first `-`); else `GROUP-STEM`, the group made
/// safe for a name's first part (no `-`, no `/`) and the stem's own `-` made `_`.
fn named_by_group(r: &IndexedImage) -> (String, String) {
    let prefix = r.stem.split('-').next().unwrap_or(&r.stem);
    if r.group == format!("{}/{prefix}", r.sample) {
        return (r.sample.clone(), r.stem.clone());
    }
    let group = r
        .group
        .strip_prefix(&format!("{}/", r.sample))
        .unwrap_or(&r.group);
    let safe = |s: &str| s.replace(['-', '/'], "_");
    (
        r.sample.clone(),
        format!("{}-{}", safe(group), safe(&r.stem)),
    )
}

/// The rock type a pixel-size file names on a later line (`rock type: NAME`), as exports and
/// some study files carry it.
fn features_rock_type(root: &Path, row: &IndexedImage) -> Option<String> {
    let text = std::fs::read_to_string(root.join(row.features_path.as_ref()?)).ok()?;
    text.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        let k = k.trim().to_ascii_lowercase().replace('_', " ");
        (k == "rock type" && !v.trim().is_empty()).then(|| v.trim().to_string())
    })
}

/// Rock types per sample from the generator's `synth.json`, when the dataset has one.
fn rock_types(root: &Path) -> HashMap<String, String> {
    let Ok(text) = std::fs::read_to_string(root.join("synth.json")) else {
        return HashMap::new();
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return HashMap::new();
    };
    v.get("samples")
        .and_then(|s| s.as_array())
        .map(|samples| {
            samples
                .iter()
                .filter_map(|s| {
                    let name = s.get("name")?.as_str()?;
                    let rock = s.get("rock_type")?.as_str()?.replace('_', " ");
                    Some((name.to_string(), rock))
                })
                .collect()
        })
        .unwrap_or_default()
}
