//! Real-pixel panes and the render timing check.

use super::*;

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
        original: None,
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
                    marks: None,
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
