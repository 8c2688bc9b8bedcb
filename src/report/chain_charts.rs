//! The chain's charts: path diagrams (one per segment, and all segments side by side on
//! one scale) and the chain-link scatter plots.
//!
//! Path diagram layout, for reading rather than for the plotting library: construct names
//! centred in their boxes, R² inside the endogenous boxes, the long satisfaction → profit
//! path curved under the boxes and share of wallet → profit bowed away from
//! satisfaction → revenue, every coefficient on a white halo at a fixed place along its
//! arrow (the two crossing diagonals carry theirs at opposite ends, away from the
//! crossing), and a one-line legend. Colours are Okabe–Ito blue (positive) and vermillion
//! (negative), readable by colour-blind readers; solid arrows are significant.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::i18n::Lang;
use super::theme::{self, chart_err, Mark, FONT, INK, PALETTE};
use crate::analysis::chain::{Link, SegmentResult};
use crate::error::Result;

/// One panel's size in pixels.
pub const PANEL: (u32, u32) = (600, 392);
const BOX_W: i32 = 132;
const BOX_H: i32 = 52;
const POSITIVE: RGBColor = PALETTE[0];
const NEGATIVE: RGBColor = PALETTE[3];

/// Box centres: satisfaction, share of wallet, revenue, profit.
const NODES: [(i32, i32); 4] = [(90, 232), (185, 92), (415, 92), (510, 232)];

/// The six paths: (model, term, from, to, where along the arrow the label sits, bend).
/// Bend is the control point's offset from the chord's midpoint, in pixels along the
/// chord's normal (0 = straight).
const ARROWS: [(&str, &str, usize, usize, f64, f64); 6] = [
    ("M1", "satisfaction", 0, 1, 0.5, 0.0),
    ("M2", "satisfaction", 0, 2, 0.28, 0.0),
    ("M2", "share_of_wallet", 1, 2, 0.5, 0.0),
    ("Y", "satisfaction", 0, 3, 0.5, -150.0),
    ("Y", "share_of_wallet", 1, 3, 0.74, -28.0),
    ("Y", "revenue", 2, 3, 0.5, 0.0),
];

/// Centred text style.
fn centred(size: u32, colour: RGBColor) -> TextStyle<'static> {
    (FONT, size)
        .into_font()
        .color(&colour)
        .pos(Pos::new(HPos::Center, VPos::Center))
}

/// Width a label takes, in pixels, at `size` (CJK characters are square).
pub fn text_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| {
            if (c as u32) >= 0x2E80 {
                size
            } else {
                size * 0.6
            }
        })
        .sum()
}

/// A quadratic Bézier from `a` to `b` bent by `bend` pixels, as a polyline.
fn curve(a: (f64, f64), b: (f64, f64), bend: f64) -> Vec<(f64, f64)> {
    let (mx, my) = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
    // Normal pointing "down" for a left-to-right chord (screen y grows downward).
    let (nx, ny) = (-dy / len, dx / len);
    let c = (mx - nx * bend, my - ny * bend);
    let steps = if bend == 0.0 { 1 } else { 32 };
    (0..=steps)
        .map(|i| {
            let t = i as f64 / steps as f64;
            let u = 1.0 - t;
            (
                u * u * a.0 + 2.0 * u * t * c.0 + t * t * b.0,
                u * u * a.1 + 2.0 * u * t * c.1 + t * t * b.1,
            )
        })
        .collect()
}

/// Where a ray from a box centre towards `(dx, dy)` leaves the box.
fn box_exit(c: (i32, i32), (dx, dy): (f64, f64)) -> (f64, f64) {
    let (hw, hh) = (BOX_W as f64 / 2.0 + 3.0, BOX_H as f64 / 2.0 + 3.0);
    let s = (hw / dx.abs().max(1e-9)).min(hh / dy.abs().max(1e-9));
    (c.0 as f64 + dx * s, c.1 as f64 + dy * s)
}

