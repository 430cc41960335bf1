//! All UI state, in plain structs that know nothing of the terminal. `App::handle` takes one
//! event, updates the state and returns the commands the runtime should run; views borrow the
//! state to draw and never change it. The active key layer is derived from the state.

mod audit;
mod bins;
mod confirm;
mod edit;
mod image;
mod jobs;
mod list;
mod marks;
mod mouse;
mod queue;
mod report;
pub(crate) use queue::flag_code;
mod screen;
mod stats;
mod status;
mod viewport;

use std::collections::HashSet;
use std::path::PathBuf;

use crossterm::event::{Event as TermEvent, KeyEvent, KeyEventKind};
use ratatui::layout::Rect;

use crate::dataset::decision::Decision;
use crate::dataset::image::{ImageId, IndexedImage};
use crate::dataset::{ClassSchema, ScaleBins};
use crate::jobs::overview::Overview;
use crate::jobs::runtime::{TaskId, TaskTable};

use super::action::Action;
use super::keymap::{Key, Keymap, Layer};
use super::layout::{self, Panes};
use super::msg::{Command, Event};
use super::render::Graphics;
use super::theme::Theme;

pub use audit::{AuditFocus, AuditState};
pub use bins::BinsState;
pub use confirm::Confirm;
pub use edit::EditState;
pub use image::{Current, ImageState, Levels, PredState};
pub use list::{Entry, ListState};
pub use marks::Marks;
pub use queue::QueueState;
pub use screen::Screen;
pub use stats::{ClassStat, ImageCounts};

/// Mean Dice between the shown mask and the proposal.
pub fn stats_dice(c: &ImageCounts) -> Option<f64> {
    c.dice()
}
pub use status::Severity;

/// Datasets up to this many images are predicted automatically on first open when nothing is
/// stored (the demo takes ~7 s); larger ones wait for `P`.
pub const AUTO_PREDICT_MAX: usize = 500;

pub use crate::model::multi::ModelInfo;

/// What the session works on.
#[derive(Debug, Clone)]
pub struct Context {
    pub root: PathBuf,
    /// Short name for the header.
    pub name: String,
    pub schema: ClassSchema,
    /// The workspace's scale bins (the dataset's, not the model's).
    pub bins: ScaleBins,
    pub model: Option<ModelInfo>,
    /// Why there is no model.
    pub model_error: Option<String>,
}

/// The whole UI state.
pub struct App {
    pub ctx: Context,
    pub theme: Theme,
    pub keymap: Keymap,
    pub screen: Screen,
    /// Help scroll offset while help is open.
    pub help: Option<u16>,
    /// Present rows, by sample then name.
    pub rows: Vec<IndexedImage>,
    pub list: ListState,
    pub image: ImageState,
    /// The mask editor: settings and per-image sessions.
    pub edit: EditState,
    pub current: Option<Current>,
    pub marks: Marks,
    pub overview: Option<Box<Overview>>,
    pub audit: AuditState,
    pub queue: QueueState,
    pub bins: BinsState,
    /// Background jobs with their progress.
    pub tasks: TaskTable,
    /// The batch prediction's task, while it runs.
    pub predict_task: Option<TaskId>,
    /// The retrain's task, while it runs.
    pub retrain_task: Option<TaskId>,
    /// The last retrain's before/after scores, shown by the audit screen.
    pub retrained: Option<Box<crate::jobs::retrain::Retrained>>,
    pub message: Option<(String, Severity)>,
    /// A decision waiting for the user's yes; while it waits, keys answer it.
    pub confirm: Option<Confirm>,
    /// Images whose proposal was on the image screen in this session (accepting one of
    /// them asks nothing).
    pub opened: HashSet<ImageId>,
    /// Terminal size.
    pub size: Rect,
    /// Waiting for the first index refresh.
    pub indexing: bool,
    /// Start a batch prediction when the first overview shows nothing predicted and the
    /// dataset has at most [`AUTO_PREDICT_MAX`] images.
    pub auto_predict: bool,
    pub quit: bool,
    /// How images reach the terminal.
    pub graphics: Graphics,
    /// The key being handled is an auto-repeat of a held key (reported by the terminal, or
    /// inferred by the input thread from its timing): only held keys accelerate the cursor.
    key_held: bool,
    generation: u64,
    /// The image and generation of the latest load request.
    pending: Option<(ImageId, u64)>,
}

