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
    // Fe is #dc143c = (220, 20, 60); half of it over grey 0, rounded half down.
    let half = compose(&layers, Overlay::Mask, 0.5, &theme, &s);
    assert_eq!(half.pixels[0], [110, 10, 30]);
    let py = s.classes[4].colour;
    assert_eq!(
        half.pixels[1],
        py.map(|c| (u32::from(c) + 100).div_ceil(2) as u8)
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
        r#"["none","mask","prediction","error","uncertainty"]"#
    );
    assert_eq!(Overlay::Uncertainty.next(), Overlay::None);
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

// ----- half blocks -----

fn draw(
    frame: &Rgb,
    view: Viewport,
    cursor: Option<(u32, u32)>,
    theme: &Theme,
    w: u16,
    h: u16,
) -> Buffer {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    HalfBlocks {
        rgb: frame,
        view,
        cursor,
        theme,
        majority: false,
    }
    .render(area, &mut buf);
    buf
}

fn one_to_one() -> Viewport {
    Viewport {
        x0: 0.0,
        y0: 0.0,
        scale: 1.0,
    }
}

#[test]
fn half_blocks_show_two_pixels_per_cell() {
    let theme = Theme::default();
    let px = |i: u8| [i * 10, i * 20, i * 30];
    let frame = rgb(2, 4, (0..8).map(px).collect());
    let buf = draw(&frame, one_to_one(), None, &theme, 2, 2);
    for row in 0..2u16 {
        for col in 0..2u16 {
            let cell = &buf[(col, row)];
            let upper = px((2 * row * 2 + col) as u8);
            let lower = px(((2 * row + 1) * 2 + col) as u8);
            assert_eq!(cell.symbol(), "▀");
            assert_eq!(
                cell.fg,
                Color::Rgb(upper[0], upper[1], upper[2]),
                "{col},{row}"
            );
            assert_eq!(
                cell.bg,
                Color::Rgb(lower[0], lower[1], lower[2]),
                "{col},{row}"
            );
        }
    }
}

#[test]
fn half_blocks_in_256_colours() {
    let theme = Theme::default().with_mode(ColourMode::Ansi256);
    let frame = rgb(1, 2, vec![[255, 0, 0], [128, 128, 128]]);
    let buf = draw(&frame, one_to_one(), None, &theme, 1, 1);
    assert_eq!(buf[(0, 0)].fg, Color::Indexed(196));
    assert_eq!(buf[(0, 0)].bg, Color::Indexed(244));
}

#[test]
fn half_blocks_average_when_zoomed_out_and_leave_margins_blank() {
    let theme = Theme::default();
    // 4×4 image: left half 0, right half 200; at scale 2 each half cell averages 2×2 pixels.
    let frame = rgb(
        4,
        4,
        (0..16)
            .map(|i| if i % 4 < 2 { [0; 3] } else { [200, 100, 50] })
            .collect(),
    );
    let view = Viewport {
        x0: -2.0,
        y0: 0.0,
        scale: 2.0,
    };
    let buf = draw(&frame, view, None, &theme, 4, 1);
    assert_eq!(buf[(0, 0)].symbol(), " ");
    assert_eq!(buf[(0, 0)].bg, theme.bg());
    assert_eq!(buf[(1, 0)].fg, Color::Rgb(0, 0, 0));
    assert_eq!(buf[(2, 0)].fg, Color::Rgb(200, 100, 50));
    assert_eq!(buf[(2, 0)].bg, Color::Rgb(200, 100, 50));
    assert_eq!(buf[(3, 0)].symbol(), " ");
    // A box straddling both halves averages them.
    let straddle = Viewport {
        x0: 1.0,
        y0: 0.0,
        scale: 2.0,
    };
    let buf = draw(&frame, straddle, None, &theme, 1, 1);
    assert_eq!(buf[(0, 0)].fg, Color::Rgb(100, 50, 25));
}

