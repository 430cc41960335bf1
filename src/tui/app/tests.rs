//! State tests through the real keymap: press keys, feed worker results, assert the state and
//! the commands returned. No terminal, no threads.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::audit::{AuditInput, Audited, RiskThresholds, report};
use crate::dataset::image::ImageId;
use crate::dataset::item::{MaskState, PixelSizeSource};
use crate::dataset::prediction::{ClassSummary, StoredPrediction};
use crate::dataset::raster::Grey8;
use crate::metrics::image_audit::ImageAudit;
use crate::model::ModelConfig;
use crate::model::UNetConfig;
use crate::model::config::{FORMAT_VERSION, InputNorm, ModelKind};
use crate::tui::msg::{Loaded, Report};
use crate::tui::render::Overlay;

const W: u32 = 8;
const H: u32 = 8;

pub fn row(id: i64, sample: &str, stem: &str, labelled: bool) -> IndexedImage {
    IndexedImage {
        id: ImageId(id),
        sample: sample.into(),
        stem: stem.into(),
        group: format!("{sample}/{stem}"),
        image_path: format!("{sample}/input-images/{stem}.png"),
        mask_path: labelled.then(|| format!("{sample}/output-images/{stem}.png")),
        features_path: None,
        image_fp: format!("fp{id}"),
        mask_fp: labelled.then(|| format!("mfp{id}")),
        features_fp: None,
        format: Some("png".into()),
        width: Some(W),
        height: Some(H),
        bit_depth: Some(8),
        pixel_size: Some(0.1 * id as f64),
        pixel_size_source: Some(PixelSizeSource::Features),
        bin: Some(0),
        mask_state: if labelled {
            MaskState::Valid
        } else {
            MaskState::None
        },
        class_counts: None,
        missing: false,
    }
}

fn model_info(schema: &ClassSchema) -> ModelInfo {
    ModelInfo {
        dir: "models/test".into(),
        hash: "abcdef0123456789".into(),
        config: ModelConfig {
            format_version: FORMAT_VERSION,
            kind: ModelKind::MultiUnet,
            unet: UNetConfig::new(schema.len()).with_width(4),
            schema: schema.clone(),
            bins: "1".parse().unwrap(),
            input: InputNorm::default(),
            tile: 64,
            overlap: 16,
            trained: vec![true, true],
        },
    }
}

pub fn app() -> App {
    let schema = ClassSchema::mineralclassifier();
    let ctx = Context {
        root: "/data/demo".into(),
        name: "demo".into(),
        model: Some(model_info(&schema)),
        schema,
        bins: "0.25,1.8".parse().unwrap(),
        model_error: None,
    };
    let rows = vec![
        row(3, "b", "b-01", true),
        row(1, "a", "a-01", true),
        row(2, "a", "a-02", false),
    ];
    let mut app = App::new(
        ctx,
        crate::tui::theme::Theme::builtin("default").unwrap(),
        Keymap::default_map(),
        rows,
    );
    app.size = Rect::new(0, 0, 160, 48);
    app
}

/// Presses space-separated keys (`j`, `enter`, `ctrl-c`, `G`).
pub fn press(app: &mut App, keys: &str) -> Vec<Command> {
    let mut cmds = Vec::new();
    for k in keys.split(' ') {
        let code = match k {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "backspace" => KeyCode::Backspace,
            "tab" => KeyCode::Tab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "space" => KeyCode::Char(' '),
            s if s.chars().count() == 1 => KeyCode::Char(s.chars().next().unwrap()),
            other => panic!("test key {other}"),
        };
        let ev = KeyEvent::new(code, KeyModifiers::NONE);
        cmds.extend(app.handle(Event::Input(TermEvent::Key(ev))));
    }
    cmds
}

fn load_of(cmds: &[Command]) -> Option<(ImageId, u64)> {
    cmds.iter().find_map(|c| match c {
        Command::Load { row, generation } => Some((row.id, *generation)),
        _ => None,
    })
}

fn grey() -> Arc<Grey8> {
    Arc::new(Grey8 {
        width: W,
        height: H,
        pixels: (0..W * H).map(|i| (i * 3) as u8).collect(),
    })
}

/// Truth: left half class 4 (plagioclase), right half class 6.
fn mask() -> Vec<u8> {
    (0..W * H)
        .map(|i| if i % W < W / 2 { 4 } else { 6 })
        .collect()
}

