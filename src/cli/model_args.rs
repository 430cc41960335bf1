//! Arguments shared by commands that use a model: which model folder, which backend.

use std::path::PathBuf;

use anyhow::Context;

use crate::dataset::ClassSchema;
use crate::model::BackendKind;
use crate::model::multi::ModelInfo;

/// The shipped model, relative to the working directory or to the source tree of this build.
const DEFAULT_MODEL: &str = "models/default";

#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// Model folder (config.json + weights) [default: $SEMCURATE_MODEL, else models/default].
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Compute backend: flex or ndarray (CPU), cuda when built with --features cuda.
    #[arg(long, default_value = "flex", value_name = "NAME")]
    pub backend: BackendKind,
}

impl ModelArgs {
    /// The model folder to use.
    pub fn model_dir(&self) -> PathBuf {
        if let Some(m) = &self.model {
            return m.clone();
        }
        if let Some(env) = std::env::var_os("SEMCURATE_MODEL") {
            return PathBuf::from(env);
        }
        default_model_dir()
    }

    /// The model folder's config (checked against the dataset's `schema`) and identity.
    pub fn info(&self, schema: &ClassSchema) -> anyhow::Result<ModelInfo> {
        let dir = self.model_dir();
        ModelInfo::for_dataset(&dir, schema)
            .with_context(|| format!("cannot read model '{}'", dir.display()))
    }
}

/// `models/default` in the working directory if it exists, else in this build's source tree.
pub fn default_model_dir() -> PathBuf {
    let here = PathBuf::from(DEFAULT_MODEL);
    if here.join(crate::model::config::CONFIG_FILE).is_file() {
        here
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_MODEL)
    }
}