impl App {
    pub fn new(ctx: Context, theme: Theme, keymap: Keymap, rows: Vec<IndexedImage>) -> Self {
        let bins = BinsState::new(&ctx.bins);
        let mut app = Self {
            ctx,
            theme,
            keymap,
            screen: Screen::Browse,
            help: None,
            rows: Vec::new(),
            list: ListState::default(),
            image: ImageState::default(),
            edit: EditState::default(),
            current: None,
            marks: Marks::default(),
            overview: None,
            audit: AuditState::default(),
            queue: QueueState::default(),
            bins,
            tasks: TaskTable::default(),
            predict_task: None,
            retrain_task: None,
            retrained: None,
            message: None,
            confirm: None,
            opened: HashSet::new(),
            size: Rect::new(0, 0, 80, 24),
            indexing: true,
            auto_predict: false,
            quit: false,
            graphics: Graphics::HalfBlocks,
            key_held: false,
            generation: 0,
            pending: None,
        };
        app.set_rows(rows);
        app
    }

    /// The commands to run once the UI is up: show the first image from the stored index,
    /// then refresh the index in the background.
    pub fn startup(&mut self) -> Vec<Command> {
        let mut cmds = self.preview_selection();
        cmds.push(self.refresh());
        cmds
    }

    /// An incremental re-index, as a task of the table (the status bar shows it until it
    /// ends; its end message replaces it).
    fn refresh(&mut self) -> Command {
        Command::Refresh(self.tasks.add("re-indexing"))
    }

    /// The key layers in the order they are tried.
    pub fn layers(&self) -> Vec<Layer> {
        if self.help.is_some() {
            vec![Layer::Help, Layer::Global]
        } else if self.editing() {
            vec![Layer::Edit, Layer::Image, Layer::Global]
        } else {
            vec![self.screen.layer(), Layer::Global]
        }
    }

    /// The mask editor is on the screen.
    pub fn editing(&self) -> bool {
        self.edit.active && self.screen == Screen::Image
    }

    /// The panes of the current screen.
    pub fn panes(&self) -> Panes {
        layout::panes(self.size, self.screen, self.image.triptych)
    }

    /// Takes one event: an [`Event`], or a bare [`Report`](super::msg::Report) or terminal
    /// event, which it wraps.
    pub fn handle(&mut self, event: impl Into<Event>) -> Vec<Command> {
        let cmds = self.dispatch(event.into());
        self.note_opened();
        cmds
    }

    fn dispatch(&mut self, event: Event) -> Vec<Command> {
        match event {
            Event::Input(e) => self.on_input(&e),
            Event::Report(r) => self.on_report(r),
        }
    }