fn prediction(id: ImageId, classes: Vec<u8>) -> StoredPrediction {
    StoredPrediction {
        image_id: id,
        model: "abcdef0123456789".into(),
        image_fp: format!("fp{id}"),
        width: W,
        height: H,
        bin: 0,
        used_bin: 0,
        margin: vec![200; classes.len()],
        classes,
        disagreement: None,
        mc_passes: 0,
        per_class: vec![
            ClassSummary {
                pixels: 0,
                mean_margin: None,
                mc_disagreement: None,
                ..ClassSummary::default()
            };
            10
        ],
    }
}

fn loaded(app: &mut App, id: ImageId, generation: u64, with_mask: bool) -> Vec<Command> {
    app.handle(Report::Loaded {
        id,
        generation,
        result: Ok(Loaded {
            image: grey(),
            mask: with_mask.then(mask),
            mask_error: None,
            prediction: None,
            edits: None,
        }),
    })
}

#[test]
fn startup_shows_the_first_image_of_the_sorted_list_then_refreshes() {
    let mut a = app();
    let cmds = a.startup();
    assert_eq!(
        load_of(&cmds).map(|l| l.0),
        Some(ImageId(1)),
        "a-01 sorts first"
    );
    assert!(matches!(cmds.last(), Some(Command::Refresh(_))), "{cmds:?}");
    assert_eq!(a.tasks.running().len(), 1, "the re-index shows as a task");
    // Sample header, two images of a, header, one of b.
    assert_eq!(a.list.entries.len(), 5);
    assert_eq!(a.list.cursor, 1);
}

#[test]
fn moving_the_cursor_loads_latest_and_drops_stale_results() {
    let mut a = app();
    let (_, g1) = load_of(&a.startup()).unwrap();
    let (id2, g2) = load_of(&press(&mut a, "j")).unwrap();
    assert_eq!(id2, ImageId(2));
    assert!(g2 > g1);
    // The result for the image we left arrives late: dropped.
    assert!(loaded(&mut a, ImageId(1), g1, true).is_empty());
    assert!(a.current.is_none());
    // The current one is shown; it has no stored prediction, so the model is asked.
    let cmds = loaded(&mut a, ImageId(2), g2, false);
    assert_eq!(a.current.as_ref().unwrap().row.id, ImageId(2));
    assert!(matches!(cmds[..], [Command::Predict { generation, .. }] if generation == g2));
    assert_eq!(a.current.as_ref().unwrap().prediction, PredState::Running);
    // Moving onto a sample header loads nothing; `space` folds it.
    let cmds = press(&mut a, "j");
    assert!(load_of(&cmds).is_none());
    press(&mut a, "space");
    assert_eq!(a.list.entries.len(), 4);
}

#[test]
fn prediction_results_carry_their_generation() {
    let mut a = app();
    let (id, g) = load_of(&a.startup()).unwrap();
    loaded(&mut a, id, g, true);
    // Stale generation: ignored.
    a.handle(Report::Predicted {
        id,
        generation: g + 7,
        result: Ok(prediction(id, mask())),
    });
    assert_eq!(a.current.as_ref().unwrap().prediction, PredState::Running);
    // Prediction: everything class 4, so class 4 has IoU 0.5 and class 6 IoU 0.
    a.handle(Report::Predicted {
        id,
        generation: g,
        result: Ok(prediction(id, vec![4; (W * H) as usize])),
    });
    let c = a.current.as_ref().unwrap();
    assert!(c.prediction().is_some());
    assert_eq!(c.stats[4].iou, Some(0.5));
    assert_eq!(c.stats[6].iou, Some(0.0));
    assert_eq!(c.stats[6].truth_px, 32);
    assert_eq!(c.stats[4].pred_px, 64);
    assert_eq!(c.stats[1].iou, None);
}

