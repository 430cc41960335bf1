//! The mask editor through the real keymap: every tool, locks, undo/redo, the journal
//! commands each finished stroke produces, and the session kept across images.

use super::*;
use crate::labels::journal::JournalReq;
use crate::review::edit::{JournalOp, Tool};

/// App showing image 1 (8×8, mask: left half 4, right half 6) with a prediction (top half 5,
/// bottom half 4; confidence 200 on the left, 100 on the right), in the editor.
pub(super) fn editing() -> App {
    let mut a = app();
    let cmds = a.startup();
    let (id, generation) = load_of(&cmds).unwrap();
    assert_eq!(id, ImageId(1));
    let pred: Vec<u8> = (0..W * H)
        .map(|i| if i / W < H / 2 { 5 } else { 4 })
        .collect();
    let mut p = prediction(ImageId(1), pred);
    p.margin = (0..W * H)
        .map(|i| if i % W < W / 2 { 200 } else { 100 })
        .collect();
    a.handle(Report::Loaded {
        id,
        generation,
        result: Ok(Loaded {
            image: grey(),
            mask: Some(mask()),
            mask_error: None,
            prediction: Some(p),
            edits: None,
        }),
    });
    press(&mut a, "2 i");
    assert!(a.editing());
    assert_eq!(a.layers(), vec![Layer::Edit, Layer::Image, Layer::Global]);
    a
}

fn shown(a: &App) -> Vec<u8> {
    a.edit_session()
        .map_or_else(mask, |s| s.mask.classes().to_vec())
}

pub(super) fn journal(cmds: &[Command]) -> Vec<&JournalReq> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Journal(r) => Some(r.as_ref()),
            _ => None,
        })
        .collect()
}

