//! Rock types and modal abundances of the samples the generator imitates.
//!
//! Each sample folder is named after an Apollo mare basalt and gets that basalt's rock type and
//! a modal composition of the right kind: ilmenite basalts (Apollo 11 and 17, high-Ti) carry
//! more than 7 % opaques, olivine basalts (Apollo 12 and 15) more than 5 % olivine, pigeonite
//! basalts neither, so the study's rule ([`RockType::from_abundances`]) recovers the type from
//! the generated masks. The numbers are typical of the rock types, not measurements of the
//! named samples.

use serde::Serialize;

/// Rock type of a mare basalt, as the MineralClassifier study assigns it from modal abundances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RockType {
    IlmeniteBasalt,
    OlivineBasalt,
    PigeoniteBasalt,
}

impl RockType {
    /// The study's rule on area fractions of the rock (0–1): olivine > 5 % → olivine basalt,
    /// else opaques (Fe metal, troilite, oxides) > 7 % → ilmenite basalt, else pigeonite basalt.
    pub fn from_abundances(olivine: f64, opaques: f64) -> Self {
        if olivine > 0.05 {
            Self::OlivineBasalt
        } else if opaques > 0.07 {
            Self::IlmeniteBasalt
        } else {
            Self::PigeoniteBasalt
        }
    }

    /// Snake-case name, as written in `synth.json`.
    pub fn name(self) -> &'static str {
        match self {
            Self::IlmeniteBasalt => "ilmenite_basalt",
            Self::OlivineBasalt => "olivine_basalt",
            Self::PigeoniteBasalt => "pigeonite_basalt",
        }
    }
}

/// Target area fractions (0–1) of a rock's constituents; they sum to 1 with void included.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Modal {
    pub pyroxene: f64,
    pub plagioclase: f64,
    pub olivine: f64,
    /// Ilmenite and spinels (class 3).
    pub oxides: f64,
    pub mesostasis: f64,
    /// Silica and glass patches (class 6).
    pub silica: f64,
    pub troilite: f64,
    pub metal: f64,
    pub zircon: f64,
    pub phosphate: f64,
    /// Vesicles, plucked holes and cracks (epoxy).
    pub void: f64,
}

/// What a sample is made of: rock type, modal targets and a grain-size factor that scales every
/// grain size of the reference table (0.6 fine-grained … 1.4 coarse-grained).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RockSpec {
    pub rock_type: RockType,
    pub modal: Modal,
    pub grain_scale: f64,
}

/// (name, type, grain scale, [px, plag, ol, ox, meso, silica, troilite, metal, zrn, phos, void]
/// in area %); pyroxene is what the others leave, interleaved so that few samples mix types.
#[rustfmt::skip]
const CATALOGUE: &[(&str, RockType, f64, [f64; 10])] = {
    use RockType::{IlmeniteBasalt as I, OlivineBasalt as O, PigeoniteBasalt as P};
    &[
        //                       plag     ol     ox   meso     si    FeS     Fe    zrn   phos   void
        ("10003", I, 0.8, [ 29.0,   0.0,  15.0,   4.0,   2.0,   0.7,  0.06, 0.005,  0.02,   1.5]),
        ("12002", O, 1.0, [ 18.0,  19.0,   5.0,   3.0,   1.0,   0.5,  0.08, 0.005,  0.02,   1.5]),
        ("12021", P, 1.1, [ 28.0,   0.5,   2.5,   3.0,   2.5,   0.3,  0.05, 0.005,  0.02,   1.0]),
        ("70017", I, 1.0, [ 25.0,   0.3,  18.0,   4.5,   1.0,   0.8,  0.07, 0.005,  0.02,   1.5]),
        ("15016", O, 0.9, [ 22.0,  15.0,   4.5,   3.0,   1.0,   0.4,  0.08, 0.005,  0.02,   3.0]),
        ("15058", P, 1.3, [ 29.0,   0.3,   2.3,   3.0,   3.0,   0.3,  0.04, 0.005,  0.02,   1.0]),
        ("10044", I, 1.4, [ 30.0,   0.0,  14.0,   5.0,   3.5,   0.6,  0.05, 0.005,  0.02,   1.0]),
        ("12018", O, 1.1, [ 19.0,  22.0,   5.0,   2.5,   0.8,   0.5,   0.1, 0.005,  0.02,   1.5]),
        ("12052", P, 0.9, [ 27.0,   0.6,   2.4,   4.0,   2.0,   0.3,  0.04, 0.005,  0.02,   1.0]),
        ("74255", I, 0.7, [ 24.0,   0.4,  17.0,   6.0,   1.0,   0.8,  0.07, 0.005,  0.02,   2.0]),
        ("15555", O, 1.2, [ 27.0,  15.0,   4.0,   2.5,   0.8,   0.4,  0.08, 0.005,  0.02,   2.5]),
        ("12065", P, 1.0, [ 27.0,   0.8,   2.4,   3.5,   2.0,   0.3,  0.04, 0.005,  0.02,   1.0]),
        ("75035", I, 1.2, [ 30.0,   0.0,  14.0,   4.0,   2.5,   0.6,  0.05, 0.005,  0.02,   1.0]),
        ("12004", O, 1.0, [ 20.0,  19.0,   5.0,   3.0,   1.0,   0.5,  0.08, 0.005,  0.02,   1.5]),
        ("15499", P, 1.2, [ 30.0,   0.5,   2.3,   3.5,   2.5,   0.3,  0.04, 0.005,  0.02,   1.0]),
        ("12064", I, 1.1, [ 28.0,   0.2,  14.0,   4.0,   2.0,   0.6,  0.05, 0.005,  0.02,   1.0]),
    ]
};

