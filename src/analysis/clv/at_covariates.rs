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

use super::predict::{predict_one, Frame};
use super::ClvResult;
use crate::data::load::f64_values;
use crate::error::{Error, Result};

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

/// Replace `customers`' `p_alive`, `expected_transactions` and `clv` by the covariate
/// model's (`r.covariates`) where a customer has a history (columns `keys`: x, t_x, T) and
/// every covariate, and add each covariate's [`gain_column`]. `margin` is the margin per
/// customer (the options' margin, or each customer's own); `id` names customers in errors.
/// Without a covariate model, nothing changes.
pub fn apply(
    r: &mut ClvResult,
    customers: &mut DataFrame,
    keys: [&str; 3],
    id: &str,
    margin: Expr,
) -> Result<()> {
    let Some(m) = r.covariates.as_ref() else {
        return Ok(());
    };
    let model = r.options.model;
    let frame = Frame {
        horizon: r.options.horizon,
        discount: r.options.discount,
        per_year: 365.25 / r.days_per_period,
        holdout: 0.0,
    };
    let [x, t_x, t] = keys.map(|k| f64_values(customers, k));
    let (x, t_x, t) = (x?, t_x?, t?);
    let z: Vec<Vec<f64>> = m
        .covariates
        .iter()
        .map(|c| f64_values(customers, &c.name))
        .collect::<Result<_>>()?;
    let k = z.len();
    let preds: Vec<Option<AtCovariates>> = (0..customers.height())
        .into_par_iter()
        .map(|i| {
            let h = (x[i], t_x[i], t[i]);
            if !(h.0.is_finite() && h.1.is_finite() && h.2.is_finite()) {
                return None;
            }
            let zi: Vec<f64> = z.iter().map(|c| c[i]).collect();
            let at = |up: Option<usize>| {
                m.params_at(&zi, up)
                    .map(|q| predict_one(model, &q, h, &frame))
            };
            let base = at(None)?;
            let gains = (0..k)
                .map(|j| at(Some(j)).map_or(f64::NAN, |p| p.discounted - base.discounted))
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
    let opt = |f: &dyn Fn(&AtCovariates) -> f64| -> Vec<Option<f64>> {
        preds.iter().map(|p| p.as_ref().map(f)).collect()
    };
    let mut tmp = vec![
        Column::new("__p".into(), opt(&|p| p.p_alive)),
        Column::new("__e".into(), opt(&|p| p.expected)),
        Column::new("__d".into(), opt(&|p| p.discounted)),
    ];
    for j in 0..k {
        tmp.push(Column::new(format!("__g{j}").into(), opt(&|p| p.gains[j])));
    }
    let total_before: f64 = f64_values(customers, "clv")?
        .iter()
        .filter(|v| v.is_finite())
        .sum();
    let value = |e: Expr| e * col("expected_spend") * margin.clone();
    let have = col("__d").is_not_null();
    let mut exprs = vec![
        when(have.clone())
            .then(col("__p"))
            .otherwise(col("p_alive"))
            .alias("p_alive"),
        when(have.clone())
            .then(col("__e"))
            .otherwise(col("expected_transactions"))
            .alias("expected_transactions"),
        when(have.clone())
            .then(value(col("__d")))
            .otherwise(col("clv"))
            .alias("clv"),
    ];
    let names: Vec<String> = m.covariates.iter().map(|c| gain_column(&c.name)).collect();
    for (j, name) in names.iter().enumerate() {
        exprs.push(value(col(format!("__g{j}"))).alias(name.as_str()));
    }
    let keep: Vec<String> = customers
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .chain(names.iter().cloned())
        .collect();
    *customers = customers
        .hstack(&tmp)?
        .lazy()
        .with_columns(exprs)
        .select(keep.iter().map(|c| col(c.as_str())).collect::<Vec<_>>())
        .collect()?;
    let used = preds.iter().filter(|p| p.is_some()).count();
    let histories = (0..x.len()).filter(|&i| x[i].is_finite()).count();
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
