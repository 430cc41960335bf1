//! Editor tools that never surprise, through the real keymap: the cursor steps once per tap
//! and accelerates only while a key is held, and undoing every edit takes the image back to
//! the status it had before it was corrected.

use super::edit::{editing, journal};
use super::*;
use crate::dataset::decision::Decision;
use crossterm::event::KeyEventKind;

/// Presses `code` as the terminal's auto-repeat of a held key would send it.
fn held(app: &mut App, code: KeyCode, times: usize) {
    for _ in 0..times {
        let mut ev = KeyEvent::new(code, KeyModifiers::NONE);
        ev.kind = KeyEventKind::Repeat;
        app.handle(Event::Input(TermEvent::Key(ev)));
    }
}

#[test]
fn separate_taps_move_one_step_each_and_only_a_held_key_accelerates() {
    let mut a = editing();
    press(&mut a, "left left left left");
    assert_eq!(a.image.cursor, (0, 4));
    // Five taps, one pixel each (the old rule doubled the step after every third press).
    press(&mut a, "right right right right right");
    assert_eq!(a.image.cursor, (5, 4));
    press(&mut a, "left left left left left");
    assert_eq!(a.image.cursor.0, 0);
    // A held key: the press and two repeats step 1 each, the next repeats 2 each.
    press(&mut a, "right");
    held(&mut a, KeyCode::Right, 2);
    assert_eq!(a.image.cursor, (3, 4));
    held(&mut a, KeyCode::Right, 1);
    assert_eq!(a.image.cursor, (5, 4));
    // A tap after holding starts over at one step.
    press(&mut a, "left");
    assert_eq!(a.image.cursor, (4, 4));
}

fn decision(a: &App) -> Option<Decision> {
    a.marks.reviews.get(&ImageId(1)).map(|e| e.decision)
}

fn status(a: &App) -> crate::labels::status::MaskStatus {
    let row = a.current.as_ref().unwrap().row.clone();
    a.marks
        .labels
        .status(&row, a.marks.reviews.get(&ImageId(1)))
}

#[test]
fn undoing_every_edit_clears_corrected_and_a_redo_sets_it_again() {
    use crate::labels::status::MaskStatus;
    let mut a = editing();
    assert_eq!(decision(&a), None);
    let cmds = press(&mut a, "3 space h space");
    assert_eq!(journal(&cmds).len(), 2);
    a.handle(Report::EditSaved {
        image_id: ImageId(1),
        seq: 2,
    });
    a.marks.labels.edit_saved(ImageId(1), 2);
    assert_eq!(decision(&a), Some(Decision::Corrected));
    assert_eq!(status(&a), MaskStatus::Corrected);
    // One undo leaves a change: still corrected.
    press(&mut a, "u");
    assert_eq!(decision(&a), Some(Decision::Corrected));
    // Back at the start: the decision it had before (none: cleared), the mask its file's.
    let cmds = press(&mut a, "u");
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::Decide(e) if e.decision == Decision::Cleared))
    );
    assert_eq!(decision(&a), Some(Decision::Cleared));
    assert_eq!(status(&a), MaskStatus::Original);
    // A redo changes pixels again: corrected again.
    press(&mut a, "U");
    assert_eq!(decision(&a), Some(Decision::Corrected));
    assert_eq!(status(&a), MaskStatus::Corrected);
}

#[test]
fn an_image_flagged_before_its_correction_is_flagged_again_when_it_is_undone() {
    let mut a = editing();
    press(&mut a, "esc f i");
    assert!(a.editing());
    assert_eq!(decision(&a), Some(Decision::Flagged));
    press(&mut a, "space");
    assert_eq!(decision(&a), Some(Decision::Corrected));
    press(&mut a, "u");
    assert_eq!(decision(&a), Some(Decision::Flagged));
}

fn assist_req(cmds: &[Command]) -> Option<&crate::jobs::assist_live::AssistReq> {
    cmds.iter().find_map(|c| match c {
        Command::Assist(r) => Some(r.as_ref()),
        _ => None,
    })
}

