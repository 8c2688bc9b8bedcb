//! The charts of "Where the chain differs": the model tree as a diagram (each split with
//! its test, each leaf with its customers and coefficients), the found segments' total
//! effect of satisfaction on profit side by side on one scale, and a mixture's BIC and ICL
//! by number of classes.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chain_charts::text_width;
use super::i18n::Lang;
use super::theme::{self, chart_err, Mark, FONT, GRID, INK, PALETTE};
use crate::analysis::chain::SegmentResult;
use crate::analysis::segments::mixture::MixtureResult;
use crate::analysis::segments::tree::{Coefficient, Node};
use crate::analysis::segments::TreeResult;
use crate::error::Result;
use crate::format::{num, pvalue, thousands};

const LEAF_W: i32 = 190;
const LEVEL_H: i32 = 110;

fn style(size: u32, colour: RGBColor, h: HPos) -> TextStyle<'static> {
    (FONT, size)
        .into_font()
        .color(&colour)
        .pos(Pos::new(h, VPos::Center))
}

/// The lines a leaf box shows: for the whole chain, its four paths by name; for one
/// regression, its slopes (the intercept left out).
fn leaf_lines(nd: &Node, chain: bool, lang: Lang) -> Vec<String> {
    let find = |eq: &str, term: &str| -> Option<&Coefficient> {
        nd.coefficients
            .iter()
            .find(|c| c.equation == eq && c.term == term)
    };
    if chain {
        [
            ("share_of_wallet", "satisfaction", "tree_a1"),
            ("revenue", "share_of_wallet", "tree_d21"),
            ("profit", "revenue", "tree_b2"),
            ("profit", "satisfaction", "tree_c"),
        ]
        .iter()
        .filter_map(|(eq, term, key)| {
            find(eq, term).map(|c| format!("{} {}", lang.t(key), num(c.estimate, 3)))
        })
        .collect()
    } else {
        nd.coefficients
            .iter()
            .filter(|c| c.term != "Intercept")
            .take(3)
            .map(|c| format!("{} {}", c.term, num(c.estimate, 3)))
            .collect()
    }
}

