//! The dataset list: samples with their images, foldable, with a cursor and a scroll offset.
//!
//! Rows are `App::rows` sorted by sample and stem; entries index into them, so the list is
//! rebuilt (cheaply) whenever rows change or a sample is folded. The cursor is kept on the
//! same image across rebuilds.

use std::collections::{HashMap, HashSet};

use crate::dataset::image::{ImageId, IndexedImage};
use crate::labels::status::TilePos;

use super::super::action::Action;
use super::super::layout;
use super::super::msg::Command;
use super::{App, Screen};

/// One line of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A sample header: index of its first row and its image count.
    Sample { first: usize, images: usize },
    /// Inside a sample, a header over the tiles `import` cut from one raw image: index of the
    /// first and the tile count (tiles of one raw image share its name, so they are adjacent).
    Source { first: usize, images: usize },
    /// An image: index into `App::rows`.
    Image(usize),
}

/// Entries, cursor and scroll.
#[derive(Debug, Clone, Default)]
pub struct ListState {
    /// The lines of the list in order; folded samples contribute only their header.
    pub entries: Vec<Entry>,
    /// Index of the selected entry.
    pub cursor: usize,
    /// Index of the first entry the table shows.
    pub offset: usize,
    /// Samples (by folder name) whose images are hidden; kept across rebuilds.
    pub folded: HashSet<String>,
    /// Row index by image id.
    by_id: HashMap<ImageId, usize>,
}

impl ListState {
    /// Rebuilds the entries from sorted rows, keeping the cursor on image `keep` if present;
    /// imported tiles (in `tiles`) get a header per raw image.
    pub fn rebuild(
        &mut self,
        rows: &[IndexedImage],
        tiles: &HashMap<ImageId, TilePos>,
        keep: Option<ImageId>,
    ) {
        self.by_id = rows.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        self.entries.clear();
        let mut i = 0;
        while i < rows.len() {
            let sample = &rows[i].sample;
            let n = rows[i..].iter().take_while(|r| &r.sample == sample).count();
            self.entries.push(Entry::Sample {
                first: i,
                images: n,
            });
            if !self.folded.contains(sample) {
                self.push_images(rows, tiles, i, i + n);
            }
            i += n;
        }
        let target = keep.and_then(|id| self.by_id.get(&id).copied());
        self.cursor = target
            .and_then(|r| self.entries.iter().position(|e| *e == Entry::Image(r)))
            .or_else(|| {
                self.entries
                    .iter()
                    .position(|e| matches!(e, Entry::Image(_)))
            })
            .unwrap_or(0);
    }

    /// Rows `from..to` of one sample, with a header before each run of one raw image's tiles.
    fn push_images(
        &mut self,
        rows: &[IndexedImage],
        tiles: &HashMap<ImageId, TilePos>,
        from: usize,
        to: usize,
    ) {
        let source = |i: usize| tiles.get(&rows[i].id).map(|t| t.source.as_str());
        let mut i = from;
        while i < to {
            if let Some(src) = source(i) {
                let n = (i..to).take_while(|&j| source(j) == Some(src)).count();
                self.entries.push(Entry::Source {
                    first: i,
                    images: n,
                });
                self.entries.extend((i..i + n).map(Entry::Image));
                i += n;
            } else {
                self.entries.push(Entry::Image(i));
                i += 1;
            }
        }
    }

    /// The row index of the image under the cursor.
    pub fn selected_row(&self) -> Option<usize> {
        match self.entries.get(self.cursor) {
            Some(Entry::Image(i)) => Some(*i),
            _ => None,
        }
    }

    /// The row index of image `id`.
    pub fn index_of(&self, id: ImageId) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// Moves the cursor by `delta` entries.
    pub fn step(&mut self, delta: isize) {
        let last = self.entries.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
    }

    /// Puts the cursor on row `row`, unfolding its sample if needed.
    pub fn select_row(
        &mut self,
        rows: &[IndexedImage],
        tiles: &HashMap<ImageId, TilePos>,
        row: usize,
    ) {
        if let Some(pos) = self.entries.iter().position(|e| *e == Entry::Image(row)) {
            self.cursor = pos;
            return;
        }
        self.folded.remove(&rows[row].sample);
        self.rebuild(rows, tiles, Some(rows[row].id));
    }

    /// Selects the `row`-th visible line after a mouse click.
    pub fn click(&mut self, row: usize) {
        let pos = self.offset + row;
        if pos < self.entries.len() {
            self.cursor = pos;
        }
    }

    /// Adjusts the offset so that the cursor is inside a window of `height` lines.
    pub fn scroll_into_view(&mut self, height: usize) {
        self.offset = scrolled(self.offset, self.cursor, self.entries.len(), height);
    }

