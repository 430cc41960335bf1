//! Folder layouts: the only code that knows folder names. Finds sample folders under a root
//! (or takes the root as one sample), lists their images, masks and pixel-size files, pairs
//! them by name stem, and counts what it skips.
//!
//! Two layouts are read:
//! - MineralClassifier: `SAMPLE/input-images/NAME.png`, `SAMPLE/output-images/NAME.png`,
//!   `SAMPLE/input-features/NAME.txt`;
//! - images/masks: `SAMPLE/images/NAME.tif` (and `SAMPLE/unlabelled/`), `SAMPLE/masks/…`, where
//!   a mask may carry a `_MASK_` infix or a `_mask` suffix (`A_MASK_0001.tif` pairs with
//!   `A_0001.tif`).
//!
//! Folder names are matched case-insensitively (`Images/`, `MASKS/`, `Input-Images/`) and
//! read under their names on disk.
//!
//! Hidden entries (`.ipynb_checkpoints`, `.DS_Store`, the workspace) and files that are not
//! images are skipped and counted, never read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use walkdir::WalkDir;

use super::problems::{Problem, ProblemKind};

mod listing;
pub mod names;
pub mod writer;
pub use listing::{fingerprint, rel};
use listing::{is_hidden, list};

/// Images of the MineralClassifier layout.
pub const MC_IMAGES: &str = "input-images";
/// Masks of the MineralClassifier layout.
pub const MC_MASKS: &str = "output-images";
/// Pixel-size files of the MineralClassifier layout.
pub const MC_FEATURES: &str = "input-features";
/// Image folder names of the images/masks layout (lower case; `unlabelled` holds images with
/// no mask by intent).
const GENERIC_IMAGES: [&str; 3] = ["images", "unlabelled", "unlabeled"];
/// Mask folder names of the images/masks layout (lower case).
const GENERIC_MASKS: [&str; 2] = ["masks", "labels"];
/// Extensions read as images or masks, compared case-insensitively; anything else is skipped.
const IMAGE_EXTENSIONS: [&str; 3] = ["png", "tif", "tiff"];
/// Every folder name that holds a sample's images, masks or pixel-size files.
pub const IMAGE_FOLDERS: [&str; 8] = [
    MC_IMAGES,
    MC_MASKS,
    MC_FEATURES,
    "images",
    "unlabelled",
    "unlabeled",
    "masks",
    "labels",
];
/// How deep under the root sample folders are looked for (`ROOT/mission/sample/...` nests).
const MAX_DEPTH: usize = 6;

/// Which layout a sample folder uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayoutKind {
    /// `input-images/`, `output-images/`, `input-features/`: the study's layout.
    MineralClassifier,
    /// `images/` (or `unlabelled/`) with `masks/` (or `labels/`), no pixel-size files.
    ImagesMasks,
}

/// A file and its change fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// Path relative to the dataset root, `/`-separated.
    pub path: String,
    /// `size:mtime_ns`; changes whenever the file is rewritten.
    pub fingerprint: String,
}

/// The files of one image: the image itself, and its mask and pixel-size file if present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFiles {
    /// Sample folder path relative to the root (`10003`, or `apollo11/10003`).
    pub sample: String,
    /// File name without extension.
    pub stem: String,
    /// Split group: the sample and the part of the stem before the first `-` (the study's
    /// rule; the index applies the dataset's own rule, see `groups`).
    pub group: String,
    /// The image file (PNG or TIFF).
    pub image: FileRef,
    /// Its mask, paired by stem (and the `_MASK_`/`_mask` forms of the images/masks layout).
    pub mask: Option<FileRef>,
    /// Its pixel-size file (MineralClassifier layout only).
    pub features: Option<FileRef>,
}

/// Counts of entries skipped while scanning.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SkipCounts {
    /// Hidden folders such as `.ipynb_checkpoints` or the workspace.
    pub hidden_dirs: u64,
    /// Hidden files such as `.DS_Store`.
    pub hidden_files: u64,
    /// Files that are not PNG/TIFF images (or `.txt` in a pixel-size folder), e.g. `Thumbs.db`.
    pub other_files: u64,
    /// Unexpected folders inside image, mask or pixel-size folders.
    pub other_dirs: u64,
}

