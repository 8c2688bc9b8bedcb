//! The RFM summary of a purchase log too large to hold in memory (`clv --streaming`): the
//! log is read in batches on polars' streaming engine, only its id, date and amount
//! columns, and reduced to one row per customer in two grouped aggregations (customer-days,
//! then customers); memory is set by those groups, not by the rows or the other columns.
//!
//! The summary is [`super::summarize`]'s, number for number (test): one transaction per
//! customer and day, spend of positive amounts added exactly in millionths
//! ([`super::spend_micros`]), the first day's spend taken out of the repeat mean (`min_by`
//! the day). What the in-memory path does besides, and this one does not: the input audit's whole-table checks (Total rows,
//! text number forms), netting refunds against their purchases (`--returns drop` or `keep`
//! here), the holdout and BG/BB's discrete periods. Each is an error naming the way out,
//! never a silent difference.

use polars::prelude::*;

use super::{
    check_amount_size, check_ends, day_number, natural_order, rfm_table, spend_micros, Rfm,
    TxDiagnostics, TxSpec,
};
use crate::data::returns::Returns;
use crate::error::{Error, Result};

fn refuse(what: &str) -> Error {
    Error::Usage(format!(
        "clv --streaming: {what} runs on the log read in memory; leave out --streaming"
    ))
}

/// The id as a grouping key: integers as they are (made text per customer at the end),
/// text trimmed with blanks missing, anything else as text.
fn id_expr(name: &str, dtype: &DataType) -> Expr {
    if dtype.is_integer() {
        col(name)
    } else {
        let t = col(name)
            .cast(DataType::String)
            .str()
            .strip_chars(lit(NULL));
        when(t.clone().eq(lit(""))).then(lit(NULL)).otherwise(t)
    }
}

/// Days since 1970-01-01 of the date column, as in memory ([`super::dates::days_of`]).
fn day_expr(name: &str, dtype: &DataType, format: Option<&str>) -> Result<Expr> {
    if matches!(
        dtype,
        DataType::String | DataType::Date | DataType::Datetime(_, _)
    ) || dtype.is_primitive_numeric()
    {
        return Ok(super::dates::days_of(name, dtype, format));
    }
    Err(Error::InvalidData(format!(
        "clv --streaming: the date column '{name}' holds {dtype}; give dates, datetimes, yyyymmdd numbers or ISO text"
    )))
}

/// Rows per hash bucket of customers (each bucket's customer-days, about 100 bytes each,
/// are held while it is summarised: about 5 GB).
pub const ROWS_PER_BUCKET: usize = 50_000_000;

/// The bucket (0..n) of each row's customer: XXH3-64 of the id's text (integers: of their
/// 8 little-endian bytes) modulo n, so a customer's rows all fall in one bucket.
fn bucket_of(n: usize) -> Expr {
    col("id").map(
        move |c: Column| {
            let n = n as u64;
            let out: UInt32Chunked = if c.dtype().is_integer() {
                c.cast(&DataType::Int64)?
                    .i64()?
                    .iter()
                    .map(|v| v.map(|v| (xxhash_rust::xxh3::xxh3_64(&v.to_le_bytes()) % n) as u32))
                    .collect()
            } else {
                c.str()?
                    .iter()
                    .map(|v| v.map(|v| (xxhash_rust::xxh3::xxh3_64(v.as_bytes()) % n) as u32))
                    .collect()
            };
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt32)),
    )
}

