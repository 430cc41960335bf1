//! The U-Net of the MineralClassifier study, built from a [`UNetConfig`].
//!
//! Three encoder double-conv blocks (3×3 conv, batch norm, ReLU, twice, then channel
//! dropout) of widths b, 2b, 4b with 2× max-pool between them, an 8b bottleneck, a decoder of
//! 2×2 transposed convs with skip concatenation (skip first, as the study's code does) and
//! double convs, and a 1×1 conv to the class count.
//!
//! # Shapes
//! - input `[batch, 1, H, W]`, grey levels scaled to [0, 1]; H and W divisible by 8
//! - logits `[batch, classes, H, W]`

use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::relu;

/// How to build a [`UNet`].
#[derive(Config, Debug, PartialEq)]
pub struct UNetConfig {
    /// Input channels (1 for grey BSE images).
    #[config(default = 1)]
    pub in_channels: usize,
    /// Output classes.
    pub classes: usize,
    /// Base width b: the encoder has b, 2b, 4b channels and the bottleneck 8b (64 in the paper).
    #[config(default = 64)]
    pub width: usize,
    /// Channel-dropout probability after each double conv (0.3 in the study).
    #[config(default = 0.3)]
    pub dropout: f64,
}

/// Conv 3×3 → batch norm → ReLU, twice.
#[derive(Module, Debug)]
pub struct DoubleConv {
    pub conv_a: Conv2d,
    pub bn_a: BatchNorm,
    pub conv_b: Conv2d,
    pub bn_b: BatchNorm,
}

impl DoubleConv {
    fn new(cin: usize, cout: usize, device: &Device) -> Self {
        let conv = |i, o| {
            Conv2dConfig::new([i, o], [3, 3])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        Self {
            conv_a: conv(cin, cout),
            bn_a: BatchNormConfig::new(cout).init(device),
            conv_b: conv(cout, cout),
            bn_b: BatchNormConfig::new(cout).init(device),
        }
    }

    /// `[n, cin, h, w]` → `[n, cout, h, w]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = relu(self.bn_a.forward(self.conv_a.forward(x)));
        relu(self.bn_b.forward(self.conv_b.forward(x)))
    }
}

/// The study's U-Net.
#[derive(Module, Debug)]
pub struct UNet {
    pub conv1: DoubleConv,
    pub conv2: DoubleConv,
    pub conv3: DoubleConv,
    pub conv4: DoubleConv,
    pub upconv3: ConvTranspose2d,
    pub conv5: DoubleConv,
    pub upconv2: ConvTranspose2d,
    pub conv6: DoubleConv,
    pub upconv1: ConvTranspose2d,
    pub conv7: DoubleConv,
    pub head: Conv2d,
    pool: MaxPool2d,
    dropout: f64,
}

impl UNetConfig {
    /// Builds the network with fresh weights on `device`.
    pub fn init(&self, device: &Device) -> UNet {
        let b = self.width;
        let up = |i: usize, o: usize| {
            ConvTranspose2dConfig::new([i, o], [2, 2])
                .with_stride([2, 2])
                .init(device)
        };
        UNet {
            conv1: DoubleConv::new(self.in_channels, b, device),
            conv2: DoubleConv::new(b, 2 * b, device),
            conv3: DoubleConv::new(2 * b, 4 * b, device),
            conv4: DoubleConv::new(4 * b, 8 * b, device),
            upconv3: up(8 * b, 4 * b),
            conv5: DoubleConv::new(8 * b, 4 * b, device),
            upconv2: up(4 * b, 2 * b),
            conv6: DoubleConv::new(4 * b, 2 * b, device),
            upconv1: up(2 * b, b),
            conv7: DoubleConv::new(2 * b, b, device),
            head: Conv2dConfig::new([b, self.classes], [1, 1]).init(device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            dropout: self.dropout,
        }
    }
}

impl UNet {
    /// Logits `[n, classes, h, w]` for images `[n, 1, h, w]`; dropout is active only when the
    /// device records gradients (training).
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let train = x.device().is_autodiff();
        self.forward_with(x, train)
    }

    /// Like [`UNet::forward`], with channel dropout forced on or off (on: Monte-Carlo dropout).
    pub fn forward_with(&self, x: Tensor<4>, dropout: bool) -> Tensor<4> {
        let drop = |t: Tensor<4>| {
            if dropout {
                channel_dropout(t, self.dropout)
            } else {
                t
            }
        };
        let x1 = drop(self.conv1.forward(x));
        let x3 = drop(self.conv2.forward(self.pool.forward(x1.clone())));
        let x5 = drop(self.conv3.forward(self.pool.forward(x3.clone())));
        let x7 = drop(self.conv4.forward(self.pool.forward(x5.clone())));
        let x10 = drop(
            self.conv5
                .forward(Tensor::cat(vec![x5, self.upconv3.forward(x7)], 1)),
        );
        let x13 = drop(
            self.conv6
                .forward(Tensor::cat(vec![x3, self.upconv2.forward(x10)], 1)),
        );
        let x16 = drop(
            self.conv7
                .forward(Tensor::cat(vec![x1, self.upconv1.forward(x13)], 1)),
        );
        self.head.forward(x16)
    }

    /// The seven double convs, encoder `conv1`–`conv4` then decoder `conv5`–`conv7`.
    pub fn blocks_mut(&mut self) -> [&mut DoubleConv; 7] {
        [
            &mut self.conv1,
            &mut self.conv2,
            &mut self.conv3,
            &mut self.conv4,
            &mut self.conv5,
            &mut self.conv6,
            &mut self.conv7,
        ]
    }

    /// The channel-dropout probability used in training.
    pub fn dropout(&self) -> f64 {
        self.dropout
    }

    /// Base width b (channels of the first block).
    pub fn width(&self) -> usize {
        self.conv1.conv_a.weight.dims()[0]
    }

    /// Number of output classes.
    pub fn classes(&self) -> usize {
        self.head.weight.dims()[0]
    }
}

/// PyTorch `Dropout2d`: zeroes whole channels with probability `p`, scales the rest by 1/(1−p).
pub fn channel_dropout(x: Tensor<4>, p: f64) -> Tensor<4> {
    if p <= 0.0 {
        return x;
    }
    let [n, c, _, _] = x.dims();
    let keep = Tensor::<4>::random([n, c, 1, 1], Distribution::Bernoulli(1.0 - p), &x.device());
    x * keep.mul_scalar(1.0 / (1.0 - p))
}
