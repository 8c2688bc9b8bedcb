//! The customer-table builder: raw tables in, one clean row per customer out, plus the
//! [`Diagnostics`] record of everything read, matched, dropped and flagged.
//!
//! Steps (all in polars): read each table; check the role columns and make numeric roles
//! numeric; drop rows without an id; aggregate respondent tables to customers (mean or
//! median, respondent count, `min_respondents`); reject duplicate ids in customer tables;
//! report ids not matched across tables and inner-join on the id; derive share of wallet
//! and profit; drop customers with missing or non-finite model values (reported per
//! column); flag out-of-range values; assign segments.

mod checks;
mod join;
mod stream_tables;
pub use stream_tables::build as build_streaming;
pub mod stream;

use polars::prelude::*;

use super::aggregate;
use super::audit;
use super::diagnostics::{
    DeclaredMissing, Diagnostics, Dropped, InputReport, SegmentCount, EXAMPLES,
};
use super::load;
use super::study::{Level, SegmentRule, SowScale, Study};
pub use crate::data::aggregate::rating_labels;
use crate::error::{Error, Result};
pub(crate) use checks::table_audit;
pub use checks::MAX_SEGMENTS;
use checks::*;

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
    /// Variable and value labels of the input columns (SPSS, Stata), by column name.
    pub labels: load::TableMeta,
}

struct Loaded {
    name: String,
    level: Level,
    df: DataFrame,
    meta: load::TableMeta,
}

/// Build the customer table described by `study` (a study without a transaction table;
/// with one, the analysis layer summarizes it first and calls [`build_with`]).
pub fn build(study: &Study) -> Result<CustomerTable> {
    build_with(study, Default::default())
}

