//! The whale curve and the key-driver importance–performance chart, in the house style of
//! [`super::theme`] (the chain's path diagrams and scatter plots are in
//! [`super::chain_charts`]).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chain_charts::text_width;
use super::i18n::Lang;
use super::theme::{self, chart_err, FONT, INK, PALETTE};
use crate::analysis::value::WhalePoint;
use crate::error::Result;

/// Whale curve: cumulative profit (% of `base`) against the share of customers, most
/// profitable first, with the 100% line and the peak marked.
pub fn whale_curve_svg(
    points: &[WhalePoint],
    title: &str,
    base: &str,
    lang: Lang,
) -> Result<String> {
    let title = match lang {
        Lang::En => title.to_string(),
        _ => lang.t("h_whale").to_string(),
    };
    let base_shown = lang.message(base);
    let y_max = points.iter().map(|p| p.profit_pct).fold(100.0f64, f64::max) * 1.06;
    let y_min = points.iter().map(|p| p.profit_pct).fold(0.0f64, f64::min);
    theme::svg((720, 440), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, theme::caption_style(18))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..100.0, y_min..y_max)
            .map_err(chart_err)?;
        theme::mesh(
            &mut chart,
            lang.t("chart_whale_x"),
            &lang.f("chart_whale_y", &[("base", &base_shown)]),
        )?;
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, 100.0), (100.0, 100.0)],
                6,
                4,
                INK.mix(0.5).stroke_width(1),
            ))
            .map_err(chart_err)?;
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.customer_pct, p.profit_pct)),
                PALETTE[0].stroke_width(3),
            ))
            .map_err(chart_err)?;
        // The peak: where the most profitable customers have earned the most.
        if let Some(peak) = points
            .iter()
            .max_by(|a, b| a.profit_pct.total_cmp(&b.profit_pct))
        {
            chart
                .draw_series([Circle::new(
                    (peak.customer_pct, peak.profit_pct),
                    5,
                    PALETTE[3].filled(),
                )])
                .map_err(chart_err)?;
            chart
                .draw_series([Text::new(
                    format!(
                        "{}% → {}%",
                        theme::tick(peak.customer_pct),
                        theme::tick(peak.profit_pct)
                    ),
                    // Below and right of the peak, clear of the curve.
                    (
                        peak.customer_pct + 1.5,
                        peak.profit_pct - (y_max - y_min) * 0.07,
                    ),
                    (FONT, 13).into_font().color(&INK),
                )])
                .map_err(chart_err)?;
        }
        Ok(())
    })
}

