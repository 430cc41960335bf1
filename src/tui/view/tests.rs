//! Whole screens drawn into a `TestBackend` at fixed sizes and compared as text snapshots
//! (insta); colours are asserted separately where they carry meaning.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use crate::dataset::image::ImageId;
use crate::tui::app::App;
use crate::tui::app::tests::{app, press};
use crate::tui::msg::{Event, Loaded, Report};

fn render(app: &App, w: u16, h: u16) -> (String, ratatui::buffer::Buffer) {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| super::draw(f, app, &mut [])).unwrap();
    let buf = t.backend().buffer().clone();
    let text = (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n");
    (text, buf)
}

fn sized(w: u16, h: u16) -> App {
    let mut a = app();
    a.handle(Event::Input(crossterm::event::Event::Resize(w, h)));
    a
}

/// `startup`, with its re-index finished (its task would otherwise show in the status bar).
fn start(a: &mut App) -> Vec<crate::tui::msg::Command> {
    let cmds = a.startup();
    for c in &cmds {
        if let crate::tui::msg::Command::Refresh(task) = c {
            a.handle(Report::Job(crate::tui::msg::JobEvent::Finished {
                task: *task,
                message: String::new(),
            }));
            a.message = None;
        }
    }
    cmds
}

fn with_image(a: &mut App) {
    let cmds = start(a);
    let (id, generation) = cmds
        .iter()
        .find_map(|c| match c {
            crate::tui::msg::Command::Load { row, generation } => Some((row.id, *generation)),
            _ => None,
        })
        .unwrap();
    let pixels: Vec<u8> = (0..64u32).map(|i| (i * 4) as u8).collect();
    a.handle(Report::Loaded {
        id,
        generation,
        result: Ok(Loaded {
            image: std::sync::Arc::new(crate::dataset::raster::Grey8 {
                width: 8,
                height: 8,
                pixels,
            }),
            mask: Some((0..64).map(|i| if i % 8 < 4 { 4 } else { 6 }).collect()),
            mask_error: None,
            prediction: None,
            edits: None,
        }),
    });
}

#[test]
fn browse_80x24() {
    let mut a = sized(80, 24);
    a.indexing = false;
    insta::assert_snapshot!(render(&a, 80, 24).0);
}

#[test]
fn image_160x48_with_mask_overlay() {
    let mut a = sized(160, 48);
    a.indexing = false;
    with_image(&mut a);
    press(&mut a, "enter m");
    let (text, buf) = render(&a, 160, 48);
    insta::assert_snapshot!(text);
    // The mask overlay is drawn in blended class colours: the left half of the picture is
    // plagioclase, the right half pyroxene, so their cells differ in colour.
    let pane = a.panes().images[0];
    let v = a.viewport().unwrap();
    let (c_left, r) = v.pixel_to_cell(1, 4).unwrap();
    let (c_right, _) = v.pixel_to_cell(6, 4).unwrap();
    let left = buf[(pane.x + c_left, pane.y + r)].fg;
    let right = buf[(pane.x + c_right, pane.y + r)].fg;
    assert!(matches!(left, Color::Rgb(..)), "{left:?}");
    assert_ne!(left, right);
}

