//! The CLV charts: holdout tracking (cumulative and per period), expected against actual
//! holdout transactions by calibration frequency, and P(alive) by frequency and recency.

use plotters::prelude::*;

use super::i18n::Lang;
use super::theme::{self, chart_err, Mark, FONT, INK, PALETTE};
use crate::analysis::clv::{ClvResult, Holdout};
use crate::error::Result;

fn unit_name(r: &ClvResult) -> String {
    format!("{:?}", r.time_unit).to_lowercase()
}

/// Expected (model) and actual transactions over the holdout, cumulative or per period.
pub fn tracking_svg(r: &ClvResult, h: &Holdout, cumulative: bool, lang: Lang) -> Result<String> {
    let unit = lang.t(&format!("unit_{}", unit_name(r))).to_string();
    let pts = |f: fn(&crate::analysis::clv::TrackingRow) -> f64| -> Vec<(f64, f64)> {
        h.tracking.iter().map(|t| (t.period as f64, f(t))).collect()
    };
    let (exp, act) = if cumulative {
        (pts(|t| t.expected_cumulative), pts(|t| t.actual_cumulative))
    } else {
        (pts(|t| t.expected), pts(|t| t.actual))
    };
    let y_max = exp.iter().chain(&act).map(|p| p.1).fold(0.0, f64::max) * 1.1 + 1e-9;
    let x_max = h.tracking.len().max(1) as f64;
    let title = if cumulative {
        lang.t("clv_track_cum_title").to_string()
    } else {
        lang.f("clv_track_title", &[("unit", &unit)])
    };
    theme::svg((760, 420), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, theme::caption_style(18))
            .margin(14)
            .margin_right(150)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)
            .map_err(chart_err)?;
        theme::mesh(
            &mut chart,
            &lang.f("clv_track_x", &[("unit", &unit)]),
            lang.t("clv_transactions"),
        )?;
        chart
            .draw_series(LineSeries::new(act, INK.stroke_width(2)))
            .map_err(chart_err)?;
        chart
            .draw_series(DashedLineSeries::new(exp, 8, 5, PALETTE[0].stroke_width(2)))
            .map_err(chart_err)?;
        theme::legend(
            root,
            (620, 60),
            &[
                (lang.t("clv_actual").into(), Mark::Line(INK)),
                (
                    lang.f("expected", &[("model", &r.model_label)]),
                    Mark::Dashed(PALETTE[0]),
                ),
            ],
        )
    })
}

/// Mean holdout transactions by calibration frequency: actual and each model's expectation
/// as grouped bars.
pub fn frequency_svg(r: &ClvResult, h: &Holdout, lang: Lang) -> Result<String> {
    let mut series: Vec<(String, Vec<f64>)> = vec![
        (
            lang.t("clv_actual").into(),
            h.by_frequency.iter().map(|b| b.actual_mean).collect(),
        ),
        (
            r.model_label.clone(),
            h.by_frequency.iter().map(|b| b.expected_mean).collect(),
        ),
    ];
    for (k, c) in r.compared.iter().enumerate() {
        series.push((
            c.label.clone(),
            h.by_frequency.iter().map(|b| b.compared_means[k]).collect(),
        ));
    }
    let groups = h.by_frequency.len();
    let y_max = series
        .iter()
        .flat_map(|s| s.1.iter())
        .fold(0.0f64, |a, b| a.max(*b))
        * 1.1
        + 1e-9;
    let width = 0.8 / series.len() as f64;
    theme::svg((760, 420), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(lang.t("clv_freq_title"), theme::caption_style(18))
            .margin(14)
            .margin_right(150)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5..groups as f64 - 0.5, 0.0..y_max)
            .map_err(chart_err)?;
        let labels: Vec<String> = h.by_frequency.iter().map(|b| b.frequency.clone()).collect();
        theme::category_mesh(
            &mut chart,
            &labels,
            false,
            lang.t("clv_freq_x"),
            lang.t("clv_freq_y"),
        )?;
        let mut entries = Vec::new();
        for (s, (name, values)) in series.iter().enumerate() {
            let colour = if s == 0 { INK } else { PALETTE[(s - 1) % 7] };
            let off = -0.4 + width * s as f64;
            chart
                .draw_series(values.iter().enumerate().map(|(g, v)| {
                    let x0 = g as f64 + off;
                    Rectangle::new([(x0, 0.0), (x0 + width * 0.9, *v)], colour.filled())
                }))
                .map_err(chart_err)?;
            entries.push((name.clone(), Mark::Box(colour)));
        }
        theme::legend(root, (620, 60), &entries)
    })
}

/// P(alive) as a heat map over frequency (rows) and recency (columns), for customers of the
/// longest calibration age; a sequential blue scale from 0 (white) to 1.
pub fn p_alive_svg(r: &ClvResult, lang: Lang) -> Result<String> {
    let g = &r.p_alive_grid;
    let (nf, nr) = (g.frequencies.len(), g.recencies.len());
    let step = if nr > 1 {
        g.recencies[1] - g.recencies[0]
    } else {
        1.0
    };
    let unit = lang.t(&format!("unit_{}", unit_name(r))).to_string();
    theme::svg((760, 460), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                lang.f(
                    "clv_alive_title",
                    &[
                        ("model", &r.model_label),
                        ("age", &crate::format::num(g.age, 3)),
                        ("unit", &unit),
                    ],
                ),
                theme::caption_style(18),
            )
            .margin(14)
            .margin_right(90)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(
                -step / 2.0..g.recencies[nr - 1] + step / 2.0,
                -0.5..nf as f64 - 0.5,
            )
            .map_err(chart_err)?;
        theme::mesh(
            &mut chart,
            &lang.f("clv_alive_x", &[("unit", &unit)]),
            lang.t("clv_alive_y"),
        )?;
        let base = PALETTE[0];
        let shade = |v: f64| {
            let mix = |c: u8| (255.0 - (255.0 - f64::from(c)) * v).round() as u8;
            RGBColor(mix(base.0), mix(base.1), mix(base.2))
        };
        chart
            .draw_series(g.values.iter().enumerate().flat_map(|(i, row)| {
                row.iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .map(move |(j, v)| {
                        let x = g.recencies[j];
                        Rectangle::new(
                            [
                                (x - step / 2.0, i as f64 - 0.5),
                                (x + step / 2.0, i as f64 + 0.5),
                            ],
                            shade(*v).filled(),
                        )
                    })
            }))
            .map_err(chart_err)?;
        // Colour key.
        let key = root.margin(60, 10, 680, 10);
        key.draw(&Text::new(
            lang.t("p_alive"),
            (0, 0),
            (FONT, 13).into_font().color(&INK),
        ))
        .map_err(chart_err)?;
        for (k, v) in [1.0, 0.75, 0.5, 0.25, 0.0].iter().enumerate() {
            let y = 22 + 28 * k as i32;
            key.draw(&Rectangle::new([(0, y), (16, y + 22)], shade(*v).filled()))
                .map_err(chart_err)?;
            key.draw(&Text::new(
                theme::tick(*v),
                (22, y + 5),
                (FONT, 12).into_font().color(&INK),
            ))
            .map_err(chart_err)?;
        }
        Ok(())
    })
}
