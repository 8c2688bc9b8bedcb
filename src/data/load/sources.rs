//! Many files read as one table: a glob pattern (`logs/2024-*.parquet`) or a folder of
//! Parquet, IPC or CSV files — a warehouse or Spark export, hive-partitioned
//! (`region=North/part-0.parquet`, each `key=value` folder becoming a column) or not.
//!
//! The files are found with the `glob` crate (the one polars uses) or by walking the
//! folder; names starting with `_` or `.` (Spark's `_SUCCESS`, `.crc` checksums) are not
//! data. Parquet and IPC are scanned by polars as one lazy table (hive columns included);
//! CSV files are read one by one with the CSV reader's dialect options and stacked, hive
//! columns added as text. Files that disagree on their columns are an error naming both.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::Format;
use crate::error::{Error, Result};

/// A table spread over several files.
#[derive(Debug, Clone)]
pub struct Files {
    pub format: Format,
    /// The files, in path order.
    pub files: Vec<PathBuf>,
    /// The folder the hive `key=value` folders start below (the folder given, or the part
    /// of a pattern before its first wildcard).
    pub root: PathBuf,
}

/// Whether a path is a glob pattern.
pub fn is_pattern(path: &Path) -> bool {
    path.to_string_lossy().contains(['*', '?', '['])
}

