//! Rendering of the retention (sBG) result: text in either language, the export's tables
//! and its two charts (survival with its projection; retention rate by period).

use std::fmt::Write as _;

use plotters::prelude::*;
use polars::prelude::*;

use super::export::{Export, Table};
use super::i18n::Lang;
use super::theme::{self, chart_err, Mark, INK, PALETTE};
use crate::analysis::retention::{GroupFit, RetentionResult};
use crate::error::Result;
use crate::format::num;

fn unit(r: &RetentionResult, lang: Lang) -> String {
    let u = format!("{:?}", r.options.unit).to_lowercase();
    lang.t(&format!("unit_{u}")).to_string()
}

/// A share as a percentage (shared with the report's section).
pub(super) fn pct(v: f64) -> String {
    format!("{}%", num(100.0 * v, 3))
}

/// A value formatted, or a dash when there is none.
pub(super) fn opt(v: Option<f64>, f: fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "—".into())
}

/// The opening lines: the model and source, the terms, a subscription table's counts.
pub(super) fn header_lines(r: &RetentionResult, lang: Lang) -> Vec<String> {
    let u = unit(r, lang);
    let mut lines = vec![
        lang.f(
            "ret_title",
            &[
                ("source", &lang.t(&format!("ret_source_{}", r.source))),
                ("unit", &u),
            ],
        ),
        lang.f(
            "ret_terms",
            &[
                ("discount", &pct(r.options.discount)),
                ("per_period", &pct(r.discount_per_period)),
                ("unit", &u),
                ("margin", &crate::format::value(r.options.margin, 6)),
            ],
        ),
    ];
    if let (Some(c), Some(as_of)) = (&r.counts, &r.as_of) {
        lines.push(lang.f(
            "ret_counts",
            &[
                ("rows", &c.rows),
                ("lost", &c.lost),
                ("active", &c.active),
                ("missing", &c.missing_start),
                ("as_of", as_of),
            ],
        ));
    }
    lines
}

/// A group's sentences around its period table.
pub(super) struct GroupLines {
    pub heading: String,
    pub params: String,
    pub holdout: Option<String>,
    /// The footnote to projected periods when nothing was held out.
    pub star: Option<String>,
    pub del: String,
    pub derl: Option<String>,
}

pub(super) fn group_lines(r: &RetentionResult, g: &GroupFit, lang: Lang) -> GroupLines {
    let u = unit(r, lang);
    let f = &g.fit;
    let se = |i: usize| opt(f.std_errors[i], |v| num(v, 3));
    let holdout = g.holdout.as_ref().map(|h| {
        lang.f(
            "ret_holdout",
            &[
                ("from", &h.periods.first().copied().unwrap_or(0)),
                ("to", &h.periods.last().copied().unwrap_or(0)),
                ("mean", &num(h.mean_abs_pct_error, 3)),
                ("max", &num(h.max_abs_pct_error, 3)),
            ],
        )
    });
    GroupLines {
        heading: lang.f(
            "ret_group",
            &[
                ("name", &lang.name(&g.name)),
                ("n", &crate::format::thousands(g.customers, 0)),
                ("fit", &g.fit_periods),
                ("obs", &g.periods_observed),
                ("unit", &u),
            ],
        ),
        params: lang.f(
            "ret_params",
            &[
                ("alpha", &num(f.params[0], 4)),
                ("se_a", &se(0)),
                ("beta", &num(f.params[1], 4)),
                ("se_b", &se(1)),
                ("churn", &pct(g.mean_churn)),
                ("ll", &num(f.log_likelihood, 6)),
                ("status", &f.status),
            ],
        ),
        star: (holdout.is_none() && g.table.iter().any(|t| !t.in_fit))
            .then(|| lang.t("ret_star").to_string()),
        holdout,
        del: lang.f(
            "ret_del",
            &[
                ("del", &num(g.del, 4)),
                ("clv", &crate::format::amount(g.clv_new, 4)),
                ("unit", &u),
            ],
        ),
        derl: match (g.mean_derl_active, g.residual_value) {
            (Some(d), Some(v)) => Some(lang.f(
                "ret_derl",
                &[
                    ("active", &crate::format::thousands(g.active, 0)),
                    ("derl", &num(d, 4)),
                    ("value", &crate::format::amount(v, 6)),
                ],
            )),
            _ => None,
        },
    }
}

/// The text summary.
pub fn text_in(r: &RetentionResult, lang: Lang) -> String {
    let mut s = String::new();
    for l in header_lines(r, lang) {
        let _ = writeln!(s, "{l}");
    }
    for g in &r.groups {
        group_text(&mut s, r, g, lang);
    }
    if let Some(m) = &r.covariates {
        let title = lang.f(
            "ret_cov_title",
            &[("n", &crate::format::thousands(m.customers as f64, 0))],
        );
        super::covariates::text(&mut s, m, &title, lang);
        for g in &r.covariates_by_segment {
            super::covariates::text(&mut s, &g.model, &segment_covariates_title(g, lang), lang);
        }
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(s);
    }
    for w in &r.warnings {
        let _ = writeln!(s, "{}{}", lang.t("txt_warning"), lang.message(w));
    }
    s
}

