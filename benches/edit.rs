//! Editing budgets (SPEC 5, issue 10) measured in-process: the real state and keymap, frames
//! drawn into ratatui's `TestBackend` at 160×48 (terminal output excluded).
//! - brush stroke → redrawn frame, on a 256² and a 4096² image (≤ 16 ms);
//! - undo → redrawn frame (≤ 16 ms);
//! - grey-level fill of a 1-Mpx region: region search, apply, redraw (≤ 50 ms);
//! - journal commit of a stroke (≤ 5 ms), of a small stroke and of the 1-Mpx fill;
//! - reopening an image with 1,000 strokes: read, decode and replay the journal (≤ 100 ms).
//!
//! Usage: `cargo bench --bench edit`.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use semcurate::dataset::ClassSchema;
use semcurate::dataset::image::{ImageId, IndexedImage};
use semcurate::dataset::item::{MaskState, PixelSizeSource};
use semcurate::dataset::raster::Grey8;
use semcurate::dataset::workspace::{BaseSource, EditBase, Workspace};
use semcurate::labels::journal::{JournalReq, load_edits};
use semcurate::review::edit::tools::{BrushShape, brush};
use semcurate::review::edit::{EditSession, JournalOp, Locks, Tool};
use semcurate::tui::app::{App, Context};
use semcurate::tui::keymap::Keymap;
use semcurate::tui::msg::{Command, Event, Loaded, Report};
use semcurate::tui::theme::Theme;

