use super::*;

/// Deterministic noise in −n..=n grey levels.
pub(crate) fn noise(i: usize, n: i32) -> i32 {
    let x = (i as u64)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    ((x >> 33) % (2 * n as u64 + 1)) as i32 - n
}

/// A 64×64 image: left half plagioclase (class 5, grey 80), right half pyroxene (class 4,
/// grey 110), both ±6 levels of noise; `plant` paints a plagioclase-grey square inside the
/// pyroxene half while its label stays 4.
pub(crate) fn scene(plant: Option<(usize, usize, usize)>, py_grey: i32) -> (Vec<u8>, Vec<u8>) {
    let w = 64;
    (0..w * w)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let planted = plant
                .is_some_and(|(x0, y0, s)| (x0..x0 + s).contains(&x) && (y0..y0 + s).contains(&y));
            let (t, g) = if x < 32 {
                (5, 80)
            } else if planted {
                (4, 80)
            } else {
                (4, py_grey)
            };
            ((g + noise(i, 6)).clamp(0, 255) as u8, t)
        })
        .unzip()
}

#[test]
fn a_plagioclase_grey_square_labelled_pyroxene_is_found_with_its_box() {
    let (grey, truth) = scene(Some((40, 20, 12)), 110);
    let r = odd_regions(&grey, &truth, 64, 10);
    assert_eq!(r.len(), 1, "{r:?}");
    let r = r[0];
    assert_eq!((r.claimed, r.resembles), (4, 5));
    // Noise may push a few edge pixels either way: the square is 144 px.
    assert!((130..=150).contains(&r.pixels), "{}", r.pixels);
    assert!(
        r.bbox[0].abs_diff(40) <= 1 && r.bbox[1].abs_diff(20) <= 1,
        "{:?}",
        r.bbox
    );
    assert!(
        r.bbox[2].abs_diff(51) <= 1 && r.bbox[3].abs_diff(31) <= 1,
        "{:?}",
        r.bbox
    );
    assert!((r.grey - 80.0).abs() < 2.0, "{}", r.grey);
    assert!((r.claimed_centre - 110.0).abs() < 2.0 && (r.resembled_centre - 80.0).abs() < 2.0);
    assert!((r.evidence - 1.0).abs() < 1e-9, "{}", r.evidence);
}

#[test]
fn a_clean_mask_has_no_odd_region() {
    let (grey, truth) = scene(None, 110);
    assert_eq!(odd_regions(&grey, &truth, 64, 10), Vec::new());
}

#[test]
fn classes_grey_cannot_tell_apart_are_never_compared() {
    // Olivine-like case: the two classes sit 4 levels apart under ±6 noise, so the square
    // "looks like" the other class no more than its own pixels do.
    let (grey, truth) = scene(Some((40, 20, 12)), 84);
    assert_eq!(odd_regions(&grey, &truth, 64, 10), Vec::new());
}

#[test]
fn unlabelled_pixels_and_classes_without_a_centre_are_left_out() {
    let (grey, mut truth) = scene(Some((40, 20, 12)), 110);
    // The plagioclase half unlabelled: pyroxene has nothing to be compared with.
    for (i, t) in truth.iter_mut().enumerate() {
        if i % 64 < 32 {
            *t = 255;
        }
    }
    assert_eq!(odd_regions(&grey, &truth, 64, 10), Vec::new());
    assert_eq!(odd_regions(&grey, &truth, 0, 10), Vec::new());
    assert_eq!(odd_regions(&grey[..10], &truth, 64, 10), Vec::new());
}

#[test]
fn box_sums_replicate_the_edges() {
    let grey = [1u8, 2, 3, 4, 5, 6];
    // 3 wide, 2 high: the top-left sum reads rows 0, 0, 1 and columns 0, 0, 1.
    let s = box3(&grey, 3);
    assert_eq!(s[0], 2 * (1 + 1 + 2) + (4 + 4 + 5));
    assert_eq!(s[4], (1 + 2 + 3) + 2 * (4 + 5 + 6));
}

#[test]
fn a_thin_dark_line_through_a_class_is_not_a_region() {
    // A 2-px-wide line of plagioclase grey across the pyroxene half, labelled Py: a fracture,
    // not a grain (its core share is 0).
    let (mut grey, truth) = scene(None, 110);
    for y in 0..64 {
        for x in 44..46 {
            grey[y * 64 + x] = 80;
        }
    }
    assert_eq!(odd_regions(&grey, &truth, 64, 10), Vec::new());
}
