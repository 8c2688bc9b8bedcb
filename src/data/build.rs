//! The customer-table builder: raw tables in, one clean row per customer out, plus the
//! [`Diagnostics`] record of everything read, matched, dropped and flagged.
//!
//! Steps (all in polars): read each table; check the role columns and make numeric roles
//! numeric; drop rows without an id; aggregate respondent tables to customers (mean or
//! median, respondent count, `min_respondents`); reject duplicate ids in customer tables;
//! report ids not matched across tables and inner-join on the id; derive share of wallet
//! and profit; drop customers with missing or non-finite model values (reported per
//! column); flag out-of-range values; assign segments.

use polars::prelude::*;

use super::diagnostics::{Diagnostics, Dropped, InputReport, RangeWarning, SegmentCount, EXAMPLES};
use super::load;
use super::study::{Aggregation, Level, SegmentRule, SowScale, Study};
use crate::error::{closest, Error, Result};

/// Canonical column names of the customer table.
pub mod cols {
    pub const SEGMENT: &str = "segment";
    pub const SATISFACTION: &str = "satisfaction";
    pub const SOW: &str = "share_of_wallet";
    pub const REVENUE: &str = "revenue";
    pub const PROFIT: &str = "profit";
    pub const N_RESPONDENTS: &str = "n_respondents";
}

/// Label of the profit rule's segments.
pub const PROFITABLE: &str = "profitable";
pub const UNPROFITABLE: &str = "unprofitable";

/// The built customer table.
#[derive(Debug, Clone)]
pub struct CustomerTable {
    /// One row per customer: id, segment, the four chain variables, then the other columns.
    pub df: DataFrame,
    /// Name of the id column.
    pub id: String,
    /// Segment names in report order.
    pub segments: Vec<String>,
    pub diagnostics: Diagnostics,
}

struct Loaded {
    name: String,
    level: Level,
    df: DataFrame,
}

