//! Renderings of `feedback`: the terminal text (English and Chinese), the tidy tables
//! (per theme, per comment, discovery, bridge) and the export.

use std::fmt::Write;

use polars::prelude::*;

use super::format::{fixed, money, pvalue, thousands};
use super::i18n::Lang;
use super::text::{pad, rpad};
use crate::analysis::feedback::{FeedbackResult, ThemeResult};
use crate::error::{Error, Result};

/// Where the codebook came from, in `lang`.
pub(super) fn source_label(source: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh if source.starts_with("starter codebook") => {
            "内置初始编码表（银行与零售服务）".into()
        }
        _ => source.to_string(),
    }
}

/// `en` or `zh` by language (whole phrases, written per language).
pub(super) fn tr<'a>(lang: Lang, en: &'a str, zh: &'a str) -> &'a str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// A theme's name in `lang`.
pub(super) fn theme_name<'a>(out: &'a FeedbackResult, name: &'a str, lang: Lang) -> &'a str {
    out.codebook
        .themes
        .iter()
        .find(|t| t.name == name)
        .map_or(name, |t| t.label(lang == Lang::Zh))
}

fn seg(lang: Lang, s: &str) -> String {
    lang.name(s)
}

fn interval(lo: f64, hi: f64, d: usize) -> String {
    format!("[{}, {}]", fixed(lo, d), fixed(hi, d))
}

/// Terminal text in `lang`.
pub fn text_in(out: &FeedbackResult, lang: Lang) -> String {
    let mut s = super::text::audit_block(&out.diagnostics, lang, "");
    let n = |x: usize| thousands(x as f64, 0);
    let _ = writeln!(
        s,
        "{} '{}' — {}: {}",
        tr(lang, "Feedback themes in column", "开放式反馈主题，评论列"),
        out.comment,
        tr(lang, "codebook", "编码表"),
        source_label(&out.codebook.source, lang)
    );
    let left: Vec<String> = out
        .excluded
        .iter()
        .map(|e| format!("{} {}", n(e.comments), lang.message(&e.reason)))
        .collect();
    let _ = writeln!(
        s,
        "{}",
        match lang {
            Lang::En => format!(
                "{} rows, {} comments analysed{}",
                n(out.rows),
                n(out.analysed),
                if left.is_empty() {
                    String::new()
                } else {
                    format!("; left out: {}", left.join("; "))
                }
            ),
            Lang::Zh => format!(
                "共 {} 行，分析 {} 条评论{}",
                n(out.rows),
                n(out.analysed),
                if left.is_empty() {
                    String::new()
                } else {
                    format!("；剔除：{}", left.join("；"))
                }
            ),
        }
    );
    let langs: Vec<String> = out
        .languages
        .iter()
        .map(|l| {
            let name = match (lang, l.language.code()) {
                (Lang::Zh, "zh") => "中文",
                (Lang::Zh, "en") => "英文",
                (Lang::Zh, "mixed") => "中英混合",
                (Lang::Zh, _) => "其他",
                (_, c) => c,
            };
            format!("{name} {} ({}%)", n(l.comments), fixed(l.pct, 1))
        })
        .collect();
    let _ = writeln!(
        s,
        "{}: {}\n",
        tr(lang, "Languages", "语言"),
        langs.join(", ")
    );
    prevalence(&mut s, out, lang);
    impact(&mut s, out, lang);
    bridge(&mut s, out, lang);
    discovery(&mut s, out, lang);
    examples(&mut s, out, lang);
    for w in &out.warnings {
        let _ = writeln!(s, "{}: {}", tr(lang, "Warning", "警告"), lang.message(w));
    }
    for note in &out.notes {
        let _ = writeln!(s, "{}: {}", tr(lang, "Note", "说明"), lang.message(note));
    }
    s
}

fn prevalence(s: &mut String, out: &FeedbackResult, lang: Lang) {
    let _ = writeln!(
        s,
        "{}",
        tr(
            lang,
            "Theme prevalence (% of comments, 95% interval)",
            "主题提及率（占评论的百分比，95% 置信区间）"
        )
    );
    let mut head = format!("  {}", pad(tr(lang, "theme", "主题"), 22));
    for g in &out.segments {
        head.push_str(&pad(&seg(lang, g), 24));
    }
    if out.segments.len() > 2 {
        head.push_str(tr(lang, "difference p", "差异 p 值"));
    }
    let _ = writeln!(s, "{head}");
    for t in &out.themes {
        let mut line = format!("  {}", pad(theme_name(out, &t.name, lang), 22));
        for p in &t.prevalence {
            line.push_str(&pad(
                &format!("{} {}", fixed(p.pct, 1), interval(p.ci_low, p.ci_high, 1)),
                24,
            ));
        }
        if out.segments.len() > 2 {
            line.push_str(
                &t.difference
                    .as_ref()
                    .map_or("n/a".into(), |d| pvalue(d.p_value)),
            );
        }
        let _ = writeln!(s, "{}", line.trim_end());
    }
    let _ = writeln!(s);
}

