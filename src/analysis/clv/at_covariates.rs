//! Per-customer predictions from the purchase model with covariates: each customer's
//! P(alive), expected transactions and CLV at their own mixing parameters (BG/NBD αᵢ, aᵢ, bᵢ;
//! Pareto/NBD αᵢ, βᵢ), and what one unit more of each covariate would add to their CLV,
//! their purchase history kept.
//!
//! With time-invariant covariates the model is the published one at each customer's own
//! parameters (Fader & Hardie 2007, "Incorporating time-invariant covariates into the
//! Pareto/NBD and BG/NBD models", note 019: the individual-level likelihood and, so, every
//! conditional expectation are the no-covariate expressions at θᵢ), which is how CLVTools
//! predicts with covariates. The spend per transaction is the Gamma-Gamma's conditional
//! mean, at the customer's own γᵢ when covariates act on spend ([`super::spend_covariates`]),
//! and CLV = discounted expected transactions × expected spend × margin, as without
//! covariates. The gain of a covariate unit is CLVᵢ(zᵢ + eⱼ) −
//! CLVᵢ(zᵢ): the change the model attributes to it, not an experiment's.

use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::predict::{predict_each, Frame, TuplePrediction};
use super::ClvResult;
use crate::analysis::covariates::CovariateModel;
use crate::data::build::cols;
use crate::data::load::f64_values;
use crate::error::{Error, Result};
use crate::stats::btyd::gamma_gamma_expected;

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
    /// The table's total CLV under the model without covariates (for comparison; None
    /// without a spend model).
    pub total_without_covariates: Option<f64>,
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
    spend: f64,
    /// CLV.
    value: f64,
    /// CLV gained by one unit more of each covariate.
    gains: Vec<f64>,
}

/// The customer table's column of the CLV gained by one unit more of `covariate`.
pub fn gain_column(covariate: &str) -> String {
    format!("clv_gain_{covariate}")
}

/// A customer's purchase parameters and, with covariates on spend, their Gamma-Gamma's.
type Params = ([f64; 4], Option<[f64; 4]>);

/// What prediction at covariates needs from a result and a customer table.
struct Setup<'a> {
    r: &'a ClvResult,
    /// The purchase and spend models with covariates, each with the positions of its
    /// covariates in `names`.
    purchase: Option<(&'a CovariateModel, Vec<usize>)>,
    spend: Option<(&'a CovariateModel, Vec<usize>)>,
    frame: Frame,
    /// x, t_x, T per row.
    history: [Vec<f64>; 3],
    /// Mean repeat spend and expected spend (the pooled model's) per row.
    mean_spend: Vec<f64>,
    expected_spend: Vec<f64>,
    margin: Vec<f64>,
    /// Every covariate of either model, once.
    names: Vec<String>,
    /// Per covariate of `names`, per row.
    z: Vec<Vec<f64>>,
}

impl<'a> Setup<'a> {
    /// None when neither model has covariates. `keys`: x, t_x, T; `mean`: mean repeat spend.
    fn new(
        r: &'a ClvResult,
        customers: &DataFrame,
        keys: [&str; 3],
        mean: &str,
    ) -> Result<Option<Self>> {
        if r.covariates.is_none() && r.spend_covariates.is_none() {
            return Ok(None);
        }
        let mut names: Vec<String> = Vec::new();
        for m in [&r.covariates, &r.spend_covariates].into_iter().flatten() {
            for c in &m.covariates {
                if !names.contains(&c.name) {
                    names.push(c.name.clone());
                }
            }
        }
        let with_index = |m: &'a Option<CovariateModel>| {
            m.as_ref().map(|m| {
                let idx = m
                    .covariates
                    .iter()
                    .map(|c| names.iter().position(|n| *n == c.name).unwrap_or(0))
                    .collect();
                (m, idx)
            })
        };
        let [x, t_x, t] = keys.map(|k| f64_values(customers, k));
        let mean_spend = match r.spend_covariates {
            Some(_) => f64_values(customers, mean)?,
            None => Vec::new(),
        };
        Ok(Some(Setup {
            r,
            purchase: with_index(&r.covariates),
            spend: with_index(&r.spend_covariates),
            frame: Frame {
                horizon: r.options.horizon,
                discount: r.options.discount,
                per_year: 365.25 / r.days_per_period,
                holdout: 0.0,
            },
            history: [x?, t_x?, t?],
            mean_spend,
            expected_spend: f64_values(customers, "expected_spend")?,
            margin: margins(r, customers)?,
            z: names
                .iter()
                .map(|c| f64_values(customers, c))
                .collect::<Result<_>>()?,
            names,
        }))
    }

    /// Row `i`'s covariates.
    fn z_of(&self, i: usize) -> Vec<f64> {
        self.z.iter().map(|c| c[i]).collect()
    }

    /// Every row's purchase predictions, expected spend and CLV at the covariates `z(i)`
    /// (None without a history or a covariate a model uses).
    fn all_at(
        &self,
        z: impl Fn(usize) -> Vec<f64> + Sync,
    ) -> Vec<Option<(TuplePrediction, f64, f64)>> {
        let n = self.history[0].len();
        let own = |(m, idx): &(&CovariateModel, Vec<usize>), zi: &[f64]| {
            m.params_at(&idx.iter().map(|&k| zi[k]).collect::<Vec<_>>())
        };
        let [x, t_x, t] = &self.history;
        let history: Vec<(f64, f64, f64)> = (0..n).map(|i| (x[i], t_x[i], t[i])).collect();
        let has_history = |i: usize| {
            history[i].0.is_finite() && history[i].1.is_finite() && history[i].2.is_finite()
        };
        // Each row's purchase and spend parameters (both None where one cannot be had).
        let params: Vec<Option<Params>> = (0..n)
            .into_par_iter()
            .map(|i| {
                if !has_history(i) {
                    return None;
                }
                let zi = z(i);
                let purchase = match &self.purchase {
                    Some(pm) => own(pm, &zi)?,
                    None => std::array::from_fn(|k| {
                        self.r.purchase.params.get(k).copied().unwrap_or(0.0)
                    }),
                };
                let spend = match &self.spend {
                    Some(sm) => Some(own(sm, &zi)?),
                    None => None,
                };
                Some((purchase, spend))
            })
            .collect();
        let purchase: Vec<Option<[f64; 4]>> = params.iter().map(|p| p.map(|p| p.0)).collect();
        let preds = predict_each(self.r.options.model, &purchase, &history, &self.frame);
        preds
            .into_iter()
            .zip(&params)
            .enumerate()
            .map(|(i, (pred, p))| {
                let (pred, (_, spend_params)) = (pred?, (*p)?);
                let spend = match spend_params {
                    Some(g) => {
                        let (xi, m) = (history[i].0, self.mean_spend[i]);
                        if xi > 0.0 && m > 0.0 {
                            gamma_gamma_expected(&g, xi, m)
                        } else {
                            g[0] * g[2] / (g[1] - 1.0)
                        }
                    }
                    None => self.expected_spend[i],
                };
                let value = pred.discounted * spend * self.margin[i];
                Some((pred, spend, value))
            })
            .collect()
    }
}

