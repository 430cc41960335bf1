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
use semcurate::model::train::{TrainData, TrainEvent, TrainOptions, Trainer, train};

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
        site: None,
    }
}

/// burn's CPU random generator (seeded by `train` for the initial weights) is one per
/// process: runs in parallel threads would draw from each other's seeds.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Mean loss per epoch, loss per step, best validation pixel accuracy.
type Run = (Vec<f32>, Vec<f32>, f64);

fn run(seed: u64, trainer: Trainer) -> Run {
    let _one = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
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
        trainer,
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
    let (mut losses, mut steps) = (Vec::new(), Vec::new());
    for e in rx {
        match e {
            TrainEvent::Epoch { train_loss, .. } => losses.push(train_loss),
            TrainEvent::Step { loss, .. } => steps.push(loss),
            _ => {}
        }
    }
    assert_eq!(losses.len(), 6);
    assert!(model.config.trained[0]);
    let acc = reports[0]
        .best_val
        .as_ref()
        .unwrap()
        .pixel_accuracy
        .unwrap();
    (losses, steps, acc)
}

/// Either trainer: the loss falls, the network learns the three phases, and a second run
/// with the same seed repeats the first to the bit.
fn learns_and_repeats(trainer: Trainer) {
    let (losses, _, acc) = run(3, trainer);
    eprintln!("{trainer:?}: epoch losses {losses:?}, best val pixel accuracy {acc:.3}");
    assert!(
        losses[5] < 0.6 * losses[0],
        "loss must fall by 40 %: {losses:?}"
    );
    assert!(acc >= 0.9, "val pixel accuracy {acc} below 0.9");
    let (again, _, acc2) = run(3, trainer);
    assert_eq!(losses, again, "same seed, same losses");
    assert!(
        (acc - acc2).abs() < f64::EPSILON,
        "same accuracy: {acc} vs {acc2}"
    );
}

#[test]
fn a_few_steps_lower_the_loss_reach_accuracy_and_repeat_exactly() {
    learns_and_repeats(Trainer::Burn);
}

#[test]
fn the_engine_trainer_learns_and_repeats_too() {
    learns_and_repeats(Trainer::Engine);
}

/// The two trainers start from the same weights and take the same batches: the first step's
/// loss agrees to rounding (no dropout here), and the two runs stay together over 48 steps
/// (every epoch's mean loss within 0.2 %; 1e-4 seen). Adam divides by |g| + ε, so rounding
/// in near-zero gradients could part them; they do not part.
#[test]
fn both_trainers_start_alike() {
    let (burn, burn_steps, _) = run(5, Trainer::Burn);
    let (engine, engine_steps, _) = run(5, Trainer::Engine);
    let first = (burn_steps[0] - engine_steps[0]).abs() / burn_steps[0];
    let rel = (burn[0] - engine[0]).abs() / burn[0];
    eprintln!(
        "first step: burn {} engine {} ({first:.1e}); first epoch: burn {} engine {} ({rel:.1e})",
        burn_steps[0], engine_steps[0], burn[0], engine[0]
    );
    assert!(
        first < 1e-4,
        "first step: burn {burn_steps:?} vs engine {engine_steps:?}"
    );
    for (b, e) in burn.iter().zip(&engine) {
        assert!(
            (b - e).abs() < 2e-3 * b,
            "burn {burn:?} vs engine {engine:?}"
        );
    }
}
