//! Superpixel tests on small generated images: coverage, 4-connectivity, edge adherence,
//! segment count against the target, determinism, and the queries against brute force.

// Exact equality is the point where these compare floats: 1.0 means no straddling segment,
// and means of a few small integers are exact.
#![allow(clippy::float_cmp)]

use std::collections::VecDeque;

use super::snic::seeds;
use super::{SuperpixelError, SuperpixelSettings, Superpixels};
use crate::assist::synthetic::phase_tile;
use crate::rng::Rng;

fn settings(segment_size: usize, compactness: f32) -> SuperpixelSettings {
    SuperpixelSettings {
        segment_size,
        compactness,
        min_size: 0,
    }
}

/// Two flat regions (grey 70 left of column `edge`, 150 from it on) with Gaussian noise σ 6.
fn two_regions(width: usize, height: usize, edge: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    (0..width * height)
        .map(|i| {
            let base = if i % width < edge { 70.0 } else { 150.0 };
            (base + 6.0 * rng.normal()).clamp(0.0, 255.0) as u8
        })
        .collect()
}

/// Whether every segment's pixels form one 4-connected component (BFS from its first pixel
/// inside the segment reaches all of them).
fn all_connected(sp: &Superpixels) -> bool {
    let (w, h) = (sp.width(), sp.height());
    let labels = sp.labels();
    let mut seen = vec![false; labels.len()];
    (0..sp.count() as u32).all(|l| {
        let Some(start) = sp.pixels_of(l).next() else {
            return false;
        };
        let mut queue = VecDeque::from([start]);
        seen[start] = true;
        let mut reached = 0;
        while let Some(i) = queue.pop_front() {
            reached += 1;
            let (x, y) = (i % w, i / w);
            let mut next = Vec::with_capacity(4);
            if x > 0 {
                next.push(i - 1);
            }
            if x + 1 < w {
                next.push(i + 1);
            }
            if y > 0 {
                next.push(i - w);
            }
            if y + 1 < h {
                next.push(i + w);
            }
            for j in next {
                if labels[j] == l && !seen[j] {
                    seen[j] = true;
                    queue.push_back(j);
                }
            }
        }
        reached == sp.size_of(l)
    })
}

/// Fraction of pixels whose segment's majority class is their own class (achievable
/// segmentation accuracy): 1 when no segment straddles two classes.
fn achievable_accuracy(sp: &Superpixels, truth: &[u8]) -> f64 {
    let mut right = 0;
    for l in 0..sp.count() as u32 {
        let mut counts = [0usize; 256];
        sp.pixels_of(l).for_each(|i| counts[truth[i] as usize] += 1);
        right += counts.iter().max().copied().unwrap_or(0);
    }
    right as f64 / truth.len() as f64
}

#[test]
fn every_pixel_gets_a_segment_and_every_segment_is_4_connected() {
    let (grey, _) = phase_tile(96, 4, 16, 3);
    for (size, m) in [(150, 10.0), (40, 0.0), (400, 40.0), (7, 5.0)] {
        let sp = Superpixels::compute(&grey, 96, 96, &settings(size, m)).unwrap();
        assert_eq!(sp.labels().len(), 96 * 96);
        assert!(sp.labels().iter().all(|&l| (l as usize) < sp.count()));
        assert!((0..sp.count() as u32).all(|l| sp.size_of(l) > 0), "{size}");
        assert!(all_connected(&sp), "size {size}, compactness {m}");
    }
}

#[test]
fn no_segment_crosses_a_grey_edge() {
    // The edge at column 53 is not on the seed grid (12 px cells on 128 columns).
    let (w, h, edge) = (128, 96, 53);
    let grey = two_regions(w, h, edge, 7);
    let truth: Vec<u8> = (0..w * h).map(|i| u8::from(i % w >= edge)).collect();
    let sp = Superpixels::compute(&grey, w, h, &SuperpixelSettings::default()).unwrap();
    let pure = (0..sp.count() as u32)
        .filter(|&l| {
            let left = sp.pixels_of(l).filter(|&i| i % w < edge).count();
            left == 0 || left == sp.size_of(l)
        })
        .count();
    assert!(
        pure as f64 >= 0.99 * sp.count() as f64,
        "{pure} of {} pure",
        sp.count()
    );
    assert_eq!(achievable_accuracy(&sp, &truth), 1.0);
    // With compactness 0 too, and on a horizontal edge (the transposed image).
    let t: Vec<u8> = (0..w * h).map(|i| grey[(i % h) * w + i / h]).collect();
    let sp = Superpixels::compute(&t, h, w, &settings(150, 0.0)).unwrap();
    let truth_t: Vec<u8> = (0..w * h).map(|i| u8::from(i / h >= edge)).collect();
    assert_eq!(achievable_accuracy(&sp, &truth_t), 1.0);
}

