//! The return-on-satisfaction charts: Δprofit per segment with its interval, the waterfall
//! from Δsatisfaction through share of wallet and revenue to Δprofit, and the net return
//! against the size of the change with the break-even marked.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::i18n::Lang;
use super::theme::{self, chart_err, Mark, FONT, INK, PALETTE};
use crate::analysis::invest::{InvestResult, Outcome, ScenarioResult};
use crate::error::Result;
use crate::format::amount;

/// Vermillion for losses, bluish green for gains.
const LOSS: RGBColor = PALETTE[3];
const GAIN: RGBColor = PALETTE[2];
/// Sky blue at 30% on white, for the interval band.
const BAND: RGBColor = RGBColor(205, 233, 248);

fn segment_name(o: &Outcome, lang: Lang) -> String {
    if o.segment == "total" {
        lang.t("inv_h_total").to_string()
    } else {
        lang.name(&o.segment)
    }
}

/// A [lo, hi] range around `values` with 8% room, always including 0.
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let pad = ((hi - lo) * 0.08).max(1e-9);
    (lo - pad, hi + pad)
}

/// Δprofit per customer reached and year for every scenario in every segment it reaches:
/// horizontal bars (green above 0, vermillion below) with the percentile interval.
pub fn profit_svg(r: &InvestResult, lang: Lang) -> Result<String> {
    let rows: Vec<(String, &Outcome)> = r
        .scenarios
        .iter()
        .flat_map(|sc| {
            sc.segments
                .iter()
                .chain(std::iter::once(&sc.total).filter(|_| sc.segments.len() > 1))
                .map(move |o| (format!("{} · {}", sc.name, segment_name(o, lang)), o))
        })
        .collect();
    let n = rows.len();
    let (lo, hi) = span(
        rows.iter()
            .flat_map(|(_, o)| [o.profit.estimate, o.profit.low, o.profit.high]),
    );
    let label_width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(10)
        .clamp(10, 40) as u32
        * 8;
    let conf = format!("{:.0}", r.chain.confidence * 100.0);
    theme::svg((820, 90 + 34 * n as u32), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                lang.f("inv_chart_profit_title", &[("conf", &conf)]),
                theme::caption_style(18),
            )
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(label_width + 10)
            .build_cartesian_2d(lo..hi, -0.5..n as f64 - 0.5)
            .map_err(chart_err)?;
        // Top to bottom in the order of the rows.
        let labels: Vec<String> = rows.iter().rev().map(|(l, _)| l.clone()).collect();
        theme::category_mesh(&mut chart, &labels, true, lang.t("inv_chart_profit_x"), "")?;
        for (k, (_, o)) in rows.iter().enumerate() {
            let y = (n - 1 - k) as f64;
            let v = o.profit.estimate;
            let colour = if v < 0.0 { LOSS } else { GAIN };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y - 0.3), (v, y + 0.3)],
                    colour.mix(0.85).filled(),
                )))
                .map_err(chart_err)?;
            if o.profit.low.is_finite() {
                let (a, b) = (o.profit.low, o.profit.high);
                chart
                    .draw_series([
                        PathElement::new([(a, y), (b, y)], INK.stroke_width(2)),
                        PathElement::new([(a, y - 0.15), (a, y + 0.15)], INK.stroke_width(2)),
                        PathElement::new([(b, y - 0.15), (b, y + 0.15)], INK.stroke_width(2)),
                    ])
                    .map_err(chart_err)?;
            }
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                [(0.0, -0.5), (0.0, n as f64 - 0.5)],
                INK.stroke_width(1),
            )))
            .map_err(chart_err)?;
        Ok(())
    })
}

