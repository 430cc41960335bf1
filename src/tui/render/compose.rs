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
///   (`class_blend`): olivine over dark grey never turns into another class's colour.
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
    let frame = Frame {
        grey,
        layers,
        theme,
        schema,
        a: (opacity.clamp(0.0, 1.0) * 256.0).round() as u32,
    };
    let px = &mut out.pixels;
    let drawn = match overlay {
        Overlay::Mask => frame.classes(px, layers.mask),
        Overlay::Prediction => frame.classes(px, layers.prediction),
        Overlay::Error => frame.errors(px),
        Overlay::Uncertainty => frame.uncertainty(px),
        Overlay::Edited => frame.edited(px),
        Overlay::None => None,
    };
    if drawn.is_none() {
        px.extend(grey.iter().map(|&g| plain(g)));
    }
}

/// What an overlay is drawn from. Each drawing pushes one colour per grey pixel, or pushes
/// nothing and gives `None` when a layer it needs is missing or of another size.
struct Frame<'a> {
    /// The displayed grey levels, row-major: one output pixel each.
    grey: &'a [u8],
    /// The class, confidence and edit layers.
    layers: &'a Layers<'a>,
    /// Class, heat and invalid colours.
    theme: &'a Theme,
    /// The classes, for their default colours.
    schema: &'a ClassSchema,
    /// Fixed-point weight of the overlay colour, 0..=256.
    a: u32,
}

impl<'a> Frame<'a> {
    /// `layer` when it has one value per grey pixel, else `None`.
    fn layer(&self, layer: Option<&'a [u8]>) -> Option<&'a [u8]> {
        fits(layer, self.grey.len())
    }

    /// Class colours of `ids` (a mask or a prediction); unlabelled pixels of a partial mask
    /// show the image as it is.
    fn classes(&self, px: &mut Vec<[u8; 3]>, ids: Option<&'a [u8]>) -> Option<()> {
        let ids = self.layer(ids)?;
        let lut = class_table(self.theme, self.schema);
        px.extend(self.grey.iter().zip(ids).map(|(&g, &id)| {
            if id == UNLABELLED {
                plain(g)
            } else {
                class_blend(g, lut[usize::from(id)], self.a)
            }
        }));
        Some(())
    }

    /// Where prediction and mask differ, the mask's (true) class; unlabelled mask pixels and
    /// those outside the schema have no truth to be wrong about.
    fn errors(&self, px: &mut Vec<[u8; 3]>) -> Option<()> {
        self.marked(px, self.layers.prediction, |m, p| {
            m != p && m != OUTSIDE && m != UNLABELLED
        })
    }

    /// The theme's heat colour of u = disagreement, else 1 − margin, blended over the grey
    /// image at the overlay's weight.
    fn uncertainty(&self, px: &mut Vec<[u8; 3]>) -> Option<()> {
        let heat: [[u8; 3]; 256] = std::array::from_fn(|u| self.theme.heat_rgb(u as f32 / 255.0));
        let blend = |g: u8, c: [u8; 3]| -> [u8; 3] {
            let g = u32::from(g) * (256 - self.a) + 128;
            c.map(|c| ((g + u32::from(c) * self.a) >> 8) as u8)
        };
        if let Some(dis) = self.layer(self.layers.disagreement) {
            px.extend(
                self.grey
                    .iter()
                    .zip(dis)
                    .map(|(&g, &u)| blend(g, heat[usize::from(u)])),
            );
        } else {
            let margin = self.layer(self.layers.margin)?;
            px.extend(
                self.grey
                    .iter()
                    .zip(margin)
                    .map(|(&g, &m)| blend(g, heat[usize::from(255 - m)])),
            );
        }
        Some(())
    }

    /// Where the mask differs from the one before hand edits, the mask's class.
    fn edited(&self, px: &mut Vec<[u8; 3]>) -> Option<()> {
        self.marked(px, self.layers.original, |m, o| m != o)
    }

    /// The mask's class colour at full strength where `marks(mask, other)`, whatever the
    /// opacity; elsewhere the image at half brightness.
    fn marked(
        &self,
        px: &mut Vec<[u8; 3]>,
        other: Option<&'a [u8]>,
        marks: impl Fn(u8, u8) -> bool,
    ) -> Option<()> {
        let (Some(mask), Some(other)) = (self.layer(self.layers.mask), self.layer(other)) else {
            return None;
        };
        let lut = class_table(self.theme, self.schema);
        px.extend(self.grey.iter().zip(mask).zip(other).map(|((&g, &m), &o)| {
            if marks(m, o) {
                lut[usize::from(m)]
            } else {
                plain(g / 2)
            }
        }));
        Some(())
    }
}

/// Grey level `g` as an sRGB grey.
fn plain(g: u8) -> [u8; 3] {
    [g, g, g]
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
