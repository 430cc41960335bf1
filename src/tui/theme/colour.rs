//! Colour arithmetic shared by the theme: terminal colour modes, the xterm 256-colour
//! approximation, perceptual colormaps and contrast.

use serde::Deserialize;

/// How many colours the terminal can show.
///
/// Truecolour is only assumed when the terminal says so through `COLORTERM` (or a `TERM`
/// ending in `-direct`): tmux, mosh and plain SSH sessions often drop `COLORTERM`, and a
/// terminal that gets 24-bit escapes it cannot show prints garbage or wrong colours, while
/// every terminal of the last decades understands the 256-colour palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColourMode {
    /// 24-bit colour (`Color::Rgb`).
    TrueColor,
    /// The xterm 256-colour palette (`Color::Indexed`), colours 16–255 only.
    Ansi256,
}

impl ColourMode {
    /// Reads `COLORTERM` (`truecolor` or `24bit`) and `TERM` (`*-direct`); anything else is
    /// [`ColourMode::Ansi256`].
    pub fn detect() -> Self {
        let colorterm = std::env::var("COLORTERM").unwrap_or_default();
        let term = std::env::var("TERM").unwrap_or_default();
        Self::from_env(&colorterm, &term)
    }

    /// The mode for these values of `COLORTERM` and `TERM` (a testable [`ColourMode::detect`]).
    fn from_env(colorterm: &str, term: &str) -> Self {
        let colorterm = colorterm.trim().to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" || term.ends_with("-direct") {
            Self::TrueColor
        } else {
            Self::Ansi256
        }
    }
}

/// Channel levels of the xterm 6×6×6 colour cube (indices 16–231).
pub(super) const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The xterm palette index (16–255) nearest to `rgb` by Euclidean distance in sRGB.
///
/// Indices 0–15 are skipped on purpose: terminals redefine them freely. The cube is a grid,
/// so its nearest point is the nearest level per channel; the grey ramp (232–255, levels
/// 8, 18, .., 238) lies on the diagonal, so its nearest step is the one nearest to the mean.
pub fn to_ansi256(rgb: [u8; 3]) -> u8 {
    let level = |c: u8| -> usize {
        (0..CUBE.len())
            .min_by_key(|&i| (i32::from(CUBE[i]) - i32::from(c)).abs())
            .unwrap_or(0)
    };
    let [r, g, b] = rgb.map(level);
    let cube = [CUBE[r], CUBE[g], CUBE[b]];
    let cube_index = 16 + 36 * r + 6 * g + b;

    let mean = (u32::from(rgb[0]) + u32::from(rgb[1]) + u32::from(rgb[2])) as f64 / 3.0;
    let step = ((mean - 8.0) / 10.0).round().clamp(0.0, 23.0) as u8;
    let grey = 8 + 10 * step;
    let grey_index = 232 + usize::from(step);

    if distance2(rgb, [grey; 3]) < distance2(rgb, cube) {
        grey_index as u8
    } else {
        cube_index as u8
    }
}

/// Squared Euclidean distance in sRGB.
pub fn distance2(a: [u8; 3], b: [u8; 3]) -> u32 {
    (0..3)
        .map(|i| {
            let d = i32::from(a[i]) - i32::from(b[i]);
            (d * d) as u32
        })
        .sum()
}

/// An sRGB channel (0–255) as linear light, 0–1 (the sRGB transfer function undone).
pub(super) fn srgb_linear(c: u8) -> f64 {
    let c = f64::from(c) / 255.0;
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white).
pub fn relative_luminance(rgb: [u8; 3]) -> f64 {
    let [r, g, b] = rgb.map(srgb_linear);
    0.2126 * r + 0.7152 * g + 0.0722 * b
}

/// Black or white, whichever contrasts more with `bg` (the WCAG crossover is at luminance
/// ≈ 0.179).
pub fn contrast_text(bg: [u8; 3]) -> [u8; 3] {
    if relative_luminance(bg) > 0.179 {
        [0, 0, 0]
    } else {
        [255, 255, 255]
    }
}

