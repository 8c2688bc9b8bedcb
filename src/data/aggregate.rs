//! Respondent rows → one row per customer.
//!
//! Respondents without a valid satisfaction rating do not count towards their customer.
//! Numbers are averaged (mean or median, as the study says). **Categories** are never
//! averaged: a text column, the segment rule's column, or a column with value labels that
//! name categories (SPSS measure `nominal`, or labels that cover every code and do not read
//! as a rating scale — "North"/"South", "Branch"/"Online", not "Very satisfied"), takes
//! the value most of the customer's respondents gave, ties going to the first in the file
//! (so `channel` 1 = Branch, 2 = Online, 3 = Phone never becomes 2.6, and a `column:`
//! segment rule works on it). Free text with more than [`MAX_CATEGORIES`] distinct values
//! is not rolled up (said in a note).

use polars::prelude::*;

use super::audit::Finding;
use super::batches::{fold_batches, BATCH_ROWS};
use super::build::{cols, drop_customers, first_ids, run, split_by};
use super::diagnostics::{Diagnostics, Dropped, EXAMPLES};
use super::load::TableMeta;
use super::study::{Aggregation, SegmentRule, Study};
use crate::error::{Error, Result};

/// Text columns with more distinct values than this are free text, not categories.
pub const MAX_CATEGORIES: usize = 100;

/// Label words that mark a labelled column as a rating scale rather than categories.
const RATING_WORDS: &[&str] = &[
    "satisf",
    "agree",
    "good",
    "poor",
    "excellent",
    "likely",
    "important",
    "very",
    "fair",
    "bad",
    "better",
    "worse",
    "always",
    "never",
    "often",
    "strongly",
    "extremely",
    "not at all",
    "满意",
    "同意",
    "好",
    "差",
    "可能",
    "重要",
    "非常",
    "一般",
    "总是",
    "从不",
];

/// The columns the analysis models as numbers (never rolled up as categories).
fn numeric_roles(study: &Study) -> Vec<&str> {
    let r = &study.roles;
    let mut v: Vec<&str> = vec![r.satisfaction.as_str(), r.revenue.as_str()];
    v.extend(
        [
            &r.share_of_wallet,
            &r.category_spend,
            &r.profit,
            &r.cost,
            &r.recommend,
            &r.effort,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str),
    );
    v.extend(
        r.covariates
            .iter()
            .chain(&r.moderators)
            .chain(&r.attributes)
            .map(String::as_str),
    );
    if let SegmentRule::Threshold { column, .. } = &study.segments {
        v.push(column);
    }
    v
}

/// Whether value labels describe a rating scale ("Very satisfied", "Agree", measure ordinal
/// or scale) rather than categories.
pub fn rating_labels(cm: &super::load::ColumnMeta) -> bool {
    matches!(cm.measure.as_deref(), Some("ordinal") | Some("scale"))
        || cm.value_labels.iter().any(|(_, l)| {
            let l = l.to_lowercase();
            RATING_WORDS.iter().any(|w| l.contains(w))
        })
}

/// Whether a numeric column with value labels holds categories.
fn labelled_categories(
    lf: &LazyFrame,
    name: &str,
    meta: &TableMeta,
    engine: Engine,
) -> Result<bool> {
    let Some(cm) = meta.columns.get(name) else {
        return Ok(false);
    };
    if cm.value_labels.is_empty() || cm.measure.as_deref() == Some("scale") {
        return Ok(false);
    }
    if cm.measure.as_deref() == Some("nominal") {
        return Ok(true);
    }
    if cm.measure.as_deref() == Some("ordinal")
        || cm.value_labels.iter().any(|(_, l)| {
            let l = l.to_lowercase();
            RATING_WORDS.iter().any(|w| l.contains(w))
        })
    {
        return Ok(false);
    }
    let codes = run(
        lf.clone()
            .select([col(name).cast(DataType::Float64)])
            .unique(None, UniqueKeepStrategy::Any),
        engine,
    )?;
    let codes = codes[0].f64()?.iter().flatten().collect::<Vec<f64>>();
    Ok(codes
        .iter()
        .all(|c| cm.value_labels.iter().any(|(v, _)| v == c)))
}

/// Each customer's most frequent value of `column` (ties: the first in the file), as a
/// frame of (id, column).
fn most_frequent(lf: LazyFrame, id: &str, column: &str) -> Result<LazyFrame> {
    Ok(lf
        .select([col(id), col(column), col("__order")])
        .filter(col(column).is_not_null())
        .group_by([col(id), col(column)])
        .agg([len().alias("__n"), col("__order").min().alias("__first")])
        .sort_by_exprs(
            [col(id), col("__n"), col("__first")],
            SortMultipleOptions::default().with_order_descending_multi([false, true, false]),
        )
        .group_by_stable([col(id)])
        .agg([col(column).first()]))
}

