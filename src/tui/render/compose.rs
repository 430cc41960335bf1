//! Blending an image with an overlay into an [`Rgb`] frame. Colours come from 256-entry
//! tables built once per call (class colours, heat colours), so the per-pixel work is a
//! lookup and an integer blend, with no allocation beyond the output frame.

use super::{Layers, Overlay, Rgb};
use crate::dataset::raster::Grey8;
use crate::dataset::schema::{ClassSchema, OUTSIDE, UNLABELLED};
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
/// - `Mask`, `Prediction`: the class colour ([`Theme::class_rgb`]) over the grey image,
///   blended so that the class keeps its hue and saturation over dark and bright grey alike
///   ([`class_blend`]): olivine over dark grey never turns into another class's colour.
/// - `Error`: where prediction and mask differ, the mask's (true) class colour at full
///   strength whatever the opacity; elsewhere the image at half brightness. Mask pixels
///   outside the schema or unlabelled have no truth to be wrong about and count as agreeing.
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
            out.pixels.extend(grey.iter().zip(ids).map(|(&g, &id)| {
                // Unlabelled pixels of a partial mask show the image as it is.
                if id == UNLABELLED {
                    plain(g)
                } else {
                    class_blend(g, lut[usize::from(id)], a)
                }
            }));
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
                    if m != p && m != OUTSIDE && m != UNLABELLED {
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
        Overlay::Edited => {
            let (Some(mask), Some(orig)) = (fits(layers.mask, n), fits(layers.original, n)) else {
                out.pixels.extend(grey.iter().map(|&g| plain(g)));
                return;
            };
            let lut = class_table(theme, schema);
            out.pixels
                .extend(grey.iter().zip(mask).zip(orig).map(|((&g, &m), &o)| {
                    if m == o {
                        plain(g / 2)
                    } else {
                        lut[usize::from(m)]
                    }
                }));
        }
        Overlay::None => out.pixels.extend(grey.iter().map(|&g| plain(g))),
    }
}

/// Recomposes only the pixels of `rect` in `out` (a frame [`compose_into`] made from the
/// same layers), so redrawing after an edit costs the edited area, not the image. The rect
/// is clipped to the frame.
pub fn compose_rect(
    layers: &Layers,
    overlay: Overlay,
    opacity: f32,
    theme: &Theme,
    schema: &ClassSchema,
    out: &mut Rgb,
    rect: crate::review::edit::Rect,
) {
    let image = layers.image;
    let (w, h) = (image.width, image.height);
    if out.width != w || out.height != h || out.pixels.len() != image.pixels.len() {
        compose_into(layers, overlay, opacity, theme, schema, out);
        return;
    }
    let (x0, y0, x1, y1) = (
        rect.x0.min(w),
        rect.y0.min(h),
        rect.x1.min(w),
        rect.y1.min(h),
    );
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    let (rw, stride) = ((x1 - x0) as usize, w as usize);
    let crop = |l: &[u8]| -> Vec<u8> {
        (y0..y1)
            .flat_map(|y| {
                let s = y as usize * stride + x0 as usize;
                l[s..s + rw].iter().copied()
            })
            .collect()
    };
    let n = image.pixels.len();
    let part = |l: Option<&[u8]>| fits(l, n).map(crop);
    let grey = Grey8 {
        width: x1 - x0,
        height: y1 - y0,
        pixels: crop(&image.pixels),
    };
    let (mask, pred, margin, dis, orig) = (
        part(layers.mask),
        part(layers.prediction),
        part(layers.margin),
        part(layers.disagreement),
        part(layers.original),
    );
    let sub = Layers {
        image: &grey,
        mask: mask.as_deref(),
        prediction: pred.as_deref(),
        margin: margin.as_deref(),
        disagreement: dis.as_deref(),
        original: orig.as_deref(),
    };
    let small = compose(&sub, overlay, opacity, theme, schema);
    for (k, y) in (y0..y1).enumerate() {
        let s = y as usize * stride + x0 as usize;
        out.pixels[s..s + rw].copy_from_slice(&small.pixels[k * rw..(k + 1) * rw]);
    }
}

/// A class colour `c` over grey level `g` at overlay weight `a` (0..=256). Up to half weight
/// the grey image fades into the class's tint: the class colour scaled by a lightness from
/// the image's texture within a narrow band, 80 % (black) to 100 % (white). A scale keeps the
/// colour's hue and saturation (channel ratios), and the narrow band keeps its lightness
/// nearly fixed, so the texture still shows but olivine (#ff8c00) over black stays brighter
/// than LSMC (#8b4513, dark orange) over white. Above half weight the tint fades into the
/// flat colour. A plain blend with grey mixed in grey's own lightness: a class over dark
/// grey read as a darker one, olivine as LSMC.
pub fn class_blend(g: u8, c: [u8; 3], a: u32) -> [u8; 3] {
    let shade = 205 + u32::from(g) * 51 / 255;
    let tint = c.map(|v| ((u32::from(v) * shade + 128) >> 8) as u8);
    let lerp = |from: [u8; 3], to: [u8; 3], w: u32| -> [u8; 3] {
        std::array::from_fn(|i| {
            ((u32::from(from[i]) * (256 - w) + u32::from(to[i]) * w + 128) >> 8) as u8
        })
    };
    if a <= 128 {
        lerp([g, g, g], tint, a * 2)
    } else {
        lerp(tint, c, (a - 128) * 2)
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
