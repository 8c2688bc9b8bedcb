//! Moderation of the satisfaction → share-of-wallet link: conditional effects at the
//! moderators' percentiles (PROCESS's convention).

use polars::prelude::*;

use super::results::ConditionalEffect;
use super::ChainOptions;
use crate::data::build::cols;
use crate::data::load;
use crate::error::Result;
use crate::stats::{bootstrap, OlsFit};

/// Conditional effect of satisfaction on SOW at each moderator's 16th/50th/84th percentile
/// (PROCESS convention), other moderators at their means and, with the quadratic term, at
/// mean satisfaction: θ = b_sat + 2·b_sq·mean(sat) + Σ b_sat:m·m, SE = √(gᵀVg).
pub(super) fn conditional(
    fit: &OlsFit,
    df: &DataFrame,
    opts: &ChainOptions,
) -> Result<Vec<ConditionalEffect>> {
    let v = fit.cov(opts.se);
    let idx = |name: &str| fit.names.iter().position(|n| n == name);
    let sat = load::f64_values(df, cols::SATISFACTION)?;
    let sat_mean = sat.iter().sum::<f64>() / sat.len() as f64;
    let mut base = vec![0.0; fit.p];
    if let Some(i) = idx("satisfaction") {
        base[i] = 1.0;
    }
    if let Some(i) = idx("I(satisfaction ** 2)") {
        base[i] = 2.0 * sat_mean;
    }
    let mut mod_values = Vec::new();
    for m in &opts.moderators {
        let mut vals = load::f64_values(df, m)?;
        let mean = vals.iter().sum::<f64>() / vals.len() as f64;
        vals.sort_by(f64::total_cmp);
        mod_values.push((m.clone(), mean, vals));
    }
    for (m, mean, _) in &mod_values {
        if let Some(i) = idx(&format!("satisfaction:{m}")) {
            base[i] = *mean;
        }
    }
    let df_resid = fit.df_resid();
    let tcrit = crate::stats::regression::t_quantile(0.5 + opts.confidence / 2.0, df_resid);
    let mut out = Vec::new();
    for (m, _, sorted) in &mod_values {
        let Some(i) = idx(&format!("satisfaction:{m}")) else {
            continue;
        };
        for pct in [16u8, 50, 84] {
            let value = bootstrap::quantile_sorted(sorted, f64::from(pct) / 100.0);
            let mut g = base.clone();
            g[i] = value;
            let effect: f64 = g.iter().zip(fit.params.iter()).map(|(a, b)| a * b).sum();
            let var: f64 = (0..fit.p)
                .map(|a| (0..fit.p).map(|b| g[a] * v[[a, b]] * g[b]).sum::<f64>())
                .sum();
            let se = var.max(0.0).sqrt();
            out.push(ConditionalEffect {
                moderator: m.clone(),
                percentile: pct,
                value,
                effect,
                std_error: se,
                p_value: crate::stats::regression::t_pvalue(effect / se, df_resid),
                ci_low: effect - tcrit * se,
                ci_high: effect + tcrit * se,
            });
        }
    }
    Ok(out)
}
