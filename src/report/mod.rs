//! Rendering of result structs. Analysis code produces plain `serde` structs; these
//! functions only format them.

pub mod chain;
pub mod charts;
pub mod drivers;
pub mod export;
pub mod format;
pub mod html;
pub mod metrics;
pub mod regression;
pub mod text;
pub mod value;
