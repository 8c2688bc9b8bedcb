//! Dates of transaction logs: ISO text (also with a time of day), yyyymmdd integers,
//! native dates, or text in a given format; a column that does not parse gets the common
//! format every value fits as its suggestion.

use polars::prelude::*;

use super::{TimeUnit, TxSpec};
use crate::data::load;
use crate::error::{Error, Result};

/// The calendar period (see [`TimeUnit::period`]) of a day number.
pub(super) fn period_of(unit: TimeUnit, day: i32) -> Result<i32> {
    let df = df!("d" => [day])?;
    let out = df
        .lazy()
        .select([unit.period(col("d")).cast(DataType::Int32).alias("p")])
        .collect()?;
    out.column("p")?
        .i32()?
        .get(0)
        .ok_or_else(|| Error::Internal(format!("no period for day {day}")))
}

/// `YYYY-MM-DD` of a day number.
pub(crate) fn date_text(day: i32) -> String {
    df!("d" => [day])
        .ok()
        .and_then(|d| {
            d.lazy()
                .select([col("d").cast(DataType::Date).cast(DataType::String)])
                .collect()
                .ok()
        })
        .and_then(|d| d.column("d").ok()?.str().ok()?.get(0).map(str::to_string))
        .unwrap_or_else(|| day.to_string())
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` text.
pub(crate) fn day_number(s: &str, what: &str) -> Result<i32> {
    let d = chrono_parse(s).ok_or_else(|| {
        Error::Usage(format!(
            "{what} '{s}' is not a date; write it as YYYY-MM-DD"
        ))
    })?;
    Ok(d)
}

fn chrono_parse(s: &str) -> Option<i32> {
    let df = df!("d" => [s]).ok()?;
    let out = df
        .lazy()
        .select([col("d")
            .str()
            .to_date(StrptimeOptions {
                format: Some("%Y-%m-%d".into()),
                strict: false,
                ..Default::default()
            })
            .cast(DataType::Int32)])
        .collect()
        .ok()?;
    out.column("d").ok()?.i32().ok()?.get(0)
}

/// Date formats tried when a text date column does not parse, to suggest the one that fits.
const COMMON_DATE_FORMATS: &[&str] = &[
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%m/%d/%y",
    "%d/%m/%y",
    "%d %b %Y",
    "%b %d, %Y",
    "%Y年%m月%d日",
    "%Y.%m.%d",
];

/// Text dates in `format` as days since 1970-01-01; with `exact` false the format may
/// match the start of a longer text (an ISO date followed by a time of day).
pub(super) fn text_days(name: &str, format: &str, exact: bool) -> Expr {
    col(name)
        .str()
        .strip_chars(lit(NULL))
        .str()
        .to_date(StrptimeOptions {
            format: Some(format.into()),
            strict: false,
            exact,
            ..Default::default()
        })
        .cast(DataType::Int32)
}

/// Days since 1970-01-01 of a column of type `dt`: dates, datetimes, `yyyymmdd` numbers,
/// or text in `format` (default ISO dates, also with a time of day: `2023-03-05 10:30:00`,
/// `2023-03-05T10:30`). Text that does not parse becomes null.
pub(super) fn days_of(name: &str, dt: &DataType, format: Option<&str>) -> Expr {
    match dt {
        DataType::Date => col(name).cast(DataType::Int32),
        DataType::Datetime(_, _) => col(name).cast(DataType::Date).cast(DataType::Int32),
        d if d.is_primitive_numeric() => col(name)
            .cast(DataType::Int64)
            .cast(DataType::String)
            .str()
            .to_date(StrptimeOptions {
                format: Some("%Y%m%d".into()),
                strict: false,
                ..Default::default()
            })
            .cast(DataType::Int32),
        _ => match format {
            Some(f) => text_days(name, f, true),
            None => text_days(name, "%Y-%m-%d", false),
        },
    }
}

/// The date column as days since 1970-01-01 (Int32), or an error naming the first bad
/// cell — and, when every value fits another common format, that format.
pub(crate) fn day_expr(
    df: &DataFrame,
    spec: &TxSpec,
    file: &str,
    origin: &load::Origin,
) -> Result<Expr> {
    let name = spec.date.as_str();
    let c = df.column(name)?;
    let dt = c.dtype().clone();
    let parsed = days_of(name, &dt, spec.date_format.as_deref());
    if matches!(dt, DataType::Date | DataType::Datetime(_, _)) {
        return Ok(parsed);
    }
    // A present date that does not parse is an error with its row and value.
    let check = df
        .clone()
        .lazy()
        .with_row_index("__row", None)
        .select([
            col("__row"),
            col(name).cast(DataType::String).alias("__raw"),
            parsed.clone().alias("__day"),
        ])
        .filter(col("__raw").is_not_null().and(col("__day").is_null()))
        .limit(1)
        .collect()?;
    if check.height() > 0 {
        let row = check.column("__row")?.get(0)?.extract::<u64>().unwrap_or(0) as usize;
        let raw = check.column("__raw")?.get(0)?.str_value().to_string();
        let key = if spec.in_study {
            "date_format = \"…\" in the table's block of the study file"
        } else {
            "--date-format"
        };
        // Which common formats every present value fits.
        let fits: Vec<&str> = if dt == DataType::String {
            let present = col(name).is_not_null();
            let tests: Vec<Expr> = COMMON_DATE_FORMATS
                .iter()
                .enumerate()
                .map(|(k, f)| {
                    text_days(name, f, true)
                        .is_not_null()
                        .or(present.clone().not())
                        .all(true)
                        .alias(format!("f{k}"))
                })
                .collect();
            let ok = df.clone().lazy().select(tests).collect()?;
            COMMON_DATE_FORMATS
                .iter()
                .enumerate()
                .filter(|(k, _)| {
                    ok.column(&format!("f{k}"))
                        .ok()
                        .and_then(|c| c.bool().ok()?.get(0))
                        .unwrap_or(false)
                })
                .map(|(_, f)| *f)
                .collect()
        } else {
            vec![]
        };
        let suggestion = match fits.as_slice() {
            [f] => format!(" Every value fits the format '{f}': give it with {key} (e.g. date_format = \"{f}\")."),
            [] => format!(" Dates may be ISO (2024-03-31, also with a time of day), integers yyyymmdd (20240331), or text in the format given with {key} (e.g. %d/%m/%Y)."),
            many => format!(
                " Every value fits each of the formats {}: the day and month cannot be told apart from the data; give the right one with {key}.",
                many.iter().map(|f| format!("'{f}'")).collect::<Vec<_>>().join(", ")
            ),
        };
        return Err(Error::InvalidData(format!(
            "{file}: column '{name}', {}, holds '{raw}', which is not a date{}.{suggestion}",
            origin.cell(row, name),
            spec.date_format
                .as_deref()
                .map(|f| format!(" in the format '{f}'"))
                .unwrap_or_default()
        )));
    }
    Ok(parsed)
}