fn impact(s: &mut String, out: &FeedbackResult, lang: Lang) {
    for m in &out.impact {
        let _ = writeln!(
            s,
            "{}",
            match lang {
                Lang::En => format!(
                    "Impact on '{}' — {} (n = {}, R² = {}; points, {} standard errors)",
                    m.rating,
                    seg(lang, &m.segment),
                    thousands(m.n as f64, 0),
                    fixed(m.r_squared, 3),
                    m.se_type
                ),
                Lang::Zh => format!(
                    "主题对“{}”的影响 — {}（n = {}，R² = {}；单位：分，{} 标准误）",
                    m.rating,
                    seg(lang, &m.segment),
                    thousands(m.n as f64, 0),
                    fixed(m.r_squared, 3),
                    m.se_type
                ),
            }
        );
        if let Some(why) = &m.not_fitted {
            let _ = writeln!(s, "  {}\n", lang.message(why));
            continue;
        }
        let _ = writeln!(
            s,
            "  {} {} {} {} {} {}",
            pad(tr(lang, "theme", "主题"), 22),
            rpad(tr(lang, "effect", "效应"), 8),
            pad(
                &format!("  {}", tr(lang, "95% interval", "95% 置信区间")),
                20
            ),
            rpad("p", 7),
            rpad(tr(lang, "% of R²", "占 R² %"), 8),
            rpad(tr(lang, "mentions", "提及数"), 9)
        );
        for e in &m.effects {
            let name = if e.theme == "sentiment" {
                tr(lang, "sentiment (-1..1)", "情感得分（-1..1）")
            } else {
                theme_name(out, &e.theme, lang)
            };
            let _ = writeln!(
                s,
                "  {} {} {} {} {} {}",
                pad(name, 22),
                rpad(&fixed(e.estimate, 2), 8),
                pad(&format!("  {}", interval(e.ci_low, e.ci_high, 2)), 20),
                rpad(&pvalue(e.p_value), 7),
                rpad(&e.shapley_pct.map_or("n/a".into(), |v| fixed(v, 1)), 8),
                rpad(&thousands(e.mentions as f64, 0), 9)
            );
        }
        if !m.left_out.is_empty() {
            let _ = writeln!(
                s,
                "  {}: {}",
                tr(
                    lang,
                    "not in this regression (no comment, or every comment, mentions it)",
                    "未纳入本回归（无评论或所有评论都提及）"
                ),
                m.left_out.join(", ")
            );
        }
        let _ = writeln!(s);
    }
}

fn bridge(s: &mut String, out: &FeedbackResult, lang: Lang) {
    if out.bridge.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "{}",
        tr(
            lang,
            "Through the chain: annual profit of removing a theme's effect on satisfaction (per customer who mentions it, 95% bootstrap interval)",
            "经由满意度链：消除主题对客户满意度的影响所带来的年度客户利润（每位提及该主题的客户，95% 自助法置信区间）"
        )
    );
    let _ = writeln!(
        s,
        "  {} {} {} {} {} {} {}",
        pad(tr(lang, "segment", "细分群体"), 14),
        pad(tr(lang, "theme", "主题"), 22),
        rpad(tr(lang, "rating effect", "满意度效应"), 13),
        rpad(tr(lang, "profit/point", "每分利润"), 12),
        rpad(tr(lang, "per customer", "每位客户"), 12),
        pad(&format!("  {}", tr(lang, "interval", "置信区间")), 22),
        rpad(tr(lang, "customers", "客户数"), 9)
    );
    for b in &out.bridge {
        let _ = writeln!(
            s,
            "  {} {} {} {} {} {} {}",
            pad(&seg(lang, &b.segment), 14),
            pad(theme_name(out, &b.theme, lang), 22),
            rpad(&fixed(b.rating_effect, 2), 13),
            rpad(&money(b.total_effect), 12),
            rpad(&money(b.per_customer), 12),
            pad(
                &format!("  [{}, {}]", money(b.ci_low), money(b.ci_high)),
                22
            ),
            rpad(&thousands(b.customers as f64, 0), 9)
        );
    }
    let _ = writeln!(s);
}

