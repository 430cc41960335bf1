//! The half-block image widget: each cell shows two stacked image samples as '▀' with the
//! upper one as foreground and the lower one as background. Text cells only, so it works in
//! every terminal and over SSH, tmux and mosh.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::{Marks, Rgb, Viewport};
use crate::tui::theme::Theme;

/// Samples per axis when a half cell covers many pixels: averaging a strided 4×4 grid keeps
/// a frame's cost bounded (≤ 16 reads per half cell) whatever the image size.
const MAX_TAPS: u32 = 4;

/// A [`Viewport`] of a frame, drawn in half blocks. Zoomed out (scale > 1) a half cell is the
/// average of the pixels whose centres fall in it; zoomed in it is the nearest pixel. Cells
/// off the image get the theme's background; the cursor pixel is drawn in the theme's cursor
/// colour.
pub struct HalfBlocks<'a> {
    /// The composed frame: one sRGB triple per image pixel, row-major.
    pub rgb: &'a Rgb,
    /// The region of the frame shown, and its scale (image pixels per half cell).
    pub view: Viewport,
    /// Image pixel under the cursor.
    pub cursor: Option<(u32, u32)>,
    /// The editor's marks (brush outline, polygon), drawn in the cursor colour.
    pub marks: Option<&'a Marks>,
    /// Background, cursor colour, and the terminal's colour mode.
    pub theme: &'a Theme,
    /// Zoomed out, show the most frequent colour of a half cell instead of the mean: for pure
    /// class maps (mask or prediction at full opacity), so that classes stay crisp instead of
    /// blending into colours no class has.
    pub majority: bool,
}

impl Widget for HalfBlocks<'_> {
    /// Writes every cell of `area` (clipped to the buffer): `▀` with the upper sample as
    /// foreground and the lower as background, `▄` when only the lower half shows image, a
    /// blank in the background colour where neither does.
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        let bg = self.theme.bg();
        let cursor = self.theme.cursor_rgb();
        for row in 0..area.height {
            for col in 0..area.width {
                let sample = |half: u32| {
                    let s = self.sample(col, half)?;
                    Some(self.theme.colour(if s.cursor { cursor } else { s.rgb }))
                };
                let upper = sample(2 * u32::from(row));
                let lower = sample(2 * u32::from(row) + 1);
                let cell = &mut buf[(area.x + col, area.y + row)];
                cell.reset();
                match (upper, lower) {
                    (Some(u), lower) => {
                        cell.set_char('▀').set_fg(u).set_bg(lower.unwrap_or(bg));
                    }
                    (None, Some(l)) => {
                        cell.set_char('▄').set_fg(l).set_bg(bg);
                    }
                    (None, None) => {
                        cell.set_char(' ').set_bg(bg);
                    }
                }
            }
        }
    }
}

/// One half cell's colour and whether the cursor pixel (or a mark) is in it.
struct Sample {
    /// The mean (or most frequent) colour of the pixels in the half cell.
    rgb: [u8; 3],
    /// Drawn in the cursor colour instead: the cursor or an editor mark covers it.
    cursor: bool,
}

impl HalfBlocks<'_> {
    /// The half cell at column `col`, half-row `half`, or `None` when it shows no pixel.
    fn sample(&self, col: u16, half: u32) -> Option<Sample> {
        let v = &self.view;
        let (w, h) = (self.rgb.width, self.rgb.height);
        let x = v.x0 + f64::from(col) * v.scale;
        let y = v.y0 + f64::from(half) * v.scale;
        let (xs, ys) = if v.scale <= 1.0 {
            (
                nearest(x + v.scale / 2.0, w)?,
                nearest(y + v.scale / 2.0, h)?,
            )
        } else {
            (centres_in(x, v.scale, w)?, centres_in(y, v.scale, h)?)
        };
        let cursor = self
            .cursor
            .is_some_and(|(cx, cy)| xs.contains(&cx) && ys.contains(&cy))
            || self.marks.is_some_and(|m| m.hits(&xs, &ys));
        let rgb = if self.majority && v.scale > 1.0 {
            self.most_frequent(xs, ys)?
        } else {
            self.average(xs, ys)?
        };
        Some(Sample { rgb, cursor })
    }

    /// Most frequent colour over the same tap grid as [`Self::average`]; ties go to the first
    /// tap in reading order.
    fn most_frequent(&self, xs: std::ops::Range<u32>, ys: std::ops::Range<u32>) -> Option<[u8; 3]> {
        let stride = self.rgb.width as usize;
        let mut seen: [([u8; 3], u32); (MAX_TAPS * MAX_TAPS) as usize] =
            [([0; 3], 0); (MAX_TAPS * MAX_TAPS) as usize];
        let mut kinds = 0;
        for y in taps(&ys) {
            for x in taps(&xs) {
                let p = *self.rgb.pixels.get(y as usize * stride + x as usize)?;
                if let Some((_, n)) = seen[..kinds].iter_mut().find(|(c, _)| *c == p) {
                    *n += 1;
                } else {
                    seen[kinds] = (p, 1);
                    kinds += 1;
                }
            }
        }
        let mut best: Option<([u8; 3], u32)> = None;
        for &(c, n) in &seen[..kinds] {
            if best.is_none_or(|(_, m)| n > m) {
                best = Some((c, n));
            }
        }
        best.map(|(c, _)| c)
    }

    /// Mean colour over a grid of at most [`MAX_TAPS`]² pixels spread evenly over the ranges.
    fn average(&self, xs: std::ops::Range<u32>, ys: std::ops::Range<u32>) -> Option<[u8; 3]> {
        let stride = self.rgb.width as usize;
        let mut sum = [0u32; 3];
        let mut count = 0u32;
        for y in taps(&ys) {
            for x in taps(&xs) {
                let p = self.rgb.pixels.get(y as usize * stride + x as usize)?;
                for (s, &c) in sum.iter_mut().zip(p) {
                    *s += u32::from(c);
                }
                count += 1;
            }
        }
        (count > 0).then(|| sum.map(|s| ((s + count / 2) / count) as u8))
    }
}

/// At most [`MAX_TAPS`] pixels spread evenly over `r`: tap i sits at the centre of the i-th
/// of n equal parts of the range.
fn taps(r: &std::ops::Range<u32>) -> impl Iterator<Item = u32> + use<> {
    let len = r.end - r.start;
    let n = len.min(MAX_TAPS);
    let start = r.start;
    (0..n).map(move |i| start + ((2 * i + 1) * len) / (2 * n))
}

/// The pixel containing coordinate `c`, as a one-pixel range, if inside `0..len`.
fn nearest(c: f64, len: u32) -> Option<std::ops::Range<u32>> {
    (c >= 0.0 && c < f64::from(len)).then(|| {
        let p = c as u32;
        p..p + 1
    })
}

/// Pixels whose centres lie in `[start, start + span)`, clipped to `0..len`; `None` if none.
fn centres_in(start: f64, span: f64, len: u32) -> Option<std::ops::Range<u32>> {
    let lo = (start - 0.5).ceil().max(0.0);
    let hi = (start + span - 0.5).ceil().min(f64::from(len));
    (hi > lo).then_some(lo as u32..hi as u32)
}
