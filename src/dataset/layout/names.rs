//! File names the study's code reads unchanged: unique across the whole export (it keys pixel
//! sizes by file stem over all samples), only `[A-Za-z0-9_-]` (its helpers split on the first
//! `.`), and the split group, the part before the first `-`, kept intact so that tiles of one
//! site stay together. Renaming is deterministic: the same sources give the same names.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Longest exported name (bytes, without `.png`); longer ones are cut and given a hash.
pub const MAX_NAME: usize = 100;

/// `text` with every byte outside `[A-Za-z0-9_-]` replaced by `_`, cut to [`MAX_NAME`]
/// (with a short hash of the whole when cut); `image` when nothing is left.
pub fn sanitize(text: &str) -> String {
    let mut s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.len() > MAX_NAME {
        let h = crate::dataset::split::stable_hash(text, 0) as u32;
        s.truncate(MAX_NAME - 9);
        s = format!("{s}_{h:08x}");
    }
    if s.trim_matches('_').is_empty() {
        s = format!("image{s}");
    }
    s
}

/// The split group of an exported name, as the study computes it.
pub fn group_of(name: &str) -> &str {
    name.split('-').next().unwrap_or(name)
}

/// Names for `(sample, stem)` pairs. A name is the sanitized stem; when its group occurs in
/// more than one sample, the sample is put in front (`SAMPLE_stem`). Two source groups never
/// end up as one exported group (that would let a site straddle splits): a group name already
/// taken by another source group gets `_2`, `_3`…; names that still clash within a group
/// (two stems that sanitize alike) get `_2`, `_3`… at the end. Deterministic: sorted order.
pub fn assign(items: &[(String, String)]) -> HashMap<(String, String), String> {
    // (export group, the rest of the name from the first '-') per item.
    let parts: Vec<(String, String)> = items
        .iter()
        .map(|(_, stem)| {
            let s = sanitize(stem);
            match s.find('-') {
                Some(i) => (s[..i].to_string(), s[i..].to_string()),
                None => (s, String::new()),
            }
        })
        .collect();
    let mut samples_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for ((sample, _), (g, _)) in items.iter().zip(&parts) {
        samples_of
            .entry(g.as_str())
            .or_default()
            .insert(sample.as_str());
    }
    // Source group: the sample and the stem's part before its first '-'.
    let source_group = |(sample, stem): &(String, String)| {
        (
            sample.clone(),
            stem.split('-').next().unwrap_or(stem).to_string(),
        )
    };
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| items[a].cmp(&items[b]));
    let mut group_of_source: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for &i in &order {
        let key = source_group(&items[i]);
        if group_of_source.contains_key(&key) {
            continue;
        }
        let g = &parts[i].0;
        let g = if samples_of[g.as_str()].len() > 1 {
            format!("{}_{g}", sanitize(&items[i].0))
        } else {
            g.clone()
        };
        let g = unique(g, &taken);
        taken.insert(g.clone());
        group_of_source.insert(key, g);
    }
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut out = HashMap::with_capacity(items.len());
    for i in order {
        let g = &group_of_source[&source_group(&items[i])];
        let name = unique(format!("{g}{}", parts[i].1), &used);
        used.insert(name.clone());
        out.insert(items[i].clone(), name);
    }
    out
}

/// `name`, or `name_2`, `name_3`… : the first not in `used`.
pub fn unique(name: String, used: &BTreeSet<String>) -> String {
    if !used.contains(&name) {
        return name;
    }
    // At most `used.len() + 1` candidates are needed: one of them is free.
    (2..=used.len() + 2)
        .map(|k| format!("{name}_{k}"))
        .find(|n| !used.contains(n))
        .unwrap_or(name)
}

/// The name of the tile at `(x, y)` px of an image exported as `name`: its group stays the
/// image's (`NAME_x0_y256` when the name has a `-`, else `NAME-x0_y256`).
pub fn tile_name(name: &str, x: u32, y: u32) -> String {
    let sep = if name.contains('-') { '_' } else { '-' };
    format!("{name}{sep}x{x}_y{y}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect()
    }

    #[test]
    fn names_follow_the_study_rules() {
        assert_eq!(sanitize("10003_s01-004"), "10003_s01-004");
        assert_eq!(sanitize("a.b c/é"), "a_b_c__");
        assert_eq!(sanitize("..."), "image___");
        let long = "x".repeat(300);
        let s = sanitize(&long);
        assert_eq!(s.len(), MAX_NAME);
        assert_ne!(s, sanitize(&"x".repeat(301)));
    }

    #[test]
    fn clashes_across_samples_get_the_sample_in_front() {
        let items = pairs(&[
            ("A", "site1-001"),
            ("A", "site1-002"),
            ("B", "site1-001"),
            ("B", "other-1"),
            ("A", "x.y"),
            ("A", "x_y"),
        ]);
        let n = assign(&items);
        let get = |s: &str, t: &str| n[&(s.to_string(), t.to_string())].clone();
        assert_eq!(get("A", "site1-001"), "A_site1-001");
        assert_eq!(get("A", "site1-002"), "A_site1-002");
        assert_eq!(get("B", "site1-001"), "B_site1-001");
        assert_eq!(get("B", "other-1"), "other-1");
        // Two source groups that sanitize alike stay two groups.
        assert_eq!(get("A", "x.y"), "x_y");
        assert_eq!(get("A", "x_y"), "x_y_2");
        // Groups stay whole: both A tiles of site 1 share one group, B's is another.
        assert_eq!(
            group_of(&get("A", "site1-001")),
            group_of(&get("A", "site1-002"))
        );
        assert_ne!(
            group_of(&get("A", "site1-001")),
            group_of(&get("B", "site1-001"))
        );
        // Same input in another order: same names.
        let mut rev = items.clone();
        rev.reverse();
        assert_eq!(assign(&rev), n);
    }

    #[test]
    fn groups_never_merge() {
        // Sanitizing merges 's01.v2' with 's01_v2'; a sample prefix meets an existing stem.
        let items = pairs(&[
            ("12002", "12002_s01.v2-t01"),
            ("12002", "12002_s01_v2-t01"),
            ("12021", "70017_s01-t01"),
            ("12021", "12021_70017_s01-t01"),
            ("70017", "70017_s01-t02"),
        ]);
        let n = assign(&items);
        let mut by_group: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
        for (k, name) in &n {
            let src = (k.0.clone(), k.1.split('-').next().unwrap().to_string());
            by_group
                .entry(group_of(name).to_string())
                .or_default()
                .insert(src);
        }
        for (g, sources) in &by_group {
            assert_eq!(sources.len(), 1, "group {g} merges {sources:?}");
        }
        let names: BTreeSet<&String> = n.values().collect();
        assert_eq!(names.len(), items.len());
    }

    #[test]
    fn tiles_keep_the_group() {
        assert_eq!(tile_name("s1-004", 0, 256), "s1-004_x0_y256");
        assert_eq!(tile_name("s1", 256, 0), "s1-x256_y0");
        assert_eq!(group_of(&tile_name("s1", 256, 0)), "s1");
    }
}
