//! Export of a model folder to the MineralClassifier study's PyTorch classes: per scale bin, a
//! state dict with the study's `UNet_1` key names (`conv1.0.weight`, `conv1.1.running_mean`,
//! `upconv3.weight`, `conv7.7.weight`, …; `BatchNorm` `weight`/`bias`/`running_mean`/
//! `running_var`) as safetensors, the inverse of [`super::import`]. A model of exactly two
//! bins is also written as one `UNet_2` state dict (`small_unet.*` for the bin at or below the
//! edge, `large_unet.*` above it). A README says how the study's code loads them.
//!
//! Input stays what the study feeds (grey levels / 255), so an exported model reads images as
//! the study's `ToTensor()` gives them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use burn::store::{BurnToPyTorchAdapter, ModuleSnapshot, SafetensorsStore};

use super::multi::{ModelError, MultiUNet};
use super::unet::UNet;

/// One written state dict.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExportedFile {
    /// Where it was written: `bin{k}.safetensors` per trained bin, `unet2.safetensors` for the
    /// two-bin pair.
    pub file: PathBuf,
    /// `UNet_1` or `UNet_2`.
    pub class: &'static str,
    /// The bins it holds, and their pixel sizes (e.g. `≤ 1.8 µm/px`).
    pub bins: Vec<(usize, String)>,
}

/// Writes `model`'s networks under `out` (which must hold none of the files yet).
///
/// Bins without a trained U-Net write nothing; `unet2.safetensors` is added only when the
/// model has exactly two bins and both are trained. `README.md` is written last. Each file is
/// written under a temporary name and renamed into place, so a crash leaves no half file.
pub fn export_model(model: &MultiUNet, out: &Path) -> Result<Vec<ExportedFile>, ModelError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ModelError::Io { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let cfg = &model.config;
    let mut files = Vec::new();
    for (k, net) in model.nets.iter().enumerate() {
        let Some(net) = net else { continue };
        let file = out.join(format!("bin{k}.safetensors"));
        write(net, "", &file)?;
        files.push(ExportedFile {
            file,
            class: "UNet_1",
            bins: vec![(k, cfg.bins.label(k))],
        });
    }
    if let [Some(small), Some(large)] = model.nets.as_slice() {
        let file = out.join("unet2.safetensors");
        write_pair(small, large, &file)?;
        files.push(ExportedFile {
            file,
            class: "UNet_2",
            bins: (0..2).map(|k| (k, cfg.bins.label(k))).collect(),
        });
    }
    let readme = out.join("README.md");
    crate::fsutil::write_atomic(&readme, readme_text(model, &files).as_bytes())
        .map_err(io(&readme))?;
    Ok(files)
}

/// Study key names for one U-Net, under `prefix` (`""`, `small_unet.`, `large_unet.`).
fn study_store(path: &Path, prefix: &str) -> SafetensorsStore {
    SafetensorsStore::from_file(path)
        .with_to_adapter(BurnToPyTorchAdapter)
        .with_key_remapping(r"^conv([1-7])\.conv_a\.", format!("{prefix}conv$1.0."))
        .with_key_remapping(r"^conv([1-7])\.bn_a\.", format!("{prefix}conv$1.1."))
        .with_key_remapping(r"^conv([1-7])\.conv_b\.", format!("{prefix}conv$1.3."))
        .with_key_remapping(r"^conv([1-7])\.bn_b\.", format!("{prefix}conv$1.4."))
        .with_key_remapping(r"^head\.", format!("{prefix}conv7.7."))
        .with_key_remapping(r"^(upconv[1-3])\.", format!("{prefix}$1."))
        .metadata("format", "pt")
}

/// Writes one U-Net beside `file` and renames it into place.
fn write(net: &UNet, prefix: &str, file: &Path) -> Result<(), ModelError> {
    let tmp = temp_of(file);
    let mut store = study_store(&tmp, prefix).overwrite(true);
    net.save_into(&mut store).map_err(|e| ModelError::Weights {
        path: file.to_path_buf(),
        message: e.to_string(),
    })?;
    std::fs::rename(&tmp, file).map_err(|source| ModelError::Io {
        path: file.to_path_buf(),
        source,
    })
}

/// `UNet_2`: both nets' tensors, prefixed, in one file (written through two temporary
/// single-net files merged by their safetensors headers).
fn write_pair(small: &UNet, large: &UNet, file: &Path) -> Result<(), ModelError> {
    let parts = [(small, "small_unet."), (large, "large_unet.")];
    let mut tensors = Vec::new();
    for (i, (net, prefix)) in parts.into_iter().enumerate() {
        let part = file.with_extension(format!("part{i}"));
        write(net, prefix, &part)?;
        let bytes = std::fs::read(&part).map_err(|source| ModelError::Read {
            path: part.clone(),
            source,
        })?;
        let _ = std::fs::remove_file(&part);
        tensors.push(bytes);
    }
    let merged = merge_safetensors(&tensors).map_err(|message| ModelError::Weights {
        path: file.to_path_buf(),
        message,
    })?;
    crate::fsutil::write_atomic(file, &merged).map_err(|source| ModelError::Io {
        path: file.to_path_buf(),
        source,
    })
}

/// `.NAME.tmp` beside `file`: hidden, and in the same folder so the rename is atomic.
fn temp_of(file: &Path) -> PathBuf {
    let name = file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    file.with_file_name(format!(".{name}.tmp"))
}

