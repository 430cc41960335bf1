//! What a training run learns from: the labelled images of each split, grouped by scale bin,
//! with their current labels (mask files with the workspace's corrections, proposals a person
//! corrected or accepted), never rejected images; and what the model card records about them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::sites::Sites;
use crate::dataset::decision::Decision;
use crate::dataset::image::{ImageId, IndexedImage};
use crate::dataset::load::{LabelledImage, load_image, load_labelled};
use crate::dataset::split::Split;
use crate::dataset::workspace::Workspace;
use crate::dataset::{ClassSchema, ScaleBins};
use crate::labels::current::{LabelRecord, LabelSource, resolve};
use crate::model::card::{ExportSeen, LabelsSeen};
use crate::model::train::TrainData;

/// Labelled images of one split, grouped by scale bin.
pub type ByBin = Vec<Vec<LabelledImage>>;

/// A dataset's labelled images, loaded and grouped for a training run.
pub struct PreparedData {
    /// Train and val images per scale bin (index = bin), with their current labels.
    pub data: TrainData,
    /// Test images per scale bin, for the card's scores.
    pub test: ByBin,
    /// Of every image used (train, val, test), corrections included: SHA-256 of every
    /// image's and mask's path and size-and-time fingerprint, plus one of the classes of the
    /// corrected or accepted labels when there are any.
    pub fingerprint: String,
    /// Labelled images that could not be loaded and were left out.
    pub unreadable: usize,
    /// Which labels the run saw, for the model card.
    pub labels: LabelsSeen,
}

/// Why a training run cannot start.
#[derive(Debug, thiserror::Error)]
pub enum TrainSetupError {
    #[error(
        "no labelled images with a pixel size in the train split of '{0}': check `semcurate stats`"
    )]
    /// No bin has a labelled train image with a pixel size.
    NoTrainImages(PathBuf),
    #[error(
        "no corrected or accepted images with a pixel size in '{0}': correct some in the TUI first, or train without --corrected-only"
    )]
    /// `--corrected-only` found no corrected or accepted image with a pixel size.
    NoCorrections(PathBuf),
    /// A corrected or accepted image's journal or proposal could not be read.
    #[error("cannot read the corrections of '{image}': {message}")]
    Journal { image: String, message: String },
    #[error(transparent)]
    Workspace(#[from] crate::dataset::workspace::WorkspaceError),
}

/// The label state of the candidate rows, read from the workspace on this thread.
struct Labels {
    /// Journal and proposal of each corrected or accepted row, by row id.
    records: HashMap<ImageId, LabelRecord>,
    /// Whether each of those rows' latest decision is an acceptance.
    accepted: HashMap<ImageId, bool>,
}

/// One loaded row, or why not.
enum Loaded {
    /// Loaded: the image with its current label, where the label came from, whether it was
    /// accepted, and the SHA-256 of the label's classes when it is not the untouched file.
    Image(Box<LabelledImage>, LabelSource, bool, Option<[u8; 32]>),
    /// Under `--corrected-only`, a row whose label turned out to be its untouched file and
    /// that is not accepted.
    NotSelected,
    /// Could not be loaded (unreadable file, label no longer fits); counted, left out.
    Failed,
}

/// Loads the train, val and test images of the dataset at `root` (indexed in `ws`), grouped by
/// scale bin under `bins`. `corrected_only`: only images whose label was corrected or accepted
/// in the workspace (with no split yet, they train). `site_levels`: also gather each image's
/// site histogram ([`super::sites`]), for a model with per-site input.
pub fn prepare_data(
    root: &Path,
    ws: &Workspace,
    schema: &ClassSchema,
    bins: &ScaleBins,
    corrected_only: bool,
    site_levels: bool,
) -> Result<PreparedData, TrainSetupError> {
    let how = How {
        corrected_only,
        pooled: false,
        site_levels,
    };
    prepare(root, ws, schema, bins, how)
}

/// Like [`prepare_data`], but every labelled image trains whatever its split: for a few
/// labelled images, too few to hold any out. `val` and `test` come back empty.
pub fn prepare_data_pooled(
    root: &Path,
    ws: &Workspace,
    schema: &ClassSchema,
    bins: &ScaleBins,
    site_levels: bool,
) -> Result<PreparedData, TrainSetupError> {
    let how = How {
        corrected_only: false,
        pooled: true,
        site_levels,
    };
    prepare(root, ws, schema, bins, how)
}

/// Which images and what with them.
#[derive(Clone, Copy)]
struct How {
    /// Only images corrected or accepted in the workspace.
    corrected_only: bool,
    /// Every selected image trains, whatever its split.
    pooled: bool,
    /// Gather each image's site histogram for per-site input levels.
    site_levels: bool,
}

