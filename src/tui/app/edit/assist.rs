//! The editor's assist: `T` turns it on; then, after every finished stroke, undo or redo, the
//! shown image's labels go to the assist worker (latest request wins), whose proposal, a
//! random forest trained on those labels (weighted up) and on rows of the dataset's other
//! labelled images once they are gathered, becomes the image's proposal: `p` shows it and the
//! accept tools (region, class, confidence, all) take it like a model's. The message says what
//! it was trained on.

use std::sync::Arc;

use crate::dataset::image::ImageId;
use crate::jobs::assist_live::{AssistReq, Assisted, DatasetMix, DatasetUse};

use super::super::super::msg::Command;
use super::super::image::PredState;
use super::super::{App, Severity};

/// Which of the dataset's rows the editor's requests train on: those of the classes drawn on
/// the image, while it has few labels (docs/ASSIST.md "Dataset rows in the live assist" has
/// the measurements).
const DATASET_MIX: DatasetMix = DatasetMix::DrawnClasses;

impl App {
    /// Turns the assist on (asking for a proposal now) or off.
    pub(in crate::tui::app) fn toggle_assist(&mut self) -> Vec<Command> {
        self.edit.assist = !self.edit.assist;
        if !self.edit.assist {
            self.say("assist off".into(), Severity::Info);
            return Vec::new();
        }
        let cmds: Vec<Command> = self.assist_request().into_iter().collect();
        let msg = if cmds.is_empty() {
            "assist on: paint a few strokes of two classes or more, and it proposes the rest"
        } else {
            "assist on: training on this image's labels (and the dataset's, once gathered)…"
        };
        self.say(msg.into(), Severity::Info);
        cmds
    }

    /// A request for the shown image, when the assist is on and the image has a session
    /// with labelled pixels.
    ///
    /// The labels sent are the session's whole mask (class ids, 254 where unlabelled); each
    /// request gets a new assist generation, so only the answer to the latest one is taken.
    pub(in crate::tui::app) fn assist_request(&mut self) -> Option<Command> {
        if !self.edit.assist {
            return None;
        }
        let c = self.current.as_ref()?;
        let image = Arc::clone(c.image.as_ref().ok()?);
        let n_classes = self.ctx.schema.len();
        let labels = self.edit.sessions.get(&c.row.id)?.mask.classes().to_vec();
        if !labels.iter().any(|&l| usize::from(l) < n_classes) {
            return None;
        }
        self.edit.assist_generation += 1;
        Some(Command::Assist(Box::new(AssistReq {
            row: c.row.clone(),
            image,
            labels,
            n_classes,
            dataset: DATASET_MIX,
            generation: self.edit.assist_generation,
        })))
    }

    /// A proposal from the assist: kept as the image's proposal if it answers the latest
    /// request for the image still shown.
    ///
    /// It replaces the shown prediction (the overlays and accept tools use it) until the
    /// image is loaded or predicted again; it is not stored in the workspace.
    pub(in crate::tui::app) fn on_assisted(
        &mut self,
        id: ImageId,
        generation: u64,
        result: Result<Box<Assisted>, String>,
    ) -> Vec<Command> {
        if generation != self.edit.assist_generation || !self.edit.assist {
            return Vec::new();
        }
        let Some(c) = self.current.as_mut().filter(|c| c.row.id == id) else {
            return Vec::new();
        };
        match result {
            Ok(a) => {
                c.prediction = PredState::Stored(Box::new(a.prediction));
                self.recompute();
                let severity = match a.dataset {
                    DatasetUse::Unavailable(_) => Severity::Warn,
                    _ => Severity::Ok,
                };
                self.say(trained_on(a.labelled, &a.dataset, a.millis), severity);
            }
            Err(e) => self.say(format!("assist failed: {e}"), Severity::Error),
        }
        Vec::new()
    }
}

/// `assist: 1,234 px of this image + 6,000 rows from 59 images in 180 ms (…)`.
fn trained_on(labelled: usize, dataset: &DatasetUse, millis: u64) -> String {
    let own = format!("{} px of this image", thousands(labelled));
    let what = match dataset {
        DatasetUse::Rows { rows, images } => format!(
            "{own} + {} rows from {} {}",
            thousands(*rows),
            thousands(*images),
            if *images == 1 { "image" } else { "images" }
        ),
        DatasetUse::Loading => format!("{own} (the dataset's rows are still being gathered)"),
        DatasetUse::NoOtherLabels => format!("{own} (no other image has labels)"),
        DatasetUse::NoneOfTheDrawnClasses => {
            format!("{own} (no other image has labels of the classes drawn)")
        }
        DatasetUse::EnoughOwnLabels => format!("{own} (enough of its own: no dataset rows)"),
        DatasetUse::Off => format!("{own} (dataset rows off)"),
        DatasetUse::Unavailable(why) => format!("{own} (no dataset rows: {why})"),
    };
    format!("assist: {what} in {millis} ms (p shows it; a, w, y, A accept)")
}

/// `1234567` → `1,234,567`.
pub(super) fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_asks_for_the_drawn_classes_and_says_what_it_got() {
        assert_eq!(DATASET_MIX, DatasetMix::DrawnClasses);
        let said = |d: DatasetUse| trained_on(64, &d, 12);
        assert_eq!(
            said(DatasetUse::Rows {
                rows: 300,
                images: 59
            }),
            "assist: 64 px of this image + 300 rows from 59 images in 12 ms \
             (p shows it; a, w, y, A accept)"
        );
        assert!(
            said(DatasetUse::EnoughOwnLabels).contains("64 px of this image (enough of its own")
        );
        assert!(said(DatasetUse::NoneOfTheDrawnClasses).contains("of the classes drawn)"));
        assert!(said(DatasetUse::Off).contains("(dataset rows off)"));
    }
}
