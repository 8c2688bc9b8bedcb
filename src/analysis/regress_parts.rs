//! `regress` on a table held in parts (Spark partitions, batches of a stream): each part's
//! design is built by the same formula code as on one machine, reduced to additive sums
//! ([`crate::stats::moments`]), the sums of all parts are merged per group, and the
//! models are finished from them in two passes (cross-products, then residuals).
//!
//! A part's design must have the same columns as every other part's: numeric terms always
//! do; a categorical term does only when every part holds every level (the dummies are
//! named after the levels), and a part that does not is an error saying so.

use serde::{Deserialize, Serialize};

use super::regress::{RegressOptions, RegressOutput};
use crate::error::{Error, Result};
use crate::stats::formula::RowsDropped;
use crate::stats::moments::{MomentFit, Residuals, Sums};
use crate::stats::{model_frame, Formula, RegressionResult};
use polars::prelude::*;

/// One group's pass-1 sums in one part (or merged over parts).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Part {
    pub group: String,
    /// Regressors without the intercept, and whether there is one.
    pub names: Vec<String>,
    pub intercept: bool,
    pub response: String,
    pub sums: Sums,
    /// Rows left out for a missing value, per column.
    pub dropped: Vec<RowsDropped>,
}

/// One group's pass-2 sums in one part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResidualPart {
    pub group: String,
    pub residuals: Residuals,
}

/// The rows of `df` per group (`by` as text; everything is `all` without it).
fn groups(df: &DataFrame, by: Option<&str>) -> Result<Vec<(String, DataFrame)>> {
    let Some(by) = by else {
        return Ok(vec![("all".to_string(), df.clone())]);
    };
    crate::data::load::require_column(df, "the table", by)?;
    let keys = df.column(by)?.cast(&DataType::String)?;
    if keys.null_count() > 0 {
        return Err(Error::Degenerate(format!(
            "grouping column '{by}' has {} missing values; fill or filter them first",
            keys.null_count()
        )));
    }
    let mut values: Vec<String> = keys
        .as_materialized_series()
        .str()?
        .iter()
        .flatten()
        .map(str::to_string)
        .collect();
    values.sort();
    values.dedup();
    values
        .into_iter()
        .map(|g| Ok((g.clone(), super::regress::subset(df, by, &g)?)))
        .collect()
}

/// Rows of a design as (regressors without the intercept…, response).
fn rows(design: &crate::stats::Design) -> Rows {
    let off = usize::from(design.intercept);
    let width = design.x.ncols() - off + 1;
    let mut values = Vec::with_capacity(design.y.len() * width);
    for (i, y) in design.y.iter().enumerate() {
        values.extend((off..design.x.ncols()).map(|j| design.x[[i, j]]));
        values.push(*y);
    }
    Rows { values, width }
}

/// A design's rows (regressors without the intercept, then the response) in one buffer.
struct Rows {
    values: Vec<f64>,
    width: usize,
}

impl Rows {
    fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn iter(&self) -> std::slice::ChunksExact<'_, f64> {
        self.values.chunks_exact(self.width)
    }
}

/// Pass 1 on one part: per group, the sums of its design rows (shifted by its first row).
pub fn part_sums(df: &DataFrame, formula: &str, by: Option<&str>) -> Result<Vec<Part>> {
    let mut out = Vec::new();
    add_rows(&mut out, df, formula, by)?;
    Ok(out)
}

/// Pass 1 on a stream: add the rows of `df` to the running sums of their groups, in
/// order (a group's shift is its first row).
/// (A part's own sums are these from an empty start.)
fn add_rows(acc: &mut Vec<Part>, df: &DataFrame, formula: &str, by: Option<&str>) -> Result<()> {
    let f = Formula::parse(formula)?;
    for (group, sub) in groups(df, by)? {
        if sub.height() == 0 {
            continue;
        }
        let frame = model_frame(&f, &sub, "the part")?;
        let d = &frame.design;
        let rows = rows(d);
        let off = usize::from(d.intercept);
        let names = d.names[off..].to_vec();
        let part = match acc.iter_mut().position(|p| p.group == group) {
            Some(i) => &mut acc[i],
            // A group whose rows were all left out has no sums yet.
            None if rows.is_empty() => continue,
            None => {
                acc.push(Part {
                    group: group.clone(),
                    names: names.clone(),
                    intercept: d.intercept,
                    response: d.y_name.clone(),
                    sums: Sums::default(),
                    dropped: vec![],
                });
                let last = acc.len() - 1;
                &mut acc[last]
            }
        };
        if part.names != names || part.intercept != d.intercept {
            return Err(Error::Usage(format!(
                "group '{group}': the batches of the table give different design columns ({} vs {}): a categorical term needs every level in every batch. Use numeric (0/1) columns for categories, or run without --streaming.",
                part.names.join(", "),
                names.join(", ")
            )));
        }
        for r in rows.iter() {
            part.sums.push(r);
        }
        for d in frame.dropped {
            match part.dropped.iter_mut().find(|x| x.column == d.column) {
                Some(x) => x.rows += d.rows,
                None => part.dropped.push(d),
            }
        }
    }
    Ok(())
}