fn is_data(path: &Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy())
        .is_some_and(|n| !n.starts_with('_') && !n.starts_with('.'))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::MissingFile {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    for entry in entries {
        let path = entry
            .map_err(|e| Error::MissingFile {
                path: dir.to_path_buf(),
                reason: e.to_string(),
            })?
            .path();
        if !is_data(&path) {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// The files a pattern or folder names; None for a plain file (or a frame in memory).
pub fn resolve(path: &Path) -> Result<Option<Files>> {
    // A file whose name holds a bracket or star ("Report [2024].xlsx") is that file.
    let (mut files, root) = if is_pattern(path) && !path.exists() {
        let text = path.to_string_lossy();
        let matches = glob::glob(&text).map_err(|e| {
            Error::Usage(format!(
                "'{text}': not a valid file pattern ({e}); use * and ? as wildcards, e.g. logs/2024-*.parquet"
            ))
        })?;
        let files: Vec<PathBuf> = matches
            .filter_map(std::result::Result::ok)
            .filter(|p| p.is_file() && is_data(p))
            .collect();
        let cut = text.find(['*', '?', '[']).unwrap_or(text.len());
        let root = Path::new(&text[..cut])
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        if files.is_empty() {
            return Err(Error::MissingFile {
                path: path.to_path_buf(),
                reason: format!(
                    "no file matches this pattern{}; check the folder and the wildcards",
                    if root.as_os_str().is_empty() {
                        String::new()
                    } else {
                        format!(" in {}", root.display())
                    }
                ),
            });
        }
        (files, root)
    } else if path.is_dir() {
        let mut files = Vec::new();
        walk(path, &mut files)?;
        (files, path.to_path_buf())
    } else {
        return Ok(None);
    };
    files.sort();
    let Some(first) = files.first() else {
        return Err(Error::MissingFile {
            path: path.to_path_buf(),
            reason: "the folder holds no table file; name a .csv or .parquet file, a folder of them (hive-partitioned or not), or a pattern such as logs/*.parquet".into(),
        });
    };
    let folder = path.is_dir();
    // A folder that is not the parts of one table (a study's folder, say) is a folder:
    // name a file inside it.
    let not_parts = |why: String| {
        Error::MissingFile {
        path: path.to_path_buf(),
        reason: format!(
            "it is a folder, not a table file, and not the parts of one table ({why}); name a .csv, .parquet, .sav, .dta, .xlsx (or another supported) file inside it, or give a folder holding only the Parquet, IPC or CSV parts of one table"
        ),
    }
    };
    let format = match Format::from_path(first) {
        Ok(f) => f,
        Err(_) if folder => {
            return Err(not_parts(format!(
                "{} is not a table file",
                first.display()
            )))
        }
        Err(e) => return Err(e),
    };
    if let Some(odd) = files
        .iter()
        .find(|f| Format::from_path(f).ok() != Some(format))
    {
        if folder {
            return Err(not_parts(format!(
                "{} and {} differ in type",
                first.display(),
                odd.display()
            )));
        }
    }
    if !matches!(
        format,
        Format::Parquet | Format::Ipc | Format::Csv | Format::Tsv
    ) {
        return Err(Error::MissingFile {
            path: path.to_path_buf(),
            reason: format!(
                "{} is read one file at a time; several files as one table must be Parquet, IPC or CSV (name the file, or convert the parts)",
                first.display()
            ),
        });
    }
    if let Some(odd) = files
        .iter()
        .find(|f| Format::from_path(f).ok() != Some(format))
    {
        return Err(Error::MissingFile {
            path: path.to_path_buf(),
            reason: format!(
                "it mixes file types ({} and {}); one table's files must share a format",
                first.display(),
                odd.display()
            ),
        });
    }
    Ok(Some(Files {
        format,
        files,
        root,
    }))
}

/// The hive `key=value` pairs of a file's folders below `root`.
fn hive_pairs(file: &Path, root: &Path) -> Vec<(String, String)> {
    let rel = file.strip_prefix(root).unwrap_or(file);
    rel.parent()
        .map(|p| {
            p.components()
                .filter_map(|c| {
                    let c = c.as_os_str().to_string_lossy();
                    c.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Scan Parquet or IPC files as one lazy table, hive columns included.
pub fn scan(files: &Files) -> Result<LazyFrame> {
    let sources = ScanSources::Paths(
        files
            .files
            .iter()
            .map(|f| PlRefPath::try_from_path(f))
            .collect::<PolarsResult<Vec<_>>>()?
            .into(),
    );
    let hive = HiveOptions {
        enabled: Some(
            files
                .files
                .iter()
                .any(|f| !hive_pairs(f, &files.root).is_empty()),
        ),
        hive_start_idx: 0,
        schema: None,
        try_parse_dates: true,
    };
    let lf = match files.format {
        Format::Parquet => LazyFrame::scan_parquet_sources(
            sources,
            ScanArgsParquet {
                hive_options: hive,
                // The files are found already; their names are not patterns.
                glob: false,
                ..Default::default()
            },
        )?,
        _ => LazyFrame::scan_ipc_sources(
            sources,
            Default::default(),
            UnifiedScanArgs {
                hive_options: hive,
                glob: false,
                ..Default::default()
            },
        )?,
    };
    Ok(lf)
}

/// Read CSV files one by one (`read` reads one) and stack them, hive columns added.
pub fn stack_csv(
    files: &Files,
    path: &Path,
    read: impl Fn(&Path) -> Result<super::Table>,
) -> Result<super::Table> {
    let mut tables = Vec::new();
    let mut first: Option<(PathBuf, Vec<String>)> = None;
    let mut meta = None;
    for f in &files.files {
        let t = read(f)?;
        let mut df = t.df;
        for (k, v) in hive_pairs(f, &files.root) {
            df.with_column(Column::new(k.into(), vec![v; df.height()]))?;
        }
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        match &first {
            None => first = Some((f.clone(), names)),
            Some((f0, n0)) if *n0 != names => {
                return Err(Error::MissingFile {
                    path: path.to_path_buf(),
                    reason: format!(
                        "{} has the columns {} but {} has {}; the files of one table must have the same columns",
                        f0.display(),
                        n0.join(", "),
                        f.display(),
                        names.join(", ")
                    ),
                })
            }
            _ => {}
        }
        meta = Some(t.meta);
        tables.push(df.lazy());
    }
    let df = concat(tables, UnionArgs::default())?
        .collect()
        .map_err(|e| Error::MissingFile {
            path: path.to_path_buf(),
            reason: format!("its files could not be stacked into one table ({e})"),
        })?;
    // One file keeps its line numbers; stacked files are numbered by row of the whole.
    Ok(super::Table {
        df,
        meta: if files.files.len() == 1 {
            meta.unwrap_or_default()
        } else {
            Default::default()
        },
    })
}

/// A table to stream in batches: Parquet or IPC (a file, a folder or a pattern) scanned by
/// polars, or CSV/TSV (a file or a pattern) read by polars' lazy CSV reader with a header
/// line (UTF-8; for other dialects, convert the file first).
pub fn stream_scan(path: &Path) -> Result<LazyFrame> {
    stream_scan_text(path, &[])
}

/// [`stream_scan`], reading the columns `text` of a CSV file as text (ids such as `007`
/// keep their zeros, as the in-memory reader keeps them).
pub fn stream_scan_text(path: &Path, text: &[String]) -> Result<LazyFrame> {
    if super::memory::get(path).is_some() {
        return super::scan(path);
    }
    let (format, pattern) = match resolve(path)? {
        Some(files) => {
            if matches!(files.format, Format::Parquet | Format::Ipc) {
                return scan(&files);
            }
            if path.is_dir() {
                return Err(Error::Usage(format!(
                    "--streaming reads a folder of Parquet or IPC files; for the CSV files in '{}' give a pattern such as {}/*.csv",
                    path.display(),
                    path.display()
                )));
            }
            (files.format, true)
        }
        None => {
            if !path.is_file() {
                return Err(Error::MissingFile {
                    path: path.to_path_buf(),
                    reason: "no such file".into(),
                });
            }
            (Format::from_path(path)?, false)
        }
    };
    match format {
        Format::Parquet | Format::Ipc => super::scan(path),
        Format::Csv | Format::Tsv => {
            let p = PlRefPath::try_from_path(path)?;
            Ok(LazyCsvReader::new(p)
                .with_glob(pattern)
                .with_has_header(true)
                .with_separator(if format == Format::Tsv { b'\t' } else { b',' })
                .with_infer_schema_length(Some(super::CSV_INFER_ROWS))
                .with_dtype_overwrite((!text.is_empty()).then(|| {
                    Arc::new(Schema::from_iter(
                        text.iter().map(|c| Field::new(c.as_str().into(), DataType::String)),
                    ))
                }))
                .finish()?)
        }
        _ => Err(Error::Usage(format!(
            "--streaming reads Parquet, IPC or CSV; '{}' is read whole (convert it, e.g. with `profitchain build -o table.parquet`, or leave out --streaming)",
            path.display()
        ))),
    }
}