/// Each customer's margin: the result's, or each customer's own (profit / revenue, 0 where
/// revenue is not positive) when the result's is per customer.
fn margins(r: &ClvResult, customers: &DataFrame) -> Result<Vec<f64>> {
    if r.options.margin.is_finite() {
        return Ok(vec![r.options.margin; customers.height()]);
    }
    let (revenue, profit) = (
        f64_values(customers, cols::REVENUE)?,
        f64_values(customers, cols::PROFIT)?,
    );
    Ok((0..revenue.len())
        .map(|i| {
            if revenue[i] > 0.0 {
                profit[i] / revenue[i]
            } else {
                0.0
            }
        })
        .collect())
}

/// Replace `customers`' `p_alive`, `expected_transactions`, `expected_spend` and `clv` by
/// the covariate models' (`r.covariates` on purchasing and dropout, `r.spend_covariates` on
/// spend) where a customer has a history (columns `keys`: x, t_x, T, and `mean`, the mean
/// repeat spend) and every covariate, and add each covariate's [`gain_column`]. The margin
/// is the result's, or each customer's own (`profit` / `revenue` of the table) when the
/// result's is per customer; `id` names customers in errors. Without covariates, nothing
/// changes.
pub fn apply(
    r: &mut ClvResult,
    customers: &mut DataFrame,
    keys: [&str; 3],
    mean: &str,
    id: &str,
) -> Result<()> {
    let Some(setup) = Setup::new(r, customers, keys, mean)? else {
        return Ok(());
    };
    let k = setup.names.len();
    let base = setup.all_at(|i| setup.z_of(i));
    let ups: Vec<Vec<Option<(TuplePrediction, f64, f64)>>> = (0..k)
        .map(|j| {
            setup.all_at(|i| {
                let mut z = setup.z_of(i);
                z[j] += 1.0;
                z
            })
        })
        .collect();
    let preds: Vec<Option<AtCovariates>> = base
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let (pred, spend, value) = b?;
            Some(AtCovariates {
                p_alive: pred.p_alive,
                expected: pred.expected,
                spend,
                value,
                gains: ups
                    .iter()
                    .map(|u| u[i].as_ref().map_or(f64::NAN, |p| p.2 - value))
                    .collect(),
            })
        })
        .collect();
    // Without a spend model there is no spend or CLV (empty, as without covariates); with
    // covariates on spend, a customer's expected spend must be a positive amount.
    let spend_model = setup.spend.is_some();
    if let Some(bad) = preds.iter().position(|p| {
        p.as_ref().is_some_and(|p| {
            !(p.p_alive.is_finite()
                && (-1e-12..=1.0 + 1e-12).contains(&p.p_alive)
                && p.expected.is_finite()
                && p.expected >= -1e-9
                && (!spend_model || (p.spend.is_finite() && p.spend > 0.0)))
        })
    }) {
        return Err(Error::Degenerate(format!(
            "{} with covariates: the predictions are not defined at customer '{}''s covariates; fit without covariates, or check that covariate's extreme values",
            r.model_label,
            customers.column(id)?.get(bad)?.str_value()
        )));
    }
    // Empty where not computed (no spend model: no spend, CLV or gain).
    let opt = |f: &dyn Fn(&AtCovariates) -> f64| -> Vec<Option<f64>> {
        preds
            .iter()
            .map(|p| p.as_ref().map(f).filter(|v| v.is_finite()))
            .collect()
    };
    let names: Vec<String> = setup.names.iter().map(|c| gain_column(c)).collect();
    let mut tmp = vec![
        Column::new("__p".into(), opt(&|p| p.p_alive)),
        Column::new("__e".into(), opt(&|p| p.expected)),
        Column::new("__s".into(), opt(&|p| p.spend)),
        Column::new("__v".into(), opt(&|p| p.value)),
    ];
    for (j, name) in names.iter().enumerate() {
        tmp.push(Column::new(name.into(), opt(&|p| p.gains[j])));
    }
    let before: Vec<f64> = f64_values(customers, "clv")?
        .into_iter()
        .filter(|v| v.is_finite())
        .collect();
    let total_before = (!before.is_empty()).then(|| before.iter().sum::<f64>());
    let have = col("__p").is_not_null();
    // A customer predicted at covariates keeps an empty CLV where there is no spend model.
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
            replace("__s", "expected_spend"),
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
        if g.is_empty() {
            // No spend model: no CLV to gain.
            continue;
        }
        let total: f64 = g.iter().sum();
        gains.push(CustomerGain {
            covariate: setup.names[j].clone(),
            column: name.clone(),
            mean: total / g.len().max(1) as f64,
            total,
        });
    }
    let model = model_name(r);
    r.per_customer = Some(CustomerPredictions {
        model,
        customers: used,
        without_covariates: histories - used,
        total_without_covariates: total_before,
        gains,
    });
    Ok(())
}