impl SkipCounts {
    /// All skipped entries.
    pub fn total(&self) -> u64 {
        self.hidden_dirs + self.hidden_files + self.other_files + self.other_dirs
    }
}

/// A sample folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SampleInfo {
    /// Sample folder path relative to the root (`10003`, or `apollo11/10003`); the root's own
    /// name when the root is a single sample.
    pub name: String,
    /// Which of the two layouts its folders follow.
    pub layout: LayoutKind,
}

/// Everything found under a root.
#[derive(Debug, Default)]
pub struct Scan {
    /// Sample folders in walk order (sorted by name).
    pub samples: Vec<SampleInfo>,
    /// Every image paired with its mask and pixel-size file, if any.
    pub items: Vec<ItemFiles>,
    /// Problems of the layout itself: duplicate stems, orphan masks, unlistable folders.
    pub problems: Vec<Problem>,
    /// What the walk skipped, counted by kind.
    pub skipped: SkipCounts,
}

/// Why a root cannot be scanned at all.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("dataset folder '{0}' does not exist")]
    Missing(PathBuf),
    #[error("'{0}' is not a folder: give the dataset root or one sample folder")]
    NotADir(PathBuf),
    #[error(
        "no sample folders under '{0}': expected ROOT/SAMPLE/input-images/*.png (MineralClassifier layout) or ROOT/SAMPLE/images/*.tif"
    )]
    NoSamples(PathBuf),
}

/// Finds and pairs every image under `root`.
///
/// `root` may be the dataset root or one sample folder. A folder holding a data folder is a
/// sample and is not walked further; hidden folders are skipped. Fails only when `root` is
/// missing, not a folder, or holds no sample within six levels; everything else becomes a
/// [`Problem`] in the scan.
pub fn scan(root: &Path) -> Result<Scan, LayoutError> {
    if !root.exists() {
        return Err(LayoutError::Missing(root.to_path_buf()));
    }
    if !root.is_dir() {
        return Err(LayoutError::NotADir(root.to_path_buf()));
    }
    let mut scan = Scan::default();
    let mut it = WalkDir::new(root)
        .max_depth(MAX_DEPTH)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map(|p| rel(root, p)).unwrap_or_default();
                scan.problems
                    .push(Problem::new(ProblemKind::Unlistable, path, e.to_string()));
                continue;
            }
        };
        if entry.file_type().is_dir() && !visit_dir(root, &entry, &mut scan) {
            it.skip_current_dir();
        }
    }
    if scan.samples.is_empty() {
        return Err(LayoutError::NoSamples(root.to_path_buf()));
    }
    Ok(scan)
}

