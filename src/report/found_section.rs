//! The report's section "Where the chain differs" for a study whose segments were found
//! from the data (`[segments] rule = "tree"` or `"classes"`): how they were found, the tree
//! diagram or the mixture's BIC curve, the segments' total effects on one scale, their
//! profiles, and the caution that the chain was fitted where the search looked.

use serde_json::{json, Value};

use super::format::{fixed, num, pvalue, thousands};
use super::i18n::Lang;
use crate::analysis::chain::ChainResult;
use crate::analysis::segments::found::{Found, Search};
use crate::error::Result;

/// The section's template data; its charts are added to `charts_out`.
pub(super) fn found_context(
    f: &Found,
    chain: &ChainResult,
    charts_out: &mut Vec<(String, String)>,
    lang: Lang,
) -> Result<Value> {
    let segments: Vec<_> = chain
        .segments
        .iter()
        .filter(|s| s.name != "all" && s.error.is_none())
        .collect();
    let outcome = lang.t(if chain.options.outcome == "clv" {
        "found_clv"
    } else {
        "found_profit"
    });
    let effects = super::segments_charts::effects_svg(&segments, outcome, lang)?;
    charts_out.push(("found_effects.svg".into(), effects.clone()));
    let mut ctx = json!({
        "effects": effects,
        "caution": lang.t("found_caution"),
        "profile_cols": f.profile.columns.iter().map(|c| lang.name(c)).collect::<Vec<_>>(),
        "profile": f.profile.rows.iter().map(|r| json!({
            "segment": lang.name(&r.segment),
            "n": thousands(r.n as f64, 0),
            "cells": r.means.iter().map(|m| mean(*m)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    match &f.search {
        Search::Tree(t) => {
            let svg = super::segments_charts::tree_svg(t, lang)?;
            charts_out.push(("found_tree.svg".into(), svg.clone()));
            let leaves = t.tree.nodes.iter().filter(|n| n.leaf).count();
            ctx["intro"] = lang
                .f(
                    if t.chain {
                        "found_tree_chain"
                    } else {
                        "found_tree_one"
                    },
                    &[
                        ("f", &t.formula),
                        ("by", &t.partition.join(lang.t("list_sep"))),
                        ("k", &leaves),
                        ("alpha", &t.options.alpha),
                        ("minsize", &t.tree.minsize),
                    ],
                )
                .into();
            ctx["tree"] = svg.into();
            ctx["tests_vars"] = json!(t.partition);
            ctx["tests"] = t
                .tree
                .nodes
                .iter()
                .filter(|n| !n.tests.is_empty())
                .map(|n| {
                    json!({"node": n.id, "n": thousands(n.n as f64, 0),
                        "split": n.split.as_ref().map(|s| s.variable.clone()).unwrap_or_default(),
                        "cells": n.tests.iter().map(|x| if x.p_value.is_nan() { "–".to_string() } else {
                            format!("{} ({})", fixed(x.statistic, 1), pvalue(x.p_value)) }).collect::<Vec<_>>()})
                })
                .collect::<Vec<_>>()
                .into();
        }
        Search::Classes(m) => {
            let svg = super::segments_charts::bic_svg(m, lang)?;
            charts_out.push(("found_bic.svg".into(), svg.clone()));
            let best = m.best();
            ctx["intro"] = lang
                .f(
                    "found_classes",
                    &[
                        (
                            "f",
                            &if m.chain {
                                lang.t("found_whole_chain").to_string()
                            } else {
                                m.formula.clone()
                            },
                        ),
                        (
                            "ks",
                            &m.fits
                                .iter()
                                .map(|f| f.k.to_string())
                                .collect::<Vec<_>>()
                                .join(lang.t("list_sep")),
                        ),
                        ("k", &m.chosen),
                        ("starts", &m.options.starts),
                        ("entropy", &best.map_or("–".into(), |b| fixed(b.entropy, 3))),
                    ],
                )
                .into();
            ctx["bic"] = svg.into();
            ctx["fits"] = m
                .fits
                .iter()
                .map(|f| {
                    json!({"k": f.k, "ll": fixed(f.fit.log_likelihood, 1), "bic": fixed(f.fit.bic, 1),
                        "icl": fixed(f.fit.icl, 1), "entropy": fixed(f.fit.entropy, 3), "chosen": f.k == m.chosen})
                })
                .collect::<Vec<_>>()
                .into();
        }
    }
    Ok(ctx)
}

/// A mean as the profile shows it: thousands separated from 1,000, else 4 significant
/// digits.
fn mean(v: f64) -> String {
    if v.abs() >= 1000.0 {
        thousands(v, 0)
    } else {
        num(v, 4)
    }
}
