//! Which classes are underrepresented: the one definition `stats` (labelled pixels of the
//! dataset) and `audit` (true pixels of the audited images) both use. A class with no pixels
//! at all is *absent*, not underrepresented: nothing is known of it, and a two-class schema's
//! dataset should not be told its missing lunar classes are rare.

use serde::Serialize;

/// Default share of labelled pixels below which a class that has any is underrepresented.
pub const DEFAULT_RARE_SHARE: f64 = 0.02;

/// How well a class is represented among labelled pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Representation {
    /// No labelled pixel of the class.
    Absent,
    /// Some pixels, fewer than the rare share of all labelled pixels.
    Underrepresented,
    /// At least the rare share.
    Common,
}

/// The representation of a class with `pixels` of `total` labelled pixels, `rare_share` a
/// share in 0..1 (`DEFAULT_RARE_SHARE` = 2 %).
pub fn representation(pixels: u64, total: u64, rare_share: f64) -> Representation {
    if pixels == 0 {
        Representation::Absent
    } else if (pixels as f64) < rare_share * total as f64 {
        Representation::Underrepresented
    } else {
        Representation::Common
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_classes_are_not_underrepresented() {
        assert_eq!(representation(0, 1000, 0.02), Representation::Absent);
        assert_eq!(representation(0, 0, 0.02), Representation::Absent);
        assert_eq!(
            representation(19, 1000, 0.02),
            Representation::Underrepresented
        );
        assert_eq!(representation(20, 1000, 0.02), Representation::Common);
        assert_eq!(representation(1000, 1000, 0.02), Representation::Common);
    }
}
