//! Segments found from the data: where a regression (a chain equation, or any `regress`
//! formula) differs across customers, by model-based recursive partitioning ([`tree`]).

pub mod found;
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
    /// The regression, or the equations of the chain joined by `; `.
    pub formula: String,
    /// Whether the tree partitions the whole chain (its equations jointly).
    #[serde(default)]
    pub chain: bool,
    pub partition: Vec<String>,
    pub options: TreeOptions,
    pub n: usize,
    pub tree: Tree,
    pub warnings: Vec<String>,
}

impl TreeResult {
    fn node(&self, id: usize) -> Option<&tree::Node> {
        self.tree.nodes.iter().find(|n| n.id == id)
    }

    /// The rules from the root down to node `id` (`all` for the root).
    pub fn path(&self, id: usize) -> Vec<String> {
        let mut rules = Vec::new();
        let mut at = self.node(id);
        while let Some(nd) = at {
            if nd.parent.is_some() {
                rules.push(nd.rule.clone());
            }
            at = nd.parent.and_then(|p| self.node(p));
        }
        rules.reverse();
        if rules.is_empty() {
            rules.push("all".into());
        }
        rules
    }

    /// A leaf's name as a segment: its conditions from the root down, each variable once
    /// with its tightest bounds, e.g. `85.5 < income_k <= 143.7 & tenure_years > 17`.
    pub fn leaf_name(&self, id: usize) -> String {
        // Per variable, in order of first use: lower bound, upper bound, levels.
        type Bounds = (Option<f64>, Option<f64>, Option<Vec<String>>);
        let mut vars: Vec<(String, Bounds)> = Vec::new();
        let mut chain = Vec::new();
        let mut at = self.node(id);
        while let Some(nd) = at {
            let parent = nd.parent.and_then(|p| self.node(p));
            if let Some(p) = parent {
                chain.push((p, p.kids.first() == Some(&nd.id)));
            }
            at = parent;
        }
        for (p, left) in chain.into_iter().rev() {
            let Some(s) = &p.split else { continue };
            let k = match vars.iter().position(|(v, _)| *v == s.variable) {
                Some(k) => k,
                None => {
                    vars.push((s.variable.clone(), (None, None, None)));
                    vars.len() - 1
                }
            };
            let b = &mut vars[k].1;
            match (s.threshold, left) {
                (Some(t), true) => b.1 = Some(b.1.map_or(t, |u| u.min(t))),
                (Some(t), false) => b.0 = Some(b.0.map_or(t, |l| l.max(t))),
                (None, true) => b.2 = Some(s.left_levels.clone()),
                (None, false) => b.2 = Some(s.right_levels.clone()),
            }
        }
        if vars.is_empty() {
            return "all".into();
        }
        vars.iter()
            .map(|(v, (lo, hi, levels))| match (lo, hi, levels) {
                (_, _, Some(l)) => format!("{v} in {}", l.join(", ")),
                (Some(a), Some(b), _) => {
                    format!("{} < {v} <= {}", tree::short(*a), tree::short(*b))
                }
                (Some(a), None, _) => format!("{v} > {}", tree::short(*a)),
                (None, Some(b), _) => format!("{v} <= {}", tree::short(*b)),
                (None, None, None) => v.clone(),
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
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

/// The chain's three equations (share of wallet, revenue, profit) with `covariates`, as the
/// chain study fits them: a tree of these partitions the whole chain.
pub fn chain_formulas(covariates: &[String]) -> Vec<String> {
    let covs: String = covariates
        .iter()
        .map(|c| format!(" + {}", crate::stats::formula::quote_name(c)))
        .collect();
    [
        "share_of_wallet ~ satisfaction",
        "revenue ~ satisfaction + share_of_wallet",
        "profit ~ satisfaction + share_of_wallet + revenue",
    ]
    .iter()
    .map(|f| format!("{f}{covs}"))
    .collect()
}

/// The designs of `formulas` on the rows of `df` every one of them can use (the rows a
/// missing value drops from any equation are dropped from all), those rows of `df`, and
/// how many rows were left out.
pub(crate) fn designs(
    df: &DataFrame,
    file: &str,
    formulas: &[Formula],
) -> Result<(Vec<crate::stats::ols::Design>, Vec<usize>, DataFrame)> {
    let mut rows: Option<Vec<usize>> = None;
    for f in formulas {
        let frame = model_frame(f, df, file)?;
        rows = Some(match rows {
            None => frame.rows,
            Some(r) => r
                .into_iter()
                .filter(|i| frame.rows.binary_search(i).is_ok())
                .collect(),
        });
    }
    let rows = rows.unwrap_or_default();
    let idx = IdxCa::from_vec("rows".into(), rows.iter().map(|&r| r as IdxSize).collect());
    let used = df.take(&idx)?;
    let designs = formulas
        .iter()
        .map(|f| model_frame(f, &used, file).map(|m| m.design))
        .collect::<Result<_>>()?;
    Ok((designs, rows, used))
}

/// Grow a model tree of the regressions `formulas` (one, or several on the same customers
/// such as [`chain_formulas`]) over the partitioning variables `partition` of `df` (`file`
/// names the table in messages). Rows missing any used value are left out, with a warning.
pub fn run(
    df: &DataFrame,
    file: &str,
    formulas: &[String],
    partition: &[String],
    opts: &TreeOptions,
) -> Result<TreeResult> {
    if partition.is_empty() {
        return Err(Error::Usage(
            "name the partitioning variables: --by COL (repeatable), e.g. --by tenure --by region"
                .into(),
        ));
    }
    let parsed: Vec<Formula> = formulas
        .iter()
        .map(|f| Formula::parse(f))
        .collect::<Result<_>>()?;
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
    let (designs, rows, used) = designs(&kept, file, &parsed)?;
    let left_out = kept.height() - rows.len();
    if left_out > 0 {
        warnings.push(format!(
            "{left_out} rows have no usable value in a column of the formula and are left out"
        ));
    }
    let vars: Vec<Variable> = partition
        .iter()
        .map(|p| variable(&used, p, file))
        .collect::<Result<_>>()?;
    let p: usize = designs.iter().map(|d| d.x.ncols()).sum();
    let n = used.height();
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
    let tree = tree::grow(&designs, &vars, opts)?;
    Ok(TreeResult {
        formula: formulas.join("; "),
        chain: formulas.len() > 1,
        partition: partition.to_vec(),
        options: opts.clone(),
        n,
        tree,
        warnings,
    })
}
