//! Survey codes: declared missing codes, non-answer codes and rating scales (steps 2-4 of
//! the table audit, see [`super::table`]).
//!
//! A code is a non-answer when its value label says so (refused, don't know, not
//! applicable, 拒答, 不知道, 不适用…) or, in a rating, when it is an unlabelled typical
//! sentinel (9, 99, 999, 98, 97, −1, −9, −99…) beyond the range of the other codes. A
//! rating's scale is the declared one or, failing that, the range of its labelled codes
//! that are not non-answers.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::table::{matching, TableAudit};
use super::Finding;
use crate::data::load::meta::code_text;
use crate::data::load::TableMeta;
use crate::error::Result;

/// Value-label text that marks a code as a non-answer (lower case, matched as a part).
const NON_ANSWER_LABELS: &[&str] = &[
    "refus",
    "don't know",
    "don’t know",
    "dont know",
    "do not know",
    "not know",
    "not applicable",
    "n/a",
    "no answer",
    "not answered",
    "no response",
    "prefer not",
    "declined",
    "not stated",
    "missing",
    "unknown",
    "can't say",
    "cannot say",
    "拒答",
    "拒绝",
    "不知道",
    "不适用",
    "不清楚",
    "无法回答",
    "未回答",
    "不愿",
    "说不清",
    "缺失",
    "无回答",
];

/// Typical codes for a non-answer in a rating, when no label says so.
const SENTINELS: &[f64] = &[
    9.0, 99.0, 999.0, 9999.0, 98.0, 998.0, 97.0, 997.0, -1.0, -9.0, -99.0, -999.0,
];

/// Whether a value label reads as a non-answer.
pub fn is_non_answer_label(label: &str) -> bool {
    let l = label.trim().to_lowercase();
    l == "dk" || l == "na" || l == "n.a." || NON_ANSWER_LABELS.iter().any(|p| l.contains(p))
}

/// Codes read as missing: for every survey column, or per column.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MissingCodes {
    #[default]
    #[serde(skip)]
    None,
    /// `missing_codes = [98, 99]`: in every survey column.
    All(Vec<f64>),
    /// `missing_codes = { satisfaction = [99] }`: per column.
    ByColumn(BTreeMap<String, Vec<f64>>),
}

impl MissingCodes {
    /// Parse the flag form: `99`, `98,99`, or `satisfaction=99,q4=9` (repeatable).
    pub fn parse_flags(values: &[String]) -> Result<MissingCodes> {
        let mut all = Vec::new();
        let mut by: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for v in values.iter().flat_map(|v| v.split(',')) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let (column, code) = match v.split_once('=') {
                Some((c, x)) => (Some(c.trim()), x.trim()),
                None => (None, v),
            };
            let code: f64 = code.parse().map_err(|_| {
                crate::Error::Usage(format!(
                    "--missing-codes '{v}': give codes as numbers (99 or 98,99) or per column (satisfaction=99)"
                ))
            })?;
            match column {
                Some(c) => by.entry(c.to_string()).or_default().push(code),
                None => all.push(code),
            }
        }
        Ok(match (all.is_empty(), by.is_empty()) {
            (true, true) => MissingCodes::None,
            (false, true) => MissingCodes::All(all),
            (true, false) => MissingCodes::ByColumn(by),
            (false, false) => {
                return Err(crate::Error::Usage(
                    "--missing-codes: give either codes for every survey column (99) or codes per column (satisfaction=99), not both".into(),
                ))
            }
        })
    }

    /// Merge flags into the study's codes (flags add to them).
    pub fn merge(&mut self, other: MissingCodes) {
        *self = match (std::mem::take(self), other) {
            (a, MissingCodes::None) => a,
            (MissingCodes::None, b) => b,
            (MissingCodes::All(mut a), MissingCodes::All(b)) => {
                a.extend(b);
                MissingCodes::All(a)
            }
            (MissingCodes::ByColumn(mut a), MissingCodes::ByColumn(b)) => {
                for (k, v) in b {
                    a.entry(k).or_default().extend(v);
                }
                MissingCodes::ByColumn(a)
            }
            (_, b) => b,
        }
    }

    pub(crate) fn codes(&self, column: &str, survey_column: bool) -> Vec<f64> {
        match self {
            MissingCodes::None => vec![],
            MissingCodes::All(v) if survey_column => v.clone(),
            MissingCodes::All(_) => vec![],
            MissingCodes::ByColumn(m) => m.get(column).cloned().unwrap_or_default(),
        }
    }

    /// Whether any code is declared.
    pub fn is_empty(&self) -> bool {
        match self {
            MissingCodes::None => true,
            MissingCodes::All(v) => v.is_empty(),
            MissingCodes::ByColumn(m) => m.values().all(Vec::is_empty),
        }
    }
}