/// The heading of one segment's sBG covariate model.
pub fn segment_covariates_title(
    g: &crate::analysis::covariates::SegmentCovariates,
    lang: Lang,
) -> String {
    lang.f(
        "ret_cov_segment_title",
        &[
            ("segment", &lang.name(&g.segment)),
            ("n", &crate::format::thousands(g.model.customers as f64, 0)),
        ],
    )
}

fn group_text(s: &mut String, r: &RetentionResult, g: &GroupFit, lang: Lang) {
    use super::text::{pad, rpad};
    let lines = group_lines(r, g, lang);
    let _ = writeln!(s, "\n{}", lines.heading);
    let _ = writeln!(s, "  {}", lines.params);
    let _ = writeln!(
        s,
        "  {}{}{}{}{}",
        pad(lang.t("ret_period"), 8),
        rpad(lang.t("ret_observed"), 12),
        rpad(lang.t("ret_projected"), 12),
        rpad(lang.t("ret_ret_obs"), 20),
        rpad(lang.t("ret_ret_sbg"), 20)
    );
    for row in &g.table {
        let mark = if row.in_fit { "" } else { "*" };
        let _ = writeln!(
            s,
            "  {}{}{}{}{}",
            pad(&format!("{}{mark}", row.period), 8),
            rpad(&opt(row.observed_survival, pct), 12),
            rpad(&pct(row.projected_survival), 12),
            rpad(&opt(row.observed_retention, pct), 20),
            rpad(&opt(row.projected_retention, pct), 20)
        );
    }
    for l in [lines.holdout, lines.star, Some(lines.del), lines.derl]
        .into_iter()
        .flatten()
    {
        let _ = writeln!(s, "  {l}");
    }
}

/// The projection table: one row per group and period.
pub fn projection_table(r: &RetentionResult) -> Result<DataFrame> {
    let rows: Vec<(&GroupFit, &crate::analysis::retention::PeriodRow)> = r
        .groups
        .iter()
        .flat_map(|g| g.table.iter().map(move |t| (g, t)))
        .collect();
    Ok(df!(
        "group" => rows.iter().map(|(g, _)| g.name.clone()).collect::<Vec<_>>(),
        "period" => rows.iter().map(|(_, t)| t.period as u32).collect::<Vec<_>>(),
        "observed_survival" => rows.iter().map(|(_, t)| t.observed_survival).collect::<Vec<_>>(),
        "projected_survival" => rows.iter().map(|(_, t)| t.projected_survival).collect::<Vec<_>>(),
        "projected_active" => rows.iter().map(|(_, t)| t.projected_active).collect::<Vec<_>>(),
        "observed_retention" => rows.iter().map(|(_, t)| t.observed_retention).collect::<Vec<_>>(),
        "projected_retention" => rows.iter().map(|(_, t)| t.projected_retention).collect::<Vec<_>>(),
        "in_fit" => rows.iter().map(|(_, t)| t.in_fit).collect::<Vec<_>>(),
    )?)
}

/// One row per group: the fit, DEL, DERL and values.
pub fn groups_table(r: &RetentionResult) -> Result<DataFrame> {
    let g = &r.groups;
    let col = |f: fn(&GroupFit) -> f64| g.iter().map(f).collect::<Vec<_>>();
    Ok(df!(
        "group" => g.iter().map(|g| g.name.clone()).collect::<Vec<_>>(),
        "customers" => col(|g| g.customers),
        "lost" => col(|g| g.lost),
        "active" => col(|g| g.active),
        "periods_observed" => g.iter().map(|g| g.periods_observed as u32).collect::<Vec<_>>(),
        "fit_periods" => g.iter().map(|g| g.fit_periods as u32).collect::<Vec<_>>(),
        "alpha" => col(|g| g.fit.params[0]),
        "alpha_se" => g.iter().map(|g| g.fit.std_errors[0]).collect::<Vec<_>>(),
        "beta" => col(|g| g.fit.params[1]),
        "beta_se" => g.iter().map(|g| g.fit.std_errors[1]).collect::<Vec<_>>(),
        "log_likelihood" => col(|g| g.fit.log_likelihood),
        "status" => g.iter().map(|g| g.fit.status.clone()).collect::<Vec<_>>(),
        "mean_churn" => col(|g| g.mean_churn),
        "del" => col(|g| g.del),
        "clv_new" => col(|g| g.clv_new),
        "mean_derl_active" => g.iter().map(|g| g.mean_derl_active).collect::<Vec<_>>(),
        "residual_value" => g.iter().map(|g| g.residual_value).collect::<Vec<_>>(),
    )?)
}

