//! The model directory: `config.json` (everything needed to rebuild the network and route
//! images), one weights file per trained scale bin (`bin{k}.safetensors`), and a model card
//! (`model_card.json`, with a readable `MODEL_CARD.md`). Inference needs no flags: the config
//! says the classes, bins, width and input scaling.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::unet::UNetConfig;
use crate::dataset::{ClassSchema, ScaleBins};

mod choose;
pub use choose::{ConfigRequest, WidthMismatch, choose_config, new_config};

/// Version of the model-directory format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// File names inside a model directory.
pub const CONFIG_FILE: &str = "config.json";
/// The model card as JSON (training data, metrics, provenance).
pub const CARD_JSON: &str = "model_card.json";
/// The model card rendered for people.
pub const CARD_MD: &str = "MODEL_CARD.md";
/// Channel-dropout probability of a model trained from nothing (`train` without `--init`,
/// a retrain with no base model); fine-tuning keeps its init model's. 0, not the study's 0.3:
/// with per-site input, three seeds each (`docs/REAL_DATA.md`, `docs/MODELS.md`), dropout 0 gave
/// held-out mIoU 0.757 against 0.665 on real shale tiles, and 0.275 against 0.257 (test
/// split) and 0.191 against 0.154 (second instrument) on synthetic basalt, pixel accuracy
/// equal or better.
pub const DROPOUT_FROM_NOTHING: f64 = 0.0;

/// Whether one U-Net serves all scales (the study's baseline) or one per bin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// One U-Net per scale bin, each image routed by its pixel size (the study's multi U-Net).
    MultiUnet,
    /// One U-Net for every pixel size: a single bin with no edges.
    SingleUnet,
}

/// How grey levels become network input: `(v · scale − mean) / std` (absolute grey levels, the
/// study's way), or with `percentiles` set, per image: `((v − lo) / (hi − lo) − mean) / std`
/// where `lo`, `hi` are the image's own grey levels at those percentiles, so that a detector's
/// gain and offset do not move the input (see [`super::input`]). With `scope` [`LevelScope::Site`]
/// `lo` and `hi` come from every image of the image's site instead (its split group: the tiles
/// of one raw image or one acquisition), which keeps the contrast between the phases a tile
/// happens to hold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InputNorm {
    /// Multiplier of the grey level (0–255) in the absolute form; `1/255` by default.
    pub scale: f64,
    /// Subtracted after scaling (absolute form) or after the percentile stretch to 0–1.
    pub mean: f64,
    /// Divides the result; 1 by default.
    pub std: f64,
    /// Normalisation between these percentiles (0–100) of the grey levels; absent in models
    /// made before it existed, which keep reading absolute grey levels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentiles: Option<[f64; 2]>,
    /// Over which pixels the percentiles are taken; absent (per image) in models made before
    /// per-site levels existed.
    #[serde(default, skip_serializing_if = "LevelScope::is_image")]
    pub scope: LevelScope,
}

/// Where per-image input levels come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelScope {
    /// The image's own pixels (all its tiles share them).
    #[default]
    Image,
    /// All the pixels of the image's site (split group, within its sample); an image
    /// predicted with no site known falls back to its own pixels.
    Site,
}

impl LevelScope {
    // By reference: serde's `skip_serializing_if` calls it with `&LevelScope`.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    fn is_image(&self) -> bool {
        *self == Self::Image
    }
}

impl Default for InputNorm {
    /// The study's `ToTensor()`: v / 255, no mean or std.
    fn default() -> Self {
        Self {
            scale: 1.0 / 255.0,
            mean: 0.0,
            std: 1.0,
            percentiles: None,
            scope: LevelScope::Image,
        }
    }
}

/// `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// [`FORMAT_VERSION`] of the writer; [`ModelConfig::load`] refuses any other.
    pub format_version: u32,
    /// Multi or single U-Net.
    pub kind: ModelKind,
    /// The classes the network outputs, in id order (output channel `c` is class id `c`).
    pub schema: ClassSchema,
    /// Scale-bin edges in µm/px; a single U-Net has none.
    pub bins: ScaleBins,
    /// Width, depth and class count shared by every bin's U-Net.
    pub unet: UNetConfig,
    /// How grey levels become network input.
    pub input: InputNorm,
    /// Tile size in px for inference on large images (multiple of 8).
    pub tile: usize,
    /// Overlap between tiles in px.
    pub overlap: usize,
    /// Which bins have weights; the others fall back to the nearest trained bin.
    /// One flag per scale bin (`bins.len()` of them), at least one true.
    pub trained: Vec<bool>,
}

