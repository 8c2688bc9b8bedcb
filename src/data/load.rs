//! Loading tables by file extension (CSV, Parquet, IPC/Arrow, NDJSON) with polars, and
//! column checks that turn polars' generic failures into errors naming file, column and row.

use std::path::Path;

use polars::prelude::*;

use crate::error::{closest, Error, Result};

/// Rows used to infer CSV column types before falling back to a full scan.
const CSV_INFER_ROWS: usize = 10_000;

/// A supported input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
    Ipc,
    NdJson,
}

impl Format {
    /// Format from a path's extension.
    pub fn from_path(path: &Path) -> Result<Self> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "csv" => Ok(Format::Csv),
            "parquet" | "pq" => Ok(Format::Parquet),
            "ipc" | "arrow" | "feather" => Ok(Format::Ipc),
            "ndjson" | "jsonl" => Ok(Format::NdJson),
            _ => Err(Error::UnknownExtension {
                path: path.to_path_buf(),
                ext: if ext.is_empty() { "(none)".into() } else { ext },
            }),
        }
    }
}

/// Lazily scan a table; the extension picks the reader.
pub fn scan(path: &Path) -> Result<LazyFrame> {
    scan_with(path, Some(CSV_INFER_ROWS))
}

fn scan_with(path: &Path, infer_rows: Option<usize>) -> Result<LazyFrame> {
    if path.is_dir() {
        return Err(Error::MissingFile {
            path: path.to_path_buf(),
            reason: "it is a folder, not a table file; name a .csv, .parquet, .ipc/.arrow/.feather or .ndjson/.jsonl file inside it".into(),
        });
    }
    let format = Format::from_path(path)?;
    if let Err(e) = std::fs::File::open(path) {
        return Err(Error::MissingFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        });
    }
    let p = PlRefPath::try_from_path(path)?;
    let lf = match format {
        Format::Csv => LazyCsvReader::new(p)
            .with_has_header(true)
            .with_infer_schema_length(infer_rows)
            .finish()?,
        Format::Parquet => LazyFrame::scan_parquet(p, ScanArgsParquet::default())?,
        Format::Ipc => LazyFrame::scan_ipc(p, Default::default(), Default::default())?,
        Format::NdJson => LazyJsonLineReader::new(p).finish()?,
    };
    Ok(lf)
}

/// Read a whole table into memory.
///
/// CSV types are inferred from the first rows; if a later cell does not fit the inferred
/// type (a stray "n/a" in a numeric column), the file is read again with types inferred
/// from every row, so the column comes back as text and [`require_numeric`] can name the cell.
pub fn read(path: &Path) -> Result<DataFrame> {
    let df = match scan(path)?.collect() {
        Ok(df) => df,
        Err(first) => {
            if Format::from_path(path)? == Format::Csv {
                match scan_with(path, None)?.collect() {
                    Ok(df) => df,
                    // Still failing (e.g. an integer too large for i64, such as a revenue of
                    // 1e300 written out in full): read every column as text, then make each
                    // column whose every cell is a number Float64.
                    Err(_) => scan_with(path, Some(0))?
                        .collect()
                        .map_err(|e| read_error(path, e))
                        .and_then(numbers_as_f64)?,
                }
            } else {
                return Err(read_error(path, first));
            }
        }
    };
    Ok(df)
}

/// Text columns whose non-empty cells all parse as numbers become Float64.
fn numbers_as_f64(df: DataFrame) -> Result<DataFrame> {
    let mut out = Vec::with_capacity(df.width());
    for c in df.columns() {
        let as_f64 = c.strict_cast(&DataType::Float64);
        out.push(match as_f64 {
            Ok(f) if f.null_count() == c.null_count() => f,
            _ => c.clone(),
        });
    }
    Ok(DataFrame::new_infer_height(out)?)
}

fn read_error(path: &Path, e: PolarsError) -> Error {
    Error::MissingFile {
        path: path.to_path_buf(),
        reason: format!("the file could not be parsed ({e})"),
    }
}

/// A column's values as f64 (cast), missing values as NaN.
pub fn f64_values(df: &DataFrame, name: &str) -> Result<Vec<f64>> {
    Ok(df
        .column(name)?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect())
}

/// Error unless `df` has a column `name`; suggests the closest existing name.
pub fn require_column(df: &DataFrame, file: &str, name: &str) -> Result<()> {
    if df.schema().contains(name) {
        return Ok(());
    }
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    Err(Error::MissingColumn {
        file: file.to_string(),
        column: name.to_string(),
        suggestion: closest(name, names.iter().map(String::as_str)),
        available: names.join(", "),
    })
}

/// Make column `name` Float64, or fail naming the first cell that is not a number.
///
/// Integers and floats are cast; a text column is parsed, and the first non-empty cell that
/// does not parse is reported with its row (1-based data row) and file line (header = line 1).
pub fn require_numeric(df: DataFrame, file: &str, name: &str) -> Result<DataFrame> {
    require_column(&df, file, name)?;
    let dtype = df.column(name)?.dtype().clone();
    if dtype == DataType::Float64 {
        return Ok(df);
    }
    if dtype.is_primitive_numeric() || dtype == DataType::Boolean || dtype == DataType::Null {
        return Ok(df
            .lazy()
            .with_column(col(name).cast(DataType::Float64))
            .collect()?);
    }
    if dtype != DataType::String {
        return Err(Error::NonNumeric {
            file: file.to_string(),
            column: name.to_string(),
            row: 1,
            line: 2,
            value: format!("<{dtype}>"),
        });
    }
    // Parse text; cells that are empty/whitespace count as missing, not as errors.
    let trimmed = col(name).str().strip_chars(lit(NULL));
    let bad = df
        .clone()
        .lazy()
        .with_row_index("__row", None)
        .filter(
            trimmed
                .clone()
                .neq(lit(""))
                .and(trimmed.clone().cast(DataType::Float64).is_null()),
        )
        .select([col("__row"), col(name)])
        .limit(1)
        .collect()?;
    if bad.height() > 0 {
        let row = bad.column("__row")?.get(0)?.extract::<u64>().unwrap_or(0) as usize;
        let value = bad
            .column(name)?
            .get(0)?
            .get_str()
            .unwrap_or("")
            .to_string();
        return Err(Error::NonNumeric {
            file: file.to_string(),
            column: name.to_string(),
            row: row + 1,
            line: row + 2,
            value,
        });
    }
    Ok(df
        .lazy()
        .with_column(
            when(trimmed.clone().eq(lit("")))
                .then(lit(NULL).cast(DataType::Float64))
                .otherwise(trimmed.cast(DataType::Float64))
                .alias(name),
        )
        .collect()?)
}

/// Missing-value count per column (nulls, plus NaN for float columns).
pub fn missing_counts(df: &DataFrame) -> Vec<(String, usize)> {
    df.columns()
        .iter()
        .map(|c| {
            let mut n = c.null_count();
            if let Ok(f) = c.as_materialized_series().f64() {
                n += f.iter().filter(|v| v.is_some_and(f64::is_nan)).count();
            }
            (c.name().to_string(), n)
        })
        .collect()
}
