//! Inference: route an image to its scale bin's U-Net, run it tile by tile, stitch class
//! probabilities, and derive the class map, a per-pixel confidence and per-class summaries.
//! Same-size single-tile images can share one forward pass ([`predict_batch`]).
//!
//! Confidence is the margin between the two highest class probabilities (0 = a tie, 1 =
//! certain), stored as `round(255 · margin)`. With Monte-Carlo dropout (K passes with channel
//! dropout on), a pixel's disagreement is the share of passes whose class differs from the
//! final class.
//!
//! # Shapes
//! - network input: `[batch, 1, H, W]` f32, grey levels through the model's input table, H and
//!   W multiples of 8 (tiles are padded by reflection);
//! - probabilities: `[batch, classes, H, W]`, soft-max over the class axis, row-major planes;
//! - outputs: `classes`, `margin` and `disagreement` are `width × height` bytes, row-major.
//!
//! Class ids are `0..classes` of the model's schema; a prediction never holds the unlabelled
//! marker.

use burn::prelude::*;
use burn::tensor::activation::softmax;

use super::config::{ModelConfig, Route};
use super::engine::Engine;
use super::fused::FusedUNet;
use super::input::Specimen;
use super::tiling::{BandStitcher, crop_reflect, plan};
use super::unet::UNet;
use crate::dataset::prediction::ClassSummary;
use crate::progress::{NoProgress, Progress};

mod batch;
pub mod summary;
#[cfg(test)]
pub(crate) mod tests;
pub use batch::{fits_one_tile, predict_batch, probabilities_batch};
use summary::top_two;
pub use summary::{argmax_margin, prob_stats, summarise, to_byte};

/// One image's prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Size in pixels of the predicted image (the image as decoded: no padding remains).
    pub width: u32,
    pub height: u32,
    /// Class id per pixel, row-major.
    pub classes: Vec<u8>,
    /// `round(255 · margin)` per pixel.
    pub margin: Vec<u8>,
    /// `round(255 · disagreement)` per pixel, with MC dropout.
    pub disagreement: Option<Vec<u8>>,
    /// Which scale bin's U-Net made it, and whether that was a fallback.
    pub route: Route,
    /// One summary per class id (pixels, mean margin, expected pixels, entropy, grey histogram,
    /// MC disagreement when run), all classes present even with no pixel.
    pub per_class: Vec<ClassSummary>,
    /// MC passes run (0 = none).
    pub mc_passes: usize,
}

/// The networks of one bin: the U-Net (training form, used with dropout for Monte-Carlo
/// passes) and, when available, its batch-norm-folded form for plain inference, run by
/// semcurate's CPU engine when that is there.
#[derive(Clone, Copy)]
pub struct Nets<'a> {
    /// The trained network: used for dropout passes, and for plain passes when neither faster
    /// form is given.
    pub unet: &'a UNet,
    /// The same network with batch norm folded into the convolutions (burn).
    pub fused: Option<&'a FusedUNet>,
    /// The same network on semcurate's CPU engine, preferred for plain passes when present.
    pub engine: Option<&'a Engine>,
}

impl Nets<'_> {
    /// Logits, with channel dropout when `dropout` (Monte-Carlo pass).
    ///
    /// `x` is `[n, 1, H, W]` (H, W multiples of 8); the result is `[n, classes, H, W]` logits.
    pub fn forward(&self, x: Tensor<4>, dropout: bool) -> Tensor<4> {
        match (dropout, self.engine, self.fused) {
            (false, Some(e), _) => e.forward(x),
            (false, None, Some(f)) => f.forward(x),
            _ => self.unet.forward_with(x, dropout),
        }
    }

    /// Class probabilities `[n][classes][h][w]` (soft-max of [`Nets::forward`]).
    pub fn probabilities(&self, x: Tensor<4>, dropout: bool) -> Vec<f32> {
        match (dropout, self.engine) {
            (false, Some(e)) => e.probabilities(x),
            _ => softmax(self.forward(x, dropout), 1)
                .into_data()
                .convert::<f32>()
                .try_to_vec::<f32>()
                .unwrap_or_default(),
        }
    }
}

