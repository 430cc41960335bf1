//! A loaded model: its config, one U-Net per trained scale bin, routing by pixel size, and
//! the model's identity (a hash of its files) that keys stored predictions.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::{ModuleSnapshot, SafetensorsStore};
use sha2::{Digest, Sha256};

use super::config::{ModelConfig, ModelDirError, Route};
use super::engine::{Engine, Isa};
use super::fused::FusedUNet;
use super::infer::{Nets, Prediction, predict};
use super::unet::UNet;
use crate::dataset::ClassSchema;

/// Why a model cannot be loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Dir(#[from] ModelDirError),
    #[error("weights '{path}': {message}")]
    Weights { path: PathBuf, message: String },
    #[error("cannot write model files in '{path}': {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "'{file}' is missing from the model folder '{dir}': it holds the U-Net of bin {bin} ({range}), which config.json lists as trained; pass --model with the folder that has it, or train (`semcurate train`) or convert (`semcurate convert-weights`) the model again"
    )]
    MissingWeights {
        dir: PathBuf,
        file: String,
        bin: usize,
        /// The bin's pixel sizes, e.g. `> 1 µm/px`.
        range: String,
    },
    #[error("cannot read model file '{path}': {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl ModelError {
    /// The weights of trained bin `bin` of the model in `dir` are not there.
    fn missing_weights(dir: &Path, config: &ModelConfig, bin: usize) -> Self {
        let path = ModelConfig::weights_file(dir, bin);
        Self::MissingWeights {
            dir: dir.to_path_buf(),
            file: path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            bin,
            range: config.bins.label(bin),
        }
    }
}

/// The weights file of trained bin `bin`, or why it is not there.
fn weights_of(dir: &Path, config: &ModelConfig, bin: usize) -> Result<PathBuf, ModelError> {
    let path = ModelConfig::weights_file(dir, bin);
    if path.is_file() {
        Ok(path)
    } else {
        Err(ModelError::missing_weights(dir, config, bin))
    }
}

/// Whether plain inference on `device` runs on semcurate's CPU engine instead of burn: on
/// the flex device, when the CPU has AVX2 or AVX-512, unless `SEMCURATE_ENGINE=burn`.
pub fn use_engine(device: &Device) -> bool {
    *device == Device::flex()
        && Isa::best().is_fast()
        && std::env::var("SEMCURATE_ENGINE").map_or(true, |v| v != "burn")
}

/// A model ready for inference on its device.
pub struct MultiUNet {
    /// The model's `config.json`: schema, scale bins, U-Net shape, input scaling, tiling.
    pub config: ModelConfig,
    /// One network per bin; `None` for bins without trained weights.
    pub nets: Vec<Option<UNet>>,
    /// The same networks with batch norm folded, for plain inference.
    fused: Vec<Option<FusedUNet>>,
    /// The folded networks packed for semcurate's CPU engine, when it runs them
    /// ([`use_engine`]).
    engines: Vec<Option<Engine>>,
    /// Where the networks live and inference runs.
    pub device: Device,
}

impl MultiUNet {
    /// A model from its config and per-bin networks (`None` for untrained bins).
    pub fn new(config: ModelConfig, nets: Vec<Option<UNet>>, device: Device) -> Self {
        let fused: Vec<Option<FusedUNet>> = nets
            .iter()
            .map(|n| n.as_ref().map(FusedUNet::from_unet))
            .collect();
        let engines = fused
            .iter()
            .map(|f| {
                f.as_ref()
                    .filter(|_| use_engine(&device))
                    .map(Engine::from_fused)
            })
            .collect();
        Self {
            config,
            nets,
            fused,
            engines,
            device,
        }
    }

    /// Reads `dir/config.json` and the weights of every trained bin.
    pub fn load(dir: &Path, device: &Device) -> Result<Self, ModelError> {
        let (config, nets) = Self::load_nets(dir, device)?;
        Ok(Self::new(config, nets, device.clone()))
    }

    /// The config and the per-bin networks of `dir`, without the fused inference forms: what
    /// fine-tuning starts from (folding batch norm on an autodiff device makes tensors that
    /// cannot be trained).
    pub fn load_nets(
        dir: &Path,
        device: &Device,
    ) -> Result<(ModelConfig, Vec<Option<UNet>>), ModelError> {
        let config = ModelConfig::load(dir)?;
        let mut nets = Vec::with_capacity(config.trained.len());
        for (k, &trained) in config.trained.iter().enumerate() {
            nets.push(if trained {
                Some(load_net(&config, &weights_of(dir, &config, k)?, device)?)
            } else {
                None
            });
        }
        Ok((config, nets))
    }

