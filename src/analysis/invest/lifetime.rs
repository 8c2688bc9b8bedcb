//! A second route to what a satisfaction scenario is worth: through the purchase model
//! with satisfaction as a covariate instead of the chain.
//!
//! The chain values a scenario by the annual Δprofit its fitted equations imply
//! (satisfaction → share of wallet → revenue → profit), carried over the horizon. Where the
//! study's `[clv]` fits the purchase model with satisfaction as a covariate (Fader & Hardie
//! 2007, note 019), the same change can be valued by that model: each reached customer's
//! CLV at their new satisfaction minus their CLV today, their purchase history kept
//! ([`crate::analysis::clv::at_covariates::clv_change`]) — how much more often they would
//! buy and how much longer they would stay, at their expected spend and margin, over the
//! CLV's horizon and discount. The two routes answer the same question from different
//! data (the survey's cross-section against the log's purchasing) and are shown side by
//! side, never added: where they agree, the answer does not hang on one model.

use serde::{Deserialize, Serialize};

use super::{InvestOptions, InvestResult};
use crate::analysis::clv::{at_covariates, ClvResult};
use crate::data::build::cols;
use crate::data::load::f64_values;
use crate::data::CustomerTable;
use crate::error::Result;

/// A scenario valued by the purchase model with covariates.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LifetimeRoute {
    /// E.g. `BG/NBD with covariates (satisfaction)`.
    pub model: String,
    /// The CLV's horizon in its time unit, e.g. 52 (weeks), and that unit.
    pub horizon: f64,
    pub unit: crate::data::transactions::TimeUnit,
    /// Per segment in the table's order.
    pub segments: Vec<LifetimeGain>,
    pub total: LifetimeGain,
}

/// ΔCLV of the customers a scenario reaches in one segment (or in total).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LifetimeGain {
    pub segment: String,
    /// Customers reached who have a purchase history and every covariate.
    pub valued: usize,
    /// Customers reached without one (not valued).
    pub not_valued: usize,
    /// Sum of ΔCLV over `valued`.
    pub clv_gain: f64,
    /// Mean ΔCLV per customer valued.
    pub per_customer: f64,
}

/// Fill each satisfaction scenario's [`LifetimeRoute`] when `clv`'s covariate models (on
/// purchasing and dropout, or on spend) have the satisfaction column among their covariates
/// and made the table's CLV (driver scenarios move
/// attributes, which are not covariates: left without).
pub fn add_route(
    result: &mut InvestResult,
    table: &CustomerTable,
    clv: &ClvResult,
    opts: &InvestOptions,
) -> Result<()> {
    let (Some(p), Some(_)) = (&clv.per_customer, &clv.gamma_gamma) else {
        // CLV not from covariate models, or no spend model and so no CLV to change.
        return Ok(());
    };
    let has_satisfaction = [&clv.covariates, &clv.spend_covariates]
        .into_iter()
        .flatten()
        .any(|m| m.covariates.iter().any(|c| c.name == cols::SATISFACTION));
    if !has_satisfaction {
        return Ok(());
    }
    let sat = f64_values(&table.df, cols::SATISFACTION)?;
    let segment = table.df.column(cols::SEGMENT)?.str()?.clone();
    let scale = result.scale;
    for (sc, s) in result.scenarios.iter_mut().zip(&opts.scenarios) {
        if s.driver.is_some() {
            continue;
        }
        let selected = super::scenario::selected(&table.df, s, cols::SEGMENT)?;
        let to: Vec<f64> = (0..sat.len())
            .map(|i| {
                let new = s.new_satisfaction(sat[i], scale, 1.0);
                if selected[i] && new > sat[i] {
                    new
                } else {
                    sat[i]
                }
            })
            .collect();
        let Some(change) = at_covariates::clv_change(clv, &table.df, cols::SATISFACTION, &to)?
        else {
            continue;
        };
        let gain_in = |name: Option<&str>| -> LifetimeGain {
            let (mut valued, mut not_valued, mut sum) = (0, 0, 0.0);
            for i in 0..sat.len() {
                let here = name.is_none_or(|n| segment.get(i) == Some(n));
                if !(here && to[i] > sat[i]) {
                    continue;
                }
                match change[i] {
                    Some(v) => {
                        valued += 1;
                        sum += v;
                    }
                    None => not_valued += 1,
                }
            }
            LifetimeGain {
                segment: name.unwrap_or("total").to_string(),
                valued,
                not_valued,
                clv_gain: sum,
                per_customer: sum / valued.max(1) as f64,
            }
        };
        sc.lifetime = Some(LifetimeRoute {
            model: p.model.clone(),
            horizon: clv.options.horizon,
            unit: clv.time_unit,
            segments: table.segments.iter().map(|n| gain_in(Some(n))).collect(),
            total: gain_in(None),
        });
    }
    Ok(())
}
