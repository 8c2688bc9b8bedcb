//! Excel and LibreOffice workbooks (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`) through
//! `calamine`, into polars.
//!
//! The sheet is the one named (`sheet = "…"`, `--sheet`) or the first. The header is the
//! first row, within the first 20, whose cells are all text and that spans the table (title
//! lines above it are skipped). A formula cell gives its cached value; date cells become
//! dates (datetimes when any has a time). A column of numbers is Float64; a column mixing
//! numbers and text stays text, so a stray "n/a" is reported by row like in a CSV.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};
use polars::prelude::*;

use super::meta::code_text;
use super::ReadOptions;
use crate::error::{Error, Result};

/// Rows searched for the header.
const HEADER_SEARCH: usize = 20;
/// Days from Excel's day 0 (1899-12-30, the 1900 date system) to 1970-01-01.
const EXCEL_EPOCH_DAYS: f64 = 25_569.0;

/// Read one sheet of a workbook.
pub(super) fn read(path: &Path, opts: &ReadOptions) -> Result<DataFrame> {
    let unreadable = |reason: String, hint: &str| Error::Unreadable {
        path: path.to_path_buf(),
        format: "a workbook".into(),
        reason,
        hint: hint.to_string(),
    };
    let mut book = open_workbook_auto(path).map_err(|e| {
        unreadable(
            e.to_string(),
            "Check that the file is a complete workbook saved by Excel or LibreOffice (open and re-save it if it came by e-mail or was renamed from another format).",
        )
    })?;
    let names = book.sheet_names();
    let sheet = match &opts.sheet {
        Some(s) => names.iter().find(|n| *n == s).cloned().ok_or_else(|| {
            unreadable(
                format!("it has no sheet '{s}'"),
                &format!(
                    "Its sheets are: {}. Name one with sheet = \"…\" in the study's table block, or --sheet.",
                    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
                ),
            )
        })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| unreadable("it has no sheets".into(), "Save the data in a sheet."))?,
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| unreadable(format!("sheet '{sheet}': {e}"), "Re-save the workbook."))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let rows: Vec<&[Data]> = range.rows().collect();
    let empty =
        |c: &Data| matches!(c, Data::Empty) || matches!(c, Data::String(s) if s.trim().is_empty());
    let width = rows
        .iter()
        .take(HEADER_SEARCH)
        .map(|r| r.iter().filter(|c| !empty(c)).count())
        .max()
        .unwrap_or(0);
    let header_at = rows
        .iter()
        .take(HEADER_SEARCH)
        .position(|r| {
            let filled: Vec<&Data> = r.iter().filter(|c| !empty(c)).collect();
            // A title line above the table fills one cell; the header spans the table.
            2 * filled.len() >= width
                && (filled.len() >= 2 || width == 1)
                && filled.iter().all(|c| matches!(c, Data::String(_)))
        })
        .ok_or_else(|| {
            unreadable(
                format!("sheet '{sheet}' has no header row (a row of column names) in its first {HEADER_SEARCH} rows"),
                "Put the column names in one row above the data.",
            )
        })?;
    let header = rows[header_at];
    let first = header.iter().position(|c| !empty(c)).unwrap_or(0);
    let last = header.iter().rposition(|c| !empty(c)).unwrap_or(0);
    let mut data: Vec<&[Data]> = rows[header_at + 1..].to_vec();
    // Empty rows below the table are formatting, not customers.
    while data.last().is_some_and(|r| r.iter().all(empty)) {
        data.pop();
    }
    if data.is_empty() && names.len() > 1 {
        return Err(Error::Empty {
            what: format!("sheet '{sheet}' of '{}'", path.display()),
            hint: format!(
                "The workbook's sheets are: {}. Name the one with the data with sheet = \"…\" in the study's table block, or --sheet.",
                names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
            ),
        });
    }
    let mut columns: Vec<Column> = Vec::with_capacity(last + 1 - first);
    let mut seen = std::collections::HashSet::new();
    for (j, head) in header.iter().enumerate().take(last + 1).skip(first) {
        let cell_name = cell_ref(row0 as usize + header_at, col0 as usize + j);
        let name = match head {
            Data::String(s) if !s.trim().is_empty() => s.trim().to_string(),
            _ => {
                return Err(unreadable(
                    format!("sheet '{sheet}': header cell {cell_name} is empty (a blank or merged header cell)"),
                    "Give every column its own name in the header row (unmerge merged header cells).",
                ))
            }
        };
        if !seen.insert(name.clone()) {
            return Err(unreadable(
                format!(
                    "sheet '{sheet}': column name '{name}' appears twice (again at {cell_name})"
                ),
                "Give every column a distinct name.",
            ));
        }
        let cells: Vec<&Data> = data
            .iter()
            .map(|r| r.get(j).unwrap_or(&Data::Empty))
            .collect();
        columns.push(column(&name, &cells)?.into_column());
    }
    Ok(DataFrame::new_infer_height(columns)?)
}

