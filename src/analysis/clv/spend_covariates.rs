//! Covariates on the spend scale of the Gamma-Gamma (Fader & Hardie 2013, "The Gamma-Gamma
//! model of monetary value"): customer i's ν ~ Gamma(q, γᵢ) with γᵢ = γ₀·exp(δᵀzᵢ), so the
//! mean spend per transaction p·γᵢ/(q − 1) scales by exp(δᵀzᵢ) and p, q (the spread of
//! spend within and between customers) stay common. This is the time-invariant-covariate
//! device of Fader & Hardie (2007, note 019) applied to the spend model's scale; the
//! likelihood is the Gamma-Gamma's at each customer's γᵢ, on the repeat customers with
//! positive spend (the model's own data), and each δ is reported per unit of its covariate
//! with SE, z, p, a likelihood-ratio test against the model without covariates, and the
//! ratio of mean spend per unit with an interval from parameter draws.

use polars::prelude::*;

use super::ClvResult;
use crate::analysis::covariates::{self as cov, CovariateEffect, CovariateModel};
use crate::error::{Error, Result};
use crate::stats::btyd::draws::{interval, parameter_draws};
use crate::stats::btyd::{fit_from, Effect, GammaGamma, SpendRows, SpendTuples, WithCovariates};

/// Draws behind the effects' intervals.
const DRAWS: usize = 1000;

/// Fit `r`'s Gamma-Gamma with covariates `names` on the spend scale; `customers` holds one
/// row per customer with `x` (repeat transactions), `mean_spend` and the covariates.
pub fn fit(
    r: &ClvResult,
    customers: &DataFrame,
    file: &str,
    names: &[String],
    seed: u64,
) -> Result<CovariateModel> {
    let Some(pooled) = &r.gamma_gamma else {
        return Err(Error::Degenerate(format!(
            "{file}: covariates on spend need the Gamma-Gamma spend model, which could not be fitted (see the warnings)"
        )));
    };
    let repeat = customers
        .clone()
        .lazy()
        .filter(col("x").gt(lit(0.0)).and(col("mean_spend").gt(lit(0.0))))
        .collect()?;
    let prep = cov::prepare(&repeat, file, &["x", "mean_spend"], names)?;
    let f = |c: &str| crate::data::load::f64_values(&prep.df, c);
    let tuples = SpendTuples {
        x: f("x")?,
        mean: f("mean_spend")?,
        count: f("n")?,
    };
    let base = if prep.excluded == 0 {
        pooled.clone()
    } else {
        fit_from(
            &GammaGamma(&tuples),
            std::slice::from_ref(&pooled.params),
            1000,
        )?
    };
    let columns: Vec<usize> = (0..names.len()).collect();
    let effects = vec![Effect {
        label: "spend scale".into(),
        params: vec![(2, 1.0)],
        columns: columns.clone(),
    }];
    let mut start = base.params.clone();
    start.extend(vec![0.0; names.len()]);
    let rows = SpendRows(&tuples);
    let lik = WithCovariates::new(&rows, &prep.z, names, effects.clone());
    let mut full = fit_from(&lik, std::slice::from_ref(&start), 2000)?;
    let covariance = full.covariance.clone();
    let covariance = prep.per_unit(&mut full, covariance, 3, &columns);
    let draws = covariance.and_then(|c| parameter_draws(&full.params, &c, 3, DRAWS, seed));
    let (stat, df, p) = cov::lr_test(&full, &base);
    let (zs, ps) = cov::wald(&full);
    // Mean spend per transaction p·γ/(q − 1) at the covariates' means and one unit up.
    let mean_spend = |q: &[f64], j: usize, up: f64| {
        (q[1] > 1.0).then(|| q[0] * q[2] * (q[3 + j] * up).exp() / (q[1] - 1.0))
    };
    let mut out = Vec::new();
    for (j, name) in names.iter().enumerate() {
        let (Some(m0), Some(m1)) = (
            mean_spend(&full.params, j, 0.0),
            mean_spend(&full.params, j, 1.0),
        ) else {
            continue;
        };
        let ci = draws
            .as_ref()
            .and_then(|d| interval(d.iter().map(|q| (q[3 + j]).exp()).collect()));
        out.push(CovariateEffect {
            covariate: name.clone(),
            quantity: "mean spend per transaction".into(),
            at_mean: m0,
            one_unit_up: m1,
            kind: "ratio".into(),
            estimate: m1 / m0,
            ci_low: ci.map(|c| c.0),
            ci_high: ci.map(|c| c.1),
        });
    }
    Ok(CovariateModel {
        covariates: prep.info.clone(),
        z: zs,
        p: ps,
        base_log_likelihood: base.log_likelihood,
        lr_statistic: stat,
        lr_df: df,
        lr_p: p,
        fit: full,
        effects: out,
        excluded: prep.excluded,
        customers: prep.customers,
        structure: effects,
    })
}
