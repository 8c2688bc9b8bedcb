//! Per-customer predictions from the purchase model with covariates: each customer's
//! P(alive), expected transactions and CLV at their own mixing parameters (BG/NBD αᵢ, aᵢ, bᵢ;
//! Pareto/NBD αᵢ, βᵢ), and what one unit more of each covariate would add to their CLV,
//! their purchase history kept.
//!
//! With time-invariant covariates the model is the published one at each customer's own
//! parameters (Fader & Hardie 2007, "Incorporating time-invariant covariates into the
//! Pareto/NBD and BG/NBD models", note 019: the individual-level likelihood and, so, every
//! conditional expectation are the no-covariate expressions at θᵢ), which is how CLVTools
//! predicts with covariates. The spend per transaction stays the Gamma-Gamma's conditional
//! mean (no covariates on spend), and CLV = discounted expected transactions × expected
//! spend × margin, as without covariates. The gain of a covariate unit is CLVᵢ(zᵢ + eⱼ) −
//! CLVᵢ(zᵢ): the change the model attributes to it, not an experiment's.

use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::predict::{predict_one, Frame, TuplePrediction};
use super::ClvResult;
use crate::analysis::covariates::CovariateModel;
use crate::data::build::cols;
use crate::data::load::f64_values;
use crate::error::{Error, Result};
use crate::stats::btyd::PurchaseModel;

/// Which model made the customer table's predictions, and what a unit of each covariate
/// is worth to its customers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CustomerPredictions {
    /// E.g. `BG/NBD with covariates (satisfaction)`.
    pub model: String,
    /// Customers predicted at their own covariates.
    pub customers: usize,
    /// Customers with a purchase history but without every covariate: they keep the model
    /// without covariates' predictions.
    pub without_covariates: usize,
    /// The table's total CLV under the model without covariates (for comparison).
    pub total_without_covariates: f64,
    pub gains: Vec<CustomerGain>,
}

/// CLV gained by one unit more of a covariate, over the customers predicted at their own
/// covariates.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CustomerGain {
    pub covariate: String,
    /// Each customer's gain in the customer table.
    pub column: String,
    pub mean: f64,
    pub total: f64,
}

/// One customer's predictions at their covariates.
struct AtCovariates {
    p_alive: f64,
    expected: f64,
    discounted: f64,
    /// Discounted expected transactions gained by one unit more of each covariate.
    gains: Vec<f64>,
}

/// The customer table's column of the CLV gained by one unit more of `covariate`.
pub fn gain_column(covariate: &str) -> String {
    format!("clv_gain_{covariate}")
}

/// What prediction at covariates needs from a result and a customer table.
struct Setup<'a> {
    model: PurchaseModel,
    m: &'a CovariateModel,
    frame: Frame,
    /// x, t_x, T per row.
    history: [Vec<f64>; 3],
    /// Per covariate, per row.
    z: Vec<Vec<f64>>,
}

impl<'a> Setup<'a> {
    fn new(r: &'a ClvResult, customers: &DataFrame, keys: [&str; 3]) -> Result<Option<Self>> {
        let Some(m) = r.covariates.as_ref() else {
            return Ok(None);
        };
        let [x, t_x, t] = keys.map(|k| f64_values(customers, k));
        Ok(Some(Setup {
            model: r.options.model,
            m,
            frame: Frame {
                horizon: r.options.horizon,
                discount: r.options.discount,
                per_year: 365.25 / r.days_per_period,
                holdout: 0.0,
            },
            history: [x?, t_x?, t?],
            z: m.covariates
                .iter()
                .map(|c| f64_values(customers, &c.name))
                .collect::<Result<_>>()?,
        }))
    }

    /// Row `i`'s covariates.
    fn z_of(&self, i: usize) -> Vec<f64> {
        self.z.iter().map(|c| c[i]).collect()
    }

    /// Row `i`'s predictions at covariates `z` (None without a history or a covariate).
    fn at(&self, i: usize, z: &[f64]) -> Option<TuplePrediction> {
        let [x, t_x, t] = &self.history;
        let h = (x[i], t_x[i], t[i]);
        if !(h.0.is_finite() && h.1.is_finite() && h.2.is_finite()) {
            return None;
        }
        self.m
            .params_at(z)
            .map(|q| predict_one(self.model, &q, h, &self.frame))
    }
}

/// Each customer's value of one discounted expected transaction: expected spend × margin
/// (the result's margin, or each customer's own, profit / revenue and 0 where revenue is
/// not positive, when the result's is per customer).
fn value_per_transaction(r: &ClvResult, customers: &DataFrame) -> Result<Vec<f64>> {
    let spend = f64_values(customers, "expected_spend")?;
    if r.options.margin.is_finite() {
        return Ok(spend.iter().map(|s| s * r.options.margin).collect());
    }
    let (revenue, profit) = (
        f64_values(customers, cols::REVENUE)?,
        f64_values(customers, cols::PROFIT)?,
    );
    Ok((0..spend.len())
        .map(|i| {
            let margin = if revenue[i] > 0.0 {
                profit[i] / revenue[i]
            } else {
                0.0
            };
            spend[i] * margin
        })
        .collect())
}