/// Why a model directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelDirError {
    #[error("model folder '{0}' has no {CONFIG_FILE}: is it a semcurate model folder?")]
    NoConfig(PathBuf),
    #[error("cannot read '{path}': {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("'{path}' is not a valid model config: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "model '{path}' has format version {found}; this semcurate reads version {FORMAT_VERSION}: upgrade semcurate"
    )]
    Version { path: PathBuf, found: u32 },
    #[error("model '{path}': {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(
        "model classes do not match the dataset's: model has {model} ({model_n} classes), dataset has {dataset} ({dataset_n} classes); use a model trained on this schema or pass --schema"
    )]
    SchemaMismatch {
        model: String,
        model_n: usize,
        dataset: String,
        dataset_n: usize,
    },
}

impl ModelConfig {
    /// Reads and validates `dir/config.json`.
    pub fn load(dir: &Path) -> Result<Self, ModelDirError> {
        let path = dir.join(CONFIG_FILE);
        if !path.is_file() {
            return Err(ModelDirError::NoConfig(dir.to_path_buf()));
        }
        let text = std::fs::read_to_string(&path).map_err(|source| ModelDirError::Io {
            path: path.clone(),
            source,
        })?;
        let cfg: Self = serde_json::from_str(&text).map_err(|e| ModelDirError::Parse {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if cfg.format_version != FORMAT_VERSION {
            return Err(ModelDirError::Version {
                path,
                found: cfg.format_version,
            });
        }
        cfg.validate(&path)?;
        Ok(cfg)
    }

    fn validate(&self, path: &Path) -> Result<(), ModelDirError> {
        let invalid = |message: String| ModelDirError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        if self.trained.len() != self.bins.len() {
            return Err(invalid(format!(
                "{} bins but {} trained flags",
                self.bins.len(),
                self.trained.len()
            )));
        }
        if !self.trained.iter().any(|&t| t) {
            return Err(invalid("no bin has trained weights".into()));
        }
        if self.unet.classes != self.schema.len() {
            return Err(invalid(format!(
                "U-Net has {} outputs, schema {} classes",
                self.unet.classes,
                self.schema.len()
            )));
        }
        if self.tile == 0 || !self.tile.is_multiple_of(8) || self.overlap >= self.tile {
            return Err(invalid(format!(
                "tile {} must be a positive multiple of 8 above the overlap {}",
                self.tile, self.overlap
            )));
        }
        Ok(())
    }

    /// Writes `dir/config.json` (pretty JSON).
    pub fn save(&self, dir: &Path) -> Result<(), ModelDirError> {
        let path = dir.join(CONFIG_FILE);
        let text = serde_json::to_string_pretty(self).map_err(|e| ModelDirError::Parse {
            path: path.clone(),
            message: e.to_string(),
        })?;
        crate::fsutil::write_durable(&path, text.as_bytes())
            .map_err(|source| ModelDirError::Io { path, source })
    }

    /// Checks that a dataset's schema has the model's classes (ids and names).
    pub fn check_schema(&self, dataset: &ClassSchema) -> Result<(), ModelDirError> {
        if self.schema.identity() == dataset.identity() {
            return Ok(());
        }
        Err(ModelDirError::SchemaMismatch {
            model: self.schema.name.clone(),
            model_n: self.schema.len(),
            dataset: dataset.name.clone(),
            dataset_n: dataset.len(),
        })
    }

    /// Weights file of bin `k`.
    ///
    /// Bin indices count from 0, ascending pixel size; untrained bins have no file.
    pub fn weights_file(dir: &Path, k: usize) -> PathBuf {
        dir.join(format!("bin{k}.safetensors"))
    }

    /// The bin whose U-Net serves pixel size `p` (µm/px) and whether that is a fallback
    /// (the image's own bin has no trained U-Net: the nearest trained bin is used, ties going
    /// to the finer bin).
    pub fn route(&self, pixel_size: f64) -> Route {
        let own = self.bins.bin_of(pixel_size);
        if self.trained[own] {
            return Route {
                bin: own,
                used: own,
            };
        }
        let used = (0..self.trained.len())
            .filter(|&k| self.trained[k])
            .min_by_key(|&k| (k.abs_diff(own), k))
            .unwrap_or(own);
        Route { bin: own, used }
    }
}

/// Where an image goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The image's own scale bin.
    pub bin: usize,
    /// The bin whose U-Net is used.
    pub used: usize,
}

impl Route {
    /// The own bin had no trained U-Net.
    pub fn is_fallback(self) -> bool {
        self.bin != self.used
    }
}
