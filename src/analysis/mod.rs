//! Analyses built on the statistics layer.

pub mod regress;
pub mod chain;
