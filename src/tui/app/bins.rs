//! The scale-bin screen: pixel sizes of the dataset and editable bin edges, with the images
//! per bin updated on every edit. Edges move by ±5 % (pixel sizes spread over decades).

use crate::dataset::ScaleBins;
use crate::dataset::image::IndexedImage;

use super::super::action::Action;
use super::super::msg::Command;
use super::{App, Severity};

/// Factor by which `EdgeUp` moves the selected edge (and `EdgeDown` by its inverse): ±5 %.
const EDGE_STEP: f64 = 1.05;

/// Bin editor state.
///
/// Counts follow [`ScaleBins::bin_of`]: upper edges inclusive. Images without a pixel size
/// are in no bin and counted apart.
#[derive(Debug, Clone, Default)]
pub struct BinsState {
    /// Edited edges, µm/px, strictly increasing.
    pub edges: Vec<f64>,
    /// The workspace's edges.
    pub saved: Vec<f64>,
    /// Index of the selected edge.
    pub selected: usize,
    /// Pixel sizes of the present images, ascending (µm/px).
    pub sizes: Vec<f64>,
    /// Images without a pixel size.
    pub unknown: usize,
    /// Images per bin under `edges`.
    pub counts: Vec<usize>,
    /// Images per bin under `saved`.
    pub saved_counts: Vec<usize>,
}

impl BinsState {
    /// The editor on the workspace's `bins`, nothing edited yet; pixel sizes come with
    /// [`BinsState::set_rows`].
    pub fn new(bins: &ScaleBins) -> Self {
        let mut s = Self {
            edges: bins.edges().to_vec(),
            saved: bins.edges().to_vec(),
            ..Self::default()
        };
        s.recount();
        s
    }

    /// Whether the edited edges differ from the workspace's.
    pub fn dirty(&self) -> bool {
        self.edges != self.saved
    }

    /// Takes the pixel sizes of `rows` (images without one counted apart) and recounts the bins.
    pub fn set_rows(&mut self, rows: &[IndexedImage]) {
        self.sizes = rows.iter().filter_map(|r| r.pixel_size).collect();
        self.sizes.sort_by(f64::total_cmp);
        self.unknown = rows.len() - self.sizes.len();
        self.recount();
    }

    /// Recounts the images per bin under the edited and the saved edges.
    fn recount(&mut self) {
        self.counts = self.count(&self.edges);
        self.saved_counts = self.count(&self.saved);
    }

    /// Images per bin under `edges` (the rule of `ScaleBins::bin_of`: upper edges inclusive).
    fn count(&self, edges: &[f64]) -> Vec<usize> {
        let mut counts = vec![0; edges.len() + 1];
        for &p in &self.sizes {
            counts[edges.partition_point(|&e| e < p)] += 1;
        }
        counts
    }

    /// Moves the selected edge by `factor`, keeping the edges strictly increasing.
    fn scale_selected(&mut self, factor: f64) {
        let i = self.selected;
        let Some(&e) = self.edges.get(i) else { return };
        let lo = if i > 0 { self.edges[i - 1] } else { 0.0 };
        let hi = self.edges.get(i + 1).copied().unwrap_or(f64::INFINITY);
        let moved = round_edge(e * factor);
        if moved > lo && moved < hi {
            self.edges[i] = moved;
            self.recount();
        }
    }

    /// Adds an edge after the selected one: their geometric mean, twice the last edge after the
    /// last, 1 µm/px when there is none; rounded to three digits, skipped when it already exists.
    fn add(&mut self) {
        let e = match (
            self.edges.get(self.selected),
            self.edges.get(self.selected + 1),
        ) {
            (Some(a), Some(b)) => (a * b).sqrt(),
            (Some(a), None) => a * 2.0,
            (None, _) => 1.0,
        };
        let e = round_edge(e);
        if self.edges.iter().any(|&x| (x - e).abs() < 1e-9) {
            return;
        }
        let at = self.edges.partition_point(|&x| x < e);
        self.edges.insert(at, e);
        self.selected = at;
        self.recount();
    }
}