/// Sample folder name and rock for the `index`-th sample of a dataset. Names repeat with a
/// letter suffix (`10003b`) past the catalogue, never with `-` (which ends the site key).
pub fn sample_rock(index: usize) -> (String, RockSpec) {
    let (name, rock_type, grain_scale, v) = CATALOGUE[index % CATALOGUE.len()];
    let cycle = index / CATALOGUE.len();
    let name = match cycle {
        0 => name.to_string(),
        1..=25 => format!("{name}{}", char::from(b'a' + cycle as u8)),
        _ => format!("{name}_{cycle}"),
    };
    // Rounded so that `synth.json` shows 0.477, not 0.47699999999999998.
    let pct = |x: f64| (x * 1e4).round() / 1e6;
    let others: f64 = v.iter().sum();
    let modal = Modal {
        pyroxene: pct(100.0 - others),
        plagioclase: pct(v[0]),
        olivine: pct(v[1]),
        oxides: pct(v[2]),
        mesostasis: pct(v[3]),
        silica: pct(v[4]),
        troilite: pct(v[5]),
        metal: pct(v[6]),
        zircon: pct(v[7]),
        phosphate: pct(v[8]),
        void: pct(v[9]),
    };
    let rock = RockSpec {
        rock_type,
        modal,
        grain_scale,
    };
    (name, rock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_targets_obey_the_study_rule_with_margin() {
        for i in 0..CATALOGUE.len() {
            let (name, rock) = sample_rock(i);
            let m = &rock.modal;
            let rock_part = 1.0 - m.void;
            let olivine = m.olivine / rock_part;
            let opaques = (m.oxides + m.troilite + m.metal) / rock_part;
            assert_eq!(
                RockType::from_abundances(olivine, opaques),
                rock.rock_type,
                "{name}"
            );
            assert!(
                m.pyroxene > 0.3 && m.pyroxene < 0.7,
                "{name} pyroxene {}",
                m.pyroxene
            );
            let margin_ol = (olivine - 0.05).abs();
            assert!(
                margin_ol > 0.025,
                "{name}: olivine {olivine} too close to 5 %"
            );
            if rock.rock_type != RockType::OlivineBasalt {
                assert!(
                    (opaques - 0.07).abs() > 0.025,
                    "{name}: opaques {opaques} near 7 %"
                );
            }
        }
    }

    #[test]
    fn names_past_the_catalogue_get_letters_not_dashes() {
        let n = CATALOGUE.len();
        assert_eq!(sample_rock(0).0, "10003");
        assert_eq!(sample_rock(n).0, "10003b");
        assert_eq!(sample_rock(26 * n).0, "10003_26");
        assert!((0..30 * n).all(|i| !sample_rock(i).0.contains('-')));
    }
}