#[test]
fn help_popup_lists_image_keys() {
    let mut a = sized(100, 40);
    a.indexing = false;
    with_image(&mut a);
    press(&mut a, "enter ?");
    let (text, _) = render(&a, 100, 40);
    assert!(text.contains("image keys"), "{text}");
    assert!(text.contains("overlay: ground-truth mask"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn audit_and_queue_without_predictions_say_what_to_do() {
    let mut a = sized(80, 24);
    press(&mut a, "3");
    let (text, _) = render(&a, 80, 24);
    assert!(text.contains("P predicts every image"), "{text}");
    press(&mut a, "4");
    let (text, _) = render(&a, 80, 24);
    insta::assert_snapshot!(text);
}

#[test]
fn bins_screen_shows_edges_and_counts() {
    let mut a = sized(100, 30);
    a.indexing = false;
    press(&mut a, "5");
    let (text, _) = render(&a, 100, 30);
    insta::assert_snapshot!(text);
}

#[test]
fn too_small_says_so() {
    let a = sized(40, 10);
    let (text, _) = render(&a, 40, 10);
    assert!(text.contains("terminal too small"), "{text}");
}

#[test]
fn audit_80x24_fits_the_matrix_and_lists_cell_images() {
    let mut a = sized(80, 24);
    a.indexing = false;
    start(&mut a);
    let ov = crate::tui::app::tests::overview(&a);
    a.handle(Report::Overview(ov));
    press(&mut a, "3 j j j j j j l l l l");
    let (text, _) = render(&a, 80, 24);
    // Every class column header is whole, and the cell (Si → Py) lists image a-01.
    for short in [
        "Void", "Fe", "FeS", "MO", "Py", "Pl", "Si", "Ol", "LSMC", "Na",
    ] {
        assert!(text.contains(short), "{short} missing:\n{text}");
    }
    assert!(text.contains("a-01"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn a_broken_image_shows_an_explained_placeholder() {
    let mut a = sized(100, 30);
    a.indexing = false;
    let cmds = start(&mut a);
    let Some(crate::tui::msg::Command::Load { row, generation }) = cmds.first() else {
        panic!("{cmds:?}")
    };
    a.handle(Report::Loaded {
        id: row.id,
        generation: *generation,
        result: Err("cannot read image 'a/input-images/a-01.png': not a PNG or TIFF file".into()),
    });
    press(&mut a, "enter");
    let (text, _) = render(&a, 100, 30);
    assert!(text.contains("cannot show this image"), "{text}");
    assert!(text.contains("not a PNG or TIFF"), "{text}");
    assert!(text.contains("could not be read"), "{text}");
    assert!(text.contains("mask not loaded"), "{text}");
}

#[test]
fn a_queued_region_is_boxed_in_cells() {
    let mut a = sized(100, 30);
    a.indexing = false;
    with_image(&mut a);
    press(&mut a, "2");
    a.image.highlight = Some(crate::review::edit::Rect {
        x0: 2,
        y0: 2,
        x1: 6,
        y1: 6,
    });
    let (text, _) = render(&a, 100, 30);
    for corner in ["┌", "┐", "└", "┘"] {
        assert!(text.matches(corner).count() >= 2, "{corner}\n{text}");
    }
    a.image.highlight = None;
    let (plain, _) = render(&a, 100, 30);
    assert!(plain.matches('┌').count() < text.matches('┌').count());
}

#[test]
fn scale_bars_have_round_lengths() {
    use super::image::scale_bar;
    // 0.5 µm/px at 2 px per cell: 1 µm per cell → a 10 µm bar of 10 cells.
    assert_eq!(scale_bar(0.5, 2.0), Some((10, "10 µm".into())));
    // 2.381 µm/px (the study's coarse scale), 4 px per cell: 9.5 µm per cell → 100 µm.
    assert_eq!(scale_bar(2.381, 4.0), Some((10, "100 µm".into())));
    // 0.024 µm/px, one pixel per cell: 0.024 µm per cell → 200 nm is 8 cells.
    assert_eq!(scale_bar(0.024, 1.0), Some((8, "200 nm".into())));
    assert_eq!(scale_bar(0.0, 1.0), None);
}

#[test]
fn corrected_images_are_marked_and_unexported_ones_counted() {
    let mut a = sized(100, 24);
    a.indexing = false;
    let first = a.rows[0].id;
    a.handle(Report::EditSaved {
        image_id: first,
        seq: 2,
    });
    let (text, buf) = render(&a, 100, 24);
    assert!(text.contains("1 correction not exported"), "{text}");
    let line = text.lines().find(|l| l.contains("a-01")).unwrap();
    assert!(line.contains("corrected"), "{line}");
    // Corrections waiting for an export are marked in the warning colour.
    let y = text.lines().position(|l| l.contains("a-01")).unwrap() as u16;
    let x = line.find("corrected").unwrap();
    let x = line[..x].chars().count() as u16;
    assert_eq!(buf[(x, y)].fg, a.theme.warn().fg.unwrap());
    // After an export that included it, the count is gone and the mark is calm.
    let mut labels = a.marks.labels.clone();
    labels.exported.insert(first, 2);
    a.handle(Report::Labels(labels));
    let (text, _) = render(&a, 100, 24);
    assert!(!text.contains("not exported"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("a-01") && l.contains("corrected"))
    );
}

#[test]
fn imported_tiles_are_grouped_under_their_raw_image() {
    use crate::labels::status::TilePos;
    let mut a = sized(120, 24);
    a.indexing = false;
    let tile = |x| TilePos {
        source: "run7.tif".into(),
        x,
        y: 0,
    };
    // Rows: a-01 (id 1, labelled), a-02 (id 2, unlabelled), b-01 (id 3, not imported).
    a.handle(Report::Tiles(
        [(ImageId(1), tile(0)), (ImageId(2), tile(224))].into(),
    ));
    let (text, _) = render(&a, 120, 24);
    let lines: Vec<&str> = text.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.contains("◇ run7.tif"))
        .unwrap_or_else(|| panic!("{text}"));
    let cells: Vec<&str> = lines[header].split_whitespace().collect();
    assert!(
        lines[header].contains("run7.tif: 2 tiles"),
        "{}",
        lines[header]
    );
    assert!(
        cells.windows(3).any(|w| w == ["1/2", "1", "to"]),
        "{}",
        lines[header]
    );
    // The raw image's tiles follow it, indented; b-01 was not imported and has no header.
    assert!(lines[header + 1].contains("    a-01"), "{text}");
    assert!(lines[header + 2].contains("    a-02"), "{text}");
    assert_eq!(text.matches('◇').count(), 1, "{text}");
    // A correction moves the tile to done.
    a.handle(Report::EditSaved {
        image_id: ImageId(2),
        seq: 1,
    });
    let (text, _) = render(&a, 120, 24);
    let line = text.lines().find(|l| l.contains("◇ run7.tif")).unwrap();
    assert!(line.contains("2/2") && line.contains("all done"), "{line}");
    // The cursor skips nothing: the header is a line of the list, and space on it folds the
    // sample.
    let pos = a
        .list
        .entries
        .iter()
        .position(|e| matches!(e, crate::tui::app::Entry::Source { .. }))
        .unwrap();
    a.list.cursor = pos;
    press(&mut a, "space");
    let (text, _) = render(&a, 120, 24);
    assert!(!text.contains("a-01") && !text.contains('◇'), "{text}");
}

mod editor;
mod legend;
mod queue;
mod retrain;
mod wrapped;

#[test]
fn the_audit_title_names_a_bin_range_with_its_unit_once() {
    let mut a = sized(160, 48);
    a.indexing = false;
    start(&mut a);
    let ov = crate::tui::app::tests::overview(&a);
    a.handle(Report::Overview(ov));
    press(&mut a, "3 b");
    assert_eq!(a.audit.bin, Some(0));
    let (text, _) = render(&a, 160, 48);
    assert!(text.contains("bin 0: "), "{text}");
    assert!(!text.contains("µm/px µm/px"), "{text}");
}

#[test]
fn help_on_the_list_explains_the_flag_letters() {
    let mut a = sized(100, 60);
    a.indexing = false;
    start(&mut a);
    press(&mut a, "?");
    let (text, _) = render(&a, 100, 60);
    assert!(text.contains("The list's flag column"), "{text}");
    for s in crate::review::queue::Strategy::ALL {
        let want = format!("{} {}", crate::tui::app::flag_code(s), s.name());
        assert!(text.contains(&want), "{want}:\n{text}");
    }
}

/// The header and the sample row count current labels: accepting the unlabelled `a-02` makes
/// "2 labelled" "3 labelled" and sample a "2/2 labelled" (they counted mask files only).
#[test]
fn header_and_sample_counts_follow_review() {
    use crate::dataset::decision::{Decision, DecisionEntry};
    let mut a = sized(160, 48);
    a.indexing = false;
    let (before, _) = render(&a, 160, 48);
    assert!(before.contains("3 images (2 labelled)"), "{before}");
    assert!(before.contains("(1/2 labelled"), "{before}");
    a.marks.reviews.insert(
        ImageId(2),
        DecisionEntry {
            image_id: ImageId(2),
            decision: Decision::Accepted,
            note: String::new(),
            user: "t".into(),
            at: 0,
        },
    );
    let (after, _) = render(&a, 160, 48);
    assert!(after.contains("3 images (3 labelled)"), "{after}");
    assert!(after.contains("(2/2 labelled"), "{after}");
}

/// At 80×24 an imported tile's long name is cut in the middle, so its `-xX_yY` end, which
/// tells the tiles of one raw image apart, stays visible.
#[test]
fn long_tile_names_keep_their_end_at_80x24() {
    use crate::labels::status::TilePos;
    let mut a = sized(80, 24);
    a.indexing = false;
    for r in &mut a.rows {
        r.stem = format!(
            "{}_a_long_raw_image_name_from_the_fei_run7-x{}_y44",
            r.sample,
            r.id.0 * 224
        );
    }
    let tile = |x| TilePos {
        source: "run7.tif".into(),
        x,
        y: 44,
    };
    a.handle(Report::Tiles(
        [(ImageId(1), tile(224)), (ImageId(2), tile(448))].into(),
    ));
    let (text, _) = render(&a, 80, 24);
    assert!(
        text.contains("…-x224_y44") && text.contains("…-x448_y44"),
        "{text}"
    );
    assert!(
        text.contains("…-x672_y44"),
        "not imported, cut the same way: {text}"
    );
}
