//! Rendering of a linear model tree: the tree as partykit prints it, each node's
//! parameter-instability tests, and each leaf's coefficients with standard errors.

use std::fmt::Write;

use polars::prelude::*;

use super::i18n::Lang;
use crate::analysis::segments::mixture::MixtureResult;
use crate::analysis::segments::tree::Node;
use crate::analysis::segments::TreeResult;
use crate::error::{Error, Result};
use crate::format::{fixed, num, pvalue, thousands};

/// The indentation of a node at `depth`, as partykit draws the tree.
fn depth_prefix(depth: usize) -> String {
    "|   ".repeat(depth.saturating_sub(1))
}

/// The text output in `lang`.
pub fn text_in(r: &TreeResult, lang: Lang) -> String {
    let mut s = String::new();
    let o = &r.options;
    let _ = writeln!(
        s,
        "{}",
        lang.f(
            if r.chain {
                "seg_title_chain"
            } else {
                "seg_title"
            },
            &[("f", &r.formula), ("by", &r.partition.join(" + "))]
        )
    );
    let _ = writeln!(
        s,
        "{}",
        lang.f(
            "seg_setup",
            &[
                ("n", &thousands(r.n as f64, 0)),
                ("minsize", &r.tree.minsize),
                ("alpha", &o.alpha),
                (
                    "adj",
                    &lang.t(if o.bonferroni {
                        "seg_bonferroni"
                    } else {
                        "seg_unadjusted"
                    }),
                ),
                ("trim", &o.trim),
            ]
        )
    );
    if let Some(p) = o.prune {
        let c = match p {
            crate::analysis::segments::tree::Prune::Aic => "AIC",
            crate::analysis::segments::tree::Prune::Bic => "BIC",
        };
        let _ = writeln!(s, "{}", lang.f("seg_pruned", &[("c", &c)]));
    }
    for w in &r.warnings {
        let _ = writeln!(s, "{}{}", lang.t("txt_warning"), lang.message(w));
    }
    let _ = writeln!(s);
    for nd in &r.tree.nodes {
        let head = if nd.id == 1 {
            lang.t("seg_root").to_string()
        } else {
            nd.rule.clone()
        };
        let pre = depth_prefix(nd.depth);
        if nd.leaf {
            let _ = writeln!(
                s,
                "{pre}[{}] {head}: n = {}",
                nd.id,
                thousands(nd.n as f64, 0)
            );
            // One block per equation (one block without a heading for one regression).
            let mut from = 0;
            while from < nd.coefficients.len() {
                let eq = &nd.coefficients[from].equation;
                let to = nd.coefficients[from..]
                    .iter()
                    .position(|c| &c.equation != eq)
                    .map_or(nd.coefficients.len(), |k| from + k);
                let block = &nd.coefficients[from..to];
                if !eq.is_empty() {
                    let _ = writeln!(s, "{pre}|    {eq} ~");
                }
                let names: Vec<String> = block.iter().map(|c| c.term.clone()).collect();
                let vals: Vec<String> = block.iter().map(|c| num(c.estimate, 7)).collect();
                let ses: Vec<String> = block
                    .iter()
                    .map(|c| format!("({})", num(c.std_error, 4)))
                    .collect();
                let w: Vec<usize> = (0..names.len())
                    .map(|j| names[j].len().max(vals[j].len()).max(ses[j].len()))
                    .collect();
                for line in [&names, &vals, &ses] {
                    let cells: Vec<String> = line
                        .iter()
                        .zip(&w)
                        .map(|(c, w)| format!("{c:>w$}"))
                        .collect();
                    let _ = writeln!(s, "{pre}|    {}", cells.join("  "));
                }
                from = to;
            }
        } else {
            let _ = writeln!(s, "{pre}[{}] {head}", nd.id);
        }
    }
    let inner = r.tree.nodes.iter().filter(|n| !n.leaf).count();
    let leaves = r.tree.nodes.len() - inner;
    let k = r.tree.nodes.first().map_or(0, |n| n.coefficients.len());
    let _ = writeln!(s);
    let _ = writeln!(s, "{}", lang.f("seg_inner", &[("k", &inner)]));
    let _ = writeln!(s, "{}", lang.f("seg_terminal", &[("k", &leaves)]));
    let _ = writeln!(s, "{}", lang.f("seg_params", &[("k", &k)]));
    let _ = writeln!(
        s,
        "{}",
        lang.f(
            if r.chain {
                "seg_objective_nll"
            } else {
                "seg_objective"
            },
            &[("v", &num(r.tree.objective, 7))]
        )
    );
    // The tests: one row per node tested, statistic and p-value per variable.
    let tested: Vec<&Node> = r
        .tree
        .nodes
        .iter()
        .filter(|n| !n.tests.is_empty())
        .collect();
    if !tested.is_empty() {
        let _ = writeln!(s, "\n{}", lang.t("seg_tests"));
        let w = r
            .partition
            .iter()
            .map(|p| p.chars().count().max(18))
            .collect::<Vec<_>>();
        let header: Vec<String> = r
            .partition
            .iter()
            .zip(&w)
            .map(|(p, w)| format!("{p:>w$}"))
            .collect();
        let _ = writeln!(s, "  {:<6}{}", lang.t("seg_node"), header.join(" "));
        for nd in tested {
            let cells: Vec<String> = nd
                .tests
                .iter()
                .zip(&w)
                .map(|(t, w)| {
                    let p = if t.p_value.is_nan() {
                        "–".to_string()
                    } else {
                        pvalue(t.p_value)
                    };
                    format!("{:>w$}", format!("{} ({p})", fixed(t.statistic, 2)))
                })
                .collect();
            let _ = writeln!(s, "  {:<6}{}", format!("[{}]", nd.id), cells.join(" "));
        }
    }
    // The leaves with their paths, as segments.
    let _ = writeln!(s, "\n{}", lang.t("seg_leaves"));
    for nd in r.tree.nodes.iter().filter(|n| n.leaf) {
        let _ = writeln!(
            s,
            "  [{}] {} (n = {})",
            nd.id,
            path(r, nd.id).join(lang.t("seg_and")),
            thousands(nd.n as f64, 0)
        );
    }
    s
}

