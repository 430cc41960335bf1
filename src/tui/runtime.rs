//! The event loop: one channel of events (input thread, workers, jobs), block for one, drain
//! the rest, let the state handle them, run the commands it returns, redraw when something
//! changed. The terminal is restored on every exit path, panics included.

use std::io::stdout;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, mpsc::Receiver};

use anyhow::Context;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, KeyEventKind};
use crossterm::execute;

use super::app::App;
use super::msg::{Command, Event};
use super::render::{Graphics, PixelPane, detect_graphics};
use super::view;
use crate::jobs::edits::journal_writer;
use crate::jobs::predict_all::{PredictAll, spawn_predict_all};
use crate::jobs::report::{Outbox, Report};
use crate::jobs::runtime::TaskId;
use crate::jobs::runtime::slot::Slot;
use crate::jobs::service::{self, LoadReq, ModelRef, ModelWorker, Paths, PredictReq, Task};
use crate::labels::journal::JournalReq;
use std::collections::HashMap;

/// How to talk to the terminal.
#[derive(Debug, Clone, Copy)]
pub struct TermOptions {
    /// Force a graphics mode; `None` detects.
    pub graphics: Option<Graphics>,
    pub mouse: bool,
}

/// The threads and channels behind the UI.
struct Runtime {
    /// The event channel, for the workers in `jobs` and the runtime's own failures.
    outbox: Outbox,
    load: Arc<Slot<LoadReq>>,
    predict: Arc<Slot<PredictReq>>,
    assist: Arc<Slot<crate::jobs::assist_live::AssistReq>>,
    tasks: Sender<Task>,
    /// Mask edits, written in order by their own thread (never behind a long task).
    journal: Sender<JournalReq>,
    paths: Paths,
    model: Option<ModelRef>,
    /// Cancel tokens of the jobs started, by task id (dropped once their job ended).
    cancels: HashMap<TaskId, Arc<AtomicBool>>,
}

impl Runtime {
    fn start(tx: Sender<Event>, paths: Paths, model: Option<ModelRef>) -> anyhow::Result<Self> {
        let outbox = Outbox::new(tx);
        let assist = Arc::new(Slot::default());
        spawn("assist", {
            let (slot, tx, paths) = (Arc::clone(&assist), outbox.clone(), paths.clone());
            move || crate::jobs::assist_live::run(&slot, &tx, &paths)
        })?;
        let (journal_tx, journal_rx) = mpsc::channel();
        spawn("journal", {
            let (tx, dir) = (outbox.clone(), paths.workspace.clone());
            move || journal_writer(&journal_rx, &tx, &dir)
        })?;
        let mut rt = Self {
            outbox,
            load: Arc::new(Slot::default()),
            predict: Arc::new(Slot::default()),
            assist,
            tasks: mpsc::channel().0,
            journal: journal_tx,
            paths,
            model,
            cancels: HashMap::new(),
        };
        rt.start_model_threads()?;
        Ok(rt)
    }

    /// The threads that depend on the model: the loader (its stored predictions), the task
    /// thread (its audit) and the model worker, with fresh slots and task channel.
    fn start_model_threads(&mut self) -> anyhow::Result<()> {
        let (task_tx, task_rx) = mpsc::channel();
        (self.load, self.predict, self.tasks) = (
            Arc::new(Slot::default()),
            Arc::new(Slot::default()),
            task_tx,
        );
        spawn("loader", {
            let (slot, tx, paths, model) = (
                Arc::clone(&self.load),
                self.outbox.clone(),
                self.paths.clone(),
                self.model.clone(),
            );
            move || service::loader(&slot, &tx, &paths, model.as_ref())
        })?;
        spawn("tasks", {
            let (tx, paths, model) = (self.outbox.clone(), self.paths.clone(), self.model.clone());
            move || service::tasks(&task_rx, &tx, &paths, model.as_ref())
        })?;
        if let Some(m) = &self.model {
            let worker = ModelWorker {
                slot: Arc::clone(&self.predict),
                tx: self.outbox.clone(),
                paths: self.paths.clone(),
                model: m.clone(),
            };
            spawn("model", move || worker.run())?;
        }
        Ok(())
    }

