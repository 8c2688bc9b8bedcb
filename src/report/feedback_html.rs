//! The report's feedback section: per segment, each theme's prevalence against its effect
//! on satisfaction (a chart and a table with the profit bridge), the example comments and
//! what the codebook misses.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::{json, Value};

use super::feedback::{theme_name as label, tr};
use super::format::{fixed, money, pvalue, thousands};
use super::i18n::Lang;
use super::theme::{self, chart_err, FONT, INK, PALETTE};
use crate::analysis::feedback::{FeedbackResult, Impact};
use crate::error::Result;

/// One point of the chart: a theme's prevalence (%, interval) and effect (points, interval).
struct Point {
    name: String,
    x: f64,
    x_ci: [f64; 2],
    y: f64,
    y_ci: [f64; 2],
}

/// Prevalence (x) against the effect on the rating (y) of a segment's themes, with both
/// intervals as whiskers and the no-effect line.
fn chart(points: &[Point], title: &str, rating: &str, lang: Lang) -> Result<String> {
    let x_max = points.iter().map(|p| p.x_ci[1]).fold(5.0f64, f64::max) * 1.2;
    let y_lo = points.iter().map(|p| p.y_ci[0]).fold(0.0f64, f64::min);
    let y_hi = points.iter().map(|p| p.y_ci[1]).fold(0.0f64, f64::max);
    let pad = ((y_hi - y_lo) * 0.1).max(0.05);
    let (y_min, y_max) = (y_lo - pad, y_hi + pad);
    let x_label = tr(
        lang,
        "mentioned by (% of comments)",
        "提及率（占评论的百分比）",
    );
    let y_label = match lang {
        Lang::En => format!("effect on {rating} (points)"),
        Lang::Zh => format!("对“{rating}”的效应（分）"),
    };
    theme::svg((640, 420), |root| {
        let mut c = ChartBuilder::on(root)
            .caption(title, theme::caption_style(17))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..x_max, y_min..y_max)
            .map_err(chart_err)?;
        theme::mesh(&mut c, x_label, &y_label)?;
        c.draw_series(DashedLineSeries::new(
            [(0.0, 0.0), (x_max, 0.0)],
            6,
            4,
            INK.mix(0.45).stroke_width(1),
        ))
        .map_err(chart_err)?;
        let whisker = PALETTE[0].mix(0.6).stroke_width(2);
        for p in points {
            c.draw_series(LineSeries::new(
                [(p.x_ci[0], p.y), (p.x_ci[1], p.y)],
                whisker,
            ))
            .map_err(chart_err)?;
            c.draw_series(LineSeries::new(
                [(p.x, p.y_ci[0]), (p.x, p.y_ci[1])],
                whisker,
            ))
            .map_err(chart_err)?;
        }
        // Labels to the right, nudged down where two would overlap.
        let px: Vec<(i32, i32)> = points
            .iter()
            .map(|p| c.backend_coord(&(p.x, p.y)))
            .collect();
        let names: Vec<&str> = points.iter().map(|p| p.name.as_str()).collect();
        let offsets = super::charts::label_offsets(&px, &names);
        c.draw_series(points.iter().enumerate().map(|(i, p)| {
            EmptyElement::at((p.x, p.y))
                + Circle::new((0, 0), 5, PALETTE[0].filled())
                + Text::new(
                    p.name.clone(),
                    (8, offsets[i]),
                    (FONT, 13)
                        .into_font()
                        .color(&INK)
                        .pos(Pos::new(HPos::Left, VPos::Top)),
                )
        }))
        .map_err(chart_err)?;
        Ok(())
    })
}

fn ci(lo: f64, hi: f64, d: usize) -> String {
    format!("[{}, {}]", fixed(lo, d), fixed(hi, d))
}

