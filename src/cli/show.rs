//! `semcurate show IMAGE`: print one image with an overlay to the terminal and exit.
//!
//! The overlays come from the indexed dataset the image lies in: its current label (the mask
//! file with the workspace's corrections replayed, or an accepted proposal),
//! its prediction from the workspace's store. The picture is composed exactly as the TUI
//! composes it (`tui::render::compose`), so `--out` gives the TUI's pixels as a PNG.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::dataset::ClassSchema;
use crate::dataset::guard::{check_not_input, check_output};
use crate::dataset::image::IndexedImage;
use crate::dataset::prediction::StoredPrediction;
use crate::dataset::raster::{DecodeLimits, Grey8, read_grey8};
use crate::dataset::workspace::Workspace;
use crate::labels::current::current_of;
use crate::model::multi::model_hash;
use crate::tui::render::{Layers, Overlay, Rgb, compose};
use crate::tui::theme::Theme;

use super::Outcome;
use super::common::show;

/// Print one image in the terminal, optionally with its mask, the stored prediction, the
/// prediction's errors or its uncertainty drawn over it.
///
/// The mask and prediction are looked up in the indexed dataset that holds the image (the
/// nearest folder above it with a .semcurate workspace), so run `semcurate index` (and
/// `semcurate predict` for pred, error and uncertainty) first. The error overlay shows the true
/// class colour where the prediction is wrong and darkens the rest; uncertainty is MC-dropout
/// disagreement when it was stored, else 1 − the top-two margin. Printed through viuer: kitty,
/// iTerm2 or sixel graphics where the terminal has them, else coloured half blocks (also when
/// stdout is not a terminal).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  semcurate show datasets/demo/10003/input-images/10003_s01-t01.png --overlay mask\n  semcurate show IMAGE.png --overlay error --model models/default --width 60\n  semcurate show IMAGE.tif --overlay uncertainty --theme colorblind --out unc.png\n\nExit codes: 0 shown, 2 could not show (unreadable image, no dataset, mask or prediction)."
)]
pub struct Args {
    /// The image file (PNG or TIFF).
    pub image: PathBuf,
    /// What to draw over the image.
    #[arg(long, value_enum, default_value = "none")]
    pub overlay: OverlayArg,
    /// Overlay strength: 0 the image only, 1 the overlay colours only (errors are always
    /// drawn at full strength).
    #[arg(long, default_value_t = 0.5, value_parser = unit_interval, value_name = "0..1")]
    pub opacity: f32,
    /// Width in terminal columns [default: as wide as fits the terminal].
    #[arg(long, value_name = "COLS")]
    pub width: Option<u32>,
    /// Colours: default, colorblind, light, a NAME.toml in the config folder's themes/, or a
    /// .toml path.
    #[arg(long, default_value = "default", value_name = "NAME|FILE")]
    pub theme: String,
    /// Model folder whose stored prediction is drawn [default: $SEMCURATE_MODEL, else
    /// models/default].
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Write the composed picture (full resolution) to this PNG file instead of printing it.
    #[arg(long, value_name = "FILE.png")]
    pub out: Option<PathBuf>,
}

/// `--overlay` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OverlayArg {
    /// The image alone.
    None,
    /// The mask's class colours.
    Mask,
    /// The stored prediction's class colours.
    #[value(alias = "prediction")]
    Pred,
    /// The true class colour where the prediction is wrong.
    Error,
    /// The model's uncertainty as a heat map.
    Uncertainty,
}

impl From<OverlayArg> for Overlay {
    /// The flag's overlay as the renderer's (`pred` is the prediction).
    fn from(o: OverlayArg) -> Self {
        match o {
            OverlayArg::None => Self::None,
            OverlayArg::Mask => Self::Mask,
            OverlayArg::Pred => Self::Prediction,
            OverlayArg::Error => Self::Error,
            OverlayArg::Uncertainty => Self::Uncertainty,
        }
    }
}

/// Parses `--opacity`: a number from 0 to 1.
fn unit_interval(s: &str) -> Result<f32, String> {
    match s.trim().parse::<f32>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("'{s}' is not an opacity from 0 to 1")),
    }
}

