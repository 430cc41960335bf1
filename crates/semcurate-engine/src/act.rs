//! Activations in the layout the engine's kernels read: rows outermost, then channels, then
//! columns (`[row][channel][column]`), with a zero border of one pixel all round.
//!
//! One padded row holds every channel of that row, so a layer's output rows are disjoint
//! slices that threads fill independently, and a 3×3 convolution reads its neighbours without
//! bounds cases. Rows are `ALIGN_X + 2` wider than needed at most: kernels compute whole
//! vector blocks and read (zero) columns past the image, but store only real columns.

/// Row width multiple: the widest block a kernel computes at once (2 vectors of 16 lanes).
pub const ALIGN_X: usize = 32;

/// Most bytes of freed activation buffers one thread keeps for reuse: 128 MiB, or
/// `SEMCURATE_ENGINE_POOL_MB` (0 turns the pool off).
fn pool_bytes() -> usize {
    static BYTES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *BYTES.get_or_init(|| {
        std::env::var("SEMCURATE_ENGINE_POOL_MB")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(128)
            << 20
    })
}

thread_local! {
    /// Buffers of dropped activations, reused by the next ones on this thread: a forward
    /// pass allocates the same sizes image after image, and fresh large allocations cost a
    /// page fault per 4 KiB page (about a tenth of predict's time before this pool).
    static POOL: std::cell::RefCell<Vec<Vec<f32>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A zeroed buffer of `n` values, reusing the smallest pooled one that is large enough.
fn zeroed(n: usize) -> Vec<f32> {
    let reused = POOL.with_borrow_mut(|pool| {
        let best = pool
            .iter()
            .enumerate()
            .filter(|(_, b)| b.capacity() >= n)
            .min_by_key(|(_, b)| b.capacity())
            .map(|(i, _)| i)?;
        Some(pool.swap_remove(best))
    });
    match reused {
        Some(mut b) => {
            b.clear();
            b.resize(n, 0.0);
            b
        }
        None => vec![0.0; n],
    }
}

/// Gives a buffer back to this thread's pool, dropping the largest ones past the cap.
fn recycle(b: Vec<f32>) {
    if b.capacity() == 0 {
        return;
    }
    POOL.with_borrow_mut(|pool| {
        pool.push(b);
        let bytes = |p: &Vec<Vec<f32>>| p.iter().map(|b| b.capacity() * 4).sum::<usize>();
        while bytes(pool) > pool_bytes() {
            let largest = (0..pool.len())
                .max_by_key(|&i| pool[i].capacity())
                .expect("pool over its cap holds a buffer");
            pool.swap_remove(largest);
        }
    });
}

/// A zero-bordered `[h + 2][c][rs]` activation of `c` channels of `h` × `w` pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Act {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    /// Row stride of one channel: `w` rounded up to [`ALIGN_X`], plus the two border columns.
    pub rs: usize,
    pub data: Vec<f32>,
}

impl Act {
    /// All zeros.
    pub fn zeros(c: usize, h: usize, w: usize) -> Self {
        let rs = w.next_multiple_of(ALIGN_X) + 2;
        Self {
            c,
            h,
            w,
            rs,
            data: zeroed((h + 2) * c * rs),
        }
    }

    /// One channel from `values` (`h` × `w`, row-major).
    pub fn from_plane(values: &[f32], h: usize, w: usize) -> Self {
        let mut a = Self::zeros(1, h, w);
        for (y, src) in values.chunks_exact(w).take(h).enumerate() {
            let at = a.at(y + 1, 0) + 1;
            a.data[at..at + w].copy_from_slice(src);
        }
        a
    }

    /// Length of one padded row (all channels).
    pub fn row_len(&self) -> usize {
        self.c * self.rs
    }

    /// Index of column 0 (the left border) of channel `c` in padded row `yp`.
    pub fn at(&self, yp: usize, c: usize) -> usize {
        (yp * self.c + c) * self.rs
    }

    /// The interior rows (padded rows 1..=h), each `row_len` long, for threads to fill.
    pub fn interior_rows_mut(&mut self) -> rayon::slice::ChunksExactMut<'_, f32> {
        use rayon::prelude::*;
        let n = self.row_len();
        self.data[n..(self.h + 1) * n].par_chunks_exact_mut(n)
    }

    /// Channel `c` as an `h` × `w` plane (tests and output).
    pub fn plane(&self, c: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.h * self.w);
        for y in 0..self.h {
            let at = self.at(y + 1, c) + 1;
            out.extend_from_slice(&self.data[at..at + self.w]);
        }
        out
    }
}

impl Drop for Act {
    fn drop(&mut self) {
        recycle(std::mem::take(&mut self.data));
    }
}

/// 2 × 2 max-pool (stride 2) of `a` (h and w even).
pub fn max_pool(a: &Act) -> Act {
    use rayon::prelude::*;
    let (h, w) = (a.h / 2, a.w / 2);
    let mut out = Act::zeros(a.c, h, w);
    let rs = out.rs;
    out.interior_rows_mut().enumerate().for_each(|(y, row)| {
        for c in 0..a.c {
            let top = a.at(2 * y + 1, c) + 1;
            let bottom = a.at(2 * y + 2, c) + 1;
            let dst = &mut row[c * rs + 1..c * rs + 1 + w];
            for (x, d) in dst.iter_mut().enumerate() {
                let (t, b) = (top + 2 * x, bottom + 2 * x);
                *d = a.data[t]
                    .max(a.data[t + 1])
                    .max(a.data[b])
                    .max(a.data[b + 1]);
            }
        }
    });
    out
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values: zeros and maxima are copied, not computed
mod tests {
    use super::*;

    #[test]
    fn planes_round_trip_and_borders_stay_zero() {
        let v: Vec<f32> = (0..12).map(|i| i as f32).collect();
        let a = Act::from_plane(&v, 3, 4);
        assert_eq!(a.plane(0), v);
        assert_eq!(a.rs, 34);
        assert_eq!(a.data[a.at(0, 0)..a.at(1, 0)].iter().sum::<f32>(), 0.0);
        assert_eq!(a.data[a.at(1, 0)], 0.0);
        assert_eq!(a.data[a.at(1, 0) + 5], 0.0);
    }

    #[test]
    fn reused_buffers_come_back_zeroed() {
        let mut a = Act::zeros(3, 8, 8);
        a.data.iter_mut().for_each(|v| *v = 7.0);
        let len = a.data.len();
        drop(a);
        // Same size: the pooled buffer, cleared; smaller: the same one, cut and cleared.
        let b = Act::zeros(3, 8, 8);
        assert_eq!(b.data.len(), len);
        assert!(b.data.iter().all(|&v| v == 0.0));
        drop(b);
        let c = Act::zeros(1, 4, 4);
        assert!(c.data.iter().all(|&v| v == 0.0));
        assert!(c.data.capacity() >= len, "the pooled buffer was reused");
    }

    #[test]
    fn max_pool_takes_the_largest_of_each_square() {
        let v = [
            1.0, 2.0, 0.0, -1.0, //
            3.0, 4.0, -5.0, -2.0, //
            0.0, 0.0, 9.0, 1.0, //
            0.5, 0.0, 1.0, 1.0,
        ];
        let p = max_pool(&Act::from_plane(&v, 4, 4));
        assert_eq!(p.plane(0), vec![4.0, 0.0, 0.5, 9.0]);
    }
}
