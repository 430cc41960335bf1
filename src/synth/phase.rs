//! Phases of a mare basalt as the BSE detector sees them: mean atomic number Z̄ (from the table
//! in `reference/BSE_PHYSICS.md`), the backscatter coefficient η(Z̄) of Reuter (1972), and the
//! class id an annotator gives each phase.
//!
//! Grey levels are never stored here: an image's grey is `gain · η + offset` with per-session
//! gain and offset (see `tile::Acquisition`).

/// Backscatter coefficient η for a mean atomic number (Reuter 1972).
pub(crate) fn reuter_eta(z: f64) -> f64 {
    -0.0254 + 0.016 * z - 1.86e-4 * z * z + 8.3e-7 * z * z * z
}

/// Mass-weighted mean atomic numbers Z̄ of the phases the generator paints.
pub(crate) mod zbar {
    /// Epoxy filling cracks, vesicles and plucked holes.
    pub const EPOXY: f64 = 7.1;
    /// Kamacite `Fe0.93Ni0.07`.
    pub const KAMACITE: f64 = 26.2;
    /// Troilite `FeS`.
    pub const TROILITE: f64 = 22.4;
    /// Ilmenite `FeTiO3`.
    pub const ILMENITE: f64 = 19.0;
    /// Ulvöspinel `Fe2TiO4`.
    pub const ULVOSPINEL: f64 = 20.0;
    /// Chromite `FeCr2O4`.
    pub const CHROMITE: f64 = 19.9;
    /// Pigeonite `Wo10En55Fs35` (pyroxene core).
    pub const PIGEONITE: f64 = 13.5;
    /// Augite `Wo40En40Fs20` (pyroxene core).
    pub const AUGITE: f64 = 13.3;
    /// Fe-rich pyroxene rim `Wo15En20Fs65`.
    pub const FE_PYROXENE: f64 = 15.4;
    /// Plagioclase `An90`.
    pub const PLAGIOCLASE: f64 = 11.8;
    /// Silica `SiO2` (cristobalite, tridymite, quartz).
    pub const SILICA: f64 = 10.8;
    /// K-feldspar-like glass.
    pub const K_GLASS: f64 = 11.9;
    /// Olivine Fo70 (phenocryst core).
    pub const FO70: f64 = 13.7;
    /// Olivine Fo50 (phenocryst rim).
    pub const FO50: f64 = 15.4;
    /// Fayalite `Fe2SiO4` in mesostasis symplectite: Z̄ from its mass fractions
    /// (Fe 0.548, Si 0.138, O 0.314) is 18.7.
    pub const FAYALITE: f64 = 18.7;
    /// Apatite `Ca5(PO4)3(F,Cl)`.
    pub const APATITE: f64 = 14.1;
    /// Merrillite.
    pub const MERRILLITE: f64 = 13.6;
    /// Zircon `ZrSiO4`.
    pub const ZIRCON: f64 = 24.8;
}

/// Class ids as painted: the extended schema, whose ids 0–9 equal the default schema's
/// except that phosphate (10) is folded into 9 (Other) when the default schema is used.
pub(crate) mod class {
    pub const VOID: u8 = 0;
    pub const METAL: u8 = 1;
    pub const TROILITE: u8 = 2;
    pub const OXIDE: u8 = 3;
    pub const PYROXENE: u8 = 4;
    pub const PLAGIOCLASE: u8 = 5;
    pub const SILICA: u8 = 6;
    pub const OLIVINE: u8 = 7;
    pub const MESOSTASIS: u8 = 8;
    pub const ZIRCON: u8 = 9;
    pub const PHOSPHATE: u8 = 10;
    /// Number of painted class ids.
    pub const COUNT: usize = 11;
}

/// Maps a painted (extended) class id to the id written in masks for the chosen schema.
pub(crate) fn schema_class(painted: u8, extended: bool) -> u8 {
    if !extended && painted == class::PHOSPHATE {
        class::ZIRCON
    } else {
        painted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuter_reproduces_the_reference_table() {
        // (Z̄, η) pairs from reference/BSE_PHYSICS.md.
        let table = [
            (zbar::EPOXY, 0.079),
            (zbar::KAMACITE, 0.281),
            (zbar::TROILITE, 0.249),
            (zbar::ILMENITE, 0.218),
            (zbar::ULVOSPINEL, 0.227),
            (zbar::CHROMITE, 0.226),
            (zbar::PIGEONITE, 0.159),
            (zbar::AUGITE, 0.157),
            (zbar::FE_PYROXENE, 0.180),
            (zbar::PLAGIOCLASE, 0.139),
            (zbar::SILICA, 0.127),
            (zbar::K_GLASS, 0.139),
            (zbar::FO70, 0.161),
            (zbar::FO50, 0.180),
            (zbar::APATITE, 0.166),
            (zbar::MERRILLITE, 0.160),
            (zbar::ZIRCON, 0.270),
        ];
        for (z, eta) in table {
            let got = reuter_eta(z);
            assert!((got - eta).abs() < 0.0015, "η({z}) = {got}, table {eta}");
        }
    }

    #[test]
    fn fayalite_zbar_follows_from_its_formula() {
        // Fe2SiO4: 2 Fe (26, 55.845), Si (14, 28.086), 4 O (8, 15.999).
        let parts = [(26.0, 2.0 * 55.845), (14.0, 28.086), (8.0, 4.0 * 15.999)];
        let mass: f64 = parts.iter().map(|p| p.1).sum();
        let z: f64 = parts.iter().map(|p| p.0 * p.1).sum::<f64>() / mass;
        assert!((z - zbar::FAYALITE).abs() < 0.05, "fayalite Z̄ {z}");
    }

    #[test]
    fn phosphate_folds_into_other_for_the_default_schema() {
        assert_eq!(schema_class(class::PHOSPHATE, false), 9);
        assert_eq!(schema_class(class::PHOSPHATE, true), 10);
        assert_eq!(schema_class(class::OLIVINE, false), 7);
    }
}
