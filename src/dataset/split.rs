//! Train/val/test splits that never let one site straddle two splits.
//!
//! Images are grouped by sample and the part of the file name before the first `-` (the
//! study's rule). Groups are stratified by scale bin (all tiles of a site share a pixel size),
//! so every bin has train, val and test images: within a stratum, groups are ordered by a
//! seeded hash of their name; while a split with a positive target has no group of the
//! stratum and the stratum has at least three groups, the next group fills it (train, then
//! val, then test); after that each group goes to the split furthest below its target share
//! of labelled images. The result depends only on the group names, sizes and strata, the
//! fractions and the seed; groups that already have a split keep it, so adding images never
//! moves old ones between splits.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the three splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Fits the weights.
    Train,
    /// Picks the best epoch during training.
    Val,
    /// Held out: scored in the model card, never trained or validated on.
    Test,
}

impl Split {
    /// Train, val, test: the order of every per-split list and of [`Split::index`].
    pub const ALL: [Self; 3] = [Self::Train, Self::Val, Self::Test];

    /// Lower-case name as stored in the workspace and shown (`train`, `val`, `test`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Val => "val",
            Self::Test => "test",
        }
    }

    /// The split named exactly `s` by [`Split::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// 0, 1, 2 for train, val, test.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Target shares of labelled images, summing to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SplitFractions {
    /// Share of labelled images meant for each split (0–1); parsing normalises the three.
    pub train: f64,
    pub val: f64,
    pub test: f64,
}

impl Default for SplitFractions {
    fn default() -> Self {
        Self {
            train: 0.7,
            val: 0.15,
            test: 0.15,
        }
    }
}

impl SplitFractions {
    fn as_array(self) -> [f64; 3] {
        [self.train, self.val, self.test]
    }
}

impl FromStr for SplitFractions {
    type Err = String;

    /// `0.7,0.15,0.15`; shares are normalised to sum to 1.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let v: Vec<f64> = s
            .split(',')
            .map(|t| {
                t.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("'{t}' is not a number"))
            })
            .collect::<Result<_, _>>()?;
        if v.len() != 3 {
            return Err(format!(
                "give three fractions train,val,test (e.g. 0.7,0.15,0.15), not {}",
                v.len()
            ));
        }
        if v.iter().any(|x| !x.is_finite() || *x < 0.0) || v.iter().sum::<f64>() <= 0.0 {
            return Err("fractions must be non-negative numbers with a positive sum".to_string());
        }
        let sum: f64 = v.iter().sum();
        Ok(Self {
            train: v[0] / sum,
            val: v[1] / sum,
            test: v[2] / sum,
        })
    }
}

impl fmt::Display for SplitFractions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{}", self.train, self.val, self.test)
    }
}

/// A group to split: its labelled images and its stratum (scale bin, `None` without one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupInfo {
    /// Labelled images in the group: groups with none get no split yet.
    pub labelled: u64,
    /// Scale bin of the group's images; `None` when they have no pixel size (a stratum of its own).
    pub stratum: Option<usize>,
}

/// [`assign`] within each stratum separately.
///
/// Returns only the new assignments, like [`assign`]; `existing` is split by stratum so that
/// each stratum's own balance counts.
pub fn assign_stratified(
    groups: &BTreeMap<String, GroupInfo>,
    existing: &BTreeMap<String, Split>,
    fractions: SplitFractions,
    seed: u64,
) -> BTreeMap<String, Split> {
    let mut strata: BTreeMap<Option<usize>, BTreeMap<String, u64>> = BTreeMap::new();
    for (g, info) in groups {
        strata
            .entry(info.stratum)
            .or_default()
            .insert(g.clone(), info.labelled);
    }
    let mut out = BTreeMap::new();
    for sizes in strata.values() {
        let local: BTreeMap<String, Split> = existing
            .iter()
            .filter(|(g, _)| sizes.contains_key(*g))
            .map(|(g, s)| (g.clone(), *s))
            .collect();
        out.extend(assign(sizes, &local, fractions, seed));
    }
    out
}

/// Assigns a split to every group in `sizes` (group → labelled images) that has none in
/// `existing`. Returns only the new assignments.
///
/// Groups with no labelled image are left without a split, so they can still be placed when
/// they get labels. The order of the new groups is a seeded hash of their names, so the result
/// does not depend on the map's order or on the platform.
pub fn assign(
    sizes: &BTreeMap<String, u64>,
    existing: &BTreeMap<String, Split>,
    fractions: SplitFractions,
    seed: u64,
) -> BTreeMap<String, Split> {
    let mut counts = [0u64; 3];
    let mut groups = [0usize; 3];
    for (group, split) in existing {
        let n = sizes.get(group).copied().unwrap_or(0);
        counts[split.index()] += n;
        groups[split.index()] += usize::from(n > 0);
    }
    let mut new: Vec<(&String, u64)> = sizes
        .iter()
        .filter(|(g, n)| **n > 0 && !existing.contains_key(*g))
        .map(|(g, n)| (g, *n))
        .collect();
    new.sort_by_key(|(g, _)| (stable_hash(g, seed), (*g).clone()));
    let targets = fractions.as_array();
    let stratum_groups = groups.iter().sum::<usize>() + new.len();
    let mut out = BTreeMap::new();
    for (group, n) in new {
        let total: u64 = counts.iter().sum::<u64>() + n;
        let empty = (0..3)
            .find(|&k| targets[k] > 0.0 && groups[k] == 0)
            .filter(|_| stratum_groups >= 3);
        // Otherwise the deficit after adding this group: how far each split is below target.
        let pick = empty.unwrap_or_else(|| {
            (0..3)
                .filter(|&k| targets[k] > 0.0)
                .max_by(|&a, &b| {
                    let deficit = |k: usize| targets[k] * total as f64 - counts[k] as f64;
                    deficit(a).total_cmp(&deficit(b)).then(b.cmp(&a))
                })
                .unwrap_or(0)
        });
        counts[pick] += n;
        groups[pick] += 1;
        out.insert(group.clone(), Split::ALL[pick]);
    }
    out
}

