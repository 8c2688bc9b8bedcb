//! `inspect`: what a table holds before any modelling.

use std::path::Path;

use polars::prelude::*;
use serde::Serialize;

use super::audit::{self, Finding, RatingColumn, TableAudit};
use super::load;
use super::study::{Level, Study};
use crate::error::{Error, Result};

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
    /// The study's name of the table (`inspect --study`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    pub rows: usize,
    pub columns: Vec<ColumnInfo>,
    pub id: Option<IdInfo>,
    /// The input audit of the table: what an analysis would stop on, warn about or do to it.
    pub audit: Vec<Finding>,
}

/// Inspect a file; `id` adds a uniqueness check on that column. The audit profiles it as an
/// analysis would: total rows, and every column with value labels or that looks like a
/// rating (whole numbers, a few values) checked for non-answer codes and its labels' scale.
pub fn inspect(path: &Path, id: Option<&str>, read: &load::ReadOptions) -> Result<Inspection> {
    let mut read = read.clone();
    read.text_columns.extend(id.map(str::to_string));
    let load::Table { df, meta } = load::read_table(path, &read)?;
    let file = path.display().to_string();
    let (df, mut findings) = match id {
        Some(id) if df.schema().contains(id) => audit::ids::normalize(df, id, &file)?,
        _ => (df, vec![]),
    };
    let ratings: Vec<RatingColumn> = df
        .columns()
        .iter()
        .filter(|c| c.dtype().is_primitive_numeric() && Some(c.name().as_str()) != id)
        .filter(|c| match meta.columns.get(c.name().as_str()) {
            Some(cm) if !cm.value_labels.is_empty() => super::aggregate::rating_labels(cm),
            _ => looks_like_rating(c),
        })
        .map(|c| RatingColumn::rating(c.name(), "rating", None))
        .collect();
    let ctx = TableAudit {
        table: file.clone(),
        id: id.map(str::to_string),
        ratings,
        totals: true,
        file: file.clone(),
        ..Default::default()
    };
    let (df, more) = audit::audit_table(df, &meta, &ctx)?;
    findings.extend(more);
    let columns = column_infos(&df, &meta);
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
        table: None,
        rows: df.height(),
        columns,
        id,
        audit: findings,
    })
}

/// Whether a numeric column looks like a rating: whole numbers, at most 12 distinct values.
fn looks_like_rating(c: &polars::prelude::Column) -> bool {
    let Ok(f) = c.cast(&DataType::Float64) else {
        return false;
    };
    let Ok(f) = f.f64() else { return false };
    let whole = f.iter().flatten().all(|v| v.fract() == 0.0);
    whole && f.n_unique().is_ok_and(|n| (2..=13).contains(&n))
}

/// `inspect --study`: every table of the study read and audited as the build would, without
/// stopping: each finding (stops included) is reported, with the table's columns.
pub fn inspect_study(study: &Study) -> Result<Vec<Inspection>> {
    let mut out = Vec::new();
    for spec in &study.tables {
        let path = study.resolve(spec);
        let file = path.display().to_string();
        let table_id = study.table_id(spec);
        if spec.level == Level::Transaction {
            let mut x = inspect(&path, Some(table_id), &spec.read_options()?)?;
            x.table = Some(spec.name.clone());
            out.push(x);
            continue;
        }
        let mut read = spec.read_options()?;
        read.text_columns = [Some(table_id.to_string()), spec.respondent.clone()]
            .into_iter()
            .flatten()
            .collect();
        let load::Table { df, meta } = load::read_table(&path, &read)?;
        let rows = df.height();
        let mut findings = Vec::new();
        let mut df = if df.schema().contains(table_id) {
            let (d, f) = audit::ids::normalize(df, table_id, &spec.name)?;
            findings.extend(f);
            d
        } else {
            df
        };
        for c in super::build::numeric_role_columns(study) {
            if !df.schema().contains(&c) {
                continue;
            }
            match load::numeric_column(df.clone(), &file, &c, &meta.origin) {
                Ok((d, form)) => {
                    df = d;
                    if let Some(f) = form {
                        findings.extend(f.findings(&spec.name, &c));
                    }
                }
                Err(e @ Error::NonNumeric { .. }) => findings.push(Finding::new(
                    "not-a-number",
                    &spec.name,
                    Some(&c),
                    1,
                    vec![],
                    &[("message", e.to_string())],
                )),
                Err(e) => return Err(e),
            }
        }
        let ctx = super::build::table_audit(study, spec, &study.options.missing_codes);
        let (df, more) = audit::audit_table(df, &meta, &ctx)?;
        findings.extend(more);
        let columns = column_infos(&df, &meta);
        out.push(Inspection {
            path: file,
            table: Some(spec.name.clone()),
            rows,
            columns,
            id: None,
            audit: findings,
        });
    }
    Ok(out)
}

/// Each column's type, missing count and metadata (label, value labels, declared missing).
fn column_infos(df: &DataFrame, meta: &load::TableMeta) -> Vec<ColumnInfo> {
    df.columns()
        .iter()
        .zip(load::missing_counts(df))
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
        .collect()
}
