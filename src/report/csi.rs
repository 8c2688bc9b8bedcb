//! Rendering of the satisfaction-index study.

use std::fmt::Write;

use super::format::{fixed, pvalue, thousands};
use crate::analysis::csi::CsiResult;
use crate::stats::bootstrap::Interval;

fn ci(i: &Interval) -> String {
    if i.ci_low.is_finite() {
        format!("[{}, {}]", fixed(i.ci_low, 3), fixed(i.ci_high, 3))
    } else {
        String::new()
    }
}

fn opt(v: Option<f64>, d: usize) -> String {
    v.map_or("–".into(), |x| fixed(x, d))
}

/// Terminal summary.
pub fn text(r: &CsiResult) -> String {
    let mut s = String::new();
    let o = &r.options;
    let _ = writeln!(
        s,
        "Satisfaction index model ({}, {} scheme): {} respondents of {} read{}",
        if o.consistent {
            "consistent PLS, PLSc"
        } else {
            "PLS path modeling"
        },
        format!("{:?}", o.settings.scheme).to_lowercase(),
        thousands(r.n as f64, 0),
        thousands(r.rows_read as f64, 0),
        match (o.missing, r.missing_handled) {
            (_, 0) => String::new(),
            (crate::analysis::csi::Missing::Casewise, k) =>
                format!("; {k} left out for missing items (casewise)"),
            (crate::analysis::csi::Missing::Mean, k) =>
                format!("; {k} missing item values replaced by the item mean"),
        }
    );
    let _ = writeln!(
        s,
        "{} after {} iterations (last weight change {:.1e}); {} bootstrap resamples (seed {}{}); item scale {}–{} → indices 0–100",
        if r.converged { "converged" } else { "NOT converged" },
        r.iterations,
        r.last_change,
        o.bootstrap,
        o.seed,
        if r.bootstrap_skipped > 0 {
            format!(", {} skipped: an item without variance in the resample", r.bootstrap_skipped)
        } else {
            String::new()
        },
        super::theme::tick(r.scale[0]),
        super::theme::tick(r.scale[1])
    );
    for w in &r.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    let _ = writeln!(s, "\nConstructs");
    let _ = writeln!(
        s,
        "  {:<14} {:>6} {:>8} {:>8} {:>8} {:>7} {:>7} {:>7} {:>7} {:>16}",
        "construct", "items", "R²", "adj. R²", "alpha", "rho_c", "rho_A", "AVE", "index", "95% CI"
    );
    for c in &r.constructs {
        let rel = &c.reliability;
        let _ = writeln!(
            s,
            "  {:<14} {:>6} {:>8} {:>8} {:>8} {:>7} {:>7} {:>7} {:>7} {:>16}",
            c.name,
            c.items.len(),
            opt(c.r_squared, 3),
            opt(c.adj_r_squared, 3),
            opt(rel.cronbach_alpha, 3),
            fixed(rel.rho_c, 3),
            opt(rel.rho_a, 3),
            fixed(rel.ave, 3),
            fixed(c.index_mean, 1),
            format!("[{}, {}]", fixed(c.index_ci[0], 1), fixed(c.index_ci[1], 1))
        );
    }
    let _ = writeln!(s, "\nPaths (standardized)");
    let _ = writeln!(
        s,
        "  {:<28} {:>9} {:>8} {:>8} {:>9} {:>18} {:>7}",
        "path", "estimate", "SE", "t", "p", "95% CI", "f²"
    );
    for p in &r.paths {
        let e = &p.effect;
        let _ = writeln!(
            s,
            "  {:<28} {:>9} {:>8} {:>8} {:>9} {:>18} {:>7}",
            format!("{} -> {}", e.from, e.to),
            fixed(e.interval.estimate, 4),
            if e.interval.boot_se.is_finite() {
                fixed(e.interval.boot_se, 4)
            } else {
                String::new()
            },
            if e.t.is_finite() {
                fixed(e.t, 2)
            } else {
                String::new()
            },
            if e.p_value.is_finite() {
                pvalue(e.p_value)
            } else {
                String::new()
            },
            ci(&e.interval),
            opt(p.f_squared, 3)
        );
    }
    let _ = writeln!(s, "\nTotal effects");
    for t in &r.total_effects {
        let _ = writeln!(
            s,
            "  {:<28} total {:>8} (direct {:>8}, indirect {:>8}) {:>18}",
            format!("{} -> {}", t.from, t.to),
            fixed(t.total.interval.estimate, 4),
            fixed(t.direct, 4),
            fixed(t.indirect, 4),
            ci(&t.total.interval)
        );
    }
    let _ = writeln!(
        s,
        "\nOuter weights and loadings (weight in the 0–100 index)"
    );
    for c in &r.constructs {
        for it in &c.items {
            let _ = writeln!(
                s,
                "  {:<14} {:<10} weight {:>7} {:>18}  loading {:>6}  index weight {:>6}",
                c.name,
                it.item,
                fixed(it.weight.estimate, 4),
                ci(&it.weight),
                fixed(it.loading.estimate, 3),
                fixed(it.index_weight, 3)
            );
        }
    }
    if !r.htmt.is_empty() {
        let _ = writeln!(
            s,
            "\nDiscriminant validity: HTMT (below 0.85–0.90 is the usual bar)"
        );
        for h in &r.htmt {
            let _ = writeln!(
                s,
                "  {:<14} {:<14} {:>6} {:>18}",
                h.a,
                h.b,
                fixed(h.htmt.estimate, 3),
                ci(&h.htmt)
            );
        }
    }
    if let Some(g) = r.gof {
        let _ = writeln!(s, "GoF {}", fixed(g, 3));
    }
    for g in &r.groups {
        let _ = writeln!(
            s,
            "\nGroups {} (n = {}) vs {} (n = {}): {} permutations{}",
            g.group_a,
            g.n_a,
            g.group_b,
            g.n_b,
            g.permutations,
            if g.failed > 0 {
                format!(", {} skipped", g.failed)
            } else {
                String::new()
            }
        );
        for p in &g.paths {
            let _ = writeln!(
                s,
                "  {:<28} {:>8} {:>8}  difference {:>8}  p {}",
                format!("{} -> {}", p.from, p.to),
                fixed(p.estimate_a, 3),
                fixed(p.estimate_b, 3),
                fixed(p.difference, 3),
                pvalue(p.p_value)
            );
        }
        let bad: Vec<&str> = g
            .micom
            .iter()
            .filter(|m| !m.invariant)
            .map(|m| m.construct.as_str())
            .collect();
        let _ = writeln!(
            s,
            "  MICOM step 2 (compositional invariance): {}",
            if bad.is_empty() {
                "established for every construct; path comparisons are legitimate".to_string()
            } else {
                format!(
                    "NOT established for {}: compare those constructs' paths with care",
                    bad.join(", ")
                )
            }
        );
    }
    let _ = writeln!(
        s,
        "\nImportance–performance for {} (importance: index points per index point; performance: mean index)",
        r.ipma_target
    );
    for row in &r.ipma {
        let _ = writeln!(
            s,
            "  {:<14} importance {:>7}  performance {:>6}",
            row.name,
            fixed(row.importance, 3),
            fixed(row.performance, 1)
        );
    }
    s
}
