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
//! Hidden entries (`.ipynb_checkpoints`, `.DS_Store`, the workspace) and files that are not
//! images are skipped and counted, never read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use walkdir::WalkDir;

use super::problems::{Problem, ProblemKind};

mod listing;
pub use listing::{fingerprint, rel};
use listing::{is_hidden, list};

pub mod names;
pub mod writer;
/// Images of the MineralClassifier layout.
pub const MC_IMAGES: &str = "input-images";
/// Masks of the MineralClassifier layout.
pub const MC_MASKS: &str = "output-images";
/// Pixel-size files of the MineralClassifier layout.
pub const MC_FEATURES: &str = "input-features";
const GENERIC_IMAGES: [&str; 3] = ["images", "unlabelled", "unlabeled"];
const GENERIC_MASKS: [&str; 2] = ["masks", "labels"];
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
const MAX_DEPTH: usize = 6;

/// Which layout a sample folder uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayoutKind {
    MineralClassifier,
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
    /// Split group: the sample and the part of the stem before the first `-`.
    pub group: String,
    pub image: FileRef,
    pub mask: Option<FileRef>,
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
    pub name: String,
    pub layout: LayoutKind,
}

/// Everything found under a root.
#[derive(Debug, Default)]
pub struct Scan {
    pub samples: Vec<SampleInfo>,
    pub items: Vec<ItemFiles>,
    pub problems: Vec<Problem>,
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
        if !entry.file_type().is_dir() {
            continue;
        }
        if entry.depth() > 0 && is_hidden(entry.path()) {
            scan.skipped.hidden_dirs += 1;
            it.skip_current_dir();
            continue;
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
            it.skip_current_dir();
            continue;
        }
        if let Some(layout) = sample_layout(entry.path()) {
            let name = if entry.depth() == 0 {
                root.file_name().map_or_else(
                    || "sample".to_string(),
                    |n| n.to_string_lossy().into_owned(),
                )
            } else {
                rel(root, entry.path())
            };
            scan_sample(root, entry.path(), &name, layout, &mut scan);
            scan.samples.push(SampleInfo { name, layout });
            it.skip_current_dir();
        }
    }
    if scan.samples.is_empty() {
        return Err(LayoutError::NoSamples(root.to_path_buf()));
    }
    Ok(scan)
}

fn sample_layout(dir: &Path) -> Option<LayoutKind> {
    if dir.join(MC_IMAGES).is_dir() {
        Some(LayoutKind::MineralClassifier)
    } else if GENERIC_IMAGES.iter().any(|d| dir.join(d).is_dir()) {
        Some(LayoutKind::ImagesMasks)
    } else {
        None
    }
}

/// Files of one folder by stem, with skipped entries counted.
type Listing = BTreeMap<String, Vec<FileRef>>;

fn scan_sample(root: &Path, dir: &Path, sample: &str, layout: LayoutKind, scan: &mut Scan) {
    let (image_dirs, mask_dirs, features_dir): (Vec<&str>, Vec<&str>, Option<&str>) = match layout {
        LayoutKind::MineralClassifier => (vec![MC_IMAGES], vec![MC_MASKS], Some(MC_FEATURES)),
        LayoutKind::ImagesMasks => (GENERIC_IMAGES.to_vec(), GENERIC_MASKS.to_vec(), None),
    };
    let mut images = Listing::new();
    for d in image_dirs {
        list(
            root,
            &dir.join(d),
            &IMAGE_EXTENSIONS,
            scan,
            &mut images,
            str::to_string,
        );
    }
    let mut masks = Listing::new();
    for d in mask_dirs {
        list(
            root,
            &dir.join(d),
            &IMAGE_EXTENSIONS,
            scan,
            &mut masks,
            mask_key,
        );
    }
    let mut features = Listing::new();
    if let Some(d) = features_dir {
        list(
            root,
            &dir.join(d),
            &["txt"],
            scan,
            &mut features,
            str::to_string,
        );
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
        let prefix = stem.split('-').next().unwrap_or(&stem);
        scan.items.push(ItemFiles {
            sample: sample.to_string(),
            group: format!("{sample}/{prefix}"),
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