fn discovery(s: &mut String, out: &FeedbackResult, lang: Lang) {
    let d = &out.discovery;
    let _ = writeln!(
        s,
        "{}",
        match lang {
            Lang::En => format!(
                "Not in the codebook: {} of {} comments matched no theme; their most distinctive words and phrases (z of the weighted log-odds against the matched comments)",
                thousands(d.unmatched as f64, 0),
                thousands((d.unmatched + d.matched) as f64, 0)
            ),
            Lang::Zh => format!(
                "编码表未覆盖：{} 条评论（共 {} 条）未匹配任何主题；其中最具区分性的词语和短语（相对已匹配评论的加权对数优势比 z 值）",
                thousands(d.unmatched as f64, 0),
                thousands((d.unmatched + d.matched) as f64, 0)
            ),
        }
    );
    let list = |s: &mut String, terms: &[crate::analysis::feedback::discover::Distinct]| {
        if terms.is_empty() {
            let _ = writeln!(
                s,
                "    {}",
                tr(
                    lang,
                    "(none above the minimum count)",
                    "（无达到最低频次的词语）"
                )
            );
        }
        for t in terms {
            let _ = writeln!(
                s,
                "    {} {} {} {}",
                pad(&t.term, 24),
                rpad(&thousands(f64::from(t.comments), 0), 8),
                rpad(&format!("{}%", fixed(100.0 * t.share, 1)), 7),
                rpad(&format!("z {}", fixed(t.z, 1)), 8)
            );
        }
    };
    list(s, &d.terms);
    let _ = writeln!(
        s,
        "  {}",
        tr(
            lang,
            "in most unmatched comments (a missed topic as common among the matched ones is here, not above):",
            "未匹配评论中最常见的词语（在已匹配评论中同样常见的遗漏话题出现在这里）："
        )
    );
    list(s, &d.frequent);
    for b in &d.bands {
        let _ = writeln!(
            s,
            "  {}",
            match lang {
                Lang::En => format!(
                    "rating {} ({} unmatched comments), against the other bands:",
                    b.band,
                    thousands(b.comments as f64, 0)
                ),
                Lang::Zh => format!(
                    "评分 {}（{} 条未匹配评论），相对其他评分段：",
                    b.band,
                    thousands(b.comments as f64, 0)
                ),
            }
        );
        list(s, &b.terms);
    }
    let _ = writeln!(s, "  {}: {}\n", tr(lang, "method", "方法"), d.method);
}

fn examples(s: &mut String, out: &FeedbackResult, lang: Lang) {
    if out.themes.iter().all(|t| t.examples.is_empty()) {
        return;
    }
    let _ = writeln!(
        s,
        "{}",
        tr(
            lang,
            "Example comments (the shortest that mention only this theme)",
            "评论示例（仅提及该主题的最短评论）"
        )
    );
    for t in &out.themes {
        if t.examples.is_empty() {
            continue;
        }
        let _ = writeln!(s, "  {}", theme_name(out, &t.name, lang));
        for e in &t.examples {
            let _ = writeln!(s, "    [{}] {}: {}", seg(lang, &e.segment), e.id, e.text);
        }
    }
    let _ = writeln!(s);
}

/// One row per (theme, segment, rating): prevalence with its interval and the theme's
/// effect on the rating (rating columns empty without ratings).
pub fn themes_table(out: &FeedbackResult) -> Result<DataFrame> {
    let mut cols: [Vec<Option<String>>; 4] = Default::default();
    let mut nums: [Vec<Option<f64>>; 11] = Default::default();
    let ratings: Vec<Option<&str>> = if out.options.ratings.is_empty() {
        vec![None]
    } else {
        out.options
            .ratings
            .iter()
            .map(|r| Some(r.as_str()))
            .collect()
    };
    for t in &out.themes {
        for p in &t.prevalence {
            for r in &ratings {
                let e = r.and_then(|r| {
                    out.impact
                        .iter()
                        .find(|m| m.rating == r && m.segment == p.segment)?
                        .effects
                        .iter()
                        .find(|e| e.theme == t.name)
                });
                cols[0].push(Some(t.name.clone()));
                cols[1].push(t.zh.clone());
                cols[2].push(Some(p.segment.clone()));
                cols[3].push(r.map(str::to_string));
                let v = [
                    Some(p.comments as f64),
                    Some(p.mentions as f64),
                    Some(p.pct),
                    Some(p.ci_low),
                    Some(p.ci_high),
                    e.map(|e| e.estimate),
                    e.map(|e| e.std_error),
                    e.map(|e| e.ci_low),
                    e.map(|e| e.ci_high),
                    e.map(|e| e.p_value),
                    e.and_then(|e| e.shapley_pct),
                ];
                for (c, x) in nums.iter_mut().zip(v) {
                    c.push(x);
                }
            }
        }
    }
    let names = ["theme", "theme_zh", "segment", "rating"];
    let num_names = [
        "comments",
        "mentions",
        "pct",
        "pct_ci_low",
        "pct_ci_high",
        "effect",
        "std_error",
        "effect_ci_low",
        "effect_ci_high",
        "p_value",
        "shapley_pct",
    ];
    let mut columns: Vec<Column> = names
        .iter()
        .zip(cols)
        .map(|(n, v)| Column::new((*n).into(), v))
        .collect();
    columns.extend(
        num_names
            .iter()
            .zip(nums)
            .map(|(n, v)| Column::new((*n).into(), v)),
    );
    DataFrame::new_infer_height(columns).map_err(Error::from)
}

