//! The one writer of exports: tidy CSV tables, a JSON summary, an Excel workbook with a
//! sheet per table (numbers as numbers, bold header) and booktabs LaTeX tables. Every
//! analysis command's `--export DIR` and `report` go through [`write`].

use std::io::Write as _;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rust_xlsxwriter::{Format, Workbook};

use super::i18n::Lang;
use crate::error::{Error, Result};
use crate::output;
use crate::stats::RegressionResult;

/// A named tidy table (file `NAME.csv`, sheet `NAME`).
#[derive(Clone)]
pub struct Table {
    pub name: String,
    pub df: DataFrame,
}

/// A piece of the workbook's first sheet, `overview`.
pub enum Block {
    /// A bold heading line.
    Heading(String),
    /// A line of text (a summary sentence, a note).
    Line(String),
    /// A small table with a bold header row.
    Table(DataFrame),
}

/// What an export writes.
#[derive(Default)]
pub struct Export {
    /// The workbook's first sheet for a manager: the plain-language summary, segment sizes
    /// and profit, metrics and drivers. Empty: no overview sheet.
    pub overview: Vec<Block>,
    pub tables: Vec<Table>,
    /// Written as `summary.json`.
    pub json: String,
    /// Written as `tables.tex` when present.
    pub latex: Option<String>,
    /// Further text files (relative path, content), e.g. `charts/tracking.svg`.
    pub files: Vec<(String, String)>,
    /// Language of the workbook's sheet names, headers and text cells (the CSV and JSON
    /// files keep English column names: they are an API).
    pub lang: Lang,
}

