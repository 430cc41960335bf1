//! Import of the MineralClassifier study's PyTorch weights (`torch.save(model.state_dict())`).
//!
//! `UNet_1` keys (`conv1.0.weight`, `conv1.1.running_mean`, `upconv3.weight`,
//! `conv7.7.weight`, …) map onto [`UNet`]'s fields: in each `convN` Sequential, index 0/3
//! are the convs (`conv_a`/`conv_b`), 1/4 the batch norms (`bn_a`/`bn_b`), and `conv7.7` is
//! the 1×1 head. `UNet_2` holds two of them under `small_unet.` (pixel size ≤ threshold) and
//! `large_unet.` (> threshold); the threshold is not in the file and must be given. Inputs are
//! grey levels / 255 with no mean or std, as the study's `ToTensor()`.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::pytorch::PytorchReader;
use burn::store::{ModuleSnapshot, ModuleStore, PytorchStore, SafetensorsStore};

use super::config::{FORMAT_VERSION, InputNorm, ModelConfig, ModelKind};
use super::multi::MultiUNet;
use super::unet::{UNet, UNetConfig};
use crate::dataset::{ClassSchema, ScaleBins};

/// Why a state dict cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read PyTorch file '{path}': {message}")]
    Read { path: PathBuf, message: String },
    #[error(
        "'{path}' is not a MineralClassifier U-Net state dict: no '{key}' tensor (found keys like {sample})"
    )]
    NotAUNet {
        path: PathBuf,
        key: String,
        sample: String,
    },
    #[error(
        "'{path}': the state dict has {classes} output classes, the schema has {schema}: pass --schema with matching classes"
    )]
    Classes {
        path: PathBuf,
        classes: usize,
        schema: usize,
    },
    #[error("'{path}': {message}")]
    Apply { path: PathBuf, message: String },
    #[error(
        "'{path}' holds two U-Nets (UNet_2): give the study's threshold with --threshold (1.8 µm/px in the later release, 0.25 in the first study)"
    )]
    NeedsThreshold { path: PathBuf },
}

/// Layout of a state dict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateDictKind {
    /// One U-Net, keys at the top level.
    UNet1,
    /// `small_unet.*` and `large_unet.*`.
    UNet2,
}

/// Width, class count and layout read from the tensor shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateDictInfo {
    /// One U-Net or the study's pair.
    pub kind: StateDictKind,
    /// Base channel width `b`: output channels of the first convolution (`conv1.0.weight`'s
    /// first dimension).
    pub width: usize,
    /// Output classes: the head's (`conv7.7.weight`'s) first dimension.
    pub classes: usize,
}

