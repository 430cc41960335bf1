//! Grain outlines in micrometres: rotated rectangles (laths, needles, crack segments),
//! ellipses and irregular rounded blobs, with signed distances (negative inside) for painting
//! and zoning, and conservative block tests that let the painter fill or skip whole blocks.

/// A point or vector in µm.
pub(crate) type Pt = [f64; 2];

/// A grain outline in µm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Shape {
    /// Rectangle centred at `c`, long axis along the unit vector `dir`.
    Rect {
        c: Pt,
        /// Half the length along `dir`, µm.
        half_len: f64,
        /// Half the width across `dir`, µm.
        half_wid: f64,
        dir: Pt,
    },
    /// Ellipse centred at `c` with semi-axes `a` (along `dir`) ≥ `b`.
    Ellipse { c: Pt, a: f64, b: f64, dir: Pt },
    /// Rounded grain: radius `r · (1 + Σ_k cos_k · cos kθ − sin_k · sin kθ)` for k = 2, 3, 5,
    /// the harmonics' amplitudes summing to at most 0.5.
    Blob {
        c: Pt,
        /// Mean radius in µm.
        r: f64,
        /// `amplitude · cos(phase)` per harmonic k = 2, 3, 5 (amplitudes scaled to sum ≤ 0.5).
        cos_k: [f64; 3],
        /// `amplitude · sin(phase)` per harmonic.
        sin_k: [f64; 3],
    },
}

/// Where a square block of subsamples lies relative to a shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Region {
    /// No point of the block is within the margin of the shape.
    Outside,
    /// Every point of the block is inside, at least `depth` µm from the outline.
    Inside { depth: f64 },
    /// The outline may cross the block.
    Mixed,
}

/// Euclidean length of `(x, y)` (plain square root: `hypot` is several times slower).
#[inline]
pub(crate) fn norm(x: f64, y: f64) -> f64 {
    (x * x + y * y).sqrt()
}

/// Unit vector at angle `theta`.
pub(crate) fn unit_dir(theta: f64) -> Pt {
    let (s, c) = theta.sin_cos();
    [c, s]
}

impl Shape {
    /// A blob with harmonic amplitudes `amp` (k = 2, 3, 5) and phases `phase`.
    ///
    /// Amplitudes are fractions of `r`; when their absolute values sum above 0.5 they are scaled
    /// down together so the radius stays positive (at least `r / 2`). Phases are in radians.
    pub(crate) fn blob(c: Pt, r: f64, amp: [f64; 3], phase: [f64; 3]) -> Self {
        let total: f64 = amp.iter().map(|a| a.abs()).sum();
        let scale = if total > 0.5 { 0.5 / total } else { 1.0 };
        let mut cos_k = [0.0; 3];
        let mut sin_k = [0.0; 3];
        for k in 0..3 {
            cos_k[k] = amp[k] * scale * phase[k].cos();
            sin_k[k] = amp[k] * scale * phase[k].sin();
        }
        Self::Blob { c, r, cos_k, sin_k }
    }

    /// The shape's centre `c`, µm.
    pub(crate) fn centre(&self) -> Pt {
        match *self {
            Self::Rect { c, .. } | Self::Ellipse { c, .. } | Self::Blob { c, .. } => c,
        }
    }

    /// Moves the shape by `d` µm (its orientation and size are unchanged).
    pub(crate) fn translate(&mut self, d: Pt) {
        let c = match self {
            Self::Rect { c, .. } | Self::Ellipse { c, .. } | Self::Blob { c, .. } => c,
        };
        c[0] += d[0];
        c[1] += d[1];
    }

    /// Coordinates of `p` along and across the long axis, relative to the centre.
    fn local(c: Pt, dir: Pt, p: Pt) -> Pt {
        let (dx, dy) = (p[0] - c[0], p[1] - c[1]);
        [dx * dir[0] + dy * dir[1], -dx * dir[1] + dy * dir[0]]
    }

