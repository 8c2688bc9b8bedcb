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

/// Write a table as CSV or Parquet, chosen by the extension.
pub fn write_table(path: &Path, df: &mut DataFrame) -> Result<()> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" => atomic_write(path, |f| {
            CsvWriter::new(f)
                .include_header(true)
                .finish(df)
                .map_err(|e| write_err(path, e))
        }),
        "parquet" | "pq" => atomic_write(path, |f| {
            ParquetWriter::new(f)
                .finish(df)
                .map(|_| ())
                .map_err(|e| write_err(path, e))
        }),
        _ => Err(Error::Usage(format!(
            "cannot write '{}': tables are written as .csv or .parquet (got '{}')",
            path.display(),
            if ext.is_empty() {
                "no extension"
            } else {
                ext.as_str()
            }
        ))),
    }
}
