//! Renderings of satisfaction metrics.

use std::fmt::Write;

use polars::prelude::*;

use super::format::{num, pvalue};
use super::i18n::Lang;
use crate::analysis::metrics::MetricsOutput;
use crate::error::{Error, Result};

/// Terminal summary per group, then the tests.
pub fn text(out: &MetricsOutput) -> String {
    text_in(out, Lang::En)
}

/// [`text`] in `lang`.
pub fn text_in(out: &MetricsOutput, lang: Lang) -> String {
    let mut s = super::text::audit_block(&out.diagnostics, lang, "");
    let f1 = |v: f64| format!("{v:.1}");
    for g in &out.groups {
        let _ = writeln!(
            s,
            "{}",
            lang.f(
                "m_group",
                &[
                    ("g", &lang.name(&g.group)),
                    ("n", &g.n),
                    ("unit", &lang.message(&out.unit))
                ]
            )
        );
        if let Some(c) = &g.csat {
            let _ = writeln!(
                s,
                "  {}",
                lang.f(
                    "m_csat",
                    &[
                        ("m", &num(c.mean, 4)),
                        ("lo", &num(c.ci_low, 4)),
                        ("hi", &num(c.ci_high, 4)),
                        ("t", &f1(c.top2box)),
                        ("tl", &f1(c.top2box_ci_low)),
                        ("th", &f1(c.top2box_ci_high)),
                    ]
                )
            );
        }
        if let Some(n) = &g.nps {
            let _ = writeln!(
                s,
                "  {}",
                lang.f(
                    "m_nps",
                    &[
                        ("v", &f1(n.score)),
                        ("se", &format!("{:.2}", n.se)),
                        ("lo", &f1(n.ci_low)),
                        ("hi", &f1(n.ci_high)),
                        ("pro", &f1(n.promoters)),
                        ("pas", &f1(n.passives)),
                        ("det", &f1(n.detractors)),
                    ]
                )
            );
        }
        if let Some(c) = &g.ces {
            let d: Vec<String> = c
                .distribution
                .iter()
                .map(|(v, p)| format!("{v}: {p:.1}%"))
                .collect();
            let _ = writeln!(
                s,
                "  {}",
                lang.f(
                    "m_ces",
                    &[
                        ("m", &num(c.mean, 4)),
                        ("lo", &num(c.ci_low, 4)),
                        ("hi", &num(c.ci_high, 4)),
                        ("note", &lang.message(&c.note)),
                        ("dist", &d.join(", ")),
                    ]
                )
            );
        }
        if let Some(c) = &g.csi {
            let _ = writeln!(
                s,
                "  {}",
                lang.f(
                    "m_csi",
                    &[
                        ("v", &f1(c.value)),
                        ("lo", &f1(c.ci_low)),
                        ("hi", &f1(c.ci_high))
                    ]
                )
            );
        }
        if let Some(r) = &g.retention {
            let _ = writeln!(
                s,
                "  {}",
                lang.f(
                    "m_retention",
                    &[
                        ("v", &f1(r.value)),
                        ("lo", &f1(r.ci_low)),
                        ("hi", &f1(r.ci_high))
                    ]
                )
            );
        }
    }
    if !out.csi_weights.is_empty() {
        let w: Vec<String> = out
            .csi_weights
            .iter()
            .map(|(a, w)| format!("{a} {w:.3}"))
            .collect();
        let _ = writeln!(s, "{}", lang.f("m_weights", &[("w", &w.join(", "))]));
    }
    for t in &out.tests {
        let _ = writeln!(
            s,
            "{}",
            lang.f(
                "m_test",
                &[
                    ("metric", &t.metric),
                    ("a", &lang.name(&t.group_a)),
                    ("b", &lang.name(&t.group_b)),
                    ("d", &num(t.difference, 4)),
                    ("z", &format!("{:.3}", t.z)),
                    ("p", &pvalue(t.p_value)),
                ]
            )
        );
    }
    if let Some(r) = &out.wave_retention {
        let _ = writeln!(
            s,
            "{}",
            lang.f(
                "m_wave",
                &[
                    ("v", &f1(r.value)),
                    ("n", &r.n),
                    ("lo", &f1(r.ci_low)),
                    ("hi", &f1(r.ci_high))
                ]
            )
        );
    }
    for n in &out.notes {
        let _ = writeln!(s, "{}{}", lang.t("m_note"), lang.message(n));
    }
    s
}

/// One tidy row per (group, metric, statistic).
pub fn tidy(out: &MetricsOutput) -> Result<DataFrame> {
    let (mut g, mut m, mut k, mut v) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut push = |group: &str, metric: &str, stat: &str, value: f64| {
        g.push(group.to_string());
        m.push(metric.to_string());
        k.push(stat.to_string());
        v.push(value);
    };
    for x in &out.groups {
        if let Some(c) = &x.csat {
            for (st, val) in [
                ("n", c.n as f64),
                ("mean", c.mean),
                ("top2box", c.top2box),
                ("ci_low", c.ci_low),
                ("ci_high", c.ci_high),
            ] {
                push(&x.group, "csat", st, val);
            }
        }
        if let Some(n) = &x.nps {
            for (st, val) in [
                ("n", n.n as f64),
                ("score", n.score),
                ("promoters", n.promoters),
                ("passives", n.passives),
                ("detractors", n.detractors),
                ("se", n.se),
                ("ci_low", n.ci_low),
                ("ci_high", n.ci_high),
            ] {
                push(&x.group, "nps", st, val);
            }
        }
        if let Some(c) = &x.ces {
            for (st, val) in [
                ("n", c.n as f64),
                ("mean", c.mean),
                ("ci_low", c.ci_low),
                ("ci_high", c.ci_high),
            ] {
                push(&x.group, "ces", st, val);
            }
        }
        for (name, idx) in [("csi", &x.csi), ("retention", &x.retention)] {
            if let Some(i) = idx {
                for (st, val) in [
                    ("n", i.n as f64),
                    ("value", i.value),
                    ("ci_low", i.ci_low),
                    ("ci_high", i.ci_high),
                ] {
                    push(&x.group, name, st, val);
                }
            }
        }
    }
    DataFrame::new_infer_height(vec![
        Column::new("group".into(), g),
        Column::new("metric".into(), m),
        Column::new("statistic".into(), k),
        Column::new("value".into(), v),
    ])
    .map_err(Error::from)
}

/// `metrics --export`: the tidy metrics table and JSON.
pub fn export(out: &MetricsOutput) -> Result<super::export::Export> {
    super::export::with_diagnostics(export_tables(out)?, &out.diagnostics)
}

fn export_tables(out: &MetricsOutput) -> Result<super::export::Export> {
    Ok(super::export::Export {
        lang: Default::default(),
        overview: vec![],
        tables: vec![super::export::Table {
            name: "metrics".into(),
            df: tidy(out)?,
        }],
        json: serde_json::to_string_pretty(out).map_err(|e| Error::Internal(e.to_string()))? + "\n",
        latex: None,
        files: Vec::new(),
    })
}
