//! Choosing a new model's config: what `train` and a retrain ask for (`ConfigRequest`),
//! filled in from the `--init` model being fine-tuned or from the defaults. The model layer
//! decides these; the CLI only parses flags into a request.

use super::{DROPOUT_FROM_NOTHING, FORMAT_VERSION, InputNorm, ModelConfig, ModelKind};
use crate::dataset::{ClassSchema, ScaleBins};
use crate::model::UNetConfig;

/// A fresh model's config for `schema` over `bins`: one U-Net per bin, all to be trained, or
/// the study's single-U-Net baseline when `single` (then `bins` should be one bin).
pub fn new_config(
    schema: &ClassSchema,
    bins: ScaleBins,
    width: usize,
    dropout: f64,
    single: bool,
    input: InputNorm,
) -> ModelConfig {
    ModelConfig {
        format_version: FORMAT_VERSION,
        kind: if single {
            ModelKind::SingleUnet
        } else {
            ModelKind::MultiUnet
        },
        unet: UNetConfig::new(schema.len())
            .with_width(width)
            .with_dropout(dropout),
        schema: schema.clone(),
        trained: vec![true; bins.len()],
        bins,
        input,
        tile: 256,
        overlap: 32,
    }
}

/// The shape a new model is asked for; each `None` falls back to the `init` model's value,
/// then to the default: bins to the workspace's stored edges, else one bin; width 16;
/// [`DROPOUT_FROM_NOTHING`]; per-site input.
#[derive(Debug, Clone, Default)]
pub struct ConfigRequest {
    /// One U-Net for all pixel sizes: the bins are then always one bin.
    pub single: bool,
    /// Scale-bin edges in µm/px (`--bins`).
    pub bins: Option<ScaleBins>,
    /// U-Net base width `b` (`--width`); must match an `init` model's.
    pub width: Option<usize>,
    /// Channel-dropout probability (`--dropout`).
    pub dropout: Option<f64>,
    /// How grey levels become input; defaults to per-site percentile levels for a new model.
    pub input: Option<InputNorm>,
}

/// A width asked for that the `--init` model's weights cannot take.
#[derive(Debug, thiserror::Error)]
#[error(
    "--width {asked} does not fit the --init model, whose U-Nets have width {init}: leave --width out"
)]
pub struct WidthMismatch {
    /// The width asked for.
    pub asked: usize,
    /// The `--init` model's width.
    pub init: usize,
}

/// The config of a model to train as `request` asks, starting from `init`'s config when
/// fine-tuning; `stored` is the workspace's bin edges.
pub fn choose_config(
    schema: &ClassSchema,
    request: &ConfigRequest,
    init: Option<&ModelConfig>,
    stored: Option<ScaleBins>,
) -> Result<ModelConfig, WidthMismatch> {
    let bins = if request.single {
        ScaleBins::single()
    } else {
        request
            .bins
            .clone()
            .or_else(|| init.map(|c| c.bins.clone()))
            .or(stored)
            .unwrap_or_else(ScaleBins::single)
    };
    let (width, dropout) = match init {
        None => (
            request.width.unwrap_or(16),
            request.dropout.unwrap_or(DROPOUT_FROM_NOTHING),
        ),
        Some(init) => {
            if let Some(asked) = request.width.filter(|&w| w != init.unet.width) {
                return Err(WidthMismatch {
                    asked,
                    init: init.unet.width,
                });
            }
            (
                init.unet.width,
                request.dropout.unwrap_or(init.unet.dropout),
            )
        }
    };
    let input = request
        .input
        .or(init.map(|c| c.input))
        .unwrap_or_else(InputNorm::per_site);
    Ok(new_config(
        schema,
        bins,
        width,
        dropout,
        request.single,
        input,
    ))
}
