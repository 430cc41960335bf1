//! Scale bins: sorted pixel-size edges (µm/px) that split images into bins.
//!
//! With edges `e[0] < e[1] < …`, an image of pixel size `p` falls in bin `k` when
//! `e[k-1] < p ≤ e[k]` (bin 0 has no lower edge, the last bin no upper edge), so `n` edges
//! make `n + 1` bins. Bins are data of a model or an audit, parsed from `--bins 0.25,1.8`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Sorted, finite, positive pixel-size edges in µm/px.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<f64>", into = "Vec<f64>")]
pub struct ScaleBins {
    edges: Vec<f64>,
}

/// Why a list of edges is not a valid bin set.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BinsError {
    #[error("bin edge '{0}' is not a number: give µm/px values like 0.25,1.8")]
    NotANumber(String),
    #[error("bin edge {0} must be a finite number above 0 µm/px")]
    NotPositive(f64),
    #[error("bin edges must increase: {0} is not above {1}")]
    NotIncreasing(f64, f64),
}

impl ScaleBins {
    /// Bins from edges; an empty list gives one bin holding every image.
    pub fn new(edges: Vec<f64>) -> Result<Self, BinsError> {
        for (i, &e) in edges.iter().enumerate() {
            if !e.is_finite() || e <= 0.0 {
                return Err(BinsError::NotPositive(e));
            }
            if i > 0 && e <= edges[i - 1] {
                return Err(BinsError::NotIncreasing(e, edges[i - 1]));
            }
        }
        Ok(Self { edges })
    }

    /// A single bin with no edges.
    pub fn single() -> Self {
        Self { edges: Vec::new() }
    }

    /// The edges in µm/px.
    pub fn edges(&self) -> &[f64] {
        &self.edges
    }

    /// Number of bins (edges + 1).
    pub fn len(&self) -> usize {
        self.edges.len() + 1
    }

    /// Never true: there is always at least one bin.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The bin of a pixel size in µm/px: `e[k-1] < p ≤ e[k]`.
    pub fn bin_of(&self, pixel_size: f64) -> usize {
        self.edges.partition_point(|&e| e < pixel_size)
    }

    /// Lower (exclusive) and upper (inclusive) bound of bin `k`; `None` for an open end.
    pub fn range(&self, k: usize) -> (Option<f64>, Option<f64>) {
        let lower = k.checked_sub(1).and_then(|i| self.edges.get(i)).copied();
        (lower, self.edges.get(k).copied())
    }

    /// A short human label for bin `k`, e.g. `0.25–1.8 µm/px`.
    pub fn label(&self, k: usize) -> String {
        match self.range(k) {
            (None, None) => "all pixel sizes".to_string(),
            (None, Some(hi)) => format!("≤ {} µm/px", fmt_edge(hi)),
            (Some(lo), None) => format!("> {} µm/px", fmt_edge(lo)),
            (Some(lo), Some(hi)) => format!("{}–{} µm/px", fmt_edge(lo), fmt_edge(hi)),
        }
    }

    /// Interval notation for bin `k`, e.g. `(0.25, 1.8]`.
    pub fn interval(&self, k: usize) -> String {
        let (lo, hi) = self.range(k);
        let lo = lo.map_or_else(|| "0".to_string(), fmt_edge);
        match hi {
            Some(hi) => format!("({lo}, {}]", fmt_edge(hi)),
            None => format!("({lo}, ∞)"),
        }
    }
}

/// Formats an edge without trailing zeros: 0.25, 1.8, 20.
pub fn fmt_edge(e: f64) -> String {
    let s = format!("{e}");
    if s.contains('e') {
        format!("{e:.6}")
    } else {
        s
    }
}

impl FromStr for ScaleBins {
    type Err = BinsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let edges = s
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                t.parse::<f64>()
                    .map_err(|_| BinsError::NotANumber(t.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(edges)
    }
}

impl fmt::Display for ScaleBins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.edges.iter().map(|&e| fmt_edge(e)).collect();
        f.write_str(&parts.join(","))
    }
}

impl TryFrom<Vec<f64>> for ScaleBins {
    type Error = BinsError;
    fn try_from(edges: Vec<f64>) -> Result<Self, Self::Error> {
        Self::new(edges)
    }
}

impl From<ScaleBins> for Vec<f64> {
    fn from(bins: ScaleBins) -> Self {
        bins.edges
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_assignment_is_lower_open_upper_closed() {
        let b: ScaleBins = "0.25,1.8".parse().unwrap();
        assert_eq!(b.len(), 3);
        assert_eq!(b.bin_of(0.02), 0);
        assert_eq!(b.bin_of(0.25), 0);
        assert_eq!(b.bin_of(0.250_000_1), 1);
        assert_eq!(b.bin_of(1.8), 1);
        assert_eq!(b.bin_of(1.81), 2);
        assert_eq!(b.bin_of(19.6), 2);
    }

    #[test]
    fn labels_and_intervals() {
        let b: ScaleBins = " 0.25 , 1.8 ".parse().unwrap();
        assert_eq!(b.label(0), "≤ 0.25 µm/px");
        assert_eq!(b.label(1), "0.25–1.8 µm/px");
        assert_eq!(b.label(2), "> 1.8 µm/px");
        assert_eq!(b.interval(1), "(0.25, 1.8]");
        assert_eq!(b.to_string(), "0.25,1.8");
        assert_eq!(ScaleBins::single().label(0), "all pixel sizes");
        assert_eq!("".parse::<ScaleBins>().unwrap().len(), 1);
    }

    #[test]
    fn bad_edges_are_rejected() {
        assert_eq!(
            "1.8,0.25".parse::<ScaleBins>().unwrap_err(),
            BinsError::NotIncreasing(0.25, 1.8)
        );
        assert!(matches!(
            "0,1".parse::<ScaleBins>(),
            Err(BinsError::NotPositive(_))
        ));
        assert!(matches!(
            "a".parse::<ScaleBins>(),
            Err(BinsError::NotANumber(_))
        ));
        assert!(matches!(
            "inf".parse::<ScaleBins>(),
            Err(BinsError::NotPositive(_))
        ));
    }

    #[test]
    fn serde_round_trip_validates() {
        let b: ScaleBins = "0.25,1.8".parse().unwrap();
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(json, "[0.25,1.8]");
        assert_eq!(serde_json::from_str::<ScaleBins>(&json).unwrap(), b);
        assert!(serde_json::from_str::<ScaleBins>("[2.0,1.0]").is_err());
    }
}