/// A column the analysis models as a rating or a measure, with what the audit knows of it.
#[derive(Debug, Clone)]
pub struct RatingColumn {
    pub column: String,
    /// Its role in words: `satisfaction`, `attribute rating`, `recommend item`, `effort
    /// item`, `item`, `covariate`.
    pub role: &'static str,
    /// The declared scale, if any.
    pub scale: Option<[f64; 2]>,
    /// A rating: unlabelled sentinels are checked and the labels' scale applies.
    /// Covariates and moderators are checked for labelled non-answers only.
    pub rating: bool,
}

impl RatingColumn {
    /// A rating column with its role and declared scale.
    pub fn rating(column: &str, role: &'static str, scale: Option<[f64; 2]>) -> Self {
        RatingColumn {
            column: column.to_string(),
            role,
            scale,
            rating: true,
        }
    }
}

/// Survey columns: rating roles, labelled columns, numeric columns of survey tables.
fn survey_column(name: &str, meta: &TableMeta, ctx: &TableAudit) -> bool {
    ctx.ratings.iter().any(|r| r.column == name)
        || !meta.value_labels(name).is_empty()
        || (ctx.survey && Some(name) != ctx.id.as_deref() && !ctx.skip.iter().any(|s| s == name))
}

pub(super) fn apply_missing_codes(
    df: DataFrame,
    meta: &TableMeta,
    ctx: &TableAudit,
    findings: &mut Vec<Finding>,
) -> Result<DataFrame> {
    if ctx.missing_codes.is_empty() {
        return Ok(df);
    }
    let mut exprs = Vec::new();
    let mut counts = Vec::new();
    for (name, dtype) in df.schema().iter() {
        let name = name.as_str();
        if name == "__row" || !dtype.is_primitive_numeric() {
            continue;
        }
        let codes = ctx
            .missing_codes
            .codes(name, survey_column(name, meta, ctx));
        if codes.is_empty() {
            continue;
        }
        let hit = codes.iter().fold(lit(false), |acc, c| {
            acc.or(col(name).cast(DataType::Float64).eq(lit(*c)))
        });
        counts.push((name.to_string(), codes, hit.clone()));
        exprs.push(
            when(hit.fill_null(lit(false)))
                .then(lit(NULL).cast(DataType::Float64))
                .otherwise(col(name).cast(DataType::Float64))
                .alias(name),
        );
    }
    if counts.is_empty() {
        return Ok(df);
    }
    let tally = df
        .clone()
        .lazy()
        .select(
            counts
                .iter()
                .map(|(n, _, hit)| hit.clone().sum().cast(DataType::UInt64).alias(n.as_str()))
                .collect::<Vec<_>>(),
        )
        .collect()?;
    for (name, codes, _) in &counts {
        let n = tally.column(name)?.get(0)?.extract::<u64>().unwrap_or(0) as usize;
        if n > 0 {
            let codes = codes
                .iter()
                .map(|c| code_text(*c))
                .collect::<Vec<_>>()
                .join(", ");
            findings.push(Finding::new(
                "missing-codes",
                &ctx.table,
                Some(name),
                n,
                vec![],
                &[("codes", codes)],
            ));
        }
    }
    Ok(df.lazy().with_columns(exprs).collect()?)
}