/// The tree: splits as ovals with the variable and its adjusted p-value, edges labelled
/// with the rule, leaves as boxes with their number, customers and coefficients.
pub fn tree_svg(r: &TreeResult, lang: Lang) -> Result<String> {
    let nodes = &r.tree.nodes;
    let leaves: Vec<usize> = nodes.iter().filter(|n| n.leaf).map(|n| n.id).collect();
    let depth = nodes.iter().map(|n| n.depth).max().unwrap_or(1) as i32;
    let lines = leaves
        .iter()
        .filter_map(|&id| nodes.iter().find(|n| n.id == id))
        .map(|n| leaf_lines(n, r.chain, lang).len())
        .max()
        .unwrap_or(0) as i32;
    let leaf_h = 44 + 17 * lines;
    let width = (leaves.len() as i32 * (LEAF_W + 16) + 40).max(640);
    let height = 70 + (depth - 1) * LEVEL_H + leaf_h + 20;
    // x of every node: leaves evenly spaced, an inner node above the middle of its kids.
    let mut x = std::collections::HashMap::new();
    let step = (width - 40) as f64 / leaves.len().max(1) as f64;
    for (k, id) in leaves.iter().enumerate() {
        x.insert(*id, 20.0 + step * (k as f64 + 0.5));
    }
    for nd in nodes.iter().rev() {
        if !nd.leaf {
            let xs: Vec<f64> = nd.kids.iter().filter_map(|k| x.get(k).copied()).collect();
            x.insert(nd.id, xs.iter().sum::<f64>() / xs.len().max(1) as f64);
        }
    }
    let y = |nd: &Node| 60 + (nd.depth as i32 - 1) * LEVEL_H;
    theme::svg((width as u32, height as u32), |root| {
        let title = lang.f(
            if r.chain {
                "tree_title_chain"
            } else {
                "tree_title"
            },
            &[("f", &r.formula)],
        );
        root.draw(&Text::new(
            title,
            (width / 2, 22),
            style(16, INK, HPos::Center),
        ))
        .map_err(chart_err)?;
        // Edges first, with the rule halfway down.
        for nd in nodes.iter().filter(|n| n.parent.is_some()) {
            let Some(p) = nd.parent.and_then(|p| nodes.iter().find(|n| n.id == p)) else {
                continue;
            };
            let (x0, y0) = (x[&p.id] as i32, y(p) + 18);
            let (x1, y1) = (x[&nd.id] as i32, y(nd) - if nd.leaf { 0 } else { 18 });
            root.draw(&PathElement::new(
                vec![(x0, y0), (x1, y1)],
                INK.mix(0.5).stroke_width(1),
            ))
            .map_err(chart_err)?;
            let rule = nd
                .rule
                .strip_prefix(p.split.as_ref().map_or("", |s| s.variable.as_str()))
                .unwrap_or(&nd.rule)
                .trim()
                .to_string();
            let (mx, my) = ((x0 + x1) / 2, (y0 + y1) / 2);
            let w = text_width(&rule, 12.0) as i32 + 8;
            root.draw(&Rectangle::new(
                [(mx - w / 2, my - 9), (mx + w / 2, my + 9)],
                WHITE.filled(),
            ))
            .map_err(chart_err)?;
            root.draw(&Text::new(rule, (mx, my), style(12, INK, HPos::Center)))
                .map_err(chart_err)?;
        }
        for nd in nodes {
            let cx = x[&nd.id] as i32;
            let cy = y(nd);
            if nd.leaf {
                let top = cy;
                root.draw(&Rectangle::new(
                    [(cx - LEAF_W / 2, top), (cx + LEAF_W / 2, top + leaf_h)],
                    PALETTE[5].mix(0.12).filled(),
                ))
                .map_err(chart_err)?;
                root.draw(&Rectangle::new(
                    [(cx - LEAF_W / 2, top), (cx + LEAF_W / 2, top + leaf_h)],
                    PALETTE[0].stroke_width(1),
                ))
                .map_err(chart_err)?;
                let head = lang.f(
                    "tree_leaf",
                    &[("id", &nd.id), ("n", &thousands(nd.n as f64, 0))],
                );
                root.draw(&Text::new(
                    head,
                    (cx, top + 16),
                    style(13, INK, HPos::Center),
                ))
                .map_err(chart_err)?;
                for (k, line) in leaf_lines(nd, r.chain, lang).into_iter().enumerate() {
                    root.draw(&Text::new(
                        line,
                        (cx - LEAF_W / 2 + 10, top + 38 + 17 * k as i32),
                        style(12, INK, HPos::Left),
                    ))
                    .map_err(chart_err)?;
                }
            } else {
                let var = nd.split.as_ref().map_or("", |s| s.variable.as_str());
                let p = nd
                    .tests
                    .iter()
                    .find(|t| t.variable == var)
                    .map_or(String::new(), |t| {
                        let p = pvalue(t.p_value);
                        match p.strip_prefix('<') {
                            Some(v) => format!("p < {v}"),
                            None => format!("p = {p}"),
                        }
                    });
                let w = (text_width(var, 14.0).max(text_width(&p, 12.0)) as i32 + 28).max(90);
                root.draw(&Rectangle::new(
                    [(cx - w / 2, cy - 18), (cx + w / 2, cy + 18)],
                    WHITE.filled(),
                ))
                .map_err(chart_err)?;
                root.draw(&Rectangle::new(
                    [(cx - w / 2, cy - 18), (cx + w / 2, cy + 18)],
                    INK.mix(0.7).stroke_width(1),
                ))
                .map_err(chart_err)?;
                root.draw(&Text::new(
                    format!("[{}] {var}", nd.id),
                    (cx, cy - 6),
                    style(14, INK, HPos::Center),
                ))
                .map_err(chart_err)?;
                root.draw(&Text::new(p, (cx, cy + 10), style(11, INK, HPos::Center)))
                    .map_err(chart_err)?;
            }
        }
        Ok(())
    })
}