    /// Switches the workers to `model`: the old loader and model worker end once their slots
    /// close, the old task thread once its queue is done.
    fn use_model(&mut self, model: ModelRef) {
        self.load.close();
        self.predict.close();
        self.model = Some(model);
        if let Err(e) = self.start_model_threads() {
            let _ = self.outbox.send(Report::Failed(format!("{e:#}")));
        }
    }

    fn exec(&mut self, cmd: Command) {
        match cmd {
            Command::Load { row, generation } => self.load.put(LoadReq {
                row: *row,
                generation,
            }),
            Command::Predict {
                row,
                image,
                generation,
            } => self.predict.put(PredictReq {
                row: *row,
                image,
                generation,
            }),
            Command::Assist(req) => self.assist.put(*req),
            Command::Decide(e) => self.task(Task::Decide(e)),
            Command::Journal(req) => {
                if self.journal.send(*req).is_err() {
                    let _ = self.outbox.send(Report::Failed(
                        "the edit journal has stopped: edits are no longer saved".into(),
                    ));
                }
            }
            Command::Refresh(id) => self.task(Task::Refresh(id)),
            Command::LoadOverview => self.task(Task::Overview),
            Command::ApplyBins(edges, id) => self.task(Task::ApplyBins(edges, id)),
            Command::PredictAll(task) => self.predict_all(task),
            Command::Retrain(task) => self.retrain(task),
            Command::UseModel(m) => self.use_model(*m),
            Command::CancelJob(task) => {
                if let Some(c) = self.cancels.get(&task) {
                    c.store(true, Ordering::Relaxed);
                }
            }
            Command::Quit => {
                self.load.close();
                self.predict.close();
                self.assist.close();
                for c in self.cancels.values() {
                    c.store(true, Ordering::Relaxed);
                }
            }
        }
    }

    fn task(&self, t: Task) {
        let _ = self.tasks.send(t);
    }

    fn retrain(&mut self, task: TaskId) {
        let cancel = self.cancel_token(task);
        let job = crate::jobs::retrain_job::RetrainJob {
            tx: self.outbox.clone(),
            paths: self.paths.clone(),
            base: self.model.clone(),
            backend: crate::model::BackendKind::default(),
            cancel,
            task,
        };
        if let Err(e) = crate::jobs::retrain_job::spawn_retrain(job) {
            let _ = self
                .outbox
                .send(Report::Failed(format!("cannot start a thread: {e}")));
        }
    }

    /// A cancel token for a new job, kept until the job ends.
    fn cancel_token(&mut self, task: TaskId) -> Arc<AtomicBool> {
        let cancel = Arc::new(AtomicBool::new(false));
        self.cancels.retain(|_, c| Arc::strong_count(c) > 1);
        self.cancels.insert(task, Arc::clone(&cancel));
        cancel
    }

