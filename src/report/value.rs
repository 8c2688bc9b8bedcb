//! Renderings of the value analysis.

use std::fmt::Write;

use polars::prelude::*;

use super::format::{money, num, thousands};
use super::i18n::Lang;
use crate::analysis::value::{Decile, ValueResult};
use crate::error::{Error, Result};

fn decile_rows(s: &mut String, title: &str, rows: &[Decile], lang: Lang) {
    use super::text::rpad;
    let _ = writeln!(s, "{title}");
    let _ = writeln!(
        s,
        "  {} {} {} {} {} {}",
        rpad(lang.t("v_decile"), 6),
        rpad(lang.t("customers_h"), 10),
        rpad(lang.t("var_revenue"), 14),
        rpad(lang.t("var_profit"), 14),
        rpad(lang.t("v_mean_profit"), 12),
        rpad(lang.t("v_pct_profit"), 9)
    );
    for d in rows {
        let _ = writeln!(
            s,
            "  {:>6} {:>10} {:>14} {:>14} {:>12} {:>9}",
            d.decile,
            thousands(d.customers as f64, 0),
            money(d.revenue),
            money(d.profit),
            money(d.mean_profit),
            format!("{:.1}", d.profit_share_pct)
        );
    }
}

/// Terminal summary.
pub fn text(v: &ValueResult) -> String {
    text_in(v, Lang::En)
}

/// [`text`] in `lang` (the CLV and Wallet Allocation Rule lines stay formulas).
pub fn text_in(v: &ValueResult, lang: Lang) -> String {
    let mut s = super::text::audit_block(&v.diagnostics, lang, "");
    let customers = super::text::count_in(lang, v.customers, "customer");
    let f1 = |x: f64| format!("{x:.1}");
    let _ = writeln!(
        s,
        "{}",
        lang.f(
            "v_totals",
            &[
                ("c", &customers),
                ("rev", &money(v.total_revenue)),
                ("profit", &money(v.total_profit)),
                ("u", &f1(v.unprofitable_share)),
            ]
        )
    );
    let end = v.whale_curve.last().map_or(100.0, |p| p.profit_pct);
    let base = lang.message(&v.profit_base);
    let _ = writeln!(
        s,
        "{}",
        lang.f(
            "v_whale",
            &[
                ("c", &f1(v.peak_customer_pct)),
                ("p", &f1(v.peak_profit_pct)),
                ("base", &base),
                ("back", &f1(v.peak_profit_pct - end)),
            ]
        )
    );
    decile_rows(
        &mut s,
        &format!("\n{}", lang.t("v_by_profit")),
        &v.deciles,
        lang,
    );
    decile_rows(
        &mut s,
        &format!("\n{}", lang.t("v_by_revenue")),
        &v.revenue_deciles,
        lang,
    );
    if let Some(c) = &v.clv {
        let _ = writeln!(
            s,
            "\nCLV = {} (d = {}): total {}, mean {}; profitable customers {}, unprofitable {}",
            c.formula,
            c.discount,
            num(c.total, 6),
            num(c.mean, 4),
            num(c.profitable_total, 6),
            num(c.unprofitable_total, 6)
        );
        let _ = writeln!(s, "  {}", lang.t("v_clv_model"));
    }
    if let Some(w) = &v.war {
        let _ = writeln!(
            s,
            "\nWallet Allocation Rule, SOW = {}: n = {}, mean predicted {:.3} vs observed {:.3}, r = {:.3} (p {})",
            w.formula,
            w.n,
            w.mean_predicted_sow,
            w.mean_observed_sow,
            w.correlation,
            super::format::pvalue(w.p_value)
        );
    }
    for d in &v.rows_dropped {
        let _ = writeln!(
            s,
            "Dropped {} with missing or non-finite '{}'",
            crate::report::text::count(d.rows, "row"),
            d.column
        );
    }
    s
}

/// Both decile tables as one tidy table (`kind` = profit | revenue).
pub fn deciles_table(v: &ValueResult) -> Result<DataFrame> {
    let rows: Vec<(&str, &Decile)> = v
        .deciles
        .iter()
        .map(|d| ("profit", d))
        .chain(v.revenue_deciles.iter().map(|d| ("revenue", d)))
        .collect();
    DataFrame::new_infer_height(vec![
        Column::new(
            "ranked_by".into(),
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        ),
        Column::new(
            "decile".into(),
            rows.iter().map(|r| r.1.decile).collect::<Vec<_>>(),
        ),
        Column::new(
            "customers".into(),
            rows.iter().map(|r| r.1.customers).collect::<Vec<_>>(),
        ),
        Column::new(
            "revenue".into(),
            rows.iter().map(|r| r.1.revenue).collect::<Vec<_>>(),
        ),
        Column::new(
            "profit".into(),
            rows.iter().map(|r| r.1.profit).collect::<Vec<_>>(),
        ),
        Column::new(
            "mean_profit".into(),
            rows.iter().map(|r| r.1.mean_profit).collect::<Vec<_>>(),
        ),
        Column::new(
            "profit_share_pct".into(),
            rows.iter()
                .map(|r| r.1.profit_share_pct)
                .collect::<Vec<_>>(),
        ),
    ])
    .map_err(Error::from)
}

/// `value --export`: deciles, the whale curve, JSON.
pub fn export(v: &ValueResult) -> Result<super::export::Export> {
    super::export::with_diagnostics(export_tables(v)?, &v.diagnostics)
}

fn export_tables(v: &ValueResult) -> Result<super::export::Export> {
    let whale = DataFrame::new_infer_height(vec![
        Column::new(
            "customer_pct".into(),
            v.whale_curve
                .iter()
                .map(|p| p.customer_pct)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "profit_pct".into(),
            v.whale_curve
                .iter()
                .map(|p| p.profit_pct)
                .collect::<Vec<_>>(),
        ),
    ])?;
    Ok(super::export::Export {
        lang: Default::default(),
        overview: vec![],
        tables: vec![
            super::export::Table {
                name: "deciles".into(),
                df: deciles_table(v)?,
            },
            super::export::Table {
                name: "whale_curve".into(),
                df: whale,
            },
        ],
        json: serde_json::to_string_pretty(v).map_err(|e| Error::Internal(e.to_string()))? + "\n",
        latex: None,
        files: Vec::new(),
    })
}