/// Pass 2 on a stream: add the residuals of `df`'s rows to their groups' running sums.
fn add_residual_rows(
    acc: &mut Vec<ResidualPart>,
    df: &DataFrame,
    formula: &str,
    by: Option<&str>,
    id: Option<&str>,
    merged: &[Part],
) -> Result<()> {
    let f = Formula::parse(formula)?;
    for (group, sub) in groups(df, by)? {
        if sub.height() == 0 {
            continue;
        }
        let Some(m) = merged.iter().find(|m| m.group == group) else {
            return Err(Error::Internal(format!(
                "no pass-1 sums for group '{group}'"
            )));
        };
        let fit = fit_of(m)?;
        let frame = model_frame(&f, &sub, "the part")?;
        let labels: Vec<String> = match id {
            Some(id) => super::regress::row_labels(&sub, id, &frame.rows)?,
            None => vec![String::new(); frame.rows.len()],
        };
        let rows = rows(&frame.design);
        let part = match acc.iter_mut().position(|p| p.group == group) {
            Some(i) => &mut acc[i],
            None => {
                acc.push(ResidualPart {
                    group: group.clone(),
                    residuals: Residuals::zero(fit.p),
                });
                let last = acc.len() - 1;
                &mut acc[last]
            }
        };
        fit.add_residuals(&mut part.residuals, rows.iter().zip(labels))?;
    }
    Ok(())
}

/// Merge parts per group (groups in text order).
pub fn merge(parts: Vec<Part>) -> Result<Vec<Part>> {
    let mut merged: Vec<Part> = Vec::new();
    for p in parts {
        match merged.iter_mut().find(|m| m.group == p.group) {
            None => merged.push(p),
            Some(m) => {
                if m.names != p.names || m.intercept != p.intercept {
                    return Err(Error::Usage(format!(
                        "group '{}': the parts of the table give different design columns ({} vs {}): a categorical term needs every level in every part. Use numeric (0/1) columns for categories, or repartition so each part holds every level.",
                        p.group,
                        m.names.join(", "),
                        p.names.join(", ")
                    )));
                }
                m.sums.add(&p.sums)?;
                for d in p.dropped {
                    match m.dropped.iter_mut().find(|x| x.column == d.column) {
                        Some(x) => x.rows += d.rows,
                        None => m.dropped.push(d),
                    }
                }
            }
        }
    }
    merged.sort_by(|a, b| a.group.cmp(&b.group));
    Ok(merged)
}

fn fit_of(p: &Part) -> Result<MomentFit> {
    MomentFit::fit(&p.sums, &p.names, &p.response, p.intercept).map_err(|e| match e {
        Error::Degenerate(m) if p.group != "all" => {
            Error::Degenerate(format!("group '{}': {m}", p.group))
        }
        other => other,
    })
}

/// Pass 2 on one part: per group, the residual sums under the merged fits; rows are
/// labelled by `id` (empty labels without it).
pub fn part_residuals(
    df: &DataFrame,
    formula: &str,
    by: Option<&str>,
    id: Option<&str>,
    merged: &[Part],
) -> Result<Vec<ResidualPart>> {
    let mut out = Vec::new();
    add_residual_rows(&mut out, df, formula, by, id, merged)?;
    Ok(out)
}

