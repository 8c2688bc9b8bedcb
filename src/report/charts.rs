//! SVG charts with plotters.

use plotters::prelude::*;

use super::i18n::Lang;
use plotters::chart::MeshStyle;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};

use crate::analysis::value::WhalePoint;
use crate::error::{Error, Result};

fn chart_err(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("chart: {e}"))
}

/// The whale curve: cumulative % of `base` (total profit, or the profitable customers'
/// profit when the total is not positive) against % of customers ranked from most to least
/// profitable, with the 100% line.
pub fn whale_curve_svg(
    points: &[WhalePoint],
    title: &str,
    base: &str,
    lang: Lang,
) -> Result<String> {
    let font = super::theme::font_for(lang);
    let title = match lang {
        Lang::En => title.to_string(),
        _ => lang.t("h_whale").to_string(),
    };
    let base_shown = match (lang, base) {
        (Lang::En, _) => base.to_string(),
        (_, "total profit") => "总利润".to_string(),
        _ => "盈利总额".to_string(),
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 440)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let y_max = points.iter().map(|p| p.profit_pct).fold(100.0f64, f64::max) * 1.05;
        let y_min = points.iter().map(|p| p.profit_pct).fold(0.0f64, f64::min);
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, (font, 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..100.0, y_min..y_max)
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .x_desc(lang.t("chart_whale_x"))
            .y_desc(lang.f("chart_whale_y", &[("base", &base_shown)]))
            .apply(|m| cjk_mesh(m, lang))
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
    lang: Lang,
) -> Result<String> {
    let font = super::theme::font_for(lang);
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
            .caption(title, (font, 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(x_range.clone(), y_range.clone())
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .x_desc(lang.t("chart_ipma_x"))
            .y_desc(lang.t("chart_ipma_y"))
            .apply(|m| cjk_mesh(m, lang))
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

/// The chain's path diagram for one segment: boxes for satisfaction, share of wallet,
/// revenue and profit; arrows labelled with standardized coefficients, solid when
/// significant at `alpha` and dashed when not, green when positive and red when negative.
pub fn path_diagram_svg(
    segment: &crate::analysis::chain::SegmentResult,
    alpha: f64,
    lang: Lang,
) -> Result<String> {
    let font = super::theme::font_for(lang);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let area = root
            .titled(
                &lang.f(
                    "chart_path_title",
                    &[("segment", &lang.name(&segment.name)), ("n", &segment.n)],
                ),
                (font, 18),
            )
            .map_err(chart_err)?;
        // Box centres in pixels.
        let boxes = [
            ("satisfaction", (80, 200)),
            ("share of wallet", (200, 60)),
            ("revenue", (440, 60)),
            ("profit", (560, 200)),
        ];
        let centre = |i: usize| boxes[i].1;
        let arrows = [
            ("M1", "satisfaction", 0, 1),
            ("M2", "satisfaction", 0, 2),
            ("M2", "share_of_wallet", 1, 2),
            ("Y", "satisfaction", 0, 3),
            ("Y", "share_of_wallet", 1, 3),
            ("Y", "revenue", 2, 3),
        ];
        for (model, term, from, to) in arrows {
            let Some(t) = segment
                .regressions
                .iter()
                .find(|m| m.model == model)
                .and_then(|m| m.result.term(term))
            else {
                continue;
            };
            let colour = if t.estimate >= 0.0 {
                RGBColor(0, 130, 60)
            } else {
                RGBColor(200, 30, 30)
            };
            let (a, b) = (centre(from), centre(to));
            // Shorten the arrow so it ends at the box edges.
            let (dx, dy) = ((b.0 - a.0) as f64, (b.1 - a.1) as f64);
            let len = (dx * dx + dy * dy).sqrt();
            let (ux, uy) = (dx / len, dy / len);
            let start = (
                (a.0 as f64 + ux * 62.0) as i32,
                (a.1 as f64 + uy * 26.0) as i32,
            );
            let end = (
                (b.0 as f64 - ux * 62.0) as i32,
                (b.1 as f64 - uy * 26.0) as i32,
            );
            let style = colour.stroke_width(2);
            if t.p_value < alpha {
                area.draw(&PathElement::new(vec![start, end], style))
                    .map_err(chart_err)?;
            } else {
                let steps = 14;
                for k in (0..steps).step_by(2) {
                    let p = |f: f64| {
                        (
                            (start.0 as f64 + (end.0 - start.0) as f64 * f) as i32,
                            (start.1 as f64 + (end.1 - start.1) as f64 * f) as i32,
                        )
                    };
                    area.draw(&PathElement::new(
                        vec![p(k as f64 / steps as f64), p((k + 1) as f64 / steps as f64)],
                        style,
                    ))
                    .map_err(chart_err)?;
                }
            }
            // Arrow head.
            let (hx, hy) = (end.0 as f64, end.1 as f64);
            let left = (
                (hx - ux * 12.0 - uy * 6.0) as i32,
                (hy - uy * 12.0 + ux * 6.0) as i32,
            );
            let right = (
                (hx - ux * 12.0 + uy * 6.0) as i32,
                (hy - uy * 12.0 - ux * 6.0) as i32,
            );
            area.draw(&Polygon::new(vec![end, left, right], colour.filled()))
                .map_err(chart_err)?;
            let label = format!(
                "{:.2}{}",
                t.beta.unwrap_or(f64::NAN),
                super::format::stars(t.p_value)
            );
            let mid = ((start.0 + end.0) / 2 + 4, (start.1 + end.1) / 2 - 16);
            area.draw(&Text::new(
                label,
                mid,
                ("sans-serif", 14).into_font().color(&colour),
            ))
            .map_err(chart_err)?;
        }
        for (name, (x, y)) in boxes {
            area.draw(&Rectangle::new(
                [(x - 62, y - 24), (x + 62, y + 24)],
                RGBColor(235, 240, 250).filled(),
            ))
            .map_err(chart_err)?;
            area.draw(&Rectangle::new(
                [(x - 62, y - 24), (x + 62, y + 24)],
                BLACK.stroke_width(1),
            ))
            .map_err(chart_err)?;
            // Centre the name: about 8 px per Latin letter, 15 px per Chinese character.
            let (shown, half) = match lang {
                Lang::En => (name.to_string(), 4 * name.len() as i32),
                _ => {
                    let zh = lang
                        .t(&format!("var_{}", name.replace(' ', "_")))
                        .to_string();
                    let w = 15 * zh.chars().count() as i32;
                    (zh, w / 2)
                }
            };
            area.draw(&Text::new(shown, (x - half, y - 8), (font, 15)))
                .map_err(chart_err)?;
        }
        root.present().map_err(chart_err)?;
    }
    Ok(svg)
}

/// Scatter plot of one chain link, a colour and fitted line per segment.
pub fn link_svg(link: &crate::analysis::chain::Link, lang: Lang) -> Result<String> {
    let font = super::theme::font_for(lang);
    let (xn, yn) = match lang {
        Lang::En => (link.x.clone(), link.y.clone()),
        _ => (lang.name(&link.x), lang.name(&link.y)),
    };
    let palette = [
        RGBColor(0, 110, 190),
        RGBColor(210, 60, 40),
        RGBColor(40, 150, 70),
        RGBColor(150, 80, 170),
        RGBColor(220, 150, 0),
    ];
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (520, 380)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let all = link.series.iter().flat_map(|s| s.points.iter());
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for (x, y) in all {
            x0 = x0.min(*x);
            x1 = x1.max(*x);
            y0 = y0.min(*y);
            y1 = y1.max(*y);
        }
        if !x0.is_finite() {
            return Ok(String::new());
        }
        let (dx, dy) = ((x1 - x0).max(1e-9) * 0.05, (y1 - y0).max(1e-9) * 0.05);
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{xn} → {yn}"), (font, 18))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d((x0 - dx)..(x1 + dx), (y0 - dy)..(y1 + dy))
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .x_desc(xn.as_str())
            .y_desc(yn.as_str())
            .apply(|m| cjk_mesh(m, lang))
            .draw()
            .map_err(chart_err)?;
        for (i, s) in link.series.iter().enumerate() {
            let c = palette[i % palette.len()];
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(|p| Circle::new(*p, 2, c.mix(0.5).filled())),
                )
                .map_err(chart_err)?
                .label(format!("{} (n = {})", lang.name(&s.segment), s.n))
                .legend(move |(x, y)| Circle::new((x, y), 4, c.filled()));
            if s.slope.is_finite() {
                // The line spans the segment's own x range (no extrapolation).
                let lo = s.points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
                let hi = s
                    .points
                    .iter()
                    .map(|p| p.0)
                    .fold(f64::NEG_INFINITY, f64::max);
                chart
                    .draw_series(LineSeries::new(
                        [lo, hi].map(|x| (x, s.intercept + s.slope * x)),
                        c.stroke_width(2),
                    ))
                    .map_err(chart_err)?;
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font((font, 12))
            .draw()
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    Ok(svg)
}

/// Chinese axis text in a font that has the characters; English keeps plotters' defaults.
fn cjk_mesh<'a, 'b, X, Y, DB>(m: &mut MeshStyle<'a, 'b, X, Y, DB>, lang: Lang)
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    DB: DrawingBackend,
{
    if lang != Lang::En {
        let font = super::theme::font_for(lang);
        m.label_style((font, 12)).axis_desc_style((font, 14));
    }
}

/// `apply` on a builder taken by `&mut`, so a conditional setting keeps the chain.
trait Apply {
    fn apply(&mut self, f: impl FnOnce(&mut Self)) -> &mut Self {
        f(self);
        self
    }
}
impl<X: Ranged, Y: Ranged, DB: DrawingBackend> Apply for MeshStyle<'_, '_, X, Y, DB> {}
