//! From the painted rock to an 8-bit BSE image and its mask: pixel integration (mean η and
//! majority label of each pixel's subsamples), beam blur, detector response with per-session
//! gain and offset, shot and detector noise, scan-line jitter, and 8-bit quantisation.

use super::canvas::Canvas;
use super::phase::class;
use super::tile::Acquisition;
use crate::rng::Rng;

/// Subsamples per pixel side.
pub(crate) const SS: usize = 3;

/// Mean η and majority label per pixel of an `n × n` image from a `3n × 3n` canvas. A tie goes
/// to the centre subsample's label when it is among the tied, as an annotator labels what lies
/// under the cursor.
pub(crate) fn integrate(canvas: &Canvas, n: usize) -> (Vec<f32>, Vec<u8>) {
    let m = canvas.n;
    let mut eta = Vec::with_capacity(n * n);
    let mut labels = Vec::with_capacity(n * n);
    for py in 0..n {
        for px in 0..n {
            let mut sum = 0.0f32;
            let mut counts = [0u8; 16];
            for dy in 0..SS {
                let row = (py * SS + dy) * m + px * SS;
                for dx in 0..SS {
                    sum += canvas.eta[row + dx];
                    counts[usize::from(canvas.label[row + dx]) & 15] += 1;
                }
            }
            let centre = canvas.label[(py * SS + SS / 2) * m + px * SS + SS / 2];
            let mut best = centre;
            for (c, &k) in counts.iter().enumerate().take(class::COUNT) {
                if k > counts[usize::from(best)] {
                    best = c as u8;
                }
            }
            eta.push(sum / (SS * SS) as f32);
            labels.push(best);
        }
    }
    (eta, labels)
}

/// Grey levels: `gain · η · shading + offset`, plus shot noise (variance ∝ signal), detector
/// noise and a per-line offset, rounded and clipped to 0–255.
pub(crate) fn expose(eta: &[f32], n: usize, acq: &Acquisition, rng: &mut Rng) -> Vec<u8> {
    let (sin, cos) = acq.shading_angle.sin_cos();
    let mut out = Vec::with_capacity(eta.len());
    for y in 0..n {
        let line = acq.line_jitter * rng.normal();
        let fy = (y as f64 + 0.5) / n as f64 - 0.5;
        for x in 0..n {
            let fx = (x as f64 + 0.5) / n as f64 - 0.5;
            let shade = 1.0 + 2.0 * acq.shading * (fx * cos + fy * sin);
            let electrons = (acq.gain * f64::from(eta[y * n + x]) * shade).max(0.0);
            let sigma = (acq.shot_noise.powi(2) * electrons + acq.detector_noise.powi(2)).sqrt();
            let grey = electrons + acq.offset + line + sigma * rng.normal();
            out.push(grey.round().clamp(0.0, 255.0) as u8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_label_and_mean_eta() {
        let mut canvas = Canvas::new(6, 1.0);
        // Pixel (0,0): 5 of 9 subsamples troilite; pixel (1,0): 4 of 9, centre not troilite.
        for &(x, y) in &[
            (0, 0),
            (1, 0),
            (2, 0),
            (0, 1),
            (1, 1),
            (3, 0),
            (4, 0),
            (5, 0),
            (3, 1),
        ] {
            canvas.label[y * 6 + x] = class::TROILITE;
            canvas.eta[y * 6 + x] = 0.9;
        }
        let (eta, labels) = integrate(&canvas, 2);
        assert_eq!(labels[0], class::TROILITE);
        assert_eq!(labels[1], class::VOID);
        let void = canvas.eta[35];
        assert!((eta[0] - (5.0 * 0.9 + 4.0 * void) / 9.0).abs() < 1e-6);
    }

    #[test]
    fn noise_grows_with_signal() {
        let acq = Acquisition {
            gain: 1000.0,
            offset: 0.0,
            shot_noise: 0.8,
            detector_noise: 0.5,
            line_jitter: 0.0,
            beam_spot: 0.1,
            fast_scan: false,
            shading: 0.0,
            shading_angle: 0.0,
        };
        let n = 64;
        let sd = |eta: f32| {
            let img = expose(&vec![eta; n * n], n, &acq, &mut Rng::new(1));
            let mean = img.iter().map(|&v| f64::from(v)).sum::<f64>() / (n * n) as f64;
            let var = img
                .iter()
                .map(|&v| (f64::from(v) - mean).powi(2))
                .sum::<f64>();
            (var / (n * n) as f64).sqrt()
        };
        let (dark, bright) = (sd(0.05), sd(0.2));
        assert!(
            bright > 1.6 * dark,
            "σ at η 0.2 is {bright}, at 0.05 {dark}"
        );
        assert!((bright - (0.64f64 * 200.0 + 0.25).sqrt()).abs() < 1.0);
    }
}