/// The tables and charts `--export` writes.
pub fn export(r: &RetentionResult, json: String, lang: Lang) -> Result<Export> {
    let mut tables = vec![
        Table {
            name: "groups".into(),
            df: groups_table(r)?,
        },
        Table {
            name: "projection".into(),
            df: projection_table(r)?,
        },
    ];
    if let Some(m) = &r.covariates {
        let e = &m.effects;
        tables.push(Table {
            name: "covariate_effects".into(),
            df: df!(
                "covariate" => e.iter().map(|e| e.covariate.clone()).collect::<Vec<_>>(),
                "quantity" => e.iter().map(|e| e.quantity.clone()).collect::<Vec<_>>(),
                "kind" => e.iter().map(|e| e.kind.clone()).collect::<Vec<_>>(),
                "at_mean" => e.iter().map(|e| e.at_mean).collect::<Vec<_>>(),
                "one_unit_up" => e.iter().map(|e| e.one_unit_up).collect::<Vec<_>>(),
                "estimate" => e.iter().map(|e| e.estimate).collect::<Vec<_>>(),
                "ci_low" => e.iter().map(|e| e.ci_low).collect::<Vec<_>>(),
                "ci_high" => e.iter().map(|e| e.ci_high).collect::<Vec<_>>(),
            )?,
        });
        tables.push(Table {
            name: "covariate_parameters".into(),
            df: df!(
                "parameter" => m.fit.names.clone(),
                "estimate" => m.fit.params.clone(),
                "std_error" => m.fit.std_errors.clone(),
                "z" => m.z.clone(),
                "p" => m.p.clone(),
            )?,
        });
    }
    Ok(Export {
        overview: vec![],
        tables,
        json,
        latex: None,
        files: vec![
            (
                "charts/retention_survival.svg".into(),
                survival_svg(r, lang)?,
            ),
            ("charts/retention_rate.svg".into(), rate_svg(r, lang)?),
        ],
        lang,
    })
}

/// Observed survival (solid, points) and the sBG's projection (dashed) per group.
pub fn survival_svg(r: &RetentionResult, lang: Lang) -> Result<String> {
    curves_svg(r, lang, "ret_chart_survival", "ret_chart_share", |t| {
        (Some(t.projected_survival), t.observed_survival)
    })
}

/// Observed retention rate by period and the sBG's r(t).
pub fn rate_svg(r: &RetentionResult, lang: Lang) -> Result<String> {
    curves_svg(r, lang, "ret_chart_rate", "ret_chart_rate_y", |t| {
        (t.projected_retention, t.observed_retention)
    })
}

type Pick = fn(&crate::analysis::retention::PeriodRow) -> (Option<f64>, Option<f64>);

fn curves_svg(r: &RetentionResult, lang: Lang, title: &str, y: &str, pick: Pick) -> Result<String> {
    let x_max = r
        .groups
        .iter()
        .map(|g| g.table.len())
        .max()
        .unwrap_or(1)
        .max(2) as f64
        - 1.0;
    let u = unit(r, lang);
    // Rates sit near one: their axis starts a little below the lowest.
    let low = r
        .groups
        .iter()
        .flat_map(|g| g.table.iter().flat_map(|t| [pick(t).0, pick(t).1]))
        .flatten()
        .fold(1.0f64, f64::min);
    let y_min = if title == "ret_chart_rate" {
        ((low - 0.05) * 10.0).floor().max(0.0) / 10.0
    } else {
        0.0
    };
    // Where the fit ends and the held-out periods begin.
    let fit_end = r
        .groups
        .iter()
        .find(|g| g.fit_periods < g.periods_observed)
        .map(|g| g.fit_periods as f64);
    let mut legend = Vec::new();
    theme::svg((760, 420), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(lang.t(title), theme::caption_style(18))
            .margin(14)
            .margin_right(170)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..x_max, y_min..1.0)
            .map_err(chart_err)?;
        theme::mesh(
            &mut chart,
            &lang.f("ret_chart_x", &[("unit", &u)]),
            lang.t(y),
        )?;
        if let Some(x) = fit_end {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x, y_min), (x, 1.0)],
                    3,
                    4,
                    INK.stroke_width(1),
                ))
                .map_err(chart_err)?;
            chart
                .draw_series([Text::new(
                    lang.t("ret_chart_holdout").to_string(),
                    (x, 1.0),
                    (theme::FONT, 12).into_font().color(&INK),
                )])
                .map_err(chart_err)?;
        }
        for (k, g) in r.groups.iter().enumerate().take(PALETTE.len()) {
            let c = PALETTE[k];
            let proj: Vec<(f64, f64)> = g
                .table
                .iter()
                .filter_map(|t| pick(t).0.map(|v| (t.period as f64, v)))
                .collect();
            let obs: Vec<(f64, f64)> = g
                .table
                .iter()
                .filter_map(|t| pick(t).1.map(|v| (t.period as f64, v)))
                .collect();
            chart
                .draw_series(DashedLineSeries::new(proj, 8, 5, c.stroke_width(2)))
                .map_err(chart_err)?;
            chart
                .draw_series(LineSeries::new(obs.clone(), c.stroke_width(2)))
                .map_err(chart_err)?;
            chart
                .draw_series(obs.iter().map(|p| Circle::new(*p, 3, c.filled())))
                .map_err(chart_err)?;
            legend.push((lang.name(&g.name), Mark::Line(c)));
        }
        legend.push((lang.t("ret_chart_sbg").to_string(), Mark::Dashed(INK)));
        theme::legend(root, (600, 60), &legend)
    })
}