/// One safetensors file holding every tensor of `files` (keys must not collide).
///
/// Layout of the result (the safetensors format): 8 bytes little-endian header length, the
/// JSON header (tensor name → dtype, shape, `data_offsets` into the data section), then the
/// tensors' bytes back to back. Offsets are rewritten for the merged data; the last file's
/// `__metadata__` wins.
fn merge_safetensors(files: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    for bytes in files {
        let (h, body) = split(bytes)?;
        for (key, mut v) in h {
            if key == "__metadata__" {
                header.insert(key, v);
                continue;
            }
            let offsets = v
                .get("data_offsets")
                .and_then(|o| o.as_array())
                .and_then(|o| Some((o.first()?.as_u64()?, o.get(1)?.as_u64()?)))
                .ok_or_else(|| format!("tensor '{key}' has no data_offsets"))?;
            let (a, b) = (offsets.0 as usize, offsets.1 as usize);
            let slice = body
                .get(a..b)
                .ok_or_else(|| format!("tensor '{key}' lies outside the file"))?;
            let start = data.len() as u64;
            data.extend_from_slice(slice);
            v["data_offsets"] = serde_json::json!([start, data.len() as u64]);
            if header.insert(key.clone(), v).is_some() {
                return Err(format!("tensor '{key}' twice"));
            }
        }
    }
    let mut text = serde_json::to_vec(&header).map_err(|e| e.to_string())?;
    // The header is padded with spaces to a multiple of 8 bytes, as the format advises.
    while text.len() % 8 != 0 {
        text.push(b' ');
    }
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend(text);
    out.extend(data);
    Ok(out)
}

/// A safetensors file's JSON header and data section.
fn split(bytes: &[u8]) -> Result<(serde_json::Map<String, serde_json::Value>, &[u8]), String> {
    let n = bytes
        .get(..8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_le_bytes)
        .ok_or("a safetensors file shorter than its header length")? as usize;
    let header = bytes
        .get(8..8 + n)
        .ok_or("a safetensors header past the file's end")?;
    let map = serde_json::from_slice(header).map_err(|e| format!("bad safetensors header: {e}"))?;
    Ok((map, &bytes[8 + n..]))
}

/// `README.md` of an export: which file holds which bins, and how the study's code loads them.
fn readme_text(model: &MultiUNet, files: &[ExportedFile]) -> String {
    let cfg = &model.config;
    let mut s = format!(
        "# MineralClassifier weights exported by semcurate {}\n\n\
         U-Net width {}, {} classes ({}), dropout {}. Input: one grey channel, grey level / 255\n\
         (the study's `ToTensor()`), no mean or std.\n\n| file | class | bins (µm/px) |\n|---|---|---|\n",
        env!("CARGO_PKG_VERSION"),
        cfg.unet.width,
        cfg.schema.len(),
        cfg.schema
            .classes
            .iter()
            .map(|c| c.short.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        cfg.unet.dropout,
    );
    s += &input_note(&cfg.input);
    for f in files {
        let name = f
            .file
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned());
        let bins: Vec<String> = f
            .bins
            .iter()
            .map(|(k, r)| format!("bin {k}: {r}"))
            .collect();
        let _ = writeln!(s, "| `{name}` | `{}` | {} |", f.class, bins.join("; "));
    }
    s += "\nIn the study's code (`utils/unet.py`; its `UNet_1` has base width 64: for another\n\
width build the same layers with 64, 128, 256, 512 replaced by b, 2b, 4b, 8b), with the\n\
`safetensors` package:\n\n```python\n\
from safetensors.torch import load_file\n\
net = UNet_1()                                    # one bin\n\
net.load_state_dict(load_file(\"bin0.safetensors\"))\n\
net2 = UNet_2()                                   # two bins\n\
net2.threshold_default = EDGE                     # the bin edge in µm/px, table above\n\
net2.load_state_dict(load_file(\"unet2.safetensors\"))\n\
net.eval(); net2.eval()\n```\n\n\
`num_batches_tracked` is not stored: PyTorch fills it in on loading. Route each image to the\n\
network of its pixel size's bin (the table above); `semcurate convert-weights FILE` reads\n\
these files back (`--threshold` for `unet2.safetensors`).\n";
    s
}

/// How the model wants its input, for a reader of the README: nothing for absolute grey
/// levels / 255 (the study's), the per-image or per-site percentile rule otherwise.
fn input_note(input: &super::config::InputNorm) -> String {
    let mut s = String::new();
    if let Some([lo, hi]) = input.percentiles
        && input.wants_site()
    {
        let _ = writeln!(
            s,
            "**This model normalises each site on its own**: the input is `(v − lo) / (hi − lo)`\n\
             with `v` the grey level and `lo`, `hi` the grey levels at the {lo}th and {hi}th\n\
             percentiles of all the pixels of every image of the image's site (its split group,\n\
             the part of the name before the first `-`: the tiles of one acquisition), e.g.\n\
             `numpy.percentile(np.concatenate([i.ravel() for i in site]), [{lo}, {hi}],\n\
             method=\"inverted_cdf\")`, not `v / 255`: do the same before the network.\n"
        );
    } else if let Some([lo, hi]) = input.percentiles {
        let _ = writeln!(
            s,
            "**This model normalises each image on its own**: the input is `(v − lo) / (hi − lo)`\n\
             with `v` the grey level and `lo`, `hi` the whole image's grey levels at the {lo}th and\n\
             {hi}th percentiles (`numpy.percentile(image, [{lo}, {hi}], method=\"inverted_cdf\")`),\n\
             not `v / 255`: do the same before the network.\n"
        );
    }
    s
}
