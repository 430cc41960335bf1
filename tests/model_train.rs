//! A few training steps on a tiny generated set lower the loss and reach a stated accuracy,
//! deterministically per seed (CPU).
#![allow(clippy::unwrap_used)]

use std::sync::atomic::AtomicBool;
use std::sync::mpsc::channel;

use semcurate::dataset::load::LabelledImage;
use semcurate::dataset::raster::Grey8;
use semcurate::dataset::{ClassSchema, ScaleBins};
use semcurate::model::UNetConfig;
use semcurate::model::config::{FORMAT_VERSION, InputNorm, ModelConfig, ModelKind};
use semcurate::model::train::{TrainData, TrainEvent, TrainOptions, train};

/// Three phases as grey bands (dark = 0 Void, mid = 4 Pyroxene, bright = 3 oxides) in
/// discs and stripes, with noise.
fn toy(seed: u32) -> LabelledImage {
    let (w, h) = (32u32, 32u32);
    let mut pixels = Vec::new();
    let mut mask = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let (cx, cy) = ((seed * 7 % 20 + 6) as i32, (seed * 13 % 20 + 6) as i32);
            let d2 = (x as i32 - cx).pow(2) + (y as i32 - cy).pow(2);
            let class = if d2 < 30 {
                3
            } else if (x + seed) % 16 < 4 {
                0
            } else {
                4
            };
            let grey: i32 = match class {
                0 => 30,
                4 => 120,
                _ => 210,
            };
            let noise = ((x * 31 + y * 17 + seed * 101) % 23) as i32 - 11;
            pixels.push((grey + noise).clamp(0, 255) as u8);
            mask.push(class);
        }
    }
    LabelledImage {
        image: Grey8 {
            width: w,
            height: h,
            pixels,
        },
        mask,
        pixel_size: 1.0,
    }
}

fn run(seed: u64) -> (Vec<f32>, f64) {
    let schema = ClassSchema::default();
    let config = ModelConfig {
        format_version: FORMAT_VERSION,
        kind: ModelKind::SingleUnet,
        unet: UNetConfig::new(schema.len())
            .with_width(4)
            .with_dropout(0.0),
        schema,
        bins: ScaleBins::single(),
        input: InputNorm::default(),
        tile: 32,
        overlap: 8,
        trained: vec![true],
    };
    let data = TrainData {
        train: vec![(0..8).map(toy).collect()],
        val: vec![(8..11).map(toy).collect()],
    };
    let opts = TrainOptions {
        epochs: 6,
        lr: 1e-2,
        batch: 4,
        crop: Some(32),
        steps_per_epoch: Some(8),
        seed,
        ..TrainOptions::default()
    };
    let (tx, rx) = channel();
    let (model, reports) = train(
        &config,
        vec![None],
        &data,
        &opts,
        &tx,
        &AtomicBool::new(false),
        &burn::tensor::Device::flex().autodiff(),
    );
    drop(tx);
    let losses: Vec<f32> = rx
        .iter()
        .filter_map(|e| match e {
            TrainEvent::Epoch { train_loss, .. } => Some(train_loss),
            _ => None,
        })
        .collect();
    assert_eq!(losses.len(), 6);
    assert!(model.config.trained[0]);
    let acc = reports[0]
        .best_val
        .as_ref()
        .unwrap()
        .pixel_accuracy
        .unwrap();
    (losses, acc)
}

#[test]
fn a_few_steps_lower_the_loss_reach_accuracy_and_repeat_exactly() {
    let (losses, acc) = run(3);
    eprintln!("epoch losses {losses:?}, best val pixel accuracy {acc:.3}");
    assert!(
        losses[5] < 0.6 * losses[0],
        "loss must fall by 40 %: {losses:?}"
    );
    assert!(acc >= 0.9, "val pixel accuracy {acc} below 0.9");
    let (again, acc2) = run(3);
    assert_eq!(losses, again, "same seed, same losses");
    assert!(
        (acc - acc2).abs() < f64::EPSILON,
        "same accuracy: {acc} vs {acc2}"
    );
}
