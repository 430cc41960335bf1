//! PyTorch import: state dicts written by the study's own module layout
//! (`tests/fixtures/make_torch_fixture.py`) load into our U-Net and give PyTorch's logits.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use burn::prelude::*;
use semcurate::dataset::ClassSchema;
use semcurate::model::import::{StateDictKind, import, inspect};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/torch")
        .join(name)
}

fn floats(name: &str) -> Vec<f32> {
    std::fs::read(fixture(name))
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Largest absolute difference, and the largest magnitude for scale.
fn compare(ours: &[f32], theirs: &[f32]) -> (f32, f32) {
    assert_eq!(ours.len(), theirs.len());
    let diff = ours
        .iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    let scale = theirs.iter().map(|v| v.abs()).fold(0.0, f32::max);
    (diff, scale)
}

fn logits(model: &semcurate::model::MultiUNet, pixel_size: f64) -> Vec<f32> {
    let (_, net) = model.net_for(pixel_size);
    let x = Tensor::<1>::from_floats(floats("input.f32").as_slice(), &model.device)
        .reshape([1, 1, 32, 40]);
    net.forward(x)
        .into_data()
        .convert::<f32>()
        .try_to_vec()
        .unwrap()
}

fn check_backend(device: &Device) {
    let schema = ClassSchema::default();
    let m1 = import(&fixture("unet1_w4.pth"), &schema, None, device).unwrap();
    let (diff, scale) = compare(&logits(&m1, 1.0), &floats("unet1_out.f32"));
    eprintln!("UNet_1 on {device:?}: max abs diff {diff:e}, max abs logit {scale}");
    assert!(scale > 0.1, "outputs are not trivially small: {scale}");
    assert!(
        diff < 1e-4,
        "UNet_1 logits differ from PyTorch by {diff} (scale {scale})"
    );

    let m2 = import(&fixture("unet2_w4.pth"), &schema, Some(1.8), device).unwrap();
    assert_eq!(m2.config.bins.edges(), &[1.8]);
    let (small, _) = compare(&logits(&m2, 0.5), &floats("unet2_small_out.f32"));
    let (large, _) = compare(&logits(&m2, 5.0), &floats("unet2_large_out.f32"));
    assert!(
        small < 1e-4 && large < 1e-4,
        "UNet_2 small {small}, large {large}"
    );
    // Routing at the threshold itself goes to the small U-Net, as the study's `>` does.
    let (at, _) = compare(&logits(&m2, 1.8), &floats("unet2_small_out.f32"));
    assert!(at < 1e-4);
}

#[test]
fn unet1_and_unet2_match_pytorch_on_flex() {
    check_backend(&Device::flex());
}

#[test]
fn unet1_and_unet2_match_pytorch_on_ndarray() {
    #[allow(deprecated)] // burn 0.22 deprecates ndarray; we keep it selectable while it exists
    check_backend(&Device::ndarray());
}

#[test]
fn inspection_and_errors() {
    let i = inspect(&fixture("unet2_w4.pth")).unwrap();
    assert_eq!((i.kind, i.width, i.classes), (StateDictKind::UNet2, 4, 10));
    let device = burn::tensor::Device::flex();
    let e = import(
        &fixture("unet2_w4.pth"),
        &ClassSchema::default(),
        None,
        &device,
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("--threshold"), "{e}");
    let e = import(
        &fixture("unet1_w4.pth"),
        &ClassSchema::extended(),
        None,
        &device,
    )
    .err()
    .unwrap();
    assert!(
        e.to_string()
            .contains("10 output classes, the schema has 11"),
        "{e}"
    );
    let e = inspect(&fixture("input.f32")).err().unwrap();
    assert!(e.to_string().contains("cannot read PyTorch file"), "{e}");
}
