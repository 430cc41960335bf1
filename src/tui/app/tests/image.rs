//! The image's pictures (contrast levels) and the jobs that show in the status bar.

use super::*;
use crate::tui::msg::JobEvent;

#[test]
fn a_reindex_task_ends_with_its_message_and_leaves_the_status_bar() {
    let mut a = app();
    let cmds = a.startup();
    let Some(Command::Refresh(task)) = cmds.last().cloned() else {
        panic!("{cmds:?}")
    };
    a.handle(Report::Job(JobEvent::Started {
        task,
        name: "scan".into(),
        total: 3,
    }));
    assert_eq!(a.tasks.newest().map(|t| t.name.as_str()), Some("scan"));
    // ctrl-r while it runs: a second task; both end.
    let again = a.update(crate::tui::action::Action::Refresh);
    let Some(Command::Refresh(second)) = again.first().cloned() else {
        panic!("{again:?}")
    };
    assert_eq!(a.tasks.running().len(), 2);
    for t in [task, second] {
        a.handle(Report::Job(JobEvent::Finished {
            task: t,
            message: "indexed: 3 images found, 0 read".into(),
        }));
    }
    assert!(a.tasks.is_empty());
    assert_eq!(
        a.message.as_ref().map(|(m, _)| m.as_str()),
        Some("indexed: 3 images found, 0 read")
    );
}

/// Images another process imported while the TUI is open: the task thread's report starts a
/// re-index, which the status bar shows like `g`'s.
#[test]
fn a_dataset_changed_elsewhere_is_reindexed() {
    let mut a = app();
    let cmds = a.handle(Report::DatasetChanged);
    assert!(matches!(cmds.as_slice(), [Command::Refresh(_)]), "{cmds:?}");
    assert_eq!(
        a.tasks.newest().map(|t| t.name.as_str()),
        Some("re-indexing")
    );
}

#[test]
fn levels_stretch_the_displayed_grey_only() {
    let mut a = app();
    let cmds = a.startup();
    let (id, generation) = load_of(&cmds).unwrap();
    loaded(&mut a, id, generation, true);
    press(&mut a, "2 0");
    let c = a.current.as_ref().unwrap();
    // Grey 3·i over 64 pixels: 0..=189; the picture shows it as it is.
    assert_eq!(c.composed[0].get(7, 7), Some([189; 3]));
    press(&mut a, "c");
    let c = a.current.as_ref().unwrap();
    let (_, w) = c.stretched.clone().unwrap();
    assert!(w.lo() <= 3 && w.hi() >= 186, "{w:?}");
    assert_eq!(
        c.composed[0].get(7, 7),
        Some([255; 3]),
        "the brightest shown white"
    );
    assert_eq!(
        c.image.as_ref().unwrap().pixels[63],
        189,
        "the data is unchanged"
    );
    press(&mut a, "c");
    assert!(a.current.as_ref().unwrap().stretched.is_none());
}

#[test]
fn the_window_keys_move_and_size_the_window_in_effect() {
    use crate::imaging::window::GreyWindow;
    let mut a = app();
    let cmds = a.startup();
    let (id, generation) = load_of(&cmds).unwrap();
    loaded(&mut a, id, generation, true);
    press(&mut a, "2 0");
    let window = |a: &App| a.grey_window().map(|w| (w.lo(), w.hi()));
    // From the stored 0–255: narrower (:), up (') and down (;), 16 and 8 grey levels a step.
    press(&mut a, ":");
    assert_eq!(window(&a), Some((8, 247)));
    assert_eq!(a.image.levels, Levels::Manual(GreyWindow::new(8, 247)));
    press(&mut a, "'");
    assert_eq!(window(&a), Some((16, 255)));
    press(&mut a, "; ; ;");
    assert_eq!(window(&a), Some((0, 239)), "stops at 0");
    press(&mut a, "\"");
    assert_eq!(window(&a), Some((0, 255)));
    // From the automatic stretch (grey 3·i: 0–189), narrower by 16 about its centre.
    press(&mut a, "c");
    assert_eq!(window(&a), Some((0, 189)));
    press(&mut a, ":");
    assert_eq!(window(&a), Some((8, 181)));
    assert_eq!(
        a.message.as_ref().unwrap().0,
        "window 8–181 (grey levels) shown black to white; the data is unchanged"
    );
    let c = a.current.as_ref().unwrap();
    // Grey 9 (pixel 3) is 1 level into the 173-wide window; grey 186 and up are white.
    assert_eq!(c.composed[0].get(3, 0), Some([1; 3]));
    assert_eq!(c.composed[0].get(6, 7), Some([255; 3]));
    assert_eq!(
        c.image.as_ref().unwrap().pixels[3],
        9,
        "the data is unchanged"
    );
    // The window is kept in the editor (its keys fall through) and reset by W.
    press(&mut a, "i ' esc");
    assert!(!a.editing());
    assert_eq!(window(&a), Some((16, 189)));
    press(&mut a, "W 0");
    assert_eq!((window(&a), a.image.levels), (None, Levels::Stored));
    let c = a.current.as_ref().unwrap();
    assert_eq!(c.composed[0].get(7, 7), Some([189; 3]));
}