/// Build the customer table described by `study`.
pub fn build(study: &Study) -> Result<CustomerTable> {
    let id = study.roles.id.clone();
    let mut diag = Diagnostics {
        study: study.name.clone(),
        ..Default::default()
    };

    // 1. Read every table and locate the columns each role needs.
    let mut tables = Vec::with_capacity(study.tables.len());
    for spec in &study.tables {
        let path = study.resolve(spec);
        let file = path.display().to_string();
        let df = load::read(&path)?;
        if df.height() == 0 {
            return Err(Error::Empty {
                what: format!("table '{}' ({file})", spec.name),
                hint: "Check that the file holds data rows below its header.".into(),
            });
        }
        let table_id = study.table_id(spec);
        load::require_column(&df, &file, table_id)?;
        if let Some(r) = &spec.respondent {
            load::require_column(&df, &file, r)?;
        }
        let rows_read = df.height();
        // Ids as text so tables with "7" and 7 still match; rename to the study's id.
        let mut lf = df.lazy().with_column(col(table_id).cast(DataType::String));
        if table_id != id {
            lf = lf.rename([table_id], [id.as_str()], true);
        }
        let df = lf.collect()?;
        diag.inputs.push(InputReport {
            name: spec.name.clone(),
            path: spec.path.display().to_string(),
            level: format!("{:?}", spec.level).to_lowercase(),
            rows_read,
            customers: 0,
        });
        tables.push((spec, df));
    }

    // Columns a role names must exist in some table; numeric roles must be numeric there.
    let numeric_roles = numeric_role_columns(study);
    for (name, numeric) in numeric_roles
        .iter()
        .map(|c| (c.clone(), true))
        .chain(segment_column(study).map(|c| (c, false)))
    {
        let order: Vec<usize> = (0..tables.len())
            .filter(|&i| tables[i].0.level == Level::Customer)
            .chain((0..tables.len()).filter(|&i| tables[i].0.level == Level::Respondent))
            .collect();
        let Some(ti) = order
            .into_iter()
            .find(|&i| tables[i].1.schema().contains(&name))
        else {
            return Err(missing_everywhere(&tables, study, &name));
        };
        if numeric {
            let (spec, df) = &mut tables[ti];
            let file = study.resolve(spec).display().to_string();
            *df = load::require_numeric(std::mem::take(df), &file, &name)?;
        }
    }

    let mut loaded: Vec<Loaded> = tables
        .into_iter()
        .map(|(spec, df)| Loaded {
            name: spec.name.clone(),
            level: spec.level,
            df,
        })
        .collect();

    // 2. Per-table cleaning and aggregation.
    for (t, spec) in loaded.iter_mut().zip(&study.tables) {
        let lf = t.df.clone().lazy();
        let (df, missing_id) = split_by(lf, col(id.as_str()).is_null())?;
        if missing_id.height() > 0 {
            diag.dropped.push(Dropped {
                stage: t.name.clone(),
                reason: format!("missing id in '{}'", study.table_id(spec)),
                unit: "rows".into(),
                count: missing_id.height(),
                examples: vec![],
            });
        }
        t.df = match t.level {
            Level::Customer => {
                check_unique(&df, &id, &study.resolve(spec).display().to_string())?;
                df
            }
            Level::Respondent => {
                aggregate_respondents(df, t, spec.respondent.as_deref(), study, &mut diag)?
            }
        };
        if let Some(input) = diag.inputs.iter_mut().find(|i| i.name == t.name) {
            input.customers = t.df.height();
        }
    }

    // A non-id column present in several tables is taken from one table only: customer
    // tables first, then respondent tables, each in study order (noted).
    let mut seen: Vec<String> = vec![id.clone()];
    for ti in preference_order(&loaded) {
        let t = &mut loaded[ti];
        let dupes: Vec<String> =
            t.df.get_column_names()
                .iter()
                .map(|s| s.to_string())
                .filter(|c| c != &id && seen.contains(c))
                .collect();
        if !dupes.is_empty() {
            diag.notes.push(format!(
                "table '{}': column(s) {} also appear in another table, whose values are used",
                t.name,
                dupes.join(", ")
            ));
            t.df = t.df.drop_many(dupes.iter().map(String::as_str));
        }
        seen.extend(t.df.get_column_names().iter().map(|s| s.to_string()));
    }

    // 3. Unmatched ids, then the inner join.
    let mut joined: Option<LazyFrame> = None;
    for (i, t) in loaded.iter().enumerate() {
        for (j, other) in loaded.iter().enumerate() {
            if i == j {
                continue;
            }
            let unmatched =
                t.df.clone()
                    .lazy()
                    .select([col(id.as_str())])
                    .anti_join(
                        other.df.clone().lazy().select([col(id.as_str())]),
                        col(id.as_str()),
                        col(id.as_str()),
                    )
                    .sort([id.as_str()], Default::default())
                    .collect()?;
            if unmatched.height() > 0 {
                diag.dropped.push(Dropped {
                    stage: "join".into(),
                    reason: format!("id in '{}' but not in '{}'", t.name, other.name),
                    unit: "customers".into(),
                    count: unmatched.height(),
                    examples: first_ids(&unmatched, &id)?,
                });
            }
        }
        let lf = t.df.clone().lazy();
        joined = Some(match joined {
            None => lf,
            Some(acc) => acc.inner_join(lf, col(id.as_str()), col(id.as_str())),
        });
    }
    let joined = joined
        .ok_or_else(|| Error::Internal("no tables".into()))?
        .sort([id.as_str()], Default::default())
        .collect()?;
    diag.joined_customers = joined.height();
    if joined.height() == 0 {
        let examples: Vec<String> = loaded
            .iter()
            .map(|t| {
                format!(
                    "'{}' has e.g. {}",
                    t.name,
                    first_ids(&t.df, &id)
                        .map(|v| v.join(", "))
                        .unwrap_or_default()
                )
            })
            .collect();
        return Err(Error::Empty {
            what: "the join of all tables on the customer id".into(),
            hint: format!(
                "No id occurs in every table ({}). Check that the id columns hold the same codes.",
                examples.join("; ")
            ),
        });
    }

    // 4. Derived measures under canonical names.
    let derived = derive(joined.lazy(), study)?;

    // 5. Missing / non-finite model values, attributed to the first offending column.
    let mut required: Vec<String> = vec![
        cols::SATISFACTION.into(),
        cols::SOW.into(),
        cols::REVENUE.into(),
        cols::PROFIT.into(),
    ];
    for c in study.roles.covariates.iter().chain(&study.roles.moderators) {
        if !required.contains(c) {
            required.push(c.clone());
        }
    }
    if let Some(c) = segment_source(study) {
        if !required.contains(&c) {
            required.push(c);
        }
    }
    let mut df = derived;
    for c in &required {
        let numeric = df.column(c)?.dtype().is_float();
        let bad = if numeric {
            col(c.as_str())
                .is_null()
                .or(col(c.as_str()).is_finite().not())
        } else {
            col(c.as_str()).is_null()
        };
        let (keep, gone) = split_by(df.lazy(), bad)?;
        if gone.height() > 0 {
            let reason = if c == cols::SOW && study.roles.category_spend.is_some() {
                format!(
                    "share of wallet not computable (missing revenue or '{}' missing/not positive)",
                    study.roles.category_spend.as_deref().unwrap_or("")
                )
            } else {
                format!("missing or non-finite value in '{c}'")
            };
            diag.dropped.push(Dropped {
                stage: "customers".into(),
                reason,
                unit: "customers".into(),
                count: gone.height(),
                examples: first_ids(&gone, &id)?,
            });
        }
        df = keep;
    }
    if df.height() == 0 {
        return Err(Error::Empty {
            what: "the customer table after removing missing values".into(),
            hint: "Every customer lacks a value in some model column; see the columns named above with `profitchain inspect`.".into(),
        });
    }

    // 6. Out-of-range values (kept, flagged).
    range_check(&df, &id, cols::SOW, 0.0, 1.0, &mut diag)?;
    if let Some([lo, hi]) = study.options.satisfaction_scale {
        range_check(&df, &id, cols::SATISFACTION, lo, hi, &mut diag)?;
    }

    // 7. Segments, then column order: id, segment, chain variables, the rest.
    let df = df
        .lazy()
        .with_column(segment_expr(&study.segments)?)
        .collect()?;
    let segments = segment_order(&df, &study.segments)?;
    for s in &segments {
        let n = df
            .column(cols::SEGMENT)?
            .as_materialized_series()
            .str()?
            .iter()
            .filter(|v| *v == Some(s.as_str()))
            .count();
        diag.segments.push(SegmentCount {
            segment: s.clone(),
            customers: n,
        });
    }
    let mut order: Vec<String> = vec![
        id.clone(),
        cols::SEGMENT.into(),
        cols::SATISFACTION.into(),
        cols::SOW.into(),
        cols::REVENUE.into(),
        cols::PROFIT.into(),
    ];
    for c in df.get_column_names() {
        if !order.iter().any(|o| o == c.as_str()) {
            order.push(c.to_string());
        }
    }
    let df = df.select(order)?;
    diag.customers = df.height();
    Ok(CustomerTable {
        df,
        id,
        segments,
        diagnostics: diag,
    })
}

