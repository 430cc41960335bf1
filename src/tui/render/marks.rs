//! What the editor will do, drawn over the image before it acts: the brush footprint's outline
//! around the cursor, the polygon's corners, its edges and the rubber band from the last
//! corner to the cursor. Pure data: the view builds it from the state for one frame and the
//! image widget asks it which pixels to mark.

use std::collections::HashSet;

use crate::review::edit::tools::{BrushShape, brush, line};

/// Image pixels `(x, y)` to draw in the mark colour, and the cursor pixel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    /// The pixel under the cursor, drawn in the cursor colour.
    pub cursor: Option<(u32, u32)>,
    /// Outline and polygon pixels; inside the image.
    pixels: HashSet<(u32, u32)>,
    /// Bounding box of `pixels`: `(x0, y0, x1, y1)`, exclusive ends.
    bbox: Option<(u32, u32, u32, u32)>,
    /// Thin, dense lines (superpixel edges): marked only where a cell's centre pixel is one,
    /// so that zoomed out they thin out instead of filling every cell.
    edges: HashSet<(u32, u32)>,
}

impl Marks {
    /// Just the cursor.
    pub fn cursor(at: (u32, u32)) -> Self {
        Self {
            cursor: Some(at),
            ..Self::default()
        }
    }

    /// Adds the outline of a `size`-px brush of `shape` centred on `at` in a `w`×`h` image:
    /// the footprint's pixels that have a 4-neighbour outside it. A 1- or 2-px brush has no
    /// inside, so all its pixels are outline.
    #[must_use]
    pub fn with_brush(
        mut self,
        (w, h): (u32, u32),
        at: (u32, u32),
        size: u32,
        shape: BrushShape,
    ) -> Self {
        let inside: HashSet<usize> = brush(w, h, at.0, at.1, size, shape).into_iter().collect();
        let wu = w as usize;
        let outside = |x: i64, y: i64| {
            x < 0
                || y < 0
                || x >= i64::from(w)
                || y >= i64::from(h)
                || !inside.contains(&(y as usize * wu + x as usize))
        };
        for &i in &inside {
            let (x, y) = ((i % wu) as i64, (i / wu) as i64);
            if [(1, 0), (-1, 0), (0, 1), (0, -1)]
                .iter()
                .any(|(dx, dy)| outside(x + dx, y + dy))
            {
                self.add((x as u32, y as u32));
            }
        }
        self
    }

    /// Adds a polygon being placed: its corners, the edges between them, the rubber band
    /// from the last corner to `to` (the cursor), and, from two corners on, the closing edge
    /// back to the first corner: the shape that would be filled is seen first.
    #[must_use]
    pub fn with_polygon(mut self, corners: &[(u32, u32)], to: Option<(u32, u32)>) -> Self {
        let mut points: Vec<(u32, u32)> = corners.to_vec();
        points.extend(to.filter(|_| !corners.is_empty()));
        if corners.len() >= 2 {
            points.push(corners[0]);
        }
        for pair in points.windows(2) {
            for p in line(pair[0], pair[1]) {
                self.add(p);
            }
        }
        for &c in corners {
            self.add(c);
        }
        self
    }

    /// Adds edges: the pixels whose index (row-major in a `width`-wide image) `marked` says,
    /// e.g. the superpixels' edges, drawn where a cell's centre pixel is one.
    #[must_use]
    pub fn with_edges(mut self, width: u32, marked: impl Fn(usize) -> bool, n: usize) -> Self {
        let w = width as usize;
        self.edges = (0..n)
            .filter(|&i| marked(i))
            .map(|i| ((i % w) as u32, (i / w) as u32))
            .collect();
        self
    }

    /// Marks pixel `p` and grows the bounding box to hold it.
    fn add(&mut self, p: (u32, u32)) {
        self.pixels.insert(p);
        let b = self.bbox.get_or_insert((p.0, p.1, p.0 + 1, p.1 + 1));
        *b = (
            b.0.min(p.0),
            b.1.min(p.1),
            b.2.max(p.0 + 1),
            b.3.max(p.1 + 1),
        );
    }

    /// Whether a marked pixel lies in the pixel ranges `xs` × `ys` (one half cell).
    pub fn hits(&self, xs: &std::ops::Range<u32>, ys: &std::ops::Range<u32>) -> bool {
        let centre = (
            xs.start.midpoint(xs.end.saturating_sub(1)),
            ys.start.midpoint(ys.end.saturating_sub(1)),
        );
        if !self.edges.is_empty() && self.edges.contains(&centre) {
            return true;
        }
        let Some((x0, y0, x1, y1)) = self.bbox else {
            return false;
        };
        let (xa, xb) = (xs.start.max(x0), xs.end.min(x1));
        let (ya, yb) = (ys.start.max(y0), ys.end.min(y1));
        (ya..yb).any(|y| (xa..xb).any(|x| self.pixels.contains(&(x, y))))
    }

    /// Whether the cursor pixel lies in `xs` × `ys`.
    pub fn cursor_in(&self, xs: &std::ops::Range<u32>, ys: &std::ops::Range<u32>) -> bool {
        self.cursor
            .is_some_and(|(cx, cy)| xs.contains(&cx) && ys.contains(&cy))
    }

    /// Number of marked pixels (for tests).
    pub fn len(&self) -> usize {
        self.pixels.len()
    }

    /// No marked pixel besides the cursor.
    pub fn is_empty(&self) -> bool {
        self.pixels.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_brush_outline_is_a_ring_around_the_cursor() {
        let m = Marks::cursor((10, 10)).with_brush((32, 32), (10, 10), 5, BrushShape::Round);
        // A 5-px disk: 21 pixels, of which the 12 on its rim are marked; the centre is not.
        assert_eq!(m.len(), 12);
        assert!(!m.hits(&(10..11), &(10..11)));
        assert!(m.hits(&(8..9), &(10..11)));
        assert!(m.cursor_in(&(10..11), &(10..11)));
        // Clipped at the image edge: only pixels inside are marked.
        let edge = Marks::default().with_brush((32, 32), (0, 0), 5, BrushShape::Square);
        assert!(edge.pixels.iter().all(|&(x, y)| x < 32 && y < 32));
        assert!(edge.hits(&(2..3), &(0..1)));
    }

    #[test]
    fn edges_are_marked_at_a_cells_centre_only() {
        // A vertical edge at x = 5 of a 16-px-wide image, 16 rows.
        let m = Marks::default().with_edges(16, |i| i % 16 == 5, 256);
        assert!(m.hits(&(5..6), &(3..4)), "1:1, on the edge");
        assert!(!m.hits(&(4..5), &(3..4)));
        // Zoomed out 4×: the cell 4..8 has its centre at 5, the cell 0..4 does not.
        assert!(m.hits(&(4..8), &(0..4)));
        assert!(!m.hits(&(0..4), &(0..4)));
    }

    #[test]
    fn polygon_corners_edges_and_the_rubber_band_are_marked() {
        let m = Marks::default().with_polygon(&[(0, 0), (4, 0)], Some((4, 3)));
        for p in [(0, 0), (2, 0), (4, 0), (4, 1), (4, 2), (4, 3)] {
            assert!(m.hits(&(p.0..p.0 + 1), &(p.1..p.1 + 1)), "{p:?}");
        }
        assert!(!m.hits(&(1..2), &(2..3)));
        // One corner placed: the band to the cursor shows already.
        let one = Marks::default().with_polygon(&[(1, 1)], Some((3, 1)));
        assert_eq!(one.len(), 3);
        assert!(Marks::default().with_polygon(&[], Some((3, 1))).is_empty());
    }
}
