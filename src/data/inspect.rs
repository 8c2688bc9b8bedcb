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
    /// Nulls plus NaN.
    pub missing: usize,
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
pub fn inspect(path: &Path, id: Option<&str>) -> Result<Inspection> {
    let df = load::read(path)?;
    let file = path.display().to_string();
    let columns = df
        .columns()
        .iter()
        .zip(load::missing_counts(&df))
        .map(|(c, (name, missing))| ColumnInfo {
            name,
            dtype: c.dtype().to_string(),
            missing,
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