/// Replace `customers`' `p_alive`, `expected_transactions` and `clv` by the covariate
/// model's (`r.covariates`) where a customer has a history (columns `keys`: x, t_x, T) and
/// every covariate, and add each covariate's [`gain_column`]. The margin is the result's,
/// or each customer's own (`profit` / `revenue` of the table) when the result's is per
/// customer; `id` names customers in errors. Without a covariate model, nothing changes.
pub fn apply(
    r: &mut ClvResult,
    customers: &mut DataFrame,
    keys: [&str; 3],
    id: &str,
) -> Result<()> {
    let Some(setup) = Setup::new(r, customers, keys)? else {
        return Ok(());
    };
    let m = setup.m;
    let k = setup.z.len();
    let preds: Vec<Option<AtCovariates>> = (0..customers.height())
        .into_par_iter()
        .map(|i| {
            let zi = setup.z_of(i);
            let base = setup.at(i, &zi)?;
            let gains = (0..k)
                .map(|j| {
                    let mut up = zi.clone();
                    up[j] += 1.0;
                    setup
                        .at(i, &up)
                        .map_or(f64::NAN, |p| p.discounted - base.discounted)
                })
                .collect();
            Some(AtCovariates {
                p_alive: base.p_alive,
                expected: base.expected,
                discounted: base.discounted,
                gains,
            })
        })
        .collect();
    if let Some(bad) = preds.iter().position(|p| {
        p.as_ref().is_some_and(|p| {
            !(p.p_alive.is_finite()
                && (-1e-12..=1.0 + 1e-12).contains(&p.p_alive)
                && p.expected.is_finite()
                && p.expected >= -1e-9
                && p.discounted.is_finite())
        })
    }) {
        return Err(Error::Degenerate(format!(
            "{} with covariates: the predictions are not defined at customer '{}''s covariates; fit without covariates, or check that covariate's extreme values",
            r.model_label,
            customers.column(id)?.get(bad)?.str_value()
        )));
    }
    let value = value_per_transaction(r, customers)?;
    let opt = |f: &dyn Fn(&AtCovariates, f64) -> f64| -> Vec<Option<f64>> {
        preds
            .iter()
            .zip(&value)
            .map(|(p, v)| p.as_ref().map(|p| f(p, *v)))
            .collect()
    };
    let names: Vec<String> = m.covariates.iter().map(|c| gain_column(&c.name)).collect();
    let mut tmp = vec![
        Column::new("__p".into(), opt(&|p, _| p.p_alive)),
        Column::new("__e".into(), opt(&|p, _| p.expected)),
        Column::new("__v".into(), opt(&|p, v| p.discounted * v)),
    ];
    for (j, name) in names.iter().enumerate() {
        tmp.push(Column::new(name.into(), opt(&|p, v| p.gains[j] * v)));
    }
    let total_before: f64 = f64_values(customers, "clv")?
        .iter()
        .filter(|v| v.is_finite())
        .sum();
    let have = col("__p").is_not_null();
    let replace = |new: &str, old: &str| {
        when(have.clone())
            .then(col(new))
            .otherwise(col(old))
            .alias(old)
    };
    let keep: Vec<Expr> = customers
        .get_column_names()
        .iter()
        .map(|c| col(c.as_str()))
        .chain(names.iter().map(|c| col(c.as_str())))
        .collect();
    *customers = customers
        .hstack(&tmp)?
        .lazy()
        .with_columns([
            replace("__p", "p_alive"),
            replace("__e", "expected_transactions"),
            replace("__v", "clv"),
        ])
        .select(keep)
        .collect()?;
    let used = preds.iter().filter(|p| p.is_some()).count();
    let histories = setup.history[0].iter().filter(|v| v.is_finite()).count();
    let mut gains = Vec::new();
    for (j, name) in names.iter().enumerate() {
        let g: Vec<f64> = f64_values(customers, name)?
            .into_iter()
            .filter(|v| v.is_finite())
            .collect();
        let total: f64 = g.iter().sum();
        gains.push(CustomerGain {
            covariate: m.covariates[j].name.clone(),
            column: name.clone(),
            mean: total / g.len().max(1) as f64,
            total,
        });
    }
    r.per_customer = Some(CustomerPredictions {
        model: format!(
            "{} with covariates ({})",
            r.model_label,
            m.covariates
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        customers: used,
        without_covariates: histories - used,
        total_without_covariates: total_before,
        gains,
    });
    Ok(())
}

/// Each customer's change in CLV (over the result's horizon, at its discount and margin)
/// when covariate `name` moves from its value to `to[i]`, their history kept: CLVᵢ(zᵢ with
/// `name` = toᵢ) − CLVᵢ(zᵢ); 0 where toᵢ is their value, None where the customer has no
/// history or covariate, and None for all when the result has no covariate model with
/// `name`. `customers` is the customer table (`frequency`, `recency`, `age`, the
/// covariates, `expected_spend`; `profit` and `revenue` for margins per customer).
pub fn clv_change(
    r: &ClvResult,
    customers: &DataFrame,
    name: &str,
    to: &[f64],
) -> Result<Option<Vec<Option<f64>>>> {
    let Some(setup) = Setup::new(r, customers, ["frequency", "recency", "age"])? else {
        return Ok(None);
    };
    let Some(j) = setup.m.covariates.iter().position(|c| c.name == name) else {
        return Ok(None);
    };
    let value = value_per_transaction(r, customers)?;
    Ok(Some(
        (0..customers.height())
            .into_par_iter()
            .map(|i| {
                let zi = setup.z_of(i);
                if to[i] == zi[j] {
                    return zi[j].is_finite().then_some(0.0);
                }
                let mut moved = zi.clone();
                moved[j] = to[i];
                let (now, then) = (setup.at(i, &zi)?, setup.at(i, &moved)?);
                Some((then.discounted - now.discounted) * value[i])
            })
            .collect(),
    ))
}
