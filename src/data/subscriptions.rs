//! Contractual customers' lifetimes for the retention (sBG) model: from a cohort table
//! (customers still active at each period, one column per cohort) or from a subscription
//! table (one row per customer: start, end or blank while active).
//!
//! Periods of a subscription: a customer who started on day s and ended on day e has paid
//! for T = max(1, ⌈(e − s)/u − 0.1⌉) periods of u days and left in period T (an end on a
//! renewal date, e − s ≈ k·u, is T = k; the tenth of a period absorbs calendar months and
//! leap years); a customer still active at the observation date o has completed
//! ⌊(o − s)/u⌋ periods, all renewed (T > ⌊(o − s)/u⌋).

use polars::prelude::*;

use crate::data::load;
use crate::data::transactions::{self, TxSpec};
use crate::error::{Error, Result};

/// One cohort: customers active at periods 0, 1, …, n.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub name: String,
    pub alive: Vec<f64>,
}

/// Read a cohort table: `period` (default: the first column) counts 0, 1, 2, … and every
/// other column is one cohort's active customers at that period (a blank after the last
/// observed period for a cohort observed for less long). The counts may not rise.
pub fn cohorts(df: &DataFrame, file: &str, period: Option<&str>) -> Result<Vec<Cohort>> {
    if df.height() == 0 || df.width() < 2 {
        return Err(Error::Empty {
            what: format!("the cohort table {file}"),
            hint: "It needs a period column (0, 1, 2, …) and at least one cohort's active customers at each period.".into(),
        });
    }
    let period = match period {
        Some(p) => {
            load::require_column(df, file, p)?;
            p.to_string()
        }
        None => df.get_column_names()[0].to_string(),
    };
    let periods = load::f64_values(df, &period)?;
    for (i, p) in periods.iter().enumerate() {
        if *p != i as f64 {
            return Err(Error::InvalidData(format!(
                "{file}: column '{period}' must count the periods 0, 1, 2, … in order, but row {} holds {} where {i} belongs. Sort the table by period, start it at 0 (the cohort's size at acquisition) and fill gaps",
                i + 1,
                crate::format::num(*p, 4)
            )));
        }
    }
    let mut out = Vec::new();
    for c in df.columns() {
        let name = c.name().to_string();
        if name == period {
            continue;
        }
        if !c.dtype().is_primitive_numeric() {
            return Err(Error::NonNumeric {
                file: file.into(),
                column: name.clone(),
                location: "the column".into(),
                value: c.dtype().to_string(),
                hint: "Every column besides the period holds one cohort's active customers at each period; remove text columns.".into(),
            });
        }
        let v: Vec<Option<f64>> = c.cast(&DataType::Float64)?.f64()?.iter().collect();
        let n = v.iter().take_while(|x| x.is_some()).count();
        if let Some(gap) = v[n..].iter().position(Option::is_some) {
            return Err(Error::InvalidData(format!(
                "{file}: cohort '{name}' has a blank at row {} but a count after it (row {}); a cohort's counts run from period 0 without gaps (blanks only after its last observed period)",
                n + 1,
                n + gap + 1
            )));
        }
        let alive: Vec<f64> = v[..n].iter().flatten().copied().collect();
        if alive.first().is_none_or(|a| *a <= 0.0) {
            return Err(Error::InvalidData(format!(
                "{file}: cohort '{name}' must start with its customers at acquisition (period 0, row 1), a positive count"
            )));
        }
        if let Some(k) = alive.windows(2).position(|w| w[1] > w[0] || w[1] < 0.0) {
            return Err(Error::InvalidData(format!(
                "{file}: cohort '{name}' rises from {} at period {k} to {} at period {} (row {}); a cohort table counts the customers still active, which can only fall. Check that the column is one cohort's survivors, not new sign-ups or a total",
                crate::format::value(alive[k], 8),
                crate::format::value(alive[k + 1], 8),
                k + 1,
                k + 2
            )));
        }
        if alive.len() < 3 {
            return Err(Error::InvalidData(format!(
                "{file}: cohort '{name}' is observed for {} period{}; the sBG needs at least two periods of renewals to separate the mean churn from its spread",
                alive.len() - 1,
                if alive.len() == 2 { "" } else { "s" }
            )));
        }
        out.push(Cohort { name, alive });
    }
    Ok(out)
}

/// Where a subscription table's columns are.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionSpec {
    pub id: String,
    pub start: String,
    /// End date; blank while active.
    pub end: String,
    pub date_format: Option<String>,
    /// Observation date (YYYY-MM-DD); default the latest start or end in the table.
    pub as_of: Option<String>,
    pub days_per_period: f64,
}

/// Counts of a subscription table's rows.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SubscriptionCounts {
    pub rows: usize,
    pub lost: usize,
    pub active: usize,
    /// Rows without a start date, left out.
    pub missing_start: usize,
}