#[test]
#[allow(clippy::naive_bytecount)]
fn the_assist_proposes_after_each_stroke_and_its_latest_answer_is_the_proposal() {
    let mut a = editing();
    // On: a request with the session's labels (the mask: left 4, right 6).
    let cmds = press(&mut a, "T");
    let first = assist_req(&cmds).expect("a request when turned on");
    assert_eq!(first.labels, mask());
    assert_eq!(first.n_classes, 10);
    let g1 = first.generation;
    // A stroke asks again, with the stroke in the labels.
    let cmds = press(&mut a, "3 space");
    let second = assist_req(&cmds).expect("a request after the stroke");
    assert!(second.generation > g1);
    assert_eq!(second.labels.iter().filter(|&&c| c == 3).count(), 21);
    let g2 = second.generation;
    // The older answer is dropped; the latest becomes the image's proposal.
    let answer = |generation, class: u8| Report::Assisted {
        id: ImageId(1),
        generation,
        result: Ok(Box::new(crate::jobs::assist_live::Assisted {
            prediction: prediction(ImageId(1), vec![class; (W * H) as usize]),
            labelled: 64,
            dataset: crate::jobs::assist_live::DatasetUse::Rows {
                rows: 6000,
                images: 59,
            },
            millis: 12,
        })),
    };
    a.handle(answer(g1, 7));
    assert_ne!(
        a.current.as_ref().unwrap().prediction().unwrap().classes[0],
        7
    );
    a.handle(answer(g2, 8));
    assert_eq!(
        a.current.as_ref().unwrap().prediction().unwrap().classes[0],
        8
    );
    assert!(
        a.message
            .as_ref()
            .unwrap()
            .0
            .contains("assist: 64 px of this image + 6,000 rows from 59 images in 12 ms")
    );
    // Off: strokes ask nothing more.
    press(&mut a, "T");
    assert!(assist_req(&press(&mut a, "h space")).is_none());
}

#[test]
fn a_superpixel_is_painted_whole_and_its_edges_are_shown_on_demand() {
    let mut a = editing();
    // An 8×8 image is one superpixel (about 150 px each): S paints all of it.
    let cmds = press(&mut a, "[ [ [ [ 3 S");
    assert_eq!(a.edit.brush, 1);
    let j = super::edit::journal(&cmds);
    assert_eq!(j.len(), 1);
    match &j[0].op {
        crate::review::edit::JournalOp::Stroke(s) => {
            assert_eq!(
                (s.tool, s.changes.len()),
                (crate::review::edit::Tool::Superpixel, 64)
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        a.edit_session()
            .unwrap()
            .mask
            .classes()
            .iter()
            .all(|&c| c == 3)
    );
    press(&mut a, "E");
    assert!(a.edit.segment_edges);
    assert!(
        a.message.as_ref().unwrap().0.contains("1 segments"),
        "{:?}",
        a.message
    );
}

#[test]
fn editor_messages_count_in_words() {
    let mut a = editing();
    press(&mut a, "v");
    assert_eq!(
        a.message.as_ref().unwrap().0,
        "polygon: 1 corner (v adds the next; a polygon needs three)"
    );
    press(&mut a, "l v l v");
    assert_eq!(
        a.message.as_ref().unwrap().0,
        "polygon: 3 corners (enter or V fills)"
    );
    press(&mut a, "esc 3 #");
    assert_eq!(
        a.message.as_ref().unwrap().0,
        "MO locked: no tool changes its pixels"
    );
    press(&mut a, "#");
    assert_eq!(
        a.message.as_ref().unwrap().0,
        "MO unlocked: tools change its pixels again"
    );
    press(&mut a, "g enter");
    let m = &a.message.as_ref().unwrap().0;
    let n = m
        .strip_prefix("grey fill: ")
        .and_then(|m| m.strip_suffix(" px"));
    assert!(n.is_some_and(|n| n.parse::<usize>().is_ok()), "{m}");
}

#[test]
fn the_class_picker_echoes_what_is_typed_and_the_class_it_names() {
    let mut a = editing();
    let said = |a: &App| a.message.clone().unwrap();
    press(&mut a, "/ p");
    let (m, _) = said(&a);
    assert!(m.starts_with("class: p▏ → Py (4) "), "{m}");
    press(&mut a, "l");
    let (m, _) = said(&a);
    assert!(m.starts_with("class: pl▏ → Pl (5) "), "{m}");
    press(&mut a, "x");
    assert_eq!(
        said(&a),
        (
            "class: plx▏ names no class (backspace deletes, esc cancels)".into(),
            Severity::Warn
        )
    );
    press(&mut a, "backspace enter");
    assert_eq!(a.edit.class, 5);
    assert_eq!(said(&a).0, "class Pl (5)");
    press(&mut a, "/ o esc");
    assert_eq!((a.edit.class, said(&a).0.as_str()), (5, "class unchanged"));
}