/// Distinct values of a numeric column with their counts, in value order.
fn value_counts(df: &DataFrame, column: &str) -> Result<Vec<(f64, usize)>> {
    let g = df
        .clone()
        .lazy()
        .select([col(column).cast(DataType::Float64).alias("v")])
        .filter(col("v").is_not_null().and(col("v").is_finite()))
        .group_by([col("v")])
        .agg([len().cast(DataType::UInt64).alias("n")])
        .sort(["v"], Default::default())
        .collect()?;
    let v = g.column("v")?.f64()?.clone();
    let n = g.column("n")?.u64()?.clone();
    Ok(v.iter()
        .zip(n.iter())
        .filter_map(|(v, n)| Some((v?, n? as usize)))
        .collect())
}

/// Whether a column's values look like a rating: whole numbers, at most 101 of them.
fn looks_like_rating(values: &[(f64, usize)]) -> bool {
    values.len() <= 101 && values.iter().all(|(v, _)| v.fract() == 0.0)
}

/// The sentinel codes of a rating: typical codes beyond the other codes' range by more
/// than one step (9 next to 1–5 or 1–7, 99 next to 0–10; not 9 next to 1–8), or negative
/// ones next to non-negative codes.
fn sentinels(values: &[(f64, usize)]) -> Vec<f64> {
    let others: Vec<f64> = values
        .iter()
        .map(|(v, _)| *v)
        .filter(|v| !SENTINELS.contains(v))
        .collect();
    let (Some(lo), Some(hi)) = (
        others.iter().copied().reduce(f64::min),
        others.iter().copied().reduce(f64::max),
    ) else {
        return vec![];
    };
    values
        .iter()
        .map(|(v, _)| *v)
        .filter(|v| SENTINELS.contains(v) && ((*v > hi + 1.0) || (*v < 0.0 && lo >= 0.0)))
        .collect()
}

/// The scale the value labels describe: from the lowest to the highest labelled code that
/// is not a non-answer, when at least two are labelled.
fn labelled_scale(labels: &[(f64, String)]) -> Option<[f64; 2]> {
    let codes: Vec<f64> = labels
        .iter()
        .filter(|(_, l)| !is_non_answer_label(l))
        .map(|(c, _)| *c)
        .collect();
    (codes.len() >= 2).then(|| {
        [
            codes.iter().copied().fold(f64::INFINITY, f64::min),
            codes.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ]
    })
}

fn scale_text(s: [f64; 2]) -> String {
    format!("{}–{}", code_text(s[0]), code_text(s[1]))
}

fn role_zh(role: &str) -> &'static str {
    match role {
        "satisfaction" => "客户满意度",
        "attribute rating" => "属性评分",
        "recommend item" => "推荐意愿题",
        "effort item" => "客户努力题",
        "covariate" => "协变量",
        "moderator" => "调节变量",
        "item" => "测量题项",
        "rating" => "评分",
        _ => "变量",
    }
}

