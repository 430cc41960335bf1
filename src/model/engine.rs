//! semcurate's CPU inference engine (crate `semcurate-engine`) fed by burn's folded weights:
//! the same logits as [`FusedUNet::forward`] to rounding (the tests hold it to 1e-4), several
//! times faster on CPUs with AVX2 or AVX-512 (docs/BENCHMARKS.md). Plain inference only:
//! Monte-Carlo dropout passes stay on burn.

use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::prelude::*;
pub use semcurate_engine::Isa;
use semcurate_engine::{Conv, UNetWeights, UpConv};

use super::fused::{FusedDoubleConv, FusedUNet};

pub(crate) fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap_or_default()
}

fn bias(b: Option<&burn::module::Param<Tensor<1>>>, n: usize) -> Vec<f32> {
    b.map_or_else(|| vec![0.0; n], |b| values(b.val()))
}

/// A burn convolution's weights in the engine's (same) layout; a missing bias is zeros.
pub(crate) fn conv(c: &Conv2d) -> Conv {
    let [cout, cin, k, _] = c.weight.dims();
    Conv {
        cout,
        cin,
        k,
        w: values(c.weight.val()),
        b: bias(c.bias.as_ref(), cout),
    }
}

/// A burn transposed convolution's weights in the engine's (same) layout.
pub(crate) fn up(c: &ConvTranspose2d) -> UpConv {
    let [cin, cout, _, _] = c.weight.dims();
    UpConv {
        cin,
        cout,
        w: values(c.weight.val()),
        b: bias(c.bias.as_ref(), cout),
    }
}

fn double(d: &FusedDoubleConv) -> [Conv; 2] {
    [conv(&d.conv_a), conv(&d.conv_b)]
}

/// A folded U-Net packed for the engine.
pub struct Engine(semcurate_engine::Engine);

impl Engine {
    /// Packs a batch-norm-folded network for the widest instruction set this CPU has.
    pub fn from_fused(f: &FusedUNet) -> Self {
        let w = UNetWeights {
            enc: [
                double(&f.conv1),
                double(&f.conv2),
                double(&f.conv3),
                double(&f.conv4),
            ],
            up: [up(&f.upconv3), up(&f.upconv2), up(&f.upconv1)],
            dec: [double(&f.conv5), double(&f.conv6), double(&f.conv7)],
            head: conv(&f.head),
        };
        Self(semcurate_engine::Engine::new(&w))
    }

    /// The same engine running the kernels compiled for `isa`.
    #[must_use]
    pub fn with_isa(self, isa: Isa) -> Self {
        Self(self.0.with_isa(isa))
    }

    pub fn isa(&self) -> Isa {
        self.0.isa()
    }

    /// Logits `[n, classes, h, w]` for images `[n, 1, h, w]`, like [`FusedUNet::forward`].
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [n, _, h, w] = x.dims();
        let device = x.device();
        let logits = self.run(x, false);
        Tensor::<1>::from_floats(logits.as_slice(), &device).reshape([n, self.0.classes(), h, w])
    }

    /// Class probabilities `[n][classes][h][w]` for images `[n, 1, h, w]`: the soft-max of
    /// [`Engine::forward`], computed row by row inside the engine (no tensor round trip).
    pub fn probabilities(&self, x: Tensor<4>) -> Vec<f32> {
        self.run(x, true)
    }

    fn run(&self, x: Tensor<4>, softmax: bool) -> Vec<f32> {
        let [n, _, h, w] = x.dims();
        let input = values(x);
        let mut out = Vec::with_capacity(n * self.0.classes() * h * w);
        for img in input.chunks_exact(h * w) {
            out.extend(self.0.forward_plane(img, h, w, softmax));
        }
        out
    }
}

#[cfg(test)]
mod tests;