/// Build the customer table from tables prepared by the analysis layer: `prepared` maps a
/// table's name to its contents — the transaction table already turned into one row per
/// customer (id in the table's id column), which then joins like a customer table, or a
/// survey table with added columns (e.g. satisfaction-index scores). Other tables are read
/// from their files.
pub fn build_with(
    study: &Study,
    mut prepared: std::collections::HashMap<String, DataFrame>,
) -> Result<CustomerTable> {
    let id = study.roles.id.clone();
    let mut diag = Diagnostics {
        study: study.name.clone(),
        ..Default::default()
    };

    // 1. Read every table (ids as text under the one id policy) and locate the columns
    // each role needs.
    let mut tables = Vec::with_capacity(study.tables.len());
    let mut metas = Vec::with_capacity(study.tables.len());
    let mut labels = load::TableMeta::default();
    for spec in &study.tables {
        let path = study.resolve(spec);
        let file = path.display().to_string();
        let table_id = study.table_id(spec);
        let mut declared = Vec::new();
        let (df, meta, in_memory) = match prepared.remove(&spec.name) {
            Some(df) => (df, load::TableMeta::default(), spec.level == Level::Transaction),
            None if spec.level == Level::Transaction => {
                return Err(Error::Internal(format!(
                    "table '{}' is a transaction log: summarize it before the build (analysis::study::build)",
                    spec.name
                )))
            }
            None => {
                let mut opts = spec.read_options()?;
                opts.text_columns = [Some(table_id.to_string()), spec.respondent.clone()]
                    .into_iter()
                    .flatten()
                    .collect();
                let read = load::read_table(&path, &opts)?;
                declared = read.meta.declared_missing();
                (read.df, read.meta, false)
            }
        };
        if df.height() == 0 {
            return Err(Error::Empty {
                what: format!("table '{}' ({file})", spec.name),
                hint: "Check that the file holds data rows below its header.".into(),
            });
        }
        load::require_column(&df, &file, table_id)?;
        if let Some(r) = &spec.respondent {
            load::require_column(&df, &file, r)?;
        }
        let rows_read = df.height();
        let (df, id_notes) = audit::ids::normalize(df, table_id, &spec.name)?;
        if in_memory {
            // A summary the analysis layer made (CLV per customer): its ids are already
            // the log's, as the log's own audit read them.
        } else {
            for f in id_notes {
                diag.add(f);
            }
        }
        for (column, codes, count) in &declared {
            diag.notes.push(format!(
                "table '{}': {count} cell{} of '{column}' held a declared missing code ({codes}) and {} read as missing",
                spec.name,
                if *count == 1 { "" } else { "s" },
                if *count == 1 { "was" } else { "were" },
            ));
        }
        diag.inputs.push(InputReport {
            name: spec.name.clone(),
            path: spec.path.display().to_string(),
            level: format!("{:?}", spec.level).to_lowercase(),
            rows_read,
            customers: 0,
            customers_kept: 0,
            declared_missing: declared
                .into_iter()
                .map(|(column, codes, count)| DeclaredMissing {
                    column,
                    codes,
                    count,
                })
                .collect(),
        });
        tables.push((spec, df));
        metas.push((meta, in_memory));
    }

    // Columns a role names must exist in some table; numeric roles must be numeric there.
    let numeric_roles = numeric_role_columns(study);
    for (name, numeric) in numeric_roles
        .iter()
        .map(|c| (c.clone(), true))
        .chain(segment_column(study).map(|c| (c, false)))
    {
        let order: Vec<usize> = (0..tables.len())
            .filter(|&i| tables[i].0.level != Level::Respondent)
            .chain((0..tables.len()).filter(|&i| tables[i].0.level == Level::Respondent))
            .collect();
        let Some(ti) = order
            .into_iter()
            .find(|&i| tables[i].1.schema().contains(&name))
        else {
            // A segment rule may name a derived role (profit, revenue, ...): resolved
            // after derivation.
            if segment_source(study).as_deref() == Some(name.as_str()) && is_canonical(&name) {
                continue;
            }
            return Err(missing_everywhere(&tables, study, &name));
        };
        if numeric {
            let (spec, df) = &mut tables[ti];
            let file = study.resolve(spec).display().to_string();
            let (out, form) =
                load::numeric_column(std::mem::take(df), &file, &name, &metas[ti].0.origin)?;
            *df = out;
            if let Some(f) = form {
                for x in f.findings(&spec.name, &name) {
                    diag.add(x);
                }
            }
        }
    }

    // The audit of every table read from a file: total rows, missing codes, non-answer
    // codes and rating scales (`data::audit::table`). Notes and warnings go to the
    // diagnostics; a stopping finding ends the build with its fix.
    let missing_codes = study_missing_codes(study, &tables)?;
    for ((spec, df), (meta, in_memory)) in tables.iter_mut().zip(&metas) {
        let table_id = study.table_id(spec);
        if *in_memory {
            *df = std::mem::take(df)
                .lazy()
                .rename([table_id], [id.as_str()], true)
                .collect()?;
            continue;
        }
        let ctx = table_audit(study, spec, &missing_codes);
        let (out, findings) = audit::audit_table(std::mem::take(df), meta, &ctx)?;
        *df = out;
        audit::stop_on(&findings)?;
        for f in findings {
            diag.add(f);
        }
        // A labelled code column that splits customers shows its labels (1 -> "North");
        // codes stay numbers everywhere else.
        if let Some(c) = segment_column(study) {
            if spec.level != Level::Respondent {
                *df = meta.with_labels(std::mem::take(df), &c)?;
            }
        }
        labels.extend(meta.clone());
        if table_id != id {
            *df = std::mem::take(df)
                .lazy()
                .rename([table_id], [id.as_str()], true)
                .collect()?;
        }
    }

    let mut loaded: Vec<Loaded> = tables
        .into_iter()
        .zip(metas)
        .map(|((spec, df), (meta, _))| Loaded {
            name: spec.name.clone(),
            level: spec.level,
            df,
            meta,
        })
        .collect();

    // 2. Per-table cleaning and aggregation. `read_ids` keeps every table's distinct ids
    // as read, so the join stage can count each lost customer once, where it was lost.
    let mut read_ids: Vec<DataFrame> = Vec::new();
    let mut removed_early: Vec<DataFrame> = Vec::new();
    for (t, spec) in loaded.iter_mut().zip(&study.tables) {
        let lf = t.df.clone().lazy();
        let (df, missing_id) = split_by(
            lf,
            col(id.as_str())
                .is_null()
                .or(col(id.as_str()).str().len_chars().eq(lit(0))),
        )?;
        let ids = distinct_ids(&df, &id)?;
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
            Level::Customer | Level::Transaction => {
                check_unique(&df, &id, &study.resolve(spec).display().to_string(), study)?;
                df
            }
            Level::Respondent => aggregate::aggregate_respondents(
                df.lazy(),
                &t.name,
                &t.meta,
                spec.respondent.as_deref(),
                study,
                &mut diag,
                Engine::InMemory,
            )?,
        };
        removed_early.push(
            ids.clone()
                .lazy()
                .anti_join(
                    t.df.clone().lazy().select([col(id.as_str())]),
                    col(id.as_str()),
                    col(id.as_str()),
                )
                .collect()?,
        );
        if let Some(input) = diag.inputs.iter_mut().find(|i| i.name == t.name) {
            input.customers = ids.height();
            input.customers_kept = t.df.height();
        }
        read_ids.push(ids);
    }

    join::join_and_finish(study, loaded, read_ids, removed_early, diag, labels)
}

