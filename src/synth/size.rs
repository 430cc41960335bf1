//! Grain-size distributions in µm: log-uniform between the sizes of the reference table
//! (optionally skewed towards the small end), or a truncated power law for accessory grains,
//! where many tiny grains and few large ones put most of the area in grains of a few µm. Each
//! gives the moments the scene needs to turn a target area fraction into a number of grains.

use crate::rng::Rng;

/// How sizes spread between `lo` and `hi`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Law {
    /// `lo · (hi/lo)^(u^skew)` for uniform `u`: log-uniform when `skew` is 1.
    Skew(f64),
    /// Number density ∝ size^−alpha (alpha > 1, alpha ≠ 3).
    Power(f64),
}

/// A size distribution over `[lo, hi]` µm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SizeDist {
    pub lo: f64,
    pub hi: f64,
    pub law: Law,
}

impl SizeDist {
    /// Log-uniform over `[lo, hi]`.
    pub(crate) const fn log(lo: f64, hi: f64) -> Self {
        Self::skewed(lo, hi, 1.0)
    }

    /// Log-uniform with the uniform variable raised to `skew`: more small grains.
    pub(crate) const fn skewed(lo: f64, hi: f64, skew: f64) -> Self {
        Self {
            lo,
            hi,
            law: Law::Skew(skew),
        }
    }

    /// Truncated power law with number density ∝ size^−alpha.
    pub(crate) const fn power(lo: f64, hi: f64, alpha: f64) -> Self {
        Self {
            lo,
            hi,
            law: Law::Power(alpha),
        }
    }

    /// The same distribution with every size multiplied by `factor`.
    pub(crate) fn scaled(self, factor: f64) -> Self {
        Self {
            lo: self.lo * factor,
            hi: self.hi * factor,
            law: self.law,
        }
    }

    /// Inverse of the cumulative distribution.
    fn at(self, u: f64) -> f64 {
        match self.law {
            Law::Skew(skew) => self.lo * (self.hi / self.lo).powf(u.powf(skew)),
            Law::Power(alpha) => {
                let e = 1.0 - alpha;
                let (a, b) = (self.lo.powf(e), self.hi.powf(e));
                (a + u * (b - a)).powf(1.0 / e)
            }
        }
    }

    pub(crate) fn sample(self, rng: &mut Rng) -> f64 {
        self.at(rng.f64())
    }

    /// E[X^p]: closed form for power laws, midpoint quadrature otherwise.
    pub(crate) fn moment(self, p: f64) -> f64 {
        const N: usize = 96;
        match self.law {
            Law::Power(alpha) => {
                let e = 1.0 - alpha;
                let norm = e / (self.hi.powf(e) - self.lo.powf(e));
                let q = p + e;
                if q.abs() < 1e-9 {
                    norm * (self.hi / self.lo).ln()
                } else {
                    norm * (self.hi.powf(q) - self.lo.powf(q)) / q
                }
            }
            Law::Skew(_) => {
                (0..N)
                    .map(|i| self.at((i as f64 + 0.5) / N as f64).powf(p))
                    .sum::<f64>()
                    / N as f64
            }
        }
    }

    /// The share of grains at least `size` µm and their distribution: grains far below a
    /// subsample change no pixel visibly, so the scene may skip them. Exact for power laws;
    /// other laws are returned whole.
    pub(crate) fn above(self, size: f64) -> (f64, Self) {
        match self.law {
            Law::Power(alpha) if size > self.lo => {
                if size >= self.hi {
                    return (0.0, self);
                }
                let e = 1.0 - alpha;
                let share = (self.hi.powf(e) - size.powf(e)) / (self.hi.powf(e) - self.lo.powf(e));
                (share, Self { lo: size, ..self })
            }
            _ => (1.0, self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_uniform_moments_match_closed_forms() {
        let d = SizeDist::log(100.0, 1000.0);
        let ln = 10f64.ln();
        let want_sq = (1000f64.powi(2) - 100f64.powi(2)) / (2.0 * ln);
        assert!((d.moment(2.0) / want_sq - 1.0).abs() < 1e-3);
        let want_inv = (1.0 / 100.0 - 1.0 / 1000.0) / ln;
        assert!((d.moment(-1.0) / want_inv - 1.0).abs() < 1e-3);
    }

    #[test]
    fn sampling_agrees_with_moments() {
        let mut rng = Rng::new(3);
        let n = 200_000;
        for d in [
            SizeDist::skewed(1.0, 50.0, 1.6),
            SizeDist::power(1.0, 50.0, 3.2),
        ] {
            let mean_sq = (0..n).map(|_| d.sample(&mut rng).powi(2)).sum::<f64>() / f64::from(n);
            assert!(
                (mean_sq / d.moment(2.0) - 1.0).abs() < 0.05,
                "{d:?}: {mean_sq} vs {}",
                d.moment(2.0)
            );
            assert!(d.moment(1.0) < SizeDist::log(1.0, 50.0).moment(1.0));
        }
    }

    #[test]
    fn power_law_puts_most_area_in_small_grains_and_truncates_exactly() {
        let d = SizeDist::power(1.0, 50.0, 3.2);
        let (share, big) = d.above(10.0);
        let area_big = share * big.moment(2.0) / d.moment(2.0);
        assert!(area_big < 0.4, "area in grains above 10 µm: {area_big}");
        let mut rng = Rng::new(9);
        let n = 100_000;
        let counted = (0..n).filter(|_| d.sample(&mut rng) >= 10.0).count();
        assert!((counted as f64 / f64::from(n) - share).abs() < 0.003);
        assert_eq!(d.above(0.5), (1.0, d));
    }
}
