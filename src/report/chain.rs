//! Renderings of the chain study: a terminal summary and Markdown.

use std::fmt::Write;

use polars::prelude::*;

use super::format::{num, pvalue};
use super::i18n::Lang;
use crate::analysis::chain::{ChainResult, Hypothesis, SegmentResult};
use crate::error::{Error, Result};
use crate::report::export::{Block, Export, Table};

pub use super::chain_text::{text, text_in};
use crate::stats::bootstrap::Interval;

/// "[low, high]" of a hypothesis' bootstrap interval, when it has one.
pub(super) fn hypothesis_ci(h: &Hypothesis) -> Option<String> {
    match (h.ci_low, h.ci_high) {
        (Some(a), Some(b)) => Some(format!("[{}, {}]", num(a, 3), num(b, 3))),
        _ => None,
    }
}

/// Estimate, bootstrap SE, percentile CI and BCa CI of an indirect effect, formatted.
pub(super) fn interval_cells(i: &Interval) -> [String; 4] {
    [
        num(i.estimate, 4),
        num(i.boot_se, 3),
        format!("[{}, {}]", num(i.ci_low, 4), num(i.ci_high, 4)),
        format!("[{}, {}]", num(i.bca_low, 4), num(i.bca_high, 4)),
    ]
}

pub(super) fn paths_line(s: &SegmentResult) -> Vec<(String, String, f64, f64, Option<f64>)> {
    // (label, model, estimate, p, beta)
    let mut out = Vec::new();
    for (model, term, label) in [
        ("M1", "satisfaction", "a1  satisfaction -> SOW"),
        ("M2", "satisfaction", "a2  satisfaction -> revenue"),
        ("M2", "share_of_wallet", "d21 SOW -> revenue"),
        ("Y", "satisfaction", "c'  satisfaction -> profit"),
        ("Y", "share_of_wallet", "b1  SOW -> profit"),
        ("Y", "revenue", "b2  revenue -> profit"),
    ] {
        if let Some(t) = s
            .regressions
            .iter()
            .find(|m| m.model == model)
            .and_then(|m| m.result.term(term))
        {
            out.push((
                label.to_string(),
                model.to_string(),
                t.estimate,
                t.p_value,
                t.beta,
            ));
        }
    }
    out
}

/// Moderator value, effect, standard error, p and CI of a conditional effect, formatted
/// the same way in text, Markdown and HTML.
pub fn conditional_cells(ce: &crate::analysis::chain::ConditionalEffect) -> [String; 5] {
    [
        num(ce.value, 4),
        num(ce.effect, 4),
        num(ce.std_error, 3),
        pvalue(ce.p_value),
        format!("[{}, {}]", num(ce.ci_low, 4), num(ce.ci_high, 4)),
    ]
}

/// How the conditional effects are evaluated (PROCESS convention), in words.
pub fn conditional_note(seg: &SegmentResult) -> String {
    let quadratic = seg
        .regressions
        .iter()
        .any(|m| m.model == "M1_extended" && m.result.term("I(satisfaction ** 2)").is_some());
    format!(
        "Conditional effect of satisfaction on share of wallet at the 16th, 50th and 84th percentile of each moderator, the other moderators at their means{}:",
        if quadratic {
            ", and (for the squared term) at mean satisfaction"
        } else {
            ""
        }
    )
}

/// The chain result as JSON. In a language other than English it gains a `display`
/// object with the summary, hypothesis statements and verdicts, and segment names in that
/// language; the keys and values of the result itself stay English (they are an API).
pub fn json_in(r: &ChainResult, lang: Lang) -> Result<String> {
    let err = |e: serde_json::Error| Error::Internal(e.to_string());
    if lang == Lang::En {
        return serde_json::to_string_pretty(r).map_err(err);
    }
    let mut v = serde_json::to_value(r).map_err(err)?;
    let hypotheses: serde_json::Map<String, serde_json::Value> = ["H1", "H2", "H3", "H4"]
        .iter()
        .map(|id| (id.to_string(), lang.t(&format!("hyp_{id}")).into()))
        .collect();
    let verdicts: serde_json::Map<String, serde_json::Value> =
        ["supported", "not supported", "reversed"]
            .iter()
            .map(|x| (x.to_string(), lang.verdict(x).into()))
            .collect();
    let segments: serde_json::Map<String, serde_json::Value> = r
        .segments
        .iter()
        .map(|s| (s.name.clone(), lang.name(&s.name).into()))
        .collect();
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "display".into(),
            serde_json::json!({
                "lang": lang.t("lang_tag"),
                "summary": match lang {
                    Lang::Zh => super::summary_zh::summary(r),
                    Lang::En => r.summary.clone(),
                },
                "hypotheses": hypotheses,
                "verdicts": verdicts,
                "segments": segments,
            }),
        );
    }
    serde_json::to_string_pretty(&v).map_err(err)
}