/// `BG/NBD with covariates (a, b)`, `Gamma-Gamma with covariates (c)`, or both joined by
/// "; ".
fn model_name(r: &ClvResult) -> String {
    let list = |m: &CovariateModel| {
        m.covariates
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if let Some(m) = &r.covariates {
        parts.push(format!("{} with covariates ({})", r.model_label, list(m)));
    }
    if let Some(m) = &r.spend_covariates {
        parts.push(format!("Gamma-Gamma with covariates ({})", list(m)));
    }
    parts.join("; ")
}

/// Each customer's change in CLV (over the result's horizon, at its discount and margin)
/// when covariate `name` moves from its value to `to[i]`, their history kept: CLVᵢ(zᵢ with
/// `name` = toᵢ) − CLVᵢ(zᵢ); 0 where toᵢ is their value, None where the customer has no
/// history, covariate or CLV (no spend model), and None for all when neither covariate model has `name`.
/// `customers` is the study's customer table (`frequency`, `recency`, `age`, `mean_spend`,
/// the covariates, `expected_spend`; `profit` and `revenue` for margins per customer).
pub fn clv_change(
    r: &ClvResult,
    customers: &DataFrame,
    name: &str,
    to: &[f64],
) -> Result<Option<Vec<Option<f64>>>> {
    let Some(setup) = Setup::new(r, customers, ["frequency", "recency", "age"], "mean_spend")?
    else {
        return Ok(None);
    };
    let Some(j) = setup.names.iter().position(|c| c == name) else {
        return Ok(None);
    };
    let now = setup.all_at(|i| setup.z_of(i));
    let moved = setup.all_at(|i| {
        let mut z = setup.z_of(i);
        z[j] = to[i];
        z
    });
    let z = &setup.z[j];
    Ok(Some(
        (0..customers.height())
            .map(|i| {
                if to[i] == z[i] {
                    return z[i].is_finite().then_some(0.0);
                }
                Some(moved[i].as_ref()?.2 - now[i].as_ref()?.2).filter(|v| v.is_finite())
            })
            .collect(),
    ))
}
