//! Time-invariant covariates in the purchase models (Fader & Hardie 2007, "Incorporating
//! time-invariant covariates into the Pareto/NBD and BG/NBD models", note 019; the
//! parametrisation CLVTools uses):
//!
//! * BG/NBD and MBG/NBD: αᵢ = α₀·exp(−γ₁ᵀz) (purchase rate λ ~ Gamma(r, αᵢ), mean r/αᵢ),
//!   aᵢ = a₀·exp(γ₂ᵀz), bᵢ = b₀·exp(γ₃ᵀz) (dropout probability p ~ Beta(aᵢ, bᵢ));
//! * Pareto/NBD: αᵢ = α₀·exp(−γ₁ᵀz), βᵢ = β₀·exp(−γ₂ᵀz) (dropout rate μ ~ Gamma(s, βᵢ), mean
//!   s/βᵢ); with `equal` covariates one γ for both (CLVTools' `reg.lambda = reg.mu`).
//!
//! A covariate may act on both processes (the default), on purchasing only or on dropout
//! only. z is centred at the customers' mean, so r, α₀, a₀, b₀ (s, β₀) describe a customer
//! with average covariates. Each covariate's effect is reported per unit, one unit above
//! its mean with the others at theirs: the mean purchase rate's ratio exp(γ₁), the mean
//! dropout (probability after a purchase, or rate) as a ratio, and a new customer's expected
//! transactions over the horizon and CLV (× the Gamma-Gamma's mean spend and the margin,
//! discounted as `clv` discounts) as differences; intervals from parameter draws.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::predict::Frame;
use super::ClvResult;
use crate::analysis::covariates::{self as cov, CovariateEffect, CovariateModel};
use crate::error::{Error, Result};
use crate::stats::btyd::draws::{interval, parameter_draws};
use crate::stats::btyd::{
    fit_from, Effect, MleFit, NbdRows, PnbdRows, PurchaseModel, RfmTuples, Rows, WithCovariates,
};

/// Draws behind the effects' intervals.
const DRAWS: usize = 1000;

/// Which covariates act on which process.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CovariateSpec {
    /// On purchasing and dropout (separate effects).
    pub both: Vec<String>,
    pub purchase: Vec<String>,
    pub dropout: Vec<String>,
    /// Pareto/NBD only: one effect on the purchase and dropout rates.
    pub equal: Vec<String>,
    /// Seed of the parameter draws.
    pub seed: u64,
}