/// Takes one folder of the walk into `scan`: a hidden one is counted, one whose name is not
/// UTF-8 becomes a problem, a sample folder is scanned whole. False where the walk must not
/// go inside it (all three); true for any other folder.
fn visit_dir(root: &Path, entry: &walkdir::DirEntry, scan: &mut Scan) -> bool {
    if entry.depth() > 0 && is_hidden(entry.path()) {
        scan.skipped.hidden_dirs += 1;
        return false;
    }
    if entry.depth() > 0
        && entry
            .path()
            .strip_prefix(root)
            .ok()
            .and_then(Path::to_str)
            .is_none()
    {
        scan.problems.push(Problem::new(
            ProblemKind::Unlistable,
            rel(root, entry.path()),
            "the folder name is not valid UTF-8 (the bad bytes show as �): rename it; paths are kept as text",
        ));
        return false;
    }
    let Some(dirs) = sample_dirs(entry.path()) else {
        return true;
    };
    let name = if entry.depth() == 0 {
        root.file_name().map_or_else(
            || "sample".to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    } else {
        rel(root, entry.path())
    };
    scan_sample(root, &dirs, &name, scan);
    scan.samples.push(SampleInfo {
        name,
        layout: dirs.layout,
    });
    false
}

/// The data folders of one sample, by their names on disk (matched case-insensitively, so
/// `Images/` and `MASKS/` are read on case-sensitive file systems too).
struct SampleDirs {
    layout: LayoutKind,
    images: Vec<PathBuf>,
    masks: Vec<PathBuf>,
    features: Vec<PathBuf>,
}

fn sample_dirs(dir: &Path) -> Option<SampleDirs> {
    let children = data_folders(dir);
    let find = |wanted: &[&str]| -> Vec<PathBuf> {
        children
            .iter()
            .filter(|(lower, _)| wanted.contains(&lower.as_str()))
            .map(|(_, path)| path.clone())
            .collect()
    };
    let mc_images = find(&[MC_IMAGES]);
    if !mc_images.is_empty() {
        return Some(SampleDirs {
            layout: LayoutKind::MineralClassifier,
            images: mc_images,
            masks: find(&[MC_MASKS]),
            features: find(&[MC_FEATURES]),
        });
    }
    let images = find(&GENERIC_IMAGES);
    (!images.is_empty()).then(|| SampleDirs {
        layout: LayoutKind::ImagesMasks,
        images,
        masks: find(&GENERIC_MASKS),
        features: Vec::new(),
    })
}

/// Sub-folders of `dir` whose name is a data folder name in any case: (lower-case name, path
/// as on disk), sorted by the name on disk.
fn data_folders(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let lower = e.file_name().to_str()?.to_lowercase();
            let path = e.path();
            (IMAGE_FOLDERS.contains(&lower.as_str()) && path.is_dir()).then_some((lower, path))
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

/// Whether `name` is a folder of images, masks or pixel-size files, in any case.
pub fn is_data_folder(name: &str) -> bool {
    IMAGE_FOLDERS.contains(&name.to_lowercase().as_str())
}

/// Files of one folder by stem, with skipped entries counted.
type Listing = BTreeMap<String, Vec<FileRef>>;

fn scan_sample(root: &Path, dir: &SampleDirs, sample: &str, scan: &mut Scan) {
    let mut images = Listing::new();
    for d in &dir.images {
        list(
            root,
            d,
            &IMAGE_EXTENSIONS,
            scan,
            &mut images,
            str::to_string,
        );
    }
    let mut masks = Listing::new();
    for d in &dir.masks {
        list(root, d, &IMAGE_EXTENSIONS, scan, &mut masks, mask_key);
    }
    let mut features = Listing::new();
    for d in &dir.features {
        list(root, d, &["txt"], scan, &mut features, str::to_string);
    }
    pair(sample, images, masks, features, scan);
}

fn pair(sample: &str, images: Listing, mut masks: Listing, mut features: Listing, scan: &mut Scan) {
    for (stem, mut files) in images {
        let image = files.remove(0);
        for dup in files {
            scan.problems.push(Problem::new(
                ProblemKind::DuplicateStem,
                dup.path,
                format!(
                    "another image is named '{stem}' in this sample ('{}'); rename or remove one",
                    image.path
                ),
            ));
        }
        let mask = take_first(&mut masks, &stem, scan);
        let features = take_first(&mut features, &stem, scan);
        scan.items.push(ItemFiles {
            sample: sample.to_string(),
            group: super::groups::prefix_group(sample, &stem),
            stem,
            image,
            mask,
            features,
        });
    }
    for (stem, files) in masks {
        for m in files {
            scan.problems.push(Problem::new(
                ProblemKind::OrphanMask,
                m.path,
                format!("mask has no image named '{stem}' in sample '{sample}': add the image or remove the mask"),
            ));
        }
    }
}

fn take_first(listing: &mut Listing, stem: &str, scan: &mut Scan) -> Option<FileRef> {
    let mut files = listing.remove(stem)?;
    let first = files.remove(0);
    for dup in files {
        scan.problems.push(Problem::new(
            ProblemKind::DuplicateStem,
            dup.path,
            format!(
                "'{}' already pairs with image '{stem}'; this file is ignored",
                first.path
            ),
        ));
    }
    Some(first)
}

/// The key an image stem is matched by for a mask stem: `_MASK_` → `_`, `_mask` suffix dropped.
pub fn mask_key(stem: &str) -> String {
    let s = stem.replace("_MASK_", "_");
    for suffix in ["_MASK", "_mask", "-mask"] {
        if let Some(base) = s.strip_suffix(suffix) {
            return base.to_string();
        }
    }
    s
}

#[cfg(test)]
mod tests;