/// Decodes the image as 8-bit grey, composes it with the overlay under the theme, then either
/// writes a PNG to `--out` (refused inside the image's dataset) or prints it to the terminal
/// with viuer (graphics where the terminal has them, else coloured half blocks). Overlays
/// other than `none` need the image to be indexed.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let (image, _) = read_grey8(&args.image, DecodeLimits::default())
        .with_context(|| format!("cannot read image '{}'", show(&args.image)))?;
    let overlay = Overlay::from(args.overlay);
    let config = dirs::config_dir().map(|d| d.join("semcurate"));
    let theme = Theme::resolve(&args.theme, config.as_deref())?;
    let rgb = if overlay == Overlay::None {
        compose(
            &Layers::image(&image),
            overlay,
            args.opacity,
            &theme,
            &ClassSchema::default(),
        )
    } else {
        compose_overlay(args, &image, overlay, &theme)?
    };
    let picture = to_image(rgb)?;
    if let Some(out) = &args.out {
        check_not_input(out, &args.image)?;
        if let Some(root) = protected_root(&args.image) {
            check_output(out, &root, &Workspace::default_dir(&root))?;
        }
        picture
            .save_with_format(out, image::ImageFormat::Png)
            .with_context(|| format!("cannot write '{}'", show(out)))?;
        eprintln!("wrote {}", show(out));
    } else {
        // Off a terminal, skip viuer's graphics queries: they would land in the pipe.
        let tty = std::io::stdout().is_terminal();
        let config = viuer::Config {
            width: args.width,
            absolute_offset: false,
            use_kitty: tty,
            use_iterm: tty,
            ..viuer::Config::default()
        };
        match viuer::print(&picture, &config) {
            // A reader that stops early (`| head`) is not an error.
            Err(viuer::ViuError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            r => {
                r.context("cannot print the image to the terminal")?;
            }
        }
    }
    Ok(Outcome::Clean)
}

/// The image composed with an overlay that needs the dataset.
fn compose_overlay(
    args: &Args,
    image: &Grey8,
    overlay: Overlay,
    theme: &Theme,
) -> anyhow::Result<Rgb> {
    let found = find_in_dataset(&args.image)?;
    let name = show(&args.image);
    let schema = ClassSchema::for_dataset(&found.root)?;
    let mask = if matches!(overlay, Overlay::Mask | Overlay::Error) {
        // The current label: the mask file with the workspace's corrections, or an accepted
        // proposal, as training and export see it.
        let label = current_of(&found.ws, &found.root, &found.row, &schema)
            .map_err(|e| anyhow::anyhow!("cannot read the mask of '{name}': {e}"))?
            .with_context(|| {
                format!(
                    "'{name}' has no mask in dataset '{}' (no file, nothing corrected or accepted): choose --overlay none or pred",
                    show(&found.root)
                )
            })?;
        check_size("mask", &name, image, label.classes.len())?;
        Some(label.classes)
    } else {
        None
    };
    let prediction = if matches!(
        overlay,
        Overlay::Prediction | Overlay::Error | Overlay::Uncertainty
    ) {
        Some(stored_prediction(args, &found, image)?)
    } else {
        None
    };
    let p = prediction.as_ref();
    let layers = Layers {
        image,
        mask: mask.as_deref(),
        prediction: p.map(|p| &p.classes[..]),
        margin: p.map(|p| &p.margin[..]),
        disagreement: p.and_then(|p| p.disagreement.as_deref()),
        original: None,
    };
    Ok(compose(&layers, overlay, args.opacity, theme, &schema))
}

/// The stored prediction of the image by the chosen model.
fn stored_prediction(
    args: &Args,
    found: &Found,
    image: &Grey8,
) -> anyhow::Result<StoredPrediction> {
    let name = show(&args.image);
    let dir = args
        .model
        .clone()
        .or_else(|| std::env::var_os("SEMCURATE_MODEL").map(PathBuf::from))
        .unwrap_or_else(super::model_args::default_model_dir);
    let hash = model_hash(&dir).with_context(|| {
        format!(
            "cannot read model '{}': pass --model DIR with the model that predicted '{name}'",
            show(&dir)
        )
    })?;
    let p = found.ws.prediction(found.row.id, &hash)?.with_context(|| {
        format!(
            "no stored prediction for '{name}' by model {hash} ('{}'): run `semcurate predict {} --model {}`",
            show(&dir),
            show(&found.root),
            show(&dir)
        )
    })?;
    check_size("prediction", &name, image, p.classes.len())?;
    if p.image_fp != found.row.image_fp {
        eprintln!(
            "warning: the prediction for '{name}' was made before the image last changed: run `semcurate predict {}` again",
            show(&found.root)
        );
    }
    Ok(p)
}

