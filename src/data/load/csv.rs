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
/// (`None` = all rows, `Some(0)` = every column as text).
pub(super) fn read(
    path: &Path,
    opts: &ReadOptions,
    infer_rows: Option<usize>,
) -> Result<DataFrame> {
    let df = match encoding(path, opts)? {
        None => {
            let head = check_utf8(path)?;
            check_header(path, opts, &String::from_utf8_lossy(&head))?;
            let p = PlRefPath::try_from_path(path)?;
            let mut reader = LazyCsvReader::new(p)
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
/// garbled column names, so say which encoding to name instead.
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