/// The Image screen at 160×48 showing image 1 as a 256×256 ramp, zoomed in three steps (the
/// view shows about 105 px across, centred on the cursor at (128, 128)).
fn zoomed() -> App {
    let mut a = app();
    let cmds = a.startup();
    let (id, generation) = load_of(&cmds).unwrap();
    let n = 256u32;
    a.handle(Report::Loaded {
        id,
        generation,
        result: Ok(Loaded {
            image: Arc::new(Grey8 {
                width: n,
                height: n,
                pixels: (0..n * n).map(|i| (i % n) as u8).collect(),
            }),
            mask: None,
            mask_error: None,
            prediction: None,
            edits: None,
        }),
    });
    press(&mut a, "2 + + +");
    assert_eq!(a.image.cursor, (128, 128));
    a
}

fn cursor_on_screen(a: &App) -> bool {
    let pane = a.panes().images[0];
    let (x, y) = a.image.cursor;
    a.viewport()
        .and_then(|v| v.pixel_to_cell(x, y))
        .is_some_and(|(c, r)| c < pane.width && r < pane.height)
}

#[test]
fn a_cursor_key_after_panning_moves_on_from_what_is_shown() {
    let mut a = zoomed();
    let start = a.viewport().unwrap();
    assert!(cursor_on_screen(&a));
    // Right, far enough that a cursor left behind would be off screen.
    press(&mut a, "L L L L L L");
    let panned = a.viewport().unwrap();
    assert!(panned.x0 > start.x0 + 50.0, "{start:?} -> {panned:?}");
    assert!(
        cursor_on_screen(&a),
        "the cursor moved along: {:?}",
        a.image.cursor
    );
    let (x, y) = a.image.cursor;
    press(&mut a, "l");
    assert_eq!(
        a.viewport().unwrap(),
        panned,
        "the view stays where it was panned"
    );
    assert_eq!(a.image.cursor, (x + 1, y));
    // Up, then a cursor move down: the same.
    press(&mut a, "K K K K K K");
    let panned = a.viewport().unwrap();
    assert!(panned.y0 < start.y0 - 50.0, "{start:?} -> {panned:?}");
    assert!(cursor_on_screen(&a), "{:?}", a.image.cursor);
    press(&mut a, "j h");
    assert_eq!(a.viewport().unwrap(), panned);
    assert!(cursor_on_screen(&a));
}

#[test]
fn a_mouse_drag_pans_the_view_and_the_cursor_follows_the_pointer() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind as K};
    let mut a = zoomed();
    let pane = a.panes().images[0];
    let start = a.viewport().unwrap();
    let mouse = |kind, column, row| {
        Event::Input(TermEvent::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }))
    };
    let (col, row) = (pane.x + pane.width - 5, pane.y + 5);
    a.handle(mouse(K::Down(MouseButton::Left), col, row));
    for step in 1..=60 {
        a.handle(mouse(
            K::Drag(MouseButton::Left),
            col - step,
            row + step / 3,
        ));
    }
    a.handle(mouse(K::Up(MouseButton::Left), col - 60, row + 20));
    let panned = a.viewport().unwrap();
    // Dragged 60 columns left and 20 rows down: the image follows the pointer.
    assert!(
        (panned.x0 - (start.x0 + 60.0 * start.scale)).abs() < 1e-9,
        "{panned:?}"
    );
    assert!(
        (panned.y0 - (start.y0 - 40.0 * start.scale)).abs() < 1e-9,
        "{panned:?}"
    );
    let under = panned.cell_to_pixel(col - 60 - pane.x, row + 20 - pane.y, true);
    assert_eq!(a.image.cursor, (under.0 as u32, under.1 as u32));
    press(&mut a, "l k");
    assert_eq!(
        a.viewport().unwrap(),
        panned,
        "the next cursor keys move from there"
    );
}

#[test]
fn tool_counts_are_read_with_thousands_separators() {
    let mut a = zoomed();
    // Grey = x: ±12 around grey 128 is columns 116–140 of 256 rows.
    press(&mut a, "i g");
    let m = &a.message.as_ref().unwrap().0;
    assert!(
        m.starts_with("grey fill: 6,400 px within ±12 of grey 128 ("),
        "{m}"
    );
    press(&mut a, "enter");
    assert_eq!(a.message.as_ref().unwrap().0, "grey fill: 6,400 px");
}