/// Table indices, customer-level tables first, each group in study order.
fn preference_order(tables: &[Loaded]) -> Vec<usize> {
    (0..tables.len())
        .filter(|&i| tables[i].level == Level::Customer)
        .chain((0..tables.len()).filter(|&i| tables[i].level == Level::Respondent))
        .collect()
}

/// Numeric columns the roles name (before derivation), without duplicates.
fn numeric_role_columns(study: &Study) -> Vec<String> {
    let r = &study.roles;
    let mut out: Vec<String> = Vec::new();
    let mut add = |c: &str| {
        if !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
    };
    add(&r.satisfaction);
    if let Some(c) = &r.share_of_wallet {
        add(c);
    }
    if let Some(c) = &r.category_spend {
        add(c);
    }
    add(&r.revenue);
    if let Some(c) = &r.profit {
        add(c);
    }
    if let Some(c) = &r.cost {
        add(c);
    }
    for c in r.covariates.iter().chain(&r.moderators) {
        add(c);
    }
    if let SegmentRule::Threshold { column, .. } = &study.segments {
        add(column);
    }
    out
}

/// The column the segment rule reads, if any.
fn segment_source(study: &Study) -> Option<String> {
    match &study.segments {
        SegmentRule::Column { column } | SegmentRule::Threshold { column, .. } => {
            Some(column.clone())
        }
        _ => None,
    }
}

/// A column the segment rule reads that is not otherwise numeric.
fn segment_column(study: &Study) -> Option<String> {
    match &study.segments {
        SegmentRule::Column { column } => Some(column.clone()),
        _ => None,
    }
}

fn missing_everywhere(
    tables: &[(&super::study::TableSpec, DataFrame)],
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

/// Split rows into (kept, removed) by a predicate that marks the removed ones.
fn split_by(lf: LazyFrame, remove: Expr) -> Result<(DataFrame, DataFrame)> {
    let flagged = lf.with_column(remove.alias("__remove")).collect()?;
    let keep = flagged
        .clone()
        .lazy()
        .filter(col("__remove").not())
        .drop(by_name(["__remove"], true, false))
        .collect()?;
    let gone = flagged
        .lazy()
        .filter(col("__remove"))
        .drop(by_name(["__remove"], true, false))
        .collect()?;
    Ok((keep, gone))
}

/// The first few ids of a table, sorted.
fn first_ids(df: &DataFrame, id: &str) -> Result<Vec<String>> {
    let ids = df
        .clone()
        .lazy()
        .select([col(id)])
        .sort([id], Default::default())
        .limit(EXAMPLES as IdxSize)
        .collect()?;
    Ok(ids
        .column(id)?
        .as_materialized_series()
        .str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect())
}

fn check_unique(df: &DataFrame, id: &str, file: &str) -> Result<()> {
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
        return Err(Error::DuplicateId {
            file: file.to_string(),
            column: id.to_string(),
            count: dup.height(),
            examples: ids.join(", "),
        });
    }
    Ok(())
}