/// Three significant digits, so edges read well and survive the TOML/JSON round trip.
/// `e` to three significant digits, as the nearest double to that decimal (so it prints as
/// `1.63`, not `1.6300000000000001`).
fn round_edge(e: f64) -> f64 {
    if e <= 0.0 || !e.is_finite() {
        return e;
    }
    let decimals = (2 - e.log10().floor() as i32).max(0) as usize;
    format!("{e:.decimals$}").parse().unwrap_or(e)
}

impl App {
    /// Handles a key on the bins screen: select an edge, move it ±5 % (never past its
    /// neighbours), add or delete one, reset to the saved edges, or apply them.
    pub(super) fn bins_action(&mut self, action: Action) -> Vec<Command> {
        let b = &mut self.bins;
        match action {
            Action::Left => b.selected = b.selected.saturating_sub(1),
            Action::Right => b.selected = (b.selected + 1).min(b.edges.len().saturating_sub(1)),
            Action::EdgeUp => b.scale_selected(EDGE_STEP),
            Action::EdgeDown => b.scale_selected(1.0 / EDGE_STEP),
            Action::EdgeAdd => b.add(),
            Action::EdgeDelete if !b.edges.is_empty() => {
                b.edges.remove(b.selected);
                b.selected = b.selected.min(b.edges.len().saturating_sub(1));
                b.recount();
            }
            Action::EdgesReset => {
                b.edges = b.saved.clone();
                b.selected = b.selected.min(b.edges.len().saturating_sub(1));
                b.recount();
            }
            Action::EdgesApply => return self.apply_bins(),
            _ => {}
        }
        Vec::new()
    }

    /// Makes the edited edges the session's and asks the task thread to store them and
    /// re-bin every image (a job in the task table); nothing when unchanged.
    fn apply_bins(&mut self) -> Vec<Command> {
        if !self.bins.dirty() {
            self.say("the edges are unchanged".into(), Severity::Info);
            return Vec::new();
        }
        match ScaleBins::new(self.bins.edges.clone()) {
            Ok(bins) => {
                self.bins.saved = bins.edges().to_vec();
                self.bins.recount();
                self.ctx.bins = bins;
                self.say(
                    format!(
                        "re-binning the workspace with edges {} µm/px",
                        self.bins
                            .edges
                            .iter()
                            .map(f64::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    Severity::Info,
                );
                let task = self.tasks.add("re-binning");
                vec![Command::ApplyBins(self.bins.edges.clone(), task)]
            }
            Err(e) => {
                self.say(format!("cannot use these edges: {e}"), Severity::Error);
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_stay_ordered_and_counts_follow() {
        let mut b = BinsState::new(&"0.25,1.8".parse().unwrap());
        b.sizes = vec![0.1, 0.2, 0.3, 1.0, 2.0];
        b.recount();
        assert_eq!(b.counts, vec![2, 2, 1]);
        b.selected = 0;
        for _ in 0..100 {
            b.scale_selected(EDGE_STEP);
        }
        assert!(b.edges[0] < b.edges[1], "{:?}", b.edges);
        assert_eq!(b.counts, vec![4, 0, 1]);
        b.add();
        assert_eq!(b.edges.len(), 3);
        assert!(b.edges.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(b.counts.iter().sum::<usize>(), 5);
        assert!((round_edge(0.123_456) - 0.123).abs() < 1e-12);
    }
}

#[cfg(test)]
mod round_tests {
    #[test]
    fn edges_print_as_three_significant_digits() {
        for (e, want) in [
            (1.55 * 1.05, "1.63"),
            (0.25 * 1.05, "0.263"),
            (131.0, "131"),
            (0.0201, "0.0201"),
        ] {
            assert_eq!(super::round_edge(e).to_string(), want);
        }
    }
}
