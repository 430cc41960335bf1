//! Inference with batch norm folded into the convolutions before it: in eval mode a batch
//! norm is an affine map per channel, so `bn(conv(x)) = conv'(x)` with
//! `w' = w · s`, `b' = (b − mean) · s + beta`, `s = gamma / sqrt(var + eps)`. Same outputs (up
//! to rounding) without separate batch-norm passes over memory. Dropout is not part of it: Monte-Carlo passes use the [`UNet`] itself.

use burn::module::Param;
use burn::nn::BatchNorm;
use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::nn::pool::MaxPool2d;
use burn::nn::pool::MaxPool2dConfig;
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::unet::{DoubleConv, UNet};

/// Two 3×3 convs with folded batch norms, each followed by ReLU.
#[derive(Module, Debug)]
pub struct FusedDoubleConv {
    pub conv_a: Conv2d,
    pub conv_b: Conv2d,
}

impl FusedDoubleConv {
    fn from(d: &DoubleConv) -> Self {
        Self {
            conv_a: fold(&d.conv_a, &d.bn_a),
            conv_b: fold(&d.conv_b, &d.bn_b),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        relu(self.conv_b.forward(relu(self.conv_a.forward(x))))
    }
}

/// [`UNet`] for inference only, batch norms folded.
#[derive(Module, Debug)]
pub struct FusedUNet {
    pub conv1: FusedDoubleConv,
    pub conv2: FusedDoubleConv,
    pub conv3: FusedDoubleConv,
    pub conv4: FusedDoubleConv,
    pub upconv3: ConvTranspose2d,
    pub conv5: FusedDoubleConv,
    pub upconv2: ConvTranspose2d,
    pub conv6: FusedDoubleConv,
    pub upconv1: ConvTranspose2d,
    pub conv7: FusedDoubleConv,
    pub head: Conv2d,
    pool: MaxPool2d,
}

impl FusedUNet {
    /// Folds a trained network (its running statistics) into a fused one.
    pub fn from_unet(u: &UNet) -> Self {
        Self {
            conv1: FusedDoubleConv::from(&u.conv1),
            conv2: FusedDoubleConv::from(&u.conv2),
            conv3: FusedDoubleConv::from(&u.conv3),
            conv4: FusedDoubleConv::from(&u.conv4),
            upconv3: materialised_t(&u.upconv3),
            conv5: FusedDoubleConv::from(&u.conv5),
            upconv2: materialised_t(&u.upconv2),
            conv6: FusedDoubleConv::from(&u.conv6),
            upconv1: materialised_t(&u.upconv1),
            conv7: FusedDoubleConv::from(&u.conv7),
            head: fold_none(&u.head),
            pool: MaxPool2dConfig::new([2, 2]).init(),
        }
    }

    /// Logits `[n, classes, h, w]` for images `[n, 1, h, w]` (h, w multiples of 8).
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x1 = self.conv1.forward(x);
        let x3 = self.conv2.forward(self.pool.forward(x1.clone()));
        let x5 = self.conv3.forward(self.pool.forward(x3.clone()));
        let x7 = self.conv4.forward(self.pool.forward(x5.clone()));
        let x10 = self
            .conv5
            .forward(Tensor::cat(vec![x5, self.upconv3.forward(x7)], 1));
        let x13 = self
            .conv6
            .forward(Tensor::cat(vec![x3, self.upconv2.forward(x10)], 1));
        let x16 = self
            .conv7
            .forward(Tensor::cat(vec![x1, self.upconv1.forward(x13)], 1));
        self.head.forward(x16)
    }
}

/// A copy holding the parameter values. Cloning a burn `Param` that was never read clones
/// its lazy initialiser, and the copy would draw different random weights.
fn materialised_t(c: &ConvTranspose2d) -> ConvTranspose2d {
    let mut out = c.clone();
    out.weight = Param::from_tensor(c.weight.val());
    out.bias = c.bias.as_ref().map(|b| Param::from_tensor(b.val()));
    out
}

/// A conv with no batch norm after it, copied by value (see [`materialised_t`]).
fn fold_none(c: &Conv2d) -> Conv2d {
    let mut out = c.clone();
    out.weight = Param::from_tensor(c.weight.val());
    out.bias = c.bias.as_ref().map(|b| Param::from_tensor(b.val()));
    out
}

/// `conv` followed by `bn` (eval mode) as one conv.
fn fold(conv: &Conv2d, bn: &BatchNorm) -> Conv2d {
    let w = conv.weight.val();
    let [o, _, _, _] = w.dims();
    let device = w.device();
    let scale = bn.gamma.val() / bn.running_var.value().add_scalar(bn.epsilon).sqrt();
    let bias = conv
        .bias
        .as_ref()
        .map_or_else(|| Tensor::zeros([o], &device), Param::val);
    let mut fused = conv.clone();
    fused.weight = Param::from_tensor(w * scale.clone().reshape([o, 1, 1, 1]));
    fused.bias = Some(Param::from_tensor(
        (bias - bn.running_mean.value()) * scale + bn.beta.val(),
    ));
    fused
}