/// The (customer `id`, respondent `r`) pairs that occur more than once in `lf`, sorted by
/// id. In memory: a two-key count (a hash table of every row's pair, about 1 GB at 4.5M
/// rows), run only when the respondent column alone has repeats. Streamed, where the rows
/// are not held: each pair's 64-bit hash (xxh3) is kept — 8 bytes a row — and sorted;
/// the pairs of a repeated hash are read again and counted exactly, so two pairs that
/// merely share a hash are never reported.
fn repeated_pairs(lf: &LazyFrame, id: &str, r: &str, engine: Engine) -> Result<DataFrame> {
    let none = || -> Result<DataFrame> {
        Ok(DataFrame::empty_with_schema(&Schema::from_iter([
            Field::new(id.into(), DataType::String),
            Field::new(r.into(), DataType::String),
        ])))
    };
    let count = |pairs: LazyFrame| -> PolarsResult<LazyFrame> {
        Ok(pairs
            .group_by([col(id), col(r)])
            .agg([len().alias("__n")])
            .filter(col("__n").gt(lit(1)))
            .sort([id], Default::default()))
    };
    if engine != Engine::Streaming {
        let n = run(
            lf.clone().select([
                col(r).n_unique().cast(DataType::UInt64).alias("u"),
                len().cast(DataType::UInt64).alias("n"),
            ]),
            engine,
        )?;
        let get = |c: &str| -> Result<u64> { Ok(n.column(c)?.u64()?.get(0).unwrap_or(0)) };
        if get("u")? == get("n")? {
            return none();
        }
        return run(count(lf.clone())?, engine);
    }
    let pairs = lf.clone().select([col(id), col(r).cast(DataType::String)]);
    let key = |a: Option<&str>, b: Option<&str>| {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(a.unwrap_or("").as_bytes());
        // A separator between the two, 0xff (never in UTF-8) for a missing respondent.
        // Pairs that hash alike are only suspects: they are counted exactly below.
        h.update(&[0x1f]);
        match b {
            Some(b) => h.update(b.as_bytes()),
            None => h.update(&[0xff]),
        }
        h.digest()
    };
    let (a, b) = (id.to_string(), r.to_string());
    let mut hashes = fold_batches(
        pairs.clone(),
        Some(BATCH_ROWS),
        Vec::new(),
        move |v: &mut Vec<u64>, batch| {
            let ids = batch.column(&a)?.str()?;
            let rs = batch.column(&b)?.str()?;
            v.extend(ids.iter().zip(rs.iter()).map(|(x, y)| key(x, y)));
            Ok(())
        },
    )?;
    hashes.sort_unstable();
    let mut repeated: Vec<u64> = hashes
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    drop(hashes);
    repeated.dedup();
    if repeated.is_empty() {
        return none();
    }
    let suspects: std::collections::HashSet<u64> = repeated.into_iter().collect();
    let (a, b) = (id.to_string(), r.to_string());
    let rows = fold_batches(
        pairs,
        Some(BATCH_ROWS),
        (Vec::new(), Vec::new()),
        move |v: &mut (Vec<String>, Vec<Option<String>>), batch| {
            let ids = batch.column(&a)?.str()?;
            let rs = batch.column(&b)?.str()?;
            for (x, y) in ids.iter().zip(rs.iter()) {
                if suspects.contains(&key(x, y)) {
                    v.0.push(x.unwrap_or("").to_string());
                    v.1.push(y.map(str::to_string));
                }
            }
            Ok(())
        },
    )?;
    let df = DataFrame::new_infer_height(vec![
        Column::new(id.into(), rows.0),
        Column::new(r.into(), rows.1),
    ])?;
    Ok(count(df.lazy())?.collect()?)
}

