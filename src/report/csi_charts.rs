//! The importance–performance map of the satisfaction-index study.

use plotters::prelude::*;

use super::theme::{self, chart_err, FONT, INK, PALETTE};
use crate::analysis::csi::IpmaRow;
use crate::error::Result;

/// Importance (x) against performance (y) with the mean lines and the four quadrants
/// named: "concentrate here" (important, low performance), "keep up the good work",
/// "low priority", "possible overkill".
pub fn ipma_svg(rows: &[IpmaRow], target: &str) -> Result<String> {
    let xs: Vec<f64> = rows.iter().map(|r| r.importance).collect();
    let ys: Vec<f64> = rows.iter().map(|r| r.performance).collect();
    let x_max = xs.iter().copied().fold(0.0f64, f64::max) * 1.25 + 1e-9;
    let x_min = xs.iter().copied().fold(0.0f64, f64::min).min(0.0);
    let (y_lo, y_hi) = (
        ys.iter().copied().fold(f64::INFINITY, f64::min),
        ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let pad = ((y_hi - y_lo) * 0.2).max(2.0);
    let (y_min, y_max) = ((y_lo - pad).max(0.0), (y_hi + pad).min(100.0));
    let mx = xs.iter().sum::<f64>() / xs.len().max(1) as f64;
    let my = ys.iter().sum::<f64>() / ys.len().max(1) as f64;
    theme::svg((760, 480), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("Importance–performance map for {target}"),
                theme::caption_style(18),
            )
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(x_min..x_max, y_min..y_max)
            .map_err(chart_err)?;
        theme::mesh(
            &mut chart,
            &format!("importance: total effect on {target} (index points per point)"),
            "performance (mean index, 0–100)",
        )?;
        let line = INK.mix(0.45).stroke_width(1);
        chart
            .draw_series(LineSeries::new([(mx, y_min), (mx, y_max)], line))
            .map_err(chart_err)?;
        chart
            .draw_series(LineSeries::new([(x_min, my), (x_max, my)], line))
            .map_err(chart_err)?;
        let quad = (FONT, 13).into_font().color(&INK.mix(0.55));
        for (x, y, label) in [
            (x_max, y_min, "concentrate here"),
            (x_max, y_max, "keep up the good work"),
            (x_min, y_min, "low priority"),
            (x_min, y_max, "possible overkill"),
        ] {
            let (dx, anchor) = if x == x_max {
                (-8, "end")
            } else {
                (8, "start")
            };
            let dy = if y == y_min { -10 } else { 16 };
            let style = quad.clone().pos(plotters::style::text_anchor::Pos::new(
                if anchor == "end" {
                    plotters::style::text_anchor::HPos::Right
                } else {
                    plotters::style::text_anchor::HPos::Left
                },
                plotters::style::text_anchor::VPos::Center,
            ));
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((x, y)) + Text::new(label.to_string(), (dx, dy), style),
                ))
                .map_err(chart_err)?;
        }
        chart
            .draw_series(rows.iter().map(|r| {
                EmptyElement::at((r.importance, r.performance))
                    + Circle::new((0, 0), 6, PALETTE[0].filled())
                    + Text::new(r.name.clone(), (9, -14), (FONT, 13).into_font().color(&INK))
            }))
            .map_err(chart_err)?;
        Ok(())
    })
}