#[test]
fn half_blocks_lower_half_only_uses_the_lower_block() {
    let theme = Theme::default();
    let frame = rgb(1, 1, vec![[9, 8, 7]]);
    let view = Viewport {
        x0: 0.0,
        y0: -1.0,
        scale: 1.0,
    };
    let buf = draw(&frame, view, None, &theme, 1, 1);
    assert_eq!(buf[(0, 0)].symbol(), "▄");
    assert_eq!(buf[(0, 0)].fg, Color::Rgb(9, 8, 7));
    assert_eq!(buf[(0, 0)].bg, theme.bg());
}

#[test]
fn half_blocks_draw_the_cursor_pixel() {
    let theme = Theme::default();
    let frame = rgb(2, 2, vec![[0; 3]; 4]);
    let [r, g, b] = theme.cursor_rgb();
    let buf = draw(&frame, one_to_one(), Some((1, 1)), &theme, 2, 1);
    assert_eq!(buf[(1, 0)].bg, Color::Rgb(r, g, b));
    assert_eq!(buf[(1, 0)].fg, Color::Rgb(0, 0, 0));
    assert_eq!(buf[(0, 0)].bg, Color::Rgb(0, 0, 0));
    // Zoomed in 2×, the cursor pixel fills four half cells.
    let zoom = Viewport {
        x0: 0.0,
        y0: 0.0,
        scale: 0.5,
    };
    let buf = draw(&frame, zoom, Some((1, 1)), &theme, 4, 2);
    let cursor = Color::Rgb(r, g, b);
    let lit: usize = buf
        .content
        .iter()
        .map(|c| usize::from(c.fg == cursor) + usize::from(c.bg == cursor))
        .sum();
    assert_eq!(lit, 4);
    assert_eq!(buf[(2, 1)].fg, cursor);
    assert_eq!(buf[(3, 1)].bg, cursor);
}

#[test]
fn half_blocks_stay_inside_the_buffer() {
    let theme = Theme::default();
    let frame = rgb(2, 2, vec![[5; 3]; 4]);
    let mut buf = Buffer::empty(Rect::new(0, 0, 3, 2));
    HalfBlocks {
        rgb: &frame,
        view: one_to_one(),
        cursor: None,
        theme: &theme,
        majority: false,
    }
    .render(Rect::new(1, 1, 10, 10), &mut buf);
    assert_eq!(buf[(1, 1)].fg, Color::Rgb(5, 5, 5));
    assert_eq!(buf[(0, 0)].symbol(), " ");
}

// ----- real pixels -----

#[test]
fn crop_resize_samples_the_viewport_nearest_neighbour() {
    let frame = rgb(2, 2, vec![[1; 3], [2; 3], [3; 3], [4; 3]]);
    // Scale 1 and 2-pixel-wide cells: each image pixel becomes 2×2 screen pixels.
    let out = crop_resize(&frame, one_to_one(), 6, 4, 2);
    let at = |x: u32, y: u32| out.get_pixel(x, y).0;
    assert_eq!(at(0, 0), [1, 1, 1, 255]);
    assert_eq!(at(1, 1), [1, 1, 1, 255]);
    assert_eq!(at(2, 0), [2, 2, 2, 255]);
    assert_eq!(at(3, 3), [4, 4, 4, 255]);
    assert_eq!(at(4, 0), [0, 0, 0, 0], "off the image");
    // A viewport starting at pixel (1, 1).
    let view = Viewport {
        x0: 1.0,
        y0: 1.0,
        scale: 1.0,
    };
    let out = crop_resize(&frame, view, 2, 2, 2);
    assert_eq!(out.get_pixel(0, 0).0, [4, 4, 4, 255]);
    assert_eq!(out.get_pixel(1, 1).0, [4, 4, 4, 255]);
}

#[test]
fn graphics_names_parse() {
    for g in [
        Graphics::HalfBlocks,
        Graphics::Kitty,
        Graphics::Sixel,
        Graphics::Iterm2,
    ] {
        assert_eq!(g.name().parse::<Graphics>(), Ok(g));
    }
    assert_eq!("KITTY".parse::<Graphics>(), Ok(Graphics::Kitty));
    let e = "auto".parse::<Graphics>().unwrap_err();
    assert!(e.contains("'auto'") && e.contains("sixel"), "{e}");
    assert_eq!(
        detect_graphics(Some(Graphics::HalfBlocks)).0,
        Graphics::HalfBlocks
    );
    assert!(detect_graphics(Some(Graphics::HalfBlocks)).1.is_none());
}