#[test]
fn segments_follow_grain_boundaries_on_a_phase_tile() {
    // Two phases (grey 60 and 130, noise σ 8) in grains of about 32 px.
    let (grey, truth) = phase_tile(128, 2, 32, 11);
    let sp = Superpixels::compute(&grey, 128, 128, &SuperpixelSettings::default()).unwrap();
    let asa = achievable_accuracy(&sp, &truth);
    assert!(asa >= 0.995, "achievable accuracy {asa}");
}

#[test]
fn segment_count_is_near_the_target() {
    let (grey, _) = phase_tile(256, 4, 24, 5);
    for (w, h, size) in [
        (256, 256, 150),
        (256, 256, 400),
        (256, 100, 64),
        (37, 250, 30),
    ] {
        let sp = Superpixels::compute(&grey[..w * h], w, h, &settings(size, 10.0)).unwrap();
        let target = (w * h) as f64 / size as f64;
        let ratio = sp.count() as f64 / target;
        assert!(
            (0.7..=1.3).contains(&ratio),
            "{w}x{h}/{size}: {}",
            sp.count()
        );
    }
    let sp = Superpixels::compute(&grey, 256, 256, &settings(150, 10.0)).unwrap();
    assert_eq!(sp.count(), 21 * 21, "256 / √150 rounds to 21 seeds a side");
}

#[test]
fn one_pixel_segments_and_one_segment_images() {
    let (grey, _) = phase_tile(9, 2, 3, 1);
    let sp = Superpixels::compute(&grey, 9, 9, &settings(1, 10.0)).unwrap();
    assert_eq!(sp.labels(), (0..81).collect::<Vec<u32>>());
    let sp = Superpixels::compute(&grey, 9, 9, &settings(0, 10.0)).unwrap();
    assert_eq!(sp.count(), 81, "segment size 0 counts as 1");
    let sp = Superpixels::compute(&grey, 9, 9, &settings(10_000, 10.0)).unwrap();
    assert_eq!(sp.count(), 1);
    assert!(sp.labels().iter().all(|&l| l == 0));
    assert_eq!(sp.mean_grey(0).unwrap(), {
        let s: u32 = grey.iter().map(|&g| u32::from(g)).sum();
        s as f32 / 81.0
    });
    assert!(sp.boundary().iter().all(|&b| !b));
}

#[test]
fn seeds_are_distinct_for_every_size() {
    let (grey, _) = phase_tile(40, 4, 5, 2);
    for size in 1..60 {
        let mut s = seeds(&grey, 40, 23, size);
        let n = s.len();
        s.sort_unstable();
        s.dedup();
        assert_eq!(s.len(), n, "size {size}");
    }
}

#[test]
fn results_are_deterministic_and_depend_on_the_image() {
    let (grey, _) = phase_tile(128, 4, 20, 9);
    let a = Superpixels::compute(&grey, 128, 128, &SuperpixelSettings::default()).unwrap();
    let b = Superpixels::compute(&grey, 128, 128, &SuperpixelSettings::default()).unwrap();
    assert_eq!(a, b);
    let (other, _) = phase_tile(128, 4, 20, 10);
    let c = Superpixels::compute(&other, 128, 128, &SuperpixelSettings::default()).unwrap();
    assert_ne!(a.labels(), c.labels());
}

#[test]
fn the_index_holds_exactly_each_segments_pixels() {
    let (grey, _) = phase_tile(64, 4, 12, 4);
    let grey = &grey[..64 * 48];
    let sp = Superpixels::compute(grey, 64, 48, &settings(50, 8.0)).unwrap();
    let mut total = 0;
    for l in 0..sp.count() as u32 {
        let want: Vec<usize> = (0..64 * 48).filter(|&i| sp.labels()[i] == l).collect();
        assert_eq!(sp.pixels_of(l).collect::<Vec<_>>(), want);
        let mean = want.iter().map(|&i| f32::from(grey[i])).sum::<f32>() / want.len() as f32;
        assert!((sp.mean_grey(l).unwrap() - mean).abs() < 1e-3);
        total += want.len();
    }
    assert_eq!(total, 64 * 48);
    let past = sp.count() as u32;
    assert_eq!(sp.pixels_of(past).len(), 0);
    assert_eq!(sp.mean_grey(past), None);
}

