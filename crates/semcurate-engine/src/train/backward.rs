//! The backward pass: from the logits' gradient to every parameter's, through the saved
//! forward tensors ([`Saved`]), with the spike's convolution kernels ([`crate::grad`]).
//!
//! Per double conv, from the gradient of its (dropped-out) output: `BatchNorm` + `ReLU` +
//! dropout backward in place ([`bn::backward`]), conv b's dW (input `mid`) and dX, the same
//! for conv a, whose dX is split by input channel range for a concatenation (skip, up). Each
//! encoder output's gradient is the skip's plus the max-pool's backward (argmax routing).

use super::bn;
use super::forward::{BlockSaved, Saved, cat};
use super::{Bn, ConvBn, TrainWeights};
use crate::grad::{self, singles};
use crate::kernels::Packed;
use crate::{Act, Conv, Isa, UpConv};

/// Gradients of one convolution + `BatchNorm` (running statistics empty).
fn conv_bn_grads(conv: grad::Grads, like: &Conv, bn: [Vec<f32>; 2]) -> ConvBn {
    let [gamma, beta] = bn;
    ConvBn {
        conv: Conv {
            w: conv.w,
            b: conv.b,
            ..like.clone_shape()
        },
        bn: Bn {
            gamma,
            beta,
            running_mean: Vec::new(),
            running_var: Vec::new(),
        },
    }
}

impl Conv {
    /// The same sizes, no values.
    fn clone_shape(&self) -> Self {
        Self {
            cout: self.cout,
            cin: self.cin,
            k: self.k,
            w: Vec::new(),
            b: Vec::new(),
        }
    }
}

/// The input-gradient weights of input channels `range` of a 3×3 convolution.
fn input_grad_part(c: &Conv, range: std::ops::Range<usize>) -> Packed {
    let part = Conv {
        cin: range.len(),
        w: (0..c.cout)
            .flat_map(|co| c.w[(co * c.cin + range.start) * 9..(co * c.cin + range.end) * 9].iter())
            .copied()
            .collect(),
        ..c.clone_shape()
    };
    grad::pack_input_grad(&part)
}

/// Backward of one double conv from `dy` (its output's gradient, consumed): its parameters'
/// gradients and, unless `parts` is empty, the gradients of its input's parts (channel
/// counts `parts`, e.g. `[skip, up]`).
fn block(
    isa: Isa,
    d: &[ConvBn; 2],
    s: &BlockSaved,
    xs: &[Vec<&Act>],
    keep: &[f32],
    mut dy: Vec<Act>,
    parts: &[usize],
) -> ([ConvBn; 2], Vec<Vec<Act>>) {
    let bn_b = bn::backward(&mut dy, &s.b.z, &s.b.norm(&d[1].bn.gamma), Some(keep));
    let gb = grad::conv3_weight_grad(isa, &singles(&s.mid), &dy);
    let mut dmid = grad::conv3_input_grad(isa, &grad::pack_input_grad(&d[1].conv), &dy);
    drop(dy);
    let bn_a = bn::backward(&mut dmid, &s.a.z, &s.a.norm(&d[0].bn.gamma), None);
    let ga = grad::conv3_weight_grad(isa, xs, &dmid);
    let mut dx = Vec::new();
    let mut c0 = 0;
    for &c in parts {
        let p = input_grad_part(&d[0].conv, c0..c0 + c);
        dx.push(grad::conv3_input_grad(isa, &p, &dmid));
        c0 += c;
    }
    let grads = [
        conv_bn_grads(ga, &d[0].conv, bn_a),
        conv_bn_grads(gb, &d[1].conv, bn_b),
    ];
    (grads, dx)
}

/// Backward of an up-conv of inputs `x` from `dy` (its output's gradient): its gradients and
/// its input's gradient.
fn up(isa: Isa, u: &UpConv, x: &[Act], dy: &[Act]) -> (UpConv, Vec<Act>) {
    let phases = grad::up_split_batch(dy);
    let g = grad::up_weight_grad(isa, x, &phases);
    let dx = grad::up_input_grad(isa, &grad::pack_up_input_grad(u), &phases);
    let grads = UpConv {
        cin: u.cin,
        cout: u.cout,
        w: g.w,
        b: g.b,
    };
    (grads, dx)
}

/// The gradients of every parameter of `w` from the logits' gradient `dlogits` (K channels
/// per image, zero border) of the forward pass `s` run with `w` and dropout masks `keep`
/// (`DropMasks::0`). Running statistics of the result are empty.
pub fn backward(
    isa: Isa,
    w: &TrainWeights,
    s: &Saved,
    keep: &[Vec<f32>; 7],
    dlogits: &[Act],
) -> TrainWeights {
    let b = w.width();
    let x16 = singles(&s.dec[2].out);
    let head = grad::conv1_weight_grad(isa, &x16, dlogits);
    let ph = &w.head;
    let tp = Packed::new(
        ph.cout,
        ph.cin,
        1,
        |o, i, _| ph.w[i * ph.cin + o],
        &vec![0.0; ph.cin],
    );
    let mut dy = grad::conv1_batch(isa, &tp, &singles(dlogits));
    // Decoder, deepest last: block (skip, up) → up-conv.
    let skips = [&s.enc[2].out, &s.enc[1].out, &s.enc[0].out];
    let widths = [4 * b, 2 * b, b];
    let below = [&s.enc[3].out, &s.dec[0].out, &s.dec[1].out];
    let mut dec_g = Vec::new();
    let mut up_g = Vec::new();
    let mut dskip = Vec::new();
    for i in (0..3).rev() {
        let xs = cat(skips[i], &s.ups[i]);
        let parts = [widths[i], widths[i]];
        let (g, mut dx) = block(isa, &w.dec[i], &s.dec[i], &xs, &keep[4 + i], dy, &parts);
        let dup = dx.pop().expect("two parts");
        dskip.push(dx.pop().expect("two parts"));
        let (ug, dbelow) = up(isa, &w.up[i], below[i], &dup);
        dec_g.push(g);
        up_g.push(ug);
        dy = dbelow;
    }
    // dskip: [skip of block 7 (enc 1), of 6 (enc 2), of 5 (enc 3)].
    let mut enc_g = Vec::new();
    for i in (0..4).rev() {
        let xs = if i == 0 {
            singles(&s.x0)
        } else {
            singles(&s.pooled[i - 1])
        };
        let parts: &[usize] = if i == 0 { &[] } else { &[w.enc[i][0].conv.cin] };
        let (g, mut dx) = block(isa, &w.enc[i], &s.enc[i], &xs, &keep[i], dy, parts);
        enc_g.push(g);
        if i == 0 {
            break;
        }
        let dpool = dx.pop().expect("one part");
        let mut acc = dskip
            .pop()
            .expect("a skip per encoder level below the bottleneck");
        bn::pool_backward_add(&s.enc[i - 1].out, &dpool, &mut acc);
        dy = acc;
    }
    finish(enc_g, up_g, dec_g, head, ph)
}

/// Gradients collected deepest-last into a [`TrainWeights`].
fn finish(
    mut enc: Vec<[ConvBn; 2]>,
    mut up: Vec<UpConv>,
    mut dec: Vec<[ConvBn; 2]>,
    head: grad::Grads,
    like: &Conv,
) -> TrainWeights {
    enc.reverse();
    up.reverse();
    dec.reverse();
    TrainWeights {
        enc: enc.try_into().expect("4 levels"),
        up: up.try_into().expect("3 levels"),
        dec: dec.try_into().expect("3 levels"),
        head: Conv {
            w: head.w,
            b: head.b,
            ..like.clone_shape()
        },
    }
}