    /// Along/across coordinates for rectangles and ellipses; offset for blobs.
    pub(crate) fn local_of(&self, p: Pt) -> Pt {
        match *self {
            Self::Rect { c, dir, .. } | Self::Ellipse { c, dir, .. } => Self::local(c, dir, p),
            Self::Blob { c, .. } => [p[0] - c[0], p[1] - c[1]],
        }
    }

    /// Signed distance in µm, negative inside: exact for rectangles, close near the outline
    /// for ellipses and blobs (enough for anti-aliasing and zoning depth).
    pub(crate) fn sd(&self, p: Pt) -> f64 {
        match *self {
            Self::Rect {
                c,
                half_len,
                half_wid,
                dir,
            } => {
                let [u, v] = Self::local(c, dir, p);
                let qx = u.abs() - half_len;
                let qy = v.abs() - half_wid;
                let out = norm(qx.max(0.0), qy.max(0.0));
                out + qx.max(qy).min(0.0)
            }
            Self::Ellipse { c, a, b, dir } => {
                let [x, y] = Self::local(c, dir, p);
                let k0 = norm(x / a, y / b);
                let k1 = norm(x / (a * a), y / (b * b));
                if k1 < 1e-12 { -b } else { k0 * (k0 - 1.0) / k1 }
            }
            Self::Blob { c, r, cos_k, sin_k } => {
                let (x, y) = (p[0] - c[0], p[1] - c[1]);
                let rho = norm(x, y);
                if rho < 1e-12 {
                    return -r * (1.0 - 0.5);
                }
                let (ct, st) = (x / rho, y / rho);
                // cos kθ, sin kθ by complex powers: no trigonometry per subsample.
                let (c2, s2) = (ct * ct - st * st, 2.0 * ct * st);
                let (c3, s3) = (c2 * ct - s2 * st, c2 * st + s2 * ct);
                let (c5, s5) = (c3 * c2 - s3 * s2, c3 * s2 + s3 * c2);
                let wobble = cos_k[0] * c2 - sin_k[0] * s2 + cos_k[1] * c3 - sin_k[1] * s3
                    + cos_k[2] * c5
                    - sin_k[2] * s5;
                rho - r * (1.0 + wobble)
            }
        }
    }

    /// Smallest and largest distance from the centre to the outline.
    fn radii(&self) -> (f64, f64) {
        match *self {
            Self::Rect {
                half_len, half_wid, ..
            } => (half_wid.min(half_len), norm(half_len, half_wid)),
            Self::Ellipse { a, b, .. } => (b, a),
            Self::Blob {
                r, cos_k, sin_k, ..
            } => {
                let amp: f64 = (0..3).map(|k| norm(cos_k[k], sin_k[k])).sum();
                (r * (1.0 - amp), r * (1.0 + amp))
            }
        }
    }

    /// A bound on how fast [`Shape::sd`] changes per µm near the outline, so that a painter
    /// may step over subsamples whose state cannot change.
    pub(crate) fn lipschitz(&self) -> f64 {
        match *self {
            Self::Rect { .. } => 1.0,
            Self::Ellipse { a, b, .. } => (a / b).max(1.0),
            Self::Blob { cos_k, sin_k, .. } => {
                let amp: Vec<f64> = (0..3).map(|k| norm(cos_k[k], sin_k[k])).collect();
                let slope = 2.0 * amp[0] + 3.0 * amp[1] + 5.0 * amp[2];
                1.0 + slope / (1.0 - amp.iter().sum::<f64>())
            }
        }
    }

    /// Largest distance from the centre to any point of the shape (for margins).
    pub(crate) fn extent(&self) -> f64 {
        self.radii().1
    }

    /// Smallest full width in µm.
    pub(crate) fn thickness(&self) -> f64 {
        2.0 * self.radii().0
    }

