//! The one place that knows which burn backends exist. Code is generic over
//! `B: Backend`; [`dispatch`] and [`dispatch_train`] turn a runtime [`BackendKind`] (from
//! `--backend`) into a concrete type.
//!
//! CPU: `flex` (default: fastest in burn 0.21 on these machines) and `ndarray`; GPU: `cuda`
//! with `--features cuda` (cudarc loads libcuda at run time, no toolkit needed to build).

use std::fmt;
use std::str::FromStr;

use burn::backend::flex::FlexDevice;
use burn::backend::ndarray::NdArrayDevice;
use burn::backend::{Autodiff, Flex, NdArray};
use burn::tensor::backend::{AutodiffBackend, Backend};

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

/// Work that runs on any inference backend.
pub trait BackendTask {
    type Output;
    fn run<B: Backend>(self, device: B::Device) -> Self::Output;
}

/// Work that needs gradients.
pub trait TrainTask {
    type Output;
    fn run<B: AutodiffBackend>(self, device: B::Device) -> Self::Output;
}

/// Runs `task` on the backend `kind`.
pub fn dispatch<T: BackendTask>(kind: BackendKind, task: T) -> T::Output {
    match kind {
        BackendKind::Flex => task.run::<Flex>(FlexDevice),
        BackendKind::NdArray => task.run::<NdArray>(NdArrayDevice::default()),
        #[cfg(feature = "cuda")]
        BackendKind::Cuda => task.run::<burn::backend::Cuda>(Default::default()),
    }
}

/// Runs `task` on the autodiff version of backend `kind`.
pub fn dispatch_train<T: TrainTask>(kind: BackendKind, task: T) -> T::Output {
    match kind {
        BackendKind::Flex => task.run::<Autodiff<Flex>>(FlexDevice),
        BackendKind::NdArray => task.run::<Autodiff<NdArray>>(NdArrayDevice::default()),
        #[cfg(feature = "cuda")]
        BackendKind::Cuda => task.run::<Autodiff<burn::backend::Cuda>>(Default::default()),
    }
}
