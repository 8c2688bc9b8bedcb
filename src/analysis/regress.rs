//! `regress`: one formula fitted on a table, overall or per group.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::{model_frame, CovType, Formula, OlsFit, RegressionResult};

/// Options of a regression run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegressOptions {
    pub formula: String,
    /// Fit separately per value of this column.
    pub by: Option<String>,
    pub se: CovType,
    pub confidence: f64,
    /// Id column used to label influential rows.
    pub id: Option<String>,
}

/// The `regress` output: one model per group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegressOutput {
    pub models: Vec<RegressionResult>,
    /// What was read and what the input audit found.
    #[serde(default)]
    pub diagnostics: crate::data::Diagnostics,
}

/// More groups than this in a `--by` column is a mistake (a measure or an id, not a
/// grouping): one table per group and every pair compared would not be readable.
pub const MAX_GROUPS: usize = 50;

/// Distinct values of `by` as text, sorted; missing values, and more than [`MAX_GROUPS`]
/// groups, are errors naming the column.
pub fn group_values(df: &DataFrame, by: &str) -> Result<Vec<String>> {
    crate::data::load::require_column(df, "the table", by)?;
    let s = df.column(by)?.cast(&DataType::String)?;
    let s = s.as_materialized_series();
    if s.null_count() > 0 {
        return Err(Error::Degenerate(format!(
            "grouping column '{by}' (--by) has {} missing values; fill or filter them first",
            s.null_count()
        )));
    }
    let mut v: Vec<String> = s.str()?.iter().flatten().map(str::to_string).collect();
    v.sort();
    v.dedup();
    if v.len() > MAX_GROUPS {
        let singles = df
            .clone()
            .lazy()
            .group_by([col(by).cast(DataType::String)])
            .agg([len().alias("__n")])
            .filter(col("__n").eq(lit(1)))
            .collect()?
            .height();
        return Err(Error::Usage(format!(
            "--by {by}: the column has {} distinct values ({singles} of them in a single row), e.g. {}; a result per value and {} pairwise comparisons would not be readable. Group by a coarser column (a region rather than a branch, a band rather than a number), at most {MAX_GROUPS} groups.",
            v.len(),
            v.iter().take(5).map(|g| format!("'{g}'")).collect::<Vec<_>>().join(", "),
            crate::format::thousands((v.len() * (v.len() - 1) / 2) as f64, 0)
        )));
    }
    Ok(v)
}

/// Rows of `df` whose `by` value (as text) is `value`.
pub fn subset(df: &DataFrame, by: &str, value: &str) -> Result<DataFrame> {
    Ok(df
        .clone()
        .lazy()
        .filter(col(by).cast(DataType::String).eq(lit(value)))
        .collect()?)
}

/// Fit the formula on `df` (named `file` in errors) as `group`.
pub fn fit_one(
    df: &DataFrame,
    file: &str,
    opts: &RegressOptions,
    group: &str,
) -> Result<RegressionResult> {
    let formula = Formula::parse(&opts.formula)?;
    let frame = model_frame(&formula, df, file)?;
    let fit = OlsFit::fit(&frame.design).map_err(|e| match e {
        Error::Degenerate(m) if group != "all" => {
            Error::Degenerate(format!("group '{group}': {m}"))
        }
        other => other,
    })?;
    let labels: Option<Vec<String>> = match &opts.id {
        Some(id) => Some(row_labels(df, id, &frame.rows)?),
        None => Some(frame.rows.iter().map(|&i| (i + 1).to_string()).collect()),
    };
    let mut res = RegressionResult::new(
        &fit,
        opts.se,
        opts.confidence,
        &opts.formula,
        group,
        labels.as_deref(),
    )?;
    res.rows_dropped = frame.dropped;
    Ok(res)
}

/// The `id` values (as text; missing: empty) of the model frame's rows.
pub(crate) fn row_labels(df: &DataFrame, id: &str, rows: &[usize]) -> Result<Vec<String>> {
    let s = df.column(id)?.cast(&DataType::String)?;
    let all: Vec<String> = s
        .as_materialized_series()
        .str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect();
    Ok(rows.iter().map(|&i| all[i].clone()).collect())
}

/// Fit overall, or per group when `opts.by` is set.
pub fn regress(df: &DataFrame, file: &str, opts: &RegressOptions) -> Result<RegressOutput> {
    let models = match &opts.by {
        None => vec![fit_one(df, file, opts, "all")?],
        Some(by) => {
            crate::data::load::require_column(df, file, by)?;
            group_values(df, by)?
                .iter()
                .map(|g| fit_one(&subset(df, by, g)?, file, opts, g))
                .collect::<Result<Vec<_>>>()?
        }
    };
    Ok(RegressOutput {
        models,
        diagnostics: Default::default(),
    })
}
