//! The report's optional sections as template data: the satisfaction-index model (from a
//! study's `[csi]`) and customer lifetime value (from its transaction log).

use serde_json::{json, Value};

use super::format::{num, pvalue};
use crate::error::Result;

/// The satisfaction-index section: constructs with their 0–100 indices and reliability,
/// the paths, HTMT and the importance–performance map (added to `charts`).
pub(super) fn csi_context(
    r: &crate::analysis::csi::CsiResult,
    charts_out: &mut Vec<(String, String)>,
    lang: super::i18n::Lang,
) -> Result<Value> {
    use super::format::fixed;
    let opt = |v: Option<f64>| v.map_or("–".to_string(), |x| fixed(x, 3));
    let ci = |i: &crate::stats::bootstrap::Interval| {
        if i.ci_low.is_finite() {
            format!("[{}, {}]", fixed(i.ci_low, 3), fixed(i.ci_high, 3))
        } else {
            String::new()
        }
    };
    let constructs: Vec<Value> = r
        .constructs
        .iter()
        .map(|c| {
            json!({"name": c.name, "items": c.items.len(), "index": fixed(c.index_mean, 1),
                "ci": format!("[{}, {}]", fixed(c.index_ci[0], 1), fixed(c.index_ci[1], 1)),
                "r2": opt(c.r_squared), "alpha": opt(c.reliability.cronbach_alpha),
                "rho_c": fixed(c.reliability.rho_c, 3), "rho_a": opt(c.reliability.rho_a),
                "ave": fixed(c.reliability.ave, 3)})
        })
        .collect();
    let paths: Vec<Value> = r
        .paths
        .iter()
        .map(|p| {
            let e = &p.effect;
            json!({"path": format!("{} → {}", e.from, e.to), "est": fixed(e.interval.estimate, 3),
                "ci": ci(&e.interval), "p": if e.p_value.is_finite() { pvalue(e.p_value) } else { String::new() },
                "f2": opt(p.f_squared)})
        })
        .collect();
    let htmt: Vec<Value> = r
        .htmt
        .iter()
        .map(|h| {
            json!({"a": h.a, "b": h.b, "v": fixed(h.htmt.estimate, 3), "ci": ci(&h.htmt),
            "high": h.htmt.estimate > 0.9})
        })
        .collect();
    let svg = super::csi_charts::ipma_svg(&r.ipma, &r.ipma_target, "constructs", lang)?;
    charts_out.push(("csi_ipma.svg".into(), svg.clone()));
    let diagram = super::csi_charts::model_svg(r, lang)?;
    charts_out.push(("csi_model.svg".into(), diagram.clone()));
    let items_svg = super::csi_charts::ipma_svg(&r.ipma_items, &r.ipma_target, "items", lang)?;
    charts_out.push(("csi_ipma_items.svg".into(), items_svg.clone()));
    let group_indices: Vec<Value> = r
        .group_indices
        .iter()
        .map(|g| json!({"group": lang.name(&g.group), "n": g.n, "cells": g.means.iter().map(|m| fixed(*m, 1)).collect::<Vec<_>>()}))
        .collect();
    let construct_names: Vec<&str> = r.constructs.iter().map(|c| c.name.as_str()).collect();
    let groups: Vec<Value> = r
        .groups
        .iter()
        .map(|g| {
            let bad: Vec<&str> = g.micom.iter().filter(|m| !m.invariant).map(|m| m.construct.as_str()).collect();
            json!({"a": lang.name(&g.group_a), "b": lang.name(&g.group_b), "na": g.n_a, "nb": g.n_b, "perms": g.permutations, "perms_text": lang.f("permutations", &[("n", &g.permutations)]),
                "micom": if bad.is_empty() {
                    lang.t("micom_ok").to_string()
                } else {
                    lang.f("micom_bad", &[("c", &bad.join(", "))])
                },
                "rows": g.paths.iter().map(|p| json!({"path": format!("{} → {}", p.from, p.to),
                    "a": fixed(p.estimate_a, 3), "b": fixed(p.estimate_b, 3), "d": fixed(p.difference, 3),
                    "p": pvalue(p.p_value), "sig": p.p_value < 0.05})).collect::<Vec<_>>()})
        })
        .collect();
    let headline = lang.f(
        "csi_headline",
        &[
            (
                "indices",
                &r.constructs
                    .iter()
                    .map(|c| format!("{} {}", c.name, fixed(c.index_mean, 1)))
                    .collect::<Vec<_>>()
                    .join(lang.t("list_sep")),
            ),
            ("n", &super::format::thousands(r.n as f64, 0)),
            (
                "method",
                &lang.t(if r.options.consistent {
                    "csi_plsc"
                } else {
                    "csi_pls"
                }),
            ),
            (
                "boot",
                &if r.options.bootstrap > 0 {
                    lang.f("csi_boot", &[("b", &r.options.bootstrap)])
                } else {
                    String::new()
                },
            ),
        ],
    );
    Ok(
        json!({"headline": headline, "constructs": constructs, "paths": paths, "htmt": htmt,
        "target": r.ipma_target, "ipma_title": lang.f("ipma_for", &[("target", &r.ipma_target)]), "ipma": svg, "ipma_items": items_svg, "diagram": diagram, "groups": groups, "group_indices": group_indices, "names": construct_names, "warnings": r.warnings.iter().map(|w| lang.message(w)).collect::<Vec<_>>()}),
    )
}

