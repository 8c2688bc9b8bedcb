//! Rendering of `invest` results: the text (the bottom line and the ranking first, then
//! each scenario's table), the CSV of every scenario × segment, and the export.

use std::fmt::Write;

use polars::prelude::*;

use super::i18n::Lang;
use crate::analysis::invest::{Change, Figure, InvestResult, Outcome, Scenario};
use crate::error::{Error, Result};
use crate::format::{amount, num, thousands};

/// The horizon's retention in words: one rate, or each customer's from the purchase model.
fn retention_text(r: &InvestResult, lang: Lang) -> String {
    let m = num(r.multiplier, 4);
    match &r.retention_model {
        Some(model) => lang.f("inv_ret_clv", &[("model", model), ("m", &m)]),
        None => lang.f(
            "inv_ret_rate",
            &[
                ("r", &num(r.options.horizon.retention * 100.0, 3)),
                ("m", &m),
            ],
        ),
    }
}

/// A column of figures: its name and how to read it from an outcome.
type FigureColumn = (&'static str, fn(&Outcome) -> Figure);

/// The run's set-up in one line: scale, horizon, discount, retention, resamples.
pub(super) fn setup_line(r: &InvestResult, lang: Lang) -> String {
    let h = &r.options.horizon;
    lang.f(
        "inv_setup",
        &[
            ("lo", &r.scale[0]),
            ("hi", &r.scale[1]),
            ("years", &h.years),
            ("d", &num(h.discount * 100.0, 3)),
            ("ret", &retention_text(r, lang)),
            ("b", &r.chain.bootstrap),
            ("seed", &r.chain.seed),
            ("conf", &format!("{:.0}", r.chain.confidence * 100.0)),
        ],
    )
}

/// The scenario valued by the purchase model with covariates, in one line (None without
/// that model).
pub(super) fn lifetime_line(
    sc: &crate::analysis::invest::ScenarioResult,
    lang: Lang,
) -> Option<String> {
    let l = sc.lifetime.as_ref()?;
    let signed = |v: f64| {
        let a = amount(v, 3);
        if v > 0.0 {
            format!("+{a}")
        } else {
            a
        }
    };
    let segs: Vec<String> = l
        .segments
        .iter()
        .map(|g| format!("{} {}", lang.name(&g.segment), signed(g.clv_gain)))
        .collect();
    let unit = format!("{:?}", l.unit).to_lowercase();
    let mut line = lang.f(
        "inv_lifetime",
        &[
            ("model", &super::clv::model_words(&l.model, lang)),
            ("h", &super::theme::tick(l.horizon)),
            ("unit", &lang.t(&format!("unit_{unit}"))),
            ("total", &signed(l.total.clv_gain)),
            ("per", &signed(l.total.per_customer)),
            ("segs", &segs.join(lang.t("list_sep"))),
        ],
    );
    if l.total.not_valued > 0 {
        line.push_str(&lang.f(
            "inv_lifetime_missing",
            &[("k", &super::format::thousands(l.total.not_valued as f64, 0))],
        ));
    }
    Some(line)
}

/// A scenario's payback period and break-even gain in one line.
pub(super) fn payback_line(sc: &crate::analysis::invest::ScenarioResult, lang: Lang) -> String {
    let payback = if sc.payback_years.estimate.is_nan() {
        lang.t("inv_payback_never").to_string()
    } else {
        lang.f("inv_payback_years", &[("p", &interval(&sc.payback_years))])
    };
    let even = if sc.break_even_gain.estimate.is_nan() {
        lang.t("inv_even_never").to_string()
    } else if sc.break_even_estimate_only {
        format!(
            "{}{}",
            interval(&sc.break_even_gain),
            lang.t("inv_even_estimate_only")
        )
    } else {
        interval(&sc.break_even_gain)
    };
    lang.f(
        "inv_payback",
        &[("p", &payback), ("g", &even), ("b", &sc.resamples)],
    )
}

/// A scenario's heading: its name and what it changes for whom.
pub(super) fn scenario_heading(sc: &crate::analysis::invest::ScenarioResult, lang: Lang) -> String {
    let (_, what) = words(&sc.scenario, lang);
    lang.f("inv_scenario", &[("name", &sc.name), ("what", &what)])
}

pub(super) fn interval(f: &Figure) -> String {
    if f.low.is_nan() {
        amount(f.estimate, 3)
    } else {
        format!(
            "{} [{}, {}]",
            amount(f.estimate, 3),
            amount(f.low, 3),
            amount(f.high, 3)
        )
    }
}

/// The change and whom it reaches, in `lang`.
fn words(sc: &Scenario, lang: Lang) -> (String, String) {
    let gap = |g: f64| format!("{:.0}", g * 100.0);
    let what = match (&sc.driver, sc.change) {
        (None, Change::Add(1.0)) => lang.t("inv_add1").to_string(),
        (None, Change::Add(d)) => lang.f("inv_add", &[("d", &d)]),
        (None, Change::To(t)) => lang.f("inv_to", &[("t", &t)]),
        (None, Change::Gap(g)) => lang.f("inv_gap", &[("g", &gap(g))]),
        // A driver scenario changes the attribute rating, not satisfaction itself.
        (Some(a), Change::Add(d)) => lang.f("inv_driver_add", &[("a", &lang.name(a)), ("d", &d)]),
        (Some(a), Change::To(t)) => lang.f("inv_driver_to", &[("a", &lang.name(a)), ("t", &t)]),
        (Some(a), Change::Gap(g)) => {
            lang.f("inv_driver_gap", &[("a", &lang.name(a)), ("g", &gap(g))])
        }
    };
    let mut who = Vec::new();
    if let Some(s) = &sc.segment {
        who.push(lang.f("inv_segment", &[("s", &lang.name(s))]));
    }
    if let Some(r) = &sc.rule {
        who.push(r.clone());
    }
    if who.is_empty() {
        who.push(lang.t("inv_everyone").to_string());
    }
    let sep = if lang == Lang::Zh { "，" } else { ", " };
    (what.clone(), format!("{what}{sep}{}", who.join(sep)))
}

/// The plain statements in `lang`: each scenario's bottom line, then each segment where
/// raising satisfaction loses money (its Δprofit per customer's interval below 0).
pub fn statements(r: &InvestResult, lang: Lang) -> Vec<String> {
    let units = r
        .chain
        .units
        .as_ref()
        .map(|u| {
            if lang == Lang::Zh {
                format!("（{u}）")
            } else {
                format!(" ({u})")
            }
        })
        .unwrap_or_default();
    let amt = |x: f64| amount(x, 3);
    let conf = format!("{:.0}", r.chain.confidence * 100.0);
    let ci = |f: &Figure| {
        if f.low.is_nan() {
            String::new()
        } else {
            lang.f(
                "inv_ci",
                &[("conf", &conf), ("lo", &amt(f.low)), ("hi", &amt(f.high))],
            )
        }
    };
    let mut out = Vec::new();
    for sc in &r.scenarios {
        let t = &sc.total;
        let (change, what) = words(&sc.scenario, lang);
        let mut line = lang.f(
            "inv_total",
            &[
                ("name", &sc.name),
                ("what", &what),
                ("k", &thousands(t.reached as f64, 0)),
                ("g", &num(t.mean_gain, 3)),
                ("p", &amt(t.total_profit.estimate)),
                ("units", &units),
                ("ci", &ci(&t.total_profit)),
                ("v", &amt(t.value.estimate)),
                ("years", &r.options.horizon.years),
            ],
        );
        if t.cost > 0.0 {
            line.push_str(&lang.f(
                "inv_cost",
                &[
                    ("c", &amt(t.cost)),
                    ("npv", &amt(t.npv.estimate)),
                    ("ci", &ci(&t.npv)),
                    ("roi", &num(t.roi.estimate, 3)),
                ],
            ));
            if !t.pays_off.is_nan() {
                line.push_str(&lang.f(
                    "inv_pays",
                    &[("share", &format!("{:.0}", t.pays_off * 100.0))],
                ));
            }
        }
        line.push_str(if lang == Lang::Zh { "。" } else { "." });
        out.push(line);
        for o in &sc.segments {
            let losing = o.profit.high < 0.0 || (o.profit.high.is_nan() && o.profit.estimate < 0.0);
            if !losing {
                continue;
            }
            let key = if o.mean_profit < 0.0 {
                "inv_loss_deepen"
            } else {
                "inv_loss"
            };
            out.push(lang.f(
                key,
                &[
                    ("seg", &lang.name(&o.segment)),
                    ("what", &change),
                    ("rev", &amt(o.revenue.estimate)),
                    ("p", &amt(o.profit.estimate)),
                    ("units", &units),
                    ("ci", &ci(&o.profit)),
                ],
            ));
        }
    }
    out
}

/// The text output in English.
pub fn text(r: &InvestResult) -> String {
    text_in(r, Lang::En)
}

/// The text output in `lang`: the bottom line and the ranking first, then each scenario.
pub fn text_in(r: &InvestResult, lang: Lang) -> String {
    let mut s = String::new();
    let study = if r.study.is_empty() {
        String::new()
    } else {
        format!(" — {}", r.study)
    };
    let _ = writeln!(s, "{}", lang.f("inv_title", &[("study", &study)]));
    let _ = writeln!(s, "{}", setup_line(r, lang));
    if let Some(u) = &r.chain.units {
        let _ = writeln!(s, "{}", lang.f("inv_units", &[("u", u)]));
    }
    let _ = writeln!(s, "\n{}", lang.t("inv_bottom"));
    for line in statements(r, lang) {
        let _ = writeln!(s, "  - {line}");
    }
    for w in &r.warnings {
        let _ = writeln!(s, "{}{}", lang.t("txt_warning"), lang.message(w));
    }
    let _ = writeln!(s, "\n{}", lang.t("inv_ranking"));
    let _ = writeln!(
        s,
        "  {:<24} {:<16} {:>10} {:>14} {:>14}",
        lang.t("inv_h_scenario"),
        lang.t("inv_h_segment"),
        "ROI",
        "NPV",
        lang.t("inv_h_cost")
    );
    for k in &r.ranking {
        let _ = writeln!(
            s,
            "  {:<24} {:<16} {:>10} {:>14} {:>14}",
            k.scenario,
            lang.name(&k.segment),
            num(k.roi, 3),
            amount(k.npv, 3),
            amount(k.cost, 3)
        );
    }
    for sc in &r.scenarios {
        let _ = writeln!(s, "\n{}", scenario_heading(sc, lang));
        let _ = writeln!(
            s,
            "  {:<14} {:>10} {:>9} {:>6} {:>22} {:>26} {:>26} {:>30} {:>9}",
            lang.t("inv_h_segment"),
            lang.t("inv_h_customers"),
            lang.t("inv_h_reached"),
            lang.t("inv_h_gain"),
            lang.t("inv_h_sow"),
            lang.t("inv_h_revenue"),
            lang.t("inv_h_profit"),
            "NPV",
            lang.t("inv_h_pays")
        );
        for o in sc.segments.iter().chain(std::iter::once(&sc.total)) {
            let name = if o.segment == "total" {
                lang.t("inv_h_total").to_string()
            } else {
                lang.name(&o.segment)
            };
            let _ = writeln!(s, "{}", row(&name, o));
        }
        let _ = writeln!(s, "  {}", payback_line(sc, lang));
        if let Some(line) = lifetime_line(sc, lang) {
            let _ = writeln!(s, "  {line}");
        }
        if sc.total.beyond_observed > 0 {
            let _ = writeln!(
                s,
                "  {}",
                lang.f(
                    "inv_extrapolation",
                    &[
                        ("k", &thousands(sc.total.beyond_observed as f64, 0)),
                        ("by", &num(sc.total.beyond_by, 3)),
                    ]
                )
            );
        }
    }
    s
}

fn row(name: &str, o: &Outcome) -> String {
    format!(
        "  {:<14} {:>10} {:>9} {:>6} {:>22} {:>26} {:>26} {:>30} {:>9}",
        name,
        thousands(o.customers as f64, 0),
        thousands(o.reached as f64, 0),
        num(o.mean_gain, 3),
        interval(&o.share_of_wallet),
        interval(&o.revenue),
        interval(&o.profit),
        interval(&o.npv),
        if o.pays_off.is_nan() {
            "–".to_string()
        } else {
            format!("{:.0}%", o.pays_off * 100.0)
        }
    )
}

/// One row per scenario × segment (and the scenario's total).
pub fn table(r: &InvestResult) -> Result<DataFrame> {
    let rows: Vec<(&str, &Outcome)> = r
        .scenarios
        .iter()
        .flat_map(|sc| {
            sc.segments
                .iter()
                .chain(std::iter::once(&sc.total))
                .map(move |o| (sc.name.as_str(), o))
        })
        .collect();
    let text = |f: &dyn Fn(&(&str, &Outcome)) -> String| rows.iter().map(f).collect::<Vec<_>>();
    let nums = |f: &dyn Fn(&Outcome) -> f64| rows.iter().map(|(_, o)| f(o)).collect::<Vec<_>>();
    let mut cols = vec![
        Column::new("scenario".into(), text(&|(n, _)| n.to_string())),
        Column::new("segment".into(), text(&|(_, o)| o.segment.clone())),
        Column::new("customers".into(), nums(&|o| o.customers as f64)),
        Column::new("reached".into(), nums(&|o| o.reached as f64)),
        Column::new("mean_gain".into(), nums(&|o| o.mean_gain)),
    ];
    let figures: [FigureColumn; 8] = [
        ("sow_per_customer", |o| o.share_of_wallet),
        ("revenue_per_customer", |o| o.revenue),
        ("profit_per_customer", |o| o.profit),
        ("total_revenue", |o| o.total_revenue),
        ("total_profit", |o| o.total_profit),
        ("value", |o| o.value),
        ("npv", |o| o.npv),
        ("roi", |o| o.roi),
    ];
    for (name, f) in figures {
        cols.push(Column::new(name.into(), nums(&|o| f(o).estimate)));
        cols.push(Column::new(
            format!("{name}_low").into(),
            nums(&|o| f(o).low),
        ));
        cols.push(Column::new(
            format!("{name}_high").into(),
            nums(&|o| f(o).high),
        ));
    }
    cols.push(Column::new("cost".into(), nums(&|o| o.cost)));
    cols.push(Column::new("pays_off".into(), nums(&|o| o.pays_off)));
    cols.push(Column::new(
        "beyond_observed".into(),
        nums(&|o| o.beyond_observed as f64),
    ));
    Ok(DataFrame::new_infer_height(cols)?)
}

/// The CSV of [`table`].
pub fn csv(r: &InvestResult) -> Result<String> {
    super::export::table_csv(&export(r)?, "outcomes")
}

/// The export: outcomes, ranking, summary.json.
pub fn export(r: &InvestResult) -> Result<super::export::Export> {
    let ranking = DataFrame::new_infer_height(vec![
        Column::new(
            "scenario".into(),
            r.ranking
                .iter()
                .map(|k| k.scenario.clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "segment".into(),
            r.ranking
                .iter()
                .map(|k| k.segment.clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "roi".into(),
            r.ranking.iter().map(|k| k.roi).collect::<Vec<_>>(),
        ),
        Column::new(
            "npv".into(),
            r.ranking.iter().map(|k| k.npv).collect::<Vec<_>>(),
        ),
        Column::new(
            "cost".into(),
            r.ranking.iter().map(|k| k.cost).collect::<Vec<_>>(),
        ),
    ])?;
    super::export::with_diagnostics(
        super::export::Export {
            lang: Default::default(),
            overview: vec![],
            tables: vec![
                super::export::Table {
                    name: "outcomes".into(),
                    df: table(r)?,
                },
                super::export::Table {
                    name: "ranking".into(),
                    df: ranking,
                },
            ],
            json: serde_json::to_string_pretty(r).map_err(|e| Error::Internal(e.to_string()))?
                + "\n",
            latex: None,
            files: Vec::new(),
        },
        &r.diagnostics,
    )
}