/// Markdown: summary, hypotheses per segment, indirect effects and regression tables.
pub fn markdown(r: &ChainResult) -> String {
    markdown_in(r, Lang::En)
}

/// [`markdown`] in `lang` (the regression tables keep statsmodels' labels).
pub fn markdown_in(r: &ChainResult, lang: Lang) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# {}{}{}\n",
        lang.t("md_title"),
        lang.t("colon"),
        r.study
    );
    let summary = match lang {
        Lang::En => r.summary.clone(),
        _ => super::summary_zh::summary(r),
    };
    if !summary.is_empty() {
        let _ = writeln!(s, "## {}\n", lang.t("h_summary"));
        for line in &summary {
            let _ = writeln!(s, "- {line}");
        }
        let _ = writeln!(s);
    }
    for (warn, text) in super::text::audit_lines(&r.diagnostics, lang) {
        let label = if warn { "md_warning" } else { "md_note" };
        let _ = writeln!(s, "> **{}:** {text}\n", lang.t(label));
    }
    for seg in &r.segments {
        let _ = writeln!(
            s,
            "## {} {} (n = {})\n",
            lang.t("txt_segment"),
            lang.name(&seg.name),
            seg.n
        );
        if let Some(e) = &seg.error {
            let _ = writeln!(s, "{}{e}\n", lang.t("md_not_analysed"));
            continue;
        }
        let _ = writeln!(
            s,
            "| {} | {} | {} | p | {} |\n|---|---|---:|---:|---|",
            lang.t("hypothesis"),
            lang.t("verdict"),
            lang.t("estimate"),
            lang.t("ci")
        );
        for h in &seg.hypotheses {
            let ci = hypothesis_ci(h).unwrap_or_default();
            let statement = match lang {
                Lang::En => h.statement.clone(),
                _ => lang.t(&format!("hyp_{}", h.id)).to_string(),
            };
            let _ = writeln!(
                s,
                "| {} {} | {} | {} | {} | {} |",
                h.id,
                statement,
                lang.verdict(&h.verdict),
                num(h.estimate, 4),
                h.p_value.map(pvalue).unwrap_or_default(),
                ci
            );
        }
        if let Some(m) = &seg.mediation {
            let _ = writeln!(
                s,
                "\n{}\n|---|---:|---:|---|---|",
                lang.t("md_indirect_head")
            );
            for e in &m.indirect_effects {
                let [est, se, pct, bca] = interval_cells(&e.interval);
                let _ = writeln!(
                    s,
                    "| {} | {est} | {se} | {pct} | {bca} |",
                    lang.path(&e.path)
                );
            }
        }
        if !seg.conditional_effects.is_empty() {
            let note = match lang {
                Lang::En => conditional_note(seg),
                _ => lang.t("moderation_note").to_string(),
            };
            let _ = writeln!(s, "\n{note}\n");
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | p | {} |\n|---|---:|---:|---:|---:|---:|---|",
                lang.t("moderator"),
                lang.t("percentile"),
                lang.t("value"),
                lang.t("effect"),
                lang.t("std_error"),
                lang.t("ci")
            );
            for ce in &seg.conditional_effects {
                let [value, effect, se, p, ci] = conditional_cells(ce);
                let _ = writeln!(
                    s,
                    "| {} | {} | {value} | {effect} | {se} | {p} | {ci} |",
                    ce.moderator, ce.percentile
                );
            }
        }
        let _ = writeln!(s);
        let models = crate::analysis::regress::RegressOutput {
            models: seg.regressions.iter().map(|m| m.result.clone()).collect(),
            diagnostics: Default::default(),
        };
        s.push_str(&super::regression::markdown(&models));
    }
    s
}

