//! The checks every input table goes through, in this order:
//!
//! 1. **Total rows** (`total-row`): a row whose id (or, with a blank id, another text
//!    cell) is a total label — Total, Subtotal, Grand total, Sum, 合计, 总计, 小计, 汇总… —
//!    or whose numbers are the sum of the other rows (every numeric column it fills, at
//!    least two) is an Excel total, not a customer: excluded and counted.
//! 2. **Declared missing codes** (`missing-codes`): `missing_codes = [99]` in the study's
//!    `[options]` (`--missing-codes 99`) makes those codes missing in the survey columns —
//!    the rating roles, columns with value labels, and every numeric column of a
//!    respondent-level table; `missing_codes = { satisfaction = [99], q4 = [9] }` names
//!    the columns. The cells are counted per column.
//! 3. **Non-answer codes** (`non-answer-code`): a code whose value label reads as a
//!    non-answer (refused, don't know, not applicable, no answer, 拒答, 不知道, 不适用…),
//!    or in a rating an unlabelled typical sentinel (9, 99, 999, 98, 97, −1, −9, −99…)
//!    beyond the other codes' range, stops the command when the column is one the analysis
//!    models (satisfaction, attribute ratings, the recommend and effort items, covariates
//!    and moderators); in other columns it is a warning. The fix is named:
//!    `missing_codes = [99]`.
//! 4. **Rating scales** (`out-of-scale`): a rating outside its declared scale
//!    (`satisfaction_scale`, `--csat-scale`…) or, when none is declared, outside the scale
//!    its value labels describe, stops the command unless `allow_out_of_range` keeps it
//!    with a warning.
//!
//! Steps 2-4 are in [`super::codes`]. Examples name rows as the analyst finds them
//! (`line 12`, `cell D63`, `case 11`).

use polars::prelude::*;

use super::codes::{apply_missing_codes, check_labelled_columns, check_rating};
use super::{Finding, MissingCodes, RatingColumn};
use crate::data::diagnostics::EXAMPLES;
use crate::data::load::TableMeta;
use crate::error::Result;

const TOTAL_LABELS: &[&str] = &[
    "total",
    "totals",
    "grand total",
    "subtotal",
    "sub-total",
    "sub total",
    "sum",
    "overall",
    "all customers",
    "合计",
    "总计",
    "小计",
    "总和",
    "汇总",
    "共计",
    "总数",
    "全部",
];

/// What the audit of one table needs to know.
#[derive(Debug, Clone, Default)]
pub struct TableAudit {
    /// The table's name in messages (the study's table name, or the file).
    pub table: String,
    /// The id column, if the table has one.
    pub id: Option<String>,
    /// Columns never audited as values (respondent ids...).
    pub skip: Vec<String>,
    /// A survey (respondent-level) table: `missing_codes = [..]` applies to every numeric
    /// column.
    pub survey: bool,
    pub ratings: Vec<RatingColumn>,
    pub missing_codes: MissingCodes,
    /// Keep ratings outside their scale (with a warning) instead of stopping.
    pub allow_out_of_range: bool,
    /// Look for total rows (not for tables built in memory).
    pub totals: bool,
    /// The file, for errors.
    pub file: String,
    /// The id must be unique (one row per customer): the hint an error about repeated ids
    /// gives, else None.
    pub unique_id: Option<String>,
}

/// Audit one table (see the module docs); returns the table with total rows removed and
/// declared codes made missing, and the findings (the caller stops on a `stop` finding
/// through [`super::stop_on`], after adding the notes to its diagnostics).
pub fn audit_table(
    df: DataFrame,
    meta: &TableMeta,
    ctx: &TableAudit,
) -> Result<(DataFrame, Vec<Finding>)> {
    let mut findings = Vec::new();
    let mut df = df.lazy().with_row_index("__row", None).collect()?;
    if ctx.totals {
        df = drop_totals(df, meta, ctx, &mut findings)?;
    }
    if let (Some(id), Some(hint)) = (&ctx.id, &ctx.unique_id) {
        findings.extend(check_unique(&df, id, meta, ctx, hint)?);
    }
    df = apply_missing_codes(df, meta, ctx, &mut findings)?;
    for r in &ctx.ratings {
        if df
            .schema()
            .get(&r.column)
            .is_some_and(|t| t.is_primitive_numeric())
        {
            check_rating(&df, meta, ctx, r, &mut findings)?;
        }
    }
    check_labelled_columns(&df, meta, ctx, &mut findings)?;
    Ok((df.drop("__row")?, findings))
}

/// Rows (`__row`) and values of `column` matching `pred`, the first few.
pub(super) fn matching(
    df: &DataFrame,
    pred: Expr,
    column: &str,
) -> Result<(usize, Vec<(usize, f64)>)> {
    let hits = df
        .clone()
        .lazy()
        .filter(pred)
        .select([col("__row"), col(column).cast(DataType::Float64)])
        .collect()?;
    let rows = hits.column("__row")?.idx()?.clone();
    let vals = hits.column(column)?.f64()?.clone();
    let first = rows
        .iter()
        .zip(vals.iter())
        .take(EXAMPLES)
        .map(|(r, v)| (r.unwrap_or(0) as usize, v.unwrap_or(f64::NAN)))
        .collect();
    Ok((hits.height(), first))
}