/// Respondent rows -> one row per customer.
fn aggregate_respondents(
    df: DataFrame,
    t: &Loaded,
    respondent: Option<&str>,
    study: &Study,
    diag: &mut Diagnostics,
) -> Result<DataFrame> {
    let id = study.roles.id.as_str();
    let sat = study.roles.satisfaction.as_str();
    let mut df = df;
    if let Some(r) = respondent {
        let dup = df
            .clone()
            .lazy()
            .group_by([col(id), col(r)])
            .agg([len().alias("__n")])
            .filter(col("__n").gt(lit(1)))
            .collect()?;
        if dup.height() > 0 {
            return Err(Error::DuplicateId {
                file: t.name.clone(),
                column: format!("{id} + {r}"),
                count: dup.height(),
                examples: first_ids(&dup, id)?.join(", "),
            });
        }
    }
    // Respondents without a usable satisfaction rating do not count towards the customer.
    if df.schema().contains(sat) {
        let (keep, gone) = split_by(df.lazy(), col(sat).is_null().or(col(sat).is_finite().not()))?;
        if gone.height() > 0 {
            diag.dropped.push(Dropped {
                stage: t.name.clone(),
                reason: format!("respondent has no valid '{sat}' rating"),
                unit: "rows".into(),
                count: gone.height(),
                examples: first_ids(
                    &gone
                        .clone()
                        .lazy()
                        .unique(None, UniqueKeepStrategy::Any)
                        .collect()?,
                    id,
                )?,
            });
        }
        df = keep;
    }
    let mut aggs = vec![len()
        .alias(super::build::cols::N_RESPONDENTS)
        .cast(DataType::Int64)];
    let mut skipped = Vec::new();
    for c in df.columns() {
        let name = c.name().as_str();
        if name == id || Some(name) == respondent {
            continue;
        }
        if c.dtype().is_primitive_numeric() {
            let e = col(name).cast(DataType::Float64);
            aggs.push(
                match study.options.aggregation {
                    Aggregation::Mean => e.mean(),
                    Aggregation::Median => e.median(),
                }
                .alias(name),
            );
        } else {
            skipped.push(name.to_string());
        }
    }
    if !skipped.is_empty() {
        diag.notes.push(format!(
            "table '{}': non-numeric column(s) {} not aggregated to customers",
            t.name,
            skipped.join(", ")
        ));
    }
    let agg = df
        .lazy()
        .group_by([col(id)])
        .agg(aggs)
        .sort([id], Default::default())
        .collect()?;
    let min = study.options.min_respondents as i64;
    let (keep, gone) = split_by(agg.lazy(), col(cols::N_RESPONDENTS).lt(lit(min)))?;
    if gone.height() > 0 {
        diag.dropped.push(Dropped {
            stage: t.name.clone(),
            reason: format!("fewer than {min} valid respondents (min_respondents)"),
            unit: "customers".into(),
            count: gone.height(),
            examples: first_ids(&gone, id)?,
        });
    }
    Ok(keep)
}

