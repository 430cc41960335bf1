//! Network input from grey levels ([`InputNorm`]): a 256-entry table per image, computed once
//! from the whole image (so the tiles of a large image share it), and the same mapping for
//! training crops after their brightness augmentation.
//!
//! Units: grey levels `v` 0–255; "grey/255" is `v / 255`, the study's input.

use super::config::InputNorm;

impl InputNorm {
    /// Per-image normalisation between the 1st and 99th percentile of the grey levels.
    pub fn per_image() -> Self {
        Self {
            percentiles: Some([1.0, 99.0]),
            ..Self::default()
        }
    }

    /// The image's grey levels at the percentiles, in grey/255 units, `hi > lo` (a blank
    /// image gets a range of one grey level); `None` for absolute input.
    pub fn levels(&self, pixels: &[u8]) -> Option<(f64, f64)> {
        let [p_lo, p_hi] = self.percentiles?;
        let mut hist = [0u64; 256];
        for &v in pixels {
            hist[usize::from(v)] += 1;
        }
        let n = pixels.len() as f64;
        let at = |p: f64| {
            let want = (p / 100.0 * n).ceil().max(1.0) as u64;
            let mut seen = 0;
            (0..256)
                .find(|&v| {
                    seen += hist[v];
                    seen >= want
                })
                .unwrap_or(255) as f64
        };
        let (lo, hi) = (at(p_lo), at(p_hi));
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

    /// Input of every grey level 0–255 for the image `pixels`.
    pub fn table(&self, pixels: &[u8]) -> [f32; 256] {
        let levels = self.levels(pixels);
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
        assert!((n.table(&[0, 255])[255] - 1.0).abs() < f32::EPSILON);
        assert!((n.table(&[])[51] - (51.0 / 255.0) as f32).abs() < f32::EPSILON);
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
        let (ta, tb) = (n.table(&a), n.table(&b));
        for (&va, &vb) in a.iter().zip(&b) {
            assert!(
                (ta[usize::from(va)] - tb[usize::from(vb)]).abs() < 1e-6,
                "{va} {vb}"
            );
        }
        // 1st percentile of 20..119 is 20, the 99th 118: they map to 0 and 1.
        assert_eq!(n.levels(&a), Some((20.0 / 255.0, 118.0 / 255.0)));
        assert!(ta[20].abs() < 1e-6 && (ta[118] - 1.0).abs() < 1e-6);
        assert_eq!(
            n.levels(&[7; 10]),
            Some((7.0 / 255.0, 8.0 / 255.0)),
            "blank image"
        );
    }
}
