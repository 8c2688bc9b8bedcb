//! Numbers as spreadsheets write them: `$18.30`, `1,234.50`, `31.5%`, `(1,234.50)`.
//!
//! A text column that should be numeric is parsed when every non-empty cell is a plain
//! number, or when every cell has the same form: the same currency symbol (or none), a
//! percent sign on all or none, thousands separators (`1,234.50`, grouped by three) and
//! accounting negatives in parentheses anywhere. Percentages become fractions (`31.5%` is
//! 0.315). The form is said in a note; a column that mixes forms (`$18.30` next to
//! `€12`, `31.5%` next to `0.4`) is an error that shows both, and a cell that is no
//! number at all is an error naming its cell.

use polars::prelude::*;

use super::meta::Origin;
use crate::data::audit::Finding;
use crate::error::{Error, Result};

/// A cell in one of the understood forms.
const FORM: &str = r"^\(?[-+]?[$¥€£￥]?\s?[-+]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?\s?%?\)?$";
/// A number written with a decimal comma and dots between thousands (`1.234,50`).
const DECIMAL_COMMA: &str = r"^[-+]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+),[0-9]+$";

/// How a column's numbers were written, when not plainly.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberForm {
    /// The currency symbol every cell carries.
    pub currency: Option<String>,
    /// Every cell ends in `%` (values divided by 100).
    pub percent: bool,
    /// Some cells group thousands with commas.
    pub grouped: bool,
    /// A cell as written, for the note.
    pub example: String,
    /// Cells that say "not available" (`n/a`, `NA`, `#N/A`, `-`, `无`…), read as missing:
    /// each spelling with its count.
    pub not_available: Vec<(String, usize)>,
}

/// Spellings of "not available" read as a missing number (compared trimmed, in lower case).
const NOT_AVAILABLE: &[&str] = &[
    "n/a", "na", "n.a.", "#n/a", "#na", "null", "none", "nan", "missing", "-", "--", "—", ".", "?",
    "无", "缺失", "空",
];

fn not_available(t: &str) -> bool {
    let l = t.trim().to_lowercase();
    NOT_AVAILABLE.contains(&l.as_str())
}

impl NumberForm {
    /// The notes that say how the column was read.
    pub fn findings(&self, table: &str, column: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        if self.currency.is_some() || self.percent || self.grouped {
            out.push(self.form_finding(table, column));
        }
        if !self.not_available.is_empty() {
            let n = self.not_available.iter().map(|(_, n)| n).sum();
            let spellings = self
                .not_available
                .iter()
                .map(|(t, _)| format!("'{t}'"))
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Finding::new(
                "not-available-cells",
                table,
                Some(column),
                n,
                vec![],
                &[("spellings", spellings)],
            ));
        }
        out
    }

    fn form_finding(&self, table: &str, column: &str) -> Finding {
        let mut parts = Vec::new();
        let mut parts_zh = Vec::new();
        if let Some(c) = &self.currency {
            parts.push(format!("amounts with a '{c}' sign"));
            parts_zh.push(format!("带“{c}”符号的金额"));
        }
        if self.percent {
            parts.push("percentages".to_string());
            parts_zh.push("百分比".to_string());
        }
        if self.grouped {
            parts.push("thousands separated by commas".to_string());
            parts_zh.push("以逗号分隔千位".to_string());
        }
        Finding::new(
            "formatted-numbers",
            table,
            Some(column),
            0,
            vec![],
            &[
                ("form", parts.join(", ")),
                ("form_zh", parts_zh.join("、")),
                ("example", self.example.clone()),
                (
                    "scaled",
                    if self.percent {
                        " (percentages as fractions: 31.5% is 0.315)".into()
                    } else {
                        String::new()
                    },
                ),
                (
                    "scaled_zh",
                    if self.percent {
                        "（百分比按小数计：31.5% 即 0.315）".into()
                    } else {
                        String::new()
                    },
                ),
            ],
        )
    }
}

fn form_re() -> Option<&'static regex::Regex> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(FORM).ok()).as_ref()
}

/// The error for a cell that is not a number, with its location as the analyst sees it.
pub fn non_numeric(file: &str, column: &str, location: String, value: &str) -> Error {
    let decimal_comma = regex::Regex::new(DECIMAL_COMMA)
        .map(|re| re.is_match(value.trim()))
        .unwrap_or(false);
    let hint = if decimal_comma {
        "It looks like a number with a decimal comma: add decimal_comma = true to the table in the study file (--decimal-comma).".to_string()
    } else {
        "Fix or blank the cell (blank cells are reported as missing).".to_string()
    };
    Error::NonNumeric {
        file: file.to_string(),
        column: column.to_string(),
        location,
        value: value.to_string(),
        hint,
    }
}

/// One cell in an understood form: (value, currency symbol, percent, grouped).
fn cell_value(cell: &str) -> Option<(f64, Option<char>, bool, bool)> {
    let t = cell.trim();
    if !form_re()?.is_match(t) {
        return None;
    }
    let currency = t.chars().find(|c| "$¥€£￥".contains(*c));
    let percent = t.ends_with('%') || t.ends_with("%)");
    let grouped = t.contains(',');
    let negative = t.starts_with('(') && t.ends_with(')');
    let digits: String = t
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-' || *c == '+')
        .collect();
    let mut v: f64 = digits.parse().ok()?;
    if negative {
        v = -v;
    }
    if percent {
        v /= 100.0;
    }
    Some((v, currency, percent, grouped))
}