/// Canonical satisfaction, share_of_wallet, revenue and profit columns.
fn derive(lf: LazyFrame, study: &Study) -> Result<DataFrame> {
    let r = &study.roles;
    let sow = match (&r.share_of_wallet, &r.category_spend) {
        (Some(c), _) => match study.options.share_of_wallet_scale {
            SowScale::Fraction => col(c.as_str()),
            SowScale::Percent => col(c.as_str()) / lit(100.0),
        },
        (None, Some(spend)) => when(col(spend.as_str()).gt(lit(0.0)))
            .then(col(r.revenue.as_str()) / col(spend.as_str()))
            .otherwise(lit(NULL).cast(DataType::Float64)),
        (None, None) => return Err(Error::Internal("study without share of wallet".into())),
    };
    let profit = match (&r.profit, &r.cost) {
        (Some(p), _) => col(p.as_str()),
        (None, Some(c)) => col(r.revenue.as_str()) - col(c.as_str()),
        (None, None) => return Err(Error::Internal("study without profit".into())),
    };
    // Renamed sources are dropped so each value appears once; cost and category spend stay.
    let mut renamed: Vec<String> = Vec::new();
    for (src, dst) in [
        (Some(&r.satisfaction), cols::SATISFACTION),
        (r.share_of_wallet.as_ref(), cols::SOW),
        (Some(&r.revenue), cols::REVENUE),
        (r.profit.as_ref(), cols::PROFIT),
    ] {
        if let Some(s) = src {
            if s != dst {
                renamed.push(s.clone());
            }
        }
    }
    let keep_sources: Vec<String> = [&r.covariates, &r.moderators]
        .into_iter()
        .flatten()
        .cloned()
        .chain(segment_source(study))
        .collect();
    renamed.retain(|c| {
        !keep_sources.contains(c)
            && Some(c) != r.category_spend.as_ref()
            && Some(c) != r.cost.as_ref()
    });
    let df = lf
        .with_columns([
            col(r.satisfaction.as_str()).alias(cols::SATISFACTION),
            sow.alias(cols::SOW),
            col(r.revenue.as_str()).alias(cols::REVENUE),
            profit.alias(cols::PROFIT),
        ])
        .drop(by_name(renamed, true, false))
        .collect()?;
    Ok(df)
}

fn range_check(
    df: &DataFrame,
    id: &str,
    column: &str,
    lo: f64,
    hi: f64,
    diag: &mut Diagnostics,
) -> Result<()> {
    let out = df
        .clone()
        .lazy()
        .filter(col(column).lt(lit(lo)).or(col(column).gt(lit(hi))))
        .collect()?;
    if out.height() > 0 {
        diag.out_of_range.push(RangeWarning {
            column: column.to_string(),
            range: format!("[{lo}, {hi}]"),
            count: out.height(),
            examples: first_ids(&out, id)?,
        });
    }
    Ok(())
}

fn segment_expr(rule: &SegmentRule) -> Result<Expr> {
    Ok(match rule {
        SegmentRule::Profit => when(col(cols::PROFIT).gt(lit(0.0)))
            .then(lit(PROFITABLE))
            .otherwise(lit(UNPROFITABLE)),
        SegmentRule::Column { column } => col(column.as_str()).cast(DataType::String),
        SegmentRule::Threshold {
            column,
            threshold,
            above,
            below,
        } => when(col(column.as_str()).gt(lit(*threshold)))
            .then(lit(above.as_str()))
            .otherwise(lit(below.as_str())),
        SegmentRule::None => lit("all"),
    }
    .alias(cols::SEGMENT))
}

/// Segment names in report order: the rule's own order, else sorted; only those present.
fn segment_order(df: &DataFrame, rule: &SegmentRule) -> Result<Vec<String>> {
    let mut present: Vec<String> = df
        .column(cols::SEGMENT)?
        .as_materialized_series()
        .unique_stable()?
        .str()?
        .iter()
        .flatten()
        .map(str::to_string)
        .collect();
    let preferred: Vec<String> = match rule {
        SegmentRule::Profit => vec![PROFITABLE.into(), UNPROFITABLE.into()],
        SegmentRule::Threshold { above, below, .. } => vec![above.clone(), below.clone()],
        _ => vec![],
    };
    present.sort_by_key(|s| {
        (
            preferred.iter().position(|p| p == s).unwrap_or(usize::MAX),
            s.clone(),
        )
    });
    Ok(present)
}

/// The study's (first) respondent-level table with each respondent's customer segment,
/// restricted to the customers of the built table (inner join on the id); None when the
/// study has no respondent table.
pub fn respondents_with_segments(
    study: &Study,
    table: &CustomerTable,
) -> Result<Option<DataFrame>> {
    let Some(spec) = study.tables.iter().find(|t| t.level == Level::Respondent) else {
        return Ok(None);
    };
    let df = load::read(&study.resolve(spec))?;
    let id = study.table_id(spec);
    load::require_column(&df, &spec.name, id)?;
    let segments = table.df.clone().lazy().select([
        col(table.id.as_str()).cast(DataType::String).alias("__id"),
        col(cols::SEGMENT),
    ]);
    let joined = df
        .lazy()
        .with_column(col(id).cast(DataType::String).alias("__id"))
        .drop(by_name([cols::SEGMENT], false, false))
        .inner_join(segments, col("__id"), col("__id"))
        .drop(by_name(["__id"], true, false))
        .collect()?;
    Ok(Some(joined))
}
