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