/// Whether `dir` can be written into: an existing file there is an error (it is not a
/// folder), and so is a non-empty folder without `force`. `flag` names the option in the
/// message. Called before anything is computed, so nothing is written when it fails.
pub fn check_dir(dir: &Path, force: bool, flag: &str) -> Result<()> {
    if dir.is_file() {
        return Err(Error::Usage(format!(
            "{flag} '{}' is a file; {flag} names a folder (created if missing) that receives several files. Name a folder, e.g. {flag} {}",
            dir.display(),
            dir.with_extension("").display()
        )));
    }
    if dir.exists() && !force {
        let non_empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true);
        if non_empty {
            return Err(Error::Usage(format!(
                "'{}' already exists and is not empty; use --force to write into it",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// Make `dir` ready: created if missing; an existing non-empty folder only with `force`.
pub fn prepare_dir(dir: &Path, force: bool) -> Result<()> {
    check_dir(dir, force, "the output folder")?;
    if dir.exists() {
        let non_empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true);
        if non_empty && !force {
            return Err(Error::Usage(format!(
                "'{}' already exists and is not empty; use --force to write into it",
                dir.display()
            )));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::Write {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Write every part of `export` into `dir` (each file atomically); returns the paths.
pub fn write(dir: &Path, export: &mut Export, force: bool) -> Result<Vec<PathBuf>> {
    prepare_dir(dir, force)?;
    let mut written = Vec::new();
    for t in export.tables.iter_mut() {
        let p = dir.join(format!("{}.csv", t.name));
        output::write_table(&p, &mut t.df)?;
        written.push(p);
    }
    let p = dir.join("summary.json");
    output::write_text(&p, &export.json)?;
    written.push(p);
    let p = dir.join("summary.xlsx");
    let bytes = xlsx(&export.overview, &export.tables, export.lang)?;
    output::atomic_write(&p, |f| {
        f.write_all(&bytes).map_err(|e| Error::Write {
            path: p.clone(),
            reason: e.to_string(),
        })
    })?;
    written.push(p);
    if let Some(tex) = &export.latex {
        let p = dir.join("tables.tex");
        output::write_text(&p, tex)?;
        written.push(p);
    }
    for (name, text) in &export.files {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::Write {
                path: parent.to_path_buf(),
                reason: e.to_string(),
            })?;
        }
        output::write_text(&p, text)?;
        written.push(p);
    }
    Ok(written)
}

/// The build diagnostics as a tidy table (`diagnostics.csv`): stage, what, unit, count,
/// example ids; warnings and notes included.
pub fn diagnostics_table(d: &crate::data::Diagnostics) -> Result<DataFrame> {
    let rows = d.rows();
    Ok(DataFrame::new_infer_height(vec![
        Column::new(
            "stage".into(),
            rows.iter().map(|x| x.stage.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "rule".into(),
            rows.iter().map(|x| x.rule.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "what".into(),
            rows.iter().map(|x| x.what.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "unit".into(),
            rows.iter().map(|x| x.unit.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "count".into(),
            rows.iter().map(|x| x.count).collect::<Vec<_>>(),
        ),
        Column::new(
            "examples".into(),
            rows.iter().map(|x| x.examples.as_str()).collect::<Vec<_>>(),
        ),
    ])?)
}

/// `export` with the input's diagnostics as a `diagnostics` table (`diagnostics.csv`, a
/// sheet), when anything was read, dropped, warned about or noted.
pub fn with_diagnostics(mut export: Export, d: &crate::data::Diagnostics) -> Result<Export> {
    let anything = !(d.inputs.is_empty()
        && d.warnings.is_empty()
        && d.notes.is_empty()
        && d.dropped.is_empty());
    let has = export.tables.iter().any(|t| t.name == "diagnostics");
    if anything && !has {
        export.tables.push(Table {
            name: "diagnostics".into(),
            df: diagnostics_table(d)?,
        });
    }
    Ok(export)
}

/// The export's workbook (what `--export` writes as `summary.xlsx`), for `-o FILE.xlsx`.
pub fn workbook(export: &Export) -> Result<Vec<u8>> {
    xlsx(&export.overview, &export.tables, export.lang)
}

/// One of the export's tables as CSV text (what `--export` writes as `NAME.csv`).
pub fn table_csv(export: &Export, name: &str) -> Result<String> {
    let t = export
        .tables
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| Error::Internal(format!("no table '{name}' in the export")))?;
    output::csv_text(&t.df)
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Internal(format!("xlsx: {e}"))
}

fn dt_is_date(d: &DataType) -> bool {
    matches!(d, DataType::Date)
}

/// Excel number format of a column, by its name: p-values with 4 decimals, percentages
/// with 1, counts with thousands separators, other numbers with thousands separators and
/// 4 decimals.
fn number_format(name: &str, integer: bool) -> &'static str {
    let n = name.to_lowercase();
    if n == "p" || n.starts_with("p_") || n.ends_with("_p") || n.contains("p_value") {
        "0.0000"
    } else if n.ends_with("pct") || n.ends_with('%') || n.contains("share") {
        "#,##0.0"
    } else if integer {
        "#,##0"
    } else {
        "#,##0.0000"
    }
}

/// Write `df` at (`row0`, 0) of `ws`: bold header, booleans as TRUE/FALSE, numbers as
/// numbers with formats by column; returns the next free row and the columns' widths.
fn write_df(
    ws: &mut rust_xlsxwriter::Worksheet,
    df: &DataFrame,
    row0: u32,
    widths: &mut Vec<f64>,
) -> Result<u32> {
    let bold = Format::new().set_bold().set_background_color("#EEF2FA");
    for (j, c) in df.columns().iter().enumerate() {
        let colx = j as u16;
        let name = c.name().as_str();
        ws.write_string_with_format(row0, colx, name, &bold)
            .map_err(xlsx_err)?;
        let mut width = name.chars().count() as f64;
        match c.dtype() {
            DataType::Boolean => {
                for (i, v) in c.as_materialized_series().bool()?.iter().enumerate() {
                    if let Some(v) = v {
                        ws.write_boolean(row0 + 1 + i as u32, colx, v)
                            .map_err(xlsx_err)?;
                    }
                }
                width = width.max(6.0);
            }
            DataType::Date | DataType::Datetime(_, _) => {
                // Dates as Excel dates (serial days since 1899-12-30), formatted as dates.
                let date = dt_is_date(c.dtype());
                let fmt = Format::new().set_num_format(if date {
                    "yyyy-mm-dd"
                } else {
                    "yyyy-mm-dd hh:mm"
                });
                let ms = c
                    .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?
                    .cast(&DataType::Int64)?;
                for (i, v) in ms.as_materialized_series().i64()?.iter().enumerate() {
                    if let Some(v) = v {
                        let serial = v as f64 / 86_400_000.0 + 25_569.0;
                        ws.write_number_with_format(row0 + 1 + i as u32, colx, serial, &fmt)
                            .map_err(xlsx_err)?;
                    }
                }
                width = width.max(if date { 11.0 } else { 17.0 });
            }
            dt if dt.is_primitive_numeric() => {
                let fmt = Format::new().set_num_format(number_format(name, dt.is_integer()));
                let f = c.cast(&DataType::Float64)?;
                for (i, v) in f.as_materialized_series().f64()?.iter().enumerate() {
                    if let Some(v) = v.filter(|v| v.is_finite()) {
                        ws.write_number_with_format(row0 + 1 + i as u32, colx, v, &fmt)
                            .map_err(xlsx_err)?;
                        width = width.max(super::format::thousands(v, 4).len() as f64);
                    }
                }
            }
            _ => {
                let st = c.cast(&DataType::String)?;
                for (i, v) in st.as_materialized_series().str()?.iter().enumerate() {
                    if let Some(v) = v {
                        ws.write_string(row0 + 1 + i as u32, colx, v)
                            .map_err(xlsx_err)?;
                        width = width.max(v.chars().count() as f64);
                    }
                }
            }
        }
        if widths.len() <= j {
            widths.resize(j + 1, 8.0);
        }
        widths[j] = widths[j].max((width + 2.0).min(60.0));
    }
    Ok(row0 + 1 + df.height() as u32)
}

/// A workbook: the `overview` sheet first (when there is one), then one sheet per table,
/// each with a frozen header row and columns sized to their content.
pub fn xlsx(overview: &[Block], tables: &[Table], lang: Lang) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    if !overview.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(lang, "overview"))
            .map_err(xlsx_err)?;
        let heading = Format::new().set_bold().set_font_size(13);
        let mut row = 0u32;
        let mut widths = vec![12.0];
        for b in overview {
            match b {
                Block::Heading(t) => {
                    if row > 0 {
                        row += 1;
                    }
                    ws.write_string_with_format(row, 0, lang.message(t), &heading)
                        .map_err(xlsx_err)?;
                    row += 1;
                }
                Block::Line(t) => {
                    ws.write_string(row, 0, lang.message(t)).map_err(xlsx_err)?;
                    row += 1;
                }
                Block::Table(df) => {
                    row = write_df(ws, &localize(df, lang)?, row, &mut widths)? + 1;
                }
            }
        }
        for (j, w) in widths.iter().enumerate() {
            ws.set_column_width(j as u16, *w).map_err(xlsx_err)?;
        }
    }
    for t in tables {
        let ws = wb.add_worksheet();
        // Sheet names are at most 31 characters.
        ws.set_name(sheet_name(lang, &t.name)).map_err(xlsx_err)?;
        let mut widths = Vec::new();
        write_df(ws, &localize(&t.df, lang)?, 0, &mut widths)?;
        for (j, w) in widths.iter().enumerate() {
            ws.set_column_width(j as u16, *w).map_err(xlsx_err)?;
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

/// Escape text for LaTeX.
pub fn tex_escape(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        match ch {
            '_' | '%' | '&' | '#' | '$' | '{' | '}' => {
                out.push('\\');
                out.push(ch);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '\\' => out.push_str("\\textbackslash{}"),
            _ => out.push(ch),
        }
    }
    out
}

/// A booktabs table with the models side by side: estimate with significance stars, the
/// standard error in parentheses below, then n and R² (as in journal articles).
pub fn latex_models(caption: &str, columns: &[(String, &RegressionResult)]) -> String {
    use super::format::{num, stars};
    let mut terms: Vec<String> = Vec::new();
    for (_, r) in columns {
        for t in &r.terms {
            if !terms.contains(&t.term) {
                terms.push(t.term.clone());
            }
        }
    }
    let mut s = String::new();
    s.push_str("\\begin{table}[htbp]\n\\centering\n");
    s.push_str(&format!("\\caption{{{}}}\n", tex_escape(caption)));
    s.push_str(&format!(
        "\\begin{{tabular}}{{l{}}}\n\\toprule\n",
        "c".repeat(columns.len())
    ));
    let head: Vec<String> = columns.iter().map(|(h, _)| tex_escape(h)).collect();
    s.push_str(&format!(" & {} \\\\\n\\midrule\n", head.join(" & ")));
    for term in &terms {
        let est: Vec<String> = columns
            .iter()
            .map(|(_, r)| {
                r.term(term)
                    .map(|t| {
                        format!(
                            "{}{}",
                            num(t.estimate, 4),
                            stars(t.p_value).replace('*', "$^{*}$")
                        )
                    })
                    .unwrap_or_default()
            })
            .collect();
        let se: Vec<String> = columns
            .iter()
            .map(|(_, r)| {
                r.term(term)
                    .map(|t| format!("({})", num(t.std_error, 3)))
                    .unwrap_or_default()
            })
            .collect();
        s.push_str(&format!(
            "{} & {} \\\\\n",
            tex_escape(term),
            est.join(" & ")
        ));
        s.push_str(&format!(" & {} \\\\\n", se.join(" & ")));
    }
    s.push_str("\\midrule\n");
    let n: Vec<String> = columns.iter().map(|(_, r)| r.n.to_string()).collect();
    let r2: Vec<String> = columns
        .iter()
        .map(|(_, r)| format!("{:.3}", r.r_squared))
        .collect();
    s.push_str(&format!(
        "$n$ & {} \\\\\n$R^2$ & {} \\\\\n",
        n.join(" & "),
        r2.join(" & ")
    ));
    s.push_str("\\bottomrule\n\\end{tabular}\n\n\\smallskip\n{\\footnotesize Standard errors in parentheses. $^{*}$ $p<0.05$, $^{**}$ $p<0.01$, $^{***}$ $p<0.001$.}\n\\end{table}\n\n");
    s
}

/// A sheet's name: the table's English key in every language (at most 31 characters), so
/// `pandas.read_excel(sheet_name="coefficients")` and formulas referring to sheets work on
/// a Chinese workbook too; the headers and text cells are translated.
fn sheet_name(_lang: Lang, name: &str) -> String {
    name.chars().take(31).collect()
}

/// `df` as a reader of `lang` sees it: headers from `col_NAME` in the message table, and
/// text cells (segment names, paths, verdicts, diagnostics) translated. English: unchanged.
fn localize(df: &DataFrame, lang: Lang) -> Result<DataFrame> {
    if lang == Lang::En {
        return Ok(df.clone());
    }
    let mut cols = Vec::with_capacity(df.width());
    for c in df.columns() {
        let name = c.name().as_str();
        let header = lang
            .messages()
            .get(&format!("col_{name}"))
            .cloned()
            .unwrap_or_else(|| lang.name(name));
        let col = if c.dtype() == &DataType::String {
            let values: Vec<Option<String>> = c
                .as_materialized_series()
                .str()?
                .iter()
                .map(|v| {
                    v.map(|v| match name {
                        "segment" | "segment_a" | "segment_b" | "group" => lang.name(v),
                        "path" => lang.path(v),
                        "outcome" | "term" => lang.name(v),
                        _ => lang.message(v),
                    })
                })
                .collect();
            Column::new(header.into(), values)
        } else {
            c.clone().with_name(header.into())
        };
        cols.push(col);
    }
    Ok(DataFrame::new_infer_height(cols)?)
}
