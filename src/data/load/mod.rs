//! Loading tables by file extension with polars: CSV (any encoding, separator, decimal
//! comma), Parquet, IPC/Arrow, NDJSON, SPSS `.sav`/`.zsav`, Stata `.dta`, and Excel/ODS
//! workbooks; plus column checks that turn polars' generic failures into errors naming
//! file, column and row.

mod csv;
mod excel;
pub mod memory;
pub mod meta;
pub mod numbers;
pub mod sources;
mod spss;
mod stata;
mod text;

use std::path::Path;

use polars::prelude::*;

pub use meta::{ColumnMeta, Origin, Table, TableMeta};

use crate::error::{closest, Error, Result};

/// Rows used to infer CSV column types before falling back to a full scan.
const CSV_INFER_ROWS: usize = 10_000;

/// A supported input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    /// Tab-separated text (`.tsv`, `.tab`): CSV with a tab separator.
    Tsv,
    /// Whitespace-separated text (`.txt`, `.dat`), with or without a header line.
    Whitespace,
    Parquet,
    Ipc,
    NdJson,
    /// SPSS `.sav` / `.zsav`.
    Spss,
    /// Stata `.dta`.
    Stata,
    /// Excel `.xlsx`/`.xlsm`/`.xlsb`/`.xls` or LibreOffice `.ods`.
    Workbook,
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
            "tsv" | "tab" => Ok(Format::Tsv),
            "txt" | "dat" => Ok(Format::Whitespace),
            "parquet" | "pq" => Ok(Format::Parquet),
            "ipc" | "arrow" | "feather" => Ok(Format::Ipc),
            "ndjson" | "jsonl" => Ok(Format::NdJson),
            "sav" | "zsav" => Ok(Format::Spss),
            "dta" => Ok(Format::Stata),
            "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Ok(Format::Workbook),
            _ => Err(Error::UnknownExtension {
                path: path.to_path_buf(),
                ext: if ext.is_empty() { "(none)".into() } else { ext },
            }),
        }
    }
}

/// How to read a file beyond its extension: the sheet of a workbook and the dialect of a
/// CSV. Set per table in a study file (`sheet`, `encoding`, `separator`, `decimal_comma`)
/// or by the `--sheet/--encoding/--separator/--decimal-comma` flags.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOptions {
    /// Workbook sheet (default: the first).
    pub sheet: Option<String>,
    /// CSV text encoding, a WHATWG label such as `gb18030`, `gbk`, `utf-8` (default UTF-8).
    pub encoding: Option<String>,
    /// CSV field separator (default `,`).
    pub separator: Option<u8>,
    /// CSV numbers written with a decimal comma (`1234,56`).
    pub decimal_comma: bool,
    /// Columns read as text whatever they hold (ids: `0001` stays `0001`). Columns not in
    /// the file are ignored.
    pub text_columns: Vec<String>,
}

impl ReadOptions {
    /// A separator as written in a study file or flag: one ASCII character, or `tab`/`\t`.
    pub fn parse_separator(s: &str) -> Result<u8> {
        match s {
            "\\t" | "tab" | "\t" => Ok(b'\t'),
            _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
            _ => Err(Error::Usage(format!(
                "separator '{s}': give one character such as ';' or '|', or 'tab'"
            ))),
        }
    }
}

/// Run a third-party file reader so that a panic on malformed bytes becomes `Err` without
/// the panic message on stderr (the caller turns it into a clear `error:`). The default
/// hook is restored afterwards, so a real bug elsewhere still reports itself.
pub(crate) fn quietly<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> std::thread::Result<T> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let out = std::panic::catch_unwind(f);
    std::panic::set_hook(hook);
    out
}

/// Lazily scan a table; the extension picks the reader. The formats polars cannot scan
/// (SPSS, Stata, workbooks, CSV in another encoding) are read, then made lazy.
pub fn scan(path: &Path) -> Result<LazyFrame> {
    if let Some(df) = memory::get(path) {
        return Ok(df.lazy());
    }
    if let Some(files) = sources::resolve(path)? {
        return match files.format {
            Format::Parquet | Format::Ipc => sources::scan(&files),
            _ => Ok(read(path, &ReadOptions::default())?.lazy()),
        };
    }
    check_path(path)?;
    let p = PlRefPath::try_from_path(path)?;
    Ok(match Format::from_path(path)? {
        Format::Parquet => LazyFrame::scan_parquet(p, single_parquet())?,
        Format::Ipc => LazyFrame::scan_ipc(p, Default::default(), single_ipc())?,
        Format::NdJson => LazyJsonLineReader::new(p).finish()?,
        _ => read(path, &ReadOptions::default())?.lazy(),
    })
}

/// Scan options for one named file: its name is not a pattern (patterns and folders are
/// resolved by [`sources`]).
fn single_parquet() -> ScanArgsParquet {
    ScanArgsParquet {
        glob: false,
        ..Default::default()
    }
}

fn single_ipc() -> UnifiedScanArgs {
    UnifiedScanArgs {
        glob: false,
        ..Default::default()
    }
}

fn check_path(path: &Path) -> Result<()> {
    if memory::get(path).is_some() {
        return Ok(());
    }
    if path.is_dir() {
        return Err(Error::MissingFile {
            path: path.to_path_buf(),
            reason: "it is a folder, not a table file; name a .csv, .parquet, .sav, .dta, .xlsx (or another supported) file inside it".into(),
        });
    }
    Format::from_path(path)?;
    if let Err(e) = std::fs::File::open(path) {
        return Err(Error::MissingFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        });
    }
    Ok(())
}

