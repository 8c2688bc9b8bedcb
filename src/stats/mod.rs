//! Statistics: OLS on linfa with full inference, robust covariances, formulas and
//! regression diagnostics.

pub mod blocks;
pub mod bootstrap;
pub mod btyd;
pub mod concomitant;
pub mod correlation;
pub mod dd;
pub mod formula;
pub mod importance;
pub mod mixture;
pub mod mob;
pub mod moments;
pub mod ols;
pub mod pls;
pub mod refine;
pub mod regression;
pub mod sbg;

pub use formula::{model_frame, Formula, ModelFrame};
pub use ols::{CovType, Design, OlsFit, Refinement};
pub use regression::RegressionResult;