pub(super) fn check_rating(
    df: &DataFrame,
    meta: &TableMeta,
    ctx: &TableAudit,
    r: &RatingColumn,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let name = r.column.as_str();
    let values = value_counts(df, name)?;
    let labels = meta.value_labels(name);
    // Codes labelled as non-answers, and (ratings) unlabelled sentinels.
    let mut codes: Vec<(f64, Option<String>)> = labels
        .iter()
        .filter(|(c, l)| is_non_answer_label(l) && values.iter().any(|(v, _)| v == c))
        .map(|(c, l)| (*c, Some(l.clone())))
        .collect();
    if r.rating && looks_like_rating(&values) {
        for s in sentinels(&values) {
            if !codes.iter().any(|(c, _)| *c == s)
                && !labels.iter().any(|(c, _)| *c == s)
                && r.scale.is_none_or(|[lo, hi]| s < lo || s > hi)
            {
                codes.push((s, None));
            }
        }
    }
    let code_list: Vec<f64> = codes.iter().map(|(c, _)| *c).collect();
    if !codes.is_empty() {
        let n: usize = values
            .iter()
            .filter(|(v, _)| code_list.contains(v))
            .map(|(_, n)| n)
            .sum();
        let shown: Vec<String> = codes
            .iter()
            .map(|(c, l)| match l {
                Some(l) => format!("{} (\"{l}\")", code_text(*c)),
                None => code_text(*c),
            })
            .collect();
        let labelled = codes.iter().all(|(_, l)| l.is_some());
        let list = code_list.iter().map(|c| code_text(*c)).collect::<Vec<_>>();
        let meaning = if labelled {
            "codes for a non-answer"
        } else {
            "typical codes for a non-answer (no label says what they mean), far beyond the other codes"
        };
        let meaning_zh = if labelled {
            "表示未作答的代码"
        } else {
            "典型的未作答代码（没有值标签说明其含义），远超出其他代码的范围"
        };
        let rule = if ctx.allow_out_of_range {
            "non-answer-code-kept"
        } else {
            "non-answer-code"
        };
        findings.push(Finding::new(
            rule,
            &ctx.table,
            Some(name),
            n,
            list.clone(),
            &[
                ("codes", shown.join(", ")),
                ("meaning", meaning.into()),
                ("meaning_zh", meaning_zh.into()),
                ("role", format!("a {} value", r.role)),
                ("role_zh", format!("{}的取值", role_zh(r.role))),
                ("list", list.join(", ")),
                ("flag", list.join(",")),
                (
                    "allow",
                    ", or keep them with allow_out_of_range = true (--allow-out-of-range)".into(),
                ),
                (
                    "allow_zh",
                    "；或设置 allow_out_of_range = true（--allow-out-of-range）保留这些值".into(),
                ),
            ],
        ));
    }
    // The scale: declared, else the labels'.
    if !r.rating {
        return Ok(());
    }
    let (scale, basis, _) = match (r.scale, labelled_scale(labels)) {
        (Some(s), _) => (s, "declared", "声明的"),
        (None, Some(s)) => (s, "labelled", "值标签所示的"),
        (None, None) => return Ok(()),
    };
    let [lo, hi] = scale;
    let outside = col(name)
        .cast(DataType::Float64)
        .lt(lit(lo))
        .or(col(name).cast(DataType::Float64).gt(lit(hi)));
    let not_reported = code_list.iter().fold(lit(true), |a, c| {
        a.and(col(name).cast(DataType::Float64).neq(lit(*c)))
    });
    let (n, first) = matching(df, outside.and(not_reported), name)?;
    if n == 0 {
        if basis == "labelled" && !values.is_empty() {
            findings.push(Finding::new(
                "scale-from-labels",
                &ctx.table,
                Some(name),
                0,
                vec![],
                &[("scale", scale_text(scale))],
            ));
        }
        return Ok(());
    }
    let examples: Vec<String> = first
        .iter()
        .map(|(row, v)| format!("{} at {}", code_text(*v), meta.origin.cell(*row, name)))
        .collect();
    findings.push(out_of_scale(
        &ctx.table,
        name,
        r.role,
        scale,
        basis,
        ctx.allow_out_of_range,
        n,
        examples,
    ));
    Ok(())
}

/// The finding for `n` values of rating column `name` (its `role` in words) outside its
/// scale (`basis`: "declared" or "labelled"), with the first few as `examples` ("11 at line
/// 5"); a stop unless `allow_out_of_range` keeps them.
#[allow(clippy::too_many_arguments)]
pub(crate) fn out_of_scale(
    table: &str,
    name: &str,
    role: &'static str,
    scale: [f64; 2],
    basis: &str,
    allow_out_of_range: bool,
    n: usize,
    examples: Vec<String>,
) -> Finding {
    let basis_zh = if basis == "declared" {
        "声明的"
    } else {
        "值标签所示的"
    };
    let (fix, fix_zh) = if basis == "declared" {
        (
            "Check the column (a code for a non-answer? a different scale?): declare non-answer codes with missing_codes = [..] in [options] (--missing-codes), correct the declared scale, or keep the values with allow_out_of_range = true (--allow-out-of-range).",
            "请检查该列（是否为未作答代码？量表是否不同？）：用 [options] 中的 missing_codes = [..]（--missing-codes）声明未作答代码，更正声明的量表，或设置 allow_out_of_range = true（--allow-out-of-range）保留这些值。",
        )
    } else {
        (
            "Check the column: declare non-answer codes with missing_codes = [..] in [options] (--missing-codes), declare the scale (satisfaction_scale = [low, high]), or keep the values with allow_out_of_range = true (--allow-out-of-range).",
            "请检查该列：用 [options] 中的 missing_codes = [..]（--missing-codes）声明未作答代码，声明量表（satisfaction_scale = [low, high]），或设置 allow_out_of_range = true（--allow-out-of-range）保留这些值。",
        )
    };
    let rule = if allow_out_of_range {
        "out-of-scale-kept"
    } else {
        "out-of-scale"
    };
    Finding::new(
        rule,
        table,
        Some(name),
        n,
        examples,
        &[
            ("role", role.to_string()),
            ("role_zh", role_zh(role).to_string()),
            ("basis", basis.into()),
            ("basis_zh", basis_zh.into()),
            ("scale", scale_text(scale)),
            ("fix", fix.into()),
            ("fix_zh", fix_zh.into()),
        ],
    )
}