/// Read a whole table into memory (see [`read_table`]; the column metadata is dropped).
pub fn read(path: &Path, opts: &ReadOptions) -> Result<DataFrame> {
    Ok(read_table(path, opts)?.df)
}

/// Read a whole table into memory, with what the file says about its columns.
///
/// CSV types are inferred from the first rows; if a later cell does not fit the inferred
/// type (a stray "n/a" in a numeric column), the file is read again with types inferred
/// from every row, so the column comes back as text and [`require_numeric`] can name the cell.
pub fn read_table(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let plain = |df: DataFrame| Table {
        df,
        meta: TableMeta::default(),
    };
    if let Some(df) = memory::get(path) {
        return Ok(plain(df));
    }
    if let Some(files) = sources::resolve(path)? {
        return match files.format {
            Format::Parquet | Format::Ipc => sources::scan(&files)?
                .collect()
                .map_err(|e| read_error(path, e))
                .map(plain),
            Format::Tsv => {
                let mut o = opts.clone();
                o.separator = o.separator.or(Some(b'\t'));
                sources::stack_csv(&files, path, |f| read_table_as_csv(f, &o))
            }
            _ => sources::stack_csv(&files, path, |f| read_table_as_csv(f, opts)),
        };
    }
    check_path(path)?;
    let p = || PlRefPath::try_from_path(path);
    match Format::from_path(path)? {
        Format::Whitespace => text::read(path, opts),
        Format::Tsv => {
            let mut o = opts.clone();
            o.separator = o.separator.or(Some(b'\t'));
            read_table_as_csv(path, &o)
        }
        Format::Csv => read_table_as_csv(path, opts),
        Format::Parquet => LazyFrame::scan_parquet(p()?, single_parquet())?
            .collect()
            .map_err(|e| read_error(path, e))
            .map(plain),
        Format::Ipc => LazyFrame::scan_ipc(p()?, Default::default(), single_ipc())?
            .collect()
            .map_err(|e| read_error(path, e))
            .map(plain),
        Format::NdJson => LazyJsonLineReader::new(p()?)
            .finish()?
            .collect()
            .map_err(|e| read_error(path, e))
            .map(plain),
        Format::Spss => spss::read(path),
        Format::Stata => stata::read(path),
        Format::Workbook => excel::read(path, opts),
    }
}

fn read_table_as_csv(path: &Path, opts: &ReadOptions) -> Result<Table> {
    read_csv(path, opts).map(|df| Table {
        df,
        meta: TableMeta {
            origin: meta::Origin::Lines { first: 2 },
            ..Default::default()
        },
    })
}

fn read_csv(path: &Path, opts: &ReadOptions) -> Result<DataFrame> {
    match csv::read(path, opts, Some(CSV_INFER_ROWS)) {
        Ok(df) => Ok(df),
        Err(Error::Polars(_)) => match csv::read(path, opts, None) {
            Ok(df) => Ok(df),
            // Still failing (e.g. an integer too large for i64, such as a revenue of 1e300
            // written out in full): read every column as text, then make each column whose
            // every cell is a number Float64.
            Err(Error::Polars(_)) => match csv::read(path, opts, Some(0)) {
                Ok(df) => numbers_as_f64(df, &opts.text_columns),
                Err(Error::Polars(e)) => Err(read_error(path, e)),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// Text columns whose non-empty cells all parse as numbers become Float64 (except the
/// columns asked for as text).
fn numbers_as_f64(df: DataFrame, text: &[String]) -> Result<DataFrame> {
    let mut out = Vec::with_capacity(df.width());
    for c in df.columns() {
        if text.iter().any(|t| t == c.name().as_str()) {
            out.push(c.clone());
            continue;
        }
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

/// Make column `name` Float64, or fail naming the first cell that is not a number (see
/// [`numeric_column`], whose note on the number form is dropped here).
pub fn require_numeric(
    df: DataFrame,
    file: &str,
    name: &str,
    origin: &Origin,
) -> Result<DataFrame> {
    Ok(numeric_column(df, file, name, origin)?.0)
}

/// Make column `name` Float64. Integers and floats are cast; a text column is parsed
/// (blank cells are missing; spreadsheet forms such as `$1,234.50` or `31.5%` are read when
/// every cell has the same form, and the form is returned), and the first cell that is no
/// number is an error naming it as the analyst finds it (`origin`: line, cell, case).
pub fn numeric_column(
    df: DataFrame,
    file: &str,
    name: &str,
    origin: &Origin,
) -> Result<(DataFrame, Option<numbers::NumberForm>)> {
    require_column(&df, file, name)?;
    let dtype = df.column(name)?.dtype().clone();
    if dtype == DataType::Float64 {
        return Ok((df, None));
    }
    if dtype.is_primitive_numeric() || dtype == DataType::Boolean || dtype == DataType::Null {
        return Ok((
            df.lazy()
                .with_column(col(name).cast(DataType::Float64))
                .collect()?,
            None,
        ));
    }
    if dtype != DataType::String {
        return Err(Error::NonNumeric {
            file: file.to_string(),
            column: name.to_string(),
            location: format!("the column's type, {dtype},"),
            value: format!("<{dtype}>"),
            hint: "Give a column of numbers.".into(),
        });
    }
    numbers::parse_text(df, file, name, origin)
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
