//! Predicting one shard of a job array. The images are split by a hash of their path (the
//! same split whenever the array is resubmitted, whatever the index's row ids), read from an
//! immutable snapshot of the shared workspace, and predicted into the shard's own part
//! workspace under `WORKSPACE/parts/`, resumable like any predict. `merge` folds the parts in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::predict::{PredictOptions, PredictSummary, predict_dataset};
use super::sites::{Sites, StoredSite};
use crate::dataset::image::ImageId;
use crate::dataset::problems::Problem;
use crate::dataset::workspace::{Workspace, WorkspaceError};
use crate::model::MultiUNet;
use crate::progress::Progress;

/// Folder of the parts inside a workspace.
pub const PARTS_DIR: &str = "parts";
/// Meta key of a part's description.
pub const PART_META: &str = "shard";
/// Meta key of a part's site histograms ([`StoredSite`]s), for models with per-site input.
const PART_SITES: &str = "sites";

/// One task's share of a job array: shard `index` of `count` (0 ≤ index < count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// `K/N`, 0 ≤ K < N.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not K/N with 0 ≤ K < N (e.g. 0/4 … 3/4)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            k.trim().parse::<u32>().map_err(|_| bad())?,
            n.trim().parse::<u32>().map_err(|_| bad())?,
        );
        (index < count)
            .then_some(Self { index, count })
            .ok_or_else(bad)
    }

    /// The shard of this Slurm array task: `SLURM_ARRAY_TASK_ID` of `SLURM_ARRAY_TASK_COUNT`,
    /// for an array submitted whole as `--array=0-(N-1)`; `None` outside an array. Any other
    /// array (a resubmitted subset such as `--array=2`, a step, an offset) is refused: its
    /// count is not the number of shards, so `--shard K/N` must say it.
    pub fn from_slurm(env: impl Fn(&str) -> Option<String>) -> Option<Result<Self, String>> {
        let id = env("SLURM_ARRAY_TASK_ID")?;
        let var = |name: &str| {
            let v = env(name).unwrap_or_default();
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("{name}='{v}' is not a number"))
        };
        Some((|| {
            let id = id
                .trim()
                .parse::<u32>()
                .map_err(|_| format!("SLURM_ARRAY_TASK_ID='{id}' is not a number"))?;
            let (min, max, count) = (
                var("SLURM_ARRAY_TASK_MIN")?,
                var("SLURM_ARRAY_TASK_MAX")?,
                var("SLURM_ARRAY_TASK_COUNT")?,
            );
            if min != 0 || max.checked_add(1) != Some(count) || id >= count {
                return Err(format!(
                    "array task {id} of --array={min}-{max} ({count} tasks) does not say how many shards there are: pass --shard {id}/N (N = the shards of the whole array), as the script of `semcurate slurm predict` does"
                ));
            }
            Ok(Self { index: id, count })
        })())
    }

    /// Whether this shard predicts the image at `image_path` (relative to the dataset root).
    pub fn owns(&self, image_path: &str) -> bool {
        let digest = Sha256::digest(image_path.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first) % u64::from(self.count) == u64::from(self.index)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What a part holds (its `shard` meta value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartMeta {
    pub model: String,
    pub shard: Shard,
    /// Images of the snapshot this shard owns.
    pub images: usize,
    /// The shard ran to its end (problems included); only complete parts are merged.
    pub complete: bool,
}

/// `WORKSPACE/parts/predict-HASH-KofN`.
pub fn part_dir(workspace: &Path, model: &str, shard: Shard) -> PathBuf {
    workspace
        .join(PARTS_DIR)
        .join(format!("predict-{model}-{}of{}", shard.index, shard.count))
}

/// Predicts the images of `shard` into its part workspace, after copying them from the
/// snapshot of the workspace in `workspace` on the first run.
#[allow(clippy::too_many_arguments)]
pub fn predict_shard(
    model: &MultiUNet,
    hash: &str,
    root: &Path,
    workspace: &Path,
    shard: Shard,
    opts: &PredictOptions,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<PredictSummary, WorkspaceError> {
    let dir = part_dir(workspace, hash, shard);
    // A new part starts from the index's rows: read them before making anything, so that a
    // shard of a dataset not indexed yet fails without leaving a part behind.
    let mut main = if dir.exists() {
        None
    } else {
        Some(Workspace::open_snapshot(workspace)?)
    };
    let mut part = Workspace::open_part(&dir)?;
    let mut meta = if let Some(m) = part.meta_json::<PartMeta>(PART_META)? {
        m
    } else {
        let main = match main.take() {
            Some(m) => m,
            None => Workspace::open_snapshot(workspace)?,
        };
        let meta = copy_owned(&mut part, &main, hash, shard)?;
        part.set_meta_json(PART_META, &meta)?;
        meta
    };
    let mut opts = opts.clone();
    if model.config.input.wants_site() {
        opts.sites = Some(Arc::new(part_sites(&mut part, workspace, root, progress)?));
    }
    let s = predict_dataset(model, hash, root, &mut part, &opts, progress, cancel)?;
    if !s.cancelled && !meta.complete {
        meta.complete = true;
        part.set_meta_json(PART_META, &meta)?;
    }
    Ok(s)
}

/// The grey histograms of the sites of a part's images, over every image of each site in the
/// snapshot (a part holds only its share of a site, and per-site input levels must not depend
/// on how the dataset was sharded). Gathered on the part's first run with a per-site model and
/// kept in the part, so a resubmitted task needs no snapshot and sees the same levels.
fn part_sites(
    part: &mut Workspace,
    workspace: &Path,
    root: &Path,
    progress: &dyn Progress,
) -> Result<Sites, WorkspaceError> {
    let stored = part.meta_json::<Vec<StoredSite>>(PART_SITES)?;
    if let Some(sites) = stored.and_then(Sites::from_stored) {
        return Ok(sites);
    }
    progress.begin("site grey levels", 0);
    let all = Workspace::open_snapshot(workspace)?.images()?;
    let owned = part.images()?;
    let sites = Sites::gather(root, &all, &owned);
    part.set_meta_json(PART_SITES, &sites.to_stored())?;
    progress.end();
    Ok(sites)
}

fn copy_owned(
    part: &mut Workspace,
    main: &Workspace,
    hash: &str,
    shard: Shard,
) -> Result<PartMeta, WorkspaceError> {
    let rows: Vec<_> = main
        .images()?
        .into_iter()
        .filter(|r| shard.owns(&r.image_path))
        .collect();
    let mut problems: HashMap<ImageId, Vec<Problem>> = HashMap::new();
    for (id, p) in main.problems()? {
        if let Some(id) = id {
            problems.entry(id).or_default().push(p);
        }
    }
    let now = crate::clock::now();
    let tx = part.transaction()?;
    for r in &rows {
        tx.copy_image(r, problems.get(&r.id).map_or(&[], Vec::as_slice), now)?;
    }
    tx.commit()?;
    Ok(PartMeta {
        model: hash.to_string(),
        shard,
        images: rows.len(),
        complete: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_paths_stably() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        for bad in ["4/4", "x/2", "1", "1/0", "-1/3"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let paths: Vec<String> = (0..400)
            .map(|i| format!("s{}/input-images/t{i}.png", i % 7))
            .collect();
        let shards: Vec<Shard> = (0..4).map(|index| Shard { index, count: 4 }).collect();
        let mut sizes = [0; 4];
        for p in &paths {
            let owners: Vec<u32> = shards
                .iter()
                .filter(|s| s.owns(p))
                .map(|s| s.index)
                .collect();
            assert_eq!(owners.len(), 1, "exactly one shard owns {p}");
            sizes[owners[0] as usize] += 1;
        }
        assert!(sizes.iter().all(|&n| (70..130).contains(&n)), "{sizes:?}");
        // Fixed by the path alone: a known value guards against a changed hash.
        assert!(Shard { index: 0, count: 1 }.owns("anything"));
    }

    #[test]
    fn slurm_array_variables_give_the_shard() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_string())
            }
        };
        assert_eq!(Shard::from_slurm(env(&[])), None);
        assert_eq!(
            Shard::from_slurm(env(&[
                ("SLURM_ARRAY_TASK_ID", "5"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_MAX", "7"),
                ("SLURM_ARRAY_TASK_COUNT", "8")
            ])),
            Some(Ok(Shard { index: 5, count: 8 }))
        );
        // A task resubmitted alone (--array=2): its count is 1, not the shards.
        let err = Shard::from_slurm(env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "2"),
            ("SLURM_ARRAY_TASK_MAX", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "1"),
        ]))
        .unwrap()
        .unwrap_err();
        assert!(err.contains("pass --shard 2/N"), "{err}");
        assert!(
            Shard::from_slurm(env(&[("SLURM_ARRAY_TASK_ID", "1")]))
                .unwrap()
                .is_err()
        );
    }
}
