//! Split groups: which images travel together into one split, so that the tiles of one site
//! never straddle train and test.
//!
//! The study's rule groups by sample and the part of the file stem before the first `-`
//! (`10003/10003_s01` for `10003_s01-t02`). Datasets named otherwise give a rule of their own:
//! a regex on the stem (the group is `SAMPLE/` and the first capture group, or the whole
//! match without one) or a CSV of `image,group` rows (the group as written, so it may span
//! samples; the image is its path relative to the dataset root or its stem). An image the rule
//! does not match keeps the study's group; [`Grouper::apply`] reports those that are labelled.
//! The rule is stored in the workspace (`keys::GROUP_RULE`), CSV rows included, so later
//! commands keep it without the file.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::layout::ItemFiles;
use super::problems::{Problem, ProblemKind};

mod csv;

/// How images are grouped for splitting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum GroupRule {
    /// The study's: the sample and the stem before the first `-`.
    #[default]
    Prefix,
    /// `SAMPLE/` and the first capture group (or the whole match) of a regex on the stem.
    Regex { pattern: String },
    /// Image (path relative to the root, or stem) → group, from a CSV file.
    Csv {
        /// The CSV file as given to `--groups` (kept for messages only).
        file: String,
        /// Its rows: image key (path relative to the root with `/`, or stem) → group, as written.
        groups: BTreeMap<String, String>,
    },
}

/// Why a grouping rule cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    /// `--group-by` does not compile as a regex.
    #[error("--group-by '{pattern}' is not a valid regex: {message}")]
    Regex { pattern: String, message: String },
    /// The groups file could not be read.
    #[error("cannot read the groups file '{file}': {message}")]
    Read { file: String, message: String },
    /// A line of the groups file is malformed; `line` counts from 1.
    #[error("groups file '{file}', line {line}: {message}")]
    Csv {
        file: String,
        line: usize,
        message: String,
    },
}

impl GroupRule {
    /// A regex rule, checked to compile.
    pub fn regex(pattern: &str) -> Result<Self, GroupError> {
        let rule = Self::Regex {
            pattern: pattern.to_string(),
        };
        rule.compile()?;
        Ok(rule)
    }

    /// A CSV rule read from `path` (columns `image,group`, with that header).
    pub fn csv_file(path: &Path) -> Result<Self, GroupError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| GroupError::Read {
            file: file.clone(),
            message: e.to_string(),
        })?;
        let groups = csv::parse(&text, &file)?;
        Ok(Self::Csv { file, groups })
    }

    /// The rule ready to apply.
    pub fn compile(&self) -> Result<Grouper<'_>, GroupError> {
        let regex = match self {
            Self::Regex { pattern } => {
                Some(regex::Regex::new(pattern).map_err(|e| GroupError::Regex {
                    pattern: pattern.clone(),
                    message: e.to_string(),
                })?)
            }
            _ => None,
        };
        Ok(Grouper { rule: self, regex })
    }
}

impl fmt::Display for GroupRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Prefix => f.write_str("name before the first '-'"),
            Self::Regex { pattern } => write!(f, "--group-by '{pattern}'"),
            Self::Csv { file, groups } => write!(f, "--groups '{file}' ({} rows)", groups.len()),
        }
    }
}

/// The study's group of an image: its sample and the stem before the first `-`.
///
/// `10003_s01-t02` in sample `10003` is in group `10003/10003_s01`; a stem without `-` is its
/// own group.
pub fn prefix_group(sample: &str, stem: &str) -> String {
    let prefix = stem.split('-').next().unwrap_or(stem);
    format!("{sample}/{prefix}")
}

/// A [`GroupRule`] with its regex compiled.
#[derive(Debug)]
pub struct Grouper<'a> {
    rule: &'a GroupRule,
    regex: Option<regex::Regex>,
}

impl Grouper<'_> {
    /// The group the rule gives an image, `None` when it does not match it.
    pub fn group(&self, sample: &str, stem: &str, image_path: &str) -> Option<String> {
        match self.rule {
            GroupRule::Prefix => Some(prefix_group(sample, stem)),
            GroupRule::Regex { .. } => {
                let caps = self.regex.as_ref()?.captures(stem)?;
                let m = caps.get(1).or_else(|| caps.get(0))?;
                (!m.as_str().is_empty()).then(|| format!("{sample}/{}", m.as_str()))
            }
            GroupRule::Csv { groups, .. } => {
                groups.get(image_path).or_else(|| groups.get(stem)).cloned()
            }
        }
    }

    /// Sets every item's group by the rule (the study's where it does not match) and returns
    /// a problem for each labelled image it does not match; unlabelled ones fall back quietly
    /// (they join no split until labelled).
    pub fn apply(&self, items: &mut [ItemFiles]) -> Vec<Problem> {
        let mut problems = Vec::new();
        for item in items {
            if let Some(g) = self.group(&item.sample, &item.stem, &item.image.path) {
                item.group = g;
            } else {
                item.group = prefix_group(&item.sample, &item.stem);
                if item.mask.is_some() {
                    problems.push(self.unmatched(item));
                }
            }
        }
        problems
    }

    fn unmatched(&self, item: &ItemFiles) -> Problem {
        let fix = match self.rule {
            GroupRule::Csv { .. } => "add a row for it to the groups file",
            _ => "change the regex so that it matches this name",
        };
        Problem::new(
            ProblemKind::Ungrouped,
            item.image.path.clone(),
            format!(
                "{} gives '{}' no group, so it is grouped by the name before the first '-' as '{}': {fix}",
                self.rule, item.stem, item.group
            ),
        )
    }
}

#[cfg(test)]
mod tests;
