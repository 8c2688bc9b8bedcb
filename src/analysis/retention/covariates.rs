//! The individual-level sBG with covariates (Fader & Hardie 2007, JIM 21(1), §6): each
//! customer's churn probability is Beta(αᵢ, βᵢ) with αᵢ = α₀·exp(γ_αᵀz), βᵢ = β₀·exp(γ_βᵀz),
//! z centred. A covariate that lowers α or raises β lowers churn. Its effect is reported as
//! what one unit more of it does to a new customer's first-period churn αᵢ/(αᵢ+βᵢ) (a
//! ratio) and to the discounted expected lifetime DEL (a difference, in periods), with
//! intervals from parameter draws.

use polars::prelude::*;

use super::RetentionResult;
use crate::analysis::covariates::{self as cov, CovariateEffect, CovariateModel, Prepared};
use crate::data::load;
use crate::error::Result;
use crate::stats::btyd::draws::{interval, parameter_draws};
use crate::stats::btyd::{fit_from, Effect, WithCovariates};
use crate::stats::sbg::{self, Lifetimes, Sbg};

/// Draws behind the effects' intervals.
const DRAWS: usize = 2000;

/// Fit the sBG with `covariates` on one row per customer (`t`, `lost` and the covariates).
pub fn fit(
    customers: &DataFrame,
    file: &str,
    covariates: &[String],
    res: &RetentionResult,
) -> Result<CovariateModel> {
    let prep = cov::prepare(customers, file, &["t", "lost"], covariates)?;
    let life = lifetimes(&prep)?;
    let base = fit_from(&Sbg(&life), &[vec![1.0, 1.0], vec![0.5, 2.0]], 1000)?;
    let cols: Vec<usize> = (0..covariates.len()).collect();
    let effects = vec![
        Effect {
            label: "churn shape α".into(),
            params: vec![(0, 1.0)],
            columns: cols.clone(),
        },
        Effect {
            label: "stay shape β".into(),
            params: vec![(1, 1.0)],
            columns: cols,
        },
    ];
    let sbg = Sbg(&life);
    let model = WithCovariates::new(&sbg, &prep.z, covariates, effects.clone());
    let k = covariates.len();
    let mut start = base.params.clone();
    start.extend(vec![0.0; 2 * k]);
    let mut full = fit_from(&model, &[start], 1000)?;
    let cov = full.covariance.clone();
    let columns: Vec<usize> = (0..2).flat_map(|_| 0..k).collect();
    let cov = prep.per_unit(&mut full, cov, 2, &columns);
    let (stat, df, p) = cov::lr_test(&full, &base);
    let (z, pv) = cov::wald(&full);
    let d = res.discount_per_period;
    let quantities = |q: &[f64], j: usize| -> [[f64; 2]; 2] {
        // At average covariates and one unit up in covariate j.
        let at = |up: f64| {
            let a = q[0] * (q[2 + j] * up).exp();
            let b = q[1] * (q[2 + k + j] * up).exp();
            [a / (a + b), sbg::del(a, b, d)]
        };
        let (m, u) = (at(0.0), at(1.0));
        [[m[0], u[0]], [m[1], u[1]]]
    };
    let draws = cov.and_then(|c| parameter_draws(&full.params, &c, 2, DRAWS, res.options.seed));
    let mut out = Vec::new();
    for (j, name) in covariates.iter().enumerate() {
        let est = quantities(&full.params, j);
        for (w, (label, kind)) in [
            ("first-period churn", "ratio"),
            ("DEL (periods)", "difference"),
        ]
        .iter()
        .enumerate()
        {
            let value = |v: [f64; 2]| {
                if *kind == "ratio" {
                    v[1] / v[0]
                } else {
                    v[1] - v[0]
                }
            };
            let ci = draws
                .as_ref()
                .and_then(|dr| interval(dr.iter().map(|q| value(quantities(q, j)[w])).collect()));
            out.push(CovariateEffect {
                covariate: name.clone(),
                quantity: label.to_string(),
                at_mean: est[w][0],
                one_unit_up: est[w][1],
                kind: kind.to_string(),
                estimate: value(est[w]),
                ci_low: ci.map(|c| c.0),
                ci_high: ci.map(|c| c.1),
            });
        }
    }
    Ok(CovariateModel {
        covariates: prep.info,
        z,
        p: pv,
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

/// The compressed records as sBG lifetimes (same order as the covariate matrix).
fn lifetimes(prep: &Prepared) -> Result<Lifetimes> {
    let lost: Vec<bool> = prep
        .df
        .column("lost")?
        .bool()?
        .iter()
        .map(|v| v.unwrap_or(false))
        .collect();
    Ok(Lifetimes {
        t: load::f64_values(&prep.df, "t")?,
        lost,
        count: load::f64_values(&prep.df, "n")?,
    })
}
