//! SPSS `.sav` and `.zsav` files through `ambers` (pure Rust; it returns an Arrow record
//! batch and the file's dictionary), converted column by column into polars.
//!
//! Declared (user-)missing codes become nulls and are counted per column; variable labels,
//! value labels and measurement levels go to [`TableMeta`]. String values lose SPSS's
//! right padding, and a blank string is missing (SPSS has no other missing string).

use std::path::Path;

use ambers::{Measure, MissingSpec, Value};
use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType as ArrowType, Date32Type, Float64Type, TimeUnit as ArrowUnit};
use arrow::datatypes::{DurationMicrosecondType, TimestampMicrosecondType};
use polars::prelude::*;

use super::meta::{code_text, ColumnMeta, Table, TableMeta};
use crate::error::{Error, Result};

/// Read an SPSS file (`.sav` or zlib-compressed `.zsav`; the reader tells them apart).
pub(super) fn read(path: &Path) -> Result<Table> {
    // A damaged file must be an error, never a crash of the whole command.
    let read = super::quietly(|| ambers::read_sav(path));
    let (batch, dict) = match read {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return Err(unreadable(path, &e.to_string())),
        Err(_) => return Err(unreadable(path, "the reader stopped on malformed data")),
    };
    // A file cut short still parses up to where it ends: its header says how many cases
    // it should hold.
    if let Some(declared) = dict.number_rows {
        if (batch.num_rows() as i64) < declared {
            return Err(unreadable(
                path,
                &format!(
                    "its header declares {declared} cases but only {} could be read: the file is cut short",
                    batch.num_rows()
                ),
            ));
        }
    }
    let mut meta = TableMeta {
        origin: super::meta::Origin::Spss,
        ..Default::default()
    };
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
        let name = field.name().as_str();
        let specs = dict
            .variable_missing_values
            .get(name)
            .cloned()
            .unwrap_or_default();
        let mut cm = ColumnMeta {
            label: dict.label(name).map(str::to_string),
            value_labels: numeric_labels(dict.value_labels(name).into_iter().flatten()),
            measure: dict.variable_measures.get(name).and_then(measure),
            missing_codes: describe(&specs),
            declared_missing: 0,
        };
        let series = match array.data_type() {
            ArrowType::Float64 => {
                let a = array.as_primitive::<Float64Type>();
                let values: Vec<Option<f64>> = (0..a.len())
                    .map(|i| {
                        let v = (!a.is_null(i)).then(|| a.value(i))?;
                        if is_missing(v, &specs) {
                            cm.declared_missing += 1;
                            None
                        } else {
                            Some(v)
                        }
                    })
                    .collect();
                Series::new(name.into(), values)
            }
            ArrowType::Date32 => {
                let a = array.as_primitive::<Date32Type>();
                let days: Vec<Option<i32>> = (0..a.len())
                    .map(|i| (!a.is_null(i)).then(|| a.value(i)))
                    .collect();
                Series::new(name.into(), days).cast(&DataType::Date)?
            }
            ArrowType::Timestamp(ArrowUnit::Microsecond, _) => {
                let a = array.as_primitive::<TimestampMicrosecondType>();
                let us: Vec<Option<i64>> = (0..a.len())
                    .map(|i| (!a.is_null(i)).then(|| a.value(i)))
                    .collect();
                Series::new(name.into(), us)
                    .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
            }
            ArrowType::Duration(ArrowUnit::Microsecond) => {
                let a = array.as_primitive::<DurationMicrosecondType>();
                let seconds: Vec<Option<f64>> = (0..a.len())
                    .map(|i| (!a.is_null(i)).then(|| a.value(i) as f64 / 1e6))
                    .collect();
                Series::new(name.into(), seconds)
            }
            ArrowType::Utf8View | ArrowType::Utf8 | ArrowType::LargeUtf8 => {
                let strings: Vec<Option<String>> = string_values(array.as_ref())
                    .into_iter()
                    .map(|v| {
                        let v = v?.trim_end().to_string();
                        if specs
                            .iter()
                            .any(|s| matches!(s, MissingSpec::StringValue(m) if m.trim_end() == v))
                        {
                            cm.declared_missing += 1;
                            return None;
                        }
                        (!v.trim().is_empty()).then_some(v)
                    })
                    .collect();
                Series::new(name.into(), strings)
            }
            other => {
                return Err(unreadable(
                    path,
                    &format!("column '{name}' has a type profitchain does not read ({other})"),
                ))
            }
        };
        if cm != ColumnMeta::default() {
            meta.columns.insert(name.to_string(), cm);
        }
        columns.push(series.into_column());
    }
    let df = DataFrame::new_infer_height(columns)?;
    Ok(Table { df, meta })
}

fn unreadable(path: &Path, reason: &str) -> Error {
    Error::Unreadable {
        path: path.to_path_buf(),
        format: "an SPSS file".into(),
        reason: reason.to_string(),
        hint: "Check that the file is a complete .sav/.zsav saved by SPSS, PSPP or a tool that writes them (re-save it from SPSS if it came by e-mail or was cut short).".into(),
    }
}

fn string_values(array: &dyn Array) -> Vec<Option<&str>> {
    match array.data_type() {
        ArrowType::Utf8View => array.as_string_view().iter().collect(),
        ArrowType::Utf8 => array.as_string::<i32>().iter().collect(),
        _ => array.as_string::<i64>().iter().collect(),
    }
}

fn numeric_labels<'a>(labels: impl Iterator<Item = (&'a Value, &'a String)>) -> Vec<(f64, String)> {
    let mut out: Vec<(f64, String)> = labels
        .filter_map(|(v, l)| match v {
            Value::Numeric(x) => Some((*x, l.trim().to_string())),
            Value::String(_) => None,
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

fn measure(m: &Measure) -> Option<String> {
    match m {
        Measure::Nominal => Some("nominal".into()),
        Measure::Ordinal => Some("ordinal".into()),
        Measure::Scale => Some("scale".into()),
        Measure::Unknown => None,
    }
}

fn is_missing(v: f64, specs: &[MissingSpec]) -> bool {
    specs.iter().any(|s| match s {
        MissingSpec::Value(m) => v == *m,
        MissingSpec::Range { lo, hi } => *lo <= v && v <= *hi,
        MissingSpec::StringValue(_) => false,
    })
}

/// Declared codes in SPSS's words: `98, 99`, `97 thru 99`.
fn describe(specs: &[MissingSpec]) -> Option<String> {
    let parts: Vec<String> = specs
        .iter()
        .map(|s| match s {
            MissingSpec::Value(v) => code_text(*v),
            MissingSpec::Range { lo, hi } => format!("{} thru {}", code_text(*lo), code_text(*hi)),
            MissingSpec::StringValue(v) => format!("'{}'", v.trim_end()),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}
