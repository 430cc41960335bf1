//! The one place that knows which burn backends exist: a runtime [`BackendKind`] (from
//! `--backend`) becomes a burn [`Device`]. Models and tensors carry no backend type; the
//! device chooses where they live.
//!
//! CPU: `flex` (default: fastest on these machines) and `ndarray` (deprecated by burn 0.22,
//! kept while burn has it); GPU: `cuda` with `--features cuda` (cudarc loads libcuda and
//! NVRTC at run time, no toolkit needed to build).

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;

/// A compiled-in backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackendKind {
    /// burn-flex: pure-Rust CPU with SIMD and rayon.
    #[default]
    Flex,
    /// burn-ndarray: the older CPU backend.
    NdArray,
    /// NVIDIA GPU through CUDA.
    #[cfg(feature = "cuda")]
    Cuda,
}

impl BackendKind {
    /// Backends this binary was built with.
    pub fn compiled() -> Vec<Self> {
        vec![
            Self::Flex,
            Self::NdArray,
            #[cfg(feature = "cuda")]
            Self::Cuda,
        ]
    }

    /// Name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Flex => "flex",
            Self::NdArray => "ndarray",
            #[cfg(feature = "cuda")]
            Self::Cuda => "cuda",
        }
    }

    /// The device for inference (no gradients).
    pub fn device(self) -> Device {
        match self {
            Self::Flex => Device::flex(),
            #[allow(deprecated)]
            // burn 0.22 deprecates ndarray; it stays selectable while it exists
            Self::NdArray => Device::ndarray(),
            #[cfg(feature = "cuda")]
            Self::Cuda => Device::cuda(0),
        }
    }

    /// Same-size images per forward pass when predicting many: flex and ndarray are fastest
    /// one image at a time (batch 8 costs 1.3–1.6× more per image, docs/BENCHMARKS.md); a GPU
    /// needs batches to be busy.
    pub fn default_batch(self) -> usize {
        match self {
            Self::Flex | Self::NdArray => 1,
            #[cfg(feature = "cuda")]
            Self::Cuda => 16,
        }
    }

    /// Who computes training steps by default: the CPU engine for the CPU backends on CPUs
    /// with AVX2 or AVX-512 (it runs at about PyTorch's speed, burn's CPU autodiff at 3–5×
    /// its cost, docs/BENCHMARKS.md), burn on a GPU and where the engine has only its
    /// portable kernels (as for inference).
    pub fn trainer(self) -> crate::model::train::Trainer {
        use crate::model::train::Trainer;
        match self {
            Self::Flex | Self::NdArray if semcurate_engine::Isa::best().is_fast() => {
                Trainer::Engine
            }
            Self::Flex | Self::NdArray => Trainer::Burn,
            #[cfg(feature = "cuda")]
            Self::Cuda => Trainer::Burn,
        }
    }

    /// The device for training: [`BackendKind::device`] with autodiff.
    pub fn train_device(self) -> Device {
        self.device().autodiff()
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BackendKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(k) = Self::compiled().into_iter().find(|k| k.name() == s) {
            return Ok(k);
        }
        let names: Vec<&str> = Self::compiled().into_iter().map(Self::name).collect();
        let hint = if s == "cuda" {
            " (rebuild with --features cuda)"
        } else {
            ""
        };
        Err(format!(
            "backend '{s}' is not built into this semcurate{hint}; available: {}",
            names.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_devices_match() {
        for k in BackendKind::compiled() {
            assert_eq!(k.name().parse::<BackendKind>(), Ok(k));
            assert!(!k.device().is_autodiff());
            assert!(k.train_device().is_autodiff());
        }
        let e = "tpu".parse::<BackendKind>().unwrap_err();
        assert!(e.contains("'tpu'") && e.contains("flex"), "{e}");
    }
}