/// FNV-1a over the name, mixed with the seed by a SplitMix64 finaliser: stable across
/// platforms and versions.
pub fn stable_hash(name: &str, seed: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = h ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(n: usize, size: u64) -> BTreeMap<String, u64> {
        (0..n).map(|i| (format!("s/g{i:03}"), size)).collect()
    }

    #[test]
    fn shares_follow_fractions_and_are_deterministic() {
        let sizes = groups(100, 5);
        let a = assign(&sizes, &BTreeMap::new(), SplitFractions::default(), 7);
        let b = assign(&sizes, &BTreeMap::new(), SplitFractions::default(), 7);
        assert_eq!(a, b);
        let count = |s: Split| a.values().filter(|v| **v == s).count();
        assert_eq!(
            (count(Split::Train), count(Split::Val), count(Split::Test)),
            (70, 15, 15)
        );
        let c = assign(&sizes, &BTreeMap::new(), SplitFractions::default(), 8);
        assert_ne!(a, c, "another seed shuffles groups");
    }

    #[test]
    fn existing_groups_keep_their_split_and_new_ones_fill_deficits() {
        let mut sizes = groups(10, 10);
        let mut existing = BTreeMap::new();
        for i in 0..10 {
            existing.insert(format!("s/g{i:03}"), Split::Train);
        }
        sizes.insert("s/new1".into(), 10);
        sizes.insert("s/new2".into(), 10);
        let new = assign(&sizes, &existing, SplitFractions::default(), 1);
        assert_eq!(new.len(), 2);
        assert!(new.values().all(|s| *s != Split::Train), "{new:?}");
        assert!(!new.contains_key("s/g000"));
    }

    #[test]
    fn every_stratum_of_three_or_more_groups_gets_each_split() {
        let mut groups = BTreeMap::new();
        for (i, stratum) in [0, 0, 0, 0, 1, 1, 1, 2, 2].into_iter().enumerate() {
            groups.insert(
                format!("s/g{i}"),
                GroupInfo {
                    labelled: 5,
                    stratum: Some(stratum),
                },
            );
        }
        let a = assign_stratified(&groups, &BTreeMap::new(), SplitFractions::default(), 1);
        assert_eq!(a.len(), 9);
        for stratum in [0, 1] {
            let splits: std::collections::BTreeSet<Split> = a
                .iter()
                .filter(|(g, _)| groups[*g].stratum == Some(stratum))
                .map(|(_, s)| *s)
                .collect();
            assert_eq!(splits.len(), 3, "stratum {stratum}: {a:?}");
        }
        let two: Vec<Split> = a
            .iter()
            .filter(|(g, _)| groups[*g].stratum == Some(2))
            .map(|(_, s)| *s)
            .collect();
        assert_eq!(two.len(), 2);
        assert!(
            two.contains(&Split::Train),
            "two groups: the first goes to train by deficit"
        );
    }

    #[test]
    fn groups_without_labelled_images_get_no_split() {
        let mut sizes = groups(3, 4);
        sizes.insert("s/unlabelled".into(), 0);
        let a = assign(&sizes, &BTreeMap::new(), SplitFractions::default(), 1);
        assert!(!a.contains_key("s/unlabelled"));
        assert_eq!(a.len(), 3);
    }

    #[test]
    fn fraction_parsing() {
        let f: SplitFractions = "8,1,1".parse().unwrap();
        assert!((f.train - 0.8).abs() < 1e-12);
        assert!("0.5,0.5".parse::<SplitFractions>().is_err());
        assert!("a,b,c".parse::<SplitFractions>().is_err());
        assert!("0,0,0".parse::<SplitFractions>().is_err());
    }

    const PINNED_EMPTY: u64 = 17_665_956_581_633_026_203;

    #[test]
    fn stable_hash_is_fixed() {
        // Pinned: changing the hash would move every dataset's splits.
        assert_eq!(
            stable_hash("10003/10003_s01", 0),
            stable_hash("10003/10003_s01", 0)
        );
        assert_eq!(stable_hash("", 0), PINNED_EMPTY);
        assert_ne!(stable_hash("a", 0), stable_hash("a", 1));
    }
}