/// One row per customer of `rows` (id, day, amount): first day, calibration
/// customer-days, last calibration day, calibration spend, the first day's spend and the
/// customer-days after calibration.
fn customers_of(rows: LazyFrame, cal_end: i32) -> Result<DataFrame> {
    let in_cal = col("day").lt_eq(lit(cal_end));
    Ok(rows
        .group_by([col("id"), col("day")])
        .agg([spend_micros(col("amount")).sum().alias("spend")])
        .group_by([col("id")])
        .agg([
            col("day").min().alias("first"),
            in_cal.clone().sum().cast(DataType::Float64).alias("n_cal"),
            col("day").filter(in_cal.clone()).max().alias("last"),
            col("spend").filter(in_cal.clone()).sum().alias("cal_spend"),
            col("spend").min_by(col("day")).alias("first_spend"),
            in_cal.not().sum().cast(DataType::Float64).alias("holdout"),
        ])
        .collect_with_engine(Engine::Streaming)?
        .unwrap_single())
}

fn count(df: &DataFrame, c: &str) -> Result<usize> {
    Ok(df.column(c)?.get(0)?.extract::<u64>().unwrap_or(0) as usize)
}

/// Summarize a lazily scanned log (see the module docs).
pub fn summarize_streaming(mut lf: LazyFrame, file: &str, spec: &TxSpec) -> Result<Rfm> {
    if spec.observation_end.is_some() {
        return Err(refuse("the holdout check (--observation-end)"));
    }
    if spec.discrete {
        return Err(refuse("BG/BB (discrete periods)"));
    }
    let schema = lf.collect_schema()?;
    let names: Vec<String> = schema.iter_names().map(|s| s.to_string()).collect();
    for c in [&spec.id, &spec.date, &spec.amount] {
        if !schema.contains(c.as_str()) {
            return Err(Error::MissingColumn {
                file: file.to_string(),
                column: c.clone(),
                suggestion: crate::error::closest(c, names.iter().map(String::as_str)),
                available: names.join(", "),
            });
        }
    }
    let dtype = |c: &str| schema.get(c).cloned().unwrap_or(DataType::Null);
    if !dtype(&spec.amount).is_primitive_numeric() {
        return Err(Error::InvalidData(format!(
            "{file}: the amount column '{}' is {} — with --streaming amounts must be numbers (text forms such as $1,234.50 are read without --streaming)",
            spec.amount,
            dtype(&spec.amount)
        )));
    }
    let cal_end = day_number(&spec.calibration_end, "--calibration-end")?;
    let base = lf.select([
        id_expr(&spec.id, &dtype(&spec.id)).alias("id"),
        day_expr(&spec.date, &dtype(&spec.date), spec.date_format.as_deref())?.alias("day"),
        col(spec.amount.as_str())
            .cast(DataType::Float64)
            .alias("amount"),
        col(spec.date.as_str()).is_not_null().alias("has_date"),
    ]);
    let valid = col("id")
        .is_not_null()
        .and(col("day").is_not_null())
        .and(col("amount").is_not_null())
        .and(col("amount").is_finite());
    let counts = base
        .clone()
        .select([
            len().cast(DataType::UInt64).alias("read"),
            valid
                .clone()
                .not()
                .sum()
                .cast(DataType::UInt64)
                .alias("missing"),
            col("has_date")
                .and(col("day").is_null())
                .sum()
                .cast(DataType::UInt64)
                .alias("bad_dates"),
            col("day").filter(valid.clone()).min().alias("first"),
            col("day").filter(valid.clone()).max().alias("last"),
            col("amount")
                .lt(lit(0.0))
                .and(valid.clone())
                .sum()
                .cast(DataType::UInt64)
                .alias("returns"),
            col("amount")
                .lt_eq(lit(0.0))
                .and(valid.clone())
                .sum()
                .cast(DataType::UInt64)
                .alias("non_positive"),
            col("amount")
                .filter(valid.clone())
                .max()
                .alias("max_amount"),
        ])
        .collect_with_engine(Engine::Streaming)?
        .unwrap_single();
    let mut diag = TxDiagnostics {
        rows_read: count(&counts, "read")?,
        rows_missing: count(&counts, "missing")?,
        ..Default::default()
    };
    if diag.rows_read == 0 {
        return Err(Error::Empty {
            what: format!("the transaction log {file}"),
            hint: "It holds a header but no purchases: check the export.".into(),
        });
    }
    let bad_dates = count(&counts, "bad_dates")?;
    if bad_dates > 0 {
        return Err(Error::InvalidData(format!(
            "{file}: {bad_dates} values of '{}' are not dates ({}); fix them, or give --date-format",
            spec.date,
            spec.date_format.as_deref().map_or("expected YYYY-MM-DD".to_string(), |f| format!("expected {f}"))
        )));
    }
    let (Some(first_day), Some(last_day)) = (
        counts.column("first")?.i32()?.get(0),
        counts.column("last")?.i32()?.get(0),
    ) else {
        return Err(Error::Empty {
            what: format!("the transaction log {file}"),
            hint: format!(
                "Every one of its {} rows lacks an id, a date or an amount: check the columns '{}', '{}' and '{}'.",
                diag.rows_read, spec.id, spec.date, spec.amount
            ),
        });
    };
    diag.first_date = Some(super::date_text(first_day));
    diag.last_date = Some(super::date_text(last_day));
    check_ends(spec, file, cal_end, None, first_day, last_day)?;
    check_amount_size(
        counts.column("max_amount")?.f64()?.get(0),
        file,
        &spec.amount,
    )?;
    let returns = count(&counts, "returns")?;
    diag.returns.returns = returns;
    let mut rows = base.filter(valid);
    if returns > 0 {
        match spec.returns {
            Returns::Net => {
                return Err(Error::Usage(format!(
                    "clv --streaming: the log holds {returns} refunds (negative amounts); netting them against the purchases they reverse (--returns net) runs on the log read in memory. Choose --returns drop or keep, or leave out --streaming."
                )))
            }
            Returns::Drop => {
                diag.returns.dropped = returns;
                rows = rows.filter(col("amount").gt_eq(lit(0.0)));
            }
            Returns::Keep => diag.returns.kept = returns,
        }
    }
    let valid_rows = diag.rows_read - diag.rows_missing;
    let non_positive = count(&counts, "non_positive")?;
    diag.rows_non_positive = if spec.returns == Returns::Drop {
        non_positive - returns
    } else {
        non_positive
    };
    if non_positive == valid_rows {
        return Err(Error::InvalidData(format!(
            "{file}: every amount in '{}' is zero or negative, so there is no spend to model; check that --amount names the sales column (not returns or discounts)",
            spec.amount
        )));
    }

    // One transaction per customer and day, then one row per customer; in hash buckets of
    // customers when the log is large, so one bucket's customer-days are held at a time.
    let scale = spec.unit.days();
    let buckets = match spec.buckets {
        Some(b) => b.max(1),
        None => valid_rows.div_ceil(ROWS_PER_BUCKET).max(1),
    };
    let mut done = Vec::with_capacity(buckets);
    for b in 0..buckets {
        let part = if buckets == 1 {
            rows.clone()
        } else {
            rows.clone().filter(bucket_of(buckets).eq(lit(b as u32)))
        };
        done.push(customers_of(part, cal_end)?.lazy());
    }
    // One chunk, as the in-memory summary has: polars may divide a many-chunked column
    // by a constant with another kernel (multiplying by the reciprocal or not), which
    // moves t_x and T by a last bit and the fits with them.
    let mut customers = concat(done, UnionArgs::default())?.collect()?;
    customers.rechunk_mut_par();
    let customers = customers
        .lazy()
        .with_column(col("first").alias("first_day"))
        .collect()?;
    let rfm = rfm_table(customers, cal_end, cal_end, scale, &mut diag, file, spec)?;
    // Customers in id order, as in memory (numbers by value, text as text).
    let rfm = rfm.sort(["id"], SortMultipleOptions::default())?;
    Ok(Rfm {
        df: natural_order(rfm)?,
        diagnostics: diag,
        unit: spec.unit,
        holdout_length: 0.0,
        holdout_by_period: Vec::new(),
        discrete: false,
    })
}
