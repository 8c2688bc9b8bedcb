//! What statistics files say about their columns beyond the values: variable labels
//! ("Overall, how satisfied are you with…"), value labels (1 = "North") and declared
//! missing-value codes (98 = "Don't know"). SPSS and Stata carry them; CSV, Excel and the
//! columnar formats do not, so their [`TableMeta`] is empty.
//!
//! Codes stay numbers in the table, so a labelled rating is still a rating. A command that
//! uses a column as categories — a `column:` segment rule, `metrics --by`, `C(x)` in a
//! formula — calls [`TableMeta::with_labels`] to show the labels instead of the codes.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// One column's metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnMeta {
    /// Variable label, e.g. "Overall, how satisfied are you with our service?".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Value labels, code → label, in code order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub value_labels: Vec<(f64, String)>,
    /// SPSS measurement level (`nominal`, `ordinal`, `scale`), when the file declares one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    /// The declared missing codes in words, e.g. "98, 99" or "97 thru 99" or ".a–.z".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_codes: Option<String>,
    /// Cells that held a declared missing code and were read as missing.
    #[serde(default)]
    pub declared_missing: usize,
}

/// Metadata of every column that has any, by column name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableMeta {
    pub columns: BTreeMap<String, ColumnMeta>,
    /// Where the rows are in the file, to name them as the analyst sees them.
    #[serde(skip)]
    pub origin: Origin,
}

/// Where a table's data rows are in its file, so a message names a row the way the
/// analyst finds it: the CSV line, the Excel cell, the SPSS case, the Stata observation.
/// (Text files are assumed to have no blank lines between data rows.)
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Origin {
    /// A text file whose data row 0 is on line `first` (a CSV with a header: 2).
    Lines {
        first: usize,
    },
    /// A workbook sheet: the header's 0-based sheet row and the first column's 0-based
    /// index, and the column names in sheet order.
    Workbook {
        sheet: String,
        header_row: usize,
        first_col: usize,
        columns: Vec<String>,
    },
    Spss,
    Stata,
    /// Anything else (Parquet, IPC, NDJSON, tables built in memory): the 1-based row.
    #[default]
    Rows,
}

impl Origin {
    /// Data row `i` (0-based, as read) in the analyst's terms: `line 12`, `row 12 of sheet
    /// 'accounts'`, `case 11`, `observation 11`, `row 11`.
    pub fn row(&self, i: usize) -> String {
        match self {
            Origin::Lines { first } => format!("line {}", i + first),
            Origin::Workbook {
                sheet, header_row, ..
            } => format!("row {} of sheet '{sheet}'", header_row + 2 + i),
            Origin::Spss => format!("case {}", i + 1),
            Origin::Stata => format!("observation {}", i + 1),
            Origin::Rows => format!("row {}", i + 1),
        }
    }

    /// The cell of data row `i` in `column`: Excel's `D63` (with the sheet), else the row
    /// as [`Origin::row`] says it.
    pub fn cell(&self, i: usize, column: &str) -> String {
        match self {
            Origin::Workbook {
                sheet,
                header_row,
                first_col,
                columns,
            } => match columns.iter().position(|c| c == column) {
                Some(j) => format!(
                    "cell {} of sheet '{sheet}'",
                    cell_ref(header_row + 1 + i, first_col + j)
                ),
                None => self.row(i),
            },
            _ => self.row(i),
        }
    }
}

/// Excel's A1 name of a zero-based cell.
pub fn cell_ref(row: usize, col: usize) -> String {
    let mut letters = String::new();
    let mut c = col + 1;
    while c > 0 {
        let r = (c - 1) % 26;
        letters.insert(0, (b'A' + r as u8) as char);
        c = (c - 1) / 26;
    }
    format!("{letters}{}", row + 1)
}

impl TableMeta {
    /// True when no column carries metadata (CSV, Excel, Parquet...).
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// A column's variable label.
    pub fn label(&self, column: &str) -> Option<&str> {
        self.columns.get(column)?.label.as_deref()
    }

    /// A column's value labels (empty when it has none).
    pub fn value_labels(&self, column: &str) -> &[(f64, String)] {
        self.columns
            .get(column)
            .map(|c| c.value_labels.as_slice())
            .unwrap_or(&[])
    }

    /// Columns with declared-missing cells: (column, codes, count), in column order.
    pub fn declared_missing(&self) -> Vec<(String, String, usize)> {
        self.columns
            .iter()
            .filter(|(_, m)| m.declared_missing > 0)
            .map(|(c, m)| {
                (
                    c.clone(),
                    m.missing_codes.clone().unwrap_or_default(),
                    m.declared_missing,
                )
            })
            .collect()
    }

    /// Add another table's metadata; a column already described keeps its first entry.
    pub fn extend(&mut self, other: TableMeta) {
        for (k, v) in other.columns {
            self.columns.entry(k).or_insert(v);
        }
    }

    /// `df` with `column`'s codes replaced by their value labels (a text column). Codes
    /// without a label keep their number as text ("7", not "7.0"); missing stays missing.
    /// A column without value labels, or not numeric, is returned unchanged.
    pub fn with_labels(&self, df: DataFrame, column: &str) -> Result<DataFrame> {
        let labels = self.value_labels(column);
        let numeric = df
            .schema()
            .get(column)
            .is_some_and(|t| t.is_primitive_numeric());
        if labels.is_empty() || !numeric {
            return Ok(df);
        }
        let c = col(column).cast(DataType::Float64);
        let integral = labels.iter().all(|(v, _)| v.fract() == 0.0);
        let as_text = if integral {
            // Whole codes print without ".0"; a fractional code stays as it is.
            when(
                c.clone()
                    .cast(DataType::Int64)
                    .cast(DataType::Float64)
                    .eq(c.clone()),
            )
            .then(c.clone().cast(DataType::Int64).cast(DataType::String))
            .otherwise(c.clone().cast(DataType::String))
        } else {
            c.clone().cast(DataType::String)
        };
        let mut expr = as_text;
        for (code, label) in labels.iter().rev() {
            expr = when(c.clone().eq(lit(*code)))
                .then(lit(label.clone()))
                .otherwise(expr);
        }
        Ok(df.lazy().with_column(expr.alias(column)).collect()?)
    }

    /// The labels of `column` in code order, for ordering categories as the file does.
    pub fn label_order(&self, column: &str) -> Vec<String> {
        self.value_labels(column)
            .iter()
            .map(|(_, l)| l.clone())
            .collect()
    }
}

/// A table read from a file, with what the file says about its columns.
#[derive(Debug, Clone)]
pub struct Table {
    pub df: DataFrame,
    pub meta: TableMeta,
}

impl From<DataFrame> for Table {
    /// A table built in memory: no labels, rows named by number.
    fn from(df: DataFrame) -> Self {
        Table {
            df,
            meta: TableMeta::default(),
        }
    }
}

/// A number as a code is written: `98`, not `98.0`.
pub fn code_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