/// Grey levels through the image's input `table` ([`crate::model::config::InputNorm::table`])
/// into a `[1, 1, h, w]` tensor.
fn input(table: &[f32; 256], pixels: &[u8], w: usize, h: usize, device: &Device) -> Tensor<4> {
    let data: Vec<f32> = pixels.iter().map(|&v| table[usize::from(v)]).collect();
    Tensor::<1>::from_floats(data.as_slice(), device).reshape([1, 1, h, w])
}

/// A class map with per-pixel confidence, computed band by band.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    /// Class id per pixel, row-major.
    pub classes: Vec<u8>,
    /// `round(255 · margin)` per pixel (empty when margins were not asked for).
    pub margin: Vec<u8>,
    /// Pixels per class.
    pub pixels: Vec<u64>,
    /// Sum of the f32 margins per class (for exact means).
    pub margin_sum: Vec<f64>,
    /// Sum of each class's probability over all pixels (expected area).
    pub prob_sum: Vec<f64>,
    /// Sum of the normalised entropy per pixel, by predicted class.
    pub entropy_sum: Vec<f64>,
}

/// The class map of the whole image through `net`, tile by tile. Probabilities are stitched
/// one band of rows at a time ([`BandStitcher`]) and reduced to class and margin as rows
/// finish, so memory follows the tile and the image width, not the image area.
///
/// `classes` and `margin` cover the image (width × height, row-major); with `dropout` (an MC
/// pass) only `classes` is filled and the per-class sums stay zero.
pub fn classify<'a>(
    cfg: &ModelConfig,
    net: Nets<'_>,
    image: impl Into<Specimen<'a>>,
    dropout: bool,
    device: &Device,
) -> Classified {
    classify_ticking(cfg, net, image.into(), dropout, device, &mut || {})
}

/// [`classify`], calling `tick` after each tile.
fn classify_ticking(
    cfg: &ModelConfig,
    net: Nets<'_>,
    specimen: Specimen<'_>,
    dropout: bool,
    device: &Device,
    tick: &mut dyn FnMut(),
) -> Classified {
    let image = specimen.image;
    let (w, h) = (image.width as usize, image.height as usize);
    let p = plan(w, h, cfg.tile, cfg.overlap);
    let classes = cfg.schema.len();
    let band = p.tiles.iter().map(|t| t.h).max().unwrap_or(8);
    let mut out = Classified {
        classes: vec![0; w * h],
        margin: if dropout { Vec::new() } else { vec![0; w * h] },
        pixels: vec![0; classes],
        margin_sum: vec![0.0; classes],
        prob_sum: vec![0.0; classes],
        entropy_sum: vec![0.0; classes],
    };
    let mut emit = |y: usize, row: &[f32]| {
        if y < h {
            out.take_row(y, w, p.padded_w, classes, row);
        }
    };
    let mut st = BandStitcher::new(p.padded_w, band, classes, cfg.overlap / 2);
    // From the whole image (or its site), so that every tile is normalised alike.
    let table = specimen.table(&cfg.input);
    for t in &p.tiles {
        let x = input(
            &table,
            &crop_reflect(&image.pixels, w, h, *t),
            t.w,
            t.h,
            device,
        );
        let probs = net.probabilities(x, dropout);
        st.add(*t, &probs, &mut emit);
        tick();
    }
    st.finish(p.padded_h, &mut emit);
    out
}

impl Classified {
    /// Reduces one stitched row (`[classes][padded_w]`) to classes and margins of image row `y`.
    fn take_row(&mut self, y: usize, w: usize, padded_w: usize, classes: usize, row: &[f32]) {
        for x in 0..w {
            let (best, margin) = top_two(|c| row[c * padded_w + x], classes);
            let i = y * w + x;
            self.classes[i] = best as u8;
            if !self.margin.is_empty() {
                self.margin[i] = to_byte(margin);
                self.pixels[best] += 1;
                self.margin_sum[best] += f64::from(margin);
                let mut h = 0.0f64;
                for c in 0..classes {
                    let p = f64::from(row[c * padded_w + x]);
                    self.prob_sum[c] += p;
                    if p > 0.0 {
                        h -= p * p.ln();
                    }
                }
                if classes > 1 {
                    self.entropy_sum[best] += h / (classes as f64).ln();
                }
            }
        }
    }
}