fn is_total_label(v: &str) -> bool {
    let t = v.trim();
    t.len() <= 24 && TOTAL_LABELS.iter().any(|l| t.eq_ignore_ascii_case(l))
}

/// Rows (0-based) of `df` that are total rows, and whether each was found by its label:
/// one scan of the text columns (the id's, and another text cell where the id is blank),
/// and for the sums one pass of column totals, then only the rows whose first numeric
/// column equals half its column total are checked in full.
fn total_rows(df: &DataFrame, ctx: &TableAudit) -> Result<Vec<(usize, bool)>> {
    let schema = df.schema().clone();
    let id = ctx.id.as_deref().filter(|id| schema.contains(id));
    let text_cols: Vec<String> = schema
        .iter()
        .filter(|(_, t)| **t == DataType::String)
        .map(|(n, _)| n.to_string())
        .collect();
    let mut found: std::collections::BTreeMap<usize, bool> = Default::default();
    // Labels: in the id, or in any text cell of a row whose id is blank.
    let ids = match id {
        Some(id) => Some(df.column(id)?.cast(&DataType::String)?),
        None => None,
    };
    let ids = ids.as_ref().map(|c| c.str()).transpose()?;
    let mut blanks: Vec<usize> = Vec::new();
    match ids {
        Some(c) => {
            for (i, v) in c.iter().enumerate() {
                match v.map(str::trim) {
                    None | Some("") => blanks.push(i),
                    Some(v) if is_total_label(v) => {
                        found.insert(i, true);
                    }
                    _ => {}
                }
            }
        }
        None => blanks.extend(0..df.height()),
    }
    if !blanks.is_empty() && blanks.len() <= df.height() / 2 + 1 {
        for name in text_cols.iter().filter(|c| Some(c.as_str()) != id) {
            let c = df.column(name)?.str()?.clone();
            for &i in &blanks {
                if c.get(i).is_some_and(is_total_label) {
                    found.insert(i, true);
                }
            }
        }
    }
    // Sums: numbers equal to the sum of the other rows (2·v = Σ, this row included) in
    // every numeric column the row fills, at least two of them, not all zero.
    let numeric: Vec<String> = schema
        .iter()
        .filter(|(n, t)| {
            t.is_primitive_numeric()
                && n.as_str() != "__row"
                && Some(n.as_str()) != id
                && !ctx.skip.iter().any(|s| s == n.as_str())
        })
        .map(|(n, _)| n.to_string())
        .collect();
    if numeric.len() >= 2 {
        let values: Vec<Float64Chunked> = numeric
            .iter()
            .map(|c| Ok(df.column(c)?.cast(&DataType::Float64)?.f64()?.clone()))
            .collect::<Result<_>>()?;
        let totals: Vec<f64> = values.iter().map(|v| v.sum().unwrap_or(0.0)).collect();
        let close = |v: f64, total: f64| (2.0 * v - total).abs() <= 1e-9 * total.abs() + 1e-9;
        if let Some(k) = totals.iter().position(|t| *t != 0.0) {
            for (i, v) in values[k].iter().enumerate() {
                let Some(v) = v else { continue };
                if !close(v, totals[k]) {
                    continue;
                }
                let filled: Vec<(f64, f64)> = values
                    .iter()
                    .zip(&totals)
                    .filter_map(|(c, t)| c.get(i).map(|v| (v, *t)))
                    .collect();
                if filled.len() >= 2 && filled.iter().all(|(v, t)| close(*v, *t)) {
                    found.entry(i).or_insert(false);
                }
            }
        }
    }
    Ok(found.into_iter().collect())
}

fn drop_totals(
    df: DataFrame,
    meta: &TableMeta,
    ctx: &TableAudit,
    findings: &mut Vec<Finding>,
) -> Result<DataFrame> {
    if df.height() < 3 {
        return Ok(df);
    }
    let rows = total_rows(&df, ctx)?;
    if rows.is_empty() {
        return Ok(df);
    }
    let id = ctx.id.as_deref().filter(|id| df.schema().contains(id));
    let positions: Vec<usize> = rows.iter().map(|(r, _)| *r).collect();
    let examples: Vec<String> = rows
        .iter()
        .take(EXAMPLES)
        .map(|(r, labelled)| {
            let row = df
                .column("__row")
                .ok()
                .and_then(|c| c.idx().ok()?.get(*r))
                .map_or(*r, |v| v as usize);
            let label = match (id, labelled) {
                (Some(id), true) => df
                    .column(id)
                    .ok()
                    .and_then(|c| c.cast(&DataType::String).ok())
                    .and_then(|c| c.str().ok()?.get(*r).map(|v| v.trim().to_string()))
                    .filter(|v| !v.is_empty()),
                _ => None,
            };
            match label {
                Some(l) => format!("'{l}' at {}", meta.origin.row(row)),
                None => meta.origin.row(row),
            }
        })
        .collect();
    let labelled_n = rows.iter().filter(|(_, l)| *l).count();
    let what = match (labelled_n, rows.len() - labelled_n) {
        (_, 0) => "labelled as a total",
        (0, _) => "their numbers are the sum of the other rows",
        _ => "labelled as a total, or their numbers are the sum of the other rows",
    };
    findings.push(Finding::new(
        "total-row",
        &ctx.table,
        ctx.id.as_deref(),
        rows.len(),
        examples.clone(),
        &[("what", format!("{what}: {}", examples.join("; ")))],
    ));
    let keep: Vec<bool> = {
        let mut k = vec![true; df.height()];
        for p in positions {
            k[p] = false;
        }
        k
    };
    let mask = BooleanChunked::from_slice("__keep".into(), &keep);
    Ok(df.filter(&mask)?)
}