/// The first sheet of the workbook: the summary lines, warnings and customers per segment.
fn overview(r: &ChainResult, lang: super::i18n::Lang) -> Result<Vec<Block>> {
    let mut out = vec![Block::Heading(format!(
        "Satisfaction → share of wallet → revenue → profit: {}",
        r.study
    ))];
    out.push(Block::Heading("Summary".into()));
    match lang {
        super::i18n::Lang::En => out.extend(r.summary.iter().cloned().map(Block::Line)),
        _ => out.extend(super::summary_zh::summary(r).into_iter().map(Block::Line)),
    }
    for (warn, text) in super::text::audit_lines(&r.diagnostics, lang) {
        let label = if warn { "md_warning" } else { "md_note" };
        out.push(Block::Line(format!("{}: {text}", lang.t(label))));
    }
    let segs = &r.diagnostics.segments;
    out.push(Block::Heading("Customers analysed".into()));
    out.push(Block::Table(DataFrame::new_infer_height(vec![
        Column::new(
            "segment".into(),
            segs.iter().map(|x| x.segment.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "customers".into(),
            segs.iter().map(|x| x.customers as u64).collect::<Vec<_>>(),
        ),
    ])?));
    Ok(out)
}

pub use super::export::diagnostics_table;

/// One row of the long comparisons table: segments, kind, item, value in each segment,
/// difference, statistic, p-value, CI.
type CompRow = (
    String,
    String,
    &'static str,
    String,
    Option<f64>,
    Option<f64>,
    f64,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
);

/// The chain study as tidy tables (coefficients, indirect effects, hypotheses,
/// comparisons, diagnostics), JSON and LaTeX, for `--export` and `report`.
/// The chain's export (tables, JSON, LaTeX, workbook) in English.
pub fn export(r: &ChainResult) -> Result<Export> {
    export_in(r, super::i18n::Lang::En)
}

/// The chain's export with the workbook (sheet names, headers, overview) in `lang`; the
/// CSV, JSON and LaTeX files are the same in every language.
pub fn export_in(r: &ChainResult, lang: super::i18n::Lang) -> Result<Export> {
    // coefficients: one row per segment × model × term.
    let models: Vec<(&str, Option<&str>, &crate::stats::RegressionResult)> = r
        .segments
        .iter()
        .flat_map(|s| {
            s.regressions
                .iter()
                .map(move |m| (s.name.as_str(), Some(m.model.as_str()), &m.result))
        })
        .collect();
    let coefficients = super::regression::coefficient_table("segment", &models)?;

    let (mut seg, mut path) = (Vec::new(), Vec::new());
    let mut vals: [Vec<f64>; 8] = Default::default();
    for s in &r.segments {
        if let Some(m) = &s.mediation {
            for e in &m.indirect_effects {
                let i = &e.interval;
                seg.push(s.name.clone());
                path.push(e.path.clone());
                for (c, v) in vals.iter_mut().zip([
                    i.estimate, i.boot_se, i.ci_low, i.ci_high, i.bc_low, i.bc_high, i.bca_low,
                    i.bca_high,
                ]) {
                    c.push(v);
                }
            }
        }
    }
    let names = [
        "estimate", "boot_se", "ci_low", "ci_high", "bc_low", "bc_high", "bca_low", "bca_high",
    ];
    let mut cols = vec![
        Column::new("segment".into(), seg),
        Column::new("path".into(), path),
    ];
    cols.extend(
        names
            .iter()
            .zip(vals)
            .map(|(nm, v)| Column::new((*nm).into(), v)),
    );
    let indirect = DataFrame::new_infer_height(cols)?;

    let hyps: Vec<(&str, &Hypothesis)> = r
        .segments
        .iter()
        .flat_map(|s| s.hypotheses.iter().map(move |h| (s.name.as_str(), h)))
        .collect();
    let hypotheses = DataFrame::new_infer_height(vec![
        Column::new(
            "segment".into(),
            hyps.iter().map(|x| x.0).collect::<Vec<_>>(),
        ),
        Column::new(
            "id".into(),
            hyps.iter().map(|x| x.1.id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "statement".into(),
            hyps.iter()
                .map(|x| x.1.statement.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "supported".into(),
            hyps.iter().map(|x| x.1.supported).collect::<Vec<_>>(),
        ),
        Column::new(
            "verdict".into(),
            hyps.iter()
                .map(|x| x.1.verdict.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "estimate".into(),
            hyps.iter().map(|x| x.1.estimate).collect::<Vec<_>>(),
        ),
        Column::new(
            "p_value".into(),
            hyps.iter().map(|x| x.1.p_value).collect::<Vec<_>>(),
        ),
        Column::new(
            "ci_low".into(),
            hyps.iter().map(|x| x.1.ci_low).collect::<Vec<_>>(),
        ),
        Column::new(
            "ci_high".into(),
            hyps.iter().map(|x| x.1.ci_high).collect::<Vec<_>>(),
        ),
        Column::new(
            "basis".into(),
            hyps.iter().map(|x| x.1.basis.as_str()).collect::<Vec<_>>(),
        ),
    ])?;

    // comparisons: paths, Chow tests, correlations and indirect effects in one long table.
    let mut rows: Vec<CompRow> = Vec::new();
    for c in &r.comparisons {
        for p in &c.paths {
            rows.push((
                c.segment_a.clone(),
                c.segment_b.clone(),
                "path",
                format!("{}: {}", p.model, p.term),
                Some(p.estimate_a),
                Some(p.estimate_b),
                p.difference,
                Some(p.z),
                Some(p.p_value),
                None,
                None,
            ));
        }
        for t in &c.chow {
            rows.push((
                c.segment_a.clone(),
                c.segment_b.clone(),
                "chow",
                t.model.clone(),
                None,
                None,
                f64::NAN,
                Some(t.f_statistic),
                Some(t.p_value),
                None,
                None,
            ));
        }
        for d in &c.correlations {
            rows.push((
                c.segment_a.clone(),
                c.segment_b.clone(),
                "correlation",
                format!("{} ~ {}", d.variables[0], d.variables[1]),
                Some(d.r_a),
                Some(d.r_b),
                d.r_a - d.r_b,
                Some(d.z),
                Some(d.p_value),
                None,
                None,
            ));
        }
        for d in &c.indirect_effects {
            rows.push((
                c.segment_a.clone(),
                c.segment_b.clone(),
                "indirect",
                d.path.clone(),
                None,
                None,
                d.difference,
                None,
                None,
                Some(d.ci_low),
                Some(d.ci_high),
            ));
        }
    }
    let comparisons = DataFrame::new_infer_height(vec![
        Column::new(
            "segment_a".into(),
            rows.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "segment_b".into(),
            rows.iter().map(|x| x.1.clone()).collect::<Vec<_>>(),
        ),
        Column::new("kind".into(), rows.iter().map(|x| x.2).collect::<Vec<_>>()),
        Column::new(
            "item".into(),
            rows.iter().map(|x| x.3.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "value_a".into(),
            rows.iter().map(|x| x.4).collect::<Vec<_>>(),
        ),
        Column::new(
            "value_b".into(),
            rows.iter().map(|x| x.5).collect::<Vec<_>>(),
        ),
        Column::new(
            "difference".into(),
            rows.iter().map(|x| x.6).collect::<Vec<_>>(),
        ),
        Column::new(
            "statistic".into(),
            rows.iter().map(|x| x.7).collect::<Vec<_>>(),
        ),
        Column::new(
            "p_value".into(),
            rows.iter().map(|x| x.8).collect::<Vec<_>>(),
        ),
        Column::new(
            "ci_low".into(),
            rows.iter().map(|x| x.9).collect::<Vec<_>>(),
        ),
        Column::new(
            "ci_high".into(),
            rows.iter().map(|x| x.10).collect::<Vec<_>>(),
        ),
    ])?;

    let diagnostics = diagnostics_table(&r.diagnostics)?;

    let mut latex = String::new();
    for id in ["M1", "M2", "Y"] {
        let cols: Vec<(String, &crate::stats::RegressionResult)> = r
            .segments
            .iter()
            .filter_map(|s| {
                s.regressions
                    .iter()
                    .find(|m| m.model == id)
                    .map(|m| (s.name.clone(), &m.result))
            })
            .collect();
        if let Some((_, first)) = cols.first() {
            latex.push_str(&super::export::latex_models(
                &format!("{}: {}", id, first.formula),
                &cols,
            ));
        }
    }
    let json = json_in(r, lang)? + "\n";
    Ok(Export {
        lang,
        overview: overview(r, lang)?,
        tables: vec![
            Table {
                name: "coefficients".into(),
                df: coefficients,
            },
            Table {
                name: "indirect_effects".into(),
                df: indirect,
            },
            Table {
                name: "hypotheses".into(),
                df: hypotheses,
            },
            Table {
                name: "comparisons".into(),
                df: comparisons,
            },
            Table {
                name: "diagnostics".into(),
                df: diagnostics,
            },
        ],
        json,
        latex: Some(latex),
        files: Vec::new(),
    })
}
