//! The chain result as terminal text, in the reader's language: the header, the summary,
//! per segment the paths, hypotheses, indirect effects and conditional effects, then the
//! segment comparisons.

use std::fmt::Write;

use super::chain::{
    conditional_cells, conditional_note, hypothesis_ci, interval_cells, paths_line,
};
use super::format::{num, pvalue, stars};
use super::i18n::Lang;
use super::text::pad;
use crate::analysis::chain::{ChainResult, Comparison, SegmentResult};

/// Terminal summary: per-segment paths, hypotheses and indirect effects, then the
/// segment comparison with its plain-language summary.
pub fn text(r: &ChainResult) -> String {
    text_in(r, Lang::En)
}

/// [`text`] in `lang` (labels, statements, verdicts and the summary sentences).
pub fn text_in(r: &ChainResult, lang: Lang) -> String {
    let mut s = String::new();
    let o = &r.options;
    let _ = writeln!(s, "{}", lang.f("txt_header", &[("study", &r.study)]));
    let segs: Vec<String> = r
        .diagnostics
        .segments
        .iter()
        .map(|x| format!("{} {}", lang.name(&x.segment), x.customers))
        .collect();
    let _ = writeln!(
        s,
        "{}",
        lang.f(
            "txt_options",
            &[
                (
                    "customers",
                    &super::text::count_in(lang, r.diagnostics.customers, "customer")
                ),
                ("segments", &segs.join(lang.t("list_sep"))),
                ("se", &se_label(lang, o.se.label())),
                ("b", &o.bootstrap),
                ("seed", &o.seed),
                ("conf", &format!("{:.0}", o.confidence * 100.0)),
                ("alpha", &o.alpha),
            ]
        )
    );
    if let Some(u) = &o.units {
        let _ = writeln!(s, "{}", lang.f("txt_units", &[("u", u)]));
    }
    // Segments whose resamples drew hash blocks of customers, not customers.
    let blocked: Vec<String> = r
        .segments
        .iter()
        .filter(|x| {
            x.mediation
                .as_ref()
                .is_some_and(|m| m.resampled_groups.is_some())
        })
        .map(|x| lang.name(&x.name))
        .collect();
    if !blocked.is_empty() {
        let _ = writeln!(
            s,
            "{}",
            lang.f(
                "txt_blocks",
                &[
                    (
                        "k",
                        &crate::format::thousands(crate::stats::blocks::BLOCKS as f64, 0)
                    ),
                    ("segments", &blocked.join(lang.t("list_sep"))),
                ]
            )
        );
    }
    let d = &r.diagnostics;
    let dropped = d.customers_dropped();
    if dropped > 0 {
        let _ = writeln!(
            s,
            "{}",
            lang.f(
                "txt_build",
                &[
                    (
                        "read",
                        &super::text::count_in(lang, d.customers_read, "customer")
                    ),
                    ("dropped", &super::text::count_in(lang, dropped, "customer")),
                ]
            )
        );
    }
    s.push_str(&super::text::audit_block(d, lang, ""));
    let summary = match lang {
        Lang::En => r.summary.clone(),
        _ => super::summary_zh::summary(r),
    };
    if !summary.is_empty() {
        let _ = writeln!(s, "\n{}", lang.t("h_summary"));
        for line in &summary {
            let _ = writeln!(s, "  - {line}");
        }
    }
    for seg in &r.segments {
        segment_block(&mut s, seg, lang);
    }
    for c in &r.comparisons {
        comparison_block(&mut s, c, lang);
    }
    s
}

/// The basis of the total effect's significance, one per statement: its bootstrap interval
/// when resampled (the bottom line's basis), else the regression's p-value.
pub fn total_basis(m: &crate::analysis::chain::Mediation, lang: Lang) -> String {
    match &m.total_effect_interval {
        Some(i) if i.ci_low.is_finite() && i.ci_high.is_finite() => lang.f(
            "txt_boot_ci",
            &[("lo", &num(i.ci_low, 3)), ("hi", &num(i.ci_high, 3))],
        ),
        _ => format!("p {}", pvalue(m.total_effect.p_value)),
    }
}

