//! Retention per customer from the study's purchase model (`clv`): how much of each year's
//! gain a customer is expected to keep, from their own purchase history.
//!
//! With a constant rate r, year t of the horizon counts r^(t−1) for everyone
//! ([`super::economics`]). Where the study has a purchase log and a `[clv]` model, each
//! customer's year-t weight is instead their expected share of that year's purchasing
//! ([`crate::stats::btyd::PurchaseModel::yearly_activity`]: P(alive) now and the model's
//! dropout afterwards, from the customer's frequency, recency and age), so a lapsed
//! customer's gain counts little and a loyal one's nearly in full (Fader, Hardie & Lee
//! 2005, "RFM and CLV", *J. Marketing Research* 42(4): the same expectations make the CLV).
//! Where the study's CLV comes from the purchase model with covariates, each customer's
//! weights are at their own parameters ([`crate::analysis::clv::at_covariates`]).

use serde::{Deserialize, Serialize};

use crate::analysis::clv::ClvResult;
use crate::data::load;
use crate::error::{Error, Result};
use polars::prelude::DataFrame;

/// Where the retention of the horizon comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionSource {
    /// One yearly rate for everyone.
    #[default]
    Rate,
    /// Per customer, from the study's purchase model.
    Clv,
}

/// Each customer's weight for each year of the horizon (undiscounted), row-major by the
/// customer table's rows.
#[derive(Debug, Clone)]
pub struct Activity {
    pub years: usize,
    pub weights: Vec<f64>,
    /// The purchase model, e.g. `BG/NBD`.
    pub model: String,
    /// Customers without a purchase history, given their segment's mean weights.
    pub missing: usize,
}

impl Activity {
    pub fn row(&self, i: usize) -> &[f64] {
        &self.weights[i * self.years..(i + 1) * self.years]
    }
}

/// The weights of every customer of `df` (the built study table, with the `frequency`,
/// `recency` and `age` columns the purchase log adds) over `years` years. A customer
/// without a purchase history (no row in the log) gets the mean weights of the customers of
/// the same `groups` value who have one.
pub fn activity(df: &DataFrame, clv: &ClvResult, years: u32, groups: &[usize]) -> Result<Activity> {
    let model = clv.options.model;
    let per_year = 365.25 / clv.days_per_period;
    let col = |name: &str| -> Result<Vec<f64>> {
        if df.column(name).is_err() {
            return Err(Error::Usage(format!(
                "retention per customer needs the purchase log's '{name}' column in the customer table; add the log (level = \"transaction\") and [clv] to the study"
            )));
        }
        load::f64_values(df, name)
    };
    let (x, t_x, t) = (col("frequency")?, col("recency")?, col("age")?);
    // With the covariate model behind the customer table's predictions, each customer's own
    // parameters (the pooled ones where a covariate is missing, as in the table).
    let at_covariates = match (&clv.covariates, &clv.per_customer) {
        (Some(m), Some(_)) => Some((
            m,
            m.covariates
                .iter()
                .map(|c| col(&c.name))
                .collect::<Result<Vec<_>>>()?,
        )),
        _ => None,
    };
    let h = years as usize;
    let mut weights = vec![f64::NAN; df.height() * h];
    let mut missing = 0;
    for i in 0..df.height() {
        let row = &mut weights[i * h..(i + 1) * h];
        let tuple = [x[i], t_x[i], t[i]];
        let own = at_covariates.as_ref().and_then(|(m, z)| {
            let zi: Vec<f64> = z.iter().map(|c| c[i]).collect();
            m.params_at(&zi)
        });
        let params = own.as_ref().map_or(&clv.purchase.params[..], |q| &q[..]);
        match tuple.iter().all(|v| v.is_finite()) {
            true => {
                let w = model
                    .yearly_activity(params, tuple, years, per_year)
                    .ok_or_else(|| {
                        Error::Usage(format!(
                            "retention = \"clv\" needs a purchase model with a rate per year (bgnbd, mbgnbd or pnbd); the study's [clv] fits {}",
                            clv.model_label
                        ))
                    })?;
                row.copy_from_slice(&w);
            }
            false => missing += 1,
        }
    }
    if missing > 0 {
        fill_missing(&mut weights, h, groups);
    }
    Ok(Activity {
        years: h,
        weights,
        model: clv
            .per_customer
            .as_ref()
            .map_or_else(|| clv.model_label.clone(), |p| p.model.clone()),
        missing,
    })
}

/// Rows still NaN take their group's mean weights; a group without any history, the mean
/// of all customers who have one (the last slot of the sums).
fn fill_missing(weights: &mut [f64], h: usize, groups: &[usize]) {
    let n = groups.iter().copied().max().map_or(0, |g| g + 1);
    let mut sum = vec![0.0; (n + 1) * h];
    let mut count = vec![0usize; n + 1];
    for (i, &g) in groups.iter().enumerate() {
        let row = &weights[i * h..(i + 1) * h];
        if row[0].is_nan() {
            continue;
        }
        for slot in [g, n] {
            count[slot] += 1;
            for (s, w) in sum[slot * h..(slot + 1) * h].iter_mut().zip(row) {
                *s += w;
            }
        }
    }
    for (i, &g) in groups.iter().enumerate() {
        let slot = if count[g] > 0 { g } else { n };
        let row = &mut weights[i * h..(i + 1) * h];
        if row[0].is_nan() {
            for (k, w) in row.iter_mut().enumerate() {
                *w = sum[slot * h + k] / count[slot].max(1) as f64;
            }
        }
    }
}