/// The point a fraction `t` of the way along a polyline (by length).
fn along(pts: &[(f64, f64)], t: f64) -> (f64, f64) {
    let seg: Vec<f64> = pts
        .windows(2)
        .map(|w| ((w[1].0 - w[0].0).powi(2) + (w[1].1 - w[0].1).powi(2)).sqrt())
        .collect();
    let mut left = seg.iter().sum::<f64>() * t;
    for (w, l) in pts.windows(2).zip(&seg) {
        if left <= *l {
            let f = left / l.max(1e-9);
            return (
                w[0].0 + (w[1].0 - w[0].0) * f,
                w[0].1 + (w[1].1 - w[0].1) * f,
            );
        }
        left -= l;
    }
    pts[pts.len() - 1]
}

/// Draw a polyline solid or dashed (8 on, 5 off).
fn stroke(
    area: &DrawingArea<SVGBackend, Shift>,
    pts: &[(f64, f64)],
    style: ShapeStyle,
    dashed: bool,
) -> Result<()> {
    let px = |p: (f64, f64)| (p.0.round() as i32, p.1.round() as i32);
    if !dashed {
        return area
            .draw(&PathElement::new(
                pts.iter().map(|p| px(*p)).collect::<Vec<_>>(),
                style,
            ))
            .map_err(chart_err);
    }
    let total: f64 = pts
        .windows(2)
        .map(|w| ((w[1].0 - w[0].0).powi(2) + (w[1].1 - w[0].1).powi(2)).sqrt())
        .sum();
    let mut s = 0.0;
    while s < total {
        let (a, b) = (s / total, ((s + 8.0) / total).min(1.0));
        area.draw(&PathElement::new(
            vec![
                px(along(pts, a)),
                px(along(pts, (a + b) / 2.0)),
                px(along(pts, b)),
            ],
            style,
        ))
        .map_err(chart_err)?;
        s += 13.0;
    }
    Ok(())
}

