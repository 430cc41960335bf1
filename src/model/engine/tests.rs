use burn::module::{Param, RunningState};
use burn::prelude::*;
use burn::tensor::Distribution;

use super::{Engine, Isa};
use crate::model::UNetConfig;
use crate::model::fused::FusedUNet;

/// A U-Net with random weights and non-trivial batch-norm statistics in every block, so
/// folding changes every convolution.
fn net(classes: usize, width: usize, device: &Device) -> FusedUNet {
    let mut net = UNetConfig::new(classes).with_width(width).init(device);
    for block in net.blocks_mut() {
        for bn in [&mut block.bn_a, &mut block.bn_b] {
            let n = bn.gamma.dims()[0];
            let pos = Distribution::Uniform(0.5, 2.0);
            bn.running_var = RunningState::new(Tensor::random([n], pos, device));
            bn.running_mean =
                RunningState::new(Tensor::random([n], Distribution::Normal(0.0, 0.3), device));
            bn.gamma = Param::from_tensor(Tensor::random([n], pos, device));
            bn.beta =
                Param::from_tensor(Tensor::random([n], Distribution::Normal(0.0, 0.2), device));
        }
    }
    FusedUNet::from_unet(&net)
}

/// Largest difference between the engine's and burn's logits, relative to their scale.
fn compare(classes: usize, width: usize, n: usize, h: usize, w: usize) {
    let device = Device::flex();
    let fused = net(classes, width, &device);
    let x = Tensor::<4>::random([n, 1, h, w], Distribution::Default, &device);
    let want = fused.forward(x.clone());
    let scale: f32 = want.clone().abs().max().into_scalar();
    for isa in Isa::supported() {
        let engine = Engine::from_fused(&fused).with_isa(isa);
        let got = engine.forward(x.clone());
        assert_eq!(got.dims(), [n, classes, h, w]);
        let diff: f32 = (got - want.clone()).abs().max().into_scalar();
        assert!(
            diff <= 1e-4 * scale.max(1.0),
            "{}: width {width}, {h}×{w}: differs by {diff} (scale {scale})",
            isa.name()
        );
    }
}

#[test]
fn engine_matches_burn_on_a_full_tile() {
    compare(10, 8, 1, 64, 64);
}

#[test]
fn engine_matches_burn_with_odd_widths_and_ragged_rows() {
    // Width 6 leaves channel counts that are not multiples of the kernels' blocks (6, 12,
    // 24, 48); 40 and 24 columns leave partial vector blocks; two images in one batch.
    compare(3, 6, 2, 24, 40);
}

#[test]
fn engine_matches_burn_on_a_wide_tile() {
    compare(10, 4, 1, 16, 96);
}

#[test]
fn the_portable_kernels_are_always_supported() {
    let all = Isa::supported();
    assert_eq!(all[0].name(), "portable");
    assert!(all.contains(&Isa::best()));
}

#[test]
fn engine_probabilities_are_burns_softmax() {
    let device = Device::flex();
    let fused = net(10, 8, &device);
    let x = Tensor::<4>::random([1, 1, 32, 40], Distribution::Default, &device);
    let want: Vec<f32> = burn::tensor::activation::softmax(fused.forward(x.clone()), 1)
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap_or_default();
    let got = Engine::from_fused(&fused).probabilities(x);
    assert_eq!(got.len(), want.len());
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-5, "probabilities differ by {worst}");
    let hw = 32 * 40;
    for p in [0, 17, hw - 1] {
        let sum: f32 = (0..10).map(|c| got[c * hw + p]).sum();
        assert!((sum - 1.0).abs() < 1e-5, "pixel {p} sums to {sum}");
    }
}
