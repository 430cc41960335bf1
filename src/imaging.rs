//! Image filters shared by the synthetic generator (`synth`: the beam's blur) and training
//! augmentation (`model::train::batch`: blur of a crop), so that neither imports the other.
//!
//! Images are square `n × n` planes of `f32`, row-major; values keep their units (η, or grey
//! / 255), the filters only mix neighbours.
//!
//! `window` maps stored grey levels to displayed ones (the TUI's contrast stretch and manual
//! window/level).

pub mod window;

/// 1-D Gaussian taps for `sigma` px, summing to 1: radius ⌈3σ⌉, at least 1 and at most `n`.
fn gaussian_kernel(sigma: f64, n: usize) -> Vec<f32> {
    let radius = ((3.0 * sigma).ceil() as usize).clamp(1, n.max(1));
    let w: Vec<f64> = (0..=2 * radius)
        .map(|i| {
            let x = i as f64 - radius as f64;
            (-0.5 * x * x / (sigma * sigma)).exp()
        })
        .collect();
    let total: f64 = w.iter().sum();
    w.iter().map(|v| (v / total) as f32).collect()
}

/// Separable Gaussian blur of an `n × n` image with `sigma` in pixels, edges clamped.
/// Skipped below a quarter pixel, where it changes nothing visible.
pub fn blur(img: &mut [f32], n: usize, sigma: f64) {
    if sigma < 0.25 || n == 0 {
        return;
    }
    let kernel = gaussian_kernel(sigma, n);
    let r = kernel.len() / 2;
    let mut tmp = vec![0.0f32; img.len()];
    let clamp = |i: isize| i.clamp(0, n as isize - 1) as usize;
    for y in 0..n {
        let row = &img[y * n..(y + 1) * n];
        for x in 0..n {
            let mut acc = 0.0;
            for (k, w) in kernel.iter().enumerate() {
                acc += w * row[clamp(x as isize + k as isize - r as isize)];
            }
            tmp[y * n + x] = acc;
        }
    }
    for y in 0..n {
        for x in 0..n {
            let mut acc = 0.0;
            for (k, w) in kernel.iter().enumerate() {
                acc += w * tmp[clamp(y as isize + k as isize - r as isize) * n + x];
            }
            img[y * n + x] = acc;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blur_keeps_the_mean_and_spreads_an_edge() {
        let n = 32;
        let mut img: Vec<f32> = (0..n * n)
            .map(|i| if i % n < n / 2 { 0.0 } else { 1.0 })
            .collect();
        let before: f32 = img.iter().sum();
        blur(&mut img, n, 2.0);
        let after: f32 = img.iter().sum();
        assert!((before - after).abs() < 1e-2);
        let edge = img[5 * n + n / 2 - 1];
        assert!(edge > 0.2 && edge < 0.5, "pixel left of the edge is {edge}");
    }
}