/// The models from the merged pass-1 sums and every part's pass-2 sums.
pub fn finish(
    merged: &[Part],
    residuals: Vec<ResidualPart>,
    opts: &RegressOptions,
) -> Result<RegressOutput> {
    if merged.len() > super::regress::MAX_GROUPS {
        return Err(Error::Usage(format!(
            "--by {}: the column has {} distinct values; a result per value would not be readable. Group by a coarser column, at most {} groups.",
            opts.by.as_deref().unwrap_or(""),
            merged.len(),
            super::regress::MAX_GROUPS
        )));
    }
    let mut models = Vec::new();
    for m in merged {
        let fit = fit_of(m)?;
        let mut res: Option<Residuals> = None;
        for r in residuals.iter().filter(|r| r.group == m.group) {
            match res.as_mut() {
                None => res = Some(r.residuals.clone()),
                Some(acc) => acc.add(&r.residuals),
            }
        }
        let Some(mut res) = res else {
            return Err(Error::Internal(format!(
                "no pass-2 sums for group '{}'",
                m.group
            )));
        };
        let labelled = opts.id.is_some();
        if !labelled {
            res.top.clear();
        }
        let mut r = RegressionResult::from_moments(
            &fit,
            &res,
            opts.se,
            opts.confidence,
            &opts.formula,
            &m.group,
        )?;
        if !labelled {
            r.warnings.push(
                "the most influential rows are not listed: a table in parts has no row numbers; give the id column to name them".into(),
            );
        }
        r.rows_dropped = m.dropped.clone();
        models.push(r);
    }
    Ok(RegressOutput {
        models,
        diagnostics: Default::default(),
    })
}

pub(crate) use crate::data::batches::{fold_batches, BATCH_ROWS};

/// `regress` on a table streamed from disk in batches (polars' streaming engine, only the
/// columns the model reads): the two passes of [`part_sums`] and [`part_residuals`] over
/// the batches, then [`finish`]. Memory is set by a batch and the sums, not by the table.
pub fn stream(lf: LazyFrame, file: &str, opts: &RegressOptions) -> Result<RegressOutput> {
    Ok(stream_parts(lf, file, opts)?.0)
}

/// [`stream`], also returning each group's merged pass-1 sums (for analyses built on the
/// same moments: the drivers' importances).
pub fn stream_parts(
    mut lf: LazyFrame,
    file: &str,
    opts: &RegressOptions,
) -> Result<(RegressOutput, Vec<Part>)> {
    let f = Formula::parse(&opts.formula)?;
    let mut wanted: Vec<String> = f.columns().into_iter().map(|(c, _)| c).collect();
    for c in [&opts.by, &opts.id].into_iter().flatten() {
        if !wanted.contains(c) {
            wanted.push(c.clone());
        }
    }
    let schema = lf.collect_schema()?;
    let names: Vec<String> = schema.iter_names().map(|s| s.to_string()).collect();
    if let Some(missing) = wanted.iter().find(|c| !schema.contains(c.as_str())) {
        return Err(Error::MissingColumn {
            file: file.to_string(),
            column: missing.clone(),
            suggestion: crate::error::closest(missing, names.iter().map(String::as_str)),
            available: names.join(", "),
        });
    }
    let lf = lf.select(wanted.iter().map(|c| col(c.as_str())).collect::<Vec<_>>());
    // Rows are added to running sums in the stream's order, so the sums do not depend on
    // where batches end; batches of at most BATCH_ROWS rows keep each batch's design small
    // (a Parquet row group may hold millions of rows). Not with a categorical term, whose
    // dummies come from the levels in the batch: there a batch stays a whole row group.
    let chunk = (!f.columns().iter().any(|(_, categorical)| *categorical)).then_some(BATCH_ROWS);
    let (formula, by) = (opts.formula.clone(), opts.by.clone());
    let merged = fold_batches(lf.clone(), chunk, Vec::<Part>::new(), move |acc, df| {
        add_rows(acc, df, &formula, by.as_deref())
    })?;
    if merged.is_empty() {
        return Err(Error::Empty {
            what: "the table".into(),
            hint: "It has no rows to fit.".into(),
        });
    }
    let mut merged = merged;
    merged.sort_by(|a, b| a.group.cmp(&b.group));
    let merged = std::sync::Arc::new(merged);
    let m = std::sync::Arc::clone(&merged);
    let (formula, by, id) = (opts.formula.clone(), opts.by.clone(), opts.id.clone());
    let residuals = fold_batches(lf, chunk, Vec::<ResidualPart>::new(), move |acc, df| {
        add_residual_rows(acc, df, &formula, by.as_deref(), id.as_deref(), &m)
    })?;
    let out = finish(&merged, residuals, opts)?;
    Ok((out, (*merged).clone()))
}