/// One row per comment: id, segment, language, themes, sentiment, why left out.
pub fn comments_table(out: &FeedbackResult) -> Result<DataFrame> {
    let r = &out.per_comment;
    DataFrame::new_infer_height(vec![
        Column::new(
            "id".into(),
            r.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "segment".into(),
            r.iter().map(|c| c.segment.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "language".into(),
            r.iter().map(|c| c.language.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "themes".into(),
            r.iter().map(|c| c.themes.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "sentiment".into(),
            r.iter().map(|c| c.sentiment).collect::<Vec<_>>(),
        ),
        Column::new(
            "excluded".into(),
            r.iter().map(|c| c.excluded.as_str()).collect::<Vec<_>>(),
        ),
    ])
    .map_err(Error::from)
}

/// Discovery's lists: group (`unmatched` or `band A-B`), term, comments, share, z.
pub fn discovery_table(out: &FeedbackResult) -> Result<DataFrame> {
    let d = &out.discovery;
    let mut rows: Vec<(String, &crate::analysis::feedback::discover::Distinct)> = d
        .terms
        .iter()
        .map(|t| ("unmatched".to_string(), t))
        .collect();
    rows.extend(
        d.frequent
            .iter()
            .map(|t| ("unmatched, most frequent".to_string(), t)),
    );
    for b in &d.bands {
        rows.extend(b.terms.iter().map(|t| (format!("band {}", b.band), t)));
    }
    DataFrame::new_infer_height(vec![
        Column::new(
            "group".into(),
            rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "term".into(),
            rows.iter().map(|r| r.1.term.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "key".into(),
            rows.iter().map(|r| r.1.key.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "comments".into(),
            rows.iter().map(|r| r.1.comments).collect::<Vec<_>>(),
        ),
        Column::new(
            "share".into(),
            rows.iter().map(|r| r.1.share).collect::<Vec<_>>(),
        ),
        Column::new(
            "log_odds".into(),
            rows.iter().map(|r| r.1.log_odds).collect::<Vec<_>>(),
        ),
        Column::new("z".into(), rows.iter().map(|r| r.1.z).collect::<Vec<_>>()),
    ])
    .map_err(Error::from)
}

/// The bridge table.
pub fn bridge_table(out: &FeedbackResult) -> Result<DataFrame> {
    let b = &out.bridge;
    let f = |g: fn(&crate::analysis::feedback::bridge::Bridge) -> f64| {
        b.iter().map(g).collect::<Vec<f64>>()
    };
    DataFrame::new_infer_height(vec![
        Column::new(
            "segment".into(),
            b.iter().map(|x| x.segment.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "theme".into(),
            b.iter().map(|x| x.theme.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("rating_effect".into(), f(|x| x.rating_effect)),
        Column::new("profit_per_point".into(), f(|x| x.total_effect)),
        Column::new(
            "customers".into(),
            b.iter().map(|x| x.customers as u64).collect::<Vec<_>>(),
        ),
        Column::new("profit_per_customer".into(), f(|x| x.per_customer)),
        Column::new("ci_low".into(), f(|x| x.ci_low)),
        Column::new("ci_high".into(), f(|x| x.ci_high)),
        Column::new("profit_total".into(), f(|x| x.total)),
        Column::new("total_ci_low".into(), f(|x| x.total_ci[0])),
        Column::new("total_ci_high".into(), f(|x| x.total_ci[1])),
    ])
    .map_err(Error::from)
}

/// `feedback --export`: themes, comments, discovery (and bridge) tables and the JSON.
pub fn export(out: &FeedbackResult) -> Result<super::export::Export> {
    let mut tables = vec![
        super::export::Table {
            name: "themes".into(),
            df: themes_table(out)?,
        },
        super::export::Table {
            name: "comments".into(),
            df: comments_table(out)?,
        },
        super::export::Table {
            name: "discovery".into(),
            df: discovery_table(out)?,
        },
    ];
    if !out.bridge.is_empty() {
        tables.push(super::export::Table {
            name: "bridge".into(),
            df: bridge_table(out)?,
        });
    }
    let e = super::export::Export {
        lang: Default::default(),
        overview: vec![],
        tables,
        json: serde_json::to_string_pretty(out).map_err(|e| Error::Internal(e.to_string()))? + "\n",
        latex: None,
        files: Vec::new(),
    };
    super::export::with_diagnostics(e, &out.diagnostics)
}

/// A theme's prevalence in `all` (for sorting and charts).
pub fn overall_pct(t: &ThemeResult) -> f64 {
    t.prevalence.first().map_or(f64::NAN, |p| p.pct)
}