/// One scenario's waterfall per segment reached: the Δprofit per customer reached and
/// year built up from the chain's paths — satisfaction's direct effect, then through
/// share of wallet, then through revenue — to the Δprofit, with the changes in
/// satisfaction, share of wallet and revenue that carry it written above each panel.
pub fn waterfall_svg(sc: &ScenarioResult, lang: Lang) -> Result<String> {
    let panels: Vec<&Outcome> = sc.segments.iter().collect();
    let k = panels.len().max(1);
    let width = (380 * k as u32).max(520);
    let steps = [
        lang.t("inv_w_direct").to_string(),
        lang.t("inv_w_sow").to_string(),
        lang.t("inv_w_revenue").to_string(),
        lang.t("inv_w_profit").to_string(),
    ];
    let (lo, hi) = span(panels.iter().flat_map(|o| {
        let p = o.profit_paths;
        [
            p.direct,
            p.direct + p.share_of_wallet,
            p.direct + p.share_of_wallet + p.revenue,
            o.profit.low,
            o.profit.high,
        ]
    }));
    // Room for the values written above and below the bars.
    let (lo, hi) = (lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.05);
    theme::svg((width, 470), |root| {
        let (title, body) = root.split_vertically(40);
        title
            .draw(&Text::new(
                lang.f("inv_chart_waterfall_title", &[("name", &sc.name)]),
                (14, 12),
                theme::caption_style(18),
            ))
            .map_err(chart_err)?;
        let areas = body.split_evenly((1, k));
        for (o, area) in panels.iter().zip(&areas) {
            let p = o.profit_paths;
            let chain_text = lang.f(
                "inv_w_chain",
                &[
                    ("s", &signed(o.mean_gain, 3)),
                    ("w", &signed(o.share_of_wallet.estimate, 3)),
                    ("r", &signed(o.revenue.estimate, 3)),
                ],
            );
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!("{} — {}", segment_name(o, lang), chain_text),
                    (FONT, 12).into_font().color(&INK),
                )
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(52)
                .build_cartesian_2d(-0.5..3.5, lo..hi)
                .map_err(chart_err)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(theme::GRID)
                .axis_style(INK.mix(0.6))
                .label_style((FONT, 12).into_font().color(&INK))
                .x_labels(4)
                .x_label_formatter(&|v: &f64| {
                    let i = v.round();
                    if (v - i).abs() < 1e-6 && (0.0..4.0).contains(&i) {
                        steps[i as usize].clone()
                    } else {
                        String::new()
                    }
                })
                .y_label_formatter(&|v| theme::tick(*v))
                .draw()
                .map_err(chart_err)?;
            let bars = [
                (0.0, p.direct),
                (p.direct, p.direct + p.share_of_wallet),
                (
                    p.direct + p.share_of_wallet,
                    p.direct + p.share_of_wallet + p.revenue,
                ),
                (0.0, o.profit.estimate),
            ];
            for (j, (a, b)) in bars.iter().enumerate() {
                let x = j as f64;
                let colour = if j == 3 {
                    INK
                } else if b < a {
                    LOSS
                } else {
                    GAIN
                };
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.32, *a), (x + 0.32, *b)],
                        colour.mix(0.85).filled(),
                    )))
                    .map_err(chart_err)?;
                if j < 3 {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            [(x + 0.32, *b), (x + 0.68, *b)],
                            INK.mix(0.5).stroke_width(1),
                        )))
                        .map_err(chart_err)?;
                }
                // The value above a rise, below a fall (and beyond the Δprofit's interval).
                let (top, bottom) = if j == 3 && o.profit.low.is_finite() {
                    (b.max(o.profit.high), b.min(o.profit.low))
                } else {
                    (a.max(*b), a.min(*b))
                };
                let gap = (hi - lo) * 0.01;
                let (y, v) = if b >= a {
                    (top + gap, VPos::Bottom)
                } else {
                    (bottom - gap, VPos::Top)
                };
                chart
                    .draw_series(std::iter::once(Text::new(
                        signed(b - a, 3),
                        (x, y),
                        (FONT, 13)
                            .into_font()
                            .color(&INK)
                            .pos(Pos::new(HPos::Center, v)),
                    )))
                    .map_err(chart_err)?;
            }
            if o.profit.low.is_finite() {
                let (a, b) = (o.profit.low, o.profit.high);
                chart
                    .draw_series([
                        PathElement::new([(3.0, a), (3.0, b)], PALETTE[1].stroke_width(2)),
                        PathElement::new([(2.9, a), (3.1, a)], PALETTE[1].stroke_width(2)),
                        PathElement::new([(2.9, b), (3.1, b)], PALETTE[1].stroke_width(2)),
                    ])
                    .map_err(chart_err)?;
            }
            chart
                .draw_series(std::iter::once(PathElement::new(
                    [(-0.5, 0.0), (3.5, 0.0)],
                    INK.stroke_width(1),
                )))
                .map_err(chart_err)?;
        }
        Ok(())
    })
}

