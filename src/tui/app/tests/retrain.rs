//! `F` retrains: one job at a time, and its new model replaces the session's.

use super::*;
use crate::jobs::retrain::{Retrained, ScoredOn};
use crate::jobs::retrain_job::NewModel;
use crate::jobs::service::ModelRef;
use crate::model::card::{ClassMetric, MetricsCard};
use crate::tui::msg::JobEvent;

fn card(acc: f64, miou: f64, py_iou: f64) -> MetricsCard {
    MetricsCard {
        images: 3,
        pixels: 192,
        labelled_share: Some(1.0),
        pixel_accuracy: Some(acc),
        mean_iou: Some(miou),
        per_class: vec![
            ClassMetric {
                id: 0,
                short: "Void".into(),
                iou: None,
                precision: None,
                recall: None,
                support: 0,
            },
            ClassMetric {
                id: 4,
                short: "Py".into(),
                iou: Some(py_iou),
                precision: None,
                recall: None,
                support: 120,
            },
        ],
    }
}

pub fn new_model(app: &App) -> NewModel {
    let mut info = app.ctx.model.clone().unwrap();
    info.dir = "/data/demo/.semcurate/models/retrain-1".into();
    info.hash = "0123456789abcdef".into();
    NewModel {
        report: Retrained {
            dir: info.dir.clone(),
            hash: info.hash.clone(),
            base: Some(("models/test".into(), "abcdef0123456789".into())),
            train_images: 5,
            train_pixels: 320,
            scored_on: ScoredOn::HeldOut,
            before: Some(card(0.61, 0.14, 0.50)),
            after: card(0.78, 0.40, 0.72),
            training_seconds: 90.0,
            predicted: crate::jobs::predict::PredictSummary::default(),
        },
        model: ModelRef {
            dir: info.dir.clone(),
            hash: info.hash.clone(),
            bins: info.config.bins.clone(),
            backend: crate::model::BackendKind::default(),
        },
        info,
    }
}

#[test]
fn f_starts_one_retrain_and_its_model_replaces_the_sessions() {
    let mut a = app();
    a.startup();
    let cmds = press(&mut a, "F");
    let task = match cmds.as_slice() {
        [Command::Retrain(t)] => *t,
        other => panic!("{other:?}"),
    };
    assert!(a.tasks.is_running(Some(task)));
    assert!(press(&mut a, "F").is_empty(), "a second F while one runs");
    assert!(
        a.message
            .as_ref()
            .is_some_and(|(m, _)| m.contains("already running")),
        "{:?}",
        a.message
    );
    let done = new_model(&a);
    let cmds = a.handle(Report::Retrained(Box::new(done.clone())));
    assert!(
        cmds.contains(&Command::UseModel(Box::new(done.model.clone()))),
        "{cmds:?}"
    );
    assert_eq!(a.ctx.model.as_ref().unwrap().hash, "0123456789abcdef");
    assert_eq!(a.screen, Screen::Audit, "the before/after audit is shown");
    let changes = a.retrained.as_ref().unwrap().changes();
    let py = changes.iter().find(|c| c.name == "Py").unwrap();
    assert_eq!((py.before, py.after), (Some(0.50), Some(0.72)));
    assert!(
        !changes.iter().any(|c| c.name == "Void"),
        "classes with no support are left out: {changes:?}"
    );
    let cmds = a.handle(Report::Job(JobEvent::Finished {
        task,
        message: "retrained".into(),
    }));
    assert!(cmds.contains(&Command::LoadOverview), "{cmds:?}");
    assert!(!a.tasks.is_running(Some(task)));
    assert!(matches!(
        press(&mut a, "F").as_slice(),
        [Command::Retrain(_)]
    ));
}

#[test]
fn a_retrain_that_ends_while_editing_keeps_the_editor_open() {
    let mut a = app();
    a.startup();
    press(&mut a, "F");
    a.screen = Screen::Image;
    a.edit.active = true;
    let done = new_model(&a);
    a.handle(Report::Retrained(Box::new(done)));
    assert_eq!(a.screen, Screen::Image);
    assert!(a.editing());
}
