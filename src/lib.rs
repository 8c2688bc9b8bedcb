//! profitchain: customer-value and profitability modeling.
//!
//! The chain tested here — satisfaction → share of wallet → revenue → profit — is fitted
//! per profitability segment, because pooled results can hide opposite effects in
//! profitable and unprofitable customers.
//!
//! * [`data`]: loading tables, the study file, the customer-table builder with diagnostics,
//!   the simulator.
//! * [`stats`]: OLS on linfa with full inference, robust covariance, formulas, diagnostics.
//! * [`report`]: rendering of result structs.
//! * [`cli`]: the `profitchain` command's arguments and orchestration, one module per
//!   subcommand; the Python bindings run the same verbs through it.
//! * [`output`]: atomic file writing; [`format`]: how numbers read for people (used by
//!   messages at every level and by the renderers).

pub mod analysis;
pub mod cli;
pub mod data;
pub mod error;
pub mod format;
pub mod output;
pub mod progress;
pub mod report;
pub mod stats;

pub use error::{Error, Result};
