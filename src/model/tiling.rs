//! Tiling for inference: images of any size are cut into overlapping tiles of the model's
//! input size, each tile's class probabilities are weighted by a window that falls off toward
//! the tile's edges, and the weighted sums are normalised, so seams do not show. Images
//! smaller than a tile, or not a multiple of 8, are padded by reflection (the U-Net pools
//! three times) and cropped back.

/// One tile: top-left corner in the padded image and size (both multiples of 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    pub x: usize,
    pub y: usize,
    pub w: usize,
    pub h: usize,
}

/// How an image is cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TilePlan {
    /// Size after padding to multiples of 8 (and at least one tile when larger).
    pub padded_w: usize,
    pub padded_h: usize,
    pub tiles: Vec<Tile>,
}

/// Rounds up to a multiple of 8.
pub fn up8(n: usize) -> usize {
    n.div_ceil(8) * 8
}

/// Positions along one axis: tiles of `tile` px overlapping by at least `overlap` px.
fn starts(len: usize, tile: usize, overlap: usize) -> Vec<usize> {
    if len <= tile {
        return vec![0];
    }
    let stride = tile.saturating_sub(overlap).max(8);
    let n = (len - tile).div_ceil(stride) + 1;
    // Spread the tiles evenly, on multiples of 8, last one flush with the end.
    (0..n)
        .map(|i| {
            let s = (len - tile) * i / (n - 1);
            if i + 1 == n { len - tile } else { s / 8 * 8 }
        })
        .collect()
}

/// Plans tiles of at most `tile`×`tile` px (a multiple of 8) for a `w`×`h` image.
pub fn plan(w: usize, h: usize, tile: usize, overlap: usize) -> TilePlan {
    let tile = up8(tile.max(8));
    let (pw, ph) = (up8(w), up8(h));
    let (tw, th) = (tile.min(pw), tile.min(ph));
    let mut tiles = Vec::new();
    for &y in &starts(ph, th, overlap) {
        for &x in &starts(pw, tw, overlap) {
            tiles.push(Tile { x, y, w: tw, h: th });
        }
    }
    TilePlan {
        padded_w: pw,
        padded_h: ph,
        tiles,
    }
}

/// Mirror index for reflect padding without repeating the edge: ..., 2, 1, 0, 1, 2, ...
fn mirror(i: usize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n - 1);
    let m = i % period;
    if m < n { m } else { period - m }
}

/// Reflect-pads a row-major `w`×`h` image to `pw`×`ph` (mirror without repeating the edge).
pub fn pad_reflect(pixels: &[u8], w: usize, h: usize, pw: usize, ph: usize) -> Vec<u8> {
    crop_reflect(
        pixels,
        w,
        h,
        Tile {
            x: 0,
            y: 0,
            w: pw,
            h: ph,
        },
    )
}

/// Copies tile `t` out of the reflect-padded image without padding the whole image first:
/// memory follows the tile, not the image.
pub fn crop_reflect(pixels: &[u8], w: usize, h: usize, t: Tile) -> Vec<u8> {
    let mut out = Vec::with_capacity(t.w * t.h);
    for y in t.y..t.y + t.h {
        let row = &pixels[mirror(y, h) * w..][..w];
        if t.x + t.w <= w {
            out.extend_from_slice(&row[t.x..t.x + t.w]);
        } else {
            out.extend((t.x..t.x + t.w).map(|x| row[mirror(x, w)]));
        }
    }
    out
}

/// Weight of a pixel at `i` of `n` along one axis: 1 in the middle, falling linearly to a
/// small positive value at the edges, so every pixel has weight.
fn ramp(i: usize, n: usize, edge: usize) -> f32 {
    let d = i.min(n - 1 - i) as f32 + 1.0;
    (d / (edge as f32 + 1.0)).min(1.0)
}

/// Accumulates weighted class probabilities over tiles, one band of rows at a time. Tiles
/// arrive in plan order (rows of tiles, top to bottom); once a tile row starts at `y`, no
/// later tile touches the rows above `y`, so those rows are final and handed to the caller.
/// Memory is one band of tile height (`classes × band × width` floats), not the image: a
/// 16384² image needs 170 MB here instead of 11 GB.
pub struct BandStitcher {
    /// Padded image width.
    w: usize,
    /// Band height: the tallest tile.
    rows: usize,
    classes: usize,
    edge: usize,
    /// Image row of band row 0.
    top: usize,
    /// `[classes][rows][w]`.
    sum: Vec<f32>,
    /// `[rows][w]`.
    weight: Vec<f32>,
    /// One finished row, `[classes][w]`.
    row: Vec<f32>,
}

