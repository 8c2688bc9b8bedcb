//! The diagnostics record of a build: what was read, matched, dropped and flagged.
//!
//! Every row or customer the builder removes appears in [`Diagnostics::dropped`] with its
//! stage, reason, count and the first few ids, so the counts add up from rows read to the
//! customers analysed.

use serde::{Deserialize, Serialize};

/// How many ids a diagnostics entry lists as examples.
pub const EXAMPLES: usize = 5;

/// One input table as read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputReport {
    /// Table name from the study.
    pub name: String,
    /// File path as given.
    pub path: String,
    /// `customer` or `respondent`.
    pub level: String,
    /// Rows in the file.
    pub rows_read: usize,
    /// Distinct customers this table contributes after its own cleaning (and aggregation).
    pub customers: usize,
}

/// Rows or customers removed at some stage, with the reason.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Dropped {
    /// Where it happened: a table name, `join` or `customers`.
    pub stage: String,
    /// Why, in words (e.g. "missing value in 'revenue'").
    pub reason: String,
    /// What was counted: `rows` (input rows) or `customers`.
    pub unit: String,
    pub count: usize,
    /// The first few ids concerned (sorted).
    pub examples: Vec<String>,
}

/// Values kept but outside their valid or declared range.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RangeWarning {
    pub column: String,
    /// The range checked, e.g. "[0, 1]".
    pub range: String,
    pub count: usize,
    pub examples: Vec<String>,
}

/// Customers per segment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SegmentCount {
    pub segment: String,
    pub customers: usize,
}

/// Everything the builder did to the data.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Diagnostics {
    pub study: String,
    pub inputs: Vec<InputReport>,
    /// Customers present in every table (before missing-value checks).
    pub joined_customers: usize,
    pub dropped: Vec<Dropped>,
    pub out_of_range: Vec<RangeWarning>,
    /// Customers in the final table.
    pub customers: usize,
    pub segments: Vec<SegmentCount>,
    /// Other remarks (columns not aggregated, duplicated column names skipped, ...).
    pub notes: Vec<String>,
}

impl Diagnostics {
    /// Total removed at a stage whose unit is `customers`.
    pub fn customers_dropped(&self) -> usize {
        self.dropped
            .iter()
            .filter(|d| d.unit == "customers")
            .map(|d| d.count)
            .sum()
    }
}
