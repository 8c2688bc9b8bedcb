//! Integration tests, in one binary so polars is linked once.

mod builder;
mod cli;
mod common;
mod nist;
mod peers;
mod simulate;