/// The rules from the root down to node `id`.
pub fn path(r: &TreeResult, id: usize) -> Vec<String> {
    r.path(id)
}

fn tables(r: &TreeResult) -> Result<(DataFrame, DataFrame, DataFrame)> {
    let nodes = &r.tree.nodes;
    let node_df = DataFrame::new_infer_height(vec![
        Column::new(
            "node".into(),
            nodes.iter().map(|n| n.id as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "parent".into(),
            nodes
                .iter()
                .map(|n| n.parent.map(|p| p as u64))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "depth".into(),
            nodes.iter().map(|n| n.depth as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "leaf".into(),
            nodes.iter().map(|n| n.leaf).collect::<Vec<_>>(),
        ),
        Column::new(
            "n".into(),
            nodes.iter().map(|n| n.n as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "path".into(),
            nodes
                .iter()
                .map(|n| path(r, n.id).join(" & "))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "split".into(),
            nodes
                .iter()
                .map(|n| n.split.as_ref().map(|s| s.variable.clone()))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "objective".into(),
            nodes.iter().map(|n| n.objective).collect::<Vec<_>>(),
        ),
    ])?;
    let (mut tn, mut tv, mut ts, mut tp) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut cn, mut cq, mut ct, mut ce, mut cs, mut cl) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for n in nodes {
        for t in &n.tests {
            tn.push(n.id as u64);
            tv.push(t.variable.clone());
            ts.push(t.statistic);
            tp.push(t.p_value);
        }
        for c in &n.coefficients {
            cn.push(n.id as u64);
            cq.push(c.equation.clone());
            ct.push(c.term.clone());
            ce.push(c.estimate);
            cs.push(c.std_error);
            cl.push(n.leaf);
        }
    }
    let tests = DataFrame::new_infer_height(vec![
        Column::new("node".into(), tn),
        Column::new("variable".into(), tv),
        Column::new("statistic".into(), ts),
        Column::new("p_value".into(), tp),
    ])?;
    let mut coef_cols = vec![
        Column::new("node".into(), cn),
        Column::new("leaf".into(), cl),
    ];
    if r.chain {
        coef_cols.push(Column::new("equation".into(), cq));
    }
    coef_cols.push(Column::new("term".into(), ct));
    coef_cols.push(Column::new("estimate".into(), ce));
    coef_cols.push(Column::new("std_error".into(), cs));
    let coefs = DataFrame::new_infer_height(coef_cols)?;
    Ok((node_df, tests, coefs))
}

/// CSV: one row per node and coefficient.
pub fn csv(r: &TreeResult) -> Result<String> {
    super::export::table_csv(&export(r)?, "coefficients")
}

/// The export: nodes, tests, coefficients, summary.json.
pub fn export(r: &TreeResult) -> Result<super::export::Export> {
    let (nodes, tests, coefs) = tables(r)?;
    let table = |name: &str, df: DataFrame| super::export::Table {
        name: name.into(),
        df,
    };
    Ok(super::export::Export {
        lang: Default::default(),
        overview: vec![],
        tables: vec![
            table("nodes", nodes),
            table("tests", tests),
            table("coefficients", coefs),
        ],
        json: serde_json::to_string_pretty(r).map_err(|e| Error::Internal(e.to_string()))? + "\n",
        latex: None,
        files: Vec::new(),
    })
}

/// The mixture's text in `lang`: BIC per number of classes, then the chosen fit's classes.
pub fn mixture_text_in(r: &MixtureResult, lang: Lang) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", lang.f("mix_title", &[("f", &r.formula)]));
    let _ = writeln!(
        s,
        "{}",
        lang.f(
            "mix_setup",
            &[
                ("n", &thousands(r.n as f64, 0)),
                ("starts", &r.options.starts),
                ("seed", &r.options.seed)
            ]
        )
    );
    for w in &r.warnings {
        let _ = writeln!(s, "{}{}", lang.t("txt_warning"), lang.message(w));
    }
    let _ = writeln!(
        s,
        "\n  {:>3} {:>14} {:>12} {:>12} {:>9} {:>7}",
        "K",
        lang.t("mix_loglik"),
        "BIC",
        "ICL",
        lang.t("mix_entropy"),
        lang.t("mix_starts")
    );
    for f in &r.fits {
        let _ = writeln!(
            s,
            "  {:>3} {:>14} {:>12} {:>12} {:>9} {:>7}{}",
            f.k,
            fixed(f.fit.log_likelihood, 2),
            fixed(f.fit.bic, 2),
            fixed(f.fit.icl, 2),
            fixed(f.fit.entropy, 3),
            format!("{}/{}", f.converged_starts, r.options.starts),
            if f.k == r.chosen { "  ←" } else { "" }
        );
    }
    if let Some(best) = r.fits.iter().find(|f| f.k == r.chosen) {
        let _ = writeln!(s, "\n{}", lang.f("mix_chosen", &[("k", &r.chosen)]));
        for (e, response) in r.responses.iter().enumerate() {
            let idx: Vec<usize> = (0..r.terms.len())
                .filter(|&t| r.term_equation[t] == e)
                .collect();
            if r.responses.len() > 1 {
                let _ = writeln!(s, "  {response} ~");
            }
            let w = idx
                .iter()
                .map(|&t| r.terms[t].len().max(12))
                .collect::<Vec<_>>();
            let head: Vec<String> = idx
                .iter()
                .zip(&w)
                .map(|(&t, w)| format!("{:>w$}", r.terms[t]))
                .collect();
            let _ = writeln!(
                s,
                "  {:<7} {:>8} {:>9} {} {:>10}",
                lang.t("mix_class"),
                lang.t("mix_share"),
                lang.t("mix_size"),
                head.join(" "),
                "sigma"
            );
            for (j, c) in best.fit.components.iter().enumerate() {
                let coefs: Vec<String> = idx
                    .iter()
                    .zip(&w)
                    .map(|(&t, w)| format!("{:>w$}", num(c.coefficients[t], 5)))
                    .collect();
                let _ = writeln!(
                    s,
                    "  {:<7} {:>8} {:>9} {} {:>10}",
                    j + 1,
                    format!("{:.1}%", c.prior * 100.0),
                    thousands(c.size as f64, 0),
                    coefs.join(" "),
                    num(c.sigma[e], 4)
                );
            }
        }
        if let Some(g) = &best.fit.concomitant {
            let _ = writeln!(s, "\n{}", lang.t("mix_membership"));
            let w = r
                .concomitant_terms
                .iter()
                .map(|t| t.len().max(12))
                .collect::<Vec<_>>();
            let head: Vec<String> = r
                .concomitant_terms
                .iter()
                .zip(&w)
                .map(|(t, w)| format!("{t:>w$}"))
                .collect();
            let _ = writeln!(s, "  {:<7} {}", lang.t("mix_class"), head.join(" "));
            for (j, row) in g.iter().enumerate() {
                let cells: Vec<String> = row
                    .iter()
                    .zip(&w)
                    .map(|(v, w)| format!("{:>w$}", num(*v, 5)))
                    .collect();
                let _ = writeln!(s, "  {:<7} {}", j + 1, cells.join(" "));
            }
        }
        let _ = writeln!(s, "\n{}", lang.t("mix_caution"));
    }
    s
}

fn mixture_tables(r: &MixtureResult) -> Result<(DataFrame, DataFrame)> {
    let fits = DataFrame::new_infer_height(vec![
        Column::new(
            "k".into(),
            r.fits.iter().map(|f| f.k as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "log_likelihood".into(),
            r.fits
                .iter()
                .map(|f| f.fit.log_likelihood)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "df".into(),
            r.fits.iter().map(|f| f.fit.df as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "bic".into(),
            r.fits.iter().map(|f| f.fit.bic).collect::<Vec<_>>(),
        ),
        Column::new(
            "icl".into(),
            r.fits.iter().map(|f| f.fit.icl).collect::<Vec<_>>(),
        ),
        Column::new(
            "entropy".into(),
            r.fits.iter().map(|f| f.fit.entropy).collect::<Vec<_>>(),
        ),
        Column::new(
            "converged_starts".into(),
            r.fits
                .iter()
                .map(|f| f.converged_starts as u64)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "chosen".into(),
            r.fits.iter().map(|f| f.k == r.chosen).collect::<Vec<_>>(),
        ),
    ])?;
    let (mut k, mut class, mut eq, mut term, mut est, mut prior, mut sigma, mut size) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    for f in &r.fits {
        for (j, c) in f.fit.components.iter().enumerate() {
            for (t, v) in r.terms.iter().enumerate().zip(&c.coefficients) {
                let (t, name) = t;
                let e = r.term_equation[t];
                k.push(f.k as u64);
                class.push(j as u64 + 1);
                eq.push(r.responses[e].clone());
                term.push(name.clone());
                est.push(*v);
                prior.push(c.prior);
                sigma.push(c.sigma[e]);
                size.push(c.size as u64);
            }
        }
    }
    let classes = DataFrame::new_infer_height(vec![
        Column::new("k".into(), k),
        Column::new("class".into(), class),
        Column::new("equation".into(), eq),
        Column::new("term".into(), term),
        Column::new("estimate".into(), est),
        Column::new("prior".into(), prior),
        Column::new("sigma".into(), sigma),
        Column::new("size".into(), size),
    ])?;
    Ok((fits, classes))
}

/// CSV: one row per number of classes, class and coefficient.
pub fn mixture_csv(r: &MixtureResult) -> Result<String> {
    super::export::table_csv(&mixture_export(r)?, "classes")
}

/// The export: fits (one row per K), classes, summary.json.
pub fn mixture_export(r: &MixtureResult) -> Result<super::export::Export> {
    let (fits, classes) = mixture_tables(r)?;
    Ok(super::export::Export {
        lang: Default::default(),
        overview: vec![],
        tables: vec![
            super::export::Table {
                name: "fits".into(),
                df: fits,
            },
            super::export::Table {
                name: "classes".into(),
                df: classes,
            },
        ],
        json: serde_json::to_string_pretty(r).map_err(|e| Error::Internal(e.to_string()))? + "\n",
        latex: None,
        files: Vec::new(),
    })
}