/// A signed amount: +1.5, −3.2.
fn signed(v: f64, digits: usize) -> String {
    let s = amount(v, digits);
    if v > 0.0 {
        format!("+{s}")
    } else {
        s
    }
}

/// One scenario's NPV as its change is scaled from nothing to the top of the scale, with
/// the pointwise interval as a band, the scenario itself marked, and the break-even gain
/// (where NPV crosses 0) as a dashed line.
pub fn curve_svg(sc: &ScenarioResult, conf: f64, lang: Lang) -> Result<String> {
    let pts: Vec<(f64, f64)> = sc.curve.iter().map(|c| (c.gain, c.npv.estimate)).collect();
    let band = sc.curve.iter().all(|c| c.npv.low.is_finite());
    let x_max = pts.last().map_or(1.0, |p| p.0).max(1e-9);
    let (lo, hi) = span(
        sc.curve
            .iter()
            .flat_map(|c| [c.npv.estimate, c.npv.low, c.npv.high]),
    );
    let x_desc = match &sc.scenario.driver {
        Some(d) => lang.f("inv_curve_x_driver", &[("d", d)]),
        None => lang.t("inv_curve_x").to_string(),
    };
    let conf = format!("{:.0}", conf * 100.0);
    theme::svg((760, 440), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                lang.f("inv_chart_curve_title", &[("name", &sc.name)]),
                theme::caption_style(18),
            )
            .margin(14)
            .margin_right(170)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..x_max, lo..hi)
            .map_err(chart_err)?;
        theme::mesh(&mut chart, &x_desc, lang.t("inv_curve_y"))?;
        let mut entries = vec![(lang.t("inv_curve_npv").to_string(), Mark::Line(PALETTE[0]))];
        if band {
            let mut poly: Vec<(f64, f64)> = sc.curve.iter().map(|c| (c.gain, c.npv.high)).collect();
            poly.extend(sc.curve.iter().rev().map(|c| (c.gain, c.npv.low)));
            chart
                .draw_series(std::iter::once(Polygon::new(poly, BAND.filled())))
                .map_err(chart_err)?;
            entries.push((
                lang.f("inv_curve_band", &[("conf", &conf)]),
                Mark::Box(BAND),
            ));
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                [(0.0, 0.0), (x_max, 0.0)],
                INK.stroke_width(1),
            )))
            .map_err(chart_err)?;
        chart
            .draw_series(LineSeries::new(pts, PALETTE[0].stroke_width(2)))
            .map_err(chart_err)?;
        let even = sc.break_even_gain.estimate;
        if even.is_finite() && even > 0.0 {
            chart
                .draw_series(DashedLineSeries::new(
                    [(even, lo), (even, hi)],
                    6,
                    4,
                    LOSS.stroke_width(2),
                ))
                .map_err(chart_err)?;
            entries.push((
                lang.f("inv_curve_even", &[("g", &amount(even, 3))]),
                Mark::Dashed(LOSS),
            ));
        }
        let gain = sc
            .scenario
            .driver
            .as_ref()
            .and(sc.total.mean_driver_gain)
            .unwrap_or(sc.total.mean_gain);
        chart
            .draw_series(std::iter::once(Circle::new(
                (gain, sc.total.npv.estimate),
                6,
                PALETTE[1].filled(),
            )))
            .map_err(chart_err)?;
        entries.push((lang.t("inv_curve_this").to_string(), Mark::Box(PALETTE[1])));
        theme::legend(root, (600, 70), &entries)
    })
}
