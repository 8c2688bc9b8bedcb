//! Renderings of regression results: statsmodels-style text, Markdown, tidy CSV.

use std::fmt::Write;

use polars::prelude::*;

use super::format::{num, pvalue};
use crate::analysis::regress::RegressOutput;
use crate::error::{Error, Result};
use crate::stats::RegressionResult;

/// A statsmodels-like summary table of one model.
pub fn text(r: &RegressionResult) -> String {
    let mut s = String::new();
    let rule = "=".repeat(86);
    let thin = "-".repeat(86);
    let _ = writeln!(s, "{rule}");
    let _ = writeln!(s, "OLS regression — {}   [group: {}]", r.formula, r.group);
    let _ = writeln!(s, "{rule}");
    let rows = [
        (
            "Dep. variable:",
            r.outcome.clone(),
            "R-squared:",
            num(r.r_squared, 4),
        ),
        (
            "No. observations:",
            r.n.to_string(),
            "Adj. R-squared:",
            num(r.adj_r_squared, 4),
        ),
        (
            "Df residuals:",
            super::format::fixed(r.df_resid, 0),
            "F-statistic:",
            num(r.f_statistic, 4),
        ),
        (
            "Df model:",
            super::format::fixed(r.df_model, 0),
            "Prob (F-statistic):",
            pvalue(r.f_pvalue),
        ),
        (
            "Covariance type:",
            r.se_type.clone(),
            "Log-likelihood:",
            num(r.log_likelihood, 6),
        ),
        (
            "Residual std. error:",
            num(r.residual_std_error, 4),
            "AIC:",
            num(r.aic, 6),
        ),
        (
            "Condition number:",
            num(r.condition_number, 4),
            "BIC:",
            num(r.bic, 6),
        ),
    ];
    for (a, b, c, d) in rows {
        let _ = writeln!(s, "{a:<22}{b:>20}     {c:<22}{d:>17}");
    }
    let _ = writeln!(s, "{thin}");
    let half = (1.0 - r.confidence) / 2.0;
    let w = r
        .terms
        .iter()
        .map(|t| t.term.len())
        .max()
        .unwrap_or(9)
        .max(9);
    let _ = writeln!(
        s,
        "{:<w$} {:>11} {:>10} {:>8} {:>8} {:>11} {:>11} {:>7}",
        "",
        "coef",
        "std err",
        r.stat_label(),
        r.p_label(),
        format!("[{half:.3}"),
        format!("{:.3}]", 1.0 - half),
        "beta"
    );
    for t in &r.terms {
        let _ = writeln!(
            s,
            "{:<w$} {:>11} {:>10} {:>8} {:>8} {:>11} {:>11} {:>7}",
            t.term,
            num(t.estimate, 5),
            num(t.std_error, 4),
            super::format::fixed(t.statistic, 3),
            pvalue(t.p_value),
            num(t.ci_low, 5),
            num(t.ci_high, 5),
            t.beta
                .map(|b| super::format::fixed(b, 3))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(s, "{thin}");
    let d = &r.diagnostics;
    let _ = writeln!(
        s,
        "Breusch-Pagan LM: {} (p = {})   Jarque-Bera: {} (p = {})   Durbin-Watson: {}",
        num(d.breusch_pagan.statistic, 4),
        pvalue(d.breusch_pagan.p_value),
        num(d.jarque_bera.statistic, 4),
        pvalue(d.jarque_bera.p_value),
        super::format::fixed(d.durbin_watson, 3)
    );
    let _ = writeln!(
        s,
        "Skew: {}   Kurtosis: {}",
        super::format::fixed(d.skew, 3),
        super::format::fixed(d.kurtosis, 3)
    );
    if !d.vif.is_empty() {
        let v: Vec<String> = d
            .vif
            .iter()
            .map(|(n, v)| format!("{n} {}", num(*v, 3)))
            .collect();
        let _ = writeln!(s, "VIF: {}", v.join(", "));
    }
    if !d.influential.is_empty() {
        let v: Vec<String> = d
            .influential
            .iter()
            .map(|i| {
                format!(
                    "{} (D = {}, h = {})",
                    i.row,
                    num(i.cooks_distance, 3),
                    num(i.leverage, 3)
                )
            })
            .collect();
        let _ = writeln!(s, "Most influential rows (Cook's D): {}", v.join(", "));
    }
    for dr in &r.rows_dropped {
        let _ = writeln!(
            s,
            "Dropped {} with missing or non-finite '{}'",
            super::text::count(dr.rows, "row"),
            dr.column
        );
    }
    for wmsg in &r.warnings {
        let _ = writeln!(s, "Warning: {wmsg}");
    }
    if r.solver != "householder-qr" {
        let _ = writeln!(s, "Solver: {}", r.solver);
    }
    let _ = writeln!(s, "{rule}");
    s
}

/// Markdown: a header line and a coefficient table per model.
pub fn markdown(out: &RegressOutput) -> String {
    let mut s = String::new();
    for r in &out.models {
        let _ = writeln!(s, "### `{}` — group: {}\n", r.formula, r.group);
        let _ = writeln!(
            s,
            "n = {}, R² = {}, adj. R² = {}, F = {} (p {}), SE: {}\n",
            r.n,
            num(r.r_squared, 4),
            num(r.adj_r_squared, 4),
            num(r.f_statistic, 4),
            pvalue(r.f_pvalue),
            r.se_type
        );
        let _ = writeln!(
            s,
            "| term | estimate | std. error | {} | {} | CI low | CI high | beta |",
            r.stat_label(),
            r.p_label()
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|");
        for t in &r.terms {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                t.term,
                num(t.estimate, 5),
                num(t.std_error, 4),
                super::format::fixed(t.statistic, 3),
                pvalue(t.p_value),
                num(t.ci_low, 5),
                num(t.ci_high, 5),
                t.beta
                    .map(|b| super::format::fixed(b, 3))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(s);
    }
    s
}

/// One tidy row per (group, term), full precision, as a polars table.
pub fn tidy(out: &RegressOutput) -> Result<DataFrame> {
    let models: Vec<(&str, Option<&str>, &RegressionResult)> = out
        .models
        .iter()
        .map(|m| (m.group.as_str(), None, m))
        .collect();
    coefficient_table("group", &models)
}

/// Tidy coefficients of several models: a label column named `label` (group or segment),
/// a `model` column when any model has an id, then outcome, term and the inference.
pub fn coefficient_table(
    label: &str,
    models: &[(&str, Option<&str>, &RegressionResult)],
) -> Result<DataFrame> {
    let rows: Vec<(
        &str,
        Option<&str>,
        &RegressionResult,
        &crate::stats::regression::TermResult,
    )> = models
        .iter()
        .flat_map(|(l, id, r)| r.terms.iter().map(move |t| (*l, *id, *r, t)))
        .collect();
    let num = |f: fn(&crate::stats::regression::TermResult) -> f64| {
        rows.iter().map(|x| f(x.3)).collect::<Vec<f64>>()
    };
    let mut cols = vec![Column::new(
        label.into(),
        rows.iter().map(|x| x.0).collect::<Vec<_>>(),
    )];
    if models.iter().any(|m| m.1.is_some()) {
        cols.push(Column::new(
            "model".into(),
            rows.iter().map(|x| x.1.unwrap_or("")).collect::<Vec<_>>(),
        ));
    }
    cols.extend([
        Column::new(
            "outcome".into(),
            rows.iter()
                .map(|x| x.2.outcome.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "term".into(),
            rows.iter().map(|x| x.3.term.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("estimate".into(), num(|t| t.estimate)),
        Column::new("std_error".into(), num(|t| t.std_error)),
        Column::new("statistic".into(), num(|t| t.statistic)),
        Column::new("p_value".into(), num(|t| t.p_value)),
        Column::new("ci_low".into(), num(|t| t.ci_low)),
        Column::new("ci_high".into(), num(|t| t.ci_high)),
        Column::new(
            "beta".into(),
            rows.iter().map(|x| x.3.beta).collect::<Vec<_>>(),
        ),
        Column::new(
            "n".into(),
            rows.iter().map(|x| x.2.n as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "r_squared".into(),
            rows.iter().map(|x| x.2.r_squared).collect::<Vec<_>>(),
        ),
    ]);
    DataFrame::new_infer_height(cols).map_err(Error::from)
}

/// CSV text of a table.
pub fn csv(df: &mut DataFrame) -> Result<String> {
    crate::output::csv_text(df)
}

/// `regress --export`: the tidy coefficients, JSON, and the models side by side in LaTeX.
pub fn export(out: &RegressOutput) -> Result<super::export::Export> {
    super::export::with_diagnostics(export_tables(out)?, &out.diagnostics)
}

fn export_tables(out: &RegressOutput) -> Result<super::export::Export> {
    let cols: Vec<(String, &RegressionResult)> =
        out.models.iter().map(|m| (m.group.clone(), m)).collect();
    let caption = out
        .models
        .first()
        .map(|m| m.formula.clone())
        .unwrap_or_default();
    Ok(super::export::Export {
        lang: Default::default(),
        overview: vec![],
        tables: vec![super::export::Table {
            name: "coefficients".into(),
            df: tidy(out)?,
        }],
        json: serde_json::to_string_pretty(out).map_err(|e| Error::Internal(e.to_string()))? + "\n",
        latex: Some(super::export::latex_models(&caption, &cols)),
        files: Vec::new(),
    })
}
