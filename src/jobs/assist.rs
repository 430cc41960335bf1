//! `semcurate assist`: the live pixel classifier run over a whole dataset. A random forest on
//! ilastik-style features is trained from every labelled pixel the dataset has (mask files,
//! partial ones included, with the workspace's corrections and labels made from nothing), and
//! proposes a full mask for every readable image. With `per_image`, an image that has labels
//! of its own is proposed by a forest of its own pixels instead.
//!
//! The proposals are written as `OUT/SAMPLE/output-images/STEM.png` (the layout of
//! `predict --out`) and stored in the workspace as the predictions of the model
//! [`ASSIST_MODEL`], so that the editor and the queues see them; the dataset forest is kept
//! in the workspace (`WORKSPACE/assist/forest.bin`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::assist::{
    FeatureSettings, Features, Forest, ForestSettings, LabelledImage, ProposeOptions, RaforForest,
    SamplingSettings, TrainingSet, fit, propose, training_set,
};
use crate::dataset::ClassSchema;
use crate::dataset::image::IndexedImage;
use crate::dataset::layout::writer::{self, Role};
use crate::dataset::load::load_image;
use crate::dataset::prediction::StoredPrediction;
use crate::dataset::raster::encode_grey8_png;
use crate::dataset::workspace::Workspace;
use crate::model::infer::summary::{summarise, to_byte};
use crate::progress::Progress;

use super::assist_labels::DatasetLabels;

/// The model name the assist's proposals are stored under in the workspace.
pub const ASSIST_MODEL: &str = "assist";

/// What to do.
pub struct AssistOptions<'a> {
    /// The dataset root.
    pub root: &'a Path,
    /// Where the proposal PNGs go (8-bit class ids, one per readable image).
    pub out: &'a Path,
    /// The class schema: proposals hold its ids only (a forest id past it is written as 0).
    pub schema: &'a ClassSchema,
    /// Propose an image that has labels of its own with a forest of those pixels alone.
    pub per_image: bool,
    /// Trees, depth and the forest's other settings.
    pub forest: ForestSettings,
    /// Per-class row cap and class balancing of each image's training rows (the dataset's
    /// union is capped again at three times the cap).
    pub sampling: SamplingSettings,
}

/// What was done.
#[derive(Debug, Clone, Serialize)]
pub struct AssistReport {
    /// Images with labelled pixels that trained the dataset forest.
    pub labelled_images: usize,
    /// Training rows per class id (after the per-class cap).
    pub rows_per_class: Vec<usize>,
    /// Images proposed and stored.
    pub proposed: usize,
    /// Images proposed by a forest of their own pixels (`--per-image`).
    pub own_forest: usize,
    /// Images that could not be read or proposed, with why.
    pub failed: Vec<(String, String)>,
    /// Where the dataset forest was saved (`WORKSPACE/assist/forest.bin`).
    pub forest_file: PathBuf,
    /// Seconds to gather the rows and fit the dataset forest, and for the whole run.
    pub seconds_training: f64,
    pub seconds_total: f64,
}

