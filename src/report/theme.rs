//! One look for every chart: fonts, a colour-blind-safe palette (Okabe & Ito 2008, "Color
//! Universal Design") that matches the HTML's, a light major grid only, and tick labels
//! formatted by magnitude (`500`, `1,000`, `1.5k`, `0.25`; never `500.0`).

use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};

/// Font family of all chart text; the CJK families render Chinese labels (Noto/Source Han
/// on Linux, YaHei on Windows, PingFang on macOS).
pub const FONT: &str = "Noto Sans, Helvetica, Arial, Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif";

/// Okabe–Ito: blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
];
/// Text and axis colour.
pub const INK: RGBColor = RGBColor(51, 51, 51);
/// Grid colour.
pub const GRID: RGBColor = RGBColor(230, 230, 230);

pub fn chart_err(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("chart: {e}"))
}

/// A tick label by magnitude: 1,500 → `1.5k`, 2,000,000 → `2M`, 500 → `500`, 0.25 → `0.25`.
pub fn tick(v: f64) -> String {
    let a = v.abs();
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if a >= 1e6 {
        format!("{}M", trim(format!("{:.2}", v / 1e6)))
    } else if a >= 1e4 {
        format!("{}k", trim(format!("{:.1}", v / 1e3)))
    } else if a >= 1000.0 {
        crate::format::thousands(v, 0)
    } else if a >= 10.0 || a == 0.0 {
        trim(format!("{v:.1}"))
    } else {
        // A tick at zero computed as −1e-17 reads 0, not "-0".
        match trim(format!("{v:.2}")) {
            s if s == "-0" => "0".into(),
            s => s,
        }
    }
}

/// Caption text in the house style.
pub fn caption_style(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&INK)
}

/// Configure the mesh of `chart` the house way: light major grid, no minor lines, axis
/// descriptions, magnitude-formatted ticks.
pub fn mesh<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    x_desc: &str,
    y_desc: &str,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(INK.mix(0.6))
        .label_style((FONT, 13).into_font().color(&INK))
        .axis_desc_style((FONT, 14).into_font().color(&INK))
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .draw()
        .map_err(chart_err)
}

/// Configure a mesh whose category axis — x, or y with `on_y` — is labelled by `labels` at
/// 0, 1, … (no grid lines across the categories); the other axis as [`mesh`] does.
pub fn category_mesh<'a, DB>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    labels: &[String],
    on_y: bool,
    x_desc: &str,
    y_desc: &str,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
{
    let label = |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let mut m = chart.configure_mesh();
    m.light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(INK.mix(0.6))
        .label_style((FONT, 13).into_font().color(&INK))
        .axis_desc_style((FONT, 14).into_font().color(&INK));
    if !x_desc.is_empty() {
        m.x_desc(x_desc);
    }
    if !y_desc.is_empty() {
        m.y_desc(y_desc);
    }
    if on_y {
        m.disable_y_mesh()
            .y_labels(labels.len())
            .y_label_formatter(&label)
            .x_label_formatter(&|v| tick(*v));
    } else {
        m.disable_x_mesh()
            .x_labels(labels.len())
            .x_label_formatter(&label)
            .y_label_formatter(&|v| tick(*v));
    }
    m.draw().map_err(chart_err)
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    Line(RGBColor),
    Dashed(RGBColor),
    Box(RGBColor),
    Triangle(RGBColor),
}

/// A legend outside the data area: entries stacked from (`x`, `y`) in pixels of `area`.
pub fn legend(
    area: &DrawingArea<SVGBackend, Shift>,
    (x, y): (i32, i32),
    entries: &[(String, Mark)],
) -> Result<()> {
    for (k, (label, mark)) in entries.iter().enumerate() {
        let cy = y + 20 * k as i32;
        match *mark {
            Mark::Line(c) => area.draw(&PathElement::new(
                [(x, cy), (x + 22, cy)],
                c.stroke_width(2),
            )),
            Mark::Dashed(c) => {
                area.draw(&PathElement::new([(x, cy), (x + 8, cy)], c.stroke_width(2)))
                    .map_err(chart_err)?;
                area.draw(&PathElement::new(
                    [(x + 13, cy), (x + 22, cy)],
                    c.stroke_width(2),
                ))
            }
            Mark::Box(c) => area.draw(&Rectangle::new(
                [(x + 5, cy - 6), (x + 17, cy + 6)],
                c.filled(),
            )),
            Mark::Triangle(c) => area.draw(&Polygon::new(
                vec![(x + 11, cy - 6), (x + 4, cy + 6), (x + 18, cy + 6)],
                c.filled(),
            )),
        }
        .map_err(chart_err)?;
        area.draw(&Text::new(
            label.clone(),
            (x + 28, cy - 7),
            (FONT, 13).into_font().color(&INK),
        ))
        .map_err(chart_err)?;
    }
    Ok(())
}

/// An SVG of `size` drawn by `draw` on a white page.
pub fn svg(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<()>,
) -> Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        draw(&root)?;
        root.present().map_err(chart_err)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ticks_by_magnitude() {
        for (v, want) in [
            (500.0, "500"),
            (1000.0, "1,000"),
            (1500.0, "1,500"),
            (15000.0, "15k"),
            (2_500_000.0, "2.5M"),
            (0.25, "0.25"),
            (0.0, "0"),
            (-1e-17, "0"),
            (12.5, "12.5"),
        ] {
            assert_eq!(super::tick(v), want);
        }
    }
}