/// The CLV section: the headline, totals by segment, the models' parameters, the holdout
/// check, and its charts (added to `charts`).
pub(super) fn clv_context(
    r: &crate::analysis::clv::ClvResult,
    charts_out: &mut Vec<(String, String)>,
    lang: super::i18n::Lang,
) -> Result<Value> {
    use super::clv_charts;
    use super::format::{fixed, money, thousands};
    let unit = format!("{:?}", r.time_unit).to_lowercase();
    let t = &r.totals;
    let margin = if r.options.margin.is_finite() {
        lang.f("clv_margin", &[("m", &num(r.options.margin, 3))])
    } else {
        lang.t("clv_own_margin").to_string()
    };
    let headline = lang.f(
        "clv_headline",
        &[
            ("h", &super::theme::tick(r.options.horizon)),
            ("unit", &lang.t(&format!("unit_{unit}"))),
            ("n", &thousands(t.customers as f64, 0)),
            ("tx", &thousands(t.expected_transactions, 0)),
            ("clv", &money(t.clv)),
            ("mean", &money(t.mean_clv)),
            ("model", &r.model_label),
            ("d", &num(r.options.discount, 3)),
            ("margin", &margin),
        ],
    );
    let segments: Vec<Value> = r
        .by_segment
        .iter()
        .map(|g| {
            json!({"segment": lang.name(&g.segment), "customers": thousands(g.customers as f64, 0), "clv": money(g.clv),
                "mean": money(g.mean_clv), "share": if g.share_of_clv.is_finite() { format!("{:.1}%", 100.0 * g.share_of_clv) } else { "–".to_string() },
                "alive": fixed(g.mean_p_alive, 3), "transactions": thousands(g.expected_transactions, 0)})
        })
        .collect();
    let mut params = Vec::new();
    for (label, f) in std::iter::once((r.model_label.as_str(), &r.purchase))
        .chain(r.gamma_gamma.as_ref().map(|g| ("Gamma-Gamma", g)))
    {
        for (i, n) in f.names.iter().enumerate() {
            params.push(
                json!({"model": label, "name": n, "est": num(f.params[i], 5),
                "se": f.std_errors[i].map(|v| num(v, 3)).unwrap_or_else(|| "n/a".into())}),
            );
        }
    }
    let mut charts = Vec::new();
    let mut holdout = Value::Null;
    if let Some(h) = &r.holdout {
        for (file, svg) in [
            (
                "clv_tracking_cumulative.svg",
                clv_charts::tracking_svg(r, h, true, lang)?,
            ),
            (
                "clv_by_frequency.svg",
                clv_charts::frequency_svg(r, h, lang)?,
            ),
        ] {
            charts_out.push((file.into(), svg.clone()));
            charts.push(json!({"file": file, "svg": svg}));
        }
        holdout = json!({
            "length": super::theme::tick(h.length),
            "rows": h.by_frequency.iter().map(|b| json!({"f": b.frequency, "n": thousands(b.customers as f64, 0),
                "actual": fixed(b.actual_mean, 3), "expected": fixed(b.expected_mean, 3)})).collect::<Vec<_>>(),
            "total": lang.f("holdout_total", &[("e", &thousands(h.expected_total, 0)), ("a", &thousands(h.actual_total, 0)), ("mae", &fixed(h.mae, 3)), ("rmse", &fixed(h.rmse, 3))]),
        });
    }
    // Which model made the per-customer predictions, after the last covariate block.
    let note = super::clv::covariates_note(r, lang).join(match lang {
        super::i18n::Lang::En => " ",
        super::i18n::Lang::Zh => "",
    });
    let svg = clv_charts::p_alive_svg(r, lang)?;
    charts_out.push(("clv_p_alive.svg".into(), svg.clone()));
    charts.push(json!({"file": "clv_p_alive.svg", "svg": svg}));
    Ok(
        json!({"headline": headline, "unit": unit, "model": r.model_label, "segments": segments,
        "holdout_title": r.holdout.as_ref().map(|h| lang.f("holdout", &[("n", &super::theme::tick(h.length)), ("unit", &lang.t(&format!("unit_{unit}")))])),
        "expected_title": lang.f("expected", &[("model", &r.model_label)]),
        "params": params, "holdout": holdout, "charts": charts, "warnings": r.warnings.iter().map(|w| lang.message(w)).collect::<Vec<_>>(),
        "p_alive_note": r.p_alive_note.as_ref().map(|n| lang.message(n)),
        "covariates": r.covariates.as_ref().map(|m| {
            let mut c = super::html_lifetime::covariates_context(m, super::clv::covariates_title(r, m, lang), lang);
            if r.spend_covariates.is_none() {
                c["note"] = json!(note);
            }
            c
        }),
        "covariates_spend": r.spend_covariates.as_ref().map(|m| {
            let mut c = super::html_lifetime::covariates_context(m, super::clv::spend_covariates_title(m, lang), lang);
            c["note"] = json!(note);
            c
        }),
        "covariates_segments": r.covariates_by_segment.iter().map(|g| {
            super::html_lifetime::covariates_context(&g.model, super::clv::segment_covariates_title(r, g, lang), lang)
        }).collect::<Vec<_>>()}),
    )
}

