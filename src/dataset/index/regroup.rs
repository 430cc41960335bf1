//! The dataset's grouping rule in the workspace. A new rule is stored in the same transaction
//! that moves every image to the group it gives and clears the splits (a split given to a
//! group of the old rule means nothing under the new one); the index then assigns splits
//! afresh with the stored fractions and seed. An interrupted change leaves the old rule, and
//! the next index moves the images back to its groups.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::super::groups::GroupRule;
use super::super::image::{ImageId, IndexedImage};
use super::super::layout::ItemFiles;
use super::super::workspace::{Workspace, WorkspaceError};
use super::keys;

/// What a change of grouping rule did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Regrouped {
    /// The new rule, in words.
    pub rule: String,
    /// The rule it replaced, in words.
    pub previous: String,
    /// Groups of the images present before and after.
    pub groups_before: usize,
    pub groups_after: usize,
    /// Images whose group changed.
    pub moved: usize,
}

/// The stored rule (the study's before any is stored), and whether `new` replaces it.
pub(super) fn resolve_rule(
    ws: &Workspace,
    new: Option<&GroupRule>,
) -> Result<(GroupRule, Option<GroupRule>), WorkspaceError> {
    let stored: GroupRule = ws.meta_json(keys::GROUP_RULE)?.unwrap_or_default();
    match new {
        Some(n) if *n != stored => Ok((n.clone(), Some(stored))),
        _ => Ok((stored, None)),
    }
}

/// Moves rows to the groups `items` carry (already set by `rule`); when the rule is new
/// (`previous` is the one it replaces), stores it and clears every split.
/// `before` holds the rows as they were before this index run.
pub(super) fn regroup(
    ws: &mut Workspace,
    items: &[ItemFiles],
    rule: &GroupRule,
    previous: Option<&GroupRule>,
    before: &[IndexedImage],
) -> Result<Option<Regrouped>, WorkspaceError> {
    let want: HashMap<(&str, &str), &str> = items
        .iter()
        .map(|f| ((f.sample.as_str(), f.stem.as_str()), f.group.as_str()))
        .collect();
    let rows = ws.images()?;
    let moves: Vec<(ImageId, &str)> = rows
        .iter()
        .filter_map(|r| {
            let g = *want.get(&(r.sample.as_str(), r.stem.as_str()))?;
            (r.group != g).then_some((r.id, g))
        })
        .collect();
    if moves.is_empty() && previous.is_none() {
        return Ok(None);
    }
    let tx = ws.transaction()?;
    for (id, g) in &moves {
        tx.set_group(*id, g)?;
    }
    if previous.is_some() {
        tx.clear_splits()?;
        tx.set_meta(
            keys::GROUP_RULE,
            &serde_json::to_string(rule).unwrap_or_default(),
        )?;
    }
    tx.commit()?;
    let Some(previous) = previous else {
        return Ok(None);
    };
    let old: HashMap<(&str, &str), &str> = before
        .iter()
        .map(|r| ((r.sample.as_str(), r.stem.as_str()), r.group.as_str()))
        .collect();
    let groups_of = |rows: &mut dyn Iterator<Item = &str>| rows.collect::<BTreeSet<_>>().len();
    Ok(Some(Regrouped {
        rule: rule.to_string(),
        previous: previous.to_string(),
        groups_before: groups_of(
            &mut before
                .iter()
                .filter(|r| !r.missing)
                .map(|r| r.group.as_str()),
        ),
        groups_after: groups_of(&mut items.iter().map(|f| f.group.as_str())),
        moved: items
            .iter()
            .filter(|f| {
                old.get(&(f.sample.as_str(), f.stem.as_str()))
                    .is_some_and(|g| *g != f.group)
            })
            .count(),
    }))
}