    /// Terminal input: a key press or repeat, a resize, the mouse.
    fn on_input(&mut self, e: &TermEvent) -> Vec<Command> {
        match *e {
            TermEvent::Key(k) if k.kind != KeyEventKind::Release => self.on_key(k),
            TermEvent::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.after_resize();
                Vec::new()
            }
            TermEvent::Mouse(m) => self.mouse(m),
            _ => Vec::new(),
        }
    }

    /// A key press or auto-repeat: the answer to an open question, typed into the class
    /// picker when it is open, else resolved through the active key layers into an action.
    fn on_key(&mut self, k: KeyEvent) -> Vec<Command> {
        if self.confirm.is_some() {
            return self.answer(k);
        }
        if self.editing() && self.picker_key(k.code) {
            return Vec::new();
        }
        // A message lasts until the next key (the key hints come back then).
        self.message = None;
        self.key_held = k.kind == KeyEventKind::Repeat;
        let Some(key) = Key::from_event(k) else {
            return Vec::new();
        };
        match self.keymap.resolve(&self.layers(), key) {
            Some(a) => self.update(a),
            None => Vec::new(),
        }
    }

    /// Applies one action.
    pub fn update(&mut self, action: Action) -> Vec<Command> {
        if self.help.is_some()
            && let Some(cmds) = self.help_action(action)
        {
            return cmds;
        }
        if (self.editing() || action == Action::EditMode)
            && let Some(cmds) = self.edit_action(action)
        {
            return cmds;
        }
        match action {
            Action::Quit => {
                self.quit = true;
                vec![Command::Quit]
            }
            Action::Help => {
                self.help = Some(0);
                Vec::new()
            }
            Action::ScreenBrowse => self.switch(Screen::Browse),
            Action::ScreenImage => self.switch(Screen::Image),
            Action::ScreenAudit => self.switch(Screen::Audit),
            Action::ScreenQueue => self.switch(Screen::Queue),
            Action::ScreenBins => self.switch(Screen::Bins),
            Action::PredictAll => self.predict_all(),
            Action::CancelJob => self.cancel_job(),
            Action::Retrain => self.retrain(),
            Action::Refresh => vec![self.refresh()],
            Action::MarkReviewed => self.decide(Decision::Reviewed),
            Action::Flag => self.decide(Decision::Flagged),
            Action::Skip => self.decide(Decision::Skipped),
            Action::MarkCorrected => self.decide(Decision::Corrected),
            Action::MarkAccepted => self.mark_accepted(),
            Action::MarkRejected => self.decide(Decision::Rejected),
            Action::NextFlagged => self.step_flagged(1),
            Action::PrevFlagged => self.step_flagged(-1),
            _ => match self.screen {
                Screen::Browse => self.browse_action(action),
                Screen::Image => self.image_action(action),
                Screen::Audit => self.audit_action(action),
                Screen::Queue => self.queue_action(action),
                Screen::Bins => self.bins_action(action),
            },
        }
    }

    fn help_action(&mut self, action: Action) -> Option<Vec<Command>> {
        let scroll = self.help.unwrap_or(0);
        match action {
            Action::Help | Action::Back => self.help = None,
            Action::Up => self.help = Some(scroll.saturating_sub(1)),
            Action::Down => self.help = Some(scroll.saturating_add(1)),
            Action::PageUp => self.help = Some(scroll.saturating_sub(10)),
            Action::PageDown => self.help = Some(scroll.saturating_add(10)),
            _ => return None,
        }
        Some(Vec::new())
    }

    fn switch(&mut self, screen: Screen) -> Vec<Command> {
        self.screen = screen;
        self.after_resize();
        match screen {
            Screen::Image if self.current.is_none() => self.select_from_list(),
            Screen::Audit => {
                self.refresh_cell_images();
                Vec::new()
            }
            Screen::Browse | Screen::Queue => self.preview_selection(),
            _ => Vec::new(),
        }
    }

    /// Keeps cursors and viewports valid after the terminal or the layout changed.
    fn after_resize(&mut self) {
        let panes = self.panes();
        self.list.scroll_into_view(layout::table_rows(panes.main));
        let queue_rows = self.queue_rows();
        self.queue.scroll_into_view(queue_rows);
        self.clamp_view();
    }

    /// Shows a message in the status bar until the next one.
    pub fn say(&mut self, text: String, severity: Severity) {
        self.message = Some((text, severity));
    }

    fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    /// The row with this id.
    pub fn row_by_id(&self, id: ImageId) -> Option<&IndexedImage> {
        self.list.index_of(id).map(|i| &self.rows[i])
    }

    fn on_rows(&mut self, rows: Vec<IndexedImage>) -> Vec<Command> {
        let first = self.indexing;
        self.indexing = false;
        self.set_rows(rows);
        self.bins.set_rows(&self.rows);
        let mut cmds = vec![Command::LoadOverview];
        if first || self.current.is_none() {
            cmds.extend(self.preview_selection());
        }
        cmds
    }

    fn set_rows(&mut self, mut rows: Vec<IndexedImage>) {
        rows.retain(|r| !r.missing);
        rows.sort_by(|a, b| (&a.sample, &a.stem).cmp(&(&b.sample, &b.stem)));
        let keep = self.list.selected_row().map(|i| self.rows[i].id);
        self.rows = rows;
        self.list.rebuild(&self.rows, &self.marks.tiles, keep);
        self.bins.set_rows(&self.rows);
        self.after_resize();
    }
}

#[cfg(test)]
pub(crate) mod tests;