/// A column from its cells: numbers, dates, or text.
fn column(name: &str, cells: &[&Data]) -> Result<Series> {
    let filled = || cells.iter().filter(|c| !matches!(c, Data::Empty));
    let is_num = |c: &&&Data| matches!(c, Data::Int(_) | Data::Float(_) | Data::Bool(_));
    let is_date = |c: &&&Data| matches!(c, Data::DateTime(_));
    if filled().all(|c| is_num(&c)) {
        let v: Vec<Option<f64>> = cells
            .iter()
            .map(|c| match c {
                Data::Int(i) => Some(*i as f64),
                Data::Float(f) => Some(*f),
                Data::Bool(b) => Some(f64::from(u8::from(*b))),
                _ => None,
            })
            .collect();
        return Ok(Series::new(name.into(), v));
    }
    if filled().all(|c| is_date(&c)) {
        let serial: Vec<Option<f64>> = cells
            .iter()
            .map(|c| match c {
                Data::DateTime(d) => Some(d.as_f64()),
                _ => None,
            })
            .collect();
        let whole_days = serial.iter().flatten().all(|s| s.fract() == 0.0);
        return Ok(if whole_days {
            let days: Vec<Option<i32>> = serial
                .iter()
                .map(|s| s.map(|s| (s - EXCEL_EPOCH_DAYS) as i32))
                .collect();
            Series::new(name.into(), days).cast(&DataType::Date)?
        } else {
            let ms: Vec<Option<i64>> = serial
                .iter()
                .map(|s| s.map(|s| ((s - EXCEL_EPOCH_DAYS) * 86_400_000.0).round() as i64))
                .collect();
            Series::new(name.into(), ms).cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?
        });
    }
    let v: Vec<Option<String>> = cells
        .iter()
        .map(|c| match c {
            Data::Empty => None,
            Data::String(s) => Some(s.clone()).filter(|s| !s.trim().is_empty()),
            Data::Int(i) => Some(i.to_string()),
            Data::Float(f) => Some(code_text(*f)),
            Data::Bool(b) => Some(b.to_string()),
            Data::DateTime(d) => Some(d.to_string()),
            Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
            Data::Error(e) => Some(format!("#{e:?}")),
        })
        .collect();
    Ok(Series::new(name.into(), v))
}

/// Excel's A1 name of a zero-based cell.
fn cell_ref(row: usize, col: usize) -> String {
    let mut letters = String::new();
    let mut c = col + 1;
    while c > 0 {
        let r = (c - 1) % 26;
        letters.insert(0, (b'A' + r as u8) as char);
        c = (c - 1) / 26;
    }
    format!("{letters}{}", row + 1)
}

#[cfg(test)]
mod tests {
    use super::cell_ref;

    #[test]
    fn cell_names_follow_excel() {
        assert_eq!(cell_ref(0, 0), "A1");
        assert_eq!(cell_ref(2, 25), "Z3");
        assert_eq!(cell_ref(0, 26), "AA1");
        assert_eq!(cell_ref(9, 701), "ZZ10");
    }
}
