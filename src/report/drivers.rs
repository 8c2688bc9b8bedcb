//! Renderings of the key-driver analysis.

use std::fmt::Write;

use polars::prelude::*;

use super::format::{num, pvalue};
use super::i18n::Lang;
use crate::analysis::drivers::DriversOutput;
use crate::error::{Error, Result};

/// Terminal table per group.
pub fn text(out: &DriversOutput) -> String {
    text_in(out, Lang::En)
}

/// [`text`] in `lang`.
pub fn text_in(out: &DriversOutput, lang: Lang) -> String {
    let mut s = super::text::audit_block(&out.diagnostics, lang, "");
    for g in &out.groups {
        let _ = writeln!(
            s,
            "{}",
            lang.f(
                "dr_title",
                &[
                    ("target", &out.target),
                    ("g", &lang.name(&g.group)),
                    ("n", &g.n),
                    ("r2", &num(g.r_squared, 4)),
                ]
            )
        );
        let _ = writeln!(
            s,
            "  {} {} {:>8} {:>9} {:>8} {:>9} {:>8} {}  {}",
            super::text::pad(lang.t("dr_driver"), 16),
            super::text::rpad(lang.t("dr_coef"), 10),
            "p",
            "Shapley",
            "% R²",
            "RelWt",
            "% R²",
            super::text::rpad(lang.t("dr_mean"), 7),
            lang.t("dr_quadrant")
        );
        for d in &g.drivers {
            let _ = writeln!(
                s,
                "  {:<16} {:>10} {:>8} {:>9} {:>8} {:>9} {:>8} {:>7}  {}",
                d.name,
                num(d.coefficient, 4),
                pvalue(d.p_value),
                num(d.shapley, 4),
                super::format::fixed(d.shapley_pct, 1),
                num(d.relative_weight, 4),
                super::format::fixed(d.relative_weight_pct, 1),
                super::format::fixed(d.mean, 2),
                lang.message(&d.quadrant)
            );
            if let (Some(a), Some(b)) = (d.shapley_ci, d.relative_weight_ci) {
                let _ = writeln!(
                    s,
                    "  {:<16} Shapley CI [{}, {}], relative weight CI [{}, {}]",
                    "",
                    num(a[0], 3),
                    num(a[1], 3),
                    num(b[0], 3),
                    num(b[1], 3)
                );
            }
        }
        let _ = writeln!(
            s,
            "  {}",
            lang.f("dr_basis", &[("basis", &lang.message(&g.quadrant_basis))])
        );
        for d in &g.rows_dropped {
            let _ = writeln!(
                s,
                "  Dropped {} with missing or non-finite '{}'",
                crate::report::text::count(d.rows, "row"),
                d.column
            );
        }
        let _ = writeln!(s);
    }
    s
}

/// One tidy row per (group, driver).
pub fn tidy(out: &DriversOutput) -> Result<DataFrame> {
    let rows: Vec<(&str, &crate::analysis::drivers::Driver, f64)> = out
        .groups
        .iter()
        .flat_map(|g| {
            g.drivers
                .iter()
                .map(move |d| (g.group.as_str(), d, g.r_squared))
        })
        .collect();
    let f = |get: fn(&crate::analysis::drivers::Driver) -> f64| {
        rows.iter().map(|r| get(r.1)).collect::<Vec<f64>>()
    };
    DataFrame::new_infer_height(vec![
        Column::new("group".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        Column::new(
            "driver".into(),
            rows.iter().map(|r| r.1.name.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("coefficient".into(), f(|d| d.coefficient)),
        Column::new("p_value".into(), f(|d| d.p_value)),
        Column::new("shapley".into(), f(|d| d.shapley)),
        Column::new("shapley_pct".into(), f(|d| d.shapley_pct)),
        Column::new("relative_weight".into(), f(|d| d.relative_weight)),
        Column::new("relative_weight_pct".into(), f(|d| d.relative_weight_pct)),
        Column::new("mean".into(), f(|d| d.mean)),
        Column::new(
            "quadrant".into(),
            rows.iter()
                .map(|r| r.1.quadrant.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "r_squared".into(),
            rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        ),
    ])
    .map_err(Error::from)
}

/// `drivers --export`: the tidy importance table and JSON.
pub fn export(out: &DriversOutput) -> Result<super::export::Export> {
    super::export::with_diagnostics(export_tables(out)?, &out.diagnostics)
}

fn export_tables(out: &DriversOutput) -> Result<super::export::Export> {
    Ok(super::export::Export {
        lang: Default::default(),
        overview: vec![],
        tables: vec![super::export::Table {
            name: "drivers".into(),
            df: tidy(out)?,
        }],
        json: serde_json::to_string_pretty(out).map_err(|e| Error::Internal(e.to_string()))? + "\n",
        latex: None,
        files: Vec::new(),
    })
}
