//! CSV dialects: the text encoding (UTF-8 with or without a BOM, GBK/GB18030 from
//! Chinese-locale Excel, any WHATWG label through `encoding_rs`), the separator and the
//! decimal comma of European exports.
//!
//! UTF-8 files are scanned by polars directly (it skips a BOM). A file in another encoding
//! is decoded to UTF-8 in memory first. A file that is not UTF-8 and names no encoding is an
//! error that says so, rather than a table with garbled column names.

use std::io::{Cursor, Read};
use std::path::Path;

use encoding_rs::Encoding;
use polars::prelude::*;

use super::ReadOptions;
use crate::error::{Error, Result};

/// Bytes checked for UTF-8 before polars reads the file (the header and first rows).
const SNIFF_BYTES: usize = 1 << 20;

/// The encoding `opts` names, or `None` for UTF-8.
fn encoding(path: &Path, opts: &ReadOptions) -> Result<Option<&'static Encoding>> {
    let Some(name) = &opts.encoding else {
        return Ok(None);
    };
    let enc = Encoding::for_label(name.trim().as_bytes()).ok_or_else(|| Error::Unreadable {
        path: path.to_path_buf(),
        format: "CSV".into(),
        reason: format!("unknown encoding '{name}'"),
        hint: "Use a WHATWG encoding label such as utf-8, gb18030, gbk, big5, shift_jis, euc-kr or windows-1252.".into(),
    })?;
    Ok((enc != encoding_rs::UTF_8).then_some(enc))
}

/// Read a CSV file with `opts`' dialect; `infer_rows` rows infer the column types
/// (`None` = all rows, `Some(0)` = every column as text). A header with a repeated name, a
/// line with more fields than the header, and lines written with another separator are
/// errors naming the line.
pub(super) fn read(
    path: &Path,
    opts: &ReadOptions,
    infer_rows: Option<usize>,
) -> Result<DataFrame> {
    let result = read_dialect(path, opts, infer_rows);
    let sep = opts.separator.unwrap_or(b',');
    match result {
        Ok(df) => {
            check_separators(path, &df, sep)?;
            Ok(df)
        }
        // A ragged line: name it rather than pass on polars' own message.
        Err(Error::Polars(e)) if e.to_string().contains("more fields") => {
            Err(ragged_line(path, opts, sep).unwrap_or(Error::Polars(e)))
        }
        Err(e) => Err(e),
    }
}

/// The first line whose number of fields (outside quotes) differs from the header's.
fn ragged_line(path: &Path, opts: &ReadOptions, sep: u8) -> Option<Error> {
    let text = match encoding(path, opts).ok()? {
        Some(enc) => decode(path, enc).ok()?,
        None => String::from_utf8_lossy(&std::fs::read(path).ok()?).into_owned(),
    };
    let count = |line: &str| {
        let mut quoted = false;
        let mut n = 1;
        for b in line.bytes() {
            if b == b'"' {
                quoted = !quoted;
            } else if b == sep && !quoted {
                n += 1;
            }
        }
        n
    };
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next()?;
    let want = count(header);
    let (i, line) = lines.find(|(_, l)| !l.trim().is_empty() && count(l) > want)?;
    Some(Error::Unreadable {
        path: path.to_path_buf(),
        format: "CSV".into(),
        reason: format!(
            "line {} has {} fields where the header has {want}: '{}'",
            i + 1,
            count(line),
            truncate(line, 80)
        ),
        hint: "Check the line: a separator inside a value needs the value in double quotes; a stray separator at the end of the line adds an empty field.".into(),
    })
}

/// Lines written with another separator than the header's come out as one long first field
/// with every other field empty: name the first such line (they would be read as missing).
fn check_separators(path: &Path, df: &DataFrame, sep: u8) -> Result<()> {
    if df.width() < 2 {
        return Ok(());
    }
    let Ok(first) = df.columns()[0].cast(&DataType::String) else {
        return Ok(());
    };
    let others_null = df.columns()[1..]
        .iter()
        .map(|c| c.is_null())
        .reduce(|a, b| &a & &b);
    let (Some(nulls), Ok(first)) = (others_null, first.str()) else {
        return Ok(());
    };
    let seps: Vec<char> = [';', ',', '\t', '|']
        .into_iter()
        .filter(|c| *c as u32 != u32::from(sep))
        .collect();
    for (i, (v, all_null)) in first.iter().zip(nulls.iter()).enumerate() {
        if let (Some(v), Some(true)) = (v, all_null) {
            if let Some(c) = seps.iter().find(|c| v.contains(**c)) {
                let shown = if *c == '\t' {
                    "\\t".to_string()
                } else {
                    c.to_string()
                };
                return Err(Error::Unreadable {
                    path: path.to_path_buf(),
                    format: "CSV".into(),
                    reason: format!(
                        "line {} is separated by '{shown}' where the header uses '{}': '{}'",
                        i + 2,
                        sep as char,
                        truncate(v, 60)
                    ),
                    hint: "The file mixes separators (lines pasted from another export?): save every line with one separator. Such lines would otherwise be read as missing values.".into(),
                });
            }
        }
    }
    Ok(())
}