    fn predict_all(&mut self, task: TaskId) {
        let Some(model) = self.model.clone() else {
            return;
        };
        let cancel = self.cancel_token(task);
        let job = PredictAll {
            tx: self.outbox.clone(),
            paths: self.paths.clone(),
            model,
            cancel,
            task,
        };
        if let Err(e) = spawn_predict_all(job) {
            let _ = self
                .outbox
                .send(Report::Failed(format!("cannot start a thread: {e}")));
        }
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> anyhow::Result<()> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .with_context(|| format!("cannot start the {name} thread"))?;
    Ok(())
}

/// Runs the UI until the user quits.
pub fn run(
    mut app: App,
    paths: Paths,
    model: Option<ModelRef>,
    opts: TermOptions,
) -> anyhow::Result<()> {
    let mut terminal = ratatui::try_init().context("cannot set up the terminal")?;
    install_panic_hook(opts.mouse);
    if opts.mouse {
        let _ = execute!(stdout(), EnableMouseCapture);
    }
    let result = event_loop(&mut terminal, &mut app, paths, model, opts);
    if opts.mouse {
        let _ = execute!(stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    paths: Paths,
    model: Option<ModelRef>,
    opts: TermOptions,
) -> anyhow::Result<()> {
    // Graphics detection queries the terminal: before the input thread owns stdin.
    let (graphics, picker) = detect_graphics(opts.graphics);
    let mut pixels: Vec<PixelPane> = picker
        .map(|p| (0..3).map(|_| PixelPane::new(p.clone())).collect())
        .unwrap_or_default();
    let (tx, rx) = mpsc::channel();
    let mut rt = Runtime::start(tx.clone(), paths, model)?;
    spawn("input", move || input_thread(&tx))?;
    let size = terminal.size()?;
    app.size = ratatui::layout::Rect::new(0, 0, size.width, size.height);
    app.graphics = graphics;
    for cmd in app.startup() {
        rt.exec(cmd);
    }
    terminal.draw(|f| view::draw(f, app, &mut pixels))?;
    while let Some(events) = next_events(&rx) {
        for e in events {
            for cmd in app.handle(e) {
                rt.exec(cmd);
            }
        }
        if app.quit {
            rt.exec(Command::Quit);
            return Ok(());
        }
        terminal.draw(|f| view::draw(f, app, &mut pixels))?;
    }
    Ok(())
}

/// Blocks for one event, then takes whatever else is already queued.
fn next_events(rx: &Receiver<Event>) -> Option<Vec<Event>> {
    let first = rx.recv().ok()?;
    let mut events = vec![first];
    events.extend(rx.try_iter());
    Some(events)
}

fn input_thread(tx: &Sender<Event>) {
    let mut repeats = RepeatDetector::default();
    while let Ok(e) = crossterm::event::read() {
        let e = repeats.mark(e, std::time::Instant::now());
        if tx.send(Event::Input(e)).is_err() {
            return;
        }
    }
}

/// Presses of one key closer together than this are a held key's auto-repeat: terminals
/// repeat every 25–50 ms after a 250–600 ms delay, while separate taps, even fast ones, are
/// about 100 ms apart or more.
const HELD_GAP: std::time::Duration = std::time::Duration::from_millis(60);

/// Marks as [`KeyEventKind::Repeat`] the presses that repeat the previous key within
/// [`HELD_GAP`]: most terminals (and tmux, mosh) report auto-repeats as plain presses.
#[derive(Default)]
struct RepeatDetector {
    last: Option<(crossterm::event::KeyCode, std::time::Instant)>,
}

impl RepeatDetector {
    fn mark(
        &mut self,
        e: crossterm::event::Event,
        now: std::time::Instant,
    ) -> crossterm::event::Event {
        let crossterm::event::Event::Key(mut k) = e else {
            return e;
        };
        if k.kind == KeyEventKind::Press {
            if self
                .last
                .is_some_and(|(code, at)| code == k.code && now.duration_since(at) < HELD_GAP)
            {
                k.kind = KeyEventKind::Repeat;
            }
            self.last = Some((k.code, now));
        }
        crossterm::event::Event::Key(k)
    }
}

/// Restores the terminal before the panic message is printed, for panics on the UI thread.
/// Worker threads catch their own panics and report them as messages.
fn install_panic_hook(mouse: bool) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let ui_thread = std::thread::current().name() == Some("main");
        if ui_thread {
            if mouse {
                let _ = execute!(stdout(), DisableMouseCapture);
            }
            ratatui::restore();
            previous(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
    use std::time::{Duration, Instant};

    fn kind(d: &mut RepeatDetector, code: KeyCode, at: Instant) -> KeyEventKind {
        match d.mark(TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)), at) {
            TermEvent::Key(k) => k.kind,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn presses_of_one_key_at_auto_repeat_pace_are_repeats_and_taps_are_not() {
        let mut d = RepeatDetector::default();
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        assert_eq!(kind(&mut d, KeyCode::Right, ms(0)), KeyEventKind::Press);
        // Auto-repeat every 33 ms after the first press.
        assert_eq!(kind(&mut d, KeyCode::Right, ms(33)), KeyEventKind::Repeat);
        assert_eq!(kind(&mut d, KeyCode::Right, ms(66)), KeyEventKind::Repeat);
        // A tap 150 ms later, and another key at repeat pace, are presses.
        assert_eq!(kind(&mut d, KeyCode::Right, ms(216)), KeyEventKind::Press);
        assert_eq!(kind(&mut d, KeyCode::Left, ms(230)), KeyEventKind::Press);
    }
}
