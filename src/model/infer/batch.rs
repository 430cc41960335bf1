//! Batched inference: several images of the same size, each fitting one tile, through one
//! forward pass, with the same results as [`super::predict`] on each.
//!
//! # Shapes
//! - network input: `[n, 1, ph, pw]` f32, every image padded by reflection to `pw × ph`, its
//!   width and height rounded up to multiples of 8 (at most the model's tile);
//! - probabilities per image: `[classes][h][w]`, cropped back to the image's own size;
//! - outputs: as [`super::Prediction`], `width × height` bytes, row-major.

use burn::prelude::*;

use super::super::config::{ModelConfig, Route};
use super::super::input::Specimen;
use super::super::tiling::{self, pad_reflect};
use super::{Nets, Prediction, argmax_margin, prob_stats, summarise, to_byte};
use crate::dataset::raster::Grey8;

/// Class probabilities of several images of the same size that fit in one tile, in one
/// forward pass of batch `images.len()`: `[image][classes][h][w]`.
///
/// Every image must have the first one's width and height and fit one tile
/// ([`fits_one_tile`]); each is padded by reflection to multiples of 8 and cropped back, so
/// every returned plane is the image's own `h × w`. Panics on an empty slice.
pub fn probabilities_batch(
    cfg: &ModelConfig,
    net: Nets<'_>,
    images: &[Specimen<'_>],
    dropout: bool,
    device: &Device,
) -> Vec<Vec<f32>> {
    let (w, h) = (
        images[0].image.width as usize,
        images[0].image.height as usize,
    );
    let (pw, ph) = (tiling::up8(w), tiling::up8(h));
    let mut data = Vec::with_capacity(images.len() * pw * ph);
    for s in images {
        let padded = pad_reflect(&s.image.pixels, w, h, pw, ph);
        let table = s.table(&cfg.input);
        data.extend(padded.iter().map(|&v| table[usize::from(v)]));
    }
    let x = Tensor::<1>::from_floats(data.as_slice(), device).reshape([images.len(), 1, ph, pw]);
    let probs = net.probabilities(x, dropout);
    let all = probs.as_slice();
    let classes = cfg.schema.len();
    let per_image = classes * ph * pw;
    all.chunks(per_image)
        .map(|p| {
            let mut out = Vec::with_capacity(classes * w * h);
            for c in 0..classes {
                for y in 0..h {
                    out.extend_from_slice(&p[c * ph * pw + y * pw..c * ph * pw + y * pw + w]);
                }
            }
            out
        })
        .collect()
}

/// Whether an image is predicted in one tile (and can join a batch).
pub fn fits_one_tile(cfg: &ModelConfig, image: &Grey8) -> bool {
    tiling::up8(image.width as usize) <= cfg.tile && tiling::up8(image.height as usize) <= cfg.tile
}

/// Like [`predict`](super::predict) for several same-size single-tile images routed to the same network.
///
/// Same results as [`predict`](super::predict) on each image; `images` obey [`probabilities_batch`]'s
/// conditions.
pub fn predict_batch(
    cfg: &ModelConfig,
    net: Nets<'_>,
    route: Route,
    images: &[Specimen<'_>],
    mc: usize,
    device: &Device,
) -> Vec<Prediction> {
    let n_classes = cfg.schema.len();
    let base = probabilities_batch(cfg, net, images, false, device);
    let mut differ: Vec<Vec<u32>> = images
        .iter()
        .map(|i| vec![0; i.image.pixels.len()])
        .collect();
    let finals: Vec<(Vec<u8>, Vec<f32>)> =
        base.iter().map(|p| argmax_margin(p, n_classes)).collect();
    for _ in 0..mc {
        for (k, p) in probabilities_batch(cfg, net, images, true, device)
            .iter()
            .enumerate()
        {
            let (c, _) = argmax_margin(p, n_classes);
            for (d, (a, b)) in differ[k].iter_mut().zip(c.iter().zip(&finals[k].0)) {
                *d += u32::from(a != b);
            }
        }
    }
    let stats: Vec<(Vec<f64>, Vec<f64>)> = base
        .iter()
        .zip(&finals)
        .map(|(p, (c, _))| prob_stats(p, c, n_classes))
        .collect();
    finals
        .into_iter()
        .zip(differ)
        .zip(images.iter().map(|s| s.image))
        .zip(stats)
        .map(
            |((((classes, margin), differ), img), (prob_sum, entropy_sum))| {
                let dis = (mc > 0).then(|| {
                    differ
                        .iter()
                        .map(|&d| d as f32 / mc as f32)
                        .collect::<Vec<f32>>()
                });
                let mut per_class = summarise(&classes, &margin, dis.as_deref(), n_classes);
                for (c, s) in per_class.iter_mut().enumerate() {
                    s.expected_pixels = Some(prob_sum[c]);
                    s.mean_entropy =
                        (s.pixels > 0).then(|| (entropy_sum[c] / s.pixels as f64) as f32);
                }
                crate::dataset::prediction::add_grey_hists(&mut per_class, &classes, &img.pixels);
                Prediction {
                    width: img.width,
                    height: img.height,
                    per_class,
                    margin: margin.iter().map(|&m| to_byte(m)).collect(),
                    disagreement: dis.map(|d| d.iter().map(|&v| to_byte(v)).collect()),
                    classes,
                    route,
                    mc_passes: mc,
                }
            },
        )
        .collect()
}