fn read_dialect(path: &Path, opts: &ReadOptions, infer_rows: Option<usize>) -> Result<DataFrame> {
    let df = match encoding(path, opts)? {
        None => {
            let head = check_utf8(path)?;
            check_header(path, opts, &String::from_utf8_lossy(&head))?;
            let p = PlRefPath::try_from_path(path)?;
            // The path is the file's name, not a pattern: "Report [2024].csv" is read as it
            // is (patterns are resolved by `sources`).
            let mut reader = LazyCsvReader::new(p)
                .with_glob(false)
                .with_has_header(true)
                .with_infer_schema_length(infer_rows)
                .with_decimal_comma(opts.decimal_comma)
                .with_dtype_overwrite(text_schema(opts));
            if let Some(sep) = opts.separator {
                reader = reader.with_separator(sep);
            }
            reader.finish()?.collect()
        }
        Some(enc) => {
            let text = decode(path, enc)?;
            check_header(path, opts, &text)?;
            CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(infer_rows)
                .with_schema_overwrite(text_schema(opts))
                .map_parse_options(|p| {
                    let p = p.with_decimal_comma(opts.decimal_comma);
                    match opts.separator {
                        Some(sep) => p.with_separator(sep),
                        None => p,
                    }
                })
                .into_reader_with_file_handle(Cursor::new(text.into_bytes()))
                .finish()
        }
    }?;
    Ok(df)
}

/// The columns `opts` wants as text (ids), as a schema overwrite.
fn text_schema(opts: &ReadOptions) -> Option<SchemaRef> {
    (!opts.text_columns.is_empty()).then(|| {
        Arc::new(Schema::from_iter(
            opts.text_columns
                .iter()
                .map(|c| Field::new(c.as_str().into(), DataType::String)),
        ))
    })
}

/// The whole file decoded from `enc` to UTF-8; undecodable bytes are an error.
fn decode(path: &Path, enc: &'static Encoding) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::MissingFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let (text, used, had_errors) = enc.decode(&bytes);
    if had_errors {
        return Err(Error::Unreadable {
            path: path.to_path_buf(),
            format: "CSV".into(),
            reason: format!("some bytes are not valid {}", used.name()),
            hint: "Check the encoding: Chinese Windows exports are usually gb18030 (a superset of gbk); UTF-8 files need no encoding setting.".into(),
        });
    }
    Ok(text.into_owned())
}

/// Error unless the start of the file is UTF-8: a GBK header read as UTF-8 would give
/// garbled column names, so say which encoding to name instead; UTF-16 text and binary
/// data are named as such.
fn check_utf8(path: &Path) -> Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let file = std::fs::File::open(path).map_err(|e| Error::MissingFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    file.take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| Error::MissingFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    let unreadable = |reason: &str, hint: &str| Error::Unreadable {
        path: path.to_path_buf(),
        format: "UTF-8 CSV".into(),
        reason: reason.to_string(),
        hint: hint.to_string(),
    };
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err(unreadable(
            "it is UTF-16 text (Excel's \"Unicode text\")",
            "Save it as \"CSV UTF-8\", or give encoding = \"utf-16le\" (utf-16be) in the table's block of the study file, or --encoding utf-16le.",
        ));
    }
    if head.iter().take(4096).filter(|b| **b == 0).count() > 8 {
        return Err(unreadable(
            "it holds binary data, not text",
            "Check that the file is the CSV export and not a workbook or archive renamed to .csv.",
        ));
    }
    match std::str::from_utf8(&head) {
        // A multi-byte character cut by the sniff window is not an error.
        Err(e) if e.error_len().is_some() => {
            let line = head[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            Err(Error::Unreadable {
                path: path.to_path_buf(),
                format: "UTF-8 CSV".into(),
                reason: format!("line {line} holds bytes that are not UTF-8"),
                hint: "Files saved by Excel on a Chinese-locale Windows are usually GB18030/GBK: add encoding = \"gb18030\" to the table in the study file, or --encoding gb18030.".into(),
            })
        }
        _ => Ok(head),
    }
}

/// A header without a comma that holds `;`, a tab or `|` uses that separator: say so,
/// rather than read one column (or fail on a decimal comma) and later miss a column.
fn check_header(path: &Path, opts: &ReadOptions, text: &str) -> Result<()> {
    let header = text
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches('\u{feff}');
    // A name twice: the second would be renamed and the first used silently.
    let sep = opts.separator.map_or(',', char::from);
    let names: Vec<&str> = header
        .split(sep)
        .map(|n| n.trim().trim_matches('"'))
        .collect();
    for (j, n) in names.iter().enumerate() {
        if let Some(k) = names[..j].iter().position(|m| m == n && !n.is_empty()) {
            return Err(Error::Unreadable {
                path: path.to_path_buf(),
                format: "CSV".into(),
                reason: format!(
                    "column name '{n}' appears twice in the header (columns {} and {})",
                    k + 1,
                    j + 1
                ),
                hint:
                    "Give every column a distinct name, so it is clear which one the study means."
                        .into(),
            });
        }
    }
    if opts.separator.is_some() || header.contains(',') {
        return Ok(());
    }
    let Some((sep, shown)) = [(';', ";"), ('\t', "\\t"), ('|', "|")]
        .into_iter()
        .find(|(c, _)| header.contains(*c))
    else {
        return Ok(());
    };
    let comma = if sep == ';' {
        " If numbers use a decimal comma (1234,56), add decimal_comma = true (--decimal-comma) too."
    } else {
        ""
    };
    Err(Error::Unreadable {
        path: path.to_path_buf(),
        format: "comma-separated CSV".into(),
        reason: format!(
            "the header has no comma but is '{shown}'-separated: '{}'",
            truncate(header, 60)
        ),
        hint: format!(
            "Add separator = \"{shown}\" to the table in the study file, or --separator '{shown}'.{comma}"
        ),
    })
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}
