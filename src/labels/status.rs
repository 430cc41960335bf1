//! Per image, what its current mask is (original, corrected, accepted) and whether its
//! corrections have been exported since they were made: what the TUI marks and counts.

use std::collections::{HashMap, HashSet};

use crate::dataset::decision::{Decision, DecisionEntry};
use crate::dataset::image::{ImageId, IndexedImage};
use crate::dataset::workspace::{Workspace, WorkspaceError};

/// Journal lengths now and at the last export, per image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportState {
    /// Operations in each image's edit journal.
    pub edits: HashMap<ImageId, u32>,
    /// Operations in its journal when it was last exported.
    pub exported: HashMap<ImageId, u32>,
    /// Images whose journal nets to no change (every edit undone), as the editor knows
    /// them: not corrected, whatever the journal's length.
    pub unchanged: HashSet<ImageId>,
}

/// What an image's current mask is, for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskStatus {
    /// Unlabelled, nothing corrected or accepted.
    None,
    /// A mask file that cannot be used.
    Bad,
    /// The mask file as it is.
    Original,
    /// Corrected in the workspace.
    Corrected,
    /// Accepted by a reviewer (corrected or not).
    Accepted,
}

impl MaskStatus {
    /// Whether the image has a current label (what training and export use): its mask file,
    /// corrections, or an accepted proposal.
    pub fn has_label(self) -> bool {
        matches!(self, Self::Original | Self::Corrected | Self::Accepted)
    }

    /// The word the TUI's list shows; `–` (an en dash) for an image with no label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "–",
            Self::Bad => "bad",
            Self::Original => "original",
            Self::Corrected => "corrected",
            Self::Accepted => "accepted",
        }
    }
}

impl ExportState {
    /// Reads the journal lengths and the last export of every image.
    pub fn read(ws: &Workspace) -> Result<Self, WorkspaceError> {
        Ok(Self {
            edits: ws
                .edit_counts()?
                .into_iter()
                .map(|(id, c)| (id, c.ops))
                .collect(),
            exported: ws
                .exported()?
                .into_iter()
                .map(|(id, e)| (id, e.edit_ops))
                .collect(),
            unchanged: HashSet::new(),
        })
    }

    /// Records whether `image_id`'s edits change any pixel now (the editor's session knows).
    pub fn set_net_change(&mut self, image_id: ImageId, changed: bool) {
        if changed {
            self.unchanged.remove(&image_id);
        } else {
            self.unchanged.insert(image_id);
        }
    }

    /// An edit of `image_id` was saved as journal entry `seq` (entries count from 1).
    pub fn edit_saved(&mut self, image_id: ImageId, seq: i64) {
        let e = self.edits.entry(image_id).or_insert(0);
        *e = (*e).max(seq.max(0) as u32);
    }

    /// Whether `image_id` has edits made after its last export (or never exported).
    pub fn unexported(&self, image_id: ImageId) -> bool {
        self.edits
            .get(&image_id)
            .is_some_and(|&n| n > self.exported.get(&image_id).copied().unwrap_or(0))
    }

    /// Images with edits not yet exported, leaving out those `skip` names (rejected images,
    /// which export never writes).
    pub fn unexported_count(&self, skip: impl Fn(ImageId) -> bool) -> usize {
        self.edits
            .keys()
            .filter(|&&id| self.unexported(id) && !skip(id))
            .count()
    }

    /// The status of `row`'s current mask given its latest decision.
    pub fn status(&self, row: &IndexedImage, decision: Option<&DecisionEntry>) -> MaskStatus {
        if decision.is_some_and(|d| d.decision == Decision::Accepted) {
            return MaskStatus::Accepted;
        }
        if self.edits.get(&row.id).is_some_and(|&n| n > 0) && !self.unchanged.contains(&row.id) {
            return MaskStatus::Corrected;
        }
        match (row.is_labelled(), row.mask_path.is_some()) {
            (true, _) => MaskStatus::Original,
            (false, true) => MaskStatus::Bad,
            (false, false) => MaskStatus::None,
        }
    }
}