/// A standardized coefficient as a label: two decimals, three below 0.01 (never `-0.00`).
fn beta_text(b: f64) -> String {
    let s = if b.abs() < 0.01 {
        format!("{b:.3}")
    } else {
        format!("{b:.2}")
    };
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// One segment's path diagram drawn on `area` (a [`PANEL`]-sized region).
fn draw_panel(
    area: &DrawingArea<SVGBackend, Shift>,
    segment: &SegmentResult,
    alpha: f64,
    lang: Lang,
) -> Result<()> {
    let title = lang.f(
        "chart_path_title",
        &[
            ("segment", &lang.name(&segment.name)),
            ("n", &crate::format::thousands(segment.n as f64, 0)),
        ],
    );
    area.draw(&Text::new(
        title,
        (PANEL.0 as i32 / 2, 20),
        centred(17, INK),
    ))
    .map_err(chart_err)?;
    let term = |model: &str, term: &str| {
        segment
            .regressions
            .iter()
            .find(|m| m.model == model)
            .and_then(|m| m.result.term(term))
    };
    // Arrows first, then boxes, then the coefficient labels on their halos.
    let mut labels = Vec::new();
    for (model, name, from, to, at, bend) in ARROWS {
        let Some(t) = term(model, name) else { continue };
        let (a, b) = (NODES[from], NODES[to]);
        let chord = ((b.0 - a.0) as f64, (b.1 - a.1) as f64);
        // The curve's ends leave the boxes along the first and last control directions.
        let rough = curve((a.0 as f64, a.1 as f64), (b.0 as f64, b.1 as f64), bend);
        let d0 = (rough[1].0 - rough[0].0, rough[1].1 - rough[0].1);
        let n = rough.len();
        let d1 = (
            rough[n - 1].0 - rough[n - 2].0,
            rough[n - 1].1 - rough[n - 2].1,
        );
        let (d0, d1) = if bend == 0.0 {
            (chord, chord)
        } else {
            (d0, d1)
        };
        let start = box_exit(a, d0);
        let end = box_exit(b, (-d1.0, -d1.1));
        let pts = curve(start, end, bend * 0.92);
        let colour = if t.estimate >= 0.0 {
            POSITIVE
        } else {
            NEGATIVE
        };
        let significant = t.p_value < alpha;
        stroke(area, &pts, colour.stroke_width(2), !significant)?;
        // Arrowhead: 14 px long, 9 px wide, along the last segment.
        let m = pts.len();
        let (ex, ey) = pts[m - 1];
        let (px, py) = pts[m - 2];
        let l = ((ex - px).powi(2) + (ey - py).powi(2)).sqrt().max(1e-9);
        let (ux, uy) = ((ex - px) / l, (ey - py) / l);
        let head = vec![
            (ex.round() as i32, ey.round() as i32),
            (
                (ex - ux * 14.0 - uy * 4.5) as i32,
                (ey - uy * 14.0 + ux * 4.5) as i32,
            ),
            (
                (ex - ux * 14.0 + uy * 4.5) as i32,
                (ey - uy * 14.0 - ux * 4.5) as i32,
            ),
        ];
        area.draw(&Polygon::new(head, colour.filled()))
            .map_err(chart_err)?;
        let text = format!(
            "{}{}",
            beta_text(t.beta.unwrap_or(f64::NAN)),
            crate::format::stars(t.p_value)
        );
        labels.push((along(&pts, at), text, colour));
    }
    for (k, name) in ["satisfaction", "share_of_wallet", "revenue", "profit"]
        .iter()
        .enumerate()
    {
        let (x, y) = NODES[k];
        area.draw(&Rectangle::new(
            [
                (x - BOX_W / 2, y - BOX_H / 2),
                (x + BOX_W / 2, y + BOX_H / 2),
            ],
            RGBColor(238, 243, 250).filled(),
        ))
        .map_err(chart_err)?;
        area.draw(&Rectangle::new(
            [
                (x - BOX_W / 2, y - BOX_H / 2),
                (x + BOX_W / 2, y + BOX_H / 2),
            ],
            INK.mix(0.7).stroke_width(1),
        ))
        .map_err(chart_err)?;
        let shown = match lang {
            Lang::En => name.replace('_', " "),
            _ => lang.name(name),
        };
        let r2 = ["", "M1", "M2", "Y"][k];
        let r2 = (!r2.is_empty())
            .then(|| segment.regressions.iter().find(|m| m.model == r2))
            .flatten()
            .map(|m| m.result.r_squared);
        let name_y = if r2.is_some() { y - 9 } else { y };
        area.draw(&Text::new(shown, (x, name_y), centred(15, INK)))
            .map_err(chart_err)?;
        if let Some(r2) = r2 {
            area.draw(&Text::new(
                format!("R² = {}", theme::tick(r2)),
                (x, y + 12),
                centred(12, RGBColor(85, 85, 85)),
            ))
            .map_err(chart_err)?;
        }
    }
    for ((x, y), text, colour) in labels {
        let w = text_width(&text, 13.0) + 8.0;
        area.draw(&Rectangle::new(
            [
                ((x - w / 2.0) as i32, (y - 9.0) as i32),
                ((x + w / 2.0) as i32, (y + 9.0) as i32),
            ],
            WHITE.mix(0.92).filled(),
        ))
        .map_err(chart_err)?;
        area.draw(&Text::new(text, (x as i32, y as i32), centred(13, colour)))
            .map_err(chart_err)?;
    }
    legend(area, lang)
}

/// The one-line legend under a diagram.
fn legend(area: &DrawingArea<SVGBackend, Shift>, lang: Lang) -> Result<()> {
    let y = PANEL.1 as i32 - 36;
    let entries = [
        (lang.t("legend_sig").to_string(), Mark::Line(INK)),
        (lang.t("legend_nonsig").to_string(), Mark::Dashed(INK)),
        (lang.t("legend_positive").to_string(), Mark::Box(POSITIVE)),
        (lang.t("legend_negative").to_string(), Mark::Box(NEGATIVE)),
    ];
    let mut x = 20;
    for (label, mark) in entries {
        theme::legend(area, (x, y), &[(label.clone(), mark)])?;
        x += 28 + text_width(&label, 13.0) as i32 + 18;
    }
    area.draw(&Text::new(
        lang.t("legend_stars").to_string(),
        (20, y + 13),
        (FONT, 12).into_font().color(&INK.mix(0.85)),
    ))
    .map_err(chart_err)?;
    Ok(())
}

/// One segment's path diagram (standardized coefficients).
pub fn path_diagram_svg(segment: &SegmentResult, alpha: f64, lang: Lang) -> Result<String> {
    theme::svg(PANEL, |root| draw_panel(root, segment, alpha, lang))
}

/// Every segment's path diagram side by side on one scale (the report's `charts/paths.svg`).
pub fn paths_svg(segments: &[&SegmentResult], alpha: f64, lang: Lang) -> Result<String> {
    let k = segments.len().max(1);
    theme::svg((PANEL.0 * k as u32, PANEL.1), |root| {
        for (area, s) in root.split_evenly((1, k)).iter().zip(segments) {
            draw_panel(area, s, alpha, lang)?;
        }
        Ok(())
    })
}

/// Deterministic jitter in [-0.3, 0.3] for the `i`-th point of a rating axis.
fn jitter(i: usize) -> f64 {
    // A fixed low-discrepancy sequence: same plot for the same data.
    let g = 0.618_033_988_749_895_f64;
    ((i as f64 * g).fract() - 0.5) * 0.6
}

/// The part of the line `a + b·x` inside the box `xr` × `yr`, if any.
fn clip_line(
    a: f64,
    b: f64,
    xr: &std::ops::Range<f64>,
    yr: &std::ops::Range<f64>,
) -> Option<[(f64, f64); 2]> {
    let (mut x0, mut x1) = (xr.start, xr.end);
    if b != 0.0 {
        let (xa, xb) = ((yr.start - a) / b, (yr.end - a) / b);
        let (lo, hi) = if xa < xb { (xa, xb) } else { (xb, xa) };
        x0 = x0.max(lo);
        x1 = x1.min(hi);
    } else if !yr.contains(&a) {
        return None;
    }
    (x0 < x1).then_some([(x0, a + b * x0), (x1, a + b * x1)])
}

/// A chain link's scatter plot. Small segments: points (jittered on a rating axis), all
/// segments on one panel. Large segments (a density in the link data): one panel per
/// segment on the same axes, each a density in its own colour, so overlapping segments do
/// not muddy each other; every panel shows every segment's fitted line, its own drawn
/// boldly. Axes run from the 0.5th to the 99.5th percentile.
pub fn link_svg(link: &Link, lang: Lang, units: Option<&str>) -> Result<String> {
    // Money axes carry the study's unit: "revenue (USD k)".
    let named = |n: &str| {
        let base = match lang {
            Lang::En => n.replace('_', " "),
            _ => lang.name(n),
        };
        match units {
            Some(u) if n == "revenue" || n == "profit" => format!("{base} ({u})"),
            _ => base,
        }
    };
    let (xn, yn) = (named(&link.x), named(&link.y));
    let pad = |(lo, hi): (f64, f64), d: bool| {
        let p = if d { 0.6 } else { (hi - lo) * 0.03 };
        (lo - p)..(hi + p)
    };
    let xr = pad(link.x_range, link.x_discrete);
    let yr = pad(link.y_range, false);
    let faceted = link.series.iter().any(|s| s.density.is_some());
    let k = if faceted { link.series.len().max(1) } else { 1 };
    let (width, height) = (if faceted { 60 + 340 * k as u32 } else { 600 }, 440u32);
    let colour = |i: usize| PALETTE[i % PALETTE.len()];
    theme::svg((width, height), |root| {
        root.draw(&Text::new(
            format!("{xn} → {yn}"),
            (width as i32 / 2, 16),
            centred(17, INK),
        ))
        .map_err(chart_err)?;
        // Legend strip under the title, outside the data.
        let mut x = 16;
        for (i, s) in link.series.iter().enumerate() {
            let label = format!(
                "{} (n = {})",
                lang.name(&s.segment),
                crate::format::thousands(s.n as f64, 0)
            );
            theme::legend(root, (x, 44), &[(label.clone(), Mark::Box(colour(i)))])?;
            x += 28 + text_width(&label, 13.0) as i32 + 18;
        }
        if link.outside > 0 {
            root.draw(&Text::new(
                lang.f(
                    "chart_outside",
                    &[("n", &crate::format::thousands(link.outside as f64, 0))],
                ),
                (16, height as i32 - 14),
                (FONT, 11).into_font().color(&INK.mix(0.8)),
            ))
            .map_err(chart_err)?;
        }
        let body = root.margin(62, 22, 6, 10);
        let panels = body.split_evenly((1, k));
        for (p, area) in panels.iter().enumerate() {
            let mut b = ChartBuilder::on(area);
            b.margin(6).x_label_area_size(40).y_label_area_size(62);
            if faceted {
                b.caption(
                    lang.name(&link.series[p].segment),
                    (FONT, 14).into_font().color(&colour(p)),
                );
            }
            let mut chart = b
                .build_cartesian_2d(xr.clone(), yr.clone())
                .map_err(chart_err)?;
            theme::mesh(&mut chart, &xn, &yn)?;
            let own: Vec<usize> = if faceted {
                vec![p]
            } else {
                (0..link.series.len()).collect()
            };
            for &i in &own {
                let s = &link.series[i];
                let c = colour(i);
                if let Some(d) = &s.density {
                    let max = d.cells.iter().map(|c| c.2).max().unwrap_or(1).max(1) as f64;
                    let gap = if link.x_discrete { 0.12 } else { 0.0 };
                    chart
                        .draw_series(d.cells.iter().map(|&(bx, by, n)| {
                            let (bx, by) = (bx as usize, by as usize);
                            // Sequential: light to full colour, square-root scaled counts.
                            let shade = 0.08 + 0.8 * (f64::from(n) / max).sqrt();
                            Rectangle::new(
                                [
                                    (d.x_edges[bx] + gap, d.y_edges[by]),
                                    (d.x_edges[bx + 1] - gap, d.y_edges[by + 1]),
                                ],
                                c.mix(shade).filled(),
                            )
                        }))
                        .map_err(chart_err)?;
                } else {
                    chart
                        .draw_series(
                            s.points
                                .iter()
                                .enumerate()
                                .map(|(k, &(x, y))| {
                                    (if link.x_discrete { x + jitter(k) } else { x }, y)
                                })
                                .filter(|(x, y)| xr.contains(x) && yr.contains(y))
                                .map(|p| Circle::new(p, 2, c.mix(0.4).filled())),
                        )
                        .map_err(chart_err)?;
                }
            }
            // Fitted lines on top (over a white underlay): the panel's own bold, others thin.
            for (i, s) in link.series.iter().enumerate() {
                let Some(line) = clip_line(s.intercept, s.slope, &xr, &yr) else {
                    continue;
                };
                let mine = own.contains(&i);
                chart
                    .draw_series(LineSeries::new(
                        line,
                        WHITE.stroke_width(if mine { 5 } else { 3 }),
                    ))
                    .map_err(chart_err)?;
                chart
                    .draw_series(LineSeries::new(
                        line,
                        colour(i)
                            .mix(if mine { 1.0 } else { 0.7 })
                            .stroke_width(if mine { 2 } else { 1 }),
                    ))
                    .map_err(chart_err)?;
            }
        }
        Ok(())
    })
}
