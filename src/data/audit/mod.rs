//! The input audit: every table an analysis reads passes through here before any number
//! is computed from it.
//!
//! The audit profiles each input and applies explicit rules (the catalogue is
//! `rules.toml`: an id, a severity and a message in English and Chinese per rule). A rule
//! that fires makes a [`Finding`] with its count and first examples, and either
//! * **stops** the command (exit 2; the message names the file, the column, the rows and
//!   the fix, and the option that relaxes the rule where one exists), or
//! * **warns**: the analysis proceeds and the finding travels into every output (the
//!   text header, the report's Data section, `diagnostics.csv`, JSON
//!   `diagnostics.warnings` and `diagnostics.audit`), or
//! * **notes** what was done to the data (codes read as missing, totals excluded, ids
//!   trimmed, categories rolled up by their most frequent value).
//!
//! The table-level checks are in [`table`] (total rows, declared and undeclared missing
//! codes, rating scales); the id policy every command shares is in [`ids`]; the checks of
//! purchase logs and model fits live with them (`data::transactions`, `analysis::clv`) and
//! report through the same [`Finding`] type.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub mod codes;
pub mod ids;
pub mod table;

pub use codes::{MissingCodes, RatingColumn};
pub use table::{audit_table, TableAudit};

/// What a finding does to the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Said once in the diagnostics (something was done to the data, as documented).
    Note,
    /// The analysis proceeds; every output carries the finding.
    Warn,
    /// The command stops with exit 2 and the fix.
    Stop,
}

/// One rule that fired on one input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's id, e.g. `non-answer-code` (README, "The input audit").
    pub rule: String,
    pub severity: Severity,
    /// The table (study name of the table, or the file) it fired on.
    pub table: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// How many rows, cells, ids or customers it concerns.
    pub count: usize,
    /// The first few of them (ids, values or rows), as the analyst sees them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    /// The message in English.
    pub message: String,
    /// The same message in Chinese.
    pub message_zh: String,
}

#[derive(Debug, Deserialize)]
struct Rule {
    severity: Severity,
    en: String,
    zh: String,
}

fn rules() -> &'static BTreeMap<String, Rule> {
    static RULES: OnceLock<BTreeMap<String, Rule>> = OnceLock::new();
    // Compiled in and tested (`every_rule_reads_in_both_languages`).
    RULES.get_or_init(|| toml::from_str(include_str!("rules.toml")).unwrap_or_default())
}

/// Every rule id with its severity, for the README and the tests.
pub fn rule_ids() -> Vec<(String, Severity)> {
    rules()
        .iter()
        .map(|(k, r)| (k.clone(), r.severity))
        .collect()
}

/// `1 row`, `3 rows` (regular plurals).
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", crate::format::thousands(n as f64, 0))
    }
}

