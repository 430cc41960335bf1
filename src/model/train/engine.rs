//! Training steps on semcurate's CPU engine (crate `semcurate-engine`, `train`) instead of
//! burn's autodiff: the same network, loss, `BatchNorm` statistics and Adam (checked against
//! burn in `tests/engine_train_burn.rs`), with the engine's convolution kernels forward and
//! backward (`docs/TRAIN_ENGINE.md`). Weights start from a burn [`UNet`] (fresh from
//! `UNetConfig::init`, or a model being fine-tuned) and go back into one for validation and
//! saving, tensor by tensor in the same layouts.
//!
//! Differences from burn's path, by design: channel-dropout masks come from the engine's own
//! generator (seeded per step from the run's seed, so a run is repeatable), and sums are in
//! f64 where burn sums in f32 (a ~1e-5 relative difference in the loss).

use burn::module::{AutodiffModule, Param, RunningState};
use burn::nn::BatchNorm;
use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::prelude::*;
use semcurate_engine::train::{
    Adam, Bn, ConvBn, DropMasks, TrainWeights, adam_step, backward, forward_train, loss_and_grad,
};
use semcurate_engine::{Conv, Isa, UpConv};

use super::batch::Batch;
use crate::model::engine::{conv, up, values};
use crate::model::unet::{DoubleConv, UNet};

fn bn(b: &BatchNorm) -> Bn {
    Bn {
        gamma: values(b.gamma.val()),
        beta: values(b.beta.val()),
        running_mean: values(b.running_mean.value_sync()),
        running_var: values(b.running_var.value_sync()),
    }
}

fn double(d: &DoubleConv) -> [ConvBn; 2] {
    [(&d.conv_a, &d.bn_a), (&d.conv_b, &d.bn_b)].map(|(c, b)| ConvBn {
        conv: conv(c),
        bn: bn(b),
    })
}

/// A burn network's parameters and running statistics as the engine's training weights
/// (same layouts: conv `[co][ci][ky][kx]`, transposed conv `[ci][co][dy][dx]`).
///
/// Tensors are read in the order of burn's forward pass: burn initialises a fresh network's
/// parameters lazily, drawing from its generator at first use, so reading them in that order
/// gives the weights burn's own first step would have used.
pub fn train_weights(net: &UNet) -> TrainWeights {
    let enc = [&net.conv1, &net.conv2, &net.conv3, &net.conv4].map(double);
    let u3 = up(&net.upconv3);
    let d5 = double(&net.conv5);
    let u2 = up(&net.upconv2);
    let d6 = double(&net.conv6);
    let u1 = up(&net.upconv1);
    let d7 = double(&net.conv7);
    TrainWeights {
        enc,
        up: [u3, u2, u1],
        dec: [d5, d6, d7],
        head: conv(&net.head),
    }
}

fn tensor<const D: usize>(v: &[f32], dims: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::<1>::from_floats(v, device).reshape(dims)
}

fn set_conv(c: &mut Conv2d, w: &Conv, device: &Device) {
    c.weight = Param::from_tensor(tensor(&w.w, [w.cout, w.cin, w.k, w.k], device));
    c.bias = Some(Param::from_tensor(tensor(&w.b, [w.cout], device)));
}

fn set_up(c: &mut ConvTranspose2d, w: &UpConv, device: &Device) {
    c.weight = Param::from_tensor(tensor(&w.w, [w.cin, w.cout, 2, 2], device));
    c.bias = Some(Param::from_tensor(tensor(&w.b, [w.cout], device)));
}

fn set_bn(b: &mut BatchNorm, w: &Bn, device: &Device) {
    let c = w.gamma.len();
    b.gamma = Param::from_tensor(tensor(&w.gamma, [c], device));
    b.beta = Param::from_tensor(tensor(&w.beta, [c], device));
    b.running_mean = RunningState::new(tensor(&w.running_mean, [c], device));
    b.running_var = RunningState::new(tensor(&w.running_var, [c], device));
}

fn set_double(d: &mut DoubleConv, w: &[ConvBn; 2], device: &Device) {
    set_conv(&mut d.conv_a, &w[0].conv, device);
    set_bn(&mut d.bn_a, &w[0].bn, device);
    set_conv(&mut d.conv_b, &w[1].conv, device);
    set_bn(&mut d.bn_b, &w[1].bn, device);
}