/// Predicts one image with `net` (chosen by `route`), optionally with `mc` dropout passes.
/// Memory: the class map, margins and (with MC passes) a count per pixel, plus one band of
/// probabilities; never a probability plane of the whole image.
///
/// With `mc > 0` the image is classified `mc` more times with dropout and `disagreement`
/// holds, per pixel, the share of passes whose class differs from the plain pass's.
pub fn predict<'a>(
    cfg: &ModelConfig,
    net: Nets<'_>,
    route: Route,
    image: impl Into<Specimen<'a>>,
    mc: usize,
    device: &Device,
) -> Prediction {
    predict_reporting(cfg, net, route, image.into(), mc, device, &NoProgress)
}

/// [`predict`], saying through [`Progress::within`] after each tile how many of the image's
/// tile passes (tiles × (1 + `mc`)) are done; nothing for an image of one tile, which is quick.
pub fn predict_reporting(
    cfg: &ModelConfig,
    net: Nets<'_>,
    route: Route,
    specimen: Specimen<'_>,
    mc: usize,
    device: &Device,
    progress: &dyn Progress,
) -> Prediction {
    let image = specimen.image;
    let (w, h) = (image.width as usize, image.height as usize);
    let tiles = plan(w, h, cfg.tile, cfg.overlap).tiles.len() as u64;
    let total = tiles * (1 + mc as u64);
    let mut done = 0;
    let mut tick = || {
        done += 1;
        if tiles > 1 {
            progress.within(done, total);
        }
    };
    let n_classes = cfg.schema.len();
    let base = classify_ticking(cfg, net, specimen, false, device, &mut tick);
    let mut per_class: Vec<ClassSummary> = (0..n_classes)
        .map(|c| ClassSummary {
            pixels: base.pixels[c],
            mean_margin: (base.pixels[c] > 0)
                .then(|| (base.margin_sum[c] / base.pixels[c] as f64) as f32),
            mc_disagreement: None,
            expected_pixels: Some(base.prob_sum[c]),
            mean_entropy: (base.pixels[c] > 0)
                .then(|| (base.entropy_sum[c] / base.pixels[c] as f64) as f32),
            grey_hist: None,
        })
        .collect();
    let disagreement = (mc > 0).then(|| {
        let passes =
            (0..mc).map(|_| classify_ticking(cfg, net, specimen, true, device, &mut tick).classes);
        disagreement_of(passes, &base.classes, mc, &mut per_class)
    });
    crate::dataset::prediction::add_grey_hists(&mut per_class, &base.classes, &image.pixels);
    Prediction {
        width: image.width,
        height: image.height,
        classes: base.classes,
        margin: base.margin,
        disagreement,
        route,
        per_class,
        mc_passes: mc,
    }
}

/// Per-pixel disagreement bytes of `mc` dropout passes' class maps with the final `classes`;
/// sets each class's mean disagreement in `per_class`.
fn disagreement_of(
    passes: impl Iterator<Item = Vec<u8>>,
    classes: &[u8],
    mc: usize,
    per_class: &mut [ClassSummary],
) -> Vec<u8> {
    let mut differ = vec![0u16; classes.len()];
    for pass in passes {
        for (d, (&a, &b)) in differ.iter_mut().zip(pass.iter().zip(classes)) {
            *d = d.saturating_add(u16::from(a != b));
        }
    }
    let mut sums = vec![0f64; per_class.len()];
    let bytes: Vec<u8> = differ
        .iter()
        .zip(classes)
        .map(|(&k, &c)| {
            let v = f32::from(k) / mc as f32;
            sums[usize::from(c)] += f64::from(v);
            to_byte(v)
        })
        .collect();
    for (s, sum) in per_class.iter_mut().zip(sums) {
        s.mc_disagreement = (s.pixels > 0).then(|| (sum / s.pixels as f64) as f32);
    }
    bytes
}
