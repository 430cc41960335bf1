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
    a.handle(Event::Job(JobEvent::Started {
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
        a.handle(Event::Job(JobEvent::Finished {
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
    let cmds = a.handle(Event::DatasetChanged);
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
    let (_, (lo, hi)) = c.stretched.clone().unwrap();
    assert!(lo <= 3 && hi >= 186, "({lo}, {hi})");
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
fn percentiles_ignore_a_few_outliers() {
    let mut px = vec![100u8; 1000];
    px[0] = 0;
    px[1] = 255;
    px.extend(std::iter::repeat_n(160, 500));
    assert_eq!(super::super::image::percentile_range(&px), (100, 160));
}