#[test]
fn image_keys_change_overlay_opacity_triptych_and_zoom() {
    let mut a = app();
    let (id, g) = load_of(&a.startup()).unwrap();
    press(&mut a, "enter");
    assert_eq!(a.screen, Screen::Image);
    assert_eq!(a.layers(), vec![Layer::Image, Layer::Global]);
    loaded(&mut a, id, g, true);
    press(&mut a, "m");
    assert_eq!(a.image.overlay, Overlay::Mask);
    press(&mut a, "] ] [");
    assert_eq!(a.image.opacity, 6);
    press(&mut a, "o");
    assert_eq!(a.image.overlay, Overlay::Prediction);
    press(&mut a, "t");
    assert!(a.image.triptych);
    assert_eq!(a.current.as_ref().unwrap().composed.len(), 3);
    press(&mut a, "t");
    assert_eq!(a.current.as_ref().unwrap().composed.len(), 1);
    let fit = a.viewport().unwrap();
    press(&mut a, "+");
    let zoomed = a.image.view.expect("zoomed in");
    assert!(zoomed.scale < fit.scale);
    press(&mut a, "z");
    assert_eq!(a.image.view, None);
    // The cursor starts in the centre and stays inside the image.
    assert_eq!(a.image.cursor, (4, 4));
    press(&mut a, "h h h h h h h h h h");
    assert_eq!(a.image.cursor.0, 0);
    // esc goes back to the list.
    press(&mut a, "esc");
    assert_eq!(a.screen, Screen::Browse);
}

#[test]
fn decisions_are_commands_with_image_user_and_time() {
    let mut a = app();
    a.startup();
    let cmds = press(&mut a, "f");
    let Some(Command::Decide(e)) = cmds.first() else {
        panic!("{cmds:?}")
    };
    assert_eq!(e.image_id, ImageId(1));
    assert_eq!(e.decision, Decision::Flagged);
    assert!(e.at > 1_700_000_000);
    assert_eq!(a.marks.reviews[&ImageId(1)].decision, Decision::Flagged);
}

#[test]
fn help_is_a_layer_over_everything() {
    let mut a = app();
    press(&mut a, "?");
    assert_eq!(a.layers(), vec![Layer::Help, Layer::Global]);
    // `j` scrolls the help instead of moving the list.
    let cursor = a.list.cursor;
    press(&mut a, "j");
    assert_eq!(a.help, Some(1));
    assert_eq!(a.list.cursor, cursor);
    press(&mut a, "esc");
    assert_eq!(a.help, None);
    assert!(press(&mut a, "q").contains(&Command::Quit));
    assert!(a.quit);
}

/// An overview where image 1 confuses class 6 for 4 on its right half and image 3 is perfect.
pub fn overview(a: &App) -> Box<Overview> {
    let schema = &a.ctx.schema;
    let truth = mask();
    let wrong: Vec<u8> = vec![4; truth.len()];
    let margin = vec![230u8; truth.len()];
    let audit1 = ImageAudit::compute(&truth, &wrong, &margin, W as usize, schema.len());
    let audit3 = ImageAudit::compute(&truth, &truth, &margin, W as usize, schema.len());
    let rows: Vec<IndexedImage> = [1, 3]
        .iter()
        .map(|&id| a.row_by_id(ImageId(id)).unwrap().clone())
        .collect();
    let audits = vec![(rows[0].clone(), audit1), (rows[1].clone(), audit3)];
    let audited: Vec<Audited<'_>> = audits
        .iter()
        .map(|(row, audit)| Audited { row, audit })
        .collect();
    let rep = report(&AuditInput {
        model: "abcdef0123456789",
        schema,
        bins: &"1".parse().unwrap(),
        splits: &BTreeMap::new(),
        split: None,
        images: &audited,
        unpredicted: 0,
        thresholds: RiskThresholds::default(),
    });
    let mut summaries = HashMap::new();
    summaries.insert(ImageId(2), (0.1, Vec::new()));
    Box::new(Overview {
        model: "abcdef0123456789".into(),
        audits,
        unlabelled: vec![a.row_by_id(ImageId(2)).unwrap().clone()],
        mask_problems: HashMap::new(),
        summaries,
        report: rep,
        problems: Vec::new(),
        finished: std::collections::HashSet::new(),
        regions: HashMap::new(),
        class_share: Vec::new(),
        grey_class: Vec::new(),
    })
}

#[test]
fn resize_to_tiny_and_back_keeps_state_valid() {
    let mut a = app();
    a.startup();
    a.handle(Event::Input(TermEvent::Resize(20, 5)));
    assert!(crate::tui::layout::too_small(a.size));
    press(&mut a, "j j j");
    a.handle(Event::Input(TermEvent::Resize(80, 24)));
    assert!(a.list.cursor < a.list.entries.len());
}

mod confirm;
mod edit;
mod image;
pub mod retrain;
mod review;
mod tools;
