//! The dataset on disk: the MineralClassifier layout (the only module that knows its folder
//! names), images, masks, pixel sizes, class schemas, scale bins, splits, and the workspace
//! store where the tool keeps everything it derives. Nothing here writes into a dataset folder.

pub mod bins;
pub mod groups;
pub mod guard;
pub mod lock;
pub mod pixel_size;
pub mod raster;
pub mod schema;

pub use bins::ScaleBins;
pub use schema::{ClassId, ClassSchema};
pub mod decision;
pub mod image;
pub mod index;
pub mod item;
pub mod layout;
pub mod load;
pub mod prediction;
pub mod problems;
pub mod split;
pub mod workspace;
