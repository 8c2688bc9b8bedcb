//! The builder's checks: what the input audit is told about each table, the study's
//! missing codes, repeated ids, values beyond ±1e150, ids unmatched across tables, share
//! of wallet outside its scale, out-of-range values and segment columns with many values.

use polars::prelude::*;

use super::{cols, drop_customers, first_ids};
use crate::data::audit;
use crate::data::diagnostics::{Diagnostics, RangeWarning, EXAMPLES};
use crate::data::study::{Level, SowScale, Study, TableSpec};
use crate::error::{closest, Error, Result};

/// What the audit of one of the study's tables checks (`df` as read, ids not yet renamed).
pub(crate) fn table_audit(
    study: &Study,
    spec: &TableSpec,
    missing_codes: &audit::MissingCodes,
) -> audit::TableAudit {
    audit::TableAudit {
        table: spec.name.clone(),
        id: Some(study.table_id(spec).to_string()),
        skip: spec.respondent.iter().cloned().collect(),
        survey: spec.level == Level::Respondent,
        ratings: rating_columns(study),
        missing_codes: missing_codes.clone(),
        allow_out_of_range: study.options.allow_out_of_range,
        totals: true,
        file: study.resolve(spec).display().to_string(),
        unique_id: (spec.level == Level::Customer).then(|| duplicate_hint(study).to_string()),
    }
}

/// The columns of `df` the study models as ratings or measures, for the audit: the
/// satisfaction rating (on its declared scale), attribute ratings, the recommend (0–10) and
/// effort items, and covariates and moderators (checked for labelled non-answers only).
pub(super) fn rating_columns(study: &Study) -> Vec<audit::RatingColumn> {
    let r = &study.roles;
    let mut out = vec![audit::RatingColumn::rating(
        &r.satisfaction,
        "satisfaction",
        study.options.satisfaction_scale,
    )];
    out.extend(
        r.attributes
            .iter()
            .map(|a| audit::RatingColumn::rating(a, "attribute rating", None)),
    );
    if let Some(c) = &r.recommend {
        out.push(audit::RatingColumn::rating(
            c,
            "recommend item",
            Some([0.0, 10.0]),
        ));
    }
    if let Some(c) = &r.effort {
        out.push(audit::RatingColumn::rating(c, "effort item", None));
    }
    for (list, role) in [(&r.covariates, "covariate"), (&r.moderators, "moderator")] {
        out.extend(list.iter().map(|c| audit::RatingColumn {
            column: c.clone(),
            role,
            scale: None,
            rating: false,
        }));
    }
    out
}

/// The study's missing codes, after checking that a column named per column is in some
/// table (a typo would otherwise declare nothing).
pub(super) fn study_missing_codes(
    study: &Study,
    tables: &[(&TableSpec, DataFrame)],
) -> Result<audit::MissingCodes> {
    if let audit::MissingCodes::ByColumn(m) = &study.options.missing_codes {
        for c in m.keys() {
            if !tables.iter().any(|(_, df)| df.schema().contains(c)) {
                return Err(missing_everywhere(tables, study, c));
            }
        }
    }
    Ok(study.options.missing_codes.clone())
}

/// A `column:` segment rule on a column with more values than this is refused (unless
/// allowed): a segment per value is for a handful of groups, not a measure.
pub const MAX_SEGMENTS: usize = 12;

/// The finding that refuses a segment column with many values, suggesting a threshold at
/// its median when it is numeric.
pub(super) fn many_segments(
    df: &DataFrame,
    column: &str,
    segments: &[String],
) -> Result<audit::Finding> {
    let median = df
        .column(column)
        .ok()
        .filter(|c| c.dtype().is_primitive_numeric())
        .and_then(|c| c.cast(&DataType::Float64).ok())
        .and_then(|c| c.f64().ok().and_then(|f| f.median()))
        .map(|m| crate::format::num(m, 3))
        .unwrap_or_else(|| "VALUE".into());
    Ok(audit::Finding::new(
        "segment-many-values",
        "segments",
        Some(column),
        segments.len(),
        segments.iter().take(5).cloned().collect(),
        &[("median", median)],
    ))
}

pub(super) fn missing_everywhere(
    tables: &[(&TableSpec, DataFrame)],
    study: &Study,
    name: &str,
) -> Error {
    let all: Vec<String> = tables
        .iter()
        .flat_map(|(_, df)| df.get_column_names().into_iter().map(|s| s.to_string()))
        .collect();
    let files: Vec<String> = tables
        .iter()
        .map(|(spec, _)| study.resolve(spec).display().to_string())
        .collect();
    Error::MissingColumn {
        file: files.join(" + "),
        column: name.to_string(),
        suggestion: closest(name, all.iter().map(String::as_str)),
        available: all.join(", "),
    }
}