/// [`prepare_data`] and [`prepare_data_pooled`]: select rows by split, load them per bin in
/// parallel, fingerprint what was loaded. Fails when no train image could be loaded.
fn prepare(
    root: &Path,
    ws: &Workspace,
    schema: &ClassSchema,
    bins: &ScaleBins,
    how: How,
) -> Result<PreparedData, TrainSetupError> {
    let corrected_only = how.corrected_only;
    let rows = ws.images()?;
    let (by_split, labels) = select_rows(ws, &rows, corrected_only, how.pooled)?;
    let [train_rows, val_rows, test_rows] = by_split;
    let sites = how.site_levels.then(|| {
        let wanted = train_rows.iter().chain(&val_rows).chain(&test_rows);
        Sites::gather(root, &rows, wanted.copied())
    });
    let loader = Loader {
        root,
        schema,
        bins,
        labels: &labels,
        corrected_only,
        sites: sites.as_ref(),
    };
    let mut seen = Seen::default();
    let (train, f1) = loader.load_by_bin(&train_rows, &mut seen);
    let (val, f2) = loader.load_by_bin(&val_rows, &mut seen);
    let (test, f3) = loader.load_by_bin(&test_rows, &mut seen);
    if train.iter().all(Vec::is_empty) {
        return Err(if corrected_only {
            TrainSetupError::NoCorrections(root.to_path_buf())
        } else {
            TrainSetupError::NoTrainImages(root.to_path_buf())
        });
    }
    let (fingerprint, labels) = seen.finish(root, corrected_only);
    Ok(PreparedData {
        data: TrainData { train, val },
        test,
        fingerprint,
        unreadable: f1 + f2 + f3,
        labels,
    })
}

/// Rows by split, indexed by [`Split::index`] (train, val, test).
type BySplit<'r> = [Vec<&'r IndexedImage>; 3];

/// The rows a run learns from, by split, with the label records of those corrected or
/// accepted. Left out: missing files, no pixel size, rejected, unlabelled, and under
/// `corrected_only` those neither corrected nor accepted. A row without a split trains when
/// `pooled`, under `corrected_only`, or when its label is a proposal; else it is left out.
fn select_rows<'r>(
    ws: &Workspace,
    rows: &'r [IndexedImage],
    corrected_only: bool,
    pooled: bool,
) -> Result<(BySplit<'r>, Labels), TrainSetupError> {
    let splits = ws.splits()?;
    let decisions = ws.review_status()?;
    let edited = ws.edit_counts()?;
    let models: Vec<String> = ws.models()?.into_iter().map(|(h, _)| h).collect();
    let decision = |r: &IndexedImage| decisions.get(&r.id).map(|d| d.decision);
    let mut labels = Labels {
        records: HashMap::new(),
        accepted: HashMap::new(),
    };
    let mut by_split: BySplit<'r> = Default::default();
    for r in rows.iter().filter(|r| !r.missing && r.pixel_size.is_some()) {
        let accepted = decision(r) == Some(Decision::Accepted);
        let has_journal = edited.contains_key(&r.id);
        let proposal_label = !r.is_labelled() && (has_journal || accepted);
        if decision(r) == Some(Decision::Rejected)
            || !(r.is_labelled() || proposal_label)
            || (corrected_only && !has_journal && !accepted)
        {
            continue;
        }
        let split = match (splits.get(&r.group), corrected_only || proposal_label) {
            _ if pooled => Split::Train,
            (Some(s), _) => *s,
            (None, true) => Split::Train,
            (None, false) => continue,
        };
        if has_journal || accepted {
            let rec =
                LabelRecord::fetch(ws, r, &models).map_err(|message| TrainSetupError::Journal {
                    image: r.image_path.clone(),
                    message,
                })?;
            labels.records.insert(r.id, rec);
            labels.accepted.insert(r.id, accepted);
        }
        by_split[split.index()].push(r);
    }
    Ok((by_split, labels))
}

/// What was loaded, for the fingerprint and the card.
#[derive(Default)]
struct Seen {
    /// `(image path, image fp, mask path, mask fp)` of every image used.
    files: Vec<String>,
    /// `(image path, SHA-256 of the classes)` of every corrected or accepted label.
    corrections: Vec<(String, [u8; 32])>,
    /// Loaded images whose corrections change their label.
    corrected: usize,
    accepted: usize,
}