// ----- timing -----

/// Mean wall time of `f` over `n` runs, in milliseconds.
fn mean_ms(n: u32, mut f: impl FnMut()) -> f64 {
    let start = std::time::Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_secs_f64() * 1000.0 / f64::from(n)
}

#[test]
#[ignore = "timing: cargo test --release --lib tui::render -- --ignored --nocapture"]
fn timing_compose_and_half_blocks() {
    let s = schema();
    let side = 256u32;
    let n = (side * side) as usize;
    let img = grey(side, side, (0..n).map(|i| (i * 31 % 251) as u8).collect());
    let mask: Vec<u8> = (0..n).map(|i| (i / 97 % 10) as u8).collect();
    let pred: Vec<u8> = (0..n).map(|i| (i / 89 % 10) as u8).collect();
    let margin: Vec<u8> = (0..n).map(|i| (i % 256) as u8).collect();
    let layers = Layers {
        image: &img,
        mask: Some(&mask),
        prediction: Some(&pred),
        margin: Some(&margin),
        disagreement: None,
    };
    let mut worst: f64 = 0.0;
    for mode in [ColourMode::TrueColor, ColourMode::Ansi256] {
        let theme = Theme::default().with_mode(mode);
        let mut frame = Rgb::default();
        for overlay in Overlay::ALL {
            let ms = mean_ms(200, || {
                compose_into(&layers, overlay, 0.5, &theme, &s, &mut frame);
            });
            println!("compose 256x256 {overlay:?} {mode:?}: {ms:.3} ms");
            worst = worst.max(ms);
        }
        let area = Rect::new(0, 0, 120, 40);
        let mut buf = Buffer::empty(area);
        let big = rgb(4096, 4096, vec![[90, 120, 200]; 4096 * 4096]);
        let views = [
            ("256 fit", &frame, Viewport::fit(side, side, 120, 40)),
            (
                "256 zoom 4x",
                &frame,
                Viewport::fit(side, side, 120, 40).zoom_about(8.0, 128.0, 128.0),
            ),
            ("4096 fit", &big, Viewport::fit(4096, 4096, 120, 40)),
        ];
        for (name, rgb, view) in views {
            let ms = mean_ms(200, || {
                HalfBlocks {
                    rgb,
                    view,
                    cursor: Some((100, 100)),
                    theme: &theme,
                    majority: false,
                }
                .render(area, &mut buf);
            });
            println!("half blocks 120x40 {name} {mode:?}: {ms:.3} ms");
            worst = worst.max(ms);
        }
    }
    if !cfg!(debug_assertions) {
        assert!(worst < 2.0, "slowest {worst:.3} ms");
    }
}

#[test]
fn majority_sampling_keeps_class_colours_pure_when_zoomed_out() {
    // A 4×8 frame of two colours in a 3:1 checker-ish pattern, shown at scale 4: one cell,
    // each half cell covering a 4×4 block with 12 red and 4 blue pixels.
    let red = [200, 0, 0];
    let blue = [0, 0, 200];
    let pixels: Vec<[u8; 3]> = (0..32)
        .map(|i| if i % 4 == 3 { blue } else { red })
        .collect();
    let frame = Rgb {
        width: 4,
        height: 8,
        pixels,
    };
    let theme = Theme::builtin("default")
        .unwrap()
        .with_mode(ColourMode::TrueColor);
    let view = Viewport {
        x0: 0.0,
        y0: 0.0,
        scale: 4.0,
    };
    let draw = |majority| {
        let mut buf = Buffer::empty(Rect::new(0, 0, 1, 1));
        HalfBlocks {
            rgb: &frame,
            view,
            cursor: None,
            theme: &theme,
            majority,
        }
        .render(Rect::new(0, 0, 1, 1), &mut buf);
        (buf[(0, 0)].fg, buf[(0, 0)].bg)
    };
    assert_eq!(draw(true), (Color::Rgb(200, 0, 0), Color::Rgb(200, 0, 0)));
    // The mean is a purple no class has.
    assert_eq!(
        draw(false),
        (Color::Rgb(150, 0, 50), Color::Rgb(150, 0, 50))
    );
}