/// What to do about a repeated id in a one-row-per-customer table.
pub(super) fn duplicate_hint(study: &Study) -> &'static str {
    if study.from_flags {
        "Remove the duplicates. If the rows are survey respondents (several per customer), --data cannot aggregate them: write a study file that declares this table with level = \"respondent\" (README, \"Study file reference\") and pass it with --study."
    } else {
        "Remove the duplicates, or declare the table with level = \"respondent\" in the study file to aggregate its rows per customer."
    }
}

pub(super) fn check_unique(df: &DataFrame, id: &str, file: &str, study: &Study) -> Result<()> {
    let dup = df
        .clone()
        .lazy()
        .group_by([col(id)])
        .agg([len().alias("__n")])
        .filter(col("__n").gt(lit(1)))
        .sort([id], Default::default())
        .collect()?;
    if dup.height() > 0 {
        let ids = first_ids(&dup, id)?;
        let hint = duplicate_hint(study);
        return Err(Error::DuplicateId {
            file: file.to_string(),
            column: id.to_string(),
            count: dup.height(),
            examples: crate::data::diagnostics::quote_ids(&ids),
            hint: hint.to_string(),
        });
    }
    Ok(())
}

/// Refuse model values beyond ±[`MAX_MAGNITUDE`] (a revenue of 1e300, a mistyped exponent):
/// their squares overflow, so no regression on them means anything. Names the column as
/// the study does, the customer and the value.
pub(super) fn check_magnitudes(
    df: &DataFrame,
    id: &str,
    columns: &[String],
    study: &Study,
) -> Result<()> {
    use crate::stats::formula::MAX_MAGNITUDE;
    let r = &study.roles;
    for c in columns {
        if !df.column(c)?.dtype().is_float() {
            continue;
        }
        let big = df
            .clone()
            .lazy()
            .filter(
                col(c.as_str())
                    .gt(lit(MAX_MAGNITUDE))
                    .or(col(c.as_str()).lt(lit(-MAX_MAGNITUDE))),
            )
            .select([col(id), col(c.as_str())])
            .sort([id], Default::default())
            .collect()?;
        if big.height() == 0 {
            continue;
        }
        let who = big.column(id)?.get(0)?.str_value().to_string();
        let value = big.column(c)?.get(0)?.extract::<f64>().unwrap_or(f64::NAN);
        let source = match c.as_str() {
            cols::SATISFACTION => format!("'{}'", r.satisfaction),
            cols::REVENUE => format!("'{}'", r.revenue),
            cols::SOW => match (&r.share_of_wallet, &r.category_spend) {
                (Some(s), _) => format!("'{s}'"),
                (None, Some(cs)) => format!("share of wallet (revenue / '{cs}')"),
                _ => "share of wallet".into(),
            },
            cols::PROFIT => match (&r.profit, &r.cost) {
                (Some(p), _) => format!("'{p}'"),
                (None, Some(cost)) => format!("profit ('{}' − '{cost}')", r.revenue),
                _ => "profit".into(),
            },
            other => format!("'{other}'"),
        };
        return Err(Error::InvalidData(format!(
            "column {source} holds {value:e} for customer '{who}'{}: values beyond ±1e150 overflow the regressions' squares and products, so nothing estimated from them would mean anything. Check the cell (a mistyped exponent?) or rescale the column.",
            if big.height() > 1 {
                format!(" (and {} more customers)", big.height() - 1)
            } else {
                String::new()
            }
        )));
    }
    Ok(())
}