/// Respondent rows -> one row per customer (see the module docs). `lf` holds the table's
/// rows with an id; each question put to it runs on `engine` — in memory, or on polars'
/// streaming engine (`build --streaming`), so the respondents' rows are never held and
/// memory is set by the customers.
pub(crate) fn aggregate_respondents(
    mut lf: LazyFrame,
    table: &str,
    meta: &TableMeta,
    respondent: Option<&str>,
    study: &Study,
    diag: &mut Diagnostics,
    engine: Engine,
) -> Result<DataFrame> {
    let id = study.roles.id.as_str();
    let sat = study.roles.satisfaction.as_str();
    let schema = lf.collect_schema()?;
    if let Some(r) = respondent {
        let dup = repeated_pairs(&lf, id, r, engine)?;
        if dup.height() > 0 {
            return Err(Error::DuplicateId {
                file: table.to_string(),
                column: format!("{id} + {r}"),
                count: dup.height(),
                examples: super::diagnostics::quote_ids(&first_ids(&dup, id)?),
                hint: format!("Each respondent ('{r}') may answer once per customer: remove the repeated rows."),
            });
        }
    }
    // Respondents without a usable satisfaction rating do not count towards the customer;
    // a customer left with none is dropped here (and counted as a customer).
    let ids_before = run(
        lf.clone()
            .select([col(id)])
            .unique(None, UniqueKeepStrategy::Any)
            .sort([id], Default::default()),
        engine,
    )?;
    if schema.contains(sat) {
        let bad = col(sat).is_null().or(col(sat).is_finite().not());
        let gone = lf.clone().filter(bad.clone());
        let rows = run(gone.clone().select([len().cast(DataType::UInt64)]), engine)?;
        let rows = rows[0].u64()?.get(0).unwrap_or(0) as usize;
        if rows > 0 {
            let ids = run(
                gone.select([col(id)])
                    .unique(None, UniqueKeepStrategy::Any)
                    .sort([id], Default::default())
                    .limit(EXAMPLES as IdxSize),
                engine,
            )?;
            diag.dropped.push(Dropped {
                stage: table.to_string(),
                reason: format!("respondent has no valid '{sat}' rating"),
                unit: "rows".into(),
                count: rows,
                examples: first_ids(&ids, id)?,
            });
        }
        lf = lf.filter(bad.not());
    }
    let lf = lf.with_row_index("__order", None);
    let roles = numeric_roles(study);
    let segment = match &study.segments {
        SegmentRule::Column { column } => Some(column.as_str()),
        _ => None,
    };
    let mut aggs = vec![len().alias(cols::N_RESPONDENTS).cast(DataType::Int64)];
    let (mut categories, mut skipped) = (Vec::new(), Vec::new());
    // The open-ended comment column (`[feedback]`) is read by `feedback`, per respondent.
    let comment = study.feedback.as_ref().map(|f| f.comment.as_str());
    let skip = |name: &str| name == id || Some(name) == respondent || Some(name) == comment;
    // Distinct values of the text columns that could be categories, in one pass.
    let text: Vec<&str> = schema
        .iter()
        .filter(|(n, t)| !t.is_primitive_numeric() && !skip(n) && !roles.contains(&n.as_str()))
        .map(|(n, _)| n.as_str())
        .collect();
    let distinct = if text.is_empty() {
        DataFrame::empty()
    } else {
        run(
            lf.clone().select(
                text.iter()
                    .map(|c| col(*c).n_unique().cast(DataType::UInt64))
                    .collect::<Vec<_>>(),
            ),
            engine,
        )?
    };
    let mut columns: Vec<String> = Vec::new();
    for (name, dtype) in schema.iter() {
        let name = name.as_str();
        if skip(name) {
            continue;
        }
        columns.push(name.to_string());
        let numeric = dtype.is_primitive_numeric();
        let few = || -> Result<bool> {
            Ok(distinct.column(name)?.u64()?.get(0).unwrap_or(0) <= MAX_CATEGORIES as u64 + 1)
        };
        let category = !roles.contains(&name)
            && (Some(name) == segment
                || (!numeric && few()?)
                || (numeric && labelled_categories(&lf, name, meta, engine)?));
        if category {
            categories.push(name.to_string());
        } else if numeric {
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
            table,
            skipped.join(", ")
        ));
    }
    let mut agg = lf.clone().group_by([col(id)]).agg(aggs);
    for c in &categories {
        agg = agg.join(
            most_frequent(lf.clone(), id, c)?,
            [col(id)],
            [col(id)],
            JoinArgs::new(JoinType::Left),
        );
    }
    let mut agg = run(agg.sort([id], Default::default()), engine)?;
    if !categories.is_empty() {
        // The order of a table without categories: id, respondent count, the columns.
        let order: Vec<String> = [id, cols::N_RESPONDENTS]
            .into_iter()
            .map(str::to_string)
            .chain(columns.iter().cloned())
            .filter(|c| agg.schema().contains(c))
            .collect();
        agg = agg.select(order)?;
        diag.add(Finding::new(
            "category-rollup",
            table,
            None,
            0,
            vec![],
            &[
                (
                    "columns",
                    categories
                        .iter()
                        .map(|c| format!("'{c}'"))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                (
                    "kind",
                    if categories.len() == 1 {
                        "is a category (value labels or text)"
                    } else {
                        "are categories (value labels or text)"
                    }
                    .into(),
                ),
            ],
        ));
    }
    let vanished = ids_before
        .lazy()
        .anti_join(agg.clone().lazy().select([col(id)]), col(id), col(id))
        .collect()?;
    drop_customers(
        diag,
        table,
        format!("no respondent with a valid '{sat}' rating"),
        &vanished,
        id,
    )?;
    let min = study.options.min_respondents as i64;
    let (keep, gone) = split_by(agg.lazy(), col(cols::N_RESPONDENTS).lt(lit(min)))?;
    drop_customers(
        diag,
        table,
        format!("fewer than {min} valid respondents (min_respondents)"),
        &gone,
        id,
    )?;
    // The segment column shows its labels (1 -> "North") once rolled up.
    match segment {
        Some(c) if keep.schema().contains(c) => meta.with_labels(keep, c),
        _ => Ok(keep),
    }
}
