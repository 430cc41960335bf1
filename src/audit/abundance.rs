//! Modal abundances per sample, true (masks) against predicted (model), and the study's
//! rock-type rule: olivine > 5 % → olivine basalt; else opaques (metal oxides, troilite, Fe
//! metal) > 7 % → ilmenite basalt; else pigeonite basalt. Shares for the rule exclude Void
//! (epoxy, holes and cracks are not rock). Classes are found by their short names (`Ol`, `MO`,
//! `FeS`, `Fe`, `Void`), so the rule is skipped for schemas without them.

use serde::Serialize;

use crate::dataset::schema::ClassSchema;
use crate::metrics::Confusion;

/// Rock type by the study's modal-abundance rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RockType {
    OlivineBasalt,
    IlmeniteBasalt,
    PigeoniteBasalt,
}

/// One sample's abundances.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbundanceRow {
    pub sample: String,
    /// Share of each class in the true masks (all pixels, Void included).
    pub truth: Vec<f64>,
    /// Share of each class in the predictions of the same images.
    pub predicted: Vec<f64>,
    /// `predicted − truth` per class.
    pub error: Vec<f64>,
    pub rock_type_truth: Option<RockType>,
    pub rock_type_predicted: Option<RockType>,
}

/// Abundances of each `(sample, confusion)` pair.
pub fn abundances(samples: &[(String, Confusion)], schema: &ClassSchema) -> Vec<AbundanceRow> {
    samples
        .iter()
        .map(|(name, m)| {
            let n = schema.len();
            let total = m.total() as f64;
            let share = |v: u64| if total > 0.0 { v as f64 / total } else { 0.0 };
            let truth: Vec<u64> = (0..n).map(|c| m.support(c)).collect();
            let pred: Vec<u64> = (0..n).map(|c| m.predicted(c)).collect();
            let t: Vec<f64> = truth.iter().map(|&v| share(v)).collect();
            let p: Vec<f64> = pred.iter().map(|&v| share(v)).collect();
            AbundanceRow {
                sample: name.clone(),
                error: p.iter().zip(&t).map(|(a, b)| a - b).collect(),
                rock_type_truth: rock_type(&truth, schema),
                rock_type_predicted: rock_type(&pred, schema),
                truth: t,
                predicted: p,
            }
        })
        .collect()
}

/// The study's rule on pixel counts per class.
pub fn rock_type(counts: &[u64], schema: &ClassSchema) -> Option<RockType> {
    let id = |short: &str| {
        schema
            .classes
            .iter()
            .find(|c| c.short == short)
            .map(|c| usize::from(c.id))
    };
    let olivine = id("Ol")?;
    let opaques: Vec<usize> = ["MO", "FeS", "Fe"].iter().filter_map(|s| id(s)).collect();
    if opaques.is_empty() {
        return None;
    }
    let void = id("Void").map_or(0, |v| counts[v]);
    let rock = counts.iter().sum::<u64>().saturating_sub(void) as f64;
    if rock == 0.0 {
        return None;
    }
    let share = |c: usize| counts[c] as f64 / rock;
    Some(if share(olivine) > 0.05 {
        RockType::OlivineBasalt
    } else if opaques.iter().map(|&c| share(c)).sum::<f64>() > 0.07 {
        RockType::IlmeniteBasalt
    } else {
        RockType::PigeoniteBasalt
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_excludes_void_and_checks_olivine_first() {
        let s = ClassSchema::default();
        // counts by id: 0 Void, 1 Fe, 2 FeS, 3 MO, 4 Py, 5 Pl, 6 Si, 7 Ol, 8 LSMC, 9 Na
        let mut c = vec![0u64; 10];
        c[4] = 860;
        c[3] = 80;
        c[7] = 60;
        assert_eq!(
            rock_type(&c, &s),
            Some(RockType::OlivineBasalt),
            "6 % olivine wins over 8 % opaques"
        );
        c[7] = 40;
        c[4] = 880;
        assert_eq!(rock_type(&c, &s), Some(RockType::IlmeniteBasalt));
        c[3] = 60;
        c[0] = 5000; // lots of epoxy does not dilute the rock
        c[4] = 900;
        assert_eq!(
            rock_type(&c, &s),
            Some(RockType::PigeoniteBasalt),
            "6 % opaques of the rock"
        );
        c[1] = 20;
        assert_eq!(
            rock_type(&c, &s),
            Some(RockType::IlmeniteBasalt),
            "metal counts as opaque: 80/1020"
        );
    }

    #[test]
    fn abundances_compare_truth_and_prediction() {
        let s = ClassSchema::default();
        let mut m = Confusion::new(10);
        m.add_masks(&[4, 4, 4, 7], &[4, 4, 7, 7]);
        let rows = abundances(&[("12002".into(), m)], &s);
        assert!((rows[0].truth[7] - 0.25).abs() < 1e-12);
        assert!((rows[0].predicted[7] - 0.5).abs() < 1e-12);
        assert!((rows[0].error[7] - 0.25).abs() < 1e-12);
        assert_eq!(rows[0].rock_type_truth, Some(RockType::OlivineBasalt));
    }
}
