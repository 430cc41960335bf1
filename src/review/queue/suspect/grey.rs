//! The grey-level evidence of `label-suspect`: backscatter tracks mean atomic number, so a
//! region's grey level (0–255) says which class it resembles, whatever the model says.

use std::collections::BTreeMap;

use super::{Part, error_gain};
use crate::metrics::grey_odd::OddRegion;
use crate::metrics::image_audit::{GreyStats, Moments};

/// Fewest pixels of a class for their grey level to count as a reference.
const MIN_REFERENCE_PIXELS: u64 = 30;
/// Smallest spread (grey levels) a reference is given.
const MIN_SD: f64 = 2.0;
/// Largest |ln| of a grey likelihood ratio: a region mean far from both references says
/// little more than one 4.5 spreads away.
const MAX_LOG_RATIO: f64 = 10.0;

/// ln of the Gaussian likelihood of a grey level `x` under a class of `mean` and `sd` (sd at
/// least [`MIN_SD`]), up to a constant.
fn log_likelihood(x: f64, mean: f64, sd: f64) -> f64 {
    let sd = sd.max(MIN_SD);
    -0.5 * ((x - mean) / sd).powi(2) - sd.ln()
}

/// Grey moments per class summed over a site group's images (one session, one detector
/// setting): of the pixels where mask and model agree, and of all labelled pixels.
#[derive(Debug, Clone)]
pub(super) struct Site {
    agreeing: Vec<Moments>,
    labelled: Vec<Moments>,
}

impl Site {
    pub(super) fn new(classes: usize) -> Self {
        Self {
            agreeing: vec![Moments::default(); classes],
            labelled: vec![Moments::default(); classes],
        }
    }

    pub(super) fn add(&mut self, g: &GreyStats) {
        for (acc, m) in self.agreeing.iter_mut().zip(&g.agreeing) {
            *acc = acc.plus(m);
        }
        for (acc, m) in self.labelled.iter_mut().zip(&g.truth) {
            *acc = acc.plus(m);
        }
    }
}

/// A class's reference grey level.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Reference {
    pub mean: f64,
    pub sd: f64,
    /// From the other images of the site group, else from this image.
    pub from_site: bool,
}

impl Reference {
    /// Distance of `grey` from the reference in units of its spread (at least [`MIN_SD`]).
    fn z(&self, grey: f64) -> f64 {
        (grey - self.mean).abs() / self.sd.max(MIN_SD)
    }
}

/// What the grey levels say about the disputed pixels.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct GreyEvidence {
    pub disputed: f64,
    pub claimed: Option<Reference>,
    pub predicted: Option<Reference>,
    /// The two references lie within one spread of each other: grey cannot tell the classes
    /// apart here (olivine and pyroxene), so it does not weigh in.
    pub overlap: bool,
    /// ln of the likelihood ratio of the disputed grey under the predicted class against the
    /// claimed one (±[`MAX_LOG_RATIO`]); 0 without both references, or where they overlap.
    pub log_ratio: f64,
}

impl GreyEvidence {
    pub(super) fn words(&self, claim: &str, pred: &str) -> String {
        let parts: Vec<String> = [(&self.claimed, claim), (&self.predicted, pred)]
            .into_iter()
            .filter_map(|(r, name)| {
                r.as_ref().map(|r| {
                    let whose = if r.from_site {
                        "its site's"
                    } else {
                        "this image's"
                    };
                    format!(
                        "{:.1} σ from {whose} {name} ({:.0})",
                        r.z(self.disputed),
                        r.mean
                    )
                })
            })
            .collect();
        if parts.is_empty() {
            return format!(
                "grey {:.0}, with no reference pixels of either class",
                self.disputed
            );
        }
        let tail = if self.overlap {
            format!(" (grey cannot tell {claim} from {pred} here: not counted)")
        } else if self.claimed.is_some() && self.predicted.is_some() {
            format!(" (×{:.2})", self.log_ratio.exp())
        } else {
            String::new()
        };
        format!(
            "their grey level {:.0} is {}{tail}",
            self.disputed,
            parts.join(" and ")
        )
    }

    pub(super) fn numbers(&self, numbers: &mut BTreeMap<String, f64>) {
        numbers.insert("disputed_grey".to_string(), self.disputed);
        for (k, v) in [
            ("claimed_grey", &self.claimed),
            ("predicted_grey", &self.predicted),
        ] {
            if let Some(r) = v {
                numbers.insert(k.to_string(), r.mean);
            }
        }
    }
}