impl BandStitcher {
    /// For a padded image `w` px wide cut into tiles at most `rows` px tall; `edge` is the
    /// width of the fall-off in px.
    pub fn new(w: usize, rows: usize, classes: usize, edge: usize) -> Self {
        Self {
            w,
            rows,
            classes,
            edge,
            top: 0,
            sum: vec![0.0; classes * rows * w],
            weight: vec![0.0; rows * w],
            row: vec![0.0; classes * w],
        }
    }

    /// Adds a tile's probabilities `[classes][t.h][t.w]`, first finishing the rows above it
    /// through `emit(y, probs)` with normalised probabilities `[classes][w]` of row `y`.
    pub fn add(&mut self, t: Tile, probs: &[f32], emit: &mut impl FnMut(usize, &[f32])) {
        debug_assert!(t.y >= self.top && t.h <= self.rows, "tiles in plan order");
        self.finish_rows(t.y, emit);
        let area = t.w * t.h;
        let plane = self.rows * self.w;
        for y in 0..t.h {
            let wy = ramp(y, t.h, self.edge);
            for x in 0..t.w {
                let wgt = wy * ramp(x, t.w, self.edge);
                let dst = (t.y - self.top + y) * self.w + t.x + x;
                self.weight[dst] += wgt;
                for c in 0..self.classes {
                    self.sum[c * plane + dst] += wgt * probs[c * area + y * t.w + x];
                }
            }
        }
    }

    /// Finishes every row still held below `top`, up to image row `end` (exclusive).
    pub fn finish(mut self, end: usize, emit: &mut impl FnMut(usize, &[f32])) {
        let upto = end.min(self.top + self.rows);
        self.finish_rows(upto, emit);
    }