/// The return-on-satisfaction section: the plain statements, the ranking, each scenario's
/// table with payback and break-even, and the charts (added to `charts`).
pub(super) fn invest_context(
    r: &crate::analysis::invest::InvestResult,
    charts_out: &mut Vec<(String, String)>,
    lang: super::i18n::Lang,
) -> Result<Value> {
    use super::format::{amount, fixed, thousands};
    use super::invest::{interval, payback_line, scenario_heading};
    let conf = r.chain.confidence;
    let profit = super::invest_charts::profit_svg(r, lang)?;
    charts_out.push(("invest_profit.svg".into(), profit.clone()));
    let mut scenarios = Vec::new();
    for (k, sc) in r.scenarios.iter().enumerate() {
        let waterfall = super::invest_charts::waterfall_svg(sc, lang)?;
        let curve = super::invest_charts::curve_svg(sc, conf, lang)?;
        let (wf, cf) = (
            format!("invest_waterfall_{}.svg", k + 1),
            format!("invest_return_{}.svg", k + 1),
        );
        charts_out.push((wf.clone(), waterfall.clone()));
        charts_out.push((cf.clone(), curve.clone()));
        let rows: Vec<Value> = sc
            .segments
            .iter()
            .chain(std::iter::once(&sc.total))
            .map(|o| {
                let total = o.segment == "total";
                json!({"segment": if total { lang.t("inv_h_total").to_string() } else { lang.name(&o.segment) },
                    "total": total, "customers": thousands(o.customers as f64, 0), "reached": thousands(o.reached as f64, 0),
                    "gain": fixed(o.mean_gain, 2), "sow": interval(&o.share_of_wallet), "revenue": interval(&o.revenue),
                    "profit": interval(&o.profit), "loss": o.profit.estimate < 0.0, "value": interval(&o.value),
                    "cost": amount(o.cost, 3), "npv": interval(&o.npv),
                    "roi": if o.roi.estimate.is_finite() { fixed(o.roi.estimate, 2) } else { "–".into() },
                    "pays": if o.pays_off.is_finite() { format!("{:.0}%", o.pays_off * 100.0) } else { "–".into() }})
            })
            .collect();
        let extrapolation = (sc.total.beyond_observed > 0).then(|| {
            lang.f(
                "inv_extrapolation",
                &[
                    ("k", &thousands(sc.total.beyond_observed as f64, 0)),
                    ("by", &super::format::num(sc.total.beyond_by, 3)),
                ],
            )
        });
        scenarios.push(json!({"heading": scenario_heading(sc, lang), "rows": rows,
            "payback": payback_line(sc, lang), "extrapolation": extrapolation,
            "lifetime": super::invest::lifetime_line(sc, lang),
            "waterfall": waterfall, "waterfall_file": wf, "curve": curve, "curve_file": cf}));
    }
    let ranking: Vec<Value> = r
        .ranking
        .iter()
        .map(|k| {
            json!({"scenario": k.scenario, "segment": lang.name(&k.segment),
                "roi": if k.roi.is_finite() { fixed(k.roi, 2) } else { "–".into() },
                "npv": amount(k.npv, 3), "cost": amount(k.cost, 3), "loss": k.npv < 0.0})
        })
        .collect();
    Ok(json!({
        "intro": lang.f("inv_section_intro", &[("conf", &format!("{:.0}", conf * 100.0))]),
        "setup": super::invest::setup_line(r, lang),
        "statements": super::invest::statements(r, lang),
        "warnings": r.warnings.iter().map(|w| lang.message(w)).collect::<Vec<_>>(),
        "ranking": ranking, "scenarios": scenarios, "profit": profit,
    }))
}
