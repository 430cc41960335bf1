//! The warning for masks that read as one class: two-value masks without a mask mapping.

use super::{ClassStats, StatsReport};

impl StatsReport {
    /// A warning when the masks look like two-value masks read the wrong way: every labelled
    /// pixel is one class and at least half of the labelled masks are partial, i.e. most of
    /// their pixels hold the schema's unlabelled value (`unlabelled`, 255 by default). That is
    /// what binary 0/255 masks give without a mask mapping: 255 (often the phase of interest)
    /// is read as "not labelled", and a model trained on them learns one class.
    pub fn mask_value_warning(&self, unlabelled: u16) -> Option<String> {
        let t = &self.totals;
        let present: Vec<&ClassStats> = self.classes.iter().filter(|c| c.pixels > 0).collect();
        let [only] = present.as_slice() else {
            return None;
        };
        if t.partial == 0 || 2 * t.partial < t.labelled {
            return None;
        }
        Some(format!(
            "every labelled pixel is class {} ({}) and {} of {} masks are partly unlabelled \
             ({:.1} % of their pixels carry a class): if mask value {unlabelled} is a class in \
             these masks (binary masks store 0 and {unlabelled}), map it, e.g. --mask-map \
             0={},{unlabelled}=<class id> or [mask_values] in classes.toml",
            only.id,
            only.short,
            t.partial,
            t.labelled,
            100.0 * t.partial_share,
            only.id,
        ))
    }
}
