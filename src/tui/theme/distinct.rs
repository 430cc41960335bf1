//! Class colours that stay apart in the xterm 256-colour palette. Nearest-entry rounding can
//! bring two classes' colours together (the colour-blind theme's yellow troilite and orange olivine
//! land 10 CIEDE2000 apart, which reads as one colour in a mosaic of small cells), so the
//! classes are placed jointly: each keeps its nearest entry unless that is too close to
//! another's, and then the one of the two that has to move least moves.
//!
//! Differences are CIEDE2000 (Sharma, Wu & Dalal 2005) between CIELAB colours (D65 white):
//! about 1 is just noticeable, 20 is a clearly different colour at a glance.

use std::sync::OnceLock;

use super::colour::{CUBE, srgb_linear, to_ansi256};

/// Least CIEDE2000 difference between any two classes' colours in the 256-colour palette.
pub const MIN_CLASS_DELTA_E: f64 = 20.0;

/// sRGB of xterm palette entry `index`: the cube for 16–231, the grey ramp (8, 18, .., 238)
/// for 232–255; indices below 16 (which terminals redefine) read as 16.
pub fn ansi256_rgb(index: u8) -> [u8; 3] {
    let i = usize::from(index.max(16));
    if i >= 232 {
        let v = 8 + 10 * (index - 232);
        return [v; 3];
    }
    let c = i - 16;
    [CUBE[c / 36], CUBE[c / 6 % 6], CUBE[c % 6]]
}

/// CIELAB (L* 0–100, a*, b*) of an sRGB colour, D65 white.
pub fn lab(rgb: [u8; 3]) -> [f64; 3] {
    let [r, g, b] = rgb.map(srgb_linear);
    let xyz = [
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.950_47,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.088_83,
    ];
    let f = |t: f64| {
        if t > (6.0f64 / 29.0).powi(3) {
            t.cbrt()
        } else {
            t / (3.0 * (6.0f64 / 29.0).powi(2)) + 4.0 / 29.0
        }
    };
    let [fx, fy, fz] = xyz.map(f);
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// CIEDE2000 colour difference of two CIELAB colours (kL = kC = kH = 1).
pub fn delta_e(lab1: [f64; 3], lab2: [f64; 3]) -> f64 {
    let ([l1, a1, b1], [l2, a2, b2]) = (lab1, lab2);
    let c_mean = f64::midpoint(a1.hypot(b1), a2.hypot(b2));
    let g = 0.5 * (1.0 - (c_mean.powi(7) / (c_mean.powi(7) + 25f64.powi(7))).sqrt());
    let (a1, a2) = ((1.0 + g) * a1, (1.0 + g) * a2);
    let (c1, c2) = (a1.hypot(b1), a2.hypot(b2));
    let hue = |b: f64, a: f64| b.atan2(a).to_degrees().rem_euclid(360.0);
    let (h1, h2) = (hue(b1, a1), hue(b2, a2));
    let chroma = c1 * c2 != 0.0;
    let dh = match h2 - h1 {
        _ if !chroma => 0.0,
        d if d > 180.0 => d - 360.0,
        d if d < -180.0 => d + 360.0,
        d => d,
    };
    let dl = l2 - l1;
    let dc = c2 - c1;
    let dh = 2.0 * (c1 * c2).sqrt() * (dh / 2.0).to_radians().sin();
    let l_mean = f64::midpoint(l1, l2);
    let c_mean = f64::midpoint(c1, c2);
    let h_mean = match (h1 + h2, (h1 - h2).abs()) {
        (sum, _) if !chroma => sum,
        (sum, diff) if diff <= 180.0 => sum / 2.0,
        (sum, _) if sum < 360.0 => f64::midpoint(sum, 360.0),
        (sum, _) => (sum - 360.0) / 2.0,
    };
    let cos = |deg: f64| deg.to_radians().cos();
    let t =
        1.0 - 0.17 * cos(h_mean - 30.0) + 0.24 * cos(2.0 * h_mean) + 0.32 * cos(3.0 * h_mean + 6.0)
            - 0.20 * cos(4.0 * h_mean - 63.0);
    let rotation = 30.0 * (-((h_mean - 275.0) / 25.0).powi(2)).exp();
    let rc = 2.0 * (c_mean.powi(7) / (c_mean.powi(7) + 25f64.powi(7))).sqrt();
    let sl = 1.0 + 0.015 * (l_mean - 50.0).powi(2) / (20.0 + (l_mean - 50.0).powi(2)).sqrt();
    let sc = 1.0 + 0.045 * c_mean;
    let sh = 1.0 + 0.015 * c_mean * t;
    let rt = -(2.0 * rotation).to_radians().sin() * rc;
    let (l, c, h) = (dl / sl, dc / sc, dh / sh);
    (l * l + c * c + h * h + rt * c * h).max(0.0).sqrt()
}

/// CIELAB of palette entries 16–255, at `index - 16`.
fn palette() -> &'static [[f64; 3]] {
    static LAB: OnceLock<Vec<[f64; 3]>> = OnceLock::new();
    LAB.get_or_init(|| (16..=255u8).map(|i| lab(ansi256_rgb(i))).collect())
}