/// Importance–performance quadrant chart: each driver at (% of R², mean rating), the
/// average importance and average performance as the quadrant lines, the quadrants named
/// in their corners, and labels nudged apart so none overlaps another.
pub fn importance_performance_svg(
    group: &crate::analysis::drivers::DriverGroup,
    title: &str,
    lang: Lang,
) -> Result<String> {
    let xs: Vec<f64> = group.drivers.iter().map(|d| d.shapley_pct).collect();
    let ys: Vec<f64> = group.drivers.iter().map(|d| d.mean).collect();
    // Importance intervals in % of R².
    let x_ci: Vec<Option<[f64; 2]>> = group
        .drivers
        .iter()
        .map(|d| {
            d.shapley_ci
                .map(|[lo, hi]| [100.0 * lo / group.r_squared, 100.0 * hi / group.r_squared])
        })
        .collect();
    let x_max = xs
        .iter()
        .zip(&x_ci)
        .map(|(x, c)| c.map_or(*x, |c| c[1].max(*x)))
        .fold(0.0, f64::max)
        * 1.25
        + 1.0;
    // Performance: the whole range of ratings given, so that a difference of a few hundredths
    // of a point looks as small as it is (never an axis zoomed onto the means).
    let [lo, hi] = group.rating_range;
    let (y_lo, y_hi) = if lo.is_finite() && hi > lo {
        (lo, hi)
    } else {
        let m = ys.iter().sum::<f64>() / ys.len().max(1) as f64;
        (m - 0.5, m + 0.5)
    };
    let pad = (y_hi - y_lo) * 0.05;
    let (y_min, y_max) = (y_lo - pad, y_hi + pad);
    let mx = group.mean_importance_pct;
    let my = group.mean_performance;
    theme::svg((720, 480), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, theme::caption_style(18))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..x_max, y_min..y_max)
            .map_err(chart_err)?;
        theme::mesh(&mut chart, lang.t("chart_ipma_x"), lang.t("chart_ipma_y"))?;
        let line = INK.mix(0.45).stroke_width(1);
        chart
            .draw_series(DashedLineSeries::new(
                [(mx, y_min), (mx, y_max)],
                6,
                4,
                line,
            ))
            .map_err(chart_err)?;
        chart
            .draw_series(DashedLineSeries::new([(0.0, my), (x_max, my)], 6, 4, line))
            .map_err(chart_err)?;
        // Quadrant names in the corners, quietly.
        let corner = |x: f64, y: f64, key: &str, h: HPos, v: VPos| {
            Text::new(
                lang.message(key),
                (x, y),
                (FONT, 12)
                    .into_font()
                    .color(&INK.mix(0.55))
                    .pos(Pos::new(h, v)),
            )
        };
        let (dx, dy) = (x_max * 0.01, (y_max - y_min) * 0.02);
        chart
            .draw_series([
                corner(
                    x_max - dx,
                    y_max - dy,
                    "strength: keep up",
                    HPos::Right,
                    VPos::Top,
                ),
                corner(
                    x_max - dx,
                    y_min + dy,
                    "priority: improve",
                    HPos::Right,
                    VPos::Bottom,
                ),
                corner(
                    dx,
                    y_max - dy,
                    "maintain: possible overkill",
                    HPos::Left,
                    VPos::Top,
                ),
                corner(dx, y_min + dy, "low priority", HPos::Left, VPos::Bottom),
            ])
            .map_err(chart_err)?;
        // Labels: to the right of each point, nudged down where two would overlap.
        let px: Vec<(i32, i32)> = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| chart.backend_coord(&(*x, *y)))
            .collect();
        let names: Vec<&str> = group.drivers.iter().map(|d| d.name.as_str()).collect();
        let offsets = label_offsets(&px, &names);
        // Intervals: importance across, performance up and down.
        let whisker = PALETTE[0].mix(0.6).stroke_width(2);
        for (i, d) in group.drivers.iter().enumerate() {
            if let Some([a, b]) = x_ci[i] {
                chart
                    .draw_series(LineSeries::new([(a, d.mean), (b, d.mean)], whisker))
                    .map_err(chart_err)?;
            }
            chart
                .draw_series(LineSeries::new(
                    [(d.shapley_pct, d.mean_ci[0]), (d.shapley_pct, d.mean_ci[1])],
                    whisker,
                ))
                .map_err(chart_err)?;
        }
        chart
            .draw_series(group.drivers.iter().enumerate().map(|(i, d)| {
                EmptyElement::at((d.shapley_pct, d.mean))
                    + Circle::new((0, 0), 5, PALETTE[0].filled())
                    + Text::new(
                        d.name.clone(),
                        (8, offsets[i]),
                        (FONT, 13)
                            .into_font()
                            .color(&INK)
                            .pos(Pos::new(HPos::Left, VPos::Center)),
                    )
            }))
            .map_err(chart_err)?;
        Ok(())
    })
}

/// Vertical offsets (pixels) of point labels drawn to the right of points at pixel
/// positions `px`: from the topmost point down, a label that would overlap one already
/// placed moves down a line.
pub(super) fn label_offsets(px: &[(i32, i32)], names: &[&str]) -> Vec<i32> {
    let mut order: Vec<usize> = (0..px.len()).collect();
    order.sort_by_key(|&i| px[i].1);
    let mut placed: Vec<(i32, i32, i32)> = Vec::new(); // (x0, x1, y)
    let mut offsets = vec![0i32; px.len()];
    for &i in &order {
        let (x, py) = px[i];
        let w = text_width(names[i], 13.0) as i32;
        let mut y = py - 10;
        while placed
            .iter()
            .any(|&(a, b, yy)| x + 8 < b && a < x + 8 + w && (yy - y).abs() < 15)
        {
            y += 15;
        }
        placed.push((x + 8, x + 8 + w, y));
        offsets[i] = y - py;
    }
    offsets
}
