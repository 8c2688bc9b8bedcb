//! Renderings of satisfaction metrics.

use std::fmt::Write;

use polars::prelude::*;

use super::format::{num, pvalue};
use crate::analysis::metrics::MetricsOutput;
use crate::error::{Error, Result};

/// Terminal summary per group, then the tests.
pub fn text(out: &MetricsOutput) -> String {
    let mut s = String::new();
    for g in &out.groups {
        let _ = writeln!(s, "Group {} ({} {})", g.group, g.n, out.unit);
        if let Some(c) = &g.csat {
            let _ = writeln!(
                s,
                "  CSAT  mean {} [{}, {}]; top-2-box {:.1}% [{:.1}, {:.1}]",
                num(c.mean, 4),
                num(c.ci_low, 4),
                num(c.ci_high, 4),
                c.top2box,
                c.top2box_ci_low,
                c.top2box_ci_high
            );
        }
        if let Some(n) = &g.nps {
            let _ = writeln!(s, "  NPS   {:.1} (se {:.2}) [{:.1}, {:.1}]; promoters {:.1}%, passives {:.1}%, detractors {:.1}%", n.score, n.se, n.ci_low, n.ci_high, n.promoters, n.passives, n.detractors);
        }
        if let Some(c) = &g.ces {
            let d: Vec<String> = c
                .distribution
                .iter()
                .map(|(v, p)| format!("{v}: {p:.1}%"))
                .collect();
            let _ = writeln!(
                s,
                "  CES   mean {} [{}, {}] ({}); {}",
                num(c.mean, 4),
                num(c.ci_low, 4),
                num(c.ci_high, 4),
                c.note,
                d.join(", ")
            );
        }
        if let Some(c) = &g.csi {
            let _ = writeln!(
                s,
                "  CSI   {:.1} / 100 [{:.1}, {:.1}]",
                c.value, c.ci_low, c.ci_high
            );
        }
        if let Some(r) = &g.retention {
            let _ = writeln!(
                s,
                "  Retention {:.1}% [{:.1}, {:.1}]",
                r.value, r.ci_low, r.ci_high
            );
        }
    }
    if !out.csi_weights.is_empty() {
        let w: Vec<String> = out
            .csi_weights
            .iter()
            .map(|(a, w)| format!("{a} {w:.3}"))
            .collect();
        let _ = writeln!(s, "CSI weights: {}", w.join(", "));
    }
    for t in &out.tests {
        let _ = writeln!(
            s,
            "Test {}: {} − {} = {} (z = {:.3}, p {})",
            t.metric,
            t.group_a,
            t.group_b,
            num(t.difference, 4),
            t.z,
            pvalue(t.p_value)
        );
    }
    if let Some(r) = &out.wave_retention {
        let _ = writeln!(
            s,
            "Retention between waves: {:.1}% of {} customers [{:.1}, {:.1}]",
            r.value, r.n, r.ci_low, r.ci_high
        );
    }
    for n in &out.notes {
        let _ = writeln!(s, "Note: {n}");
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