#[test]
fn queries_give_labels_boundaries_and_stroke_segments() {
    // Labels by hand: 0 0 1 / 0 2 1 (3 x 2).
    let sp = Superpixels::from_labels(3, 2, vec![0, 0, 1, 0, 2, 1], &[10, 20, 30, 40, 50, 60], 3);
    assert_eq!(sp.label_at(2, 0), Some(1));
    assert_eq!(sp.label_at(1, 1), Some(2));
    assert_eq!(sp.label_at(3, 0), None);
    assert_eq!(sp.label_at(0, 2), None);
    // (1,0): right is 1; (0,1): right is 2; (1,0) below is 2; (2,*) right is outside.
    assert_eq!(sp.boundary(), [false, true, false, true, true, false]);
    assert!(!sp.is_boundary(6));
    assert_eq!(sp.segments_under(&[5, 0, 2, 3, 99]), [0, 1]);
    assert_eq!(sp.segments_under(&[]), Vec::<u32>::new());
    assert_eq!(sp.mean_grey(0), Some(70.0 / 3.0));
    assert_eq!(sp.pixels_of(1).collect::<Vec<_>>(), [2, 5]);
}

#[test]
fn smoothing_averages_probabilities_within_segments() {
    let sp = Superpixels::from_labels(3, 2, vec![0, 0, 1, 0, 2, 1], &[0; 6], 3);
    let mut probs = vec![
        1.0, 0.0, 0.5, 0.5, 0.2, 0.8, // row 0
        0.0, 1.0, 0.3, 0.7, 0.6, 0.4, // row 1
    ];
    sp.smooth_probabilities(&mut probs, 2).unwrap();
    let want = [
        0.5, 0.5, 0.5, 0.5, 0.4, 0.6, // segment 0 = (1 + .5 + 0) / 3
        0.5, 0.5, 0.3, 0.7, 0.4, 0.6,
    ];
    for (got, want) in probs.iter().zip(want) {
        assert!((got - want).abs() < 1e-6, "{probs:?}");
    }
    assert_eq!(
        sp.smooth_probabilities(&mut probs[..11], 2),
        Err(SuperpixelError::Probabilities {
            len: 11,
            pixels: 6,
            n_classes: 2
        })
    );
}

#[test]
fn bad_inputs_are_refused_with_the_facts() {
    let grey = [0u8; 12];
    let err = Superpixels::compute(&grey, 5, 3, &SuperpixelSettings::default()).unwrap_err();
    assert_eq!(
        err,
        SuperpixelError::Size {
            len: 12,
            width: 5,
            height: 3
        }
    );
    assert_eq!(
        err.to_string(),
        "the grey image has 12 values, but it is 5x3: pass one byte per pixel"
    );
    for m in [f32::NAN, -1.0, f32::INFINITY] {
        let err = Superpixels::compute(&grey, 4, 3, &settings(4, m)).unwrap_err();
        assert!(matches!(err, SuperpixelError::Compactness(_)), "{m}");
    }
    assert!(matches!(
        Superpixels::compute(&[], usize::MAX, 2, &SuperpixelSettings::default()),
        Err(SuperpixelError::TooLarge { .. })
    ));
    let empty = Superpixels::compute(&[], 0, 7, &SuperpixelSettings::default()).unwrap();
    assert_eq!((empty.count(), empty.label_at(0, 0)), (0, None));
}

#[test]
fn small_segments_are_merged_into_a_neighbour() {
    // Four phases, one of them speckled (±45 per pixel), leave SNIC specks behind.
    let (grey, _) = phase_tile(128, 4, 20, 8);
    let raw = Superpixels::compute(&grey, 128, 128, &settings(150, 10.0)).unwrap();
    let specks = (0..raw.count() as u32)
        .filter(|&l| raw.size_of(l) < 37)
        .count();
    assert!(specks > 10, "{specks} specks: the test needs some");
    let sp = Superpixels::compute(&grey, 128, 128, &SuperpixelSettings::default()).unwrap();
    assert!((0..sp.count() as u32).all(|l| sp.size_of(l) >= 37));
    assert!(all_connected(&sp));
    assert!(sp.count() < raw.count() && sp.count() >= raw.count() - specks);
    // Every merged segment is a union of SNIC segments: none is split.
    for r in 0..raw.count() as u32 {
        let merged = sp.segments_under(&raw.pixels_of(r).collect::<Vec<_>>());
        assert_eq!(merged.len(), 1, "SNIC segment {r} is split into {merged:?}");
    }
}
