//! `semcurate [DATASET]`: open the terminal UI.
//!
//! The flags are the subcommand-less form of the command line; `~/.config/semcurate/` may
//! hold `config.toml` (theme, graphics, colours, mouse), `keymap.toml` and `themes/`. Refused
//! when stdin or stdout is not a terminal (scripts use the subcommands).

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::model::BackendKind;
use crate::tui::keymap::{Keymap, config_dir};
use crate::tui::render::Graphics;
use crate::tui::theme::{ColourMode, Theme};

use super::Outcome;
use super::common::{DatasetArgs, MaskMap};
use super::model_args::ModelArgs;

/// The bundled demo dataset, relative to the working directory or to this build's source tree.
const DEMO: &str = "datasets/demo";

/// Options of the terminal UI (used when no subcommand is given).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Dataset to open [default: the bundled demo dataset].
    pub dataset: Option<PathBuf>,
    /// Keep the workspace in DIR instead of DATASET/.semcurate (for read-only datasets).
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Class schema: 'default', 'extended' or a classes.toml path.
    #[arg(long, value_name = "NAME|FILE")]
    pub schema: Option<String>,
    /// Map raw mask values to class ids, e.g. '0=4,255=5' for masks that store 0/255.
    #[arg(long, value_name = "VALUE=CLASS,..", value_parser = super::common::mask_map)]
    pub mask_map: Option<MaskMap>,
    /// Pixel size in µm/px for images that have none.
    #[arg(long, value_name = "UM_PER_PX")]
    pub pixel_size: Option<f64>,
    /// Model folder [default: $SEMCURATE_MODEL, else models/default].
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Compute backend for on-demand prediction: flex or ndarray (CPU), cuda when built with it.
    #[arg(long, default_value = "flex", value_name = "NAME")]
    pub backend: BackendKind,
    /// Theme: default, colorblind, light, a name under ~/.config/semcurate/themes, or a .toml
    /// path [default: `theme` in ~/.config/semcurate/config.toml, else default].
    #[arg(long, value_name = "NAME|FILE")]
    pub theme: Option<String>,
    /// How images are drawn: auto, halfblocks (works everywhere), kitty, sixel, iterm2.
    #[arg(long, default_value = "auto", value_name = "MODE")]
    pub graphics: String,
    /// Colours: auto (truecolor when $COLORTERM says so), truecolor, 256.
    #[arg(long, default_value = "auto", value_name = "MODE", value_parser = ["auto", "truecolor", "256"])]
    pub colours: String,
    /// Do not capture the mouse (keeps the terminal's own text selection).
    #[arg(long)]
    pub no_mouse: bool,
}

/// `~/.config/semcurate/config.toml`: defaults for the options above.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct UserConfig {
    /// Theme name or file, like `--theme`.
    theme: Option<String>,
    /// Like `--graphics`.
    graphics: Option<String>,
    /// Like `--colours`.
    colours: Option<String>,
    /// `false` is like `--no-mouse`.
    mouse: Option<bool>,
}

/// `CONFIG_DIR/config.toml` (usually `~/.config/semcurate/`), or defaults when there is none;
/// an unreadable or invalid file is an error naming its allowed keys.
fn user_config(dir: Option<&std::path::Path>) -> anyhow::Result<UserConfig> {
    let Some(path) = dir.map(|d| d.join("config.toml")).filter(|p| p.is_file()) else {
        return Ok(UserConfig::default());
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read '{}'", path.display()))?;
    toml::from_str(&text).with_context(|| {
        format!(
            "'{}' is not a valid config (keys: theme, graphics, colours, mouse)",
            path.display()
        )
    })
}

/// The demo dataset in the working directory if present, else in this build's source tree.
fn demo_dir() -> PathBuf {
    let here = PathBuf::from(DEMO);
    if here.is_dir() {
        here
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DEMO)
    }
}

/// Opens the terminal UI on the dataset (the bundled demo without one). Refused when stdin or
/// stdout is not a terminal. The theme, graphics and mouse come from the flags, then
/// `config.toml`; keys from `keymap.toml` in the same folder, over the defaults.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the terminal UI needs a terminal (stdin and stdout are not both one); for scripts use a subcommand, e.g. `semcurate stats DATASET` (see `semcurate --help`)"
        );
    }
    let data = DatasetArgs {
        dataset: args.dataset.clone().unwrap_or_else(demo_dir),
        workspace: args.workspace.clone(),
        schema: args.schema.clone(),
        mask_map: args.mask_map.clone(),
        pixel_size: args.pixel_size,
        quiet: true,
    };
    let schema = data.schema()?;
    let workspace = data.open_workspace()?;
    let model = ModelArgs {
        model: args.model.clone(),
        backend: args.backend,
    };
    let config = config_dir();
    let user = user_config(config.as_deref())?;
    let theme = theme(args, &user, config.as_deref())?;
    let keymap_file = config.as_ref().map(|d| d.join("keymap.toml"));
    let keymap = Keymap::load(keymap_file.as_deref())?;
    let graphics = graphics(args, &user)?;
    crate::tui::open(crate::tui::Options {
        root: data.dataset.clone(),
        workspace,
        workspace_dir: data.workspace_dir(),
        schema,
        default_pixel_size: args.pixel_size,
        model_dir: model.model_dir(),
        model_given: args.model.is_some() || std::env::var_os("SEMCURATE_MODEL").is_some(),
        backend: args.backend,
        theme,
        keymap,
        graphics,
        mouse: !args.no_mouse && user.mouse.unwrap_or(true),
    })
    .context("the terminal UI stopped")?;
    Ok(Outcome::Clean)
}

/// `--theme` in `--colours`, each given else from the user's config.toml, else the default
/// theme in the colours the terminal says it has.
fn theme(args: &Args, user: &UserConfig, config: Option<&Path>) -> anyhow::Result<Theme> {
    let colours = if args.colours == "auto" {
        user.colours.as_deref().unwrap_or("auto")
    } else {
        args.colours.as_str()
    };
    let mode = match colours {
        "truecolor" => ColourMode::TrueColor,
        "256" => ColourMode::Ansi256,
        _ => ColourMode::detect(),
    };
    let theme_spec = args
        .theme
        .as_deref()
        .or(user.theme.as_deref())
        .unwrap_or("default");
    Ok(Theme::resolve(theme_spec, config)?.with_mode(mode))
}

/// `--graphics`, else the user's config.toml; `None` (auto) lets the UI probe the terminal.
fn graphics(args: &Args, user: &UserConfig) -> anyhow::Result<Option<Graphics>> {
    let graphics_spec = if args.graphics == "auto" {
        user.graphics.as_deref().unwrap_or("auto")
    } else {
        args.graphics.as_str()
    };
    Ok(match graphics_spec {
        "auto" => None,
        g => Some(
            g.parse::<Graphics>()
                .map_err(|e| anyhow::anyhow!("--graphics '{g}': {e}"))?,
        ),
    })
}
