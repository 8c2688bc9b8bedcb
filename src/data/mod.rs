//! Tables: loading, the study spec, the customer-table builder and its diagnostics,
//! and the simulator of sample studies.

mod aggregate;
pub mod audit;
pub mod batches;
pub mod build;
pub mod diagnostics;
pub mod inspect;
pub mod load;
pub mod purchases;
pub mod returns;
pub mod sample;
pub mod simulate;
pub mod simulate_comments;
pub mod simulate_subscriptions;
pub mod simulate_table;
pub mod study;
pub mod study_sections;
pub mod subscriptions;
pub mod text;
pub mod transactions;

pub use build::{build, CustomerTable};
pub use diagnostics::Diagnostics;
pub use study::{SegmentRule, Study};