/// `a` blended towards `b` by `t` (0 = `a`, 1 = `b`).
pub fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0);
    std::array::from_fn(|i| (f32::from(a[i]) * (1.0 - t) + f32::from(b[i]) * t).round() as u8)
}

/// A perceptually uniform colormap for values 0..1 (uncertainty, confusion-matrix cells).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Colormap {
    /// matplotlib's default: dark purple (0) through green to yellow (1).
    Viridis,
    /// Black (0) through purple and orange to pale yellow (1).
    Magma,
    /// Designed to read the same under red-green colour blindness.
    Cividis,
}

impl Colormap {
    /// The colour at `v` (clamped to 0..1; NaN reads as 0), linearly interpolated between
    /// 33 stops.
    pub fn rgb(self, v: f32) -> [u8; 3] {
        let stops = match self {
            Self::Viridis => &VIRIDIS,
            Self::Magma => &MAGMA,
            Self::Cividis => &CIVIDIS,
        };
        let v = if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
        let x = v * (stops.len() - 1) as f32;
        let i = (x.floor() as usize).min(stops.len() - 2);
        mix(stops[i], stops[i + 1], x - i as f32)
    }
}

// Stops of matplotlib's `viridis`, `magma` and `cividis` (lib/matplotlib/_cm_listed.py,
// matplotlib 3.11, CC0 / public domain) sampled at v = 0, 1/32, .., 1 and rounded to 8 bits.
// Linear interpolation between them stays within 3 (viridis, magma) and 5 (cividis) levels of
// the full 256-entry tables.
/// `viridis` at v = 0, 1/32, …, 1.
const VIRIDIS: [[u8; 3]; 33] = [
    [68, 1, 84],
    [71, 13, 96],
    [72, 24, 106],
    [72, 35, 116],
    [71, 45, 123],
    [69, 55, 129],
    [66, 64, 134],
    [62, 73, 137],
    [59, 82, 139],
    [55, 91, 141],
    [51, 99, 141],
    [47, 107, 142],
    [44, 114, 142],
    [41, 122, 142],
    [38, 130, 142],
    [35, 137, 142],
    [33, 145, 140],
    [31, 152, 139],
    [31, 160, 136],
    [34, 167, 133],
    [40, 174, 128],
    [50, 182, 122],
    [63, 188, 115],
    [78, 195, 107],
    [94, 201, 98],
    [112, 207, 87],
    [132, 212, 75],
    [152, 216, 62],
    [173, 220, 48],
    [194, 223, 35],
    [216, 226, 25],
    [236, 229, 27],
    [253, 231, 37],
];

/// `magma` at v = 0, 1/32, …, 1.
const MAGMA: [[u8; 3]; 33] = [
    [0, 0, 4],
    [3, 3, 18],
    [10, 8, 34],
    [19, 13, 52],
    [29, 17, 71],
    [41, 17, 90],
    [54, 16, 107],
    [68, 15, 118],
    [81, 18, 124],
    [93, 23, 127],
    [106, 28, 129],
    [118, 33, 129],
    [131, 38, 129],
    [144, 42, 129],
    [156, 46, 127],
    [170, 51, 125],
    [183, 55, 121],
    [196, 60, 117],
    [208, 65, 111],
    [220, 72, 105],
    [231, 82, 99],
    [239, 93, 94],
    [245, 107, 92],
    [249, 121, 93],
    [252, 137, 97],
    [253, 152, 105],
    [254, 167, 114],
    [254, 182, 124],
    [254, 196, 136],
    [254, 211, 149],
    [253, 226, 163],
    [252, 240, 178],
    [252, 253, 191],
];

