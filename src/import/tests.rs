use super::*;

#[test]
fn blank_rule() {
    assert!(is_blank(&[30; 1000]));
    let mut speck = vec![30u8; 1000];
    speck[..40].fill(200); // 4 % grains: still blank
    assert!(is_blank(&speck));
    speck[..60].fill(200); // 6 %: not blank
    assert!(!is_blank(&speck));
    let ramp: Vec<u8> = (0..1000).map(|i| (i % 200) as u8).collect();
    assert!(!is_blank(&ramp));
}

#[test]
fn tile_names_share_one_group_per_raw_file() {
    assert_eq!(
        tile_prefix("10003", "area-1 mosaic.v2"),
        "10003_area_1_mosaic_v2"
    );
    assert_eq!(tile_prefix("10003", "10003_site4"), "10003_site4");
}
