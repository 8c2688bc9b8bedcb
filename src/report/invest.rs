//! Rendering of `invest` results: the text (the bottom line and the ranking first, then
//! each scenario's table), the CSV of every scenario × segment, and the export.

use std::fmt::Write;

use polars::prelude::*;

use crate::analysis::invest::{Figure, InvestResult, Outcome};
use crate::error::{Error, Result};
use crate::format::{amount, num, thousands};

/// A column of figures: its name and how to read it from an outcome.
type FigureColumn = (&'static str, fn(&Outcome) -> Figure);

fn interval(f: &Figure) -> String {
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

/// The text output.
pub fn text(r: &InvestResult) -> String {
    let mut s = String::new();
    let h = &r.options.horizon;
    let _ = writeln!(
        s,
        "Return on satisfaction{}",
        if r.study.is_empty() {
            String::new()
        } else {
            format!(" — {}", r.study)
        }
    );
    let _ = writeln!(
        s,
        "Satisfaction scale {}–{}; value over {} year(s) at a {}% discount rate and {}% retention a year (× {}); {} resamples of each segment's chain (seed {}), {:.0}% percentile intervals in brackets.",
        r.scale[0],
        r.scale[1],
        h.years,
        num(h.discount * 100.0, 3),
        num(h.retention * 100.0, 3),
        num(r.multiplier, 4),
        r.chain.bootstrap,
        r.chain.seed,
        r.chain.confidence * 100.0,
    );
    if let Some(u) = &r.chain.units {
        let _ = writeln!(s, "Amounts in {u}.");
    }
    let _ = writeln!(s, "\nBottom line");
    for line in &r.statements {
        let _ = writeln!(s, "  - {line}");
    }
    for w in &r.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    let _ = writeln!(s, "\nRanking (net present value per unit of cost)");
    let _ = writeln!(
        s,
        "  {:<24} {:<16} {:>10} {:>14} {:>14}",
        "scenario", "segment", "ROI", "NPV", "cost"
    );
    for k in &r.ranking {
        let _ = writeln!(
            s,
            "  {:<24} {:<16} {:>10} {:>14} {:>14}",
            k.scenario,
            k.segment,
            num(k.roi, 3),
            amount(k.npv, 3),
            amount(k.cost, 3)
        );
    }
    for sc in &r.scenarios {
        let _ = writeln!(s, "\nScenario '{}': {}", sc.name, sc.description);
        let _ = writeln!(
            s,
            "  {:<14} {:>10} {:>9} {:>6} {:>22} {:>26} {:>26} {:>30} {:>9}",
            "segment",
            "customers",
            "reached",
            "gain",
            "Δshare of wallet",
            "Δrevenue per customer",
            "Δprofit per customer",
            "NPV",
            "pays off"
        );
        for o in sc.segments.iter().chain(std::iter::once(&sc.total)) {
            let _ = writeln!(s, "{}", row(o));
        }
        let _ = writeln!(
            s,
            "  payback: {}; break-even gain: {} points per customer reached ({} resamples)",
            if sc.payback_years.estimate.is_nan() {
                "not within the horizon".to_string()
            } else {
                format!("{} years", interval(&sc.payback_years))
            },
            if sc.break_even_gain.estimate.is_nan() {
                "none up to the top of the scale".to_string()
            } else {
                interval(&sc.break_even_gain)
            },
            sc.resamples
        );
        if sc.total.beyond_observed > 0 {
            let _ = writeln!(
                s,
                "  extrapolation: {} customers are taken above their segment's highest observed satisfaction, by up to {} points; the chain is not observed there",
                thousands(sc.total.beyond_observed as f64, 0),
                num(sc.total.beyond_by, 3)
            );
        }
    }
    s
}

fn row(o: &Outcome) -> String {
    format!(
        "  {:<14} {:>10} {:>9} {:>6} {:>22} {:>26} {:>26} {:>30} {:>8.0}%",
        o.segment,
        thousands(o.customers as f64, 0),
        thousands(o.reached as f64, 0),
        num(o.mean_gain, 3),
        interval(&o.share_of_wallet),
        interval(&o.revenue),
        interval(&o.profit),
        interval(&o.npv),
        o.pays_off * 100.0
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