/// `cividis` at v = 0, 1/32, …, 1.
const CIVIDIS: [[u8; 3]; 33] = [
    [0, 34, 78],
    [0, 40, 91],
    [0, 46, 106],
    [5, 51, 113],
    [26, 56, 111],
    [39, 62, 110],
    [50, 67, 109],
    [59, 73, 108],
    [67, 78, 108],
    [75, 84, 108],
    [83, 90, 109],
    [90, 95, 110],
    [97, 101, 111],
    [104, 106, 113],
    [111, 112, 115],
    [118, 118, 118],
    [125, 124, 120],
    [132, 130, 121],
    [140, 136, 120],
    [147, 142, 120],
    [155, 148, 118],
    [163, 154, 116],
    [171, 160, 114],
    [180, 167, 111],
    [188, 174, 108],
    [196, 180, 104],
    [205, 187, 99],
    [213, 194, 94],
    [222, 201, 88],
    [231, 209, 80],
    [240, 216, 70],
    [249, 224, 58],
    [254, 232, 56],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi256_of_primaries_and_greys() {
        assert_eq!(to_ansi256([255, 0, 0]), 196);
        assert_eq!(to_ansi256([0, 255, 0]), 46);
        assert_eq!(to_ansi256([0, 0, 255]), 21);
        assert_eq!(to_ansi256([0, 0, 0]), 16);
        assert_eq!(to_ansi256([255, 255, 255]), 231);
        // 128 is exactly grey step 12 (8 + 120); the cube's nearest grey is 135.
        assert_eq!(to_ansi256([128, 128, 128]), 244);
        assert_eq!(to_ansi256([95, 135, 175]), 16 + 36 + 12 + 3);
    }

    #[test]
    fn ansi256_is_the_true_nearest_of_all_240_entries() {
        let palette: Vec<[u8; 3]> = (16..=255u16)
            .map(|i| {
                if i >= 232 {
                    [(8 + 10 * (i - 232)) as u8; 3]
                } else {
                    let k = (i - 16) as usize;
                    [CUBE[k / 36], CUBE[(k / 6) % 6], CUBE[k % 6]]
                }
            })
            .collect();
        for r in (0..=255u8).step_by(17) {
            for g in (0..=255u8).step_by(15) {
                for b in (0..=255u8).step_by(51) {
                    let c = [r, g, b];
                    let best = palette.iter().map(|&p| distance2(c, p)).min().unwrap();
                    let got = to_ansi256(c);
                    assert_eq!(
                        distance2(c, palette[usize::from(got) - 16]),
                        best,
                        "{c:?} -> {got}"
                    );
                }
            }
        }
    }

    #[test]
    fn colour_mode_from_environment() {
        assert_eq!(
            ColourMode::from_env("truecolor", "xterm"),
            ColourMode::TrueColor
        );
        assert_eq!(ColourMode::from_env("24bit", ""), ColourMode::TrueColor);
        assert_eq!(
            ColourMode::from_env("", "xterm-direct"),
            ColourMode::TrueColor
        );
        assert_eq!(
            ColourMode::from_env("", "screen-256color"),
            ColourMode::Ansi256
        );
        assert_eq!(ColourMode::from_env("yes", "xterm"), ColourMode::Ansi256);
    }

    #[test]
    fn colormaps_hit_matplotlib_endpoints_and_middle() {
        assert_eq!(Colormap::Viridis.rgb(0.0), [68, 1, 84]);
        assert_eq!(Colormap::Viridis.rgb(0.5), [33, 145, 140]);
        assert_eq!(Colormap::Viridis.rgb(1.0), [253, 231, 37]);
        assert_eq!(Colormap::Viridis.rgb(2.0), [253, 231, 37]);
        assert_eq!(Colormap::Viridis.rgb(f32::NAN), [68, 1, 84]);
        assert_eq!(Colormap::Cividis.rgb(0.5), [125, 124, 120]);
        assert_eq!(Colormap::Magma.rgb(1.0), [252, 253, 191]);
        // matplotlib viridis(0.3) = (53, 95, 141); interpolation stays within 2 levels.
        let v = Colormap::Viridis.rgb(0.3);
        assert!(distance2(v, [53, 95, 141]) <= 3 * 4, "{v:?}");
    }

    #[test]
    fn contrast_text_picks_black_on_light() {
        assert_eq!(contrast_text([253, 231, 37]), [0, 0, 0]);
        assert_eq!(contrast_text([68, 1, 84]), [255, 255, 255]);
    }
}
