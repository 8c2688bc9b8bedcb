//! The importance–performance map of the satisfaction-index study.

use plotters::prelude::*;

use super::i18n::Lang;
use super::theme::{self, chart_err, FONT, INK, PALETTE};
use crate::analysis::csi::IpmaRow;
use crate::error::Result;

/// Importance (x) against performance (y) with the mean lines and the four quadrants
/// named: "concentrate here" (important, low performance), "keep up the good work",
/// "low priority", "possible overkill".
pub fn ipma_svg(rows: &[IpmaRow], target: &str, level: &str, lang: Lang) -> Result<String> {
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
                lang.f(
                    "csi_ipma_title",
                    &[
                        ("target", &target),
                        ("level", &lang.t(&format!("csi_level_{level}"))),
                    ],
                ),
                theme::caption_style(18),
            )
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(x_min..x_max, y_min..y_max)
            .map_err(chart_err)?;
        theme::mesh(
            &mut chart,
            &lang.f("csi_ipma_x", &[("target", &target)]),
            lang.t("csi_ipma_y"),
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

/// The structural model: constructs as boxes (index and R² inside, items with their outer
/// weights below) laid out left to right by their depth in the model, alternating between
/// two rows so that arrows skipping a stage pass between boxes; arrows carry the path
/// coefficients, solid when significant at 5% (bootstrap) and dashed otherwise, blue when
/// positive and vermillion when negative.
pub fn model_svg(r: &crate::analysis::csi::CsiResult, lang: Lang) -> Result<String> {
    let names: Vec<&str> = r.constructs.iter().map(|c| c.name.as_str()).collect();
    let m = names.len();
    let idx = |n: &str| names.iter().position(|x| *x == n).unwrap_or(0);
    // Depth = longest path from an exogenous construct (the model is acyclic).
    let mut depth = vec![0usize; m];
    for _ in 0..m {
        for p in &r.paths {
            let (a, b) = (idx(&p.effect.from), idx(&p.effect.to));
            depth[b] = depth[b].max(depth[a] + 1);
        }
    }
    let cols = depth.iter().max().map_or(1, |d| d + 1);
    let (bw, bh, gap) = (150i32, 58i32, 40i32);
    let width = (cols as i32) * (bw + gap) + gap;
    let height = 480i32;
    // Position: column by depth; rows alternate by column parity, and constructs sharing a
    // column are stacked.
    let mut placed = vec![(0i32, 0i32); m];
    let mut used = vec![0i32; cols];
    for j in 0..m {
        let d = depth[j];
        let x = gap + d as i32 * (bw + gap);
        let base = if d.is_multiple_of(2) { 100 } else { 260 };
        placed[j] = (x, base + used[d] * 150);
        used[d] += 1;
    }
    let height = height.max(placed.iter().map(|p| p.1 + bh + 90).max().unwrap_or(0));
    theme::svg((width as u32, height as u32), |root| {
        root.draw(&Text::new(
            lang.t("csi_model_title"),
            (gap, 12),
            theme::caption_style(18),
        ))
        .map_err(chart_err)?;
        // Arrows first, boxes over them. An arrow between boxes of the same row that skips
        // a column goes around the row (over the top row, under the bottom one), each in its
        // own lane, so it never runs behind a box.
        let mut lanes = [0i32; 2];
        for p in &r.paths {
            let e = &p.effect;
            let (ia, ib) = (idx(&e.from), idx(&e.to));
            let (a, b) = (placed[ia], placed[ib]);
            let colour = if e.interval.estimate >= 0.0 {
                PALETTE[0]
            } else {
                PALETTE[3]
            };
            let significant = !e.p_value.is_finite() || e.p_value < 0.05;
            let style = colour.stroke_width(2);
            let around = a.1 == b.1 && depth[ib] > depth[ia] + 1;
            let points: Vec<(i32, i32)> = if around {
                let top = a.1 < 230;
                let lane = &mut lanes[usize::from(!top)];
                *lane += 1;
                let y = if top {
                    a.1 - 14 * *lane
                } else {
                    a.1 + bh + 62 + 14 * *lane
                };
                let off = 8 * *lane;
                let (ya, yb) = if top {
                    (a.1, b.1)
                } else {
                    (a.1 + bh, b.1 + bh)
                };
                vec![
                    (a.0 + bw / 2 + off, ya),
                    (a.0 + bw / 2 + off, y),
                    (b.0 + bw / 2 - off, y),
                    (b.0 + bw / 2 - off, yb),
                ]
            } else {
                vec![(a.0 + bw, a.1 + bh / 2), (b.0, b.1 + bh / 2)]
            };
            for seg in points.windows(2) {
                let (start, end) = (seg[0], seg[1]);
                if significant {
                    root.draw(&PathElement::new(vec![start, end], style))
                        .map_err(chart_err)?;
                } else {
                    // Dashes of 6 px every 10 px.
                    let (dx, dy) = ((end.0 - start.0) as f64, (end.1 - start.1) as f64);
                    let len = (dx * dx + dy * dy).sqrt();
                    let mut t = 0.0;
                    while t < len {
                        let t2 = (t + 6.0).min(len);
                        let p = |u: f64| {
                            (
                                (start.0 as f64 + dx * u / len) as i32,
                                (start.1 as f64 + dy * u / len) as i32,
                            )
                        };
                        root.draw(&PathElement::new(vec![p(t), p(t2)], style))
                            .map_err(chart_err)?;
                        t += 10.0;
                    }
                }
            }
            let (start, end) = (points[points.len() - 2], points[points.len() - 1]);
            let (dx, dy) = ((end.0 - start.0) as f64, (end.1 - start.1) as f64);
            // The label sits 40% along a straight arrow, mid-way along a routed one.
            let at = if around {
                ((points[1].0 + points[2].0) / 2, points[1].1)
            } else {
                (
                    (start.0 as f64 + dx * 0.4) as i32,
                    (start.1 as f64 + dy * 0.4) as i32,
                )
            };
            // Arrowhead.
            let (dx, dy) = ((end.0 - start.0) as f64, (end.1 - start.1) as f64);
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            let (ux, uy) = (dx / len, dy / len);
            let back = |s: f64, side: f64| {
                (
                    (end.0 as f64 - ux * s - uy * side) as i32,
                    (end.1 as f64 - uy * s + ux * side) as i32,
                )
            };
            root.draw(&Polygon::new(
                vec![end, back(11.0, 5.0), back(11.0, -5.0)],
                colour.filled(),
            ))
            .map_err(chart_err)?;
            // Coefficient on a white halo.
            root.draw(&Rectangle::new(
                [(at.0 - 20, at.1 - 9), (at.0 + 20, at.1 + 9)],
                WHITE.filled(),
            ))
            .map_err(chart_err)?;
            let label = format!("{:.2}", e.interval.estimate);
            root.draw(&Text::new(
                label,
                at,
                (FONT, 12)
                    .into_font()
                    .color(&colour)
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    )),
            ))
            .map_err(chart_err)?;
        }
        let centre = plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        );
        for (j, c) in r.constructs.iter().enumerate() {
            let (x, y) = placed[j];
            root.draw(&Rectangle::new(
                [(x, y), (x + bw, y + bh)],
                RGBColor(238, 242, 250).filled(),
            ))
            .map_err(chart_err)?;
            root.draw(&Rectangle::new(
                [(x, y), (x + bw, y + bh)],
                INK.mix(0.6).stroke_width(1),
            ))
            .map_err(chart_err)?;
            root.draw(&Text::new(
                c.name.clone(),
                (x + bw / 2, y + 18),
                (FONT, 14).into_font().color(&INK).pos(centre),
            ))
            .map_err(chart_err)?;
            let sub = match c.r_squared {
                Some(r2) => format!("{} {:.1} · R² {:.2}", lang.t("csi_index"), c.index_mean, r2),
                None => format!("{} {:.1}", lang.t("csi_index"), c.index_mean),
            };
            root.draw(&Text::new(
                sub,
                (x + bw / 2, y + 40),
                (FONT, 12).into_font().color(&INK).pos(centre),
            ))
            .map_err(chart_err)?;
            // Items and weights below the box, two per line.
            for (k, pair) in c.items.chunks(2).enumerate() {
                let line = pair
                    .iter()
                    .map(|it| format!("{} {:.2}", it.item, it.weight.estimate))
                    .collect::<Vec<_>>()
                    .join("   ");
                root.draw(&Text::new(
                    line,
                    (x + bw / 2, y + bh + 14 + 15 * k as i32),
                    (FONT, 11).into_font().color(&INK.mix(0.75)).pos(centre),
                ))
                .map_err(chart_err)?;
            }
        }
        theme::legend(
            root,
            (gap, height - 24),
            &[(lang.t("csi_sig").into(), theme::Mark::Line(PALETTE[0]))],
        )?;
        theme::legend(
            root,
            (gap + 230, height - 24),
            &[(
                lang.t("legend_nonsig").into(),
                theme::Mark::Dashed(PALETTE[0]),
            )],
        )?;
        theme::legend(
            root,
            (gap + 420, height - 24),
            &[(
                lang.t("legend_negative").into(),
                theme::Mark::Line(PALETTE[3]),
            )],
        )
    })
}
