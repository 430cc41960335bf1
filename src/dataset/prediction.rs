//! A model's proposal for one image as the workspace keeps it: class map, per-pixel
//! confidence (top-two margin · 255), optional Monte-Carlo disagreement (· 255), and per-class
//! summaries. Maps are stored deflate-compressed.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use super::image::ImageId;

/// Grey-level histograms have this many bins, of 256 / `GREY_BINS` levels each.
pub const GREY_BINS: usize = 32;

/// The histogram bin of 8-bit grey level `g`: bin `k` of [`GREY_BINS`] holds levels
/// `8k ..= 8k + 7`.
pub fn grey_bin(g: u8) -> usize {
    usize::from(g) * GREY_BINS / 256
}

/// Per-class results of one prediction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassSummary {
    /// Pixels predicted as this class.
    pub pixels: u64,
    /// Mean top-two margin (0–1) over those pixels; `None` when there are none.
    pub mean_margin: Option<f32>,
    /// Mean Monte-Carlo disagreement (0–1) over those pixels, when MC dropout was run.
    pub mc_disagreement: Option<f32>,
    /// Sum over all pixels of the probability of this class: its expected area, which sees a
    /// class the model never ranks first (absent in predictions made before it was stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_pixels: Option<f64>,
    /// Mean normalised entropy (0–1) of the class distribution over the pixels predicted as
    /// this class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_entropy: Option<f32>,
    /// Grey levels of the pixels predicted as this class ([`GREY_BINS`] bins; absent when
    /// there are none, and in predictions made before it was stored). Summed over the classes
    /// it is the image's histogram, which rare-boost reads against the grey range each class
    /// occupies in the labelled images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grey_hist: Option<Vec<u32>>,
}

/// Fills each summary's `grey_hist` from the class map and the image's grey levels.
///
/// `classes` and `grey` are the same image's class map and 8-bit grey levels, row-major;
/// class ids at or above `per_class.len()` are skipped. A class with no pixel keeps `None`.
pub fn add_grey_hists(per_class: &mut [ClassSummary], classes: &[u8], grey: &[u8]) {
    let mut h = vec![vec![0u32; GREY_BINS]; per_class.len()];
    for (&c, &g) in classes.iter().zip(grey) {
        if let Some(row) = h.get_mut(usize::from(c)) {
            row[grey_bin(g)] += 1;
        }
    }
    for (s, row) in per_class.iter_mut().zip(h) {
        s.grey_hist = row.iter().any(|&n| n > 0).then_some(row);
    }
}

/// One stored prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPrediction {
    /// Row id of the predicted image.
    pub image_id: ImageId,
    /// Model hash.
    pub model: String,
    /// The image's fingerprint when predicted: a different one means the prediction is stale.
    pub image_fp: String,
    /// Size in pixels of every map (`width × height` values, row-major).
    pub width: u32,
    pub height: u32,
    /// The image's own scale bin and the bin whose U-Net ran (they differ on fallback).
    pub bin: u32,
    pub used_bin: u32,
    /// Class id per pixel.
    pub classes: Vec<u8>,
    /// `round(255 · margin)` per pixel.
    pub margin: Vec<u8>,
    /// `round(255 · disagreement)` per pixel, with MC dropout.
    pub disagreement: Option<Vec<u8>>,
    /// Monte-Carlo dropout passes run; 0 means no `disagreement` map.
    pub mc_passes: u32,
    /// One summary per class id of the model's schema.
    pub per_class: Vec<ClassSummary>,
}

impl StoredPrediction {
    /// Mean margin over all pixels, 0–1.
    pub fn mean_margin(&self) -> f64 {
        mean_byte(&self.margin)
    }

    /// Mean MC disagreement over all pixels, 0–1, when MC dropout was run.
    pub fn mean_disagreement(&self) -> Option<f64> {
        self.disagreement.as_deref().map(mean_byte)
    }
}

/// Mean of a byte map scaled back to 0–1 (0 for an empty map).
fn mean_byte(v: &[u8]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.iter().map(|&b| f64::from(b)).sum::<f64>() / (255.0 * v.len() as f64)
}

/// Deflate-compresses a byte map.
pub fn pack(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// Inverse of [`pack`]; `expected` bounds the output against corrupt data.
pub fn unpack(bytes: &[u8], expected: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(expected);
    flate2::read::DeflateDecoder::new(bytes)
        .take(expected as u64 + 1)
        .read_to_end(&mut out)?;
    if out.len() != expected {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("map holds {} values, {expected} expected", out.len()),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_histograms_per_predicted_class_sum_to_the_image() {
        let classes = [0u8, 0, 3, 3, 3, 9];
        let grey = [0u8, 7, 8, 255, 255, 128];
        let mut per_class = vec![ClassSummary::default(); 4];
        add_grey_hists(&mut per_class, &classes, &grey);
        let h0 = per_class[0].grey_hist.as_ref().unwrap();
        assert_eq!(
            (h0[0], h0.iter().sum::<u32>()),
            (2, 2),
            "0 and 7 share bin 0"
        );
        let h3 = per_class[3].grey_hist.as_ref().unwrap();
        assert_eq!((h3[1], h3[GREY_BINS - 1]), (1, 2));
        assert!(per_class[1].grey_hist.is_none(), "no pixel predicted as 1");
        // A class id past the summaries (9) is left out, not a panic.
        let all: u32 = per_class
            .iter()
            .flat_map(|s| s.grey_hist.iter().flatten())
            .sum();
        assert_eq!(all, 5);
    }

    #[test]
    fn pack_round_trip_and_length_check() {
        let map: Vec<u8> = (0..65536u32).map(|i| (i / 1000 % 10) as u8).collect();
        let packed = pack(&map);
        assert!(
            packed.len() < map.len() / 20,
            "class maps compress well: {}",
            packed.len()
        );
        assert_eq!(unpack(&packed, map.len()).unwrap(), map);
        assert!(unpack(&packed, 10).is_err());
    }
}
