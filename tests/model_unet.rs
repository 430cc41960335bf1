//! The U-Net and the model folder on the CPU backend: shapes, routing, save/load.
#![allow(clippy::unwrap_used)]

use burn::prelude::*;
use semcurate::dataset::raster::Grey8;
use semcurate::dataset::{ClassSchema, ScaleBins};
use semcurate::model::config::{FORMAT_VERSION, InputNorm, ModelConfig, ModelKind};
use semcurate::model::multi::model_hash;
use semcurate::model::{MultiUNet, UNetConfig};

fn config(bins: &str, trained: Vec<bool>) -> ModelConfig {
    let schema = ClassSchema::default();
    ModelConfig {
        format_version: FORMAT_VERSION,
        kind: ModelKind::MultiUnet,
        unet: UNetConfig::new(schema.len()).with_width(4),
        schema,
        bins: bins.parse::<ScaleBins>().unwrap(),
        input: InputNorm::default(),
        tile: 64,
        overlap: 16,
        trained,
    }
}

fn model(bins: &str, trained: &[bool]) -> MultiUNet {
    let device = burn::tensor::Device::flex();
    let cfg = config(bins, trained.to_vec());
    let nets = trained
        .iter()
        .map(|&t| t.then(|| cfg.unet.init(&device)))
        .collect();
    MultiUNet::new(cfg, nets, device)
}

fn image(w: u32, h: u32) -> Grey8 {
    Grey8 {
        width: w,
        height: h,
        pixels: (0..w * h).map(|i| (i * 37 % 256) as u8).collect(),
    }
}

#[test]
fn logits_have_the_input_size_and_class_count() {
    let device = burn::tensor::Device::flex();
    let net = UNetConfig::new(10).with_width(4).init(&device);
    for (h, w) in [(8, 8), (64, 64), (40, 96), (256, 256)] {
        let x = Tensor::<4>::zeros([1, 1, h, w], &device);
        assert_eq!(net.forward(x).dims(), [1, 10, h, w]);
    }
    let x = Tensor::<4>::zeros([3, 1, 16, 24], &device);
    assert_eq!(net.forward(x).dims(), [3, 10, 16, 24]);
}

#[test]
fn predictions_cover_images_of_any_size() {
    let m = model("1", &[true, true]);
    for (w, h) in [(30, 20), (64, 64), (150, 70)] {
        let p = m.predict(&image(w, h), 0.5, 0);
        assert_eq!((p.width, p.height), (w, h));
        assert_eq!(p.classes.len(), (w * h) as usize);
        assert!(p.classes.iter().all(|&c| c < 10));
        assert_eq!(
            p.per_class.iter().map(|c| c.pixels).sum::<u64>(),
            u64::from(w * h)
        );
    }
}

#[test]
fn routing_sends_each_image_to_its_bin_and_falls_back_to_the_nearest() {
    let m = model("0.25,1.8", &[true, false, true]);
    let route = |p: f64| m.config.route(p);
    assert_eq!((route(0.1).bin, route(0.1).used), (0, 0));
    assert_eq!((route(0.25).bin, route(0.25).used), (0, 0));
    assert_eq!((route(5.0).bin, route(5.0).used), (2, 2));
    let r = route(1.0);
    assert_eq!(
        (r.bin, r.used, r.is_fallback()),
        (1, 0, true),
        "ties go to the finer bin"
    );
    // The routed network is the one that runs: bin 0 and bin 2 nets give different outputs.
    let img = image(32, 32);
    let a = m.predict(&img, 0.1, 0);
    let b = m.predict(&img, 5.0, 0);
    assert_eq!(a.route.used, 0);
    assert_eq!(b.route.used, 2);
    assert_ne!(a.margin, b.margin, "two independently initialised nets");
}

#[test]
fn save_and_load_give_identical_outputs_and_a_stable_hash() {
    let t = tempfile::tempdir().unwrap();
    let m = model("1", &[true, true]);
    m.save(t.path()).unwrap();
    let loaded = MultiUNet::load(t.path(), &burn::tensor::Device::flex()).unwrap();
    let img = image(48, 40);
    for px in [0.5, 3.0] {
        let (a, b) = (m.predict(&img, px, 0), loaded.predict(&img, px, 0));
        assert_eq!(a.classes, b.classes);
        assert_eq!(a.margin, b.margin);
    }
    let h1 = model_hash(t.path()).unwrap();
    assert_eq!(h1.len(), 16);
    assert_eq!(h1, model_hash(t.path()).unwrap());
    let fresh = UNetConfig::new(10)
        .with_width(4)
        .init(&burn::tensor::Device::flex());
    semcurate::model::multi::save_net(&fresh, &t.path().join("bin0.safetensors")).unwrap();
    assert_ne!(
        h1,
        model_hash(t.path()).unwrap(),
        "new weights, new identity"
    );
}

