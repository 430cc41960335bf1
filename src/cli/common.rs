//! Arguments shared by the commands that read a dataset, and opening its workspace.

use std::path::{Path, PathBuf};

use crate::dataset::guard::check_output;
use crate::dataset::index::{IndexOptions, IndexSummary, index};
use crate::dataset::lock::JobLock;
use crate::dataset::schema::{ClassId, parse_mask_map};
use crate::dataset::workspace::Workspace;
use crate::dataset::{ClassSchema, ScaleBins};

use super::progress::CliProgress;

/// `VALUE=CLASS` pairs from `--mask-map`.
#[derive(Debug, Clone)]
pub struct MaskMap(pub Vec<(u16, ClassId)>);

/// Parses `--mask-map` (`VALUE=CLASS,...`, raw mask values to class ids) for clap.
pub(super) fn mask_map(s: &str) -> Result<MaskMap, String> {
    parse_mask_map(s).map(MaskMap)
}

/// A `--pixel-size` value: µm/px inside 1 pm–1 m per pixel.
pub(super) fn positive(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) => crate::dataset::pixel_size::check_range(v).map_err(|e| e.to_string()),
        Err(_) => Err(format!("'{s}' is not a number of µm per pixel")),
    }
}

/// Where the dataset is and how to read it.
#[derive(Debug, clap::Args)]
pub struct DatasetArgs {
    /// Dataset root (a folder of sample folders) or one sample folder.
    pub dataset: PathBuf,
    /// Keep the workspace in DIR instead of DATASET/.semcurate (for read-only datasets).
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Class schema: 'default', 'extended' or a classes.toml path [default: DATASET/classes.toml
    /// if present, else the study's 10 classes].
    #[arg(long, value_name = "NAME|FILE")]
    pub schema: Option<String>,
    /// Map raw mask values to class ids, e.g. '0=4,255=5' for masks that store 0/255.
    #[arg(long, value_name = "VALUE=CLASS,..", value_parser = mask_map)]
    pub mask_map: Option<MaskMap>,
    /// Pixel size in µm/px for images that have none (no input-features file, no metadata).
    #[arg(long, value_name = "UM_PER_PX", value_parser = positive)]
    pub pixel_size: Option<f64>,
    /// No progress output on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

impl DatasetArgs {
    /// The class schema to read masks with.
    ///
    /// `--schema`, else `DATASET/classes.toml`, else the study's ten classes; `--mask-map` pairs
    /// are added on top.
    pub fn schema(&self) -> anyhow::Result<ClassSchema> {
        let schema = match &self.schema {
            Some(spec) => ClassSchema::by_name_or_path(spec)?,
            None => ClassSchema::for_dataset(&self.dataset)?,
        };
        Ok(match &self.mask_map {
            Some(MaskMap(pairs)) => schema.with_mask_map(pairs)?,
            None => schema,
        })
    }

    /// The workspace folder.
    ///
    /// `--workspace`, else `DATASET/.semcurate`.
    pub fn workspace_dir(&self) -> PathBuf {
        self.workspace
            .clone()
            .unwrap_or_else(|| Workspace::default_dir(&self.dataset))
    }

    /// Refuses an output path through which a file of the dataset could be written
    /// (SPEC 2.4): the dataset folder, a folder inside it other than the workspace, or a folder
    /// that holds it.
    pub fn check_output(&self, out: &Path) -> anyhow::Result<()> {
        Ok(check_output(out, &self.dataset, &self.workspace_dir())?)
    }

    /// Refuses a `--workspace` that is the dataset folder or lies inside it (a link into it
    /// included): the workspace writes files, and the dataset is the user's.
    pub fn check_workspace(&self) -> anyhow::Result<()> {
        if let Some(ws) = &self.workspace {
            crate::dataset::guard::check_workspace(
                ws,
                &self.dataset,
                &Workspace::default_dir(&self.dataset),
            )?;
        }
        Ok(())
    }

    /// Takes the workspace's lock for `job`, waiting (and saying so on stderr) while another
    /// process holds it.
    pub fn lock(&self, ws: &Workspace, job: &str) -> anyhow::Result<JobLock> {
        let quiet = self.quiet;
        Ok(JobLock::acquire(ws.dir(), job, |holder| {
            if !quiet {
                eprintln!("waiting: another {job} is running on this workspace ({holder})");
            }
        })?)
    }

    /// Opens (creating if needed) the workspace.
    ///
    /// First puts DATASET back when a killed export left it renamed. Refuses a missing dataset
    /// folder, a `--workspace` inside it, and a read-only dataset folder without `--workspace`;
    /// notes (unless quiet) when DATASET is a sample of a dataset that has its own workspace.
    pub fn open_workspace(&self) -> anyhow::Result<Workspace> {
        if !self.dataset.exists()
            && let Ok(Some(r)) = crate::export::out::recover(&self.dataset)
        {
            eprintln!(
                "note: put '{}' back from '{}', where an export killed between its two renames had left it",
                self.dataset.display(),
                r.from.display()
            );
        }
        if !self.dataset.is_dir() {
            anyhow::bail!(
                "dataset folder '{}' does not exist or is not a folder",
                self.dataset.display()
            );
        }
        self.check_workspace()?;
        let dir = self.workspace_dir();
        let readonly = std::fs::metadata(&self.dataset).is_ok_and(|m| m.permissions().readonly());
        if self.workspace.is_none() && !dir.exists() && readonly {
            // Root ignores permission bits; a folder marked read-only is still not ours to write.
            anyhow::bail!(
                "dataset folder '{}' is read-only: pass --workspace DIR to keep semcurate's state elsewhere",
                self.dataset.display()
            );
        }
        if self.workspace.is_none()
            && !dir.exists()
            && !self.quiet
            && let Some(parent) = self.enclosing_dataset()
        {
            eprintln!(
                "note: '{}' is a sample of the dataset '{}', whose workspace holds its predictions, corrections and decisions; this command starts a separate workspace for the sample alone (run it on '{}' to use them)",
                self.dataset.display(),
                parent.display(),
                parent.display()
            );
        }
        Ok(Workspace::open(&dir)?)
    }

    /// The dataset folder above DATASET that has a workspace, when DATASET is one of its samples.
    fn enclosing_dataset(&self) -> Option<PathBuf> {
        let parent = std::fs::canonicalize(&self.dataset)
            .ok()?
            .parent()?
            .to_path_buf();
        Workspace::default_dir(&parent)
            .join("index.sqlite")
            .is_file()
            .then_some(parent)
    }

    /// Indexes incrementally and returns the open workspace, the schema and what changed.
    pub fn index(
        &self,
        bins: Option<ScaleBins>,
        full: bool,
    ) -> anyhow::Result<(Workspace, ClassSchema, IndexSummary)> {
        self.index_grouped(bins, full, None)
    }

    /// [`Self::index`], storing a new split-group rule when `group_rule` is given.
    pub fn index_grouped(
        &self,
        bins: Option<ScaleBins>,
        full: bool,
        group_rule: Option<crate::dataset::groups::GroupRule>,
    ) -> anyhow::Result<(Workspace, ClassSchema, IndexSummary)> {
        let schema = self.schema()?;
        let fresh = !self.workspace_dir().exists();
        let mut ws = self.open_workspace()?;
        let opts = IndexOptions {
            schema: schema.clone(),
            bins,
            full,
            default_pixel_size: self.pixel_size,
            group_rule,
        };
        let progress = CliProgress::new(self.quiet);
        match index(&self.dataset, &mut ws, &opts, &progress) {
            Ok(summary) => Ok((ws, schema, summary)),
            Err(e) => {
                if fresh {
                    // A first index that failed leaves nothing behind in the user's folder.
                    let dir = ws.dir().to_path_buf();
                    drop(ws);
                    let _ = std::fs::remove_dir_all(&dir);
                }
                Err(anyhow::Error::new(e)
                    .context(format!("cannot index '{}'", self.dataset.display())))
            }
        }
    }
}

/// `path` for messages.
pub fn show(path: &Path) -> String {
    path.display().to_string()
}
