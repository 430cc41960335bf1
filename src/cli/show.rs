//! `semcurate show IMAGE`: print one image with an overlay to the terminal and exit.

use super::Outcome;

/// Print one image, optionally with its mask or stored prediction as an overlay.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The image file.
    pub image: std::path::PathBuf,
}

pub fn run(_args: &Args) -> anyhow::Result<Outcome> {
    anyhow::bail!("`show` is being built")
}
