//! Writing outputs atomically: every file is written to a temporary file in the target's
//! folder and renamed into place, so an error never leaves a half-written file behind.

use std::io::Write;
use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Result};

fn write_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Write `path` through `fill`, atomically (temp file + rename).
pub fn atomic_write(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "cannot write '{}': folder '{}' does not exist",
            path.display(),
            dir.display()
        )));
    }
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| write_err(path, e))?;
    fill(tmp.as_file_mut())?;
    tmp.as_file_mut().flush().map_err(|e| write_err(path, e))?;
    // Temporary files are private (0600); the result is an ordinary file (0644).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(|e| write_err(path, e))?;
    }
    tmp.persist(path).map_err(|e| write_err(path, e.error))?;
    Ok(())
}

/// Write text atomically.
pub fn write_text(path: &Path, text: &str) -> Result<()> {
    atomic_write(path, |f| {
        f.write_all(text.as_bytes()).map_err(|e| write_err(path, e))
    })
}

/// A number as a CSV cell: the shortest text that reads back as the value rounded to 15
/// significant digits (Excel's precision), so `revenue − cost` prints `-194.58`, not
/// `-194.57999999999993`; NaN and infinities are empty cells (never the text `NaN`).
pub fn csv_number(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    let rounded: f64 = format!("{v:.14e}").parse().unwrap_or(v);
    Some(format!("{rounded}"))
}

/// `df` with its float columns as text through [`csv_number`].
pub fn csv_ready(df: &DataFrame) -> Result<DataFrame> {
    let mut cols = Vec::with_capacity(df.width());
    for c in df.columns() {
        if c.dtype().is_float() {
            let text: Vec<Option<String>> = c
                .cast(&DataType::Float64)?
                .f64()?
                .iter()
                .map(|v| v.and_then(csv_number))
                .collect();
            cols.push(Column::new(c.name().clone(), text));
        } else {
            cols.push(c.clone());
        }
    }
    Ok(DataFrame::new_infer_height(cols)?)
}

/// CSV text of a table (numbers through [`csv_number`]).
pub fn csv_text(df: &DataFrame) -> Result<String> {
    let mut buf = Vec::new();
    CsvWriter::new(&mut buf)
        .include_header(true)
        .finish(&mut csv_ready(df)?)?;
    String::from_utf8(buf).map_err(|e| Error::Internal(e.to_string()))
}

/// Write a table as CSV, Parquet or an Excel workbook (one sheet), chosen by the extension.
pub fn write_table(path: &Path, df: &mut DataFrame) -> Result<()> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" => {
            let text = csv_text(df)?;
            write_text(path, &text)
        }
        "parquet" | "pq" => atomic_write(path, |f| {
            ParquetWriter::new(f)
                .finish(df)
                .map(|_| ())
                .map_err(|e| write_err(path, e))
        }),
        _ => Err(Error::Usage(format!(
            "cannot write '{}': tables are written as .csv, .parquet or .xlsx (got '{}')",
            path.display(),
            if ext.is_empty() {
                "no extension"
            } else {
                ext.as_str()
            }
        ))),
    }
}