/// Refuses a mask or prediction whose pixel count is not the image's: the files changed since
/// indexing.
fn check_size(what: &str, name: &str, image: &Grey8, len: usize) -> anyhow::Result<()> {
    if len != image.pixels.len() {
        anyhow::bail!(
            "the {what} of '{name}' has {len} pixels, the image {}x{} has {}: run `semcurate index` again",
            image.width,
            image.height,
            image.pixels.len()
        );
    }
    Ok(())
}

/// An indexed image: its dataset root, the open workspace and its index row.
struct Found {
    /// The dataset root whose workspace indexes the image.
    root: PathBuf,
    /// That workspace, open.
    ws: Workspace,
    /// The image's index row.
    row: IndexedImage,
}

/// The folder `show --out` must not write into: the indexed dataset that holds the image,
/// else the image's sample folder (`SAMPLE/input-images/NAME`); `None` for an image outside
/// any dataset layout (only the image itself is then protected).
fn protected_root(image: &Path) -> Option<PathBuf> {
    let canonical = image.canonicalize().unwrap_or_else(|_| image.to_path_buf());
    if let Some(root) = canonical
        .ancestors()
        .skip(1)
        .find(|d| Workspace::default_dir(d).is_dir())
    {
        return Some(root.to_path_buf());
    }
    let folder = canonical.parent()?;
    let layout = folder
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(crate::dataset::layout::is_data_folder);
    layout
        .then(|| folder.parent().map(Path::to_path_buf))
        .flatten()
}

/// Walks up from `image` to the nearest dataset root with a workspace that indexes it; an
/// error names the nearest workspace found when none indexes the image.
fn find_in_dataset(image: &Path) -> anyhow::Result<Found> {
    let name = show(image);
    let canonical = image
        .canonicalize()
        .with_context(|| format!("cannot resolve '{name}'"))?;
    let mut first_root = None;
    for root in canonical.ancestors().skip(1) {
        let dir = Workspace::default_dir(root);
        if !dir.is_dir() {
            continue;
        }
        let ws = Workspace::open(&dir)
            .with_context(|| format!("cannot open the workspace '{}'", show(&dir)))?;
        if let Some(row) = find_row(&ws, root, &canonical)? {
            return Ok(Found {
                root: root.to_path_buf(),
                ws,
                row,
            });
        }
        first_root.get_or_insert_with(|| root.to_path_buf());
    }
    match first_root {
        Some(root) => anyhow::bail!(
            "'{name}' is not in the index of dataset '{}': run `semcurate index {}`",
            show(&root),
            show(&root)
        ),
        None => anyhow::bail!(
            "'{name}' is not inside an indexed dataset: run `semcurate index DIR` on the dataset folder that holds it, or use --overlay none"
        ),
    }
}

/// The row whose image file is `canonical`.
fn find_row(ws: &Workspace, root: &Path, canonical: &Path) -> anyhow::Result<Option<IndexedImage>> {
    let rows = ws.images()?;
    let rel = canonical.strip_prefix(root).ok();
    if let Some(row) = rows
        .iter()
        .find(|r| rel.is_some_and(|rel| Path::new(&r.image_path) == rel))
    {
        return Ok(Some(row.clone()));
    }
    // Symlinked sample folders: compare resolved paths.
    Ok(rows.into_iter().find(|r| {
        root.join(&r.image_path)
            .canonicalize()
            .is_ok_and(|p| p == canonical)
    }))
}

/// The composed RGB picture as an `image` crate buffer for encoding or printing.
fn to_image(rgb: Rgb) -> anyhow::Result<image::DynamicImage> {
    let (w, h) = (rgb.width, rgb.height);
    let bytes: Vec<u8> = rgb.pixels.into_iter().flatten().collect();
    image::RgbImage::from_raw(w, h, bytes)
        .map(image::DynamicImage::ImageRgb8)
        .context("the composed picture has the wrong number of pixels")
}
