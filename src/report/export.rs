//! The one writer of exports: tidy CSV tables, a JSON summary, an Excel workbook with a
//! sheet per table (numbers as numbers, bold header) and booktabs LaTeX tables. Every
//! analysis command's `--export DIR` and `report` go through [`write`].

use std::io::Write as _;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rust_xlsxwriter::{Format, Workbook};

use crate::error::{Error, Result};
use crate::output;
use crate::stats::RegressionResult;

/// A named tidy table (file `NAME.csv`, sheet `NAME`).
pub struct Table {
    pub name: String,
    pub df: DataFrame,
}

/// What an export writes.
pub struct Export {
    pub tables: Vec<Table>,
    /// Written as `summary.json`.
    pub json: String,
    /// Written as `tables.tex` when present.
    pub latex: Option<String>,
}

/// Make `dir` ready: created if missing; an existing non-empty folder only with `force`.
pub fn prepare_dir(dir: &Path, force: bool) -> Result<()> {
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
    let bytes = xlsx(&export.tables)?;
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
    Ok(written)
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Internal(format!("xlsx: {e}"))
}

/// A workbook with one sheet per table.
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for t in tables {
        let ws = wb.add_worksheet();
        // Sheet names are at most 31 characters.
        ws.set_name(t.name.chars().take(31).collect::<String>())
            .map_err(xlsx_err)?;
        for (j, c) in t.df.columns().iter().enumerate() {
            let col = j as u16;
            ws.write_string_with_format(0, col, c.name().as_str(), &bold)
                .map_err(xlsx_err)?;
            ws.set_column_width(col, (c.name().len() as f64 + 2.0).max(12.0))
                .map_err(xlsx_err)?;
            if c.dtype().is_primitive_numeric() {
                let f = c.cast(&DataType::Float64)?;
                for (i, v) in f.as_materialized_series().f64()?.iter().enumerate() {
                    if let Some(v) = v.filter(|v| v.is_finite()) {
                        ws.write_number(i as u32 + 1, col, v).map_err(xlsx_err)?;
                    }
                }
            } else {
                let s = c.cast(&DataType::String)?;
                for (i, v) in s.as_materialized_series().str()?.iter().enumerate() {
                    if let Some(v) = v {
                        ws.write_string(i as u32 + 1, col, v).map_err(xlsx_err)?;
                    }
                }
            }
        }
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
