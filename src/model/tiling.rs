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

/// Reflect-pads a row-major `w`×`h` image to `pw`×`ph` (mirror without repeating the edge).
pub fn pad_reflect(pixels: &[u8], w: usize, h: usize, pw: usize, ph: usize) -> Vec<u8> {
    let mirror = |i: usize, n: usize| -> usize {
        if n == 1 {
            return 0;
        }
        let period = 2 * (n - 1);
        let m = i % period;
        if m < n { m } else { period - m }
    };
    let mut out = Vec::with_capacity(pw * ph);
    for y in 0..ph {
        let sy = mirror(y, h);
        for x in 0..pw {
            out.push(pixels[sy * w + mirror(x, w)]);
        }
    }
    out
}

/// Copies a tile out of a padded image.
pub fn crop(pixels: &[u8], pw: usize, t: Tile) -> Vec<u8> {
    let mut out = Vec::with_capacity(t.w * t.h);
    for y in t.y..t.y + t.h {
        out.extend_from_slice(&pixels[y * pw + t.x..y * pw + t.x + t.w]);
    }
    out
}

/// Weight of a pixel at `i` of `n` along one axis: 1 in the middle, falling linearly to a
/// small positive value at the edges, so every pixel has weight.
fn ramp(i: usize, n: usize, edge: usize) -> f32 {
    let d = i.min(n - 1 - i) as f32 + 1.0;
    (d / (edge as f32 + 1.0)).min(1.0)
}

/// Accumulates weighted class probabilities over tiles.
pub struct Stitcher {
    w: usize,
    h: usize,
    classes: usize,
    edge: usize,
    /// `[classes][h][w]`.
    sum: Vec<f32>,
    weight: Vec<f32>,
}

impl Stitcher {
    /// For a padded `w`×`h` image; `edge` is the width of the fall-off in px.
    pub fn new(w: usize, h: usize, classes: usize, edge: usize) -> Self {
        Self {
            w,
            h,
            classes,
            edge,
            sum: vec![0.0; classes * w * h],
            weight: vec![0.0; w * h],
        }
    }

    /// Adds a tile's probabilities `[classes][t.h][t.w]`.
    pub fn add(&mut self, t: Tile, probs: &[f32]) {
        let area = t.w * t.h;
        for y in 0..t.h {
            let wy = ramp(y, t.h, self.edge);
            for x in 0..t.w {
                let wgt = wy * ramp(x, t.w, self.edge);
                let dst = (t.y + y) * self.w + t.x + x;
                self.weight[dst] += wgt;
                for c in 0..self.classes {
                    self.sum[c * self.w * self.h + dst] += wgt * probs[c * area + y * t.w + x];
                }
            }
        }
    }

    /// Normalised probabilities `[classes][h][w]` cropped to `w`×`h` of the original image.
    pub fn finish(self, w: usize, h: usize) -> Vec<f32> {
        let plane = self.w * self.h;
        let mut out = Vec::with_capacity(self.classes * w * h);
        for c in 0..self.classes {
            for y in 0..h {
                for x in 0..w {
                    let i = y * self.w + x;
                    let wgt = self.weight[i];
                    out.push(if wgt > 0.0 {
                        self.sum[c * plane + i] / wgt
                    } else {
                        0.0
                    });
                }
            }
        }
        out
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
        let mut s = Stitcher::new(p.padded_w, p.padded_h, 2, 4);
        for t in &p.tiles {
            let mut probs = vec![0.25; t.w * t.h];
            probs.extend(vec![0.75; t.w * t.h]);
            s.add(*t, &probs);
        }
        let out = s.finish(40, 24);
        assert_eq!(out.len(), 2 * 40 * 24);
        assert!(out[..960].iter().all(|&v| (v - 0.25).abs() < 1e-6));
        assert!(out[960..].iter().all(|&v| (v - 0.75).abs() < 1e-6));
    }
}