/// The model columns a customer needs a value in (the four chain variables, covariates,
/// moderators, the segment rule's column), in the order missing values are attributed.
pub(crate) fn required_columns(study: &Study) -> Vec<String> {
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
    required
}

/// A customer without a usable value in model column `c`: missing, or (`numeric`) not a
/// finite number.
pub(crate) fn no_value(c: &str, numeric: bool) -> Expr {
    let missing = col(c).is_null();
    if numeric {
        missing.or(col(c).is_finite().not())
    } else {
        missing
    }
}

/// Why a customer without a value in `c` was dropped, in words.
pub(crate) fn missing_reason(study: &Study, c: &str) -> String {
    if c == cols::SOW && study.roles.category_spend.is_some() {
        format!(
            "share of wallet not computable (missing revenue or '{}' missing/not positive)",
            study.roles.category_spend.as_deref().unwrap_or("")
        )
    } else {
        format!("missing or non-finite value in '{c}'")
    }
}

/// The warning for a segment rule that puts every customer in one segment.
pub(crate) fn one_segment_warning(study: &Study, segments: &[String]) -> Option<String> {
    (segments.len() == 1 && study.segments != SegmentRule::None && !study.segments.found()).then(|| {
        format!(
            "the segment rule '{}' puts every customer in one segment ('{}'), so no segments are compared; choose another rule or use `none`",
            study.segments.describe(),
            segments[0]
        )
    })
}

/// Table indices, customer-level tables first, each group in study order.
fn preference_order(tables: &[Loaded]) -> Vec<usize> {
    (0..tables.len())
        .filter(|&i| tables[i].level != Level::Respondent)
        .chain((0..tables.len()).filter(|&i| tables[i].level == Level::Respondent))
        .collect()
}