    /// Writes the config and the weights of every trained bin into `dir` (created if needed).
    pub fn save(&self, dir: &Path) -> Result<(), ModelError> {
        std::fs::create_dir_all(dir).map_err(|source| ModelError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        for (k, net) in self.nets.iter().enumerate() {
            if let Some(net) = net {
                save_net(net, &ModelConfig::weights_file(dir, k))?;
            }
        }
        self.config.save(dir)?;
        Ok(())
    }

    /// Whether plain inference runs on semcurate's CPU engine ([`use_engine`]).
    pub fn uses_engine(&self) -> bool {
        self.engines.iter().any(Option::is_some)
    }

    /// The route and network for an image of pixel size `p` µm/px.
    pub fn net_for(&self, pixel_size: f64) -> (Route, &UNet) {
        let (route, nets) = self.nets_for(pixel_size);
        (route, nets.unet)
    }

    /// The route and both forms of the network for pixel size `p` µm/px.
    pub fn nets_for(&self, pixel_size: f64) -> (Route, Nets<'_>) {
        let route = self.config.route(pixel_size);
        let unet = self.nets[route.used]
            .as_ref()
            .expect("route() only returns trained bins, and trained bins are loaded");
        (
            route,
            Nets {
                unet,
                fused: self.fused[route.used].as_ref(),
                engine: self.engines[route.used].as_ref(),
            },
        )
    }

    /// Predicts one image; `mc` Monte-Carlo dropout passes (0 for none).
    /// `image` may carry its site's histogram ([`crate::model::input::Specimen`]) for per-site
    /// input.
    pub fn predict<'a>(
        &self,
        image: impl Into<crate::model::input::Specimen<'a>>,
        pixel_size: f64,
        mc: usize,
    ) -> Prediction {
        let (route, nets) = self.nets_for(pixel_size);
        predict(&self.config, nets, route, image, mc, &self.device)
    }
}

/// One bin's U-Net from a safetensors file of semcurate's key names; every tensor of a
/// network of the config's width and class count must be there.
fn load_net(cfg: &ModelConfig, path: &Path, device: &Device) -> Result<UNet, ModelError> {
    let fail = |message: String| ModelError::Weights {
        path: path.to_path_buf(),
        message,
    };
    let mut net = cfg.unet.init(device);
    let mut store = SafetensorsStore::from_file(path);
    let result = net.load_from(&mut store).map_err(|e| fail(e.to_string()))?;
    if !result.missing.is_empty() || !result.errors.is_empty() {
        let missing: Vec<&str> = result
            .missing
            .iter()
            .map(|(p, _)| p.as_str())
            .take(5)
            .collect();
        return Err(fail(format!(
            "does not fit a width-{} U-Net with {} classes: {} tensors missing ({}), {} errors",
            cfg.unet.width,
            cfg.unet.classes,
            result.missing.len(),
            missing.join(", "),
            result.errors.len()
        )));
    }
    Ok(net)
}

/// Saves one network's weights as safetensors, through a temporary file.
pub fn save_net(net: &UNet, path: &Path) -> Result<(), ModelError> {
    let tmp = path.with_extension("safetensors.tmp");
    let mut store = SafetensorsStore::from_file(&tmp);
    net.save_into(&mut store).map_err(|e| ModelError::Weights {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    std::fs::rename(&tmp, path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A model folder as a dataset command sees it: its config, checked against the dataset's
/// class schema, and its identity (the hash that keys stored predictions). Reads the config
/// and hashes the weights; does not build the networks.
#[derive(Debug, Clone)]
pub struct ModelInfo {
    /// The model folder as given.
    pub dir: PathBuf,
    /// [`model_hash`] of the folder: 16 hex digits that change with any byte of the config or
    /// of a trained bin's weights (the model card does not count).
    pub hash: String,
    /// Its config, checked against the dataset's schema.
    pub config: ModelConfig,
}

impl ModelInfo {
    /// Identifies the model in `dir` for a dataset with `schema`.
    pub fn for_dataset(dir: &Path, schema: &ClassSchema) -> Result<Self, ModelError> {
        let config = ModelConfig::load(dir)?;
        config.check_schema(schema)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            hash: model_hash(dir)?,
            config,
        })
    }
}

/// SHA-256 of a model folder's config and weights, as 16 hex digits: the model's identity.
///
/// Hashes `config.json`, then each trained bin's weights in bin order, each prefixed by its
/// length; the card files are left out, so rewriting a card keeps the identity.
pub fn model_hash(dir: &Path) -> Result<String, ModelError> {
    let config = ModelConfig::load(dir)?;
    let mut h = Sha256::new();
    let mut add = |p: &Path| -> Result<(), ModelError> {
        let bytes = std::fs::read(p).map_err(|source| ModelError::Read {
            path: p.to_path_buf(),
            source,
        })?;
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
        Ok(())
    };
    add(&dir.join(super::config::CONFIG_FILE))?;
    for (k, &t) in config.trained.iter().enumerate() {
        if t {
            add(&weights_of(dir, &config, k)?)?;
        }
    }
    Ok(crate::hashing::short_hex(h))
}
