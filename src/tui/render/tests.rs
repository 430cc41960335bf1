use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::widgets::Widget;

use super::*;
use crate::dataset::schema::{ClassSchema, OUTSIDE};
use crate::tui::theme::{ColourMode, Theme};

fn grey(width: u32, height: u32, pixels: Vec<u8>) -> Grey8 {
    assert_eq!(pixels.len(), (width * height) as usize);
    Grey8 {
        width,
        height,
        pixels,
    }
}

fn schema() -> ClassSchema {
    ClassSchema::mineralclassifier()
}

fn rgb(width: u32, height: u32, pixels: Vec<[u8; 3]>) -> Rgb {
    assert_eq!(pixels.len(), (width * height) as usize);
    Rgb {
        width,
        height,
        pixels,
    }
}

// ----- compose -----

#[test]
fn mask_overlay_blends_the_class_colour_at_the_opacity() {
    let (theme, s) = (Theme::default(), schema());
    let img = grey(3, 1, vec![0, 100, 200]);
    let mask = [1u8, 4, 9];
    let layers = Layers {
        mask: Some(&mask),
        ..Layers::image(&img)
    };
    let full = compose(&layers, Overlay::Mask, 1.0, &theme, &s);
    let colours: Vec<[u8; 3]> = mask.iter().map(|&c| s.classes[c as usize].colour).collect();
    assert_eq!(full.pixels, colours);
    assert_eq!((full.width, full.height), (3, 1));
    let none = compose(&layers, Overlay::Mask, 0.0, &theme, &s);
    assert_eq!(none.pixels, vec![[0; 3], [100; 3], [200; 3]]);
    // At half opacity a class is its colour shaded by the grey: Fe #dc143c = (220, 20, 60)
    // over black is 80 % of it (205/256), rounded.
    let half = compose(&layers, Overlay::Mask, 0.5, &theme, &s);
    assert_eq!(half.pixels[0], [176, 16, 48]);
    // Over grey 100 the shade is (205 + 100·51/255)/256 = 225/256.
    let py = s.classes[4].colour;
    assert_eq!(
        half.pixels[1],
        py.map(|c| ((u32::from(c) * 225 + 128) >> 8) as u8)
    );
}