fn fill(template: &str, args: &BTreeMap<&str, String>) -> String {
    let mut s = template.to_string();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

impl Finding {
    /// A finding of rule `rule` on `table` (and `column`), with its count, examples and the
    /// rule's own placeholders. The count also fills `{count_rows}`, `{count_cells}`,
    /// `{count_values}`, `{count_ids}`, `{count_customers}` and the agreement words
    /// `{are}`, `{were}`, `{they}`, `{it}`; the examples fill `{examples}` (quoted).
    pub fn new(
        rule: &str,
        table: &str,
        column: Option<&str>,
        count: usize,
        examples: Vec<String>,
        args: &[(&str, String)],
    ) -> Finding {
        let Some(r) = rules().get(rule) else {
            // Only reachable from a typo in the code; the tests name every rule they fire.
            return Finding {
                rule: rule.to_string(),
                severity: Severity::Warn,
                table: table.to_string(),
                column: column.map(str::to_string),
                count,
                examples,
                message: format!("{table}: {rule}"),
                message_zh: format!("{table}: {rule}"),
            };
        };
        let one = count == 1;
        let mut a: BTreeMap<&str, String> = BTreeMap::new();
        a.insert("table", table.to_string());
        a.insert("column", column.unwrap_or("").to_string());
        a.insert("count", crate::format::thousands(count as f64, 0));
        for noun in ["row", "cell", "value", "id", "customer"] {
            let key: &'static str = match noun {
                "row" => "count_rows",
                "cell" => "count_cells",
                "value" => "count_values",
                "id" => "count_ids",
                _ => "count_customers",
            };
            a.insert(key, counted(count, noun));
        }
        a.insert("are", if one { "is" } else { "are" }.into());
        a.insert("were", if one { "was" } else { "were" }.into());
        a.insert("they", if one { "it" } else { "they" }.into());
        a.insert("it", if one { "it" } else { "them" }.into());
        a.insert(
            "examples",
            examples
                .iter()
                .map(|e| format!("'{e}'"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        for (k, v) in args {
            a.insert(k, v.clone());
        }
        Finding {
            rule: rule.to_string(),
            severity: r.severity,
            table: table.to_string(),
            column: column.map(str::to_string),
            count,
            examples,
            message: fill(&r.en, &a),
            message_zh: fill(&r.zh, &a),
        }
    }

    /// The error a stopping finding becomes (exit 2, its message).
    pub fn into_error(self) -> Error {
        Error::Audit {
            rule: self.rule,
            message: self.message,
        }
    }
}

/// A table a command analyses directly (`--data`), read and audited.
pub struct Audited {
    pub table: crate::data::load::Table,
    /// What was read and what the audit found (warnings and notes, with their findings).
    pub diagnostics: crate::data::Diagnostics,
}

/// Read `path` and audit it (see [`table`]): the id column (when `ctx.id` names one) under
/// the id policy, numeric columns `numeric` made numbers (spreadsheet forms noted, cells that
/// are no number named by cell), total rows, missing codes, non-answer codes and rating
/// scales. A stopping finding is the error; the rest are in the diagnostics.
pub fn read(
    path: &std::path::Path,
    opts: &crate::data::load::ReadOptions,
    mut ctx: TableAudit,
    numeric: &[String],
) -> Result<Audited> {
    use crate::data::diagnostics::{Diagnostics, InputReport};
    use crate::data::load;
    let file = path.display().to_string();
    let mut opts = opts.clone();
    if let Some(id) = &ctx.id {
        opts.text_columns.push(id.clone());
    }
    let load::Table { df, meta } = load::read_table(path, &opts)?;
    let mut diag = Diagnostics {
        study: file.clone(),
        ..Default::default()
    };
    diag.inputs.push(InputReport {
        name: ctx.table.clone(),
        path: file.clone(),
        level: if ctx.survey { "respondent" } else { "customer" }.into(),
        rows_read: df.height(),
        customers: 0,
        customers_kept: 0,
        declared_missing: meta
            .declared_missing()
            .into_iter()
            .map(
                |(column, codes, count)| crate::data::diagnostics::DeclaredMissing {
                    column,
                    codes,
                    count,
                },
            )
            .collect(),
    });
    for (column, codes, count) in meta.declared_missing() {
        diag.notes.push(format!(
            "table '{}': {count} cell{} of '{column}' held a declared missing code ({codes}) and {} read as missing",
            ctx.table,
            if count == 1 { "" } else { "s" },
            if count == 1 { "was" } else { "were" },
        ));
    }
    let mut df = df;
    if let Some(id) = ctx.id.clone() {
        load::require_column(&df, &file, &id)?;
        let (out, notes) = ids::normalize(df, &id, &ctx.table)?;
        df = out;
        for f in notes {
            diag.add(f);
        }
    }
    for c in numeric {
        if df.schema().contains(c) {
            let (out, form) = load::numeric_column(df, &file, c, &meta.origin)?;
            df = out;
            if let Some(f) = form {
                for x in f.findings(&ctx.table, c) {
                    diag.add(x);
                }
            }
        }
    }
    ctx.file = file;
    ctx.ratings.retain(|r| df.schema().contains(&r.column));
    let (df, findings) = audit_table(df, &meta, &ctx)?;
    stop_on(&findings)?;
    for f in findings {
        diag.add(f);
    }
    Ok(Audited {
        table: load::Table { df, meta },
        diagnostics: diag,
    })
}

/// |e| (polars' `abs` is a feature this build does not switch on).
pub(crate) fn abs(e: polars::prelude::Expr) -> polars::prelude::Expr {
    use polars::prelude::*;
    when(e.clone().lt(lit(0.0)))
        .then(lit(0.0) - e.clone())
        .otherwise(e)
}

/// The first stopping finding as an error; the others pass.
pub fn stop_on(findings: &[Finding]) -> Result<()> {
    match findings.iter().find(|f| f.severity == Severity::Stop) {
        Some(f) => Err(f.clone().into_error()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule has a severity and both messages, and the two messages use the same
    /// placeholders (so no number is said in one language and lost in the other).
    #[test]
    fn every_rule_reads_in_both_languages() {
        let rules = rules();
        assert!(rules.len() >= 10, "rules.toml did not parse");
        let holes = |s: &str| -> std::collections::BTreeSet<String> {
            s.split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(k, _)| k.to_string()))
                // Count phrases and English agreement words have one Chinese form.
                .map(|k| {
                    if k.starts_with("count") {
                        "count".to_string()
                    } else {
                        k.trim_end_matches("_zh").to_string()
                    }
                })
                .filter(|k| !["are", "were", "they", "it", "repeat", "kind"].contains(&k.as_str()))
                .collect()
        };
        for (id, r) in rules {
            assert!(!r.en.is_empty() && !r.zh.is_empty(), "{id}");
            assert_eq!(holes(&r.en), holes(&r.zh), "{id}: placeholders differ");
        }
    }

    #[test]
    fn a_finding_fills_counts_and_examples() {
        let f = Finding::new(
            "total-row",
            "accounts",
            None,
            2,
            vec!["Total".into()],
            &[("what", "labelled Total".into())],
        );
        assert_eq!(f.severity, Severity::Warn);
        assert!(
            f.message.contains("2 rows excluded as totals"),
            "{}",
            f.message
        );
        assert!(f.message_zh.contains("2 行为合计行"), "{}", f.message_zh);
        let one = Finding::new("total-row", "a", None, 1, vec![], &[("what", "x".into())]);
        assert!(one.message.contains("1 row excluded"), "{}", one.message);
    }
}
