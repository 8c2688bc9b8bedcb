//! Analyses built on the statistics layer.

pub mod chain;
/// The chain's plain-language summary (also reachable as `chain::summary`).
pub use chain::summary as chain_summary;
pub mod clv;
pub mod covariates;
pub mod csi;
pub mod csi_study;
pub mod drivers;
pub mod feedback;
pub mod invest;
pub mod metrics;
pub mod regress;
pub mod regress_parts;
pub mod retention;
pub mod segments;
pub mod study;
pub mod value;