/// The found segments' total effect of satisfaction on profit (dot, with its bootstrap
/// interval) and the part running through share of wallet and revenue (diamond), one row
/// per segment on one scale.
pub fn effects_svg(segments: &[&SegmentResult], outcome: &str, lang: Lang) -> Result<String> {
    let rows: Vec<(String, f64, f64, f64, Option<f64>)> = segments
        .iter()
        .filter_map(|s| {
            let m = s.mediation.as_ref()?;
            let (lo, hi) = m
                .total_effect_interval
                .as_ref()
                .map_or((f64::NAN, f64::NAN), |i| (i.ci_low, i.ci_high));
            let via = m
                .indirect_effects
                .iter()
                .find(|e| e.path == "total indirect")
                .map(|e| e.interval.estimate);
            Some((
                format!("{} (n = {})", lang.name(&s.name), thousands(s.n as f64, 0)),
                m.total_effect.estimate,
                lo,
                hi,
                via,
            ))
        })
        .collect();
    let n = rows.len();
    let (lo, hi) = rows
        .iter()
        .flat_map(|r| [r.1, r.2, r.3, r.4.unwrap_or(r.1), 0.0])
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let label_width = rows
        .iter()
        .map(|r| text_width(&r.0, 13.0) as u32)
        .max()
        .unwrap_or(80)
        .clamp(80, 420);
    let height = 150 + 40 * n as u32;
    theme::svg((860, height), |root| {
        let (plot, foot) = root.split_vertically(height - 46);
        let mut chart = ChartBuilder::on(&plot)
            .caption(
                lang.f("found_effects_title", &[("y", &outcome)]),
                theme::caption_style(17),
            )
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(label_width + 14)
            .build_cartesian_2d((lo - pad)..(hi + pad), -0.5..n as f64 - 0.5)
            .map_err(chart_err)?;
        let labels: Vec<String> = rows.iter().rev().map(|r| r.0.clone()).collect();
        theme::category_mesh(
            &mut chart,
            &labels,
            true,
            &lang.f("found_effects_x", &[("y", &outcome)]),
            "",
        )?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
                INK.mix(0.5).stroke_width(1),
            )))
            .map_err(chart_err)?;
        for (k, (_, est, l, h, via)) in rows.iter().enumerate() {
            let yk = (n - 1 - k) as f64;
            if l.is_finite() && h.is_finite() {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(*l, yk), (*h, yk)],
                        PALETTE[0].stroke_width(3),
                    )))
                    .map_err(chart_err)?;
            }
            chart
                .draw_series(std::iter::once(Circle::new(
                    (*est, yk),
                    6,
                    PALETTE[0].filled(),
                )))
                .map_err(chart_err)?;
            if let Some(v) = via {
                chart
                    .draw_series(std::iter::once(TriangleMarker::new(
                        (*v, yk + 0.22),
                        6,
                        PALETTE[1].filled(),
                    )))
                    .map_err(chart_err)?;
            }
        }
        theme::legend(
            &foot,
            (label_width as i32 + 28, 10),
            &[
                (
                    lang.t("found_effects_total").to_string(),
                    Mark::Line(PALETTE[0]),
                ),
                (
                    lang.t("found_effects_via").to_string(),
                    Mark::Triangle(PALETTE[1]),
                ),
            ],
        )?;
        Ok(())
    })
}

/// BIC and ICL by number of classes, the chosen one marked.
pub fn bic_svg(r: &MixtureResult, lang: Lang) -> Result<String> {
    let ks: Vec<f64> = r.fits.iter().map(|f| f.k as f64).collect();
    let vals: Vec<f64> = r.fits.iter().flat_map(|f| [f.fit.bic, f.fit.icl]).collect();
    let (lo, hi) = vals
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let pad = ((hi - lo) * 0.1).max(1.0);
    let (k0, k1) = (
        ks.first().copied().unwrap_or(1.0),
        ks.last().copied().unwrap_or(1.0),
    );
    theme::svg((640, 420), |root| {
        let (plot, foot) = root.split_vertically(374);
        let mut chart = ChartBuilder::on(&plot)
            .caption(lang.t("found_bic_title"), theme::caption_style(17))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d((k0 - 0.5)..(k1 + 0.5), (lo - pad)..(hi + pad))
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(INK.mix(0.6))
            .label_style((FONT, 13).into_font().color(&INK))
            .x_labels(ks.len().max(2))
            .x_label_formatter(&|v| {
                if (v - v.round()).abs() < 1e-9 {
                    format!("{}", v.round() as i64)
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| theme::tick(*v))
            .x_desc(lang.t("found_bic_x"))
            .draw()
            .map_err(chart_err)?;
        for (series, colour) in [(0usize, PALETTE[0]), (1, PALETTE[1])] {
            let pts: Vec<(f64, f64)> = r
                .fits
                .iter()
                .map(|f| (f.k as f64, if series == 0 { f.fit.bic } else { f.fit.icl }))
                .collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2)))
                .map_err(chart_err)?;
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 4, colour.filled())))
                .map_err(chart_err)?;
        }
        if let Some(f) = r.fits.iter().find(|f| f.k == r.chosen) {
            chart
                .draw_series(std::iter::once(Circle::new(
                    (f.k as f64, f.fit.bic),
                    9,
                    PALETTE[3].stroke_width(2),
                )))
                .map_err(chart_err)?;
        }
        theme::legend(
            &foot,
            (100, 8),
            &[
                ("BIC".to_string(), Mark::Line(PALETTE[0])),
                ("ICL".to_string(), Mark::Line(PALETTE[1])),
            ],
        )?;
        Ok(())
    })
}
