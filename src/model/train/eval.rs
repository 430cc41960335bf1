//! Validation and test metrics of a network on labelled images, through the same tiled
//! inference as prediction.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dataset::load::LabelledImage;
use crate::metrics::Confusion;
use crate::model::config::ModelConfig;
use crate::model::engine::Engine;
use crate::model::fused::FusedUNet;
use crate::model::infer::{Nets, classify};
use crate::model::multi::use_engine;
use crate::model::unet::UNet;

/// Headline metrics of a confusion matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalSummary {
    /// Labelled pixels scored.
    pub pixels: u64,
    /// Correct over scored pixels; `None` when nothing was scored.
    pub pixel_accuracy: Option<f64>,
    /// Mean of the defined per-class IoUs: the score that picks the best epoch.
    pub mean_iou: Option<f64>,
    /// IoU per class id; `None` for classes absent from truth and prediction.
    pub per_class_iou: Vec<Option<f64>>,
}

impl From<&Confusion> for EvalSummary {
    fn from(m: &Confusion) -> Self {
        Self {
            pixels: m.total(),
            pixel_accuracy: m.pixel_accuracy(),
            mean_iou: m.mean_iou(),
            per_class_iou: (0..m.classes()).map(|c| m.iou(c)).collect(),
        }
    }
}

/// Confusion matrix of `net` (inference mode) on `images`.
///
/// Each image is classified whole, tile by tile, as `predict` does (folded network, CPU
/// engine where `predict` would use it), and its mask added pixel by pixel; unlabelled mask
/// pixels are not counted.
pub fn evaluate(
    cfg: &ModelConfig,
    net: &UNet,
    images: &[LabelledImage],
    device: &Device,
) -> Confusion {
    let n = cfg.schema.len();
    let mut m = Confusion::new(n);
    // Validation runs like `predict` does: folded, on the CPU engine where that is used.
    let fused = use_engine(device).then(|| FusedUNet::from_unet(net));
    let engine = fused.as_ref().map(Engine::from_fused);
    let nets = Nets {
        unet: net,
        fused: fused.as_ref(),
        engine: engine.as_ref(),
    };
    for s in images {
        let pred = classify(cfg, nets, s, false, device);
        m.add_masks(&s.mask, &pred.classes);
    }
    m
}
