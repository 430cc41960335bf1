//! The terminal UI (ratatui + crossterm live here and nowhere else).
//!
//! - `app`: all state and `App::handle(event) -> Vec<Command>`; no terminal, no threads, so
//!   tests drive it through the real keymap;
//! - `view`: draws a frame from a borrowed `App`;
//! - `runtime`: the terminal, the event loop and the worker threads that run commands;
//! - `keymap` + `action`: keys as data; `theme`: colours as data; `render`: pixels to cells.
//!
//! Threads: the UI thread owns the `App` and the terminal; an input thread reads keys; the
//! loader, the model worker, the assist worker, the task thread and the journal writer each
//! hold their own workspace connection and answer through one channel. Answers about an image
//! (loaded, predicted, assisted) carry its id and the request's generation, so a stale one is
//! dropped.

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
    /// The dataset root (a folder of sample folders, or one sample).
    pub root: PathBuf,
    /// The workspace, already open: its stored index draws the first frame before any refresh.
    pub workspace: Workspace,
    /// Its folder, which each worker thread opens again.
    pub workspace_dir: PathBuf,
    /// The class schema masks are read with (names, colours, ids).
    pub schema: ClassSchema,
    /// µm/px for images that have none (`--pixel-size`).
    pub default_pixel_size: Option<f64>,
    /// The model folder to open on, unless the workspace's latest retrain replaces it.
    pub model_dir: PathBuf,
    /// `model_dir` was asked for (`--model`, `$SEMCURATE_MODEL`); otherwise the workspace's
    /// latest retrained model is used when there is one.
    pub model_given: bool,
    /// The burn backend the model runs on.
    pub backend: BackendKind,
    /// Colours, already resolved for the terminal's colour mode.
    pub theme: Theme,
    /// Key bindings: the defaults with the user's `keymap.toml` over them.
    pub keymap: Keymap,
    /// How images are drawn (a terminal graphics protocol or half blocks); `None` probes the
    /// terminal.
    pub graphics: Option<Graphics>,
    /// Whether mouse events are captured (clicks, drags, wheel).
    pub mouse: bool,
}

/// Opens the TUI on a dataset and runs it until the user quits.
///
/// The model is loaded by its own worker: a model that cannot be read leaves the UI usable
/// (browse, label, review) and says why wherever a prediction is wanted.
pub fn open(opts: Options) -> anyhow::Result<()> {
    let ws = &opts.workspace;
    // The stored index gives the first frame at once; a refresh follows in the background.
    let rows = ws.images().context("cannot read the workspace index")?;
    let bins = crate::dataset::index::stored_bins(ws)?;
    let latest = ws
        .meta(crate::dataset::index::keys::RETRAINED_MODEL)
        .ok()
        .flatten()
        .map(PathBuf::from);
    let (model_dir, note) = choose_model(&opts.model_dir, opts.model_given, latest);
    let (model, model_error) = match load_model_info(&model_dir, &opts.schema) {
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
    if let Some(note) = note {
        app.say(note, app::Severity::Info);
    }
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

/// The model folder's config and hash, checked against the dataset's schema.
fn load_model_info(dir: &std::path::Path, schema: &ClassSchema) -> anyhow::Result<ModelInfo> {
    ModelInfo::for_dataset(dir, schema)
        .with_context(|| format!("cannot read model '{}'", dir.display()))
}

/// The model to open on: the one asked for, else the workspace's latest retrained model
/// (`F`, `semcurate retrain`) when its folder is still there, else the default; with a note
/// for the status bar when the choice is not the default.
fn choose_model(
    default: &std::path::Path,
    given: bool,
    latest: Option<PathBuf>,
) -> (PathBuf, Option<String>) {
    match (given, latest) {
        (false, Some(dir)) if dir.join(crate::model::config::CONFIG_FILE).is_file() => {
            let note = format!(
                "model: this workspace's latest retrain, {} (--model DIR opens another)",
                dir.display()
            );
            (dir, Some(note))
        }
        (false, Some(dir)) => (
            default.to_path_buf(),
            Some(format!(
                "the latest retrained model '{}' is gone: using {}",
                dir.display(),
                default.display()
            )),
        ),
        _ => (default.to_path_buf(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_retrained_model_is_opened_unless_another_is_asked_for() {
        let t = tempfile::tempdir().unwrap();
        let (shipped, latest) = (t.path().join("shipped"), t.path().join("retrain-1"));
        std::fs::create_dir(&latest).unwrap();
        std::fs::write(latest.join(crate::model::config::CONFIG_FILE), "{}").unwrap();
        let (dir, note) = choose_model(&shipped, false, Some(latest.clone()));
        assert_eq!(dir, latest);
        assert!(note.unwrap().contains("latest retrain"));
        assert_eq!(
            choose_model(&shipped, true, Some(latest.clone())),
            (shipped.clone(), None)
        );
        assert_eq!(choose_model(&shipped, false, None), (shipped.clone(), None));
        std::fs::remove_dir_all(&latest).unwrap();
        let (dir, note) = choose_model(&shipped, false, Some(latest));
        assert_eq!(dir, shipped);
        assert!(note.unwrap().contains("is gone"), "the user is told");
    }
}
