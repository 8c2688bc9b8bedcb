//! Segments found from the data: where a regression (a chain equation, or any `regress`
//! formula) differs across customers, by model-based recursive partitioning ([`tree`]).

pub mod mixture;
pub mod tree;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::formula::{model_frame, Formula};
pub use tree::{Tree, TreeOptions, Variable};

/// A tree study's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TreeResult {
    pub formula: String,
    pub partition: Vec<String>,
    pub options: TreeOptions,
    pub n: usize,
    pub tree: Tree,
    pub warnings: Vec<String>,
}

/// The partitioning variable `name` of `df`: numbers as numeric, anything else (text,
/// categories, booleans) as categorical with its levels sorted.
fn variable(df: &DataFrame, name: &str, file: &str) -> Result<Variable> {
    crate::data::load::require_column(df, file, name)?;
    let c = df.column(name)?;
    if c.dtype().is_primitive_numeric() {
        return Ok(Variable::Numeric {
            name: name.into(),
            values: crate::data::load::f64_values(df, name)?,
        });
    }
    let s = c.cast(&DataType::String)?;
    let vals: Vec<String> = s
        .as_materialized_series()
        .str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect();
    let mut levels = vals.clone();
    levels.sort();
    levels.dedup();
    let codes = vals
        .iter()
        .map(|v| levels.binary_search(v).unwrap_or(0))
        .collect();
    Ok(Variable::Factor {
        name: name.into(),
        levels,
        codes,
    })
}

/// Grow a linear model tree of `formula` over the partitioning variables `partition` of
/// `df` (`file` names the table in messages). Rows missing any used value are left out,
/// with a warning.
pub fn run(
    df: &DataFrame,
    file: &str,
    formula: &str,
    partition: &[String],
    opts: &TreeOptions,
) -> Result<TreeResult> {
    if partition.is_empty() {
        return Err(Error::Usage(
            "name the partitioning variables: --by COL (repeatable), e.g. --by tenure --by region"
                .into(),
        ));
    }
    let f = Formula::parse(formula)?;
    let before = df.height();
    for p in partition {
        crate::data::load::require_column(df, file, p)?;
    }
    let present = partition
        .iter()
        .map(|p| col(p.as_str()).is_not_null())
        .reduce(|a, b| a.and(b))
        .unwrap_or(lit(true));
    let kept = df.clone().lazy().filter(present).collect()?;
    let mut warnings = Vec::new();
    if kept.height() == 0 && before > 0 {
        let empty: Vec<&str> = partition
            .iter()
            .filter(|p| {
                df.column(p)
                    .map(|c| c.null_count() == before)
                    .unwrap_or(false)
            })
            .map(String::as_str)
            .collect();
        return Err(Error::InvalidData(format!(
            "{file}: no row has a value in every partitioning variable{}; leave out the empty ones",
            if empty.is_empty() {
                String::new()
            } else {
                format!(" ({} has no value at all)", empty.join(", "))
            }
        )));
    }
    if kept.height() < before {
        warnings.push(format!(
            "{} of {before} rows have no value in a partitioning variable and are left out",
            before - kept.height()
        ));
    }
    let frame = model_frame(&f, &kept, file)?;
    let dropped: usize = frame.dropped.iter().map(|d| d.rows).sum();
    if dropped > 0 {
        warnings.push(format!(
            "{dropped} rows have no usable value in a column of the formula and are left out"
        ));
    }
    let idx = IdxCa::from_vec(
        "rows".into(),
        frame.rows.iter().map(|&r| r as IdxSize).collect(),
    );
    let used = kept.take(&idx)?;
    let vars: Vec<Variable> = partition
        .iter()
        .map(|p| variable(&used, p, file))
        .collect::<Result<_>>()?;
    let p = frame.design.x.ncols();
    let n = frame.design.x.nrows();
    let minsize = opts.minsize.unwrap_or(10 * p);
    if minsize >= n {
        return Err(Error::Usage(format!(
            "--minsize {minsize} is not below the {n} customers: no node could be split; give a smaller --minsize"
        )));
    }
    for v in &vars {
        let single = match v {
            Variable::Numeric { values, .. } => values.iter().all(|x| *x == values[0]),
            Variable::Factor { levels, .. } => levels.len() < 2,
        };
        if single {
            warnings.push(format!(
                "partitioning variable '{}' has one value only: it cannot split",
                v.name()
            ));
        }
    }
    let tree = tree::grow(&frame.design, &vars, opts)?;
    Ok(TreeResult {
        formula: formula.to_string(),
        partition: partition.to_vec(),
        options: opts.clone(),
        n,
        tree,
        warnings,
    })
}
