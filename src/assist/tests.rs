//! Feature tests against analytic values: kernels' moments, a constant, an impulse, a quadratic
//! surface, and invariance to the grey levels' gain and offset.
// Exact equality is the point where these tests compare floats: copies and invariances.
#![allow(clippy::float_cmp)]

use super::features::{FeatureSettings, Features, scale_planes};
use super::filters::{Kernel, eigen2, reflect, smooth};
use super::{AssistError, Channel, Family, Percentiles};

fn moments(k: &Kernel) -> [f64; 3] {
    let r = k.radius as f64;
    let mut m = [0.0; 3];
    for (i, &t) in k.taps.iter().enumerate() {
        let x = i as f64 - r;
        m[0] += f64::from(t);
        m[1] += x * f64::from(t);
        m[2] += x * x * f64::from(t);
    }
    m
}

#[test]
fn reflect_mirrors_without_repeating_the_edge() {
    let got: Vec<usize> = (-3..8).map(|i| reflect(i, 5)).collect();
    assert_eq!(got, [3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1]);
    assert_eq!(reflect(-9, 5), 1);
    assert_eq!(reflect(17, 1), 0);
}

#[test]
fn kernels_are_cut_at_3_5_sigma_with_exact_moments() {
    let k0 = Kernel::gaussian(10.0, 0);
    assert_eq!(k0.radius, 35);
    assert_eq!(Kernel::gaussian(0.3, 0).radius, 2);
    for sigma in [0.7, 1.0, 3.5] {
        let [s0, ..] = moments(&Kernel::gaussian(sigma, 0));
        assert!((s0 - 1.0).abs() < 1e-6, "{sigma}: {s0}");
        let [s0, s1, _] = moments(&Kernel::gaussian(sigma, 1));
        assert!(
            s0.abs() < 1e-6 && (s1 - 1.0).abs() < 1e-6,
            "{sigma}: {s0} {s1}"
        );
        let [s0, s1, s2] = moments(&Kernel::gaussian(sigma, 2));
        assert!(s0.abs() < 1e-6 && s1.abs() < 1e-6, "{sigma}: {s0} {s1}");
        assert!((s2 - 2.0).abs() < 1e-5, "{sigma}: {s2}");
    }
}

#[test]
fn smoothing_a_constant_gives_the_constant_and_no_derivatives() {
    let (w, h) = (23, 17);
    let plane = vec![0.37f32; w * h];
    for (channel, values) in scale_planes(&plane, w, 3.5, &FeatureSettings::default()) {
        let expected = if channel.family == Family::Gaussian {
            0.37
        } else {
            0.0
        };
        for v in values {
            assert!((v - expected).abs() < 1e-5, "{channel:?}: {v}");
        }
    }
}

#[test]
fn smoothing_an_impulse_sums_to_one_with_the_gaussian_peak() {
    let side = 64;
    let mut plane = vec![0.0f32; side * side];
    plane[32 * side + 32] = 1.0;
    let out = smooth(&plane, side, 3.5);
    let sum: f64 = out.iter().map(|&v| f64::from(v)).sum();
    assert!((sum - 1.0).abs() < 1e-5, "{sum}");
    let peak = f64::from(out[32 * side + 32]);
    let analytic = 1.0 / (2.0 * std::f64::consts::PI * 3.5 * 3.5);
    assert!((peak / analytic - 1.0).abs() < 0.01, "{peak} vs {analytic}");
    // Symmetric, and one pixel off the centre falls as exp(−1 / 2σ²).
    let right = f64::from(out[32 * side + 33]);
    assert!((right - f64::from(out[31 * side + 32])).abs() < 1e-9);
    assert!((right / peak - (-1.0 / 24.5f64).exp()).abs() < 1e-4);
}

/// f = a·x²/2 + b·x·y + c·y²/2 around the centre: Hessian [[a, b], [b, c]] everywhere,
/// gradient (a·x + b·y, b·x + c·y).
#[test]
fn derivative_features_of_a_quadratic_surface_are_analytic() {
    let (side, a, b, c) = (112usize, 0.01f64, 0.004, -0.006);
    let centre = (side / 2) as f64;
    let plane: Vec<f32> = (0..side * side)
        .map(|i| {
            let (x, y) = ((i % side) as f64 - centre, (i / side) as f64 - centre);
            (a * x * x / 2.0 + b * x * y + c * y * y / 2.0) as f32
        })
        .collect();
    let (large, small) = eigen2(a as f32, b as f32, c as f32);
    let settings = FeatureSettings {
        structure_tensor: false,
        ..FeatureSettings::default()
    };
    for sigma in [0.7, 1.0, 1.6, 3.5, 5.0] {
        let planes = scale_planes(&plane, side, sigma, &settings);
        let at = |family: Family, x: usize, y: usize| {
            let (_, p) = planes.iter().find(|(ch, _)| ch.family == family).unwrap();
            f64::from(p[y * side + x])
        };
        for (x, y) in [(56, 56), (50, 60), (62, 49)] {
            let near = |got: f64, want: f64| {
                assert!(
                    (got - want).abs() < 2e-4,
                    "σ {sigma} ({x},{y}): {got} vs {want}"
                );
            };
            near(at(Family::LaplacianOfGaussian, x, y), a + c);
            near(at(Family::HessianLarge, x, y), f64::from(large));
            near(at(Family::HessianSmall, x, y), f64::from(small));
            let (dx, dy) = (x as f64 - centre, y as f64 - centre);
            let gradient = (a * dx + b * dy).hypot(b * dx + c * dy);
            near(at(Family::GradientMagnitude, x, y), gradient);
        }
    }
    assert!((large - 0.010_944).abs() < 1e-5 && (small + 0.006_944).abs() < 1e-5);
}