/// What review in the workspace changed about the present images of `rows`: corrected,
/// accepted, and labelled now though they have no valid mask file.
///
/// An image counts as corrected when its journal has any operation, even one that nets to no
/// change; accepted images count whether or not they were corrected.
pub fn review_counts(
    ws: &Workspace,
    rows: &[IndexedImage],
) -> Result<crate::stats::ReviewCounts, WorkspaceError> {
    let state = ExportState::read(ws)?;
    let decisions = ws.review_status()?;
    let mut c = crate::stats::ReviewCounts::default();
    for r in rows.iter().filter(|r| !r.missing) {
        let status = state.status(r, decisions.get(&r.id));
        c.accepted += usize::from(status == MaskStatus::Accepted);
        c.corrected += usize::from(state.edits.get(&r.id).is_some_and(|&n| n > 0));
        c.newly_labelled += usize::from(!r.is_labelled() && status.has_label());
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_after_an_export_count_as_unexported() {
        let mut s = ExportState::default();
        s.edit_saved(ImageId(1), 3);
        s.edit_saved(ImageId(2), 1);
        assert_eq!(s.unexported_count(|_| false), 2);
        assert_eq!(s.unexported_count(|id| id == ImageId(2)), 1);
        s.exported.insert(ImageId(1), 3);
        assert_eq!(s.unexported_count(|_| false), 1);
        s.edit_saved(ImageId(1), 4);
        assert!(s.unexported(ImageId(1)));
        s.edit_saved(ImageId(1), 2); // a late report never lowers the count
        assert_eq!(s.edits[&ImageId(1)], 4);
    }
}

/// Where an imported tile lies in its raw image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TilePos {
    /// The raw file's name.
    pub source: String,
    /// Left edge of the tile in the raw image, in pixels.
    pub x: u32,
    /// Top edge of the tile in the raw image, in pixels.
    pub y: u32,
}

/// A small map of the raw image `current` was cut from: one mark per tile, by row and column
/// of the tile grid: `■` the current tile, `c` corrected, `a` accepted, `·` proposed (not yet
/// touched). With the tiles counted by status. `None` for an image not imported.
///
/// A grid wider than `max_cols` or taller than `max_rows` marks is shrunk: one mark then stands
/// for k × k tiles (said in the title): `■` the block holding the current tile, `#` every tile
/// done (corrected or accepted), `+` some done, `·` none.
#[allow(clippy::implicit_hasher)]
pub fn mosaic(
    tiles: &HashMap<ImageId, TilePos>,
    current: ImageId,
    status: impl Fn(ImageId) -> MaskStatus,
    max_cols: usize,
    max_rows: usize,
) -> Option<(String, Vec<String>)> {
    let source = &tiles.get(&current)?.source;
    let mine: Vec<(ImageId, &TilePos)> = tiles
        .iter()
        .filter(|(_, t)| &t.source == source)
        .map(|(id, t)| (*id, t))
        .collect();
    let (xs, ys) = grid_axes(&mine);
    let k = xs
        .len()
        .div_ceil(max_cols.max(1))
        .max(ys.len().div_ceil(max_rows.max(1)))
        .max(1);
    let (cols, rows) = (xs.len().div_ceil(k), ys.len().div_ceil(k));
    let mut blocks = vec![vec![Block::EMPTY; cols]; rows];
    let (mut corrected, mut accepted) = (0, 0);
    for (id, t) in &mine {
        let (Ok(col), Ok(row)) = (xs.binary_search(&t.x), ys.binary_search(&t.y)) else {
            continue;
        };
        let s = status(*id);
        corrected += usize::from(s == MaskStatus::Corrected);
        accepted += usize::from(s == MaskStatus::Accepted);
        blocks[row / k][col / k].add(s, *id == current);
    }
    let scale = if k > 1 {
        format!(" (1 mark = {k}×{k} tiles)")
    } else {
        String::new()
    };
    let title = format!(
        "{source}: {} tiles, {corrected} corrected, {accepted} accepted{scale}",
        mine.len()
    );
    let lines = blocks
        .iter()
        .map(|r| {
            let cells: Vec<String> = r.iter().map(|b| b.mark(k).to_string()).collect();
            cells.join(" ").trim_end().to_string()
        })
        .collect();
    Some((title, lines))
}

