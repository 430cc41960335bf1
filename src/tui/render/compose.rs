//! Blending an image with an overlay into an [`Rgb`] frame. Colours come from 256-entry
//! tables built once per call (class colours, heat colours), so the per-pixel work is a
//! lookup and an integer blend, with no allocation beyond the output frame.

use super::{Layers, Overlay, Rgb};
use crate::dataset::schema::{ClassSchema, OUTSIDE};
use crate::tui::theme::Theme;

/// The image with `overlay` blended over it at `opacity` (0 = image only, 1 = pure overlay
/// colours; clamped). See [`compose_into`].
pub fn compose(
    layers: &Layers,
    overlay: Overlay,
    opacity: f32,
    theme: &Theme,
    schema: &ClassSchema,
) -> Rgb {
    let mut out = Rgb::default();
    compose_into(layers, overlay, opacity, theme, schema, &mut out);
    out
}

/// [`compose`] into an existing frame, reusing its buffer.
///
/// - `Mask`, `Prediction`: the class colour ([`Theme::class_rgb`]) over the grey image.
/// - `Error`: where prediction and mask differ, the mask's (true) class colour at full
///   strength whatever the opacity; elsewhere the image at half brightness. Mask pixels
///   outside the schema have no truth to be wrong about and count as agreeing.
/// - `Uncertainty`: the theme's heat colour of u = disagreement, or 1 − margin when there is
///   no disagreement layer, over the grey image.
///
/// A layer the overlay needs that is missing or of the wrong size gives the plain image.
pub fn compose_into(
    layers: &Layers,
    overlay: Overlay,
    opacity: f32,
    theme: &Theme,
    schema: &ClassSchema,
    out: &mut Rgb,
) {
    let image = layers.image;
    let grey = &image.pixels[..];
    out.width = image.width;
    out.height = image.height;
    out.pixels.clear();
    out.pixels.reserve(grey.len());
    let n = grey.len();
    // Fixed-point weight of the overlay colour, 0..=256.
    let a = (opacity.clamp(0.0, 1.0) * 256.0).round() as u32;
    let blend = |g: u8, c: [u8; 3]| -> [u8; 3] {
        let g = u32::from(g) * (256 - a) + 128;
        c.map(|c| ((g + u32::from(c) * a) >> 8) as u8)
    };
    let plain = |g: u8| [g, g, g];
    match overlay {
        Overlay::Mask | Overlay::Prediction => {
            let layer = if overlay == Overlay::Mask {
                layers.mask
            } else {
                layers.prediction
            };
            let Some(ids) = fits(layer, n) else {
                out.pixels.extend(grey.iter().map(|&g| plain(g)));
                return;
            };
            let lut = class_table(theme, schema);
            out.pixels.extend(
                grey.iter()
                    .zip(ids)
                    .map(|(&g, &id)| blend(g, lut[usize::from(id)])),
            );
        }
        Overlay::Error => {
            let (Some(mask), Some(pred)) = (fits(layers.mask, n), fits(layers.prediction, n))
            else {
                out.pixels.extend(grey.iter().map(|&g| plain(g)));
                return;
            };
            let lut = class_table(theme, schema);
            out.pixels
                .extend(grey.iter().zip(mask).zip(pred).map(|((&g, &m), &p)| {
                    if m != p && m != OUTSIDE {
                        lut[usize::from(m)]
                    } else {
                        plain(g / 2)
                    }
                }));
        }
        Overlay::Uncertainty => {
            let heat: [[u8; 3]; 256] = std::array::from_fn(|u| theme.heat_rgb(u as f32 / 255.0));
            if let Some(dis) = fits(layers.disagreement, n) {
                out.pixels.extend(
                    grey.iter()
                        .zip(dis)
                        .map(|(&g, &u)| blend(g, heat[usize::from(u)])),
                );
            } else if let Some(margin) = fits(layers.margin, n) {
                out.pixels.extend(
                    grey.iter()
                        .zip(margin)
                        .map(|(&g, &m)| blend(g, heat[usize::from(255 - m)])),
                );
            } else {
                out.pixels.extend(grey.iter().map(|&g| plain(g)));
            }
        }
        Overlay::None => out.pixels.extend(grey.iter().map(|&g| plain(g))),
    }
}

/// [`Theme::class_rgb`] for every possible id.
fn class_table(theme: &Theme, schema: &ClassSchema) -> [[u8; 3]; 256] {
    std::array::from_fn(|id| theme.class_rgb(schema, id as u8))
}

/// The layer if it has `n` pixels.
fn fits(layer: Option<&[u8]>, n: usize) -> Option<&[u8]> {
    layer.filter(|l| l.len() == n)
}
