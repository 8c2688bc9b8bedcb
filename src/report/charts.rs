//! SVG charts with plotters.

use plotters::prelude::*;

use crate::analysis::value::WhalePoint;
use crate::error::{Error, Result};

fn chart_err(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("chart: {e}"))
}

/// The whale curve: cumulative % of total profit against % of customers ranked from most
/// to least profitable, with the 100% line.
pub fn whale_curve_svg(points: &[WhalePoint], title: &str) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 440)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let y_max = points.iter().map(|p| p.profit_pct).fold(100.0f64, f64::max) * 1.05;
        let y_min = points.iter().map(|p| p.profit_pct).fold(0.0f64, f64::min);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..100.0, y_min..y_max)
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .x_desc("% of customers (most profitable first)")
            .y_desc("cumulative % of total profit")
            .draw()
            .map_err(chart_err)?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, 100.0), (100.0, 100.0)],
                BLACK.mix(0.4),
            ))
            .map_err(chart_err)?;
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.customer_pct, p.profit_pct)),
                BLUE.stroke_width(2),
            ))
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    Ok(svg)
}

/// Importance–performance quadrant chart: each driver at (% of R², mean rating), with the
/// average importance and average performance as the quadrant lines.
pub fn importance_performance_svg(
    group: &crate::analysis::drivers::DriverGroup,
    title: &str,
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let xs: Vec<f64> = group.drivers.iter().map(|d| d.shapley_pct).collect();
        let ys: Vec<f64> = group.drivers.iter().map(|d| d.mean).collect();
        let pad = |lo: f64, hi: f64| {
            let d = (hi - lo).max(1e-9) * 0.15;
            (lo - d)..(hi + d)
        };
        // Importance starts at 0; leave room on the right for the labels.
        let x_range = 0.0..xs.iter().cloned().fold(0.0, f64::max) * 1.2 + 1.0;
        let y_range = pad(
            ys.iter().cloned().fold(f64::INFINITY, f64::min),
            ys.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        );
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(x_range.clone(), y_range.clone())
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .x_desc("importance (% of R², Shapley)")
            .y_desc("performance (mean rating)")
            .draw()
            .map_err(chart_err)?;
        let mx = 100.0 / xs.len().max(1) as f64;
        let my = ys.iter().sum::<f64>() / ys.len().max(1) as f64;
        let grey = RED.mix(0.6).stroke_width(2);
        chart
            .draw_series(LineSeries::new(
                [(mx, y_range.start), (mx, y_range.end)],
                grey,
            ))
            .map_err(chart_err)?;
        chart
            .draw_series(LineSeries::new(
                [(x_range.start, my), (x_range.end, my)],
                grey,
            ))
            .map_err(chart_err)?;
        chart
            .draw_series(group.drivers.iter().map(|d| {
                EmptyElement::at((d.shapley_pct, d.mean))
                    + Circle::new((0, 0), 5, BLUE.filled())
                    + Text::new(d.name.clone(), (8, -8), ("sans-serif", 14))
            }))
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    Ok(svg)
}