fn stroke_of(r: &JournalReq) -> (Tool, usize) {
    match &r.op {
        JournalOp::Stroke(s) => (s.tool, s.changes.len()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_brush_stamp_paints_the_active_class_and_is_journalled_once() {
    let mut a = editing();
    assert_eq!(a.image.cursor, (4, 4));
    let cmds = press(&mut a, "3 space");
    let j = journal(&cmds);
    assert_eq!(j.len(), 1);
    // A round 5-px brush covers 21 pixels, all of class 4 or 6 before.
    assert_eq!(stroke_of(j[0]), (Tool::Brush, 21));
    assert_eq!(
        j[0].base.fp, "mfp1",
        "the journal is tied to the mask file it edits"
    );
    assert_eq!(
        shown(&a)
            .iter()
            .map(|&c| usize::from(c == 3))
            .sum::<usize>(),
        21
    );
    // The first stroke marks the image corrected; the side panel figures follow.
    assert!(cmds.iter().any(
        |c| matches!(c, Command::Decide(e) if e.decision == crate::dataset::decision::Decision::Corrected)
    ));
    assert_eq!(a.current.as_ref().unwrap().stats[3].truth_px, 21);
    assert_eq!(a.edit.unsaved_total(), 1);
    a.handle(Report::EditSaved {
        image_id: ImageId(1),
        seq: 1,
    });
    assert_eq!(a.edit.unsaved_total(), 0);
    // A second stroke does not mark it again.
    let cmds = press(&mut a, "h h space");
    assert_eq!(journal(&cmds).len(), 1);
    assert!(!cmds.iter().any(|c| matches!(c, Command::Decide(_))));
}

#[test]
fn undo_and_redo_are_journalled_and_restore_the_pixels() {
    let mut a = editing();
    press(&mut a, "1 space");
    let painted = shown(&a);
    let cmds = press(&mut a, "u");
    assert!(matches!(journal(&cmds)[0].op, JournalOp::Undo));
    assert_eq!(shown(&a), mask());
    assert_eq!(a.current.as_ref().unwrap().stats[1].truth_px, 0);
    let cmds = press(&mut a, "U");
    assert!(matches!(journal(&cmds)[0].op, JournalOp::Redo));
    assert_eq!(shown(&a), painted);
    assert!(journal(&press(&mut a, "U")).is_empty(), "nothing to redo");
}

#[test]
fn paint_mode_paints_along_the_cursor_path_as_one_stroke() {
    let mut a = editing();
    a.edit.brush = 1;
    let cmds = press(&mut a, "9 b l l l");
    assert!(journal(&cmds).is_empty(), "the stroke is still open");
    let cmds = press(&mut a, "b");
    let j = journal(&cmds);
    assert_eq!(j.len(), 1);
    // 1-px brush from (4, 4) three pixels right (the view fits 8 px, one pixel per cell).
    let step = a.viewport().unwrap().scale.round().max(1.0) as usize;
    assert_eq!(stroke_of(j[0]), (Tool::Brush, 1 + 3 * step.min(1)));
    let m = shown(&a);
    assert!((4..=7).all(|x| m[4 * 8 + x] == 9), "{m:?}");
}

#[test]
fn erase_makes_pixels_unlabelled_and_restore_puts_back_the_proposal() {
    use crate::dataset::schema::UNLABELLED;
    let mut a = editing();
    a.edit.brush = 1;
    // Cursor (4, 4) is class 6 (right half of the mask); erase along row 4 to (2, 4).
    let cmds = press(&mut a, "x b h h b");
    let m = shown(&a);
    assert_eq!(
        (m[4 * 8 + 2], m[4 * 8 + 3], m[4 * 8 + 4]),
        (UNLABELLED, UNLABELLED, UNLABELLED)
    );
    assert_eq!(stroke_of(journal(&cmds)[0]), (Tool::Erase, 3));
    // Restore puts back the proposal (bottom half: class 4), pixel by pixel.
    let cmds = press(&mut a, "R b l b");
    let m = shown(&a);
    assert_eq!(
        (m[4 * 8 + 2], m[4 * 8 + 3], m[4 * 8 + 4]),
        (4, 4, UNLABELLED)
    );
    assert_eq!(stroke_of(journal(&cmds)[0]), (Tool::Restore, 2));
    assert!(
        !a.edit.erase && a.edit.restore,
        "the two modes exclude each other"
    );
}

#[test]
#[allow(clippy::naive_bytecount)]
fn an_image_with_no_mask_and_no_proposal_is_edited_from_blank() {
    use crate::dataset::schema::UNLABELLED;
    use crate::dataset::workspace::BaseSource;
    let mut a = app();
    a.startup();
    // a-02 (id 2): no mask file, and no model has proposed anything for it.
    let (id, generation) = load_of(&press(&mut a, "j")).unwrap();
    assert_eq!(id, ImageId(2));
    a.handle(Report::Loaded {
        id,
        generation,
        result: Ok(Loaded {
            image: grey(),
            mask: None,
            mask_error: None,
            prediction: None,
            edits: None,
        }),
    });
    press(&mut a, "2 i");
    assert!(a.editing(), "{:?}", a.message);
    assert!(shown(&a).iter().all(|&c| c == UNLABELLED), "starts blank");
    let cmds = press(&mut a, "3 space");
    let j = journal(&cmds);
    assert_eq!(j[0].base.source, BaseSource::Blank);
    assert_eq!(stroke_of(j[0]), (Tool::Brush, 21));
    assert_eq!(shown(&a).iter().filter(|&&c| c == 3).count(), 21);
    assert_eq!(
        shown(&a).iter().filter(|&&c| c == UNLABELLED).count(),
        64 - 21
    );
}

#[test]
fn flood_fill_takes_the_connected_region_of_the_class_under_the_cursor() {
    let mut a = editing();
    press(&mut a, "h h");
    let cmds = press(&mut a, "7 f");
    assert_eq!(stroke_of(journal(&cmds)[0]), (Tool::Fill, 32));
    let m = shown(&a);
    assert!((0..64).all(|i| m[i] == if i % 8 < 4 { 7 } else { 6 }));
}

#[test]
fn grey_fill_is_previewed_then_applied() {
    let mut a = editing();
    // Grey is 3·index: at (4, 4) index 36 → 108; ±12 takes 96..=120, i.e. indices 32..=40,
    // connected along row 4 and into row 5 at index 40.
    let cmds = press(&mut a, "8 g");
    assert!(journal(&cmds).is_empty(), "a preview saves nothing");
    assert_eq!(a.edit.preview.as_ref().map(Vec::len), Some(9));
    assert_eq!(shown(&a), mask(), "not applied yet");
    let cmds = press(&mut a, "( ( (");
    assert!(journal(&cmds).is_empty());
    assert_eq!(a.edit.tolerance, 0);
    assert_eq!(a.edit.preview.as_ref().map(Vec::len), Some(1));
    let cmds = press(&mut a, ") ) ) enter");
    assert_eq!(stroke_of(journal(&cmds)[0]), (Tool::GreyFill, 9));
    assert!(a.edit.preview.is_none());
    // esc cancels a preview without leaving the editor.
    press(&mut a, "g esc");
    assert!(a.edit.preview.is_none() && a.editing());
}

#[test]
fn accept_takes_the_proposal_by_region_class_confidence_or_whole() {
    let mut a = editing();
    // Cursor (4, 4): predicted 4 in the bottom half. Region = bottom half.
    let cmds = press(&mut a, "a");
    assert_eq!(
        stroke_of(journal(&cmds)[0]),
        (Tool::Accept, 16),
        "right bottom 6 → 4"
    );
    let m = shown(&a);
    assert!((32..64).all(|i| m[i] == 4));
    press(&mut a, "u");
    // Confidence ≥ 0.80 (204): only the left half (margin 200 < 204): nothing; lower it.
    press(&mut a, "y");
    assert_eq!(shown(&a), mask());
    press(&mut a, "{ y");
    let m = shown(&a);
    assert!((0..64).all(|i| m[i]
        == if i % 8 < 4 {
            if i < 32 { 5 } else { 4 }
        } else {
            6
        }));
    press(&mut a, "A");
    let m = shown(&a);
    assert!((0..64).all(|i| m[i] == if i < 32 { 5 } else { 4 }));
}

#[test]
fn locked_classes_resist_every_tool() {
    let mut a = editing();
    press(&mut a, "6 #");
    assert_eq!(a.edit.locks.locked(), vec![6]);
    press(&mut a, "2 A");
    let m = shown(&a);
    assert!((0..64).all(|i| m[i]
        == if i % 8 < 4 {
            if i < 32 { 5 } else { 4 }
        } else {
            6
        }));
    a.edit.brush = 64;
    press(&mut a, "1 space");
    assert!(shown(&a).iter().all(|&c| c == 1 || c == 6));
}

#[test]
fn polygons_need_three_corners() {
    let mut a = editing();
    a.edit.brush = 1;
    let cmds = press(&mut a, "5 v l l v enter");
    assert!(journal(&cmds).is_empty());
    assert_eq!(a.edit.polygon.len(), 2, "kept for a third corner");
    let cmds = press(&mut a, "k k v V");
    let (tool, n) = stroke_of(journal(&cmds)[0]);
    assert_eq!(tool, Tool::Polygon);
    assert!(n >= 3, "{n}");
    assert!(a.edit.polygon.is_empty());
}

#[test]
fn the_class_picker_takes_short_names() {
    let mut a = editing();
    press(&mut a, "/ O l enter");
    assert_eq!(a.edit.class, 7);
    press(&mut a, "/ l s enter");
    assert_eq!(a.edit.class, 8, "LSMC by prefix");
    press(&mut a, "/ z z enter");
    assert_eq!(a.edit.class, 8, "unknown names change nothing");
    press(&mut a, "tab");
    assert_eq!(a.edit.class, 9);
}

#[test]
fn leaving_ends_the_stroke_and_sessions_survive_moving_between_images() {
    let mut a = editing();
    a.edit.brush = 1;
    let cmds = press(&mut a, "2 b l");
    assert!(journal(&cmds).is_empty());
    let cmds = press(&mut a, "esc");
    assert_eq!(journal(&cmds).len(), 1, "esc ends the open stroke");
    assert!(!a.editing());
    assert_eq!(a.layers(), vec![Layer::Image, Layer::Global]);
    let painted = shown(&a);
    // Another image and back: the session (and its undo history) is still there.
    press(&mut a, "n");
    let generation = a.pending.unwrap().1;
    loaded(&mut a, ImageId(1), generation, true);
    assert_eq!(shown(&a), painted);
    press(&mut a, "i u");
    assert_eq!(shown(&a), mask());
}

#[test]
fn the_edited_overlay_shows_changed_pixels_only() {
    let mut a = editing();
    a.edit.brush = 1;
    press(&mut a, "1 space esc d");
    assert_eq!(a.image.overlay, crate::tui::render::Overlay::Edited);
    let c = a.current.as_ref().unwrap();
    let frame = &c.composed[0];
    let (x, y) = a.image.cursor;
    let lut = a.theme.class_rgb(&a.ctx.schema, 1);
    assert_eq!(
        frame.get(x, y),
        Some(lut),
        "the edited pixel in its new class colour"
    );
    // Elsewhere the grey image at half brightness: grey 3·i → (3·i)/2.
    assert_eq!(frame.get(0, 0), Some([0, 0, 0]));
    assert_eq!(frame.get(1, 0), Some([1, 1, 1]));
}

#[test]
fn a_mouse_drag_paints_one_stroke_ended_by_the_release() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mut a = editing();
    a.edit.brush = 1;
    press(&mut a, "2");
    let pane = a.panes().images[0];
    let v = a.viewport().unwrap();
    let at = |x: u32, y: u32| {
        v.pixel_to_cell(x, y)
            .map(|(c, r)| (pane.x + c, pane.y + r))
            .unwrap()
    };
    let ev = |kind, (column, row): (u16, u16)| {
        Event::Input(crossterm::event::Event::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }))
    };
    a.handle(ev(MouseEventKind::Down(MouseButton::Left), at(1, 1)));
    let mut cmds = Vec::new();
    for x in 2..=6 {
        cmds.extend(a.handle(ev(MouseEventKind::Drag(MouseButton::Left), at(x, 1))));
    }
    assert!(journal(&cmds).is_empty(), "still dragging");
    let cmds = a.handle(ev(MouseEventKind::Up(MouseButton::Left), at(6, 1)));
    let j = journal(&cmds);
    assert_eq!(j.len(), 1);
    let m = shown(&a);
    assert!((1..=6).all(|x| m[8 + x] == 2), "{m:?}");
}

#[test]
fn editing_an_unlabelled_image_counts_the_proposal_as_its_mask() {
    // Image 1 shown without a mask (an unlabelled tile), with the proposal (top half 5,
    // bottom half 4): after one brush stamp the class table counts the mask being made.
    let mut a = app();
    let cmds = a.startup();
    let (id, generation) = load_of(&cmds).unwrap();
    let pred: Vec<u8> = (0..W * H)
        .map(|i| if i / W < H / 2 { 5 } else { 4 })
        .collect();
    a.handle(Report::Loaded {
        id,
        generation,
        result: Ok(Loaded {
            image: grey(),
            mask: None,
            mask_error: None,
            prediction: Some(prediction(ImageId(1), pred)),
            edits: None,
        }),
    });
    assert_eq!(a.current.as_ref().unwrap().stats[5].truth_px, 0);
    press(&mut a, "2 i 3 space");
    let stats = &a.current.as_ref().unwrap().stats;
    assert_eq!(stats[3].truth_px, 21, "the stamp");
    assert_eq!(
        stats[4].truth_px + stats[5].truth_px,
        64 - 21,
        "the rest is the proposal's"
    );
}
