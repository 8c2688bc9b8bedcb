//! Rendering of the satisfaction-index study.

use std::fmt::Write;

use super::i18n::Lang;

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
    text_in(r, Lang::En)
}

/// [`text`] in `lang`: the headline lines, section titles and group names (table columns
/// keep their statistical abbreviations).
pub fn text_in(r: &CsiResult, lang: Lang) -> String {
    let mut s = String::new();
    let o = &r.options;
    let missing = match (o.missing, r.missing_handled) {
        (_, 0) => String::new(),
        (crate::analysis::csi::Missing::Casewise, k) => lang.f("s_casewise", &[("k", &k)]),
        (crate::analysis::csi::Missing::Mean, k) => lang.f("s_meanfill", &[("k", &k)]),
    };
    let _ = writeln!(
        s,
        "{}",
        lang.f(
            "s_title",
            &[
                (
                    "method",
                    &lang.t(if o.consistent { "s_plsc" } else { "s_pls" })
                ),
                ("scheme", &format!("{:?}", o.settings.scheme).to_lowercase()),
                ("n", &thousands(r.n as f64, 0)),
                ("read", &thousands(r.rows_read as f64, 0)),
                ("missing", &missing),
            ]
        )
    );
    let skipped = if r.bootstrap_skipped > 0 {
        lang.f("s_skipped", &[("k", &r.bootstrap_skipped)])
    } else {
        String::new()
    };
    let _ = writeln!(
        s,
        "{}",
        lang.f(
            "s_fit",
            &[
                (
                    "status",
                    &lang.t(if r.converged {
                        "s_converged"
                    } else {
                        "s_not_converged"
                    })
                ),
                ("it", &r.iterations),
                ("change", &format!("{:.1e}", r.last_change)),
                ("b", &o.bootstrap),
                ("seed", &o.seed),
                ("skipped", &skipped),
                ("lo", &super::theme::tick(r.scale[0])),
                ("hi", &super::theme::tick(r.scale[1])),
            ]
        )
    );
    if let Some(k) = r.resampled_groups {
        let _ = writeln!(
            s,
            "{}",
            lang.f("s_blocks", &[("k", &crate::format::thousands(k as f64, 0))])
        );
    }
    for w in &r.warnings {
        let _ = writeln!(s, "{}{}", lang.t("txt_warning"), lang.message(w));
    }
    s.push_str(&super::text::audit_block(&r.diagnostics, lang, ""));
    let _ = writeln!(s, "\n{}", lang.t("s_constructs"));
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
    let _ = writeln!(s, "\n{}", lang.t("s_paths"));
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
    let _ = writeln!(s, "\n{}", lang.t("s_total"));
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
    let _ = writeln!(s, "\n{}", lang.t("s_weights"));
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
        let _ = writeln!(s, "\n{}", lang.t("s_htmt"));
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
    if !r.group_indices.is_empty() {
        let _ = writeln!(s, "\n{}", lang.t("s_groups"));
        for g in &r.group_indices {
            let cells: Vec<String> = r
                .constructs
                .iter()
                .enumerate()
                .map(|(k, c)| format!("{} {}", c.name, fixed(g.means[k], 1)))
                .collect();
            let _ = writeln!(
                s,
                "  {} n = {:<6} {}",
                super::text::pad(&lang.name(&g.group), 14),
                g.n,
                cells.join(", ")
            );
        }
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

/// Tidy tables (constructs, items, paths, total effects, HTMT, IPMA, group comparisons),
/// summary.json, the workbook and the IPMA chart of a CSI run.
pub fn export(r: &CsiResult) -> crate::Result<super::export::Export> {
    super::export::with_diagnostics(export_tables(r)?, &r.diagnostics)
}

fn export_tables(r: &CsiResult) -> crate::Result<super::export::Export> {
    use super::export::{Block, Export, Table};
    use polars::prelude::*;
    let c = &r.constructs;
    let constructs = df!(
        "construct" => c.iter().map(|x| x.name.clone()).collect::<Vec<_>>(),
        "items" => c.iter().map(|x| x.items.len() as u64).collect::<Vec<_>>(),
        "index_mean" => c.iter().map(|x| x.index_mean).collect::<Vec<_>>(),
        "index_ci_low" => c.iter().map(|x| x.index_ci[0]).collect::<Vec<_>>(),
        "index_ci_high" => c.iter().map(|x| x.index_ci[1]).collect::<Vec<_>>(),
        "r_squared" => c.iter().map(|x| x.r_squared).collect::<Vec<_>>(),
        "adj_r_squared" => c.iter().map(|x| x.adj_r_squared).collect::<Vec<_>>(),
        "cronbach_alpha" => c.iter().map(|x| x.reliability.cronbach_alpha).collect::<Vec<_>>(),
        "rho_c" => c.iter().map(|x| x.reliability.rho_c).collect::<Vec<_>>(),
        "rho_a" => c.iter().map(|x| x.reliability.rho_a).collect::<Vec<_>>(),
        "ave" => c.iter().map(|x| x.reliability.ave).collect::<Vec<_>>()
    )?;
    let (mut con, mut item, mut vals): (Vec<String>, Vec<String>, [Vec<f64>; 5]) =
        (Vec::new(), Vec::new(), Default::default());
    for x in c {
        for it in &x.items {
            con.push(x.name.clone());
            item.push(it.item.clone());
            for (v, w) in vals.iter_mut().zip([
                it.weight.estimate,
                it.weight.ci_low,
                it.weight.ci_high,
                it.loading.estimate,
                it.index_weight,
            ]) {
                v.push(w);
            }
        }
    }
    let [w, wl, wh, l, iw] = vals;
    let items = df!("construct" => con, "item" => item, "weight" => w, "weight_ci_low" => wl,
        "weight_ci_high" => wh, "loading" => l, "index_weight" => iw)?;
    let effects =
        |rows: Vec<(&crate::analysis::csi::Effect, Option<f64>)>| -> crate::Result<DataFrame> {
            Ok(df!(
                "from" => rows.iter().map(|e| e.0.from.clone()).collect::<Vec<_>>(),
                "to" => rows.iter().map(|e| e.0.to.clone()).collect::<Vec<_>>(),
                "estimate" => rows.iter().map(|e| e.0.interval.estimate).collect::<Vec<_>>(),
                "boot_se" => rows.iter().map(|e| e.0.interval.boot_se).collect::<Vec<_>>(),
                "t" => rows.iter().map(|e| e.0.t).collect::<Vec<_>>(),
                "p" => rows.iter().map(|e| e.0.p_value).collect::<Vec<_>>(),
                "ci_low" => rows.iter().map(|e| e.0.interval.ci_low).collect::<Vec<_>>(),
                "ci_high" => rows.iter().map(|e| e.0.interval.ci_high).collect::<Vec<_>>(),
                "bca_low" => rows.iter().map(|e| e.0.interval.bca_low).collect::<Vec<_>>(),
                "bca_high" => rows.iter().map(|e| e.0.interval.bca_high).collect::<Vec<_>>(),
                "f_squared" => rows.iter().map(|e| e.1).collect::<Vec<_>>()
            )?)
        };
    let paths = effects(r.paths.iter().map(|p| (&p.effect, p.f_squared)).collect())?;
    let totals = effects(r.total_effects.iter().map(|t| (&t.total, None)).collect())?;
    let htmt = df!(
        "a" => r.htmt.iter().map(|h| h.a.clone()).collect::<Vec<_>>(),
        "b" => r.htmt.iter().map(|h| h.b.clone()).collect::<Vec<_>>(),
        "htmt" => r.htmt.iter().map(|h| h.htmt.estimate).collect::<Vec<_>>(),
        "ci_low" => r.htmt.iter().map(|h| h.htmt.ci_low).collect::<Vec<_>>(),
        "ci_high" => r.htmt.iter().map(|h| h.htmt.ci_high).collect::<Vec<_>>()
    )?;
    let ipma_rows: Vec<&crate::analysis::csi::IpmaRow> =
        r.ipma.iter().chain(&r.ipma_items).collect();
    let ipma = df!(
        "level" => r.ipma.iter().map(|_| "construct").chain(r.ipma_items.iter().map(|_| "item")).collect::<Vec<_>>(),
        "name" => ipma_rows.iter().map(|x| x.name.clone()).collect::<Vec<_>>(),
        "construct" => ipma_rows.iter().map(|x| x.construct.clone()).collect::<Vec<_>>(),
        "importance" => ipma_rows.iter().map(|x| x.importance).collect::<Vec<_>>(),
        "performance" => ipma_rows.iter().map(|x| x.performance).collect::<Vec<_>>()
    )?;
    let mut tables = vec![
        Table {
            name: "constructs".into(),
            df: constructs.clone(),
        },
        Table {
            name: "items".into(),
            df: items,
        },
        Table {
            name: "paths".into(),
            df: paths.clone(),
        },
        Table {
            name: "total_effects".into(),
            df: totals,
        },
        Table {
            name: "htmt".into(),
            df: htmt,
        },
        Table {
            name: "ipma".into(),
            df: ipma,
        },
    ];
    if !r.groups.is_empty() {
        let rows: Vec<(
            &crate::analysis::csi::groups::GroupComparison,
            &crate::analysis::csi::groups::GroupPath,
        )> = r
            .groups
            .iter()
            .flat_map(|g| g.paths.iter().map(move |p| (g, p)))
            .collect();
        tables.push(Table {
            name: "group_paths".into(),
            df: df!(
                "group_a" => rows.iter().map(|x| x.0.group_a.clone()).collect::<Vec<_>>(),
                "group_b" => rows.iter().map(|x| x.0.group_b.clone()).collect::<Vec<_>>(),
                "from" => rows.iter().map(|x| x.1.from.clone()).collect::<Vec<_>>(),
                "to" => rows.iter().map(|x| x.1.to.clone()).collect::<Vec<_>>(),
                "estimate_a" => rows.iter().map(|x| x.1.estimate_a).collect::<Vec<_>>(),
                "estimate_b" => rows.iter().map(|x| x.1.estimate_b).collect::<Vec<_>>(),
                "difference" => rows.iter().map(|x| x.1.difference).collect::<Vec<_>>(),
                "p_permutation" => rows.iter().map(|x| x.1.p_value).collect::<Vec<_>>()
            )?,
        });
    }
    let json =
        serde_json::to_string_pretty(r).map_err(|e| crate::Error::Internal(e.to_string()))?;
    Ok(Export {
        lang: Default::default(),
        overview: vec![
            Block::Heading("Satisfaction index model: constructs".into()),
            Block::Table(constructs),
            Block::Heading("Paths".into()),
            Block::Table(paths),
        ],
        tables,
        json: json + "\n",
        latex: None,
        files: vec![(
            "charts/csi_ipma.svg".into(),
            super::csi_charts::ipma_svg(&r.ipma, &r.ipma_target, "constructs", Default::default())?,
        )],
    })
}

/// The paths table as CSV text (`--format csv`).
pub fn paths_csv(r: &CsiResult) -> crate::Result<String> {
    let mut e = export(r)?;
    let t = e
        .tables
        .iter_mut()
        .find(|t| t.name == "paths")
        .ok_or_else(|| crate::Error::Internal("paths table".into()))?;
    super::clv::customers_csv(&mut t.df)
}