/// Each customer's periods `t` and whether they were `lost`, with the table's other
/// columns kept (segments, covariates); and the observation date used.
pub fn lifetimes(
    table: &load::Table,
    file: &str,
    spec: &SubscriptionSpec,
) -> Result<(DataFrame, SubscriptionCounts, String)> {
    let df = &table.df;
    for c in [&spec.id, &spec.start, &spec.end] {
        load::require_column(df, file, c)?;
    }
    let day = |c: &str| -> Result<Expr> {
        let tx = TxSpec {
            date: c.to_string(),
            date_format: spec.date_format.clone(),
            ..Default::default()
        };
        transactions::day_expr(df, &tx, file, &table.meta.origin)
    };
    let (start, end) = (day(&spec.start)?, day(&spec.end)?);
    let base = df
        .clone()
        .lazy()
        .with_row_index("__row", Some(1))
        .with_columns([start.alias("__start"), end.alias("__end")])
        .collect()?;
    let latest = base
        .clone()
        .lazy()
        .select([
            col("__start").max().cast(DataType::Int32).alias("s"),
            col("__end").max().cast(DataType::Int32).alias("e"),
        ])
        .collect()?;
    let as_of = match &spec.as_of {
        Some(s) => transactions::day_number(s, "--as-of")?,
        None => [latest.column("s")?, latest.column("e")?]
            .into_iter()
            .filter_map(|c| c.i32().ok()?.get(0))
            .max()
            .ok_or_else(|| Error::Empty {
                what: format!("the subscription table {file}'s start dates"),
                hint: "Every start date is blank.".into(),
            })?,
    };
    let as_of_text = transactions::date_text(as_of);
    // Impossible dates stop the run, naming the first such row.
    let bad = base
        .clone()
        .lazy()
        .filter(
            col("__end")
                .lt(col("__start"))
                .or(col("__start").gt(lit(as_of)))
                .or(col("__end").gt(lit(as_of))),
        )
        .select([
            col("__row"),
            col(spec.id.as_str()).cast(DataType::String).alias("id"),
            col("__start"),
            col("__end"),
        ])
        .limit(1)
        .collect()?;
    if bad.height() > 0 {
        let row = bad.column("__row")?.get(0)?.extract::<u64>().unwrap_or(0);
        let id = bad.column("id")?.get(0)?.str_value().to_string();
        let s = bad.column("__start")?.i32()?.get(0).unwrap_or(0);
        let e = bad.column("__end")?.i32()?.get(0);
        let why = match e {
            Some(e) if e < s => format!(
                "ends ({}) before it starts ({})",
                transactions::date_text(e),
                transactions::date_text(s)
            ),
            Some(e) if e > as_of => format!(
                "ends ({}) after the observation date {as_of_text}",
                transactions::date_text(e)
            ),
            _ => format!(
                "starts ({}) after the observation date {as_of_text}",
                transactions::date_text(s)
            ),
        };
        return Err(Error::InvalidData(format!(
            "{file}: row {row} (customer '{id}') {why}. Correct the dates in '{}'/'{}'{}",
            spec.start,
            spec.end,
            if spec.as_of.is_some() {
                ", or move --as-of"
            } else {
                ""
            }
        )));
    }
    let u = spec.days_per_period;
    let lost = col("__end").is_not_null();
    let days = when(lost.clone())
        .then(col("__end") - col("__start"))
        .otherwise(lit(as_of) - col("__start"))
        .cast(DataType::Float64);
    // Whole periods (days ≥ 0 here, so truncation is the floor). An end up to a tenth of a
    // period after a renewal date closes the period before it: calendar months (28–31 days)
    // and leap years make renewal dates drift around multiples of the mean period.
    let whole = |e: Expr| e.cast(DataType::Int64).cast(DataType::Float64);
    let q = days / lit(u);
    let below = whole(q.clone() - lit(0.1));
    let up = below.clone()
        + when((q.clone() - lit(0.1)).gt(below))
            .then(lit(1.0))
            .otherwise(lit(0.0));
    let t = when(lost.clone())
        .then(when(up.clone().lt(lit(1.0))).then(lit(1.0)).otherwise(up))
        .otherwise(whole(q + lit(1e-9)));
    let out = base
        .lazy()
        .filter(col("__start").is_not_null())
        .with_columns([t.alias("t"), lost.alias("lost")])
        .collect()?
        .drop_many(["__start", "__end"]);
    let counts = out
        .clone()
        .lazy()
        .select([
            col("lost").sum().cast(DataType::UInt64).alias("lost"),
            col("lost")
                .not()
                .sum()
                .cast(DataType::UInt64)
                .alias("active"),
        ])
        .collect()?;
    let get = |c: &str| -> Result<usize> {
        Ok(counts.column(c)?.get(0)?.extract::<u64>().unwrap_or(0) as usize)
    };
    let n = SubscriptionCounts {
        rows: df.height(),
        lost: get("lost")?,
        active: get("active")?,
        missing_start: df.height() - out.height(),
    };
    if out.height() == 0 {
        return Err(Error::Empty {
            what: format!("the subscription table {file}"),
            hint: format!("No row has a start date in '{}'.", spec.start),
        });
    }
    Ok((out, n, as_of_text))
}
