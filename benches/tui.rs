//! TUI budgets (SPEC 5) measured in-process, drawing into ratatui's `TestBackend` (so terminal
//! I/O is excluded; `benches/tui.sh` measures the real binary in tmux):
//! - first frame with a warm index: open the workspace, read every row, load the model config
//!   and hash, build the state, draw;
//! - keypress to redrawn frame for the common keys on each screen;
//! - next image when its prediction is stored: decode image + mask, read and inflate the
//!   prediction, compose, draw;
//! - peak RSS.
//!
//! Usage: `cargo bench --bench tui -- DATASET WORKSPACE` (default: the 16,000-pair data of
//! `benches/index.sh` in /tmp/semcurate-bench). Needs a model folder: $SEMCURATE_MODEL or
//! models/default. Writes 40 synthetic predictions into the workspace for the images it
//! steps through (prediction = mask, so nothing depends on model quality).
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use semcurate::dataset::ClassSchema;
use semcurate::dataset::load::load_mask;
use semcurate::dataset::prediction::{ClassSummary, StoredPrediction};
use semcurate::dataset::workspace::Workspace;
use semcurate::jobs::service::{Paths, load};
use semcurate::model::ModelConfig;
use semcurate::tui::app::{App, Context, ModelInfo};
use semcurate::tui::keymap::Keymap;
use semcurate::tui::msg::{Command, Event, Report};
use semcurate::tui::theme::Theme;

const STEPS: usize = 40;