impl Seen {
    fn add(
        &mut self,
        row: &IndexedImage,
        source: LabelSource,
        accepted: bool,
        hash: Option<[u8; 32]>,
    ) {
        self.files.push(format!(
            "{}\t{}\t{}\t{}\n",
            row.image_path,
            row.image_fp,
            row.mask_path.as_deref().unwrap_or(""),
            row.mask_fp.as_deref().unwrap_or("")
        ));
        if let Some(h) = hash {
            self.corrections.push((row.image_path.clone(), h));
        }
        self.corrected += usize::from(source == LabelSource::Corrected);
        self.accepted += usize::from(accepted);
    }

    fn finish(mut self, root: &Path, corrected_only: bool) -> (String, LabelsSeen) {
        self.files.sort();
        self.corrections.sort();
        let mut h = Sha256::new();
        for l in &self.files {
            h.update(l.as_bytes());
        }
        let corrections_fingerprint = (!self.corrections.is_empty()).then(|| {
            let mut c = Sha256::new();
            for (p, d) in &self.corrections {
                c.update(p.as_bytes());
                c.update(d);
            }
            crate::hashing::short_hex(c)
        });
        // Without corrections the fingerprint is that of the files alone, as before.
        if let Some(c) = &corrections_fingerprint {
            h.update(c.as_bytes());
        }
        let labels = LabelsSeen {
            export: export_seen(root),
            corrected_images: self.corrected,
            accepted_images: self.accepted,
            corrections_fingerprint,
            corrected_only,
        };
        (crate::hashing::short_hex(h), labels)
    }
}

/// The export a dataset is, from its `manifest.json`.
fn export_seen(root: &Path) -> Option<ExportSeen> {
    let m = crate::export::manifest::read(root).ok()?;
    let count = |f: &dyn Fn(&crate::export::manifest::ManifestRow) -> bool| {
        m.images.iter().filter(|r| f(r)).count()
    };
    Some(ExportSeen {
        fingerprint: m.fingerprint.clone(),
        source_dataset: m.dataset.clone(),
        files: m.images.len(),
        corrected: count(&|r| r.mask_source == "corrected"),
        accepted: count(&|r| r.review_status == "accepted"),
    })
}

/// What loading a row needs besides the row.
struct Loader<'a> {
    root: &'a Path,
    schema: &'a ClassSchema,
    bins: &'a ScaleBins,
    labels: &'a Labels,
    corrected_only: bool,
    sites: Option<&'a Sites>,
}

impl Loader<'_> {
    /// Loads the given rows in parallel, grouped by bin; rows that cannot be loaded are
    /// skipped and counted.
    fn load_by_bin(&self, rows: &[&IndexedImage], seen: &mut Seen) -> (ByBin, usize) {
        let loaded: Vec<Loaded> = rows
            .par_iter()
            .map(|r| load_one(self.root, r, self.schema, self.labels, self.corrected_only))
            .collect();
        let mut out: ByBin = (0..self.bins.len()).map(|_| Vec::new()).collect();
        let mut failed = 0;
        for (row, l) in rows.iter().zip(loaded) {
            match l {
                Loaded::Image(mut img, source, accepted, hash) => {
                    seen.add(row, source, accepted, hash);
                    img.site = self.sites.and_then(|s| s.of(row));
                    let k = self.bins.bin_of(img.pixel_size);
                    out[k].push(*img);
                }
                Loaded::NotSelected => {}
                Loaded::Failed => failed += 1,
            }
        }
        (out, failed)
    }
}

fn load_one(
    root: &Path,
    row: &IndexedImage,
    schema: &ClassSchema,
    labels: &Labels,
    corrected_only: bool,
) -> Loaded {
    let Some(record) = labels.records.get(&row.id) else {
        return match load_labelled(root, row, schema) {
            Ok(Some(i)) => Loaded::Image(Box::new(i), LabelSource::File, false, None),
            _ => Loaded::Failed,
        };
    };
    let accepted = labels.accepted.get(&row.id).copied().unwrap_or(false);
    let (Ok(Some(label)), Some(pixel_size)) =
        (resolve(root, row, schema, record, accepted), row.pixel_size)
    else {
        return Loaded::Failed;
    };
    if corrected_only && label.source == LabelSource::File && !accepted {
        return Loaded::NotSelected;
    }
    let Ok(image) = load_image(root, row) else {
        return Loaded::Failed;
    };
    if image.pixels.len() != label.classes.len()
        || !schema.holds_only_classes_or_unlabelled(&label.classes)
    {
        return Loaded::Failed;
    }
    let hash = (label.source != LabelSource::File).then(|| Sha256::digest(&label.classes).into());
    Loaded::Image(
        Box::new(LabelledImage {
            image,
            mask: label.classes,
            pixel_size,
            site: None,
        }),
        label.source,
        accepted,
        hash,
    )
}