#[test]
fn channel_order_is_family_major_and_matches_the_computed_planes() {
    let all = FeatureSettings::default().channels();
    assert_eq!(all.len(), 49);
    let sigmas: Vec<f32> = all[..7].iter().map(|c| c.sigma).collect();
    assert_eq!(sigmas, [0.3, 0.7, 1.0, 1.6, 3.5, 5.0, 10.0]);
    assert!(all[..7].iter().all(|c| c.family == Family::Gaussian));
    assert_eq!(
        all[7],
        Channel {
            family: Family::LaplacianOfGaussian,
            sigma: 0.7
        }
    );
    assert_eq!(all[48].family, Family::HessianSmall);
    let lean = FeatureSettings {
        structure_tensor: false,
        ..FeatureSettings::default()
    };
    assert_eq!(lean.channels().len(), 37);
    let image: Vec<u8> = (0..30 * 20).map(|i| (i * 7 % 251) as u8).collect();
    let f = Features::compute(&image, 30, 20, &lean).unwrap();
    assert_eq!(f.channels(), lean.channels().as_slice());
}

fn textured(w: usize, h: usize) -> Vec<u8> {
    (0..w * h)
        .map(|i| {
            let (x, y) = ((i % w) as f64, (i / w) as f64);
            (60.0 + 25.0 * (x / 5.0).sin() * (y / 7.0).cos() + (i * 37 % 11) as f64) as u8
        })
        .collect()
}

#[test]
fn percentile_normalisation_removes_gain_and_offset() {
    let (w, h) = (40, 33);
    let dim = textured(w, h);
    let bright: Vec<u8> = dim.iter().map(|&g| 2 * g + 10).collect();
    let p = Percentiles::of(&dim);
    assert_eq!(
        Percentiles::of(&bright),
        Percentiles {
            low: 2 * p.low + 10,
            high: 2 * p.high + 10
        }
    );
    let settings = FeatureSettings::default();
    let a = Features::compute(&dim, w, h, &settings).unwrap();
    let b = Features::compute(&bright, w, h, &settings).unwrap();
    for c in 0..a.n_channels() {
        assert_eq!(a.plane(c), b.plane(c), "channel {:?}", a.channels()[c]);
    }
    let normalised = p.apply(&dim);
    assert!(normalised.iter().all(|v| (0.0..=1.0).contains(v)));
    assert!(normalised.contains(&0.0) && normalised.contains(&1.0));
}

#[test]
fn percentiles_are_nearest_rank() {
    // 200 pixels: two of grey 5, then 196 of grey 100, then two of 250.
    let mut image = vec![100u8; 200];
    image[..2].fill(5);
    image[198..].fill(250);
    // 1 % of 200 is rank 2 (grey 5); 99 % is rank 198 (grey 100).
    assert_eq!(Percentiles::of(&image), Percentiles { low: 5, high: 100 });
    assert_eq!(
        Percentiles { low: 7, high: 7 }.apply(&[6, 7, 8]),
        [0.0, 0.0, 1.0]
    );
}

#[test]
fn rows_are_pixel_major_and_extra_channels_append() {
    let (w, h) = (9, 8);
    let image = textured(w, h);
    let mut f = Features::compute(&image, w, h, &FeatureSettings::default()).unwrap();
    f.push_extra(vec![0.25; w * h]).unwrap();
    assert_eq!(f.n_channels(), 50);
    assert_eq!(f.channels()[49].family, Family::Extra(0));
    let mut rows = Vec::new();
    f.rows(10, 3, &mut rows);
    assert_eq!(rows.len(), 150);
    assert_eq!(rows[50 + 4], f.plane(4)[11]);
    assert_eq!(rows[149], 0.25);
    let err = f.push_extra(vec![0.0; 5]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "extra channel has 5 values, but the image is 9x8: pass one value per pixel"
    );
}

#[test]
fn bad_inputs_are_refused_with_the_value() {
    let s = FeatureSettings::default();
    assert_eq!(
        Features::compute(&[1, 2, 3], 2, 2, &s).unwrap_err(),
        AssistError::Size {
            what: "image",
            len: 3,
            width: 2,
            height: 2
        }
    );
    let bad = FeatureSettings {
        scales: vec![1.0, -2.0],
        structure_tensor: false,
    };
    assert_eq!(
        Features::compute(&[1, 2, 3, 4], 2, 2, &bad).unwrap_err(),
        AssistError::BadScale { sigma: -2.0 }
    );
}
