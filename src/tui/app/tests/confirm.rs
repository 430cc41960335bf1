//! Accepting a proposal that was never opened asks first, naming the image; one opened in
//! this session is accepted at once.

use crate::dataset::image::ImageId;

use super::*;

fn accepts(cmds: &[Command], id: ImageId) -> bool {
    cmds.iter().any(
        |c| matches!(c, Command::Decide(e) if e.image_id == id && e.decision == Decision::Accepted),
    )
}

/// The queue screen over the test overview.
fn queue() -> App {
    let mut a = app();
    a.startup();
    a.handle(Report::Overview(overview(&a)));
    press(&mut a, "4");
    a
}

#[test]
fn accepting_an_unopened_proposal_asks_first_naming_the_image() {
    let mut a = queue();
    let item = a.queue.selected().cloned().unwrap();
    let cmds = press(&mut a, "Y");
    assert!(!accepts(&cmds, item.image_id), "{cmds:?}");
    let q = a.confirm.clone().expect("a question");
    assert_eq!(
        (q.image_id, q.decision),
        (item.image_id, Decision::Accepted)
    );
    assert!(q.question.contains(&item.stem), "{}", q.question);
    assert!(!a.marks.reviews.contains_key(&item.image_id));
    // Any key but y drops the question and does nothing else: j does not move the cursor.
    let cursor = a.queue.cursor;
    assert!(press(&mut a, "j").is_empty());
    assert!(a.confirm.is_none());
    assert_eq!(a.queue.cursor, cursor);
    assert!(a.queue.items.iter().any(|it| it.image_id == item.image_id));
    assert!(!a.marks.reviews.contains_key(&item.image_id));
    // y accepts it, and it leaves the queue.
    press(&mut a, "Y");
    let cmds = press(&mut a, "y");
    assert!(accepts(&cmds, item.image_id), "{cmds:?}");
    assert!(a.confirm.is_none());
    assert!(a.queue.items.iter().all(|it| it.image_id != item.image_id));
}

#[test]
fn a_proposal_opened_in_this_session_is_accepted_at_once() {
    let mut a = queue();
    let item = a.queue.selected().cloned().unwrap();
    press(&mut a, "enter");
    assert_eq!(a.screen, Screen::Image);
    let (id, generation) = a.pending.expect("the image is loading");
    assert_eq!(id, item.image_id);
    assert!(!a.opened.contains(&id), "not before its proposal is shown");
    a.handle(Report::Loaded {
        id,
        generation,
        result: Ok(Loaded {
            image: grey(),
            mask: Some(mask()),
            mask_error: None,
            prediction: Some(prediction(id, vec![4; (W * H) as usize])),
            edits: None,
        }),
    });
    assert!(a.opened.contains(&id));
    press(&mut a, "esc");
    assert_eq!(a.screen, Screen::Queue);
    let cmds = press(&mut a, "Y");
    assert!(a.confirm.is_none());
    assert!(accepts(&cmds, id), "{cmds:?}");
}
