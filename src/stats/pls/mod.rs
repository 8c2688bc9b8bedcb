//! PLS path modeling of multi-item surveys: the model specification, Lohmöller's algorithm
//! on the correlation matrix, and the reliability and validity measures.

pub mod algorithm;
pub mod model;
pub mod quality;

pub use algorithm::{CoreFit, Scheme, Settings, Structure};
pub use model::{Construct, Mode, PlsModel};