/// Other labelled columns holding non-answer codes: a warning (they would be averaged).
pub(super) fn check_labelled_columns(
    df: &DataFrame,
    meta: &TableMeta,
    ctx: &TableAudit,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    for (name, cm) in &meta.columns {
        if ctx.ratings.iter().any(|r| &r.column == name)
            || !df
                .schema()
                .get(name)
                .is_some_and(|t| t.is_primitive_numeric())
        {
            continue;
        }
        let codes: Vec<(f64, String)> = cm
            .value_labels
            .iter()
            .filter(|(_, l)| is_non_answer_label(l))
            .cloned()
            .collect();
        if codes.is_empty() {
            continue;
        }
        let values = value_counts(df, name)?;
        let present: Vec<&(f64, String)> = codes
            .iter()
            .filter(|(c, _)| values.iter().any(|(v, _)| v == c))
            .collect();
        if present.is_empty() {
            continue;
        }
        let n: usize = values
            .iter()
            .filter(|(v, _)| present.iter().any(|(c, _)| c == v))
            .map(|(_, n)| n)
            .sum();
        let list: Vec<String> = present.iter().map(|(c, _)| code_text(*c)).collect();
        let shown: Vec<String> = present
            .iter()
            .map(|(c, l)| format!("{} (\"{l}\")", code_text(*c)))
            .collect();
        findings.push(Finding::new(
            "non-answer-code-kept",
            &ctx.table,
            Some(name),
            n,
            list.clone(),
            &[
                ("codes", shown.join(", ")),
                ("meaning", "codes for a non-answer".into()),
                ("meaning_zh", "表示未作答的代码".into()),
                ("list", list.join(", ")),
            ],
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentinels_are_codes_beyond_the_others() {
        let v = |xs: &[f64]| xs.iter().map(|x| (*x, 1)).collect::<Vec<_>>();
        assert_eq!(sentinels(&v(&[1.0, 2.0, 5.0, 9.0])), vec![9.0]);
        assert_eq!(sentinels(&v(&[1.0, 7.0, 9.0])), vec![9.0]);
        assert!(sentinels(&v(&[1.0, 8.0, 9.0])).is_empty());
        assert_eq!(sentinels(&v(&[-1.0, 0.0, 10.0, 99.0])), vec![-1.0, 99.0]);
        assert!(sentinels(&v(&[1.0, 10.0])).is_empty());
    }

    #[test]
    fn non_answer_labels_in_both_languages() {
        for l in [
            "Refused",
            "Don't know",
            "DK",
            "Not applicable",
            "拒答",
            "不知道",
            "不适用",
        ] {
            assert!(is_non_answer_label(l), "{l}");
        }
        for l in ["Very satisfied", "North", "Online", "非常满意"] {
            assert!(!is_non_answer_label(l), "{l}");
        }
    }

    #[test]
    fn labelled_scale_leaves_out_non_answers() {
        let labels = vec![
            (1.0, "Very dissatisfied".to_string()),
            (10.0, "Very satisfied".to_string()),
            (99.0, "Refused".to_string()),
        ];
        assert_eq!(labelled_scale(&labels), Some([1.0, 10.0]));
        assert_eq!(labelled_scale(&labels[2..]), None);
    }
}
