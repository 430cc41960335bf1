//! burn's Adam (`AdamConfig::new()`: β₁ 0.9, β₂ 0.999, ε 1e-5, no weight decay), in place.
//!
//! Per tensor and element, at step `t` (from 1):
//! `m ← β₁·m + (1 − β₁)·g`, `v ← β₂·v + (1 − β₂)·g²`,
//! `θ ← θ − lr · (m · √(1 − β₂ᵗ)/(1 − β₁ᵗ)) / (√v + ε·√(1 − β₂ᵗ))`,
//! the bias-corrected update `lr·m̂ / (√v̂ + ε)` in burn's arrangement, in f32 like burn.

use rayon::prelude::*;

use super::TrainWeights;

/// Adam's moments for every trainable tensor ([`TrainWeights::params`] order) and its step.
#[derive(Debug, Clone, PartialEq)]
pub struct Adam {
    pub beta1: f32,
    pub beta2: f32,
    pub epsilon: f32,
    /// Steps taken.
    pub time: i32,
    pub m: Vec<Vec<f32>>,
    pub v: Vec<Vec<f32>>,
}

impl Adam {
    /// burn's defaults, zero moments for the tensors of `w`.
    pub fn new(w: &TrainWeights) -> Self {
        let zeros: Vec<Vec<f32>> = w.params().iter().map(|p| vec![0.0; p.len()]).collect();
        Self {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-5,
            time: 0,
            m: zeros.clone(),
            v: zeros,
        }
    }
}

/// Elements per parallel chunk.
const CHUNK: usize = 1 << 14;

/// One Adam step of `w` along `grads` (same shapes) with learning rate `lr`.
pub fn adam_step(w: &mut TrainWeights, grads: &TrainWeights, state: &mut Adam, lr: f64) {
    state.time += 1;
    let (b1, b2) = (state.beta1, state.beta2);
    let bc2 = (1.0 - b2.powi(state.time)).sqrt();
    let factor = bc2 / (1.0 - b1.powi(state.time));
    let eps = state.epsilon * bc2;
    let lr = lr as f32;
    let params = w.params_mut();
    let gs = grads.params();
    assert_eq!(params.len(), gs.len(), "gradients of every tensor");
    for (((p, g), m), v) in params
        .into_iter()
        .zip(gs)
        .zip(&mut state.m)
        .zip(&mut state.v)
    {
        assert_eq!(p.len(), g.len(), "gradient shapes");
        p.par_chunks_mut(CHUNK)
            .zip(g.par_chunks(CHUNK))
            .zip(m.par_chunks_mut(CHUNK))
            .zip(v.par_chunks_mut(CHUNK))
            .for_each(|(((p, g), m), v)| {
                for i in 0..p.len() {
                    m[i] = m[i] * b1 + g[i] * (1.0 - b1);
                    v[i] = v[i] * b2 + g[i] * g[i] * (1.0 - b2);
                    p[i] -= m[i] * factor / (v[i].sqrt() + eps) * lr;
                }
            });
    }
}
