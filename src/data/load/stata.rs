//! Stata `.dta` files (every release, 102–119) through the `dta` crate, into polars.
//!
//! Numbers become Float64; `.` is missing, and the extended missing codes `.a`–`.z` (Stata's
//! declared "don't know", "refused"...) are missing too and counted per column. Variables
//! with a `%td` date format become dates, `%tc` datetimes. Variable labels and value labels
//! go to [`TableMeta`]; long strings (`strL`) are resolved.

use std::collections::HashMap;
use std::path::Path;

use dta::stata::dta::dta_reader::DtaReader;
use dta::stata::dta::long_string_table::LongStringTable;
use dta::stata::dta::value::Value;
use dta::stata::dta::value_label_table::ValueLabelTable;
use dta::stata::missing_value::MissingValue;
use dta::stata::stata_byte::StataByte;
use dta::stata::stata_double::StataDouble;
use dta::stata::stata_float::StataFloat;
use dta::stata::stata_int::StataInt;
use dta::stata::stata_long::StataLong;
use polars::prelude::*;

use super::meta::{ColumnMeta, Table, TableMeta};
use crate::error::{Error, Result};

/// Days from 1960-01-01 (Stata's origin) back to 1970-01-01.
const STATA_EPOCH_DAYS: i64 = 3653;

/// One cell as read: a number (`None` = missing, with whether the code was extended) or text.
enum Cell {
    Num(Option<f64>, bool),
    Text(Option<String>),
    Long(dta::stata::dta::long_string_ref::LongStringRef),
}

/// A number cell: present, or missing (extended `.a`–`.z` counted as declared).
macro_rules! cell {
    ($x:expr, $t:ident) => {
        match $x {
            $t::Present(v) => Cell::Num(Some(f64::from(*v)), false),
            $t::Missing(m) => Cell::Num(None, *m != MissingValue::System),
        }
    };
}

/// Read a Stata file.
pub(super) fn read(path: &Path) -> Result<Table> {
    let caught = super::quietly(|| read_inner(path));
    match caught {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e)) => Err(unreadable(path, &e)),
        Err(_) => Err(unreadable(path, "the reader stopped on malformed data")),
    }
}

fn unreadable(path: &Path, reason: &str) -> Error {
    Error::Unreadable {
        path: path.to_path_buf(),
        format: "a Stata file".into(),
        reason: reason.to_string(),
        hint: "Check that the file is a complete .dta saved by Stata (any version) or a tool that writes them.".into(),
    }
}

fn read_inner(path: &Path) -> std::result::Result<Table, String> {
    let e = |e: dta::stata::dta::dta_error::DtaError| e.to_string();
    let schema_reader = DtaReader::new()
        .from_path(path)
        .map_err(e)?
        .read_header()
        .map_err(e)?;
    let mut chars = schema_reader.read_schema().map_err(e)?;
    chars.skip_to_end().map_err(e)?;
    let mut records = chars.into_record_reader().map_err(e)?;
    let schema = records.schema().clone();
    let vars = schema.variables();
    let mut cells: Vec<Vec<Cell>> = vars.iter().map(|_| Vec::new()).collect();
    while let Some(record) = records.read_record().map_err(e)? {
        for (j, v) in record.values().iter().enumerate() {
            let cell = match v {
                Value::Byte(x) => cell!(x, StataByte),
                Value::Int(x) => cell!(x, StataInt),
                Value::Long(x) => cell!(x, StataLong),
                Value::Float(x) => cell!(x, StataFloat),
                Value::Double(x) => cell!(x, StataDouble),
                Value::String(s) => {
                    let s = s.trim_end();
                    Cell::Text((!s.trim().is_empty()).then(|| s.to_string()))
                }
                Value::LongStringRef(r) => Cell::Long(*r),
            };
            if let Some(col) = cells.get_mut(j) {
                col.push(cell);
            }
        }
    }
    let mut long = records.into_long_string_reader().map_err(e)?;
    let encoding = long.encoding();
    let mut strls = LongStringTable::for_reading();
    long.read_remaining_into(&mut strls).map_err(e)?;
    let mut label_reader = long.into_value_label_reader().map_err(e)?;
    let mut label_sets = ValueLabelTable::new();
    label_reader
        .read_remaining_into(&mut label_sets)
        .map_err(e)?;

    let mut meta = TableMeta {
        origin: super::meta::Origin::Stata,
        ..Default::default()
    };
    let mut columns = Vec::with_capacity(vars.len());
    for (var, col) in vars.iter().zip(cells) {
        let name = var.name();
        let mut cm = ColumnMeta {
            label: Some(var.label().trim().to_string()).filter(|l| !l.is_empty()),
            ..Default::default()
        };
        if !var.value_label_name().is_empty() {
            if let Some(set) = label_sets.get(var.value_label_name()) {
                let mut labels: Vec<(f64, String)> = set
                    .entries()
                    .iter()
                    .map(|en| (f64::from(en.value()), en.label().trim().to_string()))
                    .collect();
                labels.sort_by(|a, b| a.0.total_cmp(&b.0));
                cm.value_labels = labels;
            }
        }
        let numeric = col.iter().all(|c| matches!(c, Cell::Num(..)));
        let series = if numeric {
            let values: Vec<Option<f64>> = col
                .iter()
                .map(|c| match c {
                    Cell::Num(v, extended) => {
                        if *extended {
                            cm.declared_missing += 1;
                        }
                        *v
                    }
                    _ => None,
                })
                .collect();
            if cm.declared_missing > 0 {
                cm.missing_codes = Some(".a–.z".into());
            }
            let fmt = var.format();
            if fmt.starts_with("%td") || fmt.starts_with("%d") {
                let days: Vec<Option<i32>> = values
                    .iter()
                    .map(|v| v.map(|d| (d as i64 - STATA_EPOCH_DAYS) as i32))
                    .collect();
                Series::new(name.into(), days)
                    .cast(&DataType::Date)
                    .map_err(|e| e.to_string())?
            } else if fmt.starts_with("%tc") {
                let ms: Vec<Option<i64>> = values
                    .iter()
                    .map(|v| v.map(|t| t as i64 - STATA_EPOCH_DAYS * 86_400_000))
                    .collect();
                Series::new(name.into(), ms)
                    .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                    .map_err(|e| e.to_string())?
            } else {
                Series::new(name.into(), values)
            }
        } else {
            let mut cache: HashMap<(u32, u64), Option<String>> = HashMap::new();
            let values: Vec<Option<String>> = col
                .into_iter()
                .map(|c| match c {
                    Cell::Text(t) => t,
                    Cell::Num(..) => None,
                    Cell::Long(r) => cache
                        .entry((r.variable(), r.observation()))
                        .or_insert_with(|| {
                            strls
                                .get(&r)
                                .and_then(|s| {
                                    s.data_str(encoding).map(|t| t.trim_end().to_string())
                                })
                                .filter(|t| !t.trim().is_empty())
                        })
                        .clone(),
                })
                .collect();
            Series::new(name.into(), values)
        };
        if cm != ColumnMeta::default() {
            meta.columns.insert(name.to_string(), cm);
        }
        columns.push(series.into_column());
    }
    let df = DataFrame::new_infer_height(columns).map_err(|e| e.to_string())?;
    Ok(Table { df, meta })
}
