//! Integration tests, in one binary so polars is linked once.

mod builder;
mod catalogue;
mod chain;
mod charts;
mod cli;
mod clv;
mod clv_study;
mod common;
mod csi;
mod drivers;
mod first_day;
mod formats;
mod fuzz;
mod language;
mod messy;
mod messy_mixes;
mod messy_summaries;
mod metrics;
mod nist;
mod peers;
mod pls;
mod report;
mod scale;
mod simulate;
mod value;
