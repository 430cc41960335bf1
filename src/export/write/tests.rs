use super::*;

#[test]
fn tiles_cover_the_image_and_end_at_the_edge() {
    assert_eq!(tile_origins(256, 256, None), Some(vec![(0, 0)]));
    assert_eq!(
        tile_origins(512, 256, Some(256)),
        Some(vec![(0, 0), (256, 0)])
    );
    assert_eq!(
        tile_origins(600, 300, Some(256)),
        Some(vec![
            (0, 0),
            (256, 0),
            (344, 0),
            (0, 44),
            (256, 44),
            (344, 44)
        ])
    );
    assert_eq!(tile_origins(200, 300, Some(256)), None);
}

#[test]
fn crop_takes_the_rectangle() {
    let px: Vec<u8> = (0..12).collect(); // 4×3
    assert_eq!(crop(&px, 4, 1, 1, 2, 2), vec![5, 6, 9, 10]);
    assert_eq!(crop(&px, 4, 0, 0, 4, 3), px);
}

#[test]
fn features_file_has_the_study_first_line() {
    assert_eq!(
        writer::pixel_size_text(0.0238, None),
        "pixel_size: 0.0238\n"
    );
    assert_eq!(
        writer::pixel_size_text(2.381, Some("olivine basalt")),
        "pixel_size: 2.381\nrock type: olivine basalt\n"
    );
}