/// The grey evidence on the disputed pixels (the confident region, else the pixels predicted
/// `pred` wrongly). References, each needing [`MIN_REFERENCE_PIXELS`]: the labelled pixels of
/// the class in the site's other images (whatever the model says of them: a class the model
/// rarely gets right has few agreeing pixels, and those few are often not typical), else the
/// agreeing pixels of the class in this image.
pub(super) fn grey_evidence(
    g: &GreyStats,
    site: Option<&Site>,
    in_region: bool,
    claim: usize,
    pred: usize,
) -> GreyEvidence {
    let pixels = if in_region {
        g.region
    } else {
        g.wrong.get(pred).copied().unwrap_or_default()
    };
    let disputed = pixels.mean_sd().map_or(0.0, |(m, _)| m);
    let (claimed, predicted) = (reference(g, site, claim), reference(g, site, pred));
    let overlap = match (&claimed, &predicted) {
        (Some(c), Some(p)) => (c.mean - p.mean).abs() < c.sd.max(p.sd).max(MIN_SD),
        _ => false,
    };
    let log_ratio = match (&claimed, &predicted) {
        (Some(c), Some(p)) if pixels.count > 0 && !overlap => {
            (log_likelihood(disputed, p.mean, p.sd) - log_likelihood(disputed, c.mean, c.sd))
                .clamp(-MAX_LOG_RATIO, MAX_LOG_RATIO)
        }
        _ => 0.0,
    };
    GreyEvidence {
        disputed,
        claimed,
        predicted,
        overlap,
        log_ratio,
    }
}

fn reference(g: &GreyStats, site: Option<&Site>, c: usize) -> Option<Reference> {
    let own = |v: &[Moments]| v.get(c).copied().unwrap_or_default();
    let others = |pick: fn(&Site) -> &[Moments], mine: Moments| {
        site.map(|s| own(pick(s)).minus(&mine)).unwrap_or_default()
    };
    let pick = |m: Moments, from_site: bool| {
        (m.count >= MIN_REFERENCE_PIXELS)
            .then(|| m.mean_sd())
            .flatten()
            .map(|(mean, sd)| Reference {
                mean,
                sd,
                from_site,
            })
    };
    pick(others(|s| s.labelled.as_slice(), own(&g.truth)), true)
        .or_else(|| pick(own(&g.agreeing), false))
}

/// ln of the likelihood ratio of an odd region's mean grey under the class it resembles
/// against the claimed one, from the image's own class centres and spreads.
fn odd_log_ratio(r: &OddRegion) -> f64 {
    (log_likelihood(r.grey, r.resembled_centre, r.resembled_spread)
        - log_likelihood(r.grey, r.claimed_centre, r.claimed_spread))
    .clamp(-MAX_LOG_RATIO, MAX_LOG_RATIO)
}

/// The image's labelled region that looks most like another class by grey alone: its pixels
/// × [`error_gain`]; `None` when no region's grey favours another class.
pub(super) fn odd_part(g: &GreyStats, name: &dyn Fn(usize) -> String) -> Option<Part> {
    let score = |r: &OddRegion| f64::from(r.pixels) * error_gain(odd_log_ratio(r));
    let r = g
        .odd
        .iter()
        .filter(|r| score(r) > 0.0)
        .max_by(|a, b| score(a).total_cmp(&score(b)))?;
    let (cn, kn) = (name(usize::from(r.claimed)), name(usize::from(r.resembles)));
    let lr = odd_log_ratio(r);
    let reason = format!(
        "a {}-px region labelled {cn} has the grey level of {kn} (box {:?}): {:.0} against this image's {cn} {:.0} ± {:.1} and {kn} {:.0} ± {:.1}, likelihood ratio {:.1} for an error whatever the model says",
        r.pixels,
        r.bbox,
        r.grey,
        r.claimed_centre,
        r.claimed_spread,
        r.resembled_centre,
        r.resembled_spread,
        lr.exp()
    );
    let mut numbers = BTreeMap::from([
        ("odd_pixels".to_string(), f64::from(r.pixels)),
        ("odd_grey".to_string(), r.grey),
        ("odd_claimed_centre".to_string(), r.claimed_centre),
        ("odd_resembled_centre".to_string(), r.resembled_centre),
        ("odd_log_ratio".to_string(), lr),
        ("odd_gain".to_string(), error_gain(lr)),
    ]);
    for (k, v) in ["odd_x0", "odd_y0", "odd_x1", "odd_y1"].iter().zip(r.bbox) {
        numbers.insert((*k).to_string(), f64::from(v));
    }
    Some(Part {
        score: score(r),
        reason,
        numbers,
    })
}
