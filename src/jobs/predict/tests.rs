use super::*;
use crate::dataset::image::ImageId;
use crate::dataset::item::MaskState;
use crate::model::infer::tests::{Within, config, grey};
use crate::model::tiling::plan;

fn row(id: i64, w: u32, h: u32) -> IndexedImage {
    IndexedImage {
        id: ImageId(id),
        sample: "10003".into(),
        stem: format!("10003_s01-t{id:02}"),
        group: "10003/10003_s01".into(),
        image_path: format!("10003/input-images/{id}.png"),
        mask_path: None,
        features_path: None,
        image_fp: "1:1".into(),
        mask_fp: None,
        features_fp: None,
        format: Some("png".into()),
        width: Some(w),
        height: Some(h),
        bit_depth: Some(8),
        pixel_size: Some(1.0),
        pixel_size_source: None,
        bin: Some(0),
        mask_state: MaskState::None,
        class_counts: None,
        missing: false,
    }
}

/// A large image's group reports its tiles to the run's progress while it is predicted.
#[test]
fn a_large_image_reports_its_tiles_to_the_run() {
    let cfg = config();
    let device = burn::tensor::Device::flex();
    let net = cfg.unet.init(&device);
    let model = MultiUNet::new(cfg, vec![Some(net)], device);
    let group = Group {
        consumed: 1,
        pixel_size: 1.0,
        images: vec![(row(1, 150, 100), grey(150, 100))],
    };
    let rec = Within::default();
    let opts = PredictOptions::default();
    let done = run_group(&model, group, &opts, &rec, &Sites::default());
    assert_eq!(done.len(), 1);
    let tiles = plan(150, 100, model.config.tile, model.config.overlap)
        .tiles
        .len() as u64;
    let seen = rec.0.lock().unwrap().clone();
    assert_eq!(seen.len() as u64, tiles);
    assert_eq!(seen.last(), Some(&(tiles, tiles)));
}
