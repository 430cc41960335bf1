//! The half-block widget: cells, colours, sampling, cursor, clipping.

use super::*;

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
        marks: None,
        theme,
        majority: false,
    }
    .render(area, &mut buf);
    buf
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
        marks: None,
        theme: &theme,
        majority: false,
    }
    .render(Rect::new(1, 1, 10, 10), &mut buf);
    assert_eq!(buf[(1, 1)].fg, Color::Rgb(5, 5, 5));
    assert_eq!(buf[(0, 0)].symbol(), " ");
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
            marks: None,
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
