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

use super::meta::{cell_ref, code_text, Origin, Table, TableMeta};
use super::ReadOptions;
use crate::error::{Error, Result};

/// Rows searched for the header.
const HEADER_SEARCH: usize = 20;
/// Days from Excel's day 0 (1899-12-30, the 1900 date system) to 1970-01-01.
const EXCEL_EPOCH_DAYS: f64 = 25_569.0;

/// Read one sheet of a workbook; its metadata says where each row and column is
/// ([`Origin::Workbook`]), so messages name cells such as `D63`.
pub(super) fn read(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let unreadable = |reason: String, hint: &str| Error::Unreadable {
        path: path.to_path_buf(),
        format: "a workbook".into(),
        reason,
        hint: hint.to_string(),
    };
    let damaged = "Check that the file is a complete workbook saved by Excel or LibreOffice (open and re-save it if it came by e-mail or was renamed from another format).";
    if let Err(reason) = check_cfb(path) {
        return Err(unreadable(reason, damaged));
    }
    // A damaged workbook must be an error, never a crash of the whole command.
    match super::quietly(|| read_sheet(path, opts)) {
        Ok(Ok(df)) => Ok(df),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(unreadable(
            "the reader stopped on malformed data".into(),
            damaged,
        )),
    }
}

/// An old binary workbook (`.xls`, a Compound File) whose sector numbers point past the end
/// of the file is damaged: say so before the reader would try to allocate for them.
/// Checks the header and every FAT entry (MS-CFB §2.2–2.3).
fn check_cfb(path: &Path) -> std::result::Result<(), String> {
    const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(()); // the reader reports unreadable files itself
    };
    if bytes.len() < 512 || bytes[..8] != SIGNATURE {
        return Ok(()); // not a Compound File (xlsx, ods...): the reader decides
    }
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at = |i: usize| {
        bytes
            .get(i..i + 4)
            .map_or(u32::MAX, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let shift = u16_at(0x1E);
    if shift != 9 && shift != 12 {
        return Err(format!("the sector size field is invalid ({shift})"));
    }
    let size = 1usize << shift;
    let sectors = (bytes.len().saturating_sub(size)).div_ceil(size) as u64;
    let valid = |id: u32| id >= 0xFFFF_FFFA || u64::from(id) < sectors;
    let fat_sectors = u32_at(0x2C);
    // Header: FAT sector count, directory, mini-FAT and DIFAT starts, and all 109 DIFAT
    // slots (the reader follows every slot that is not a special value).
    let header_ids = [0x30, 0x3C, 0x44]
        .into_iter()
        .chain((0..109).map(|k| 0x4C + 4 * k))
        .map(u32_at);
    if u64::from(fat_sectors) > sectors || header_ids.into_iter().any(|id| !valid(id)) {
        return Err("its sector table points past the end of the file".into());
    }
    // The first 109 FAT sector numbers are in the header; every FAT entry must be a sector
    // of the file or a special value.
    let per = size / 4;
    let fats: Vec<u32> = (0..(fat_sectors as usize).min(109))
        .map(|k| u32_at(0x4C + 4 * k))
        .collect();
    for &fat in &fats {
        if !valid(fat) || fat >= 0xFFFF_FFFA {
            return Err("its sector table points past the end of the file".into());
        }
        let start = size + fat as usize * size;
        for e in (start..start + size).step_by(4) {
            if !valid(u32_at(e)) {
                return Err("its sector chain points past the end of the file".into());
            }
        }
    }
    let next = |id: u32| {
        let fat = fats.get(id as usize / per).copied().unwrap_or(u32::MAX);
        u32_at(size + fat as usize * size + (id as usize % per) * 4)
    };
    // Directory entries (128 bytes each, along the directory's chain): a stream must start
    // inside the file and be no longer than it.
    let mut dir = u32_at(0x30);
    let mut steps = 0u64;
    while dir < 0xFFFF_FFFA {
        steps += 1;
        if !valid(dir) || steps > sectors {
            return Err("its directory chain is broken".into());
        }
        let base = size + dir as usize * size;
        for entry in (base..base + size).step_by(128) {
            let kind = bytes.get(entry + 0x42).copied().unwrap_or(0);
            if kind == 0 {
                continue;
            }
            let start = u32_at(entry + 0x74);
            let len = u64::from(u32_at(entry + 0x78));
            let mini = len < 4096 && kind == 2;
            let limit = if mini {
                sectors * (size as u64 / 64)
            } else {
                sectors
            };
            // A stream with data must start at a real sector (not a chain-end marker).
            let has_data = (kind == 2 || kind == 5) && len > 0;
            if len > bytes.len() as u64 * 64
                || (has_data && u64::from(start) >= limit)
                || (start < 0xFFFF_FFFA && u64::from(start) >= limit)
            {
                return Err("a stream in its directory points past the end of the file".into());
            }
        }
        dir = next(dir);
    }
    Ok(())
}

/// Read the sheet `opts` names (or the first) of a workbook.
fn read_sheet(path: &Path, opts: &ReadOptions) -> Result<Table> {
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
            let hint = if opts.sheet.is_none() && names.len() > 1 {
                format!(
                    "It is the workbook's first sheet; its sheets are {}: name the one with the data with sheet = \"…\" in the study's table block, or --sheet.",
                    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
                )
            } else {
                "Put the column names in one row above the data.".to_string()
            };
            unreadable(
                format!("sheet '{sheet}' has no header row (a row of column names) in its first {HEADER_SEARCH} rows"),
                &hint,
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
    let mut col_names = Vec::with_capacity(last + 1 - first);
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
        col_names.push(name);
    }
    let df = DataFrame::new_infer_height(columns)?;
    Ok(Table {
        df,
        meta: TableMeta {
            origin: Origin::Workbook {
                sheet: sheet.clone(),
                header_row: row0 as usize + header_at,
                first_col: col0 as usize + first,
                columns: col_names,
            },
            ..Default::default()
        },
    })
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