/// Numeric columns the roles name (before derivation), without duplicates.
pub(crate) fn numeric_role_columns(study: &Study) -> Vec<String> {
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

/// Split rows into (kept, removed) by a predicate that marks the removed ones.
pub(crate) fn split_by(lf: LazyFrame, remove: Expr) -> Result<(DataFrame, DataFrame)> {
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

/// Run a plan on `engine` (in memory, or polars' streaming engine) to one frame.
pub(crate) fn run(lf: LazyFrame, engine: Engine) -> Result<DataFrame> {
    // One plan without sinks always gives one frame (only `collect_all` of several sinks
    // gives `Multiple`, where `unwrap_single` would panic).
    Ok(lf.collect_with_engine(engine)?.unwrap_single())
}

/// The first few ids of a table, sorted.
pub(crate) fn first_ids(df: &DataFrame, id: &str) -> Result<Vec<String>> {
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

/// Record the customers of `gone` (if any) as dropped at `stage` for `reason`.
pub(crate) fn drop_customers(
    diag: &mut Diagnostics,
    stage: &str,
    reason: String,
    gone: &DataFrame,
    id: &str,
) -> Result<()> {
    if gone.height() > 0 {
        diag.dropped.push(Dropped {
            stage: stage.to_string(),
            reason,
            unit: "customers".into(),
            count: gone.height(),
            examples: first_ids(gone, id)?,
        });
    }
    Ok(())
}

/// Distinct values of the id column, sorted.
pub(crate) fn distinct_ids(df: &DataFrame, id: &str) -> Result<DataFrame> {
    Ok(df
        .clone()
        .lazy()
        .select([col(id)])
        .unique(None, UniqueKeepStrategy::Any)
        .sort([id], Default::default())
        .collect()?)
}

/// Whether `name` is one of the customer table's derived chain columns.
fn is_canonical(name: &str) -> bool {
    [cols::SATISFACTION, cols::SOW, cols::REVENUE, cols::PROFIT].contains(&name)
}

/// Canonical satisfaction, share_of_wallet, revenue and profit columns.
fn derive(lf: LazyFrame, study: &Study) -> Result<DataFrame> {
    Ok(derive_lazy(lf, study)?.collect()?)
}

/// [`derive`]'s plan, not yet run (the streaming build runs it batch by batch).
fn derive_lazy(lf: LazyFrame, study: &Study) -> Result<LazyFrame> {
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
    Ok(lf
        .with_columns([
            col(r.satisfaction.as_str()).alias(cols::SATISFACTION),
            sow.alias(cols::SOW),
            col(r.revenue.as_str()).alias(cols::REVENUE),
            profit.alias(cols::PROFIT),
        ])
        .drop(by_name(renamed, true, false)))
}

fn segment_expr(rule: &SegmentRule) -> Result<Expr> {
    Ok(match rule {
        SegmentRule::Profit => when(col(cols::PROFIT).gt(lit(0.0)))
            .then(lit(PROFITABLE))
            .otherwise(lit(UNPROFITABLE)),
        SegmentRule::Column { column } => col(column.as_str()).cast(DataType::String),
        SegmentRule::Threshold {
            column, threshold, ..
        } => {
            let names = rule.names();
            when(col(column.as_str()).gt(lit(*threshold)))
                .then(lit(names[0].clone()))
                .otherwise(lit(names[1].clone()))
        }
        SegmentRule::None => lit("all"),
        // Found from the data after the build (`analysis::segments::found`).
        SegmentRule::Tree { .. } | SegmentRule::Classes { .. } => lit("all"),
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
    let preferred = rule.names();
    present.sort_by_key(|s| {
        (
            preferred.iter().position(|p| p == s).unwrap_or(usize::MAX),
            s.clone(),
        )
    });
    Ok(present)
}

/// The study's (first) respondent-level table, restricted to the customers the study
/// analyses (the same build, `min_respondents` and join as the chain) and carrying the
/// customer table's columns it lacks (`segment`, the accounts' region, ...), joined on the
/// id. Also returns how many respondent rows were read. None when the study has no
/// respondent table.
pub fn respondents_with_segments(
    study: &Study,
    table: &CustomerTable,
) -> Result<Option<(DataFrame, usize)>> {
    let Some(spec) = study.tables.iter().find(|t| t.level == Level::Respondent) else {
        return Ok(None);
    };
    // The same reading and audit as the build (ids, totals, missing codes), and the same
    // respondents: those with a valid satisfaction rating, of the customers analysed.
    let path = study.resolve(spec);
    let file = path.display().to_string();
    let id = study.table_id(spec);
    let mut opts = spec.read_options()?;
    opts.text_columns = [Some(id.to_string()), spec.respondent.clone()]
        .into_iter()
        .flatten()
        .collect();
    let read = load::read_table(&path, &opts)?;
    load::require_column(&read.df, &file, id)?;
    let rows_read = read.df.height();
    let (mut df, _) = audit::ids::normalize(read.df, id, &spec.name)?;
    for c in numeric_role_columns(study) {
        if df.schema().contains(&c) {
            df = load::require_numeric(df, &file, &c, &read.meta.origin)?;
        }
    }
    let ctx = table_audit(study, spec, &study.options.missing_codes);
    let (mut df, _) = audit::audit_table(df, &read.meta, &ctx)?;
    let sat = study.roles.satisfaction.as_str();
    if df.schema().contains(sat) {
        df = df
            .lazy()
            .filter(col(sat).is_not_null().and(col(sat).is_finite()))
            .collect()?;
    }
    let own: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let mut carried = vec![col(table.id.as_str()).cast(DataType::String).alias("__id")];
    for c in table.df.get_column_names() {
        let c = c.as_str();
        if c != table.id && (c == cols::SEGMENT || !own.iter().any(|o| o == c)) {
            carried.push(col(c));
        }
    }
    let customers = table.df.clone().lazy().select(carried);
    let joined = df
        .lazy()
        .with_column(col(id).alias("__id"))
        .drop(by_name([cols::SEGMENT], false, false))
        .inner_join(customers, col("__id"), col("__id"))
        .drop(by_name(["__id"], true, false))
        .collect()?;
    Ok(Some((joined, rows_read)))
}