fn key(c: char) -> Event {
    let code = match c {
        '\n' => KeyCode::Enter,
        c => KeyCode::Char(c),
    };
    Event::Input(TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn draw(t: &mut Terminal<TestBackend>, app: &App) {
    t.draw(|f| semcurate::tui::view::draw(f, app, &mut []))
        .unwrap();
}

fn rss_peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn stats(name: &str, mut d: Vec<Duration>) {
    d.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{name:<34} median {:7.2} ms   p90 {:7.2} ms   max {:7.2} ms   (n={})",
        ms(d[d.len() / 2]),
        ms(d[d.len() * 9 / 10]),
        ms(d[d.len() - 1]),
        d.len()
    );
}

/// Stores "prediction = mask" for the first `n` labelled rows.
fn seed_predictions(root: &Path, ws_dir: &Path, schema: &ClassSchema, model: &ModelInfo, n: usize) {
    let mut ws = Workspace::open(ws_dir).unwrap();
    let rows: Vec<_> = ws
        .images()
        .unwrap()
        .into_iter()
        .filter(semcurate::dataset::image::IndexedImage::is_labelled)
        .take(n)
        .collect();
    let preds: Vec<StoredPrediction> = rows
        .iter()
        .map(|r| {
            let mask = load_mask(root, r, schema).unwrap().unwrap();
            StoredPrediction {
                image_id: r.id,
                model: model.hash.clone(),
                image_fp: r.image_fp.clone(),
                width: r.width.unwrap(),
                height: r.height.unwrap(),
                bin: r.bin.unwrap_or(0),
                used_bin: r.bin.unwrap_or(0),
                margin: mask.iter().map(|&c| c.wrapping_mul(37)).collect(),
                classes: mask,
                disagreement: None,
                mc_passes: 0,
                per_class: vec![
                    ClassSummary {
                        pixels: 0,
                        mean_margin: None,
                        mc_disagreement: None,
                        ..ClassSummary::default()
                    };
                    schema.len()
                ],
            }
        })
        .collect();
    semcurate::jobs::predict::put_all(&mut ws, &model.hash, &model.config, &preds).unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let root = PathBuf::from(
        args.first()
            .map_or("/tmp/semcurate-bench/data", String::as_str),
    );
    let ws_dir = PathBuf::from(
        args.get(1)
            .map_or("/tmp/semcurate-bench/ws", String::as_str),
    );
    let model_dir = std::env::var_os("SEMCURATE_MODEL")
        .map_or_else(|| PathBuf::from("models/default"), PathBuf::from);
    assert!(
        ws_dir.join("workspace.sqlite").exists() || ws_dir.is_dir(),
        "no workspace at {}: run benches/index.sh first",
        ws_dir.display()
    );
    let schema = ClassSchema::for_dataset(&root).unwrap();
    let config = ModelConfig::load(&model_dir).unwrap();
    let info = ModelInfo {
        dir: model_dir.clone(),
        hash: semcurate::model::multi::model_hash(&model_dir).unwrap(),
        config,
    };
    seed_predictions(&root, &ws_dir, &schema, &info, STEPS + 1);

    // First frame.
    let mut firsts = Vec::new();
    let mut app = None;
    for _ in 0..5 {
        let t0 = Instant::now();
        let ws = Workspace::open(&ws_dir).unwrap();
        let rows = ws.images().unwrap();
        let config = ModelConfig::load(&model_dir).unwrap();
        let hash = semcurate::model::multi::model_hash(&model_dir).unwrap();
        let ctx = Context {
            root: root.clone(),
            name: "bench".into(),
            schema: schema.clone(),
            bins: "0.25,1.8".parse().unwrap(),
            model: Some(ModelInfo {
                dir: model_dir.clone(),
                hash,
                config,
            }),
            model_error: None,
        };
        let mut a = App::new(
            ctx,
            Theme::builtin("default").unwrap(),
            Keymap::default_map(),
            rows,
        );
        a.size = ratatui::layout::Rect::new(0, 0, 160, 48);
        let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
        draw(&mut term, &a);
        firsts.push(t0.elapsed());
        app = Some(a);
    }
    let mut app = app.unwrap();
    println!("rows: {}", app.rows.len());
    stats("first frame (warm index, 160x48)", firsts);

    let paths = Paths {
        root: root.clone(),
        workspace: ws_dir.clone(),
        schema: schema.clone(),
        default_pixel_size: None,
    };
    let ws = Workspace::open(&ws_dir).unwrap();
    let model_ref = semcurate::jobs::service::ModelRef {
        dir: model_dir.clone(),
        hash: app.ctx.model.as_ref().unwrap().hash.clone(),
        bins: "0.25,1.8".parse().unwrap(),
        backend: semcurate::model::BackendKind::Flex,
    };
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();

    // Runs commands the way the runtime does, synchronously: loads are served at once.
    let serve = |app: &mut App, cmds: Vec<Command>| {
        for c in cmds {
            if let Command::Load { row, generation } = c {
                let result =
                    load(&paths, Some(&ws), Some(&model_ref), &row).map_err(|e| e.to_string());
                app.handle(Report::Loaded {
                    id: row.id,
                    generation,
                    result,
                });
            }
        }
    };
    let cmds = app.startup();
    serve(&mut app, cmds);
    let cmds = app.handle(key('\n'));
    serve(&mut app, cmds);
    draw(&mut term, &app);

    // Next image with a stored prediction: load + compose + draw.
    let mut nexts = Vec::new();
    for _ in 0..STEPS {
        let t0 = Instant::now();
        let cmds = app.handle(key('n'));
        serve(&mut app, cmds);
        draw(&mut term, &app);
        nexts.push(t0.elapsed());
        assert!(
            app.current
                .as_ref()
                .is_some_and(|c| c.prediction().is_some()),
            "the stepped-to image has no stored prediction"
        );
    }
    stats("next image (stored prediction)", nexts);

    // Keypress to frame.
    for (name, keys) in [
        ("image: overlay cycle (o)", "oooooooooo"),
        ("image: zoom in/out (+ -)", "+-+-+-+-+-"),
        ("image: cursor (h l)", "hlhlhlhlhl"),
        ("image: triptych (t)", "tttttttttt"),
    ] {
        let mut d = Vec::new();
        for c in keys.chars() {
            let t0 = Instant::now();
            app.handle(key(c));
            draw(&mut term, &app);
            d.push(t0.elapsed());
        }
        stats(name, d);
    }
    app.handle(key('1'));
    let mut d = Vec::new();
    for c in "jjjjjjjjjjkkkkkkkkkk".chars() {
        let t0 = Instant::now();
        let cmds = app.handle(key(c));
        draw(&mut term, &app);
        d.push(t0.elapsed());
        drop(cmds);
    }
    stats("browse: move (j k), no load", d);
    println!("peak RSS: {:.0} MB", rss_peak_mb());
}
