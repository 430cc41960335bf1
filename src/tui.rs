//! The terminal UI (ratatui + crossterm live here and nowhere else).
//!
//! - `app`: all state and `App::handle(event) -> Vec<Command>`; no terminal, no threads, so
//!   tests drive it through the real keymap;
//! - `view`: draws a frame from a borrowed `App`;
//! - `runtime`: the terminal, the event loop and the worker threads that run commands;
//! - `keymap` + `action`: keys as data; `theme`: colours as data; `render`: pixels to cells.

pub mod action;
pub mod app;
pub mod keymap;
pub mod layout;
pub mod msg;
pub mod render;
pub mod runtime;
pub mod theme;
pub mod view;

use std::path::PathBuf;

use anyhow::Context as _;

use crate::dataset::ClassSchema;
use crate::dataset::workspace::Workspace;
use crate::model::BackendKind;

use crate::jobs::service::{ModelRef, Paths};
use crate::model::multi::ModelInfo;
use app::{App, Context};
use keymap::Keymap;
use render::Graphics;
use runtime::TermOptions;
use theme::Theme;

/// Everything the TUI needs to start.
pub struct Options {
    pub root: PathBuf,
    pub workspace: Workspace,
    pub workspace_dir: PathBuf,
    pub schema: ClassSchema,
    pub default_pixel_size: Option<f64>,
    pub model_dir: PathBuf,
    pub backend: BackendKind,
    pub theme: Theme,
    pub keymap: Keymap,
    pub graphics: Option<Graphics>,
    pub mouse: bool,
}

/// Opens the TUI on a dataset and runs it until the user quits.
pub fn open(opts: Options) -> anyhow::Result<()> {
    let ws = &opts.workspace;
    // The stored index gives the first frame at once; a refresh follows in the background.
    let rows = ws.images().context("cannot read the workspace index")?;
    let bins = crate::dataset::index::stored_bins(ws)?;
    let (model, model_error) = match load_model_info(&opts) {
        Ok(m) => (Some(m), None),
        Err(e) => (None, Some(format!("{e:#}"))),
    };
    let name = opts
        .root
        .canonicalize()
        .unwrap_or_else(|_| opts.root.clone())
        .file_name()
        .map_or_else(
            || opts.root.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
    let model_ref = model.as_ref().map(|m| ModelRef {
        dir: m.dir.clone(),
        hash: m.hash.clone(),
        bins: m.config.bins.clone(),
        backend: opts.backend,
    });
    let ctx = Context {
        root: opts.root.clone(),
        name,
        schema: opts.schema.clone(),
        bins,
        model,
        model_error,
    };
    let mut app = App::new(ctx, opts.theme, opts.keymap, rows);
    app.auto_predict = true;
    let paths = Paths {
        root: opts.root,
        workspace: opts.workspace_dir,
        schema: opts.schema,
        default_pixel_size: opts.default_pixel_size,
    };
    drop(opts.workspace);
    runtime::run(
        app,
        paths,
        model_ref,
        TermOptions {
            graphics: opts.graphics,
            mouse: opts.mouse,
        },
    )
}

fn load_model_info(opts: &Options) -> anyhow::Result<ModelInfo> {
    let dir = &opts.model_dir;
    ModelInfo::for_dataset(dir, &opts.schema)
        .with_context(|| format!("cannot read model '{}'", dir.display()))
}