    /// Area in µm².
    pub(crate) fn area(&self) -> f64 {
        match *self {
            Self::Rect {
                half_len, half_wid, ..
            } => 4.0 * half_len * half_wid,
            Self::Ellipse { a, b, .. } => std::f64::consts::PI * a * b,
            Self::Blob {
                r, cos_k, sin_k, ..
            } => {
                let sq: f64 = (0..3).map(|k| cos_k[k].powi(2) + sin_k[k].powi(2)).sum();
                std::f64::consts::PI * r * r * (1.0 + 0.5 * sq)
            }
        }
    }

    /// Axis-aligned bounding box `[x0, y0, x1, y1]`.
    pub(crate) fn bbox(&self) -> [f64; 4] {
        let c = self.centre();
        let (ex, ey) = match *self {
            Self::Rect {
                half_len,
                half_wid,
                dir,
                ..
            } => (
                half_len * dir[0].abs() + half_wid * dir[1].abs(),
                half_len * dir[1].abs() + half_wid * dir[0].abs(),
            ),
            Self::Ellipse { a, b, dir, .. } => {
                (norm(a * dir[0], b * dir[1]), norm(a * dir[1], b * dir[0]))
            }
            Self::Blob { .. } => {
                let e = self.extent();
                (e, e)
            }
        };
        [c[0] - ex, c[1] - ey, c[0] + ex, c[1] + ey]
    }

    /// Classifies a block with centre `p` and half-diagonal `h` (µm), conservatively.
    pub(crate) fn classify(&self, p: Pt, h: f64) -> Region {
        // Rectangles: exact distance. Others: inscribed and circumscribed circles.
        let (lo, hi, dist) = if let Self::Rect { .. } = self {
            let sd = self.sd(p);
            (-sd, -sd, 0.0)
        } else {
            let c = self.centre();
            let (rmin, rmax) = self.radii();
            (rmin, rmax, norm(p[0] - c[0], p[1] - c[1]))
        };
        if dist - hi > h {
            Region::Outside
        } else if dist + h < lo {
            Region::Inside {
                depth: lo - dist - h,
            }
        } else {
            Region::Mixed
        }
    }

    /// The x-interval (µm) where the horizontal line at `y` meets the shape grown by `margin`
    /// (a superset for ellipses and blobs), or `None`.
    pub(crate) fn row_span(&self, y: f64, margin: f64) -> Option<(f64, f64)> {
        let c = self.centre();
        let dy = y - c[1];
        if let Self::Rect {
            half_len,
            half_wid,
            dir,
            ..
        } = *self
        {
            // |dx·dir.x + dy·dir.y| ≤ half_len + m and |−dx·dir.y + dy·dir.x| ≤ half_wid + m.
            let along = slab(dir[0], dy * dir[1], half_len + margin)?;
            let across = slab(-dir[1], dy * dir[0], half_wid + margin)?;
            let (lo, hi) = (along.0.max(across.0), along.1.min(across.1));
            return (lo <= hi).then_some((c[0] + lo, c[0] + hi));
        }
        let r = self.extent() + margin;
        (dy.abs() <= r).then(|| {
            let half = (r * r - dy * dy).sqrt();
            (c[0] - half, c[0] + half)
        })
    }

    /// Distance from the centre to the outline along the unit vector `dir` (bisection).
    pub(crate) fn radius_along(&self, dir: Pt) -> f64 {
        let c = self.centre();
        let (mut lo, mut hi) = (0.0, self.extent() * 1.01 + 1e-9);
        for _ in 0..40 {
            let mid = 0.5 * (lo + hi);
            if self.sd([c[0] + mid * dir[0], c[1] + mid * dir[1]]) < 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }
}

/// Solutions `x` of `|a·x + b| ≤ h` as an interval, or `None`.
fn slab(a: f64, b: f64, h: f64) -> Option<(f64, f64)> {
    if a.abs() < 1e-12 {
        return (b.abs() <= h).then_some((f64::NEG_INFINITY, f64::INFINITY));
    }
    let (x0, x1) = ((-h - b) / a, (h - b) / a);
    Some((x0.min(x1), x0.max(x1)))
}

#[cfg(test)]
mod tests;