/// Parse the text column `name` as numbers (see the module docs).
pub fn parse_text(
    df: DataFrame,
    file: &str,
    name: &str,
    origin: &Origin,
) -> Result<(DataFrame, Option<NumberForm>)> {
    let cells = df.column(name)?.as_materialized_series().str()?.clone();
    let mut plain: Vec<Option<f64>> = Vec::with_capacity(cells.len());
    let mut formed = false;
    let mut na: Vec<(String, usize)> = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        let t = c.map(str::trim).filter(|t| !t.is_empty());
        match t {
            None => plain.push(None),
            Some(t) if not_available(t) => {
                match na.iter_mut().find(|(s, _)| s == t) {
                    Some(e) => e.1 += 1,
                    None => na.push((t.to_string(), 1)),
                }
                plain.push(None);
            }
            Some(t) => match t.parse::<f64>() {
                Ok(v) => plain.push(Some(v)),
                Err(_) => {
                    if cell_value(t).is_none() {
                        return Err(non_numeric(file, name, origin.cell(i, name), t));
                    }
                    formed = true;
                    plain.push(None);
                }
            },
        }
    }
    let with = |values: Vec<Option<f64>>| -> Result<DataFrame> {
        let mut out = df.clone();
        out.with_column(Column::new(name.into(), values))?;
        Ok(out)
    };
    if !formed {
        let form = (!na.is_empty()).then(|| NumberForm {
            currency: None,
            percent: false,
            grouped: false,
            example: String::new(),
            not_available: na,
        });
        return Ok((with(plain)?, form));
    }
    // Every cell in the same form: one currency (or none), percent on all or none.
    let mut values = Vec::with_capacity(cells.len());
    let mut first: Option<(usize, &str, Option<char>, bool)> = None;
    let mut grouped_any = false;
    for (i, c) in cells.iter().enumerate() {
        let Some(t) = c
            .map(str::trim)
            .filter(|t| !t.is_empty() && !not_available(t))
        else {
            values.push(None);
            continue;
        };
        let (v, cur, pct, grouped) = match cell_value(t) {
            Some(x) => x,
            None => return Err(non_numeric(file, name, origin.cell(i, name), t)),
        };
        grouped_any |= grouped;
        match first {
            None => first = Some((i, t, cur, pct)),
            Some((r0, t0, c0, p0)) if c0 != cur || p0 != pct => {
                return Err(Error::InvalidData(format!(
                    "{file}: column '{name}' mixes number forms: '{t0}' ({}) and '{t}' ({}). Write every cell in one form (the same currency, percent signs on all or none), so the numbers mean the same thing.",
                    origin.cell(r0, name),
                    origin.cell(i, name)
                )))
            }
            _ => {}
        }
        values.push(Some(v));
    }
    let (_, example, currency, percent) = first.unwrap_or((0, "", None, false));
    let form = NumberForm {
        currency: currency.map(String::from),
        percent,
        grouped: grouped_any,
        example: example.to_string(),
        not_available: na,
    };
    Ok((with(values)?, Some(form)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(cells: &[&str]) -> Result<(Vec<Option<f64>>, Option<NumberForm>)> {
        let df = df!("x" => cells.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>()).unwrap();
        let (out, form) = parse_text(df, "f.csv", "x", &Origin::Lines { first: 2 })?;
        Ok((
            out.column("x").unwrap().f64().unwrap().iter().collect(),
            form,
        ))
    }

    #[test]
    fn spreadsheet_forms_are_read_when_consistent() {
        let (v, f) = parse(&["$18.30", "$1,234.50", "($2.00)", ""]).unwrap();
        assert_eq!(v, [Some(18.3), Some(1234.5), Some(-2.0), None]);
        let f = f.unwrap();
        assert_eq!(f.currency.as_deref(), Some("$"));
        assert!(f.grouped && !f.percent);
        let (v, f) = parse(&["31.5%", "4%"]).unwrap();
        assert!((v[0].unwrap() - 0.315).abs() < 1e-15 && (v[1].unwrap() - 0.04).abs() < 1e-15);
        assert!(f.unwrap().percent);
        let (v, f) = parse(&["1,234.50", "12"]).unwrap();
        assert_eq!(v, [Some(1234.5), Some(12.0)]);
        assert!(f.unwrap().grouped);
        let (v, f) = parse(&["1.5", " 2 "]).unwrap();
        assert_eq!(v, [Some(1.5), Some(2.0)]);
        assert!(f.is_none());
    }

    #[test]
    fn mixed_or_broken_forms_are_errors_with_the_cell() {
        let e = parse(&["$18.30", "€12"]).unwrap_err().to_string();
        assert!(
            e.contains("mixes number forms") && e.contains("line 2") && e.contains("line 3"),
            "{e}"
        );
        let e = parse(&["31.5%", "0.4"]).unwrap_err().to_string();
        assert!(e.contains("mixes number forms"), "{e}");
        let e = parse(&["12", "n/a?"]).unwrap_err().to_string();
        assert!(e.contains("line 3 holds 'n/a?'"), "{e}");
        let e = parse(&["1.234,50"]).unwrap_err().to_string();
        assert!(e.contains("decimal_comma"), "{e}");
    }
}