/// The section's context (`sections/feedback.html`); the charts also go to `charts_out`.
pub(super) fn feedback_context(
    out: &FeedbackResult,
    charts_out: &mut Vec<(String, String)>,
    lang: Lang,
) -> Result<Value> {
    let rating = lang.name(&out.options.ratings.first().cloned().unwrap_or_default());
    let langs: Vec<String> = out
        .languages
        .iter()
        .map(|l| {
            let name = match (lang, l.language.code()) {
                (Lang::Zh, "zh") => "中文",
                (Lang::Zh, "en") => "英文",
                (Lang::Zh, "mixed") => "中英混合",
                (Lang::Zh, _) => "其他",
                (_, "zh") => "Chinese",
                (_, "en") => "English",
                (_, "mixed") => "both",
                _ => "other",
            };
            format!("{name} {}%", fixed(l.pct, 0))
        })
        .collect();
    let intro = match lang {
        Lang::En => format!(
            "{} of {} respondents wrote a comment the analysis could read ({}); themes from {}. Each theme's share of the comments that mention it (95% interval), its effect on '{}' (points, OLS on all themes and the comment's sentiment, HC3), its share of R², and — through the segment's chain — the yearly profit per customer who mentions it of removing that effect.",
            thousands(out.analysed as f64, 0),
            thousands(out.rows as f64, 0),
            langs.join(", "),
            super::feedback::source_label(&out.codebook.source, lang),
            rating
        ),
        Lang::Zh => format!(
            "{} 位受访者中有 {} 位写了可分析的评论（{}）；主题来自{}。各主题的提及率（95% 置信区间）、对“{}”的效应（分；对全部主题和评论情感得分的 OLS 回归，HC3 标准误）、占 R² 的比例，以及经由细分群体的满意度链，消除该效应对每位提及该主题的客户每年带来的客户利润。",
            thousands(out.rows as f64, 0),
            thousands(out.analysed as f64, 0),
            langs.join("，"),
            super::feedback::source_label(&out.codebook.source, lang),
            rating
        ),
    };
    let mut segments = Vec::new();
    for (k, seg) in out.segments.iter().enumerate() {
        if out.segments.len() > 1 && k == 0 {
            continue; // per segment; `all` is in the JSON and the text
        }
        let Some(m): Option<&Impact> = out
            .impact
            .iter()
            .find(|m| Some(&m.rating) == out.options.ratings.first() && m.segment == *seg)
        else {
            continue;
        };
        let mut rows = Vec::new();
        let mut points = Vec::new();
        for t in &out.themes {
            let Some(p) = t.prevalence.iter().find(|p| p.segment == *seg) else {
                continue;
            };
            let e = m.effects.iter().find(|e| e.theme == t.name);
            let b = out
                .bridge
                .iter()
                .find(|b| b.segment == *seg && b.theme == t.name);
            let name = label(out, &t.name, lang).to_string();
            if let Some(e) = e {
                points.push(Point {
                    name: name.clone(),
                    x: p.pct,
                    x_ci: [p.ci_low, p.ci_high],
                    y: e.estimate,
                    y_ci: [e.ci_low, e.ci_high],
                });
            }
            rows.push(json!({
                "theme": name,
                "prevalence": format!("{} {}", fixed(p.pct, 1), ci(p.ci_low, p.ci_high, 1)),
                "effect": e.map_or("—".to_string(), |e| format!("{} {}", fixed(e.estimate, 2), ci(e.ci_low, e.ci_high, 2))),
                "negative": e.is_some_and(|e| e.ci_high < 0.0),
                "p": e.map_or("—".to_string(), |e| pvalue(e.p_value)),
                "share": e.and_then(|e| e.shapley_pct).map_or("—".to_string(), |v| fixed(v, 1)),
                "profit": b.map_or("—".to_string(), |b| format!("{} [{}, {}]", money(b.per_customer), money(b.ci_low), money(b.ci_high))),
            }));
        }
        let title = match lang {
            Lang::En => format!("{}: prevalence and effect", lang.name(seg)),
            Lang::Zh => format!("{}：提及率与效应", lang.name(seg)),
        };
        let svg = chart(&points, &title, &rating, lang)?;
        let file = format!("feedback_{k}.svg");
        charts_out.push((file.clone(), svg.clone()));
        let examples: Vec<Value> = out
            .themes
            .iter()
            .flat_map(|t| {
                t.examples
                    .iter()
                    .filter(|e| e.segment == *seg || out.segments.len() == 1)
                    .map(move |e| json!({"theme": label(out, &t.name, lang), "text": e.text}))
            })
            .collect();
        segments.push(json!({
            "heading": match lang {
                Lang::En => format!("{} (n = {}, R² = {})", lang.name(seg), thousands(m.n as f64, 0), fixed(m.r_squared, 3)),
                Lang::Zh => format!("{}（n = {}，R² = {}）", lang.name(seg), thousands(m.n as f64, 0), fixed(m.r_squared, 3)),
            },
            "rows": rows,
            "svg": svg,
            "file": file,
            "examples": examples,
        }));
    }
    let terms = |list: &[crate::analysis::feedback::discover::Distinct]| -> String {
        list.iter()
            .take(10)
            .map(|d| format!("{} ({})", d.term, thousands(f64::from(d.comments), 0)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let d = &out.discovery;
    let discovery = match lang {
        Lang::En => vec![
            format!(
                "{} of the comments matched no theme. Most frequent among them: {}.",
                thousands(d.unmatched as f64, 0),
                terms(&d.frequent)
            ),
            format!(
                "Most distinctive of them (weighted log-odds against the matched comments): {}.",
                terms(&d.terms)
            ),
        ],
        Lang::Zh => vec![
            format!(
                "{} 条评论未匹配任何主题。其中最常见的词语：{}。",
                thousands(d.unmatched as f64, 0),
                terms(&d.frequent)
            ),
            format!(
                "最具区分性的词语（相对已匹配评论的加权对数优势比）：{}。",
                terms(&d.terms)
            ),
        ],
    };
    Ok(json!({
        "title": tr(lang, "What customers say", "客户反馈主题"),
        "intro": intro,
        "segments": segments,
        "h_theme": tr(lang, "theme", "主题"),
        "h_prevalence": tr(lang, "mentioned by, % [95% CI]", "提及率 % [95% 置信区间]"),
        "h_effect": tr(lang, "effect, points [95% CI]", "效应（分）[95% 置信区间]"),
        "h_share": tr(lang, "% of R²", "占 R² %"),
        "h_profit": tr(lang, "profit per customer a year [95% CI]", "每位客户年利润 [95% 置信区间]"),
        "h_examples": tr(lang, "In their words", "客户原话"),
        "discovery_title": tr(lang, "Not in the codebook", "编码表未覆盖"),
        "discovery": discovery,
        "warnings": out.warnings,
        "note": tr(lang, "Effects are associations: those who mention a theme score that much higher or lower, the other themes and the comment's tone held equal.", "效应为关联：提及该主题的受访者评分高或低这么多（其他主题和评论语气保持不变）。"),
    }))
}