/// The covariance type's name in `lang` (`nonrobust` → 常规; HC0–HC3 as they are).
fn se_label(lang: Lang, label: &str) -> String {
    lang.messages()
        .get(&format!("se_{label}"))
        .cloned()
        .unwrap_or_else(|| label.to_string())
}

/// One segment: paths, R², the moderated equation, hypotheses, indirect effects and
/// mediation tests, conditional effects.
fn segment_block(s: &mut String, seg: &SegmentResult, lang: Lang) {
    let _ = writeln!(
        s,
        "\n== {}{}{} (n = {}) ==",
        lang.t("txt_segment"),
        lang.t("colon"),
        lang.name(&seg.name),
        seg.n
    );
    if let Some(e) = &seg.error {
        let _ = writeln!(s, "  {}{e}", lang.t("txt_not_analysed"));
        return;
    }
    let _ = writeln!(
        s,
        "  {} {:>12} {:>8} {:>8}",
        pad(lang.t("path"), 30),
        "b",
        "p",
        "beta"
    );
    for (label, _, b, p, beta) in paths_line(seg) {
        // "a1  satisfaction -> SOW": the code, then the path in the reader's words.
        let label = match lang {
            Lang::En => label,
            _ => {
                let (code, path) = label.split_at(4);
                format!(
                    "{code}{}",
                    lang.path(&path.replace("SOW", "share_of_wallet"))
                )
            }
        };
        let _ = writeln!(
            s,
            "  {} {:>12} {:>8} {:>8}{}",
            pad(&label, 30),
            num(b, 4),
            pvalue(p),
            beta.map(|v| super::format::fixed(v, 3)).unwrap_or_default(),
            stars(p)
        );
    }
    let r2: Vec<String> = seg
        .regressions
        .iter()
        .filter(|m| ["M1", "M2", "Y"].contains(&m.model.as_str()))
        .map(|m| format!("{} {}", m.model, num(m.result.r_squared, 3)))
        .collect();
    let _ = writeln!(s, "  R²: {}", r2.join(", "));
    if let Some(m) = seg.regressions.iter().find(|m| m.model == "M1_extended") {
        let _ = writeln!(
            s,
            "  {}",
            lang.f(
                "txt_m1_extended",
                &[
                    ("formula", &m.result.formula),
                    ("r2", &num(m.result.r_squared, 3))
                ]
            )
        );
        for t in &m.result.terms {
            let _ = writeln!(
                s,
                "    {:<34} {:>12} {:>8}{}",
                t.term,
                num(t.estimate, 4),
                pvalue(t.p_value),
                stars(t.p_value)
            );
        }
    }
    let _ = writeln!(
        s,
        "  {}{}",
        lang.t("h_hypotheses"),
        lang.t("colon").trim_end()
    );
    for h in &seg.hypotheses {
        let ci = hypothesis_ci(h)
            .map(|c| format!(", {} {c}", lang.t("ci")))
            .unwrap_or_default();
        let statement = match lang {
            Lang::En => h.statement.clone(),
            _ => lang.t(&format!("hyp_{}", h.id)).to_string(),
        };
        let _ = writeln!(
            s,
            "    {} {} {} {} {}{}{}",
            h.id,
            pad(&statement, 50),
            pad(&lang.verdict(&h.verdict), 13),
            lang.t("txt_est"),
            num(h.estimate, 4),
            h.p_value
                .map(|p| format!(", p {}", pvalue(p)))
                .unwrap_or_default(),
            ci
        );
    }
    if let Some(m) = &seg.mediation {
        let _ = writeln!(s, "  {}", lang.t("txt_indirect"));
        for e in &m.indirect_effects {
            let [est, se, pct, bca] = interval_cells(&e.interval);
            let _ = writeln!(
                s,
                "    {} {est:>10} se {se:>9}  {pct}  BCa {bca}",
                pad(&lang.path(&e.path), 54)
            );
        }
        let _ = writeln!(
            s,
            "    {}",
            lang.f(
                "txt_direct_total",
                &[
                    ("d", &num(m.direct_effect.estimate, 4)),
                    ("dp", &pvalue(m.direct_effect.p_value)),
                    ("t", &num(m.total_effect.estimate, 4)),
                    ("tp", &total_basis(m, lang)),
                    (
                        "pm",
                        &match (m.proportion_mediated, &m.proportion_mediated_note) {
                            (Some(pm), _) => num(pm, 3),
                            (None, Some(note)) => lang.message(note),
                            (None, None) => "n/a".into(),
                        },
                    ),
                ]
            )
        );
        for bk in &m.baron_kenny {
            let _ = writeln!(
                s,
                "    {} Baron-Kenny {}: c {}, a {}, b {}, c' {} => {}",
                bk.hypothesis,
                lang.path(&format!("{} -> {} -> {}", bk.x, bk.m, bk.y)),
                num(bk.c.estimate, 4),
                num(bk.a.estimate, 4),
                num(bk.b.estimate, 4),
                num(bk.c_prime.estimate, 4),
                lang.t(match bk.conclusion.as_str() {
                    "full" => "txt_full_mediation",
                    "partial" => "txt_partial_mediation",
                    _ => "txt_no_mediation",
                })
            );
        }
        for so in &m.sobel {
            let _ = writeln!(
                s,
                "    {} Sobel z = {}, p {}",
                so.hypothesis,
                super::format::fixed(so.z, 3),
                pvalue(so.p_value)
            );
        }
    }
    if !seg.conditional_effects.is_empty() {
        let note = match lang {
            Lang::En => conditional_note(seg),
            _ => lang.t("moderation_note").to_string(),
        };
        let _ = writeln!(s, "  {note}");
    }
    for ce in &seg.conditional_effects {
        let [value, effect, se, p, ci] = conditional_cells(ce);
        let _ = writeln!(
            s,
            "    {}",
            lang.f(
                "txt_conditional",
                &[
                    ("m", &ce.moderator),
                    ("value", &value),
                    ("pct", &ce.percentile),
                    ("effect", &effect),
                    ("se", &se),
                    ("p", &p),
                    ("ci", &ci),
                ]
            )
        );
    }
}