/// When an id repeats: the `duplicate-id` finding (a stop), naming the file's id column,
/// the first repeated ids and the rows that hold them.
fn check_unique(
    df: &DataFrame,
    id: &str,
    meta: &TableMeta,
    ctx: &TableAudit,
    hint: &str,
) -> Result<Option<Finding>> {
    // One hash pass when every id is distinct (the usual case).
    let ids = df.column(id)?;
    if ids.n_unique()? == ids.len() - ids.null_count() + usize::from(ids.null_count() > 0) {
        return Ok(None);
    }
    duplicate_ids(
        df.clone().lazy(),
        id,
        id,
        &meta.origin,
        &ctx.table,
        &ctx.file,
        hint,
        Engine::InMemory,
    )
}

/// [`check_unique`] on a plan run on `engine` (`build --streaming`): `lf` holds the ids in
/// `column` and each row's place in the file in `__row`; `shown` is the id column's name in
/// the file.
#[allow(clippy::too_many_arguments)]
pub(crate) fn duplicate_ids(
    lf: LazyFrame,
    column: &str,
    shown: &str,
    origin: &super::super::load::Origin,
    table: &str,
    file: &str,
    hint: &str,
    engine: Engine,
) -> Result<Option<Finding>> {
    let dup = crate::data::build::run(
        lf.filter(col(column).is_not_null())
            .group_by([col(column)])
            .agg([
                len().alias("__n"),
                col("__row").head(Some(3)).alias("__rows"),
            ])
            .filter(col("__n").gt(lit(1)))
            .sort([column], Default::default()),
        engine,
    )?;
    if dup.height() == 0 {
        return Ok(None);
    }
    let ids = dup.column(column)?.as_materialized_series().str()?.clone();
    let rows = dup
        .column("__rows")?
        .as_materialized_series()
        .list()?
        .clone();
    let mut examples = Vec::new();
    for (i, r) in ids.iter().zip(rows.amortized_iter()).take(EXAMPLES) {
        let at: Vec<String> = match r {
            Some(s) => s
                .as_ref()
                .idx()?
                .iter()
                .flatten()
                .map(|r| origin.row(r as usize))
                .collect(),
            None => vec![],
        };
        examples.push(format!("'{}' ({})", i.unwrap_or(""), at.join(", ")));
    }
    let n = dup.height();
    Ok(Some(Finding::new(
        "duplicate-id",
        table,
        Some(shown),
        n,
        vec![],
        &[
            ("file", file.to_string()),
            ("repeat", if n == 1 { "repeats" } else { "repeat" }.into()),
            ("shown", examples.join("; ")),
            ("hint", hint.to_string()),
        ],
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::audit::{MissingCodes, RatingColumn};

    #[test]
    fn totals_and_codes_are_found() {
        let df = df!(
            "id" => ["A", "B", "C", "Total"],
            "revenue" => [10.0, 20.0, 30.0, 60.0],
            "sat" => [7.0, 99.0, 8.0, 15.0],
        )
        .unwrap();
        let ctx = TableAudit {
            table: "t".into(),
            id: Some("id".into()),
            ratings: vec![RatingColumn::rating(
                "sat",
                "satisfaction",
                Some([1.0, 10.0]),
            )],
            totals: true,
            ..Default::default()
        };
        let (out, f) = audit_table(df.clone(), &TableMeta::default(), &ctx).unwrap();
        assert_eq!(out.height(), 3);
        assert_eq!(f[0].rule, "total-row");
        assert!(
            f[0].message.contains("'Total' at row 4"),
            "{}",
            f[0].message
        );
        assert_eq!(f[1].rule, "non-answer-code");
        assert_eq!(f[1].count, 1);
        // Declared missing: the 99 is missing and counted; nothing stops.
        let ctx = TableAudit {
            missing_codes: MissingCodes::All(vec![99.0]),
            ..ctx
        };
        let (out, f) = audit_table(df, &TableMeta::default(), &ctx).unwrap();
        assert_eq!(out.column("sat").unwrap().null_count(), 1);
        assert_eq!(
            f.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
            ["total-row", "missing-codes"]
        );
    }
}
