//! `--group-by REGEX` and `--groups FILE.csv`: how images are grouped for train/val/test
//! splits, for datasets not named like the study's. The rule is stored in the workspace; a
//! change re-groups every image, assigns every split again, and is said on stderr.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::dataset::ClassSchema;
use crate::dataset::groups::GroupRule;
use crate::dataset::index::IndexSummary;
use crate::dataset::split::Split;
use crate::dataset::workspace::Workspace;

use super::common::DatasetArgs;

/// The split-group options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GroupArgs {
    /// Group images for splits by this regex on the file stem: the group is the first capture
    /// group (or the whole match), per sample; 'default' goes back to the name before the
    /// first '-'. Stored in the workspace: later commands keep it. Labelled images it does not
    /// match keep the default group and are reported.
    #[arg(long, value_name = "REGEX", conflicts_with = "groups")]
    pub group_by: Option<String>,
    /// Group images for splits by a CSV with the header 'image,group' (image: path under
    /// DATASET, or file stem). Stored in the workspace like --group-by.
    #[arg(long, value_name = "FILE.csv")]
    pub groups: Option<PathBuf>,
}

impl GroupArgs {
    /// The rule the options give, `None` without either.
    pub fn rule(&self) -> anyhow::Result<Option<GroupRule>> {
        Ok(match (&self.group_by, &self.groups) {
            (Some(d), _) if d == "default" => Some(GroupRule::Prefix),
            (Some(pattern), _) => Some(GroupRule::regex(pattern)?),
            (None, Some(file)) => Some(GroupRule::csv_file(file)?),
            (None, None) => None,
        })
    }

    /// Indexes `data` with the rule given, if any, and says on stderr when it re-grouped
    /// (also with --quiet: the splits changed).
    pub fn index(
        &self,
        data: &DatasetArgs,
        bins: Option<crate::dataset::ScaleBins>,
        full: bool,
    ) -> anyhow::Result<(Workspace, ClassSchema, IndexSummary)> {
        let rule = self.rule()?;
        let (ws, schema, summary) = data.index_grouped(bins, full, rule)?;
        if let Some(line) = regrouped_line(&ws, &summary)? {
            eprintln!("{line}");
        }
        Ok((ws, schema, summary))
    }
}

/// What a change of rule did, in one line; `None` when the rule did not change.
fn regrouped_line(ws: &Workspace, s: &IndexSummary) -> anyhow::Result<Option<String>> {
    let Some(r) = &s.regrouped else {
        return Ok(None);
    };
    let counts = split_images(ws)?;
    let per_split: Vec<String> = Split::ALL
        .iter()
        .map(|k| format!("{k} {}", counts.get(k).copied().unwrap_or(0)))
        .collect();
    Ok(Some(format!(
        "grouping changed to {} (was {}): {} groups (were {}), {} images moved; splits assigned again, labelled images: {}",
        r.rule,
        r.previous,
        r.groups_after,
        r.groups_before,
        r.moved,
        per_split.join(", ")
    )))
}

/// Labelled images per split.
pub fn split_images(ws: &Workspace) -> anyhow::Result<BTreeMap<Split, usize>> {
    let splits = ws.splits()?;
    let mut out = BTreeMap::new();
    for r in ws
        .images()?
        .iter()
        .filter(|r| !r.missing && r.is_labelled())
    {
        if let Some(s) = splits.get(&r.group) {
            *out.entry(*s).or_default() += 1;
        }
    }
    Ok(out)
}

/// Refuses a training run whose val split is empty unless `no_val`, with the sizes of the
/// three splits and what to do; returns a warning line when only the test split is empty.
/// `sizes`: labelled images loaded for train, val and test.
pub fn check_splits(sizes: [usize; 3], no_val: bool) -> anyhow::Result<Option<String>> {
    let [train, val, test] = sizes;
    let counts = format!("labelled images: train {train}, val {val}, test {test}");
    if val == 0 && !no_val {
        anyhow::bail!(
            "the val split is empty ({counts}): training would have no validation to keep its best epoch by; give the images groups that spread over the splits (--group-by REGEX or --groups FILE.csv; all tiles of one site in one group), change the shares with `semcurate split DATASET --fractions T,V,T`, or pass --no-val to train without validation"
        );
    }
    Ok((test == 0).then(|| {
        format!(
            "warning: the test split is empty ({counts}): the model card will have no test figures; --group-by REGEX, --groups FILE.csv or `semcurate split --fractions` can give it images"
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::check_splits;

    #[test]
    fn an_empty_val_split_is_refused_unless_asked_for() {
        let e = check_splits([20, 0, 0], false).unwrap_err().to_string();
        assert!(
            e.contains("val split is empty (labelled images: train 20, val 0, test 0)"),
            "{e}"
        );
        assert!(e.contains("--group-by") && e.contains("--fractions") && e.contains("--no-val"));
        let w = check_splits([20, 0, 0], true).unwrap().unwrap();
        assert!(w.contains("test split is empty (labelled images: train 20, val 0, test 0)"));
        assert_eq!(check_splits([14, 3, 3], false).unwrap(), None);
        let w = check_splits([14, 6, 0], false).unwrap().unwrap();
        assert!(w.starts_with("warning: the test split is empty"), "{w}");
    }
}