impl CovariateSpec {
    /// Every covariate, each once, in the order given.
    pub fn all(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in self
            .both
            .iter()
            .chain(&self.purchase)
            .chain(&self.dropout)
            .chain(&self.equal)
        {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.all().is_empty()
    }
}

/// The effects of `spec` on `model`'s parameters; `names` indexes the covariate columns.
fn effects(model: PurchaseModel, spec: &CovariateSpec, names: &[String]) -> Result<Vec<Effect>> {
    let idx = |list: &[&Vec<String>]| -> Vec<usize> {
        names
            .iter()
            .enumerate()
            .filter(|(_, n)| list.iter().any(|l| l.contains(n)))
            .map(|(j, _)| j)
            .collect()
    };
    let purchase = idx(&[&spec.both, &spec.purchase]);
    let dropout = idx(&[&spec.both, &spec.dropout]);
    let equal = idx(&[&spec.equal]);
    let mut out = Vec::new();
    let mut push = |label: &str, params: Vec<(usize, f64)>, columns: Vec<usize>| {
        if !columns.is_empty() {
            out.push(Effect {
                label: label.into(),
                params,
                columns,
            });
        }
    };
    match model {
        PurchaseModel::BgNbd | PurchaseModel::MbgNbd => {
            if !equal.is_empty() {
                return Err(Error::Usage(format!(
                    "--covariate-equal applies to the Pareto/NBD, whose purchase and dropout are both rates; in the {} dropout is a probability after each purchase, so an equal effect has no meaning. Use --covariate (separate effects) or --model pnbd",
                    model.label()
                )));
            }
            push("purchase rate", vec![(1, -1.0)], purchase);
            push("dropout a", vec![(2, 1.0)], dropout.clone());
            push("dropout b", vec![(3, 1.0)], dropout);
        }
        PurchaseModel::ParetoNbd => {
            push("purchase rate", vec![(1, -1.0)], purchase);
            push("dropout rate", vec![(3, -1.0)], dropout);
            push("purchase and dropout", vec![(1, -1.0), (3, -1.0)], equal);
        }
        PurchaseModel::BgBb => {
            return Err(Error::Usage(
                "covariates apply to the continuous-time models (bgnbd, mbgnbd, pnbd); BG/BB's are not implemented".into(),
            ))
        }
    }
    Ok(out)
}

/// Fit `r`'s purchase model with covariates on `customers` (one row per customer: x, t_x,
/// T and the covariates, joined by the caller): all of `r`'s customers.
pub fn fit(
    r: &ClvResult,
    customers: &DataFrame,
    file: &str,
    spec: &CovariateSpec,
) -> Result<CovariateModel> {
    fit_on(r, customers, file, spec, true)
}

/// [`fit`] on some of `r`'s customers (a segment): the model without covariates is refitted
/// on them for the test and the start; the spend model stays `r`'s (all customers').
pub fn fit_subset(
    r: &ClvResult,
    customers: &DataFrame,
    file: &str,
    spec: &CovariateSpec,
) -> Result<CovariateModel> {
    fit_on(r, customers, file, spec, false)
}

fn fit_on(
    r: &ClvResult,
    customers: &DataFrame,
    file: &str,
    spec: &CovariateSpec,
    all: bool,
) -> Result<CovariateModel> {
    let model = r.options.model;
    let names = spec.all();
    let effects = effects(model, spec, &names)?;
    let prep = cov::prepare(customers, file, &["x", "t_x", "T"], &names)?;
    let f = |c: &str| crate::data::load::f64_values(&prep.df, c);
    let tuples = RfmTuples {
        x: f("x")?,
        t_x: f("t_x")?,
        t: f("T")?,
        count: f("n")?,
    };
    // The model without covariates on the same customers, for the test and the start (the
    // main fit itself when no customer lacks a covariate).
    let base = if all && prep.excluded == 0 {
        r.purchase.clone()
    } else {
        model.fit(&compress(&tuples)?, None)?
    };
    let mut start = base.params.clone();
    start.extend(effects.iter().flat_map(|e| vec![0.0; e.columns.len()]));
    let shift = if model == PurchaseModel::MbgNbd {
        1.0
    } else {
        0.0
    };
    let ctx = Context {
        prep: &prep,
        names: &names,
        effects,
        start,
    };
    let (mut full, cov) = if model == PurchaseModel::ParetoNbd {
        ctx.fit(&PnbdRows(&tuples))?
    } else {
        ctx.fit(&NbdRows { d: &tuples, shift })?
    };
    let columns: Vec<usize> = ctx.effects.iter().flat_map(|e| e.columns.clone()).collect();
    let cov = prep.per_unit(&mut full, cov, 4, &columns);
    let draws = cov.and_then(|c| parameter_draws(&full.params, &c, 4, DRAWS, spec.seed));
    let (stat, df, p) = cov::lr_test(&full, &base);
    let (zs, ps) = cov::wald(&full);
    let out = interpret(r, &ctx.effects, &names, &full.params, draws.as_deref());
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
        structure: ctx.effects,
    })
}

/// The customers' (x, t_x, T) tuples merged over the covariates.
fn compress(t: &RfmTuples) -> Result<RfmTuples> {
    let df = df!("x" => &t.x, "t_x" => &t.t_x, "T" => &t.t, "n" => &t.count)?
        .lazy()
        .group_by_stable([col("x"), col("t_x"), col("T")])
        .agg([col("n").sum()])
        .sort(["x", "t_x", "T"], Default::default())
        .collect()?;
    let f = |c: &str| crate::data::load::f64_values(&df, c);
    Ok(RfmTuples {
        x: f("x")?,
        t_x: f("t_x")?,
        t: f("T")?,
        count: f("n")?,
    })
}

/// What the covariate fit needs besides the records.
struct Context<'a> {
    prep: &'a cov::Prepared,
    names: &'a [String],
    effects: Vec<Effect>,
    start: Vec<f64>,
}

impl Context<'_> {
    /// The maximum-likelihood fit on `rows` (standardised covariates) and its covariance.
    fn fit<R: Rows>(&self, rows: &R) -> Result<(MleFit, Option<ndarray::Array2<f64>>)> {
        let lik = WithCovariates::new(rows, &self.prep.z, self.names, self.effects.clone());
        let full = fit_from(&lik, std::slice::from_ref(&self.start), 2000)?;
        let cov = full.covariance.clone();
        Ok((full, cov))
    }
}