/// The tile grid's distinct column and row origins (px), ascending.
fn grid_axes(tiles: &[(ImageId, &TilePos)]) -> (Vec<u32>, Vec<u32>) {
    let mut xs: Vec<u32> = tiles.iter().map(|(_, t)| t.x).collect();
    let mut ys: Vec<u32> = tiles.iter().map(|(_, t)| t.y).collect();
    xs.sort_unstable();
    xs.dedup();
    ys.sort_unstable();
    ys.dedup();
    (xs, ys)
}

/// One mark of the mosaic: a block of k × k tiles of the grid.
#[derive(Clone, Copy)]
struct Block {
    tiles: usize,
    /// Tiles corrected or accepted.
    done: usize,
    /// The block holds the current tile.
    here: bool,
    /// The mark of the block's last tile, which stands alone when k = 1.
    one: char,
}

impl Block {
    const EMPTY: Self = Self {
        tiles: 0,
        done: 0,
        here: false,
        one: ' ',
    };

    fn add(&mut self, s: MaskStatus, current: bool) {
        self.tiles += 1;
        self.done += usize::from(matches!(s, MaskStatus::Corrected | MaskStatus::Accepted));
        self.here |= current;
        self.one = match s {
            _ if current => '■',
            MaskStatus::Corrected => 'c',
            MaskStatus::Accepted => 'a',
            _ => '·',
        };
    }

    /// The block's mark when one mark stands for `k` × `k` tiles.
    fn mark(&self, k: usize) -> char {
        match (k, self.tiles) {
            (_, 0) => ' ',
            (1, _) => self.one,
            _ if self.here => '■',
            _ if self.done == self.tiles => '#',
            _ if self.done > 0 => '+',
            _ => '·',
        }
    }
}

#[cfg(test)]
mod mosaic_tests {
    use super::*;

    #[test]
    fn the_map_places_tiles_by_grid_position() {
        let mut tiles = HashMap::new();
        for (id, x, y) in [
            (1, 0, 0),
            (2, 224, 0),
            (3, 0, 224),
            (4, 224, 224),
            (9, 0, 0),
        ] {
            let source = if id == 9 { "other.tif" } else { "a.tif" }.to_string();
            tiles.insert(ImageId(id), TilePos { source, x, y });
        }
        let (title, lines) = mosaic(
            &tiles,
            ImageId(1),
            |id| match id {
                ImageId(2) => MaskStatus::Corrected,
                ImageId(4) => MaskStatus::Accepted,
                _ => MaskStatus::None,
            },
            10,
            10,
        )
        .unwrap();
        assert_eq!(title, "a.tif: 4 tiles, 1 corrected, 1 accepted");
        assert_eq!(lines, vec!["■ c", "· a"]);
        assert!(mosaic(&tiles, ImageId(77), |_| MaskStatus::None, 10, 10).is_none());
    }

    #[test]
    fn a_large_grid_is_shrunk_to_fit() {
        // A 16k-px mosaic: 73 × 73 tiles of 256 px every 224 px; the panel has room for 14
        // marks across and 12 down, so one mark stands for 7 × 7 tiles (11 × 11 marks).
        let mut tiles = HashMap::new();
        let mut id = 0;
        for y in 0..73u32 {
            for x in 0..73u32 {
                id += 1;
                let source = "big.tif".to_string();
                tiles.insert(
                    ImageId(id),
                    TilePos {
                        source,
                        x: x * 224,
                        y: y * 224,
                    },
                );
            }
        }
        // The current tile is the last; the first 6 × 6 block is all corrected, tile 2 of
        // the next block accepted.
        let done = |id: ImageId| {
            let (x, y) = ((id.0 - 1) % 73, (id.0 - 1) / 73);
            if x < 6 && y < 6 {
                MaskStatus::Corrected
            } else if x == 7 && y == 0 {
                MaskStatus::Accepted
            } else {
                MaskStatus::None
            }
        };
        let (title, lines) = mosaic(&tiles, ImageId(id), done, 14, 12).unwrap();
        assert_eq!(
            title,
            "big.tif: 5329 tiles, 36 corrected, 1 accepted (1 mark = 7×7 tiles)"
        );
        assert_eq!(lines.len(), 11);
        assert!(
            lines.iter().all(|l| l.chars().count() < 2 * 14),
            "{lines:?}"
        );
        assert!(lines[0].starts_with("+ + ·"), "{}", lines[0]);
        assert!(lines[10].ends_with('■'), "{}", lines[10]);
    }
}