/// Hue and saturation (HSV) of an sRGB triple, in degrees and 0–1.
#[allow(clippy::float_cmp)]
fn hue_sat([r, g, b]: [u8; 3]) -> (f64, f64) {
    let (r, g, b) = (f64::from(r), f64::from(g), f64::from(b));
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let d = max - min;
    let h = if d == 0.0 {
        0.0
    } else if max == r {
        60.0 * ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    (h, if max == 0.0 { 0.0 } else { d / max })
}

#[test]
fn unlabelled_pixels_of_a_partial_mask_show_the_plain_image() {
    use crate::dataset::schema::UNLABELLED;
    let (theme, s) = (Theme::default(), schema());
    let img = grey(3, 1, vec![40, 120, 200]);
    let mask = [UNLABELLED, 4, UNLABELLED];
    let pred = [1u8, 4, 2];
    let layers = Layers {
        mask: Some(&mask),
        prediction: Some(&pred),
        ..Layers::image(&img)
    };
    let out = compose(&layers, Overlay::Mask, 0.5, &theme, &s);
    assert_eq!(out.pixels[0], [40; 3]);
    assert_eq!(out.pixels[2], [200; 3]);
    assert_ne!(out.pixels[1], [120; 3]);
    // No truth there, so no error either.
    let err = compose(&layers, Overlay::Error, 0.5, &theme, &s);
    assert_eq!(err.pixels[0], [20; 3]);
    assert_eq!(err.pixels[2], [100; 3]);
}

#[test]
fn a_class_keeps_its_hue_over_dark_and_bright_grey() {
    let (theme, s) = (Theme::default(), schema());
    // Olivine (7) and LSMC (8) over the darkest and brightest grey of a BSE image.
    let img = grey(4, 1, vec![20, 230, 20, 230]);
    let mask = [7u8, 7, 8, 8];
    let layers = Layers {
        mask: Some(&mask),
        ..Layers::image(&img)
    };
    let half = compose(&layers, Overlay::Mask, 0.5, &theme, &s);
    for (i, &c) in mask.iter().enumerate() {
        let (h, sat) = hue_sat(half.pixels[i]);
        let (h0, s0) = hue_sat(s.classes[usize::from(c)].colour);
        assert!(
            (h - h0).abs() < 3.0,
            "class {c} over grey {}: hue {h} vs {h0}",
            img.pixels[i]
        );
        assert!(
            (sat - s0).abs() < 0.03,
            "class {c}: saturation {sat} vs {s0}"
        );
    }
    // Olivine over dark grey stays brighter than LSMC over bright grey: the two never meet.
    let value = |p: [u8; 3]| p.into_iter().max().unwrap_or(0);
    assert!(
        value(half.pixels[0]) > value(half.pixels[3]) + 40,
        "Ol on dark {:?}, LSMC on bright {:?}",
        half.pixels[0],
        half.pixels[3]
    );
}

#[test]
fn prediction_overlay_uses_the_prediction_and_theme_overrides() {
    let s = schema();
    let theme = Theme::builtin("colorblind").unwrap();
    let img = grey(2, 1, vec![50, 50]);
    let pred = [2u8, OUTSIDE];
    let layers = Layers {
        prediction: Some(&pred),
        ..Layers::image(&img)
    };
    let out = compose(&layers, Overlay::Prediction, 1.0, &theme, &s);
    assert_eq!(out.pixels, vec![[0xf0, 0xe4, 0x42], theme.invalid_rgb()]);
}

#[test]
fn error_overlay_colours_exactly_the_mismatches_with_the_true_class() {
    let (theme, s) = (Theme::default(), schema());
    let img = grey(4, 2, vec![10, 20, 30, 40, 50, 60, 70, 80]);
    let mask = [1u8, 1, 2, 2, 3, 3, OUTSIDE, 5];
    let pred = [1u8, 4, 2, 7, 3, 3, 5, 6];
    let layers = Layers {
        mask: Some(&mask),
        prediction: Some(&pred),
        ..Layers::image(&img)
    };
    // Opacity does not weaken errors.
    let out = compose(&layers, Overlay::Error, 0.3, &theme, &s);
    for i in 0..8 {
        let expect = if mask[i] != pred[i] && mask[i] != OUTSIDE {
            s.classes[mask[i] as usize].colour
        } else {
            [img.pixels[i] / 2; 3]
        };
        assert_eq!(out.pixels[i], expect, "pixel {i}");
    }
    assert_eq!(out.pixels[1], s.classes[1].colour);
    assert_eq!(out.pixels[7], s.classes[5].colour);
}

#[test]
fn uncertainty_prefers_disagreement_and_falls_back_to_the_margin() {
    let (theme, s) = (Theme::default(), schema());
    let img = grey(2, 1, vec![0, 255]);
    let margin = [255u8, 0];
    let dis = [255u8, 0];
    let from_margin = Layers {
        margin: Some(&margin),
        ..Layers::image(&img)
    };
    let out = compose(&from_margin, Overlay::Uncertainty, 1.0, &theme, &s);
    assert_eq!(out.pixels, vec![theme.heat_rgb(0.0), theme.heat_rgb(1.0)]);
    let both = Layers {
        disagreement: Some(&dis),
        ..from_margin
    };
    let out = compose(&both, Overlay::Uncertainty, 1.0, &theme, &s);
    assert_eq!(out.pixels, vec![theme.heat_rgb(1.0), theme.heat_rgb(0.0)]);
}

#[test]
fn missing_or_misfit_layers_give_the_plain_image() {
    let (theme, s) = (Theme::default(), schema());
    let img = grey(2, 1, vec![7, 9]);
    let short = [1u8];
    let layers = Layers {
        mask: Some(&short),
        ..Layers::image(&img)
    };
    for overlay in Overlay::ALL {
        let out = compose(&layers, overlay, 0.5, &theme, &s);
        assert_eq!(out.pixels, vec![[7; 3], [9; 3]], "{overlay:?}");
        assert_eq!(layers.has(overlay), overlay == Overlay::None);
    }
    let mask = [1u8, 2];
    let with_mask = Layers {
        mask: Some(&mask),
        ..layers
    };
    assert!(with_mask.has(Overlay::Mask) && !with_mask.has(Overlay::Error));
}

#[test]
fn compose_into_reuses_the_frame() {
    let (theme, s) = (Theme::default(), schema());
    let img = grey(2, 2, vec![1, 2, 3, 4]);
    let mut out = rgb(1, 1, vec![[9; 3]]);
    compose_into(
        &Layers::image(&img),
        Overlay::None,
        0.5,
        &theme,
        &s,
        &mut out,
    );
    assert_eq!(out, rgb(2, 2, vec![[1; 3], [2; 3], [3; 3], [4; 3]]));
}

#[test]
fn overlay_names() {
    let json = serde_json::to_string(&Overlay::ALL).unwrap();
    assert_eq!(
        json,
        r#"["none","mask","prediction","error","uncertainty","edited"]"#
    );
    assert_eq!(Overlay::Uncertainty.next(), Overlay::Edited);
    assert_eq!(Overlay::Edited.next(), Overlay::None);
    assert_eq!(Overlay::None.next(), Overlay::Mask);
    assert_eq!(Overlay::Error.label(), "errors");
}

// ----- viewport -----

#[test]
fn fit_centres_the_whole_image() {
    // 100×50 image in 50 cols × 10 rows (50×20 half-block units): height limits, scale 2.5.
    let v = Viewport::fit(100, 50, 50, 10);
    assert!((v.scale - 2.5).abs() < 1e-12, "{v:?}");
    assert!((v.x0 - (100.0 - 125.0) / 2.0).abs() < 1e-12, "{v:?}");
    assert!(v.y0.abs() < 1e-12, "{v:?}");
    // A 4×4 image in 8×2 cells: 8×4 units, scale 1, centred horizontally.
    let v = Viewport::fit(4, 4, 8, 2);
    assert_eq!(
        v,
        Viewport {
            x0: -2.0,
            y0: 0.0,
            scale: 1.0
        }
    );
    // The image's centre lands on the area's centre.
    let v = Viewport::fit(37, 91, 23, 11);
    let (cx, cy) = (v.x0 + 23.0 * v.scale / 2.0, v.y0 + 22.0 * v.scale / 2.0);
    assert!((cx - 18.5).abs() < 1e-9 && (cy - 45.5).abs() < 1e-9);
}

#[test]
fn zoom_about_keeps_the_point_fixed() {
    let v = Viewport {
        x0: -3.0,
        y0: 5.0,
        scale: 2.0,
    };
    let (px, py) = (40.0, 17.0);
    let z = v.zoom_about(4.0, px, py);
    assert!((z.scale - 0.5).abs() < 1e-12);
    // Position of the point in half-block units is unchanged.
    let before = ((px - v.x0) / v.scale, (py - v.y0) / v.scale);
    let after = ((px - z.x0) / z.scale, (py - z.y0) / z.scale);
    assert!((before.0 - after.0).abs() < 1e-9 && (before.1 - after.1).abs() < 1e-9);
    assert_eq!(v.zoom_about(0.0, px, py), v);
}

#[test]
fn pixel_and_cell_round_trip() {
    // Zoomed in: every pixel's cell maps back to that pixel.
    let v = Viewport {
        x0: 1.25,
        y0: -0.5,
        scale: 0.25,
    };
    for (px, py) in [(2, 0), (5, 3), (10, 7)] {
        let (col, row) = v.pixel_to_cell(px, py).unwrap();
        let upper = v.cell_to_pixel(col, row, true);
        let lower = v.cell_to_pixel(col, row, false);
        assert_eq!(upper.0.floor() as u32, px);
        assert!([upper.1.floor() as u32, lower.1.floor() as u32].contains(&py));
    }
    // Zoomed out: every cell's centre pixel maps back to that cell.
    let v = Viewport {
        x0: -2.0,
        y0: 3.0,
        scale: 3.0,
    };
    for (col, row) in [(1, 0), (4, 2), (9, 5)] {
        for upper in [true, false] {
            let (x, y) = v.cell_to_pixel(col, row, upper);
            assert_eq!(v.pixel_to_cell(x as u32, y as u32), Some((col, row)));
        }
    }
    assert_eq!(v.pixel_to_cell(0, 0), None, "above the area");
}

#[test]
fn clamp_keeps_the_view_on_the_image() {
    // Zoomed in on a 100×100 image in 10×5 cells (10×10 units at scale 1).
    let v = Viewport {
        x0: -40.0,
        y0: 95.0,
        scale: 1.0,
    };
    let c = v.clamp(100, 100, 10, 5);
    assert_eq!(
        c,
        Viewport {
            x0: 0.0,
            y0: 90.0,
            scale: 1.0
        }
    );
    // Zoomed out past the whole image: back to fit.
    let far = Viewport {
        x0: 0.0,
        y0: 0.0,
        scale: 50.0,
    };
    assert_eq!(far.clamp(100, 100, 10, 5), Viewport::fit(100, 100, 10, 5));
    // Absurd zoom is limited.
    let near = Viewport {
        x0: 50.0,
        y0: 50.0,
        scale: 1e-6,
    };
    assert!((near.clamp(100, 100, 10, 5).scale - viewport::MIN_SCALE).abs() < 1e-12);
}

fn one_to_one() -> Viewport {
    Viewport {
        x0: 0.0,
        y0: 0.0,
        scale: 1.0,
    }
}

mod halfblocks;
mod pixels;