    /// Emits rows `top..upto` and shifts the band so that `upto` becomes its first row.
    fn finish_rows(&mut self, upto: usize, emit: &mut impl FnMut(usize, &[f32])) {
        let done = upto.saturating_sub(self.top).min(self.rows);
        if done == 0 {
            return;
        }
        let plane = self.rows * self.w;
        for r in 0..done {
            for c in 0..self.classes {
                for x in 0..self.w {
                    let i = r * self.w + x;
                    let wgt = self.weight[i];
                    self.row[c * self.w + x] = if wgt > 0.0 {
                        self.sum[c * plane + i] / wgt
                    } else {
                        0.0
                    };
                }
            }
            emit(self.top + r, &self.row);
        }
        let keep = (self.rows - done) * self.w;
        for c in 0..self.classes {
            let p = &mut self.sum[c * plane..(c + 1) * plane];
            p.copy_within(done * self.w.., 0);
            p[keep..].fill(0.0);
        }
        self.weight.copy_within(done * self.w.., 0);
        self.weight[keep..].fill(0.0);
        self.top = upto;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_images_are_one_padded_tile() {
        let p = plan(100, 60, 256, 32);
        assert_eq!((p.padded_w, p.padded_h), (104, 64));
        assert_eq!(
            p.tiles,
            vec![Tile {
                x: 0,
                y: 0,
                w: 104,
                h: 64
            }]
        );
    }

    #[test]
    fn large_images_are_covered_with_overlap() {
        let p = plan(1024, 768, 256, 32);
        assert_eq!((p.padded_w, p.padded_h), (1024, 768));
        let xs: Vec<usize> = p.tiles.iter().filter(|t| t.y == 0).map(|t| t.x).collect();
        assert_eq!(*xs.last().unwrap(), 1024 - 256);
        for pair in xs.windows(2) {
            assert!(pair[1] > pair[0] && pair[1] - pair[0] <= 256 - 32, "{xs:?}");
            assert_eq!(pair[0] % 8, 0);
        }
        // Every pixel is covered.
        let mut covered = vec![false; 1024 * 768];
        for t in &p.tiles {
            for y in t.y..t.y + t.h {
                for x in t.x..t.x + t.w {
                    covered[y * 1024 + x] = true;
                }
            }
        }
        assert!(covered.iter().all(|&c| c));
    }

    #[test]
    fn reflect_padding_mirrors_without_repeating_the_edge() {
        let img = [1, 2, 3, 4, 5, 6]; // 3x2
        let p = pad_reflect(&img, 3, 2, 5, 3);
        assert_eq!(p, vec![1, 2, 3, 2, 1, 4, 5, 6, 5, 4, 1, 2, 3, 2, 1]);
    }

    #[test]
    fn stitching_constant_tiles_gives_the_constant() {
        let p = plan(40, 24, 16, 8);
        let mut s = BandStitcher::new(p.padded_w, 16, 2, 4);
        let mut rows = Vec::new();
        let mut emit = |y: usize, probs: &[f32]| {
            assert!(probs[..40].iter().all(|&v| (v - 0.25).abs() < 1e-6));
            assert!(probs[40..].iter().all(|&v| (v - 0.75).abs() < 1e-6));
            rows.push(y);
        };
        for t in &p.tiles {
            let mut probs = vec![0.25; t.w * t.h];
            probs.extend(vec![0.75; t.w * t.h]);
            s.add(*t, &probs, &mut emit);
        }
        s.finish(24, &mut emit);
        assert_eq!(
            rows,
            (0..24).collect::<Vec<_>>(),
            "every row once, in order"
        );
    }

    /// The whole-image weighted average, written plainly, as the banded stitcher must give.
    fn reference(p: &TilePlan, probs: &[Vec<f32>], classes: usize, edge: usize) -> Vec<f32> {
        let (w, h) = (p.padded_w, p.padded_h);
        let mut sum = vec![0f32; classes * w * h];
        let mut weight = vec![0f32; w * h];
        for (t, pr) in p.tiles.iter().zip(probs) {
            for y in 0..t.h {
                for x in 0..t.w {
                    let wgt = ramp(y, t.h, edge) * ramp(x, t.w, edge);
                    let i = (t.y + y) * w + t.x + x;
                    weight[i] += wgt;
                    for c in 0..classes {
                        sum[c * w * h + i] += wgt * pr[c * t.w * t.h + y * t.w + x];
                    }
                }
            }
        }
        (0..classes * w * h)
            .map(|k| sum[k] / weight[k % (w * h)])
            .collect()
    }

    #[test]
    fn banded_stitching_equals_the_whole_image_average_bit_for_bit() {
        let p = plan(70, 90, 24, 8);
        assert!(
            p.tiles
                .iter()
                .map(|t| t.y)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                > 3
        );
        let classes = 3;
        let mut rng = crate::rng::Rng::new(9);
        let probs: Vec<Vec<f32>> = p
            .tiles
            .iter()
            .map(|t| {
                (0..classes * t.w * t.h)
                    .map(|_| rng.range(0.0, 1.0) as f32)
                    .collect()
            })
            .collect();
        let want = reference(&p, &probs, classes, 4);
        let (w, h) = (p.padded_w, p.padded_h);
        let mut got = vec![f32::NAN; classes * w * h];
        let mut emit = |y: usize, row: &[f32]| {
            for c in 0..classes {
                got[c * w * h + y * w..c * w * h + (y + 1) * w]
                    .copy_from_slice(&row[c * w..(c + 1) * w]);
            }
        };
        let mut s = BandStitcher::new(w, 24, classes, 4);
        for (t, pr) in p.tiles.iter().zip(&probs) {
            s.add(*t, pr, &mut emit);
        }
        s.finish(h, &mut emit);
        assert_eq!(got, want);
    }

    #[test]
    fn crop_reflect_equals_pad_then_crop() {
        let img: Vec<u8> = (0..7 * 5).map(|i| i as u8).collect();
        let padded = pad_reflect(&img, 7, 5, 16, 16);
        let t = Tile {
            x: 8,
            y: 0,
            w: 8,
            h: 16,
        };
        let plain: Vec<u8> = (0..16)
            .flat_map(|y| padded[y * 16 + 8..y * 16 + 16].to_vec())
            .collect();
        assert_eq!(crop_reflect(&img, 7, 5, t), plain);
    }
}
