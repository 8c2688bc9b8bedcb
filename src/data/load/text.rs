//! Whitespace-separated text files: purchase logs such as the CDNOW sample, with or without
//! a header line.

use std::path::Path;

use polars::prelude::*;

use super::meta::{Origin, Table, TableMeta};
use super::ReadOptions;
use crate::error::{Error, Result};

/// Read whitespace-separated text (`.txt`/`.dat`, e.g. the CDNOW log). Its first line is
/// its header when it names the columns (a field that is not a number above a column of
/// numbers: `customer_id date amount`); otherwise the columns are `column_1`, … . Columns of
/// whole numbers become Int64, other numeric ones Float64, the rest text — and the columns in
/// `opts.text_columns` (the id) text whatever they hold.
pub(super) fn read(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let bytes = std::fs::read(path).map_err(|e| Error::MissingFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| Error::Unreadable {
        path: path.to_path_buf(),
        format: "a whitespace-separated text log".into(),
        reason: "it is not UTF-8 text".into(),
        hint: "Save the log as UTF-8 text (or as CSV with --encoding for another encoding).".into(),
    })?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    let number = |f: &str| f.parse::<f64>().is_ok();
    // A header: the first line has a field that is not a number where the second has one.
    let header: Option<Vec<String>> = {
        let mut ahead = text.lines().filter(|l| !l.trim().is_empty());
        match (ahead.next(), ahead.next()) {
            (Some(a), Some(b)) => {
                let (fa, fb): (Vec<&str>, Vec<&str>) = (
                    a.split_whitespace().collect(),
                    b.split_whitespace().collect(),
                );
                (fa.len() == fb.len() && fa.iter().zip(&fb).any(|(x, y)| !number(x) && number(y)))
                    .then(|| fa.iter().map(|f| f.to_string()).collect())
            }
            _ => None,
        }
    };
    let mut first_line = 1;
    if header.is_some() {
        if let Some((i, _)) = lines.next() {
            first_line = i + 2;
        }
    }
    let names: Option<Vec<String>> = header.clone();
    let mut cols: Vec<Vec<String>> = Vec::new();
    for (i, line) in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() {
            cols = vec![Vec::new(); fields.len()];
        }
        if fields.len() != cols.len() {
            return Err(Error::InvalidData(format!(
                "{}: line {} has {} fields where the first {} has {}",
                path.display(),
                i + 1,
                fields.len(),
                if header.is_some() {
                    "data line"
                } else {
                    "line"
                },
                cols.len()
            )));
        }
        for (c, f) in cols.iter_mut().zip(fields) {
            c.push(f.to_string());
        }
    }
    if cols.is_empty() {
        cols = vec![Vec::new(); names.as_ref().map_or(0, Vec::len)];
    }
    let name_of = |j: usize| match &names {
        Some(n) => n[j].clone(),
        None => format!("column_{}", j + 1),
    };
    let columns: Vec<Column> = cols
        .into_iter()
        .enumerate()
        .map(|(j, v)| Column::new(name_of(j).into(), v))
        .collect();
    let df = DataFrame::new_infer_height(columns)?;
    // Columns of whole numbers become Int64, other numeric ones Float64, the rest text
    // (and the id text whatever it holds).
    let mut out = Vec::new();
    for c in df.columns() {
        if opts.text_columns.iter().any(|t| t == c.name().as_str()) {
            out.push(c.clone());
            continue;
        }
        out.push(match c.strict_cast(&DataType::Int64) {
            Ok(i) if i.null_count() == 0 => i,
            _ => match c.strict_cast(&DataType::Float64) {
                Ok(f) if f.null_count() == 0 => f,
                _ => c.clone(),
            },
        });
    }
    Ok(Table {
        df: DataFrame::new_infer_height(out)?,
        meta: TableMeta {
            origin: Origin::Lines { first: first_line },
            ..Default::default()
        },
    })
}