/// Inspects a state dict without building a model.
///
/// Reads only tensor shapes, from a PyTorch pickle or a safetensors file (chosen by the
/// `.safetensors` extension). A `UNet_2` file is recognised by `small_unet.conv1.0.weight`;
/// its width and classes are read from the small network.
pub fn inspect(path: &Path) -> Result<StateDictInfo, ImportError> {
    let shapes = shapes(path)?;
    let kind = if shapes.contains_key("small_unet.conv1.0.weight") {
        StateDictKind::UNet2
    } else {
        StateDictKind::UNet1
    };
    let prefix = if kind == StateDictKind::UNet2 {
        "small_unet."
    } else {
        ""
    };
    let dims = |key: &str| -> Result<Vec<usize>, ImportError> {
        let full = format!("{prefix}{key}");
        shapes
            .get(&full)
            .cloned()
            .ok_or_else(|| ImportError::NotAUNet {
                path: path.into(),
                key: full,
                sample: shapes
                    .keys()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    };
    let first = dims("conv1.0.weight")?;
    let head = dims("conv7.7.weight")?;
    Ok(StateDictInfo {
        kind,
        width: first[0],
        classes: head[0],
    })
}

/// Whether `path` is a safetensors file (`semcurate export-model` writes them) rather than a
/// PyTorch pickle (`torch.save`).
fn is_safetensors(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("safetensors"))
}

/// Tensor shapes by key.
fn shapes(path: &Path) -> Result<std::collections::BTreeMap<String, Vec<usize>>, ImportError> {
    let read = |message: String| ImportError::Read {
        path: path.into(),
        message,
    };
    if is_safetensors(path) {
        let mut store = SafetensorsStore::from_file(path);
        let all = store.get_all_tensors().map_err(|e| read(e.to_string()))?;
        return Ok(all
            .iter()
            .map(|(k, t)| (k.clone(), t.shape.to_vec()))
            .collect());
    }
    let reader = PytorchReader::new(path).map_err(|e| read(e.to_string()))?;
    Ok(reader
        .keys()
        .into_iter()
        .filter_map(|k| Some((k.clone(), reader.get(&k)?.shape.to_vec())))
        .collect())
}

/// Loads one U-Net whose keys start with `prefix` (`""`, `small_unet.` or `large_unet.`).
///
/// Every tensor of the network must be found under the study's key names; a missing one is an
/// [`ImportError::Apply`] naming the first six. Keys of the file that the network does not
/// use (the other U-Net of a pair) are ignored.
pub fn load_unet(
    path: &Path,
    prefix: &str,
    cfg: &UNetConfig,
    device: &Device,
) -> Result<UNet, ImportError> {
    let p = regex_escape(prefix);
    let rules = [
        (format!("^{p}"), ""),
        (r"^conv([1-7])\.0\.".into(), "conv$1.conv_a."),
        (r"^conv([1-7])\.1\.".into(), "conv$1.bn_a."),
        (r"^conv([1-7])\.3\.".into(), "conv$1.conv_b."),
        (r"^conv([1-7])\.4\.".into(), "conv$1.bn_b."),
        (r"^conv7\.7\.".into(), "head."),
    ];
    let mut net = cfg.init(device);
    let applied = if is_safetensors(path) {
        let mut store = SafetensorsStore::from_file(path)
            .with_from_adapter(burn::store::PyTorchToBurnAdapter)
            .allow_partial(true);
        for (from, to) in &rules {
            store = store.with_key_remapping(from, *to);
        }
        net.load_from(&mut store).map_err(|e| e.to_string())
    } else {
        let mut store = PytorchStore::from_file(path).allow_partial(true);
        for (from, to) in &rules {
            store = store.with_key_remapping(from, *to);
        }
        net.load_from(&mut store).map_err(|e| e.to_string())
    };
    let result = applied.map_err(|message| ImportError::Apply {
        path: path.into(),
        message,
    })?;
    if !result.missing.is_empty() || !result.errors.is_empty() {
        let missing: Vec<&str> = result
            .missing
            .iter()
            .map(|(k, _)| k.as_str())
            .take(6)
            .collect();
        return Err(ImportError::Apply {
            path: path.into(),
            message: format!(
                "{} tensors missing ({}), {} errors: {:?}",
                result.missing.len(),
                missing.join(", "),
                result.errors.len(),
                result.errors.first()
            ),
        });
    }
    Ok(net)
}

/// `s` with every character but ASCII letters, digits and `_` backslash-escaped for a regex.
fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                vec![c]
            } else {
                vec!['\\', c]
            }
        })
        .collect()
}

/// Imports a state dict as a model: `UNet_1` becomes a single U-Net, `UNet_2` a two-bin multi
/// U-Net split at `threshold` µm/px.
///
/// The file's class count must equal the schema's ([`ImportError::Classes`] otherwise); the
/// schema's class order is taken to be the study's output order. Input scaling is the
/// study's (grey level / 255); inference tiles are 256 px with a 32-px overlap.
pub fn import(
    path: &Path,
    schema: &ClassSchema,
    threshold: Option<f64>,
    device: &Device,
) -> Result<MultiUNet, ImportError> {
    let info = inspect(path)?;
    if info.classes != schema.len() {
        return Err(ImportError::Classes {
            path: path.into(),
            classes: info.classes,
            schema: schema.len(),
        });
    }
    let unet = UNetConfig::new(info.classes).with_width(info.width);
    let (kind, bins, nets) = match info.kind {
        StateDictKind::UNet1 => (
            ModelKind::SingleUnet,
            ScaleBins::single(),
            vec![Some(load_unet(path, "", &unet, device)?)],
        ),
        StateDictKind::UNet2 => {
            let t = threshold.ok_or_else(|| ImportError::NeedsThreshold { path: path.into() })?;
            let bins = ScaleBins::new(vec![t]).map_err(|e| ImportError::Apply {
                path: path.into(),
                message: e.to_string(),
            })?;
            let small = load_unet(path, "small_unet.", &unet, device)?;
            let large = load_unet(path, "large_unet.", &unet, device)?;
            (ModelKind::MultiUnet, bins, vec![Some(small), Some(large)])
        }
    };
    let config = ModelConfig {
        format_version: FORMAT_VERSION,
        kind,
        schema: schema.clone(),
        trained: vec![true; bins.len()],
        bins,
        unet,
        input: InputNorm::default(),
        tile: 256,
        overlap: 32,
    };
    Ok(MultiUNet::new(config, nets, device.clone()))
}