/// `net` (any device) with every parameter and running statistic replaced by `w`'s, on
/// `device`. `w` must have `net`'s width and classes.
pub fn write_weights(mut net: UNet, w: &TrainWeights, device: &Device) -> UNet {
    assert_eq!(
        (net.width(), net.classes()),
        (w.width(), w.classes()),
        "engine weights of another shape"
    );
    let blocks = net.blocks_mut();
    for (d, wd) in blocks.into_iter().zip(w.enc.iter().chain(&w.dec)) {
        set_double(d, wd, device);
    }
    let ups = [&mut net.upconv3, &mut net.upconv2, &mut net.upconv1];
    for (u, wu) in ups.into_iter().zip(&w.up) {
        set_up(u, wu, device);
    }
    set_conv(&mut net.head, &w.head, device);
    net
}

/// One bin's network and Adam state, stepped on the engine.
pub struct EngineTrainer {
    isa: Isa,
    weights: TrainWeights,
    adam: Adam,
    dropout: f64,
    /// The network the weights came from, without autodiff: pooling, dropout and the shapes
    /// [`EngineTrainer::to_unet`] writes into.
    template: UNet,
}

impl EngineTrainer {
    /// Starts from `net`'s weights (fresh or a model to fine-tune) with fresh Adam moments,
    /// on the widest instruction set this CPU has.
    pub fn new(net: &UNet) -> Self {
        let weights = train_weights(net);
        Self {
            isa: Isa::best(),
            adam: Adam::new(&weights),
            weights,
            dropout: net.dropout(),
            template: net.clone().valid(),
        }
    }

    /// One optimiser step on `batch` (per-class `class_weights`, Dice weight `dice`, learning
    /// rate `lr`; dropout masks from `mask_seed`); returns the batch's loss before the step.
    pub fn step(
        &mut self,
        batch: &Batch,
        class_weights: Option<&[f32]>,
        dice: f64,
        lr: f64,
        mask_seed: u64,
    ) -> f32 {
        let (n, s) = (batch.n, batch.size);
        let masks = DropMasks::draw(n, self.weights.width(), self.dropout, mask_seed);
        let saved = forward_train(
            self.isa,
            &batch.inputs,
            [n, s, s],
            &mut self.weights,
            &masks,
        );
        let (parts, dlogits) = loss_and_grad(&saved.logits, &batch.targets, class_weights, dice);
        let grads = backward(self.isa, &self.weights, &saved, &masks.0, &dlogits);
        drop(saved);
        adam_step(&mut self.weights, &grads, &mut self.adam, lr);
        parts.loss as f32
    }

    /// The trained network as a burn [`UNet`] on `device` (without autodiff).
    pub fn to_unet(&self, device: &Device) -> UNet {
        write_weights(self.template.clone(), &self.weights, device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BackendKind, UNetConfig};

    /// burn → engine → burn keeps every value, running statistics included, and the result
    /// predicts what the original does.
    #[test]
    fn weights_round_trip_through_the_engine() {
        let device = BackendKind::Flex.device();
        device.seed(5);
        let net = UNetConfig::new(4).with_width(4).init(&device);
        let w = train_weights(&net);
        assert_eq!((w.width(), w.classes()), (4, 4));
        let mut changed = w.clone();
        changed.enc[1][0].bn.running_mean[2] = 0.25;
        changed.head.b[3] = -1.5;
        let back = write_weights(net.clone(), &changed, &device);
        assert_eq!(train_weights(&back), changed);
        assert_eq!(back.dropout().to_bits(), net.dropout().to_bits());
        let same = write_weights(back, &w, &device);
        let x = Tensor::<1>::from_floats(
            (0..256)
                .map(|i| (i % 17) as f32 / 17.0)
                .collect::<Vec<_>>()
                .as_slice(),
            &device,
        )
        .reshape([1, 1, 16, 16]);
        let (a, b) = (values(net.forward(x.clone())), values(same.forward(x)));
        assert_eq!(a, b, "same weights, same logits");
    }
}