/// Two segments compared: paths, Chow tests, indirect-effect and correlation differences.
fn comparison_block(s: &mut String, c: &Comparison, lang: Lang) {
    let _ = writeln!(
        s,
        "\n== {}{}{} {} {} ==",
        lang.t("txt_comparison"),
        lang.t("colon"),
        lang.name(&c.segment_a),
        lang.t("vs"),
        lang.name(&c.segment_b)
    );
    let _ = writeln!(
        s,
        "  {:<6} {:<16} {:>11} {:>11} {:>8} {:>8}",
        lang.t("model"),
        lang.t("term"),
        lang.name(&c.segment_a),
        lang.name(&c.segment_b),
        "z",
        "p"
    );
    for p in &c.paths {
        let _ = writeln!(
            s,
            "  {:<6} {:<16} {:>11} {:>11} {:>8} {:>8}",
            p.model,
            p.term,
            num(p.estimate_a, 4),
            num(p.estimate_b, 4),
            super::format::fixed(p.z, 3),
            pvalue(p.p_value)
        );
    }
    for ch in &c.chow {
        let _ = writeln!(
            s,
            "  {} {}: F({:.0}, {:.0}) = {}, p {}",
            lang.t("txt_chow"),
            ch.model,
            ch.df_num,
            ch.df_den,
            super::format::fixed(ch.f_statistic, 3),
            pvalue(ch.p_value)
        );
    }
    for d in &c.indirect_effects {
        let _ = writeln!(
            s,
            "  Δ {} {:>10}  [{}, {}]",
            pad(&lang.path(&d.path), 54),
            num(d.difference, 4),
            num(d.ci_low, 4),
            num(d.ci_high, 4)
        );
    }
    for d in &c.correlations {
        let _ = writeln!(
            s,
            "  r({}, {}): {} {} {}, Fisher z = {}, p {}",
            lang.name(&d.variables[0]),
            lang.name(&d.variables[1]),
            super::format::fixed(d.r_a, 3),
            lang.t("vs"),
            super::format::fixed(d.r_b, 3),
            super::format::fixed(d.z, 3),
            pvalue(d.p_value)
        );
    }
}
