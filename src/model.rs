//! The multi U-Net of the MineralClassifier study in burn: the network, one per pixel-scale
//! bin with routing by µm/px, the model folder format, inference with tiling and uncertainty,
//! training, and import of the study's PyTorch weights. burn lives here and in `jobs` only.

pub mod backend;
pub mod card;
pub mod config;
pub mod engine;
pub mod export;
pub mod fused;
pub mod import;
pub mod infer;
pub mod input;
pub mod multi;
pub mod tiling;
pub mod train;
pub mod unet;

pub use backend::BackendKind;
pub use config::{ModelConfig, ModelKind, Route};
pub use multi::MultiUNet;
pub use unet::{UNet, UNetConfig};
