//! Grey-level windows for display: which stored grey levels (0–255) are spread over black to
//! white on screen. Display only: tools, statistics and read-outs keep the stored levels.

/// Steps of the manual window, in grey levels: the centre moves by [`CENTRE_STEP`], the width
/// changes by [`WIDTH_STEP`].
pub const CENTRE_STEP: i16 = 8;
/// See [`CENTRE_STEP`].
pub const WIDTH_STEP: i16 = 16;

/// A window of stored grey levels shown from black to white: `lo` and darker are black, `hi`
/// and brighter are white, linear between. Invariant: `lo < hi` (at least one grey level
/// wide), both within 0–255.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GreyWindow {
    lo: u8,
    hi: u8,
}

impl Default for GreyWindow {
    /// The whole range: grey levels shown as stored.
    fn default() -> Self {
        Self { lo: 0, hi: 255 }
    }
}

impl GreyWindow {
    /// The window `lo..=hi` (grey levels); an empty or reversed range becomes one grey level
    /// wide at `lo` (at 254–255 when `lo` is 255).
    pub fn new(lo: u8, hi: u8) -> Self {
        if lo < hi {
            Self { lo, hi }
        } else if lo == u8::MAX {
            Self { lo: 254, hi: 255 }
        } else {
            Self { lo, hi: lo + 1 }
        }
    }

    /// The automatic contrast stretch: the 0.5th to the 99.5th percentile of `pixels`.
    pub fn auto(pixels: &[u8]) -> Self {
        let (lo, hi) = percentile_range(pixels);
        Self::new(lo, hi)
    }

    /// The darkest grey level shown brighter than black.
    pub fn lo(self) -> u8 {
        self.lo
    }

    /// The grey level from which on everything is white.
    pub fn hi(self) -> u8 {
        self.hi
    }

    /// Whether grey levels are shown as stored.
    pub fn is_identity(self) -> bool {
        self == Self::default()
    }

    /// Moved by `d` grey levels (positive: up, the picture darker), its width kept; stops
    /// at 0 and 255.
    #[must_use]
    pub fn shifted(self, d: i16) -> Self {
        let (lo, hi) = (i16::from(self.lo), i16::from(self.hi));
        let d = d.clamp(-lo, 255 - hi);
        Self::new((lo + d) as u8, (hi + d) as u8)
    }

    /// Widened by `d` grey levels (negative narrows: more contrast) about its centre, within
    /// 0–255 and at least 2 grey levels wide.
    #[must_use]
    pub fn widened(self, d: i16) -> Self {
        let (lo, hi) = (i16::from(self.lo), i16::from(self.hi));
        let width = (hi - lo).saturating_add(d).clamp(2, 255);
        let centre = i16::midpoint(lo, hi);
        let lo = (centre - width / 2).clamp(0, 255 - width);
        Self::new(lo as u8, (lo + width) as u8)
    }

    /// The grey level shown for stored grey `v`.
    pub fn map(self, v: u8) -> u8 {
        let span = f32::from(self.hi - self.lo);
        ((f32::from(v) - f32::from(self.lo)) * 255.0 / span)
            .round()
            .clamp(0.0, 255.0) as u8
    }

    /// [`Self::map`] for every grey level, indexed by the stored grey.
    pub fn lut(self) -> [u8; 256] {
        std::array::from_fn(|v| self.map(v as u8))
    }

    /// `pixels` as shown.
    pub fn apply(self, pixels: &[u8]) -> Vec<u8> {
        let lut = self.lut();
        pixels.iter().map(|&p| lut[usize::from(p)]).collect()
    }
}

/// Grey levels at the 0.5th and 99.5th percentiles of `pixels` (`lo <= hi`).
pub fn percentile_range(pixels: &[u8]) -> (u8, u8) {
    let mut hist = [0u64; 256];
    for &p in pixels {
        hist[usize::from(p)] += 1;
    }
    let n = pixels.len() as u64;
    let cut = n / 200;
    let (mut lo, mut acc) = (0usize, 0u64);
    while lo < 255 && acc + hist[lo] <= cut {
        acc += hist[lo];
        lo += 1;
    }
    let (mut hi, mut acc) = (255usize, 0u64);
    while hi > 0 && acc + hist[hi] <= cut {
        acc += hist[hi];
        hi -= 1;
    }
    (lo as u8, hi.max(lo) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_maps_its_range_linearly_onto_black_to_white() {
        let w = GreyWindow::new(40, 180);
        assert_eq!(
            (w.map(0), w.map(40), w.map(180), w.map(255)),
            (0, 0, 255, 255)
        );
        // Halfway (110) is mid grey; 75 is a quarter: 35 · 255 / 140 = 63.75.
        assert_eq!((w.map(110), w.map(75)), (128, 64));
        assert_eq!(w.apply(&[39, 110, 181]), vec![0, 128, 255]);
        let id = GreyWindow::default();
        assert!(id.is_identity());
        assert!(
            (0..=255u8).all(|v| id.map(v) == v),
            "the full window changes nothing"
        );
    }

    #[test]
    fn moving_and_resizing_keep_the_window_inside_0_to_255() {
        let w = GreyWindow::new(40, 180);
        assert_eq!(w.shifted(8), GreyWindow::new(48, 188));
        assert_eq!(
            w.shifted(100),
            GreyWindow::new(115, 255),
            "width kept at the top"
        );
        assert_eq!(w.shifted(-100), GreyWindow::new(0, 140));
        assert_eq!(w.widened(-16), GreyWindow::new(48, 172));
        assert_eq!(w.widened(16), GreyWindow::new(32, 188));
        assert_eq!(
            w.widened(-500),
            GreyWindow::new(109, 111),
            "at least 2 wide"
        );
        assert!(w.widened(500).is_identity());
        assert_eq!(GreyWindow::new(7, 7), GreyWindow::new(7, 8));
        assert_eq!(GreyWindow::new(255, 0), GreyWindow::new(254, 255));
    }

    #[test]
    fn the_auto_stretch_ignores_a_few_outliers() {
        let mut px = vec![100u8; 1000];
        px[0] = 0;
        px[1] = 255;
        px.extend(std::iter::repeat_n(160, 500));
        assert_eq!(GreyWindow::auto(&px), GreyWindow::new(100, 160));
        assert_eq!(GreyWindow::auto(&[9; 10]), GreyWindow::new(9, 10));
    }
}
