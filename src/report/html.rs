//! The report: HTML (self-contained, inline CSS and SVG) and Markdown from minijinja
//! templates, plus the charts as separate SVG files.

use minijinja::{context, Environment};
use serde_json::{json, Value};

use super::charts;
use super::format::{num, pvalue};
use super::i18n::Lang;
use crate::analysis::chain::ChainResult;
use crate::analysis::value::{SegmentProfit, ValueResult};
use crate::error::{Error, Result};

const HTML: &str = include_str!("templates/report.html");
const MARKDOWN: &str = include_str!("templates/report.md");

/// A rendered report.
pub struct Rendered {
    pub html: String,
    pub markdown: String,
    /// (file name, SVG) for `charts/`.
    pub charts: Vec<(String, String)>,
}

fn ci(lo: Option<f64>, hi: Option<f64>) -> String {
    match (lo, hi) {
        (Some(a), Some(b)) => format!("[{}, {}]", num(a, 3), num(b, 3)),
        _ => String::new(),
    }
}

/// Render the report of a chain study (and, when given, its value analysis).
pub fn render(
    chain: &ChainResult,
    value: Option<&ValueResult>,
    sizes: &[SegmentProfit],
    links: &[crate::analysis::chain::Link],
    survey: &crate::analysis::study::SurveySections,
    extra: &Sections,
) -> Result<Rendered> {
    let (metrics, drivers) = (survey.metrics.as_ref(), survey.drivers.as_ref());
    let clv = extra.clv;
    let lang = extra.lang;
    let o = &chain.options;
    let mut charts_out = Vec::new();
    let mut diagrams = Vec::new();
    let mut diagram_files = Vec::new();
    // Segments first, the pooled group last: side by side, profitable next to unprofitable.
    let drawn: Vec<&crate::analysis::chain::SegmentResult> = chain
        .segments
        .iter()
        .filter(|s| s.error.is_none() && s.name != "all")
        .chain(
            chain
                .segments
                .iter()
                .filter(|s| s.error.is_none() && s.name == "all"),
        )
        .collect();
    for s in &drawn {
        let svg = super::chain_charts::path_diagram_svg(s, o.alpha, lang)?;
        let file = format!(
            "path_{}.svg",
            s.name.replace(|c: char| !c.is_alphanumeric(), "_")
        );
        diagrams.push(svg.clone());
        diagram_files.push(file.clone());
        charts_out.push((file, svg));
    }
    charts_out.push((
        "paths.svg".into(),
        super::chain_charts::paths_svg(&drawn, o.alpha, lang)?,
    ));
    let mut scatter = Vec::new();
    let mut scatter_files = Vec::new();
    for l in links {
        let svg = super::chain_charts::link_svg(l, lang, o.units.as_deref())?;
        let file = format!("scatter_{}_{}.svg", l.x, l.y);
        scatter.push(svg.clone());
        scatter_files.push(file.clone());
        charts_out.push((file, svg));
    }
    let thinned = links.iter().any(|l| l.thinned);
    let dense = links
        .iter()
        .any(|l| l.series.iter().any(|s| s.density.is_some()));
    let outside = links.iter().map(|l| l.outside).max().unwrap_or(0);
    let metric_rows = metric_rows(metrics, lang);
    let driver_groups = driver_groups(drivers, lang, &mut charts_out)?;
    let (whale, whale_text) = whale(value, lang, &mut charts_out)?;
    let clv_section = match clv {
        Some(r) => Some(super::html_sections::clv_context(r, &mut charts_out, lang)?),
        None => None,
    };
    let retention_section = match extra.retention {
        Some(r) => {
            let mut c = super::html_lifetime::retention_context(r, &mut charts_out, lang)?;
            // Two models value customers: say which one the customer table's CLV is.
            if let Some(v) = clv {
                c["clv_note"] =
                    serde_json::json!(lang.f("ret_vs_clv", &[("model", &v.model_label)]));
            }
            Some(c)
        }
        None => None,
    };
    let csi_section = match extra.csi {
        Some(r) => Some(super::html_sections::csi_context(r, &mut charts_out, lang)?),
        None => None,
    };
    let found_section = match extra.found {
        Some(f) => Some(super::found_section::found_context(
            f,
            chain,
            &mut charts_out,
            lang,
        )?),
        None => None,
    };
    let invest_section = match extra.invest {
        Some(r) => Some(super::html_sections::invest_context(
            r,
            &mut charts_out,
            lang,
        )?),
        None => None,
    };
    let feedback_section = match extra.feedback {
        Some(f) => Some(super::feedback_html::feedback_context(
            f,
            &mut charts_out,
            lang,
        )?),
        None => None,
    };
    let summary = match lang {
        super::i18n::Lang::En => chain.summary.clone(),
        super::i18n::Lang::Zh => super::summary_zh::summary(chain),
    };
    let d = &chain.diagnostics;
    let diagnostics: Vec<Value> = d
        .rows()
        .iter()
        .map(|x| {
            json!({"stage": lang.message(&x.stage), "what": super::text::diag_message(d, lang, &x.what), "unit": x.unit,
                "count": x.count.map(|c| super::format::thousands(c as f64, 0)).unwrap_or_default(),
                "examples": x.examples, "warning": x.stage == "warning"})
        })
        .collect();
    // The input audit: every rule that fired on the inputs, as a data-quality table.
    let audit: Vec<Value> = d
        .audit
        .iter()
        .map(|f| {
            json!({"rule": f.rule, "severity": lang.t(&format!("severity_{:?}", f.severity).to_lowercase()),
                "count": if f.count > 0 { super::format::thousands(f.count as f64, 0) } else { String::new() },
                "message": if lang == super::i18n::Lang::Zh { f.message_zh.clone() } else { f.message.clone() },
                "warning": f.severity != crate::data::audit::Severity::Note})
        })
        .collect();
    let segment_sizes: Vec<Value> = sizes
        .iter()
        .map(|s| {
            let pct = |x: f64| if x.is_finite() { format!("{x:.1}%") } else { "–".to_string() };
            json!({"segment": lang.name(&s.segment), "customers": super::format::thousands(s.customers as f64, 0),
                "profit": super::format::money(s.profit),
                "share": if s.share_pct.is_finite() { format!("{:.1}%", s.share_pct) } else { "n/a (total profit ≤ 0)".to_string() },
                "gross_profit": pct(s.gross_profit_share_pct), "gross_loss": pct(s.gross_loss_share_pct)})
        })
        .collect();
    let comparisons: Vec<Value> = chain
        .comparisons
        .iter()
        .map(|c| {
            json!({
                "a": lang.name(&c.segment_a), "b": lang.name(&c.segment_b),
                "paths": c.paths.iter().map(|p| json!({"label": format!("{}{}{}", p.model, lang.t("colon"), lang.name(&p.term)), "a": num(p.estimate_a, 4), "b": num(p.estimate_b, 4), "diff": num(p.difference, 4), "z": super::format::fixed(p.z, 3), "p": pvalue(p.p_value)})).collect::<Vec<_>>(),
                "indirect": c.indirect_effects.iter().map(|p| {
                    let est = |seg: &str| chain.segments.iter().find(|s| s.name == seg).and_then(|s| s.mediation.as_ref()).and_then(|m| m.indirect_effects.iter().find(|e| e.path == p.path)).map(|e| num(e.interval.estimate, 4)).unwrap_or_default();
                    json!({"label": format!("{}{}{}", lang.t("indirect"), lang.t("colon"), lang.path(&p.path)), "a": est(&c.segment_a), "b": est(&c.segment_b), "diff": num(p.difference, 4), "ci": ci(Some(p.ci_low), Some(p.ci_high))})
                }).collect::<Vec<_>>(),
                "chow": c.chow.iter().map(|t| json!({"model": t.model, "f": super::format::fixed(t.f_statistic, 3), "df": format!("{:.0}, {:.0}", t.df_num, t.df_den), "p": pvalue(t.p_value)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let hypotheses: Vec<Value> = chain
        .segments
        .iter()
        .flat_map(|s| {
            s.hypotheses.iter().map(move |h| {
                let statement = match lang {
                    super::i18n::Lang::En => h.statement.clone(),
                    _ => lang.t(&format!("hyp_{}", h.id)).to_string(),
                };
                json!({"segment": lang.name(&s.name), "id": h.id, "statement": statement, "supported": h.supported, "reversed": h.verdict == "reversed", "verdict": lang.verdict(&h.verdict), "estimate": num(h.estimate, 4), "p": h.p_value.map(pvalue).unwrap_or_default(), "ci": ci(h.ci_low, h.ci_high)})
            })
        })
        .collect();
    let correlations: Vec<Value> = chain
        .segments
        .iter()
        .filter_map(|s| s.correlations.as_ref().map(|m| (s, m)))
        .map(|(s, m)| {
            let rows: Vec<Value> = m
                .variables
                .iter()
                .enumerate()
                .map(|(i, v)| json!({"name": lang.name(v), "cells": (0..m.variables.len()).map(|j| if i == j { "1".to_string() } else { format!("{:.3}{}", m.r[i][j], super::format::stars(m.p_value[i][j])) }).collect::<Vec<_>>()}))
                .collect();
            json!({"segment": lang.name(&s.name), "n": super::format::thousands(m.n as f64, 0), "vars": m.variables.iter().map(|v| lang.name(v)).collect::<Vec<_>>(), "rows": rows})
        })
        .collect();
    let regressions: Vec<Value> = chain
        .segments
        .iter()
        .map(|s| {
            json!({"segment": lang.name(&s.name), "models": s.regressions.iter().map(|m| {
                let r = &m.result;
                json!({"model": m.model, "formula": r.formula, "n": r.n, "r2": num(r.r_squared, 4), "stat": r.stat_label(), "plabel": r.p_label(), "terms": r.terms.iter().map(|t| json!({
                    "term": t.term, "est": num(t.estimate, 5), "se": num(t.std_error, 4), "t": super::format::fixed(t.statistic, 3),
                    "p": pvalue(t.p_value), "ci": ci(Some(t.ci_low), Some(t.ci_high)), "beta": t.beta.map(|b| super::format::fixed(b, 3)).unwrap_or_default()})).collect::<Vec<_>>()})
            }).collect::<Vec<_>>()})
        })
        .collect();
    let moderation: Vec<Value> = chain
        .segments
        .iter()
        .filter(|s| !s.conditional_effects.is_empty())
        .map(|s| {
            json!({"segment": lang.name(&s.name), "note": match lang {
                    super::i18n::Lang::En => super::chain::conditional_note(s),
                    _ => lang.t("moderation_note").to_string(),
                },
                "rows": s.conditional_effects.iter().map(|c| {
                    let [value, effect, se, p, ci] = super::chain::conditional_cells(c);
                    json!({"moderator": c.moderator, "pct": c.percentile, "value": value, "effect": effect, "se": se, "p": p, "ci": ci})
                }).collect::<Vec<_>>()})
        })
        .collect();
    let metric_cols = metric_cols(metrics);
    let options = lang.f(
        "options",
        &[
            (
                "se",
                &lang
                    .messages()
                    .get(&format!("se_{}", o.se.label()))
                    .cloned()
                    .unwrap_or_else(|| o.se.label().to_string()),
            ),
            ("b", &o.bootstrap),
            ("seed", &o.seed),
            ("conf", &format!("{:.0}", o.confidence * 100.0)),
            ("alpha", &o.alpha),
        ],
    );
    let max_points = crate::analysis::chain::MAX_SCATTER_POINTS;
    let ctx = context! {
        study => chain.study, customers => super::format::thousands(d.customers as f64, 0), has_examples => d.rows().iter().any(|r| !r.examples.is_empty()), options, summary, diagnostics, segment_sizes,
        alpha => o.alpha, moderation, metric_cols, audit,
        metrics_basis => (!survey.metrics_basis.is_empty()).then(|| lang.message(&survey.metrics_basis)),
        drivers_basis => (!survey.drivers_basis.is_empty()).then(|| lang.message(&survey.drivers_basis)),
        not_computed => survey.not_computed.iter().map(|(_, why)| lang.message(why)).collect::<Vec<_>>(), diagrams, diagram_files, comparisons, hypotheses, correlations,
        whale, whale_text, clv => clv_section, retention => retention_section, csi => csi_section, invest => invest_section, feedback => feedback_section, found => found_section, regressions, scatter, scatter_files, thinned, metric_rows, driver_groups, max_points, version => env!("CARGO_PKG_VERSION"),
        t => lang.messages(),
        paths_caption => lang.f("paths_caption", &[("alpha", &o.alpha)]),
        paths_caption_md => lang.f("paths_caption_md", &[("alpha", &o.alpha)]),
        thinned_text => lang.f("thinned", &[("n", &max_points)]),
        dense, outside,
        dense_text => lang.f("dense", &[("n", &crate::analysis::chain::DENSITY_ABOVE)]),
        outside_text => lang.f("outside", &[("n", &super::format::thousands(outside as f64, 0))]),
        thinned_md => lang.f("thinned_md", &[("n", &max_points)]),
        generated => lang.f("generated", &[("version", &env!("CARGO_PKG_VERSION"))]),
    };
    let env = environment()?;
    let html = env
        .get_template("report.html")
        .map_err(tpl_err)?
        .render(&ctx)
        .map_err(tpl_err)?;
    let markdown = env
        .get_template("report.md")
        .map_err(tpl_err)?
        .render(&ctx)
        .map_err(tpl_err)?;
    Ok(Rendered {
        html,
        markdown,
        charts: charts_out,
    })
}

/// The report's templates: the page, its style, its sections (each also rendered alone by
/// [`standalone`]), the Markdown.
fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    for (name, text) in [
        ("report.html", HTML),
        ("report.md", MARKDOWN),
        ("section.html", include_str!("templates/section.html")),
        ("style.html", include_str!("templates/style.html")),
        (
            "sections/metrics.html",
            include_str!("templates/sections/metrics.html"),
        ),
        (
            "sections/drivers.html",
            include_str!("templates/sections/drivers.html"),
        ),
        (
            "sections/whale.html",
            include_str!("templates/sections/whale.html"),
        ),
        (
            "sections/csi.html",
            include_str!("templates/sections/csi.html"),
        ),
        (
            "sections/clv.html",
            include_str!("templates/sections/clv.html"),
        ),
        (
            "sections/covariates.html",
            include_str!("templates/sections/covariates.html"),
        ),
        (
            "sections/covariates.md",
            include_str!("templates/sections/covariates.md"),
        ),
        (
            "sections/retention.html",
            include_str!("templates/sections/retention.html"),
        ),
        (
            "sections/found.html",
            include_str!("templates/sections/found.html"),
        ),
        (
            "sections/invest.html",
            include_str!("templates/sections/invest.html"),
        ),
        (
            "sections/feedback.html",
            include_str!("templates/sections/feedback.html"),
        ),
    ] {
        env.add_template(name, text).map_err(tpl_err)?;
    }
    Ok(env)
}

/// The metrics table's rows (CSAT, NPS, CES per group).
fn metric_rows(
    metrics: Option<&crate::analysis::metrics::MetricsOutput>,
    lang: Lang,
) -> Vec<Value> {
    metrics
        .map(|m| {
            m.groups
                .iter()
                .map(|g| {
                    json!({
                        "group": lang.name(&g.group), "n": super::format::thousands(g.n as f64, 0),
                        "csat": g.csat.as_ref().map(|c| format!("{} ({} {:.1}%)", num(c.mean, 3), lang.t("top2box"), c.top2box)).unwrap_or_default(),
                        "nps": g.nps.as_ref().map(|n| format!("{:.1} [{:.1}, {:.1}]", n.score, n.ci_low, n.ci_high)).unwrap_or_default(),
                        "ces": g.ces.as_ref().map(|c| num(c.mean, 3)).unwrap_or_default(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Which metric columns the table shows.
fn metric_cols(metrics: Option<&crate::analysis::metrics::MetricsOutput>) -> Value {
    let has = |f: fn(&crate::analysis::metrics::GroupMetrics) -> bool| {
        metrics.is_some_and(|m| m.groups.iter().any(f))
    };
    json!({"csat": has(|g| g.csat.is_some()), "nps": has(|g| g.nps.is_some()), "ces": has(|g| g.ces.is_some())})
}

/// The key-driver groups: table rows and importance–performance chart each.
fn driver_groups(
    drivers: Option<&crate::analysis::drivers::DriversOutput>,
    lang: Lang,
    charts_out: &mut Vec<(String, String)>,
) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for g in drivers.map(|d| d.groups.as_slice()).unwrap_or_default() {
        let svg = charts::importance_performance_svg(
            g,
            &lang.f("chart_ipma_title", &[("group", &lang.name(&g.group))]),
            lang,
        )?;
        let file = format!(
            "drivers_{}.svg",
            g.group.replace(|c: char| !c.is_alphanumeric(), "_")
        );
        charts_out.push((file.clone(), svg.clone()));
        out.push(json!({
            "group": lang.name(&g.group), "n": super::format::thousands(g.n as f64, 0), "r2": num(g.r_squared, 3), "chart": svg, "file": file,
            "rows": g.drivers.iter().map(|d| json!({"name": d.name, "coef": num(d.coefficient, 3), "p": pvalue(d.p_value),
                "shapley": format!("{:.1}%", d.shapley_pct), "rw": format!("{:.1}%", d.relative_weight_pct), "mean": super::format::fixed(d.mean, 2), "quadrant": lang.message(&d.quadrant)})).collect::<Vec<_>>(),
        }));
    }
    Ok(out)
}

/// The whale curve's chart and sentence.
fn whale(
    value: Option<&ValueResult>,
    lang: Lang,
    charts_out: &mut Vec<(String, String)>,
) -> Result<(Option<String>, Option<String>)> {
    let Some(v) = value else {
        return Ok((None, None));
    };
    let svg = charts::whale_curve_svg(
        &v.whale_curve,
        "Whale curve: cumulative profit by customer rank",
        &v.profit_base,
        lang,
    )?;
    charts_out.push(("whale_curve.svg".into(), svg.clone()));
    let f1 = |x: f64| format!("{x:.1}");
    let text = lang.f(
        "whale_text",
        &[
            ("total", &super::format::money(v.total_profit)),
            ("c", &f1(v.peak_customer_pct)),
            ("p", &f1(v.peak_profit_pct)),
            ("base", &lang.message(&v.profit_base)),
            (
                "back",
                &f1(v.peak_profit_pct - v.whale_curve.last().map_or(0.0, |p| p.profit_pct)),
            ),
            ("u", &f1(v.unprofitable_share)),
        ],
    );
    Ok((Some(svg), Some(text)))
}

/// Results shown alone, each as the report's own section.
#[derive(Default, Clone, Copy)]
pub struct Standalone<'a> {
    pub metrics: Option<&'a crate::analysis::metrics::MetricsOutput>,
    pub drivers: Option<&'a crate::analysis::drivers::DriversOutput>,
    pub value: Option<&'a ValueResult>,
    pub clv: Option<&'a crate::analysis::clv::ClvResult>,
    pub retention: Option<&'a crate::analysis::retention::RetentionResult>,
    pub csi: Option<&'a crate::analysis::csi::CsiResult>,
    pub invest: Option<&'a crate::analysis::invest::InvestResult>,
}

/// A page with the report's sections for results computed on their own (a notebook shows
/// `profitchain.drivers(...)` the way the report shows its key drivers): the report's
/// style and section templates, charts inline.
pub fn standalone(r: &Standalone, lang: Lang) -> Result<String> {
    let mut charts_out = Vec::new();
    let mut sections = Vec::new();
    if r.metrics.is_some() {
        sections.push("metrics");
    }
    if r.drivers.is_some() {
        sections.push("drivers");
    }
    if r.value.is_some() {
        sections.push("whale");
    }
    if r.csi.is_some() {
        sections.push("csi");
    }
    if r.clv.is_some() {
        sections.push("clv");
    }
    if r.retention.is_some() {
        sections.push("retention");
    }
    if r.invest.is_some() {
        sections.push("invest");
    }
    let (whale, whale_text) = whale(r.value, lang, &mut charts_out)?;
    let clv = match r.clv {
        Some(c) => Some(super::html_sections::clv_context(c, &mut charts_out, lang)?),
        None => None,
    };
    let csi = match r.csi {
        Some(c) => Some(super::html_sections::csi_context(c, &mut charts_out, lang)?),
        None => None,
    };
    let retention = match r.retention {
        Some(c) => Some(super::html_lifetime::retention_context(
            c,
            &mut charts_out,
            lang,
        )?),
        None => None,
    };
    let invest = match r.invest {
        Some(c) => Some(super::html_sections::invest_context(
            c,
            &mut charts_out,
            lang,
        )?),
        None => None,
    };
    let no_strings: Vec<String> = Vec::new();
    let ctx = context! {
        sections, t => lang.messages(),
        metric_rows => metric_rows(r.metrics, lang), metric_cols => metric_cols(r.metrics),
        driver_groups => driver_groups(r.drivers, lang, &mut charts_out)?,
        drivers_basis => r.drivers.and_then(|d| d.groups.first()).map(|g| lang.message(&g.quadrant_basis)),
        not_computed => no_strings,
        whale, whale_text, clv, retention, csi, invest,
    };
    environment()?
        .get_template("section.html")
        .map_err(tpl_err)?
        .render(&ctx)
        .map_err(tpl_err)
}

/// Optional report sections from a study's transaction log and satisfaction-index model.
#[derive(Default, Clone, Copy)]
pub struct Sections<'a> {
    pub clv: Option<&'a crate::analysis::clv::ClvResult>,
    /// Contractual retention (from a study's `[retention]` section).
    pub retention: Option<&'a crate::analysis::retention::RetentionResult>,
    pub csi: Option<&'a crate::analysis::csi::CsiResult>,
    /// Return on satisfaction (from a study's `[invest]` scenarios).
    pub invest: Option<&'a crate::analysis::invest::InvestResult>,
    /// The tree or mixture that found the study's segments.
    pub found: Option<&'a crate::analysis::segments::found::Found>,
    /// Themes in the survey's comments (from a study's `[feedback]` section).
    pub feedback: Option<&'a crate::analysis::feedback::FeedbackResult>,
    /// Language of the report's text.
    pub lang: super::i18n::Lang,
}

fn tpl_err(e: minijinja::Error) -> Error {
    Error::Internal(format!("template: {e}"))
}

/// The report's additions to the workbook's overview sheet: segment sizes and profit, the
/// satisfaction metrics and the key drivers per segment (as the HTML shows them).
pub fn overview_blocks(
    sizes: &[SegmentProfit],
    metrics: Option<&crate::analysis::metrics::MetricsOutput>,
    drivers: Option<&crate::analysis::drivers::DriversOutput>,
) -> Result<Vec<super::export::Block>> {
    use super::export::Block;
    use polars::prelude::{Column, DataFrame};
    let mut out = vec![Block::Heading("Segments: size and profit".into())];
    out.push(Block::Table(DataFrame::new_infer_height(vec![
        Column::new(
            "segment".into(),
            sizes.iter().map(|s| s.segment.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "customers".into(),
            sizes.iter().map(|s| s.customers).collect::<Vec<_>>(),
        ),
        Column::new(
            "total profit".into(),
            sizes.iter().map(|s| s.profit).collect::<Vec<_>>(),
        ),
        Column::new(
            "share of total profit %".into(),
            sizes
                .iter()
                .map(|s| s.share_pct.is_finite().then_some(s.share_pct))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "share of gross profit %".into(),
            sizes
                .iter()
                .map(|s| s.gross_profit_share_pct)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "share of gross loss %".into(),
            sizes
                .iter()
                .map(|s| s.gross_loss_share_pct)
                .collect::<Vec<_>>(),
        ),
    ])?));
    if let Some(m) = metrics {
        out.push(Block::Heading(format!(
            "Satisfaction metrics by segment ({})",
            m.unit
        )));
        let g = &m.groups;
        let mut cols = vec![
            Column::new(
                "segment".into(),
                g.iter().map(|x| x.group.as_str()).collect::<Vec<_>>(),
            ),
            Column::new("n".into(), g.iter().map(|x| x.n as u64).collect::<Vec<_>>()),
        ];
        if g.iter().any(|x| x.csat.is_some()) {
            cols.push(Column::new(
                "CSAT mean".into(),
                g.iter()
                    .map(|x| x.csat.as_ref().map(|c| c.mean))
                    .collect::<Vec<_>>(),
            ));
        }
        if g.iter().any(|x| x.nps.is_some()) {
            cols.push(Column::new(
                "NPS".into(),
                g.iter()
                    .map(|x| x.nps.as_ref().map(|c| c.score))
                    .collect::<Vec<_>>(),
            ));
        }
        if g.iter().any(|x| x.ces.is_some()) {
            cols.push(Column::new(
                "CES mean".into(),
                g.iter()
                    .map(|x| x.ces.as_ref().map(|c| c.mean))
                    .collect::<Vec<_>>(),
            ));
        }
        out.push(Block::Table(DataFrame::new_infer_height(cols)?));
    }
    if let Some(d) = drivers {
        out.push(Block::Heading(format!(
            "Key drivers of '{}' by segment",
            d.target
        )));
        let rows: Vec<(&str, &crate::analysis::drivers::Driver)> = d
            .groups
            .iter()
            .flat_map(|g| g.drivers.iter().map(move |x| (g.group.as_str(), x)))
            .collect();
        out.push(Block::Table(DataFrame::new_infer_height(vec![
            Column::new(
                "segment".into(),
                rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            ),
            Column::new(
                "driver".into(),
                rows.iter().map(|r| r.1.name.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "Shapley share of R² %".into(),
                rows.iter().map(|r| r.1.shapley_pct).collect::<Vec<_>>(),
            ),
            Column::new(
                "mean rating".into(),
                rows.iter().map(|r| r.1.mean).collect::<Vec<_>>(),
            ),
            Column::new(
                "quadrant".into(),
                rows.iter()
                    .map(|r| r.1.quadrant.as_str())
                    .collect::<Vec<_>>(),
            ),
        ])?));
    }
    Ok(out)
}
