//! The review queue screen: the `queue` command's ranking, a cursor, and stepping through
//! queued images from any screen.
//!
//! The queue is ranked from the overview (audit and prediction summaries) whenever one
//! arrives or the strategy changes, at most [`QUEUE_BUDGET`] images; each queued image gets
//! its strategy's letter in the list's flag column.

use crate::review::queue::{QueueItem, Strategy};

use super::super::action::Action;
use super::super::layout;
use super::super::msg::Command;
use super::super::render::Overlay;
use super::{App, Screen, Severity};

/// Images ranked per strategy.
pub const QUEUE_BUDGET: usize = 100;

/// Strategies in the order `next_strategy` cycles them.
pub const STRATEGIES: [Strategy; 9] = [
    Strategy::Mixed,
    Strategy::RareLowIou,
    Strategy::LabelSuspect,
    Strategy::Uncertain,
    Strategy::Diverse,
    Strategy::RareBoost,
    Strategy::Entropy,
    Strategy::Margin,
    Strategy::McDisagreement,
];

/// Queue screen state.
#[derive(Debug, Clone, Default)]
pub struct QueueState {
    /// Index into `STRATEGIES`.
    pub strategy: usize,
    /// The ranked images, best first; images whose review is over are left out.
    pub items: Vec<QueueItem>,
    /// Index of the selected item.
    pub cursor: usize,
    /// Index of the first item the table shows.
    pub offset: usize,
}

impl QueueState {
    /// The strategy the queue is ranked by.
    pub fn strategy(&self) -> Strategy {
        STRATEGIES[self.strategy % STRATEGIES.len()]
    }

    /// The item under the cursor.
    pub fn selected(&self) -> Option<&QueueItem> {
        self.items.get(self.cursor)
    }

    /// Moves the table's first row so that the cursor's row shows among `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        self.offset = super::list::scrolled(self.offset, self.cursor, self.items.len(), height);
    }
}

/// Short code of a strategy for the list's flag column.
///
/// One distinct capital letter per strategy, as help's flag table lists them.
pub fn flag_code(s: Strategy) -> &'static str {
    match s {
        Strategy::RareLowIou => "R",
        Strategy::LabelSuspect => "L",
        Strategy::Uncertain => "U",
        Strategy::Mixed => "M",
        Strategy::Diverse => "D",
        Strategy::RareBoost => "B",
        Strategy::Entropy => "E",
        Strategy::Margin => "G",
        Strategy::McDisagreement => "C",
    }
}

impl App {
    /// Ranks the queue with the current strategy and refreshes the list's flags.
    ///
    /// Decisions of this session count at once (a final one drops the image); the cursor
    /// stays on the image it was on when that is still queued.
    pub(super) fn rank_queue(&mut self) {
        let Some(ov) = &self.overview else { return };
        let keep = self.queue.selected().map(|it| it.image_id);
        self.queue.items = ov.queue(&self.ctx.schema, self.queue.strategy(), QUEUE_BUDGET);
        // Decisions of this session count at once (the overview has those stored before).
        let reviews = &self.marks.reviews;
        self.queue.items.retain(|it| {
            reviews
                .get(&it.image_id)
                .is_none_or(|e| !e.decision.is_final())
        });
        self.queue.cursor = keep
            .and_then(|id| self.queue.items.iter().position(|it| it.image_id == id))
            .unwrap_or(0);
        self.marks.flags = self
            .queue
            .items
            .iter()
            .map(|it| (it.image_id, flag_code(it.strategy)))
            .collect();
    }

    /// Handles a key on the queue screen: moves (the preview follows), `S` ranks by the next
    /// strategy, enter opens the image with the overlay that shows why it is queued (errors for a
    /// labelled image, uncertainty otherwise) and the entry's region boxed, when it names one.
    pub(super) fn queue_action(&mut self, action: Action) -> Vec<Command> {
        let page = self.queue_rows().max(1) as isize;
        match action {
            Action::Up => self.queue_move(-1),
            Action::Down => self.queue_move(1),
            Action::PageUp => self.queue_move(-page),
            Action::PageDown => self.queue_move(page),
            Action::Top => self.queue_move(isize::MIN / 2),
            Action::Bottom => self.queue_move(isize::MAX / 2),
            Action::NextStrategy => {
                self.queue.strategy = (self.queue.strategy + 1) % STRATEGIES.len();
                self.queue.cursor = 0;
                self.queue.offset = 0;
                self.rank_queue();
                self.preview_selection()
            }
            Action::Open => match self.queue.selected().cloned() {
                Some(it) => {
                    self.screen = Screen::Image;
                    self.image.came_from = Some(Screen::Queue);
                    // Show why it is queued: errors (or uncertainty where there is no mask),
                    // the region the entry is about, and the reason.
                    self.image.overlay = if it.labelled {
                        Overlay::Error
                    } else {
                        Overlay::Uncertainty
                    };
                    self.image.triptych = false;
                    let n = |k: &str| it.numbers.get(k).map(|v| *v as u32);
                    self.image.highlight = match (
                        n("region_x0"),
                        n("region_y0"),
                        n("region_x1"),
                        n("region_y1"),
                    ) {
                        (Some(x0), Some(y0), Some(x1), Some(y1)) => {
                            Some(crate::review::edit::Rect {
                                x0,
                                y0,
                                x1: x1 + 1,
                                y1: y1 + 1,
                            })
                        }
                        _ => None,
                    };
                    self.after_resize();
                    let cmds = self.show_id(it.image_id);
                    self.say(format!("queued: {}", it.reason), Severity::Info);
                    cmds
                }
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// Rows of the queue table now: the reason box under it grows with the selected reason.
    pub fn queue_rows(&self) -> usize {
        let reason = self.queue.selected().map(|it| it.reason.as_str());
        layout::queue_rows(self.panes().main, reason)
    }

    /// Moves the cursor by `delta` items (clamped), scrolls it into view and previews the item.
    pub(super) fn queue_move(&mut self, delta: isize) -> Vec<Command> {
        let last = self.queue.items.len().saturating_sub(1);
        self.queue.cursor = self.queue.cursor.saturating_add_signed(delta).min(last);
        let rows = self.queue_rows().max(1);
        self.queue.scroll_into_view(rows);
        self.preview_selection()
    }

    /// Goes to the next (1) or previous (-1) queued image after the one shown.
    pub(super) fn step_flagged(&mut self, delta: isize) -> Vec<Command> {
        if self.queue.items.is_empty() {
            self.say(
                "the review queue is empty (no predictions yet? press P)".into(),
                super::Severity::Info,
            );
            return Vec::new();
        }
        let shown = match self.screen {
            Screen::Browse => self.list.selected_row().map(|i| self.rows[i].id),
            _ => self.current.as_ref().map(|c| c.row.id),
        };
        let pos = shown.and_then(|id| self.queue.items.iter().position(|it| it.image_id == id));
        let next = match pos {
            Some(p) => p
                .saturating_add_signed(delta)
                .min(self.queue.items.len() - 1),
            None => self.queue.cursor,
        };
        self.queue.cursor = next;
        let id = self.queue.items[next].image_id;
        if self.screen == Screen::Queue {
            return self.preview_selection();
        }
        self.show_id(id)
    }
}
