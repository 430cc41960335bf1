//! `semcurate synth`: write a synthetic BSE dataset (see `crate::synth`).
