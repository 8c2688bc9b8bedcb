//! The diagnostics record of a build: what was read, matched, dropped and flagged.
//!
//! Every row or customer the builder removes appears in [`Diagnostics::dropped`] with its
//! stage, reason, count and the first few ids, so the counts add up from rows read to the
//! customers analysed.

use serde::{Deserialize, Serialize};

use super::audit::{Finding, Severity};

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
    /// Distinct customer ids read (rows without an id are not customers).
    pub customers: usize,
    /// Customers this table still holds after its own cleaning and aggregation
    /// (respondents without a valid rating, `min_respondents`).
    pub customers_kept: usize,
    /// Cells read as missing because they held a code the file declares missing (SPSS
    /// user-missing values such as 98 = "Don't know", Stata's `.a`–`.z`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declared_missing: Vec<DeclaredMissing>,
}

/// Cells of one column set to missing by the file's declared missing codes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeclaredMissing {
    pub column: String,
    /// The codes, e.g. "98, 99".
    pub codes: String,
    pub count: usize,
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
    /// Distinct customer ids over all tables. Every one of them is either analysed or
    /// counted once in `dropped` (unit `customers`) at the stage that removed it, so
    /// `customers_read = customers + customers_dropped()`.
    pub customers_read: usize,
    /// Customers present in every table (before missing-value checks).
    pub joined_customers: usize,
    pub dropped: Vec<Dropped>,
    pub out_of_range: Vec<RangeWarning>,
    /// Customers in the final table.
    pub customers: usize,
    pub segments: Vec<SegmentCount>,
    /// Things that may change what the results mean (values kept outside their range, a
    /// segment rule that yields one segment, ...). They travel with every result: chain
    /// text header, report Data section, `diagnostics.csv` and JSON.
    pub warnings: Vec<String>,
    /// Other remarks (columns not aggregated, duplicated column names skipped, ids trimmed...).
    pub notes: Vec<String>,
    /// The input audit's findings (`data::audit`): each rule that fired, with its id,
    /// severity, count, examples and message in English and Chinese. Every warning and
    /// note it made is also in `warnings` / `notes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit: Vec<Finding>,
}

/// One row of the diagnostics as a table (`diagnostics.csv`, the report's Data section).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DiagnosticRow {
    /// A table name, `join`, `customers`, `warning` or `note`.
    pub stage: String,
    /// The audit rule behind a warning or note (`data::audit`), else empty.
    pub rule: String,
    pub what: String,
    /// `rows`, `customers` or empty for warnings and notes.
    pub unit: String,
    pub count: Option<u64>,
    /// Example ids, quoted, comma-separated.
    pub examples: String,
}

/// Ids as the analyst should see them: quoted, so a trailing space is visible.
pub fn quote_ids(ids: &[String]) -> String {
    ids.iter()
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Diagnostics {
    /// Record an audit finding: a warning or a note (its English text also goes to
    /// `warnings` / `notes`, so every output that shows those shows it). Stopping
    /// findings are the caller's to turn into an error.
    pub fn add(&mut self, f: Finding) {
        match f.severity {
            Severity::Warn | Severity::Stop => self.warnings.push(f.message.clone()),
            Severity::Note => self.notes.push(f.message.clone()),
        }
        self.audit.push(f);
    }

    /// The Chinese text of a warning or note the audit made (None for other messages).
    pub fn zh_of(&self, message: &str) -> Option<&str> {
        self.audit
            .iter()
            .find(|f| f.message == message)
            .map(|f| f.message_zh.as_str())
    }

    /// Total removed at a stage whose unit is `customers`.
    pub fn customers_dropped(&self) -> usize {
        self.dropped
            .iter()
            .filter(|d| d.unit == "customers")
            .map(|d| d.count)
            .sum()
    }

    /// Everything in reading order as table rows: rows read per input, each drop, the
    /// join, customers analysed per segment, then warnings and notes.
    pub fn rows(&self) -> Vec<DiagnosticRow> {
        let row = |stage: &str, what: String, unit: &str, count: Option<usize>, ex: &[String]| {
            DiagnosticRow {
                stage: stage.to_string(),
                rule: String::new(),
                what,
                unit: unit.to_string(),
                count: count.map(|c| c as u64),
                examples: quote_ids(ex),
            }
        };
        let mut out = Vec::new();
        for i in &self.inputs {
            out.push(row(
                &i.name,
                format!("rows read from {}", i.path),
                "rows",
                Some(i.rows_read),
                &[],
            ));
            out.push(row(
                &i.name,
                "customers read".into(),
                "customers",
                Some(i.customers),
                &[],
            ));
        }
        out.push(row(
            "all tables",
            "distinct customers read".into(),
            "customers",
            Some(self.customers_read),
            &[],
        ));
        for d in &self.dropped {
            out.push(row(
                &d.stage,
                format!("dropped: {}", d.reason),
                &d.unit,
                Some(d.count),
                &d.examples,
            ));
        }
        out.push(row(
            "join",
            "customers in every table".into(),
            "customers",
            Some(self.joined_customers),
            &[],
        ));
        for s in &self.segments {
            out.push(row(
                "customers",
                format!("analysed in segment '{}'", s.segment),
                "customers",
                Some(s.customers),
                &[],
            ));
        }
        out.push(row(
            "customers",
            "analysed in total".into(),
            "customers",
            Some(self.customers),
            &[],
        ));
        // Warnings and notes; the audit's carry their rule, count and examples.
        for (stage, list) in [("warning", &self.warnings), ("note", &self.notes)] {
            for w in list {
                let mut r = row(stage, w.clone(), "", None, &[]);
                if let Some(f) = self.audit.iter().find(|f| &f.message == w) {
                    r.rule = f.rule.clone();
                    r.count = (f.count > 0).then_some(f.count as u64);
                    r.examples = quote_ids(&f.examples);
                }
                out.push(r);
            }
        }
        out
    }
}