/// Why the assist could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum AssistJobError {
    #[error(transparent)]
    Workspace(#[from] crate::dataset::workspace::WorkspaceError),
    #[error(
        "no labelled pixel in the dataset: label a few pixels per class first (the editor on any image, or partial masks with 255 = unlabelled)"
    )]
    /// No image has a labelled pixel to train on.
    NoLabels,
    #[error("{0}")]
    Assist(#[from] crate::assist::AssistError),
    /// A proposal PNG or the forest file could not be written.
    #[error("cannot write '{path}': {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// The labels of one image with features: every pixel's class or [`crate::dataset::schema::UNLABELLED`].
struct Labelled {
    /// The image's index row.
    row: IndexedImage,
    /// Its per-pixel features, computed once for its own forest.
    features: Features,
    labels: Vec<u8>,
}

/// Trains the dataset forest, then proposes every readable image.
pub fn run(
    ws: &mut Workspace,
    opts: &AssistOptions<'_>,
    progress: &dyn Progress,
) -> Result<AssistReport, AssistJobError> {
    let started = Instant::now();
    let rows: Vec<IndexedImage> = ws.images()?.into_iter().filter(|r| !r.missing).collect();
    let (set, kept, labelled_images) = dataset_rows(ws, &rows, opts, progress)?;
    let rows_per_class = (0..set.n_classes)
        .map(|c| set.labels.iter().filter(|&&l| usize::from(l) == c).count())
        .collect();
    let forest = RaforForest::fit(&set, &opts.forest)?;
    let seconds_training = started.elapsed().as_secs_f64();
    let forest_file = save_forest(ws, &forest)?;
    let mut report = AssistReport {
        labelled_images,
        rows_per_class,
        proposed: 0,
        own_forest: 0,
        failed: Vec::new(),
        forest_file,
        seconds_training,
        seconds_total: 0.0,
    };
    propose_all(ws, &rows, &forest, &kept, opts, progress, &mut report)?;
    report.seconds_total = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Training rows over every image with labelled pixels (each image's rows capped per class,
/// then the union capped again by `fit`'s sampling); the images kept for `--per-image`.
fn dataset_rows(
    ws: &Workspace,
    rows: &[IndexedImage],
    opts: &AssistOptions<'_>,
    progress: &dyn Progress,
) -> Result<(TrainingSet, Vec<Labelled>, usize), AssistJobError> {
    let labels = DatasetLabels::new(ws, opts.root, opts.schema)?;
    let mut sets = Vec::new();
    let mut kept = Vec::new();
    progress.begin("assist: labels", rows.len() as u64);
    for row in rows {
        progress.advance(1);
        let Some((classes, image)) = labels.labelled(row) else {
            continue;
        };
        let features = features_of(&image)?;
        let one = [LabelledImage {
            features: &features,
            labels: &classes,
            weight: 1.0,
        }];
        sets.push(training_set(&one, &opts.sampling)?);
        if opts.per_image {
            kept.push(Labelled {
                row: row.clone(),
                features,
                labels: classes,
            });
        }
    }
    progress.end();
    let n = sets.len();
    let mut set = TrainingSet::merge(sets).ok_or(AssistJobError::NoLabels)?;
    set.cap_per_class(DATASET_CAP_FACTOR * opts.sampling.per_class_cap);
    Ok((set, kept, n))
}

/// The dataset forest takes at most this many times the per-image cap of rows per class:
/// 60 labelled 256² images gave 210,000 rows and a 2-minute fit; 3,000 rows per class fit in
/// about a second and lose little (the rows of one class are much alike).
const DATASET_CAP_FACTOR: usize = 3;

/// The default ilastik-style feature stack of an 8-bit grey image.
fn features_of(image: &crate::dataset::raster::Grey8) -> Result<Features, AssistJobError> {
    Ok(Features::compute(
        &image.pixels,
        image.width as usize,
        image.height as usize,
        &FeatureSettings::default(),
    )?)
}

/// Writes the dataset forest to `WORKSPACE/assist/forest.bin`, durably.
fn save_forest(ws: &Workspace, forest: &RaforForest) -> Result<PathBuf, AssistJobError> {
    let path = ws.dir().join("assist").join("forest.bin");
    let io = |error| AssistJobError::Io {
        path: path.clone(),
        error,
    };
    std::fs::create_dir_all(path.parent().unwrap_or(ws.dir())).map_err(io)?;
    crate::fsutil::write_durable(&path, &forest.to_bytes()?).map_err(io)?;
    Ok(path)
}

/// Proposes every readable image, writes its PNG and stores it in one transaction per image.
fn propose_all(
    ws: &mut Workspace,
    rows: &[IndexedImage],
    forest: &RaforForest,
    kept: &[Labelled],
    opts: &AssistOptions<'_>,
    progress: &dyn Progress,
    report: &mut AssistReport,
) -> Result<(), AssistJobError> {
    register(ws, opts)?;
    progress.begin("assist: propose", rows.len() as u64);
    for row in rows.iter().filter(|r| r.is_readable()) {
        progress.advance(1);
        match propose_one(row, forest, kept, opts) {
            Ok((p, own)) => {
                write_png(opts.out, row, &p)?;
                let tx = ws.transaction()?;
                tx.put_prediction(&p, crate::clock::now())?;
                tx.commit()?;
                report.proposed += 1;
                report.own_forest += usize::from(own);
            }
            Err(e) => report.failed.push((row.image_path.clone(), e)),
        }
    }
    progress.end();
    Ok(())
}

/// Registers [`ASSIST_MODEL`] in the workspace with its forest and sampling settings as its
/// config, so its predictions have a model row.
fn register(ws: &mut Workspace, opts: &AssistOptions<'_>) -> Result<(), AssistJobError> {
    let config = serde_json::json!({
        "kind": "assist",
        "forest": opts.forest,
        "sampling": opts.sampling,
        "schema": opts.schema.name,
    });
    let tx = ws.transaction()?;
    tx.register_model(
        ASSIST_MODEL,
        ASSIST_MODEL,
        &config.to_string(),
        crate::clock::now(),
    )?;
    tx.commit()?;
    Ok(())
}

/// One image's proposal, and whether a forest of its own labels made it.
fn propose_one(
    row: &IndexedImage,
    dataset_forest: &RaforForest,
    kept: &[Labelled],
    opts: &AssistOptions<'_>,
) -> Result<(StoredPrediction, bool), String> {
    let own = kept.iter().find(|k| k.row.id == row.id);
    let (proposal, used_own) = if let Some(k) = own {
        let one = [LabelledImage {
            features: &k.features,
            labels: &k.labels,
            weight: 1.0,
        }];
        let f: RaforForest = fit(&one, &opts.sampling, &opts.forest).map_err(|e| e.to_string())?;
        (propose(&f, &k.features, &ProposeOptions::default()), true)
    } else {
        let image = load_image(opts.root, row).map_err(|e| e.to_string())?;
        let features = features_of(&image).map_err(|e| e.to_string())?;
        let p = propose(dataset_forest, &features, &ProposeOptions::default());
        (p, false)
    };
    let p = proposal.map_err(|e| e.to_string())?;
    Ok((stored(row, &p, opts.schema.len()), used_own))
}

/// The stored form of an assist proposal of `row` with `n` classes (the model
/// [`ASSIST_MODEL`]; confidence as the top-two margin).
///
/// `bin` and `used_bin` are the image's scale bin (0 without one): the forest has no bins.
pub fn stored(row: &IndexedImage, p: &crate::assist::Proposal, n: usize) -> StoredPrediction {
    let margin: Vec<u8> = p.confidence.iter().map(|&c| to_byte(c)).collect();
    let classes: Vec<u8> = p
        .classes
        .iter()
        .map(|&c| if usize::from(c) < n { c } else { 0 })
        .collect();
    let per_class = summarise(&classes, &p.confidence, None, n);
    StoredPrediction {
        image_id: row.id,
        model: ASSIST_MODEL.into(),
        image_fp: row.image_fp.clone(),
        width: p.width as u32,
        height: p.height as u32,
        bin: row.bin.unwrap_or(0),
        used_bin: row.bin.unwrap_or(0),
        classes,
        margin,
        disagreement: None,
        mc_passes: 0,
        per_class,
    }
}

/// `OUT/SAMPLE/output-images/STEM.png`, as `predict --out` writes.
fn write_png(out: &Path, row: &IndexedImage, p: &StoredPrediction) -> Result<(), AssistJobError> {
    let rel = writer::file_path(&row.sample, Role::Mask, &row.stem);
    let io = |error| AssistJobError::Io {
        path: out.join(&rel),
        error,
    };
    let png = encode_grey8_png(p.width, p.height, &p.classes)
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    writer::write_file(out, &rel, &png, writer::Mode::Atomic)
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    Ok(())
}