fn key(k: &str) -> Event {
    let code = match k {
        "space" => KeyCode::Char(' '),
        "enter" => KeyCode::Enter,
        k => KeyCode::Char(k.chars().next().unwrap()),
    };
    Event::Input(TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn stats(name: &str, mut d: Vec<Duration>) {
    d.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{name:<44} median {:8.2} ms   p90 {:8.2} ms   max {:8.2} ms   (n={})",
        ms(d[d.len() / 2]),
        ms(d[d.len() * 9 / 10]),
        ms(d[d.len() - 1]),
        d.len()
    );
}

fn row(side: u32) -> IndexedImage {
    IndexedImage {
        id: ImageId(1),
        sample: "s".into(),
        stem: "s_a-01".into(),
        group: "s_a".into(),
        image_path: "s/input-images/s_a-01.png".into(),
        mask_path: Some("s/output-images/s_a-01.png".into()),
        features_path: None,
        image_fp: "ifp".into(),
        mask_fp: Some("mfp".into()),
        features_fp: None,
        format: Some("png".into()),
        width: Some(side),
        height: Some(side),
        bit_depth: Some(8),
        pixel_size: Some(0.5),
        pixel_size_source: Some(PixelSizeSource::Features),
        bin: Some(1),
        mask_state: MaskState::Valid,
        class_counts: None,
        missing: false,
    }
}

/// A `side`² image: grains of 4 grey levels in 64-px cells, and in the middle a uniform
/// square of grey 222 of `block`² pixels (the grey fill's target); its mask follows the
/// grains.
fn image(side: u32, block: u32) -> (Grey8, Vec<u8>) {
    let (mut grey, mut mask) = (Vec::new(), Vec::new());
    let lo = (side - block) / 2;
    for y in 0..side {
        for x in 0..side {
            let cell = (x / 64 + y / 64 * 3) % 4;
            let inside = (lo..lo + block).contains(&x) && (lo..lo + block).contains(&y);
            grey.push(if inside {
                222
            } else {
                [90, 130, 170, 60][cell as usize] + ((x * 7 + y * 3) % 5) as u8
            });
            mask.push([4, 5, 3, 0][cell as usize]);
        }
    }
    (
        Grey8 {
            width: side,
            height: side,
            pixels: grey,
        },
        mask,
    )
}

/// The app showing one `side`² image in the editor.
fn editing(side: u32, block: u32) -> App {
    let schema = ClassSchema::mineralclassifier();
    let ctx = Context {
        root: "/nowhere".into(),
        name: "bench".into(),
        model: None,
        schema,
        bins: "0.25,1.8".parse().unwrap(),
        model_error: Some("no model in this benchmark".into()),
    };
    let mut app = App::new(
        ctx,
        Theme::builtin("default").unwrap(),
        Keymap::default_map(),
        vec![row(side)],
    );
    app.size = ratatui::layout::Rect::new(0, 0, 160, 48);
    let cmds = app.startup();
    let generation = cmds
        .iter()
        .find_map(|c| match c {
            Command::Load { generation, .. } => Some(*generation),
            _ => None,
        })
        .unwrap();
    let (grey, mask) = image(side, block);
    app.handle(Report::Loaded {
        id: ImageId(1),
        generation,
        result: Ok(Loaded {
            image: Arc::new(grey),
            mask: Some(mask),
            mask_error: None,
            prediction: None,
            edits: None,
        }),
    });
    for k in ["2", "i", "3"] {
        app.handle(key(k));
    }
    assert!(app.editing());
    app
}

fn timed(app: &mut App, term: &mut Terminal<TestBackend>, keys: &[&str]) -> Duration {
    let t = Instant::now();
    for k in keys {
        app.handle(key(k));
    }
    term.draw(|f| semcurate::tui::view::draw(f, app, &mut []))
        .unwrap();
    t.elapsed()
}

fn strokes(side: u32) {
    let mut app = editing(side, 64);
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    // Zoomed in as one would be to paint (a cell per pixel), brush 9 px.
    for _ in 0..8 {
        app.handle(key("+"));
    }
    for _ in 0..3 {
        app.handle(key("]"));
    }
    timed(&mut app, &mut term, &[]);
    let (mut stamp, mut undo, mut paint) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..40 {
        let mv = if i % 2 == 0 { "l" } else { "j" };
        stamp.push(timed(&mut app, &mut term, &[mv, "space"]));
    }
    for _ in 0..40 {
        undo.push(timed(&mut app, &mut term, &["u"]));
    }
    app.handle(key("b"));
    for i in 0..40 {
        paint.push(timed(
            &mut app,
            &mut term,
            &[if i % 8 < 4 { "l" } else { "j" }],
        ));
    }
    app.handle(key("b"));
    stats(&format!("{side}²: move + brush stamp → frame"), stamp);
    stats(&format!("{side}²: paint-mode move → frame"), paint);
    stats(&format!("{side}²: undo → frame"), undo);
}

fn grey_fill() {
    // 2048² image, a 1024² uniform block: the fill takes 1,048,576 px.
    let mut app = editing(2048, 1024);
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    timed(&mut app, &mut term, &[]);
    let mut d = Vec::new();
    for k in 0..5 {
        // Classes the mask does not hold, so every pixel of the region changes each time.
        let class = ["1", "2", "6", "7", "8"][k];
        d.push(timed(&mut app, &mut term, &[class, "g", "enter"]));
        assert_eq!(
            app.edit_session()
                .unwrap()
                .history()
                .done()
                .last()
                .unwrap()
                .changes
                .len(),
            1 << 20
        );
    }
    stats("grey fill of 1 Mpx (find, apply, frame)", d);
}

fn journal_and_reopen() {
    let t = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(t.path()).unwrap();
    // The journal needs an image row: index a one-image dataset.
    let root = t.path().join("data");
    let (grey, mask) = image(256, 64);
    let dir = root.join("s");
    std::fs::create_dir_all(dir.join("input-images")).unwrap();
    std::fs::create_dir_all(dir.join("output-images")).unwrap();
    std::fs::create_dir_all(dir.join("input-features")).unwrap();
    let png = semcurate::dataset::raster::encode_grey8_png(256, 256, &grey.pixels).unwrap();
    std::fs::write(dir.join("input-images/s_a-01.png"), png).unwrap();
    let png = semcurate::dataset::raster::encode_grey8_png(256, 256, &mask).unwrap();
    std::fs::write(dir.join("output-images/s_a-01.png"), png).unwrap();
    std::fs::write(dir.join("input-features/s_a-01.txt"), "pixel_size: 0.5\n").unwrap();
    let opts = semcurate::dataset::index::IndexOptions {
        schema: ClassSchema::default(),
        bins: None,
        full: false,
        default_pixel_size: None,
        group_rule: None,
    };
    semcurate::dataset::index::index(&root, &mut ws, &opts, &semcurate::progress::NoProgress)
        .unwrap();
    let row = ws.images().unwrap().remove(0);
    let base = EditBase {
        source: BaseSource::Mask,
        fp: row.mask_fp.clone().unwrap(),
        model: None,
        user: "bench".into(),
        started: 0,
    };
    let (tx, rx) = std::sync::mpsc::channel::<semcurate::jobs::report::Report>();
    let outbox = semcurate::jobs::report::Outbox::new(tx);
    let (req_tx, req_rx) = std::sync::mpsc::channel::<JournalReq>();
    let ws_dir = t.path().to_path_buf();
    let writer = std::thread::spawn(move || {
        semcurate::jobs::edits::journal_writer(&req_rx, &outbox, &ws_dir);
    });
    let mut session = EditSession::new(256, 256, mask.clone());
    let locks = Locks::default();
    let mut commit = Vec::new();
    let mut sent = 1; // the undo below
    for k in 0..1000u32 {
        let (x, y) = ((k * 37) % 256, (k * 91) % 256);
        let px = brush(256, 256, x, y, 9, BrushShape::Round);
        let Some(stroke) = session
            .apply(Tool::Brush, px, |_| (k % 10) as u8, &locks)
            .pop()
        else {
            continue;
        };
        let t = Instant::now();
        req_tx
            .send(JournalReq {
                image_id: row.id,
                base: base.clone(),
                op: JournalOp::Stroke(stroke),
                user: "bench".into(),
                at_ms: 0,
            })
            .unwrap();
        // Saved = reported back after the commit.
        let _ = rx.recv().unwrap();
        commit.push(t.elapsed());
        sent += 1;
    }
    let mut big = EditSession::new(2048, 2048, vec![0; 2048 * 2048]);
    let fill = big
        .apply(Tool::Fill, 0..(1 << 20), |_| 5, &locks)
        .pop()
        .unwrap();
    let t1 = Instant::now();
    req_tx
        .send(JournalReq {
            image_id: row.id,
            base: base.clone(),
            op: JournalOp::Undo,
            user: "bench".into(),
            at_ms: 0,
        })
        .unwrap();
    let _ = rx.recv().unwrap();
    let undo_commit = t1.elapsed();
    drop(req_tx);
    writer.join().unwrap();
    stats("journal commit of a 9-px-brush stroke", commit);
    println!(
        "journal commit of an undo                    {:8.2} ms",
        undo_commit.as_secs_f64() * 1e3
    );
    // The 1-Mpx stroke's encoding and insert, timed directly.
    let t2 = Instant::now();
    let bytes = semcurate::dataset::prediction::pack(&fill.encode());
    let packed_ms = t2.elapsed();
    println!(
        "encode + compress a 1-Mpx stroke             {:8.2} ms ({} KB)",
        packed_ms.as_secs_f64() * 1e3,
        bytes.len() / 1024
    );
    let ws = Workspace::open(t.path()).unwrap();
    let mut reopen = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let l = load_edits(&ws, &row, Some(&mask), (256, 256))
            .unwrap()
            .unwrap();
        reopen.push(t.elapsed());
        assert_eq!(l.ops, sent);
        assert!(l.session.is_ok());
    }
    stats(
        &format!("reopen an image with {} strokes + 1 undo", sent - 1),
        reopen,
    );
}

fn main() {
    strokes(256);
    strokes(4096);
    grey_fill();
    journal_and_reopen();
}
