//! Network input from grey levels ([`InputNorm`]): a 256-entry table per image, computed once
//! from the whole image (so the tiles of a large image share it), and the same mapping for
//! training crops after their brightness augmentation.
//!
//! Units: grey levels `v` 0–255; "grey/255" is `v / 255`, the study's input.

use super::config::{InputNorm, LevelScope};
use crate::dataset::load::LabelledImage;
use crate::dataset::raster::{Grey8, GreyHistogram};

/// An image as the network reads it: its pixels and, for per-site input, the grey histogram
/// of its site (`None`: not known, or not needed; the image's own levels are used).
#[derive(Debug, Clone, Copy)]
pub struct Specimen<'a> {
    pub image: &'a Grey8,
    pub site: Option<&'a GreyHistogram>,
}

impl<'a> From<&'a Grey8> for Specimen<'a> {
    fn from(image: &'a Grey8) -> Self {
        Self { image, site: None }
    }
}

impl<'a> From<&'a LabelledImage> for Specimen<'a> {
    fn from(s: &'a LabelledImage) -> Self {
        Self {
            image: &s.image,
            site: s.site.as_deref(),
        }
    }
}

impl Specimen<'_> {
    /// The input of every grey level 0–255 for this image under `norm`.
    pub fn table(&self, norm: &InputNorm) -> [f32; 256] {
        norm.table(&self.image.pixels, self.site)
    }
}

impl InputNorm {
    /// Per-image normalisation between the 1st and 99th percentile of the grey levels.
    pub fn per_image() -> Self {
        Self {
            percentiles: Some([1.0, 99.0]),
            ..Self::default()
        }
    }

    /// Per-site normalisation: the 1st and 99th percentile over every image of the site.
    pub fn per_site() -> Self {
        Self {
            scope: LevelScope::Site,
            ..Self::per_image()
        }
    }

    /// Whether input levels come from the image's site, so callers should find its
    /// histogram ([`crate::dataset::raster::GreyHistogram`] of all the site's images).
    pub fn wants_site(&self) -> bool {
        self.percentiles.is_some() && self.scope == LevelScope::Site
    }

    /// The image's grey levels at the percentiles, in grey/255 units, `hi > lo` (a blank
    /// image gets a range of one grey level); `None` for absolute input. Taken from `site`
    /// when the scope is per site and it is given, otherwise from `pixels`.
    pub fn levels(&self, pixels: &[u8], site: Option<&GreyHistogram>) -> Option<(f64, f64)> {
        let [p_lo, p_hi] = self.percentiles?;
        let own;
        let hist = match site {
            Some(h) if self.scope == LevelScope::Site && h.total() > 0 => h,
            _ => {
                own = GreyHistogram::of(pixels);
                &own
            }
        };
        let (lo, hi) = (
            f64::from(hist.percentile(p_lo)),
            f64::from(hist.percentile(p_hi)),
        );
        Some((lo / 255.0, hi.max(lo + 1.0) / 255.0))
    }

    /// Input of `x` (grey/255, after any augmentation) for an image with `levels`.
    pub fn apply(&self, x: f64, levels: Option<(f64, f64)>) -> f32 {
        let v = match levels {
            Some((lo, hi)) => (x - lo) / (hi - lo),
            None => x * 255.0 * self.scale,
        };
        ((v - self.mean) / self.std) as f32
    }

    /// Input of every grey level 0–255 for the image `pixels` (of site `site`, see
    /// [`Self::levels`]).
    pub fn table(&self, pixels: &[u8], site: Option<&GreyHistogram>) -> [f32; 256] {
        let levels = self.levels(pixels, site);
        let mut t = [0.0; 256];
        for (v, out) in t.iter_mut().enumerate() {
            *out = match levels {
                Some(_) => self.apply(v as f64 / 255.0, levels),
                // Absolute input exactly as before: (v · scale − mean) / std.
                None => ((v as f64 * self.scale - self.mean) / self.std) as f32,
            };
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_input_is_the_studys_and_old_configs_read_as_absolute() {
        let n = InputNorm::default();
        assert!((n.table(&[0, 255], None)[255] - 1.0).abs() < f32::EPSILON);
        assert!((n.table(&[], None)[51] - (51.0 / 255.0) as f32).abs() < f32::EPSILON);
        let old: InputNorm =
            serde_json::from_str(r#"{"scale":0.00392156862745098,"mean":0.0,"std":1.0}"#).unwrap();
        assert_eq!(old.percentiles, None);
        assert!(!serde_json::to_string(&old).unwrap().contains("percentiles"));
    }

    #[test]
    fn per_image_input_ignores_a_detectors_gain_and_offset() {
        let n = InputNorm::per_image();
        // 100 grey levels 20..120, then the same scene at twice the gain and +10 offset.
        let a: Vec<u8> = (0..1000).map(|i| 20 + (i * 7 % 100) as u8).collect();
        let b: Vec<u8> = a.iter().map(|&v| 2 * v + 10).collect();
        let (ta, tb) = (n.table(&a, None), n.table(&b, None));
        for (&va, &vb) in a.iter().zip(&b) {
            assert!(
                (ta[usize::from(va)] - tb[usize::from(vb)]).abs() < 1e-6,
                "{va} {vb}"
            );
        }
        // 1st percentile of 20..119 is 20, the 99th 118: they map to 0 and 1.
        assert_eq!(n.levels(&a, None), Some((20.0 / 255.0, 118.0 / 255.0)));
        assert!(ta[20].abs() < 1e-6 && (ta[118] - 1.0).abs() < 1e-6);
        assert_eq!(
            n.levels(&[7; 10], None),
            Some((7.0 / 255.0, 8.0 / 255.0)),
            "blank image"
        );
    }

    #[test]
    fn per_site_input_takes_the_sites_levels_and_old_configs_read_per_image() {
        let site_wide = InputNorm::per_site();
        // A tile of one phase (grey 100–109) from a site whose grey levels span 20–219.
        let tile: Vec<u8> = (0..500).map(|i| 100 + (i % 10) as u8).collect();
        let site = GreyHistogram::of(&(0..2000).map(|i| 20 + (i % 200) as u8).collect::<Vec<_>>());
        let (lo, hi) = site_wide.levels(&tile, Some(&site)).unwrap();
        assert_eq!(((lo * 255.0).round(), (hi * 255.0).round()), (21.0, 217.0));
        // No site known: the tile's own levels, like per-image input.
        assert_eq!(
            site_wide.levels(&tile, None),
            InputNorm::per_image().levels(&tile, None)
        );
        // Per-image input ignores a site given to it.
        assert_eq!(
            InputNorm::per_image().levels(&tile, Some(&site)),
            InputNorm::per_image().levels(&tile, None)
        );
        let json = serde_json::to_string(&site_wide).unwrap();
        assert!(json.contains(r#""scope":"site""#), "{json}");
        let old: InputNorm = serde_json::from_str(
            r#"{"scale":0.00392156862745098,"mean":0.0,"std":1.0,"percentiles":[1.0,99.0]}"#,
        )
        .unwrap();
        assert_eq!(old, InputNorm::per_image());
        assert!(!serde_json::to_string(&old).unwrap().contains("scope"));
    }
}
