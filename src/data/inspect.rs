//! `inspect`: what a table holds before any modelling.

use std::path::Path;

use polars::prelude::*;
use serde::Serialize;

use super::load;
use crate::error::Result;

/// One column of an inspected table.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnInfo {
    pub name: String,
    pub dtype: String,
    /// Nulls plus NaN (declared missing codes included).
    pub missing: usize,
    /// Variable label (SPSS, Stata).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Value labels, code → label (SPSS, Stata).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub value_labels: Vec<(f64, String)>,
    /// Cells read as missing because they held a declared missing code.
    #[serde(skip_serializing_if = "is_zero")]
    pub declared_missing: usize,
    /// The declared missing codes, e.g. "98, 99".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_codes: Option<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Id-column uniqueness.
#[derive(Debug, Clone, Serialize)]
pub struct IdInfo {
    pub column: String,
    pub distinct: usize,
    /// Ids occurring more than once.
    pub repeated: usize,
    pub examples: Vec<String>,
}

/// What `inspect` reports for one file.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub path: String,
    pub rows: usize,
    pub columns: Vec<ColumnInfo>,
    pub id: Option<IdInfo>,
}

/// Inspect a file; `id` adds a uniqueness check on that column.
pub fn inspect(path: &Path, id: Option<&str>, read: &load::ReadOptions) -> Result<Inspection> {
    let load::Table { df, meta } = load::read_table(path, read)?;
    let file = path.display().to_string();
    let columns = df
        .columns()
        .iter()
        .zip(load::missing_counts(&df))
        .map(|(c, (name, missing))| {
            let m = meta.columns.get(&name).cloned().unwrap_or_default();
            ColumnInfo {
                dtype: c.dtype().to_string(),
                missing,
                label: m.label,
                value_labels: m.value_labels,
                declared_missing: m.declared_missing,
                missing_codes: m.missing_codes,
                name,
            }
        })
        .collect();
    let id = match id {
        Some(id) => {
            load::require_column(&df, &file, id)?;
            let counts = df
                .clone()
                .lazy()
                .group_by([col(id).cast(DataType::String)])
                .agg([len().alias("__n")])
                .sort([id], Default::default())
                .collect()?;
            let rep = counts
                .clone()
                .lazy()
                .filter(col("__n").gt(lit(1)))
                .collect()?;
            let examples = rep
                .column(id)?
                .as_materialized_series()
                .str()?
                .iter()
                .take(super::diagnostics::EXAMPLES)
                .map(|v| v.unwrap_or("<null>").to_string())
                .collect();
            Some(IdInfo {
                column: id.to_string(),
                distinct: counts.height(),
                repeated: rep.height(),
                examples,
            })
        }
        None => None,
    };
    Ok(Inspection {
        path: file,
        rows: df.height(),
        columns,
        id,
    })
}