/// The parameters of a customer at average covariates except `up` units more of
/// covariate `j`.
fn params_at(p: &[f64], effects: &[Effect], j: usize, up: f64) -> [f64; 4] {
    let mut eta = [0.0; 4];
    let mut at = 4;
    for e in effects {
        for (k, &c) in e.columns.iter().enumerate() {
            if c == j {
                for &(m, s) in &e.params {
                    eta[m] += s * p[at + k] * up;
                }
            }
        }
        at += e.columns.len();
    }
    std::array::from_fn(|m| p[m] * eta[m].exp())
}

/// Each covariate's effects in words and numbers (see the module's documentation).
fn interpret(
    r: &ClvResult,
    effects: &[Effect],
    names: &[String],
    p: &[f64],
    draws: Option<&[Vec<f64>]>,
) -> Vec<CovariateEffect> {
    let model = r.options.model;
    let frame = Frame {
        horizon: r.options.horizon,
        discount: r.options.discount,
        per_year: 365.25 / r.days_per_period,
        holdout: 0.0,
    };
    // The Gamma-Gamma's mean spend per transaction, p·γ/(q − 1) (q > 1).
    let spend = r.gamma_gamma.as_ref().and_then(|g| {
        let (pp, q, gm) = (g.params[0], g.params[1], g.params[2]);
        (q > 1.0).then(|| pp * gm / (q - 1.0))
    });
    // With each customer's own margin (profit / revenue) a new customer has none: their
    // value is then their discounted spend.
    let (margin, value_label) = if r.options.margin.is_finite() {
        (r.options.margin, "CLV of a new customer over the horizon")
    } else {
        (1.0, "discounted spend of a new customer over the horizon")
    };
    let pareto = model == PurchaseModel::ParetoNbd;
    // [purchase rate, dropout, expected transactions, CLV] of parameters q.
    let measures = |q: &[f64; 4]| -> [f64; 4] {
        let (expected, discounted, _) = frame.path(&|s| model.expected(q, 0.0, 0.0, 0.0, s));
        let dropout = if pareto {
            q[2] / q[3]
        } else {
            q[2] / (q[2] + q[3])
        };
        [
            q[0] / q[1],
            dropout,
            expected,
            spend.map_or(f64::NAN, |m| discounted * m * margin),
        ]
    };
    let labels = [
        ("mean purchase rate", "ratio"),
        (
            if pareto {
                "mean dropout rate"
            } else {
                "dropout probability after a purchase"
            },
            "ratio",
        ),
        (
            "expected transactions of a new customer over the horizon",
            "difference",
        ),
        (value_label, "difference"),
    ];
    let mut out = Vec::new();
    for (j, name) in names.iter().enumerate() {
        let (m0, m1) = (
            measures(&params_at(p, effects, j, 0.0)),
            measures(&params_at(p, effects, j, 1.0)),
        );
        let sampled: Option<Vec<[f64; 4]>> = draws.map(|d| {
            d.iter()
                .map(|q| {
                    let (a, b) = (
                        measures(&params_at(q, effects, j, 0.0)),
                        measures(&params_at(q, effects, j, 1.0)),
                    );
                    std::array::from_fn(|k| {
                        if labels[k].1 == "ratio" {
                            b[k] / a[k]
                        } else {
                            b[k] - a[k]
                        }
                    })
                })
                .collect()
        });
        for (k, (label, kind)) in labels.iter().enumerate() {
            if k == 3 && spend.is_none() {
                continue;
            }
            let estimate = if *kind == "ratio" {
                m1[k] / m0[k]
            } else {
                m1[k] - m0[k]
            };
            let ci = sampled
                .as_ref()
                .and_then(|s| interval(s.iter().map(|v| v[k]).collect()));
            out.push(CovariateEffect {
                covariate: name.clone(),
                quantity: label.to_string(),
                at_mean: m0[k],
                one_unit_up: m1[k],
                kind: kind.to_string(),
                estimate,
                ci_low: ci.map(|c| c.0),
                ci_high: ci.map(|c| c.1),
            });
        }
    }
    out
}