    /// Folds or unfolds the sample under the cursor (or of the image under it).
    fn toggle(&mut self, rows: &[IndexedImage], tiles: &HashMap<ImageId, TilePos>) {
        let first = match self.entries.get(self.cursor) {
            Some(Entry::Sample { first, .. } | Entry::Source { first, .. }) => *first,
            Some(Entry::Image(i)) => *i,
            None => return,
        };
        let sample = rows[first].sample.clone();
        if !self.folded.remove(&sample) {
            self.folded.insert(sample.clone());
        }
        self.rebuild(rows, tiles, None);
        if let Some(pos) = self
            .entries
            .iter()
            .position(|e| matches!(e, Entry::Sample { first: f, .. } if rows[*f].sample == sample))
        {
            self.cursor = pos;
        }
    }
}

impl App {
    /// Handles a key on the list screen: moves (the preview follows), folds, enter opens the
    /// image under the cursor on the image screen (or folds a header), and cycles the overlay.
    pub(super) fn browse_action(&mut self, action: Action) -> Vec<Command> {
        let page = layout::table_rows(self.panes().main).max(1) as isize;
        match action {
            Action::Up => self.list.step(-1),
            Action::Down => self.list.step(1),
            Action::PageUp => self.list.step(-page),
            Action::PageDown => self.list.step(page),
            Action::Top => self.list.cursor = 0,
            Action::Bottom => self.list.step(isize::MAX),
            Action::ToggleSample => self.list.toggle(&self.rows, &self.marks.tiles),
            Action::Open => {
                if self.list.selected_row().is_none() {
                    self.list.toggle(&self.rows, &self.marks.tiles);
                } else {
                    self.screen = Screen::Image;
                    return self.select_from_list();
                }
            }
            Action::OverlayNext => return self.image_action(action),
            _ => return Vec::new(),
        }
        self.list.scroll_into_view(page as usize);
        self.preview_selection()
    }

    /// Loads the list's selected image when it is not the one already shown.
    pub(super) fn select_from_list(&mut self) -> Vec<Command> {
        match self.list.selected_row() {
            Some(i) => self.show_row(i),
            None => Vec::new(),
        }
    }

    /// On list screens, the preview follows the cursor.
    pub(super) fn preview_selection(&mut self) -> Vec<Command> {
        match self.screen {
            Screen::Browse => self.select_from_list(),
            Screen::Queue => match self.queue.selected().map(|it| it.image_id) {
                Some(id) => self.show_id(id),
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// Shows image `id` (by id), moving the list cursor to it.
    ///
    /// An id the session's rows do not hold is said in the status bar instead.
    pub(super) fn show_id(&mut self, id: ImageId) -> Vec<Command> {
        if let Some(i) = self.list.index_of(id) {
            self.list.select_row(&self.rows, &self.marks.tiles, i);
            self.list
                .scroll_into_view(layout::table_rows(self.panes().main).max(1));
            self.show_row(i)
        } else {
            self.say(
                format!("image {id} is no longer in the index"),
                super::Severity::Warn,
            );
            Vec::new()
        }
    }

    /// Moves to the next (`delta` 1) or previous (-1) image in list order.
    ///
    /// Row order is sample then stem, across samples and through folded ones (a folded
    /// sample opens to show the image); nothing past either end. Without a shown image it
    /// loads the list's selection.
    pub(super) fn step_image(&mut self, delta: isize) -> Vec<Command> {
        let Some(cur) = self
            .current
            .as_ref()
            .and_then(|c| self.list.index_of(c.row.id))
        else {
            return self.select_from_list();
        };
        let next = cur.saturating_add_signed(delta);
        if next >= self.rows.len() {
            return Vec::new();
        }
        self.list.select_row(&self.rows, &self.marks.tiles, next);
        self.show_row(next)
    }
}

/// The first line to show of a list of `len` lines in a window of `height` (at least 1), from
/// the current `offset`: the least move that shows `cursor`, and never past the point where
/// the window would hold fewer lines than it can (a window grown by a resize fills up rather
/// than showing blank lines below the last entry).
pub(super) fn scrolled(offset: usize, cursor: usize, len: usize, height: usize) -> usize {
    let h = height.max(1);
    let offset = if cursor < offset {
        cursor
    } else if cursor >= offset + h {
        cursor + 1 - h
    } else {
        offset
    };
    offset.min(len.saturating_sub(h))
}

#[cfg(test)]
mod tests {
    use super::scrolled;

    /// At the end of 74 lines in a 20-line window the offset is 54; grown to 45 lines the
    /// window shows the last 45, not 20 lines and 25 blank ones (issue 25: the list was
    /// half blank after a resize until `g`).
    #[test]
    fn a_window_grown_by_a_resize_fills_up() {
        assert_eq!(scrolled(0, 73, 74, 20), 54);
        assert_eq!(scrolled(54, 73, 74, 45), 29);
        assert_eq!(scrolled(54, 60, 74, 100), 0, "all fit");
        assert_eq!(scrolled(10, 5, 74, 20), 5, "up to the cursor");
        assert_eq!(scrolled(10, 12, 74, 20), 10, "cursor in view: no move");
        assert_eq!(scrolled(3, 0, 0, 20), 0, "empty list");
    }
}