/// Count the ids lost in the join, each once, under the first table (study order) that
/// lacks it; ids a table removed itself (already counted) are skipped. Returns the number
/// of distinct ids read over all tables.
pub(super) fn unmatched_at_join(
    read_ids: &[DataFrame],
    removed_early: &[DataFrame],
    joined: &DataFrame,
    id: &str,
    names: &[String],
    diag: &mut Diagnostics,
) -> Result<usize> {
    let all = concat(
        read_ids
            .iter()
            .map(|d| d.clone().lazy())
            .collect::<Vec<_>>(),
        UnionArgs::default(),
    )?
    .unique(None, UniqueKeepStrategy::Any)
    .collect()?;
    let mut lost =
        all.clone()
            .lazy()
            .anti_join(joined.clone().lazy().select([col(id)]), col(id), col(id));
    for r in removed_early {
        lost = lost.anti_join(r.clone().lazy(), col(id), col(id));
    }
    for (k, ids) in read_ids.iter().enumerate() {
        lost = lost.left_join(
            ids.clone()
                .lazy()
                .with_column(lit(true).alias(format!("__in{k}"))),
            col(id),
            col(id),
        );
    }
    let lost = lost.sort([id], Default::default()).collect()?;
    for k in 0..read_ids.len() {
        let mut lacks = col(format!("__in{k}")).is_null();
        for j in 0..k {
            lacks = lacks.and(col(format!("__in{j}")).is_not_null());
        }
        let part = lost.clone().lazy().filter(lacks).collect()?;
        if part.height() == 0 {
            continue;
        }
        let reason = if names.len() == 2 {
            format!("id in '{}' but not in '{}'", names[1 - k], names[k])
        } else {
            format!("id not in '{}' (present in another table)", names[k])
        };
        drop_customers(diag, "join", reason, &part, id)?;
    }
    Ok(all.height())
}

/// The error for share-of-wallet values outside [0, 1], naming the likely fix.
pub(super) fn sow_out_of_range(
    df: &DataFrame,
    id: &str,
    study: &Study,
    w: &RangeWarning,
) -> Result<Error> {
    let sow = df
        .column(cols::SOW)?
        .as_materialized_series()
        .f64()?
        .clone();
    let max = sow.max().unwrap_or(f64::NAN);
    let out = df
        .clone()
        .lazy()
        .filter(col(cols::SOW).lt(lit(0.0)).or(col(cols::SOW).gt(lit(1.0))))
        .select([col(id), col(cols::SOW)])
        .sort([id], Default::default())
        .limit(EXAMPLES as IdxSize)
        .collect()?;
    let examples: Vec<String> = out
        .column(id)?
        .as_materialized_series()
        .str()?
        .iter()
        .zip(
            out.column(cols::SOW)?
                .as_materialized_series()
                .f64()?
                .iter(),
        )
        .map(|(i, v)| format!("'{}' = {}", i.unwrap_or(""), v.unwrap_or(f64::NAN)))
        .collect();
    Ok(sow_error(w.count, max, &examples, study))
}

/// The error for `count` shares of wallet outside [0, 1] (largest value `max`; `examples`
/// as `'id' = value`), with the fix the study's columns suggest.
pub(crate) fn sow_error(count: usize, max: f64, examples: &[String], study: &Study) -> Error {
    let r = &study.roles;
    let (source, fix) = match (&r.share_of_wallet, study.options.share_of_wallet_scale) {
        (Some(c), SowScale::Fraction) => (
            format!("column '{c}'"),
            if max <= 100.0 {
                "The values look like percentages: set share_of_wallet_scale = \"percent\" in the study's [options] (or --sow-scale percent), or give category_spend (share of wallet = revenue / category spend).".to_string()
            } else {
                "Check the column; if it holds percentages set share_of_wallet_scale = \"percent\" (--sow-scale percent), or give category_spend instead.".to_string()
            },
        ),
        (Some(c), SowScale::Percent) => (
            format!("column '{c}' (read as percent)"),
            "Values above 100% or below 0% are impossible: check the column.".to_string(),
        ),
        (None, _) => (
            format!(
                "revenue / '{}'",
                r.category_spend.as_deref().unwrap_or("category_spend")
            ),
            "Revenue with us cannot exceed the customer's total category spend: check both columns.".to_string(),
        ),
    };
    Error::InvalidData(format!(
        "share of wallet must be a fraction in [0, 1], but {count} customers have values outside it (from {source}; e.g. {}). {fix} To keep such values anyway, set allow_out_of_range = true in [options] (--allow-out-of-range).",
        examples.join(", ")
    ))
}

pub(super) fn range_check(
    df: &DataFrame,
    id: &str,
    column: &str,
    lo: f64,
    hi: f64,
) -> Result<Option<RangeWarning>> {
    let out = df
        .clone()
        .lazy()
        .filter(col(column).lt(lit(lo)).or(col(column).gt(lit(hi))))
        .collect()?;
    if out.height() == 0 {
        return Ok(None);
    }
    Ok(Some(RangeWarning {
        column: column.to_string(),
        range: format!("[{lo}, {hi}]"),
        count: out.height(),
        examples: first_ids(&out, id)?,
    }))
}
