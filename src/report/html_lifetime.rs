//! The report's lifetime-model blocks: a covariate model's effects (shared by the CLV and
//! retention sections) and the contractual-retention (sBG) section.

use serde_json::{json, Value};

use super::format::{num, pvalue, thousands};
use super::i18n::Lang;
use super::retention::{opt, pct};
use crate::analysis::covariates::CovariateModel;
use crate::analysis::retention::RetentionResult;
use crate::error::Result;

/// A covariate model as the templates show it (`sections/covariates.html`, the Markdown
/// report): the test, the centring, each effect with its interval, the parameters.
pub(super) fn covariates_context(m: &CovariateModel, title: String, lang: Lang) -> Value {
    let lr = lang.f(
        "cov_lr",
        &[
            ("stat", &num(m.lr_statistic, 4)),
            ("df", &m.lr_df),
            ("p", &super::covariates::p_is(m.lr_p)),
        ],
    );
    let centred: Vec<String> = m
        .covariates
        .iter()
        .map(|c| {
            lang.f(
                "cov_centred",
                &[
                    ("name", &c.name),
                    ("mean", &num(c.mean, 4)),
                    ("sd", &num(c.sd, 3)),
                ],
            )
        })
        .collect();
    let effects: Vec<Value> = m
        .effects
        .iter()
        .map(|e| {
            let est = if e.kind == "ratio" {
                format!("×{}", num(e.estimate, 4))
            } else if e.estimate < 0.0 {
                num(e.estimate, 4)
            } else {
                format!("+{}", num(e.estimate, 4))
            };
            let ci = match (e.ci_low, e.ci_high) {
                (Some(a), Some(b)) => format!("{} – {}", num(a, 3), num(b, 3)),
                _ => "—".into(),
            };
            json!({"covariate": e.covariate, "quantity": super::covariates::quantity(&e.quantity, lang),
                "effect": format!("{est} ({ci})"), "mean": num(e.at_mean, 4), "up": num(e.one_unit_up, 4)})
        })
        .collect();
    let params: Vec<Value> = m
        .fit
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            json!({"name": n, "est": num(m.fit.params[i], 5),
                "se": opt(m.fit.std_errors[i], |v| num(v, 3)),
                "z": opt(m.z[i], |v| num(v, 3)), "p": opt(m.p[i], pvalue)})
        })
        .collect();
    json!({"title": title, "lr": lr, "centred": centred, "effects": effects, "params": params})
}

/// Rows of a long period table the report shows: periods 0–12, then every `step`-th (the
/// step that leaves about a dozen more), the last fitted and the last; `None`: all of them.
fn thinning(len: usize) -> Option<usize> {
    (len > 25).then(|| {
        [2, 3, 4, 6, 12, 24, 52, 104]
            .into_iter()
            .find(|s| (len - 13) / s <= 12)
            .unwrap_or(len)
    })
}

/// The retention section: the terms, one block per group (parameters, the period table,
/// the holdout check, DEL and DERL), the covariate model and the two charts (added to
/// `charts_out`).
pub(super) fn retention_context(
    r: &RetentionResult,
    charts_out: &mut Vec<(String, String)>,
    lang: Lang,
) -> Result<Value> {
    let lines = super::retention::header_lines(r, lang);
    let groups: Vec<Value> = r
        .groups
        .iter()
        .map(|g| {
            let l = super::retention::group_lines(r, g, lang);
            let step = thinning(g.table.len());
            json!({
                "heading": l.heading, "params": l.params,
                "thinned": step.map(|s| lang.f("ret_rows_shown", &[("step", &s)])),
                "rows": g.table.iter().filter(|t| step.is_none_or(|s| {
                    t.period <= 12 || t.period % s == 0 || t.period == g.fit_periods || t.period + 1 == g.table.len()
                })).map(|t| json!({
                    "period": format!("{}{}", t.period, if t.in_fit { "" } else { "*" }),
                    "observed": opt(t.observed_survival, pct), "sbg": pct(t.projected_survival),
                    "ret_obs": opt(t.observed_retention, pct), "ret_sbg": opt(t.projected_retention, pct),
                    "held_out": !t.in_fit,
                })).collect::<Vec<_>>(),
                "holdout": l.holdout, "star": l.star, "del": l.del, "derl": l.derl,
            })
        })
        .collect();
    let mut charts = Vec::new();
    for (file, svg) in [
        (
            "retention_survival.svg",
            super::retention::survival_svg(r, lang)?,
        ),
        ("retention_rate.svg", super::retention::rate_svg(r, lang)?),
    ] {
        charts_out.push((file.into(), svg.clone()));
        charts.push(json!({"file": file, "svg": svg}));
    }
    let covariates = r.covariates.as_ref().map(|m| {
        let title = lang.f("ret_cov_title", &[("n", &thousands(m.customers as f64, 0))]);
        covariates_context(m, title, lang)
    });
    let segments: Vec<Value> = r
        .covariates_by_segment
        .iter()
        .map(|g| {
            covariates_context(
                &g.model,
                super::retention::segment_covariates_title(g, lang),
                lang,
            )
        })
        .collect();
    Ok(json!({
        "lines": lines, "groups": groups, "charts": charts, "covariates": covariates,
        "covariates_segments": segments,
        "warnings": r.warnings.iter().map(|w| lang.message(w)).collect::<Vec<_>>(),
    }))
}