#[test]
fn loading_checks_files_and_schema() {
    let t = tempfile::tempdir().unwrap();
    let e = MultiUNet::load(t.path(), &burn::tensor::Device::flex())
        .err()
        .unwrap();
    assert!(e.to_string().contains("has no config.json"), "{e}");
    let m = model("1", &[true, true]);
    m.save(t.path()).unwrap();
    std::fs::remove_file(t.path().join("bin1.safetensors")).unwrap();
    let e = MultiUNet::load(t.path(), &burn::tensor::Device::flex())
        .err()
        .unwrap();
    assert!(
        e.to_string()
            .contains("'bin1.safetensors' is missing from the model folder"),
        "{e}"
    );
    let err = m.config.check_schema(&ClassSchema::extended()).unwrap_err();
    assert!(err.to_string().contains("model has mineralclassifier-10 (10 classes), dataset has mineralclassifier-extended (11 classes)"), "{err}");
}

#[test]
fn mc_dropout_keeps_the_class_map() {
    let m = model("1", &[true, true]);
    let p = m.predict(&image(32, 32), 0.5, 4);
    let plain = m.predict(&image(32, 32), 0.5, 0);
    assert_eq!(p.mc_passes, 4);
    assert_eq!(
        p.classes, plain.classes,
        "the class map comes from the pass without dropout"
    );
    assert!(plain.disagreement.is_none());
    let d = p.disagreement.unwrap();
    assert_eq!(d.len(), 32 * 32);
    assert!(
        d.iter().all(|v| [0, 64, 128, 191, 255].contains(v)),
        "4 passes give disagreement in quarters"
    );
    assert!(
        p.per_class
            .iter()
            .filter(|c| c.pixels > 0)
            .all(|c| c.mc_disagreement.is_some())
    );
}

#[test]
fn channel_dropout_changes_logits_and_keeps_the_mean() {
    let device = burn::tensor::Device::flex();
    let net = UNetConfig::new(10).with_width(8).init(&device);
    let x = Tensor::<4>::random([1, 1, 32, 32], burn::tensor::Distribution::Default, &device);
    let a = net.forward_with(x.clone(), false);
    let b = net.forward_with(x, true);
    let diff: f32 = (a - b).abs().mean().into_scalar();
    assert!(
        diff > 1e-4,
        "dropout on must change the logits, mean |Δ| = {diff}"
    );
    let ones = Tensor::<4>::ones([64, 100, 1, 1], &device);
    let kept: f32 = semcurate::model::unet::channel_dropout(ones, 0.3)
        .mean()
        .into_scalar();
    assert!(
        (kept - 1.0).abs() < 0.1,
        "inverted dropout keeps the mean, got {kept}"
    );
}

#[test]
fn folded_batch_norm_gives_the_same_logits() {
    use semcurate::model::fused::FusedUNet;
    let device = burn::tensor::Device::flex();
    // Non-trivial running statistics: a few forward passes in training mode would be needed
    // otherwise, so set them from a seeded random draw.
    let mut net = UNetConfig::new(10).with_width(8).init(&device);
    for block in [&mut net.conv1, &mut net.conv4, &mut net.conv7] {
        for bn in [&mut block.bn_a, &mut block.bn_b] {
            let n = bn.gamma.dims()[0];
            let dist = burn::tensor::Distribution::Uniform(0.5, 2.0);
            bn.running_var = burn::module::RunningState::new(Tensor::random([n], dist, &device));
            bn.running_mean = burn::module::RunningState::new(Tensor::random(
                [n],
                burn::tensor::Distribution::Normal(0.0, 0.3),
                &device,
            ));
            bn.gamma = burn::module::Param::from_tensor(Tensor::random([n], dist, &device));
        }
    }
    let x = Tensor::<4>::random([2, 1, 32, 40], burn::tensor::Distribution::Default, &device);
    let a = net.forward(x.clone());
    let b = FusedUNet::from_unet(&net).forward(x);
    let diff: f32 = (a.clone() - b).abs().max().into_scalar();
    let scale: f32 = a.abs().max().into_scalar();
    assert!(
        diff < 1e-4 * scale.max(1.0),
        "fused differs by {diff} (scale {scale})"
    );
}