/// CIELAB of palette entry `index` (16–255).
fn entry(index: u8) -> [f64; 3] {
    palette()[usize::from(index.max(16)) - 16]
}

/// Palette entries (16–255) for class colours `colours`, in their order, at least
/// [`MIN_CLASS_DELTA_E`] apart where the palette allows: each colour's nearest entry
/// ([`to_ansi256`]); then, closest pair first, the member of a pair that is too close whose
/// nearest entry clear of every other class lies nearest to its own colour moves there. A
/// move clears its class of every other for good, so this ends; pairs that no entry can
/// separate keep their nearest entries.
pub fn distinct_ansi256(colours: &[[u8; 3]]) -> Vec<u8> {
    let own: Vec<[f64; 3]> = colours.iter().map(|&c| lab(c)).collect();
    let mut picked: Vec<u8> = colours.iter().map(|&c| to_ansi256(c)).collect();
    while let Some((i, j)) = closest_pair(&picked) {
        let best = [i, j]
            .into_iter()
            .filter_map(|k| nearest_clear(k, &picked, own[k]).map(|(e, d)| (d, k, e)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        let Some((_, k, e)) = best else { break };
        picked[k] = e;
    }
    picked
}

/// The two picks closest together, when they are closer than [`MIN_CLASS_DELTA_E`].
fn closest_pair(picked: &[u8]) -> Option<(usize, usize)> {
    let mut best: Option<(f64, usize, usize)> = None;
    for i in 0..picked.len() {
        for j in i + 1..picked.len() {
            let d = delta_e(entry(picked[i]), entry(picked[j]));
            if d < MIN_CLASS_DELTA_E && best.is_none_or(|b| d < b.0) {
                best = Some((d, i, j));
            }
        }
    }
    best.map(|(_, i, j)| (i, j))
}

/// The entry nearest to `own` (class `k`'s colour) that is at least [`MIN_CLASS_DELTA_E`]
/// from every other class's pick, with its difference from `own`.
fn nearest_clear(k: usize, picked: &[u8], own: [f64; 3]) -> Option<(u8, f64)> {
    (16..=255u8)
        .filter(|&e| {
            picked
                .iter()
                .enumerate()
                .all(|(o, &p)| o == k || delta_e(entry(e), entry(p)) >= MIN_CLASS_DELTA_E)
        })
        .map(|e| (e, delta_e(entry(e), own)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ciede2000_matches_sharmas_reference_pairs() {
        // Six pairs of Sharma, Wu & Dalal (2005), table 1, with their published differences.
        let pairs = [
            ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
            ([50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669),
            ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
            (
                [60.2574, -34.0099, 36.2677],
                [60.4626, -34.1751, 39.4387],
                1.2644,
            ),
            ([50.0, 2.5, 0.0], [50.0, 0.0, -2.5], 4.3065),
            (
                [2.0776, 0.0795, -1.1350],
                [0.9033, -0.0636, -0.5514],
                0.9082,
            ),
        ];
        for (a, b, want) in pairs {
            let got = delta_e(a, b);
            assert!((got - want).abs() < 1e-4, "{a:?} {b:?}: {got} != {want}");
            assert!((delta_e(b, a) - want).abs() < 1e-4);
        }
    }

    #[test]
    fn palette_entries_round_trip_through_the_nearest_entry() {
        for i in 16..=255u8 {
            assert_eq!(to_ansi256(ansi256_rgb(i)), i, "{:?}", ansi256_rgb(i));
        }
        assert_eq!(ansi256_rgb(196), [255, 0, 0]);
        assert_eq!(ansi256_rgb(244), [128, 128, 128]);
    }

    #[test]
    fn colours_far_apart_keep_their_nearest_entries() {
        let colours = [[255, 0, 0], [0, 0, 255], [0, 255, 0], [0, 0, 0]];
        let want: Vec<u8> = colours.iter().map(|&c| to_ansi256(c)).collect();
        assert_eq!(distinct_ansi256(&colours), want);
        // Two colours one entry apart: one of them moves, and they end up apart.
        let close = [[255, 215, 95], [215, 175, 0]];
        let got = distinct_ansi256(&close);
        assert!(
            delta_e(entry(got[0]), entry(got[1])) >= MIN_CLASS_DELTA_E,
            "{got:?}"
        );
    }
}
