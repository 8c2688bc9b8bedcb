//! Rendering of result structs. Analysis code produces plain `serde` structs; these
//! functions only format them.

pub mod chain;
pub mod chain_charts;
mod chain_text;
pub mod charts;
pub mod clv;
pub mod clv_charts;
pub mod covariates;
pub mod csi;
pub mod csi_charts;
pub mod drivers;
pub mod export;
pub mod feedback;
pub mod feedback_html;
/// Number formatting (defined at the crate root, shared with messages).
pub use crate::format;
mod found_section;
pub mod html;
mod html_lifetime;
mod html_sections;
pub mod i18n;
pub mod invest;
pub mod invest_charts;
pub mod metrics;
pub mod regression;
pub mod retention;
pub mod segments;
pub mod segments_charts;
pub mod summary_zh;
pub mod text;
pub mod theme;
pub mod value;
