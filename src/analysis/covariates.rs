//! Customer covariates for the lifetime models (buy-till-you-die and sBG): checked,
//! centred, and records compressed to distinct (history, covariates) tuples with their
//! counts; the likelihood-ratio test against the model without them.
//!
//! Covariates are centred at their customer mean, so the base parameters describe a
//! customer with average covariates and every effect is per unit of the covariate as the
//! table holds it (a satisfaction point, a thousand of income, 0/1 for a flag). Customers
//! missing a covariate are excluded from the covariate model (counted in `excluded`), and
//! the model without covariates is refitted on the same customers, so the two likelihoods
//! compare.

use ndarray::Array2;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::data::load;
use crate::error::{Error, Result};
use crate::stats::btyd::covariates::{scaled_params, Effect};
use crate::stats::btyd::MleFit;

/// A covariate as it entered the model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CovariateInfo {
    pub name: String,
    /// The customer mean it was centred at.
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub max: f64,
}

/// One covariate's effect on a derived quantity, per unit of the covariate from its mean.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CovariateEffect {
    pub covariate: String,
    /// What changes, e.g. `purchase rate (×)` or `DEL (periods)`.
    pub quantity: String,
    /// At the covariate's mean and one unit above it.
    pub at_mean: f64,
    pub one_unit_up: f64,
    /// `ratio` (one_unit_up / at_mean) or `difference`.
    pub kind: String,
    pub estimate: f64,
    /// 95% interval from parameter draws (Krinsky & Robb 1986).
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

/// A lifetime model with covariates and its test against the model without them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CovariateModel {
    pub covariates: Vec<CovariateInfo>,
    /// The base parameters at average covariates, then each γ (named `effect: covariate`),
    /// with standard errors; z and p in `z` and `p`.
    pub fit: MleFit,
    pub z: Vec<Option<f64>>,
    pub p: Vec<Option<f64>>,
    /// The model without covariates on the same customers.
    pub base_log_likelihood: f64,
    pub lr_statistic: f64,
    pub lr_df: usize,
    pub lr_p: f64,
    pub effects: Vec<CovariateEffect>,
    /// Customers left out for a missing covariate.
    pub excluded: usize,
    pub customers: usize,
    /// Which γ acts on which base parameter, in the order of `fit`'s γ (`columns` index
    /// `covariates`): what a prediction at a customer's own covariates needs.
    #[serde(default)]
    pub structure: Vec<Effect>,
}

impl CovariateModel {
    /// The base parameters of a customer whose covariates are `z` (in the order and units
    /// of `covariates`): θₖ = θ₀ₖ·exp(sₖ·Σⱼ γⱼ·(zⱼ − z̄ⱼ)), γ per unit, z̄ the centring means
    /// (see [`crate::stats::btyd::covariates`]). None when a value is missing or not
    /// finite.
    pub fn params_at(&self, z: &[f64]) -> Option<[f64; 4]> {
        if z.len() != self.covariates.len() || z.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let p = &self.fit.params;
        let base = p.len()
            - self
                .structure
                .iter()
                .map(|e| e.columns.len())
                .sum::<usize>();
        Some(scaled_params(p, base, &self.structure, |c| {
            z[c] - self.covariates[c].mean
        }))
    }
}

/// A segment's own covariate model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SegmentCovariates {
    pub segment: String,
    pub model: CovariateModel,
}

/// Records ready for a covariate fit: distinct `keys` + covariates with counts.
pub struct Prepared {
    /// The compressed table: the key columns, the covariates (centred), and `n`.
    pub df: DataFrame,
    /// The covariates centred and divided by their standard deviation: the fit runs on
    /// this scale, where every effect is about as large as every other, so the optimizer's
    /// steps suit them all; [`Prepared::per_unit`] brings the estimates back to the
    /// covariates' own units.
    pub z: Array2<f64>,
    pub info: Vec<CovariateInfo>,
    pub excluded: usize,
    pub customers: usize,
}

/// Check, centre and compress: `df` holds one row per customer with `keys` (the history)
/// and `covariates`.
pub fn prepare(
    df: &DataFrame,
    file: &str,
    keys: &[&str],
    covariates: &[String],
) -> Result<Prepared> {
    for c in covariates {
        load::require_column(df, file, c)?;
        if !df.column(c)?.dtype().is_primitive_numeric()
            && df.column(c)?.dtype() != &DataType::Boolean
        {
            return Err(Error::NonNumeric {
                file: file.into(),
                column: c.clone(),
                location: "the column".into(),
                value: df.column(c)?.dtype().to_string(),
                hint: "A covariate must be a number (a rating, an amount, or 0/1 for a group); code a category as 0/1 columns, one per group but one.".into(),
            });
        }
    }
    // Missing, NaN and infinite values alike leave the customer out (counted).
    let present = covariates.iter().fold(lit(true), |e, c| {
        e.and(
            col(c.as_str())
                .cast(DataType::Float64)
                .is_finite()
                .fill_null(lit(false)),
        )
    });
    let kept = df
        .clone()
        .lazy()
        .filter(present)
        .select(
            keys.iter()
                .map(|k| col(*k))
                .chain(
                    covariates
                        .iter()
                        .map(|c| col(c.as_str()).cast(DataType::Float64)),
                )
                .collect::<Vec<_>>(),
        )
        .collect()?;
    let excluded = df.height() - kept.height();
    if kept.height() == 0 {
        return Err(Error::Empty {
            what: format!("{file}: the customers with every covariate ({})", covariates.join(", ")),
            hint: "Every customer misses at least one covariate; check the columns or the join of the customer table.".into(),
        });
    }
    let stats = kept
        .clone()
        .lazy()
        .select(
            covariates
                .iter()
                .flat_map(|c| {
                    let e = col(c.as_str());
                    [
                        e.clone().mean().alias(format!("{c}__mean")),
                        e.clone().std(0).alias(format!("{c}__sd")),
                        e.clone().min().alias(format!("{c}__min")),
                        e.max().alias(format!("{c}__max")),
                    ]
                })
                .collect::<Vec<_>>(),
        )
        .collect()?;
    let get = |n: String| -> Result<f64> {
        Ok(stats
            .column(&n)?
            .get(0)?
            .extract::<f64>()
            .unwrap_or(f64::NAN))
    };
    let mut info = Vec::new();
    for c in covariates {
        let i = CovariateInfo {
            name: c.clone(),
            mean: get(format!("{c}__mean"))?,
            sd: get(format!("{c}__sd"))?,
            min: get(format!("{c}__min"))?,
            max: get(format!("{c}__max"))?,
        };
        if i.sd.is_nan() || i.sd <= 0.0 {
            return Err(Error::Degenerate(format!(
                "{file}: covariate '{c}' is {} for every customer, so it cannot explain differences between them; leave it out",
                crate::format::value(i.mean, 6)
            )));
        }
        info.push(i);
    }
    let mut group: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
    group.extend(
        info.iter()
            .map(|i| (col(i.name.as_str()) - lit(i.mean)).alias(i.name.as_str())),
    );
    // Covariates first: records that share them follow each other, so a model can reuse
    // what depends on them alone.
    let sort: Vec<PlSmallStr> = covariates
        .iter()
        .map(|c| PlSmallStr::from(c.as_str()))
        .chain(keys.iter().map(|k| PlSmallStr::from(*k)))
        .collect();
    let compressed = kept
        .lazy()
        .group_by_stable(group)
        .agg([len().cast(DataType::Float64).alias("n")])
        .sort(sort, Default::default())
        .collect()?;
    let mut z = Array2::zeros((compressed.height(), covariates.len()));
    for (j, c) in covariates.iter().enumerate() {
        for (i, v) in load::f64_values(&compressed, c)?.into_iter().enumerate() {
            z[[i, j]] = v / info[j].sd;
        }
    }
    Ok(Prepared {
        df: compressed,
        z,
        info,
        excluded,
        customers: df.height() - excluded,
    })
}

impl Prepared {
    /// A fit (and its covariance) on the standardised covariates in the covariates' own
    /// units: each effect γ on covariate j is γ'/sdⱼ, its variance divided by sdⱼ² (the
    /// likelihood, and so the test, does not change). `columns` gives the covariate of each
    /// effect parameter after the `base` ones.
    pub fn per_unit(
        &self,
        fit: &mut MleFit,
        cov: Option<Array2<f64>>,
        base: usize,
        columns: &[usize],
    ) -> Option<Array2<f64>> {
        let scale: Vec<f64> = (0..fit.params.len())
            .map(|k| {
                if k < base {
                    1.0
                } else {
                    1.0 / self.info[columns[k - base]].sd
                }
            })
            .collect();
        for (k, s) in scale.iter().enumerate() {
            fit.params[k] *= s;
            if let Some(se) = fit.std_errors[k].as_mut() {
                *se *= s;
            }
        }
        cov.map(|mut c| {
            for i in 0..scale.len() {
                for j in 0..scale.len() {
                    c[[i, j]] *= scale[i] * scale[j];
                }
            }
            c
        })
    }
}

/// (statistic, df, p) of the likelihood-ratio test of `full` against `base`.
pub fn lr_test(full: &MleFit, base: &MleFit) -> (f64, usize, f64) {
    let df = full.params.len() - base.params.len();
    let stat = (2.0 * (full.log_likelihood - base.log_likelihood)).max(0.0);
    let p = ChiSquared::new(df as f64)
        .map(|c| c.sf(stat))
        .unwrap_or(f64::NAN);
    (stat, df, p)
}

/// Wald z and two-sided p of every parameter (the positive ones against 0 too, which is
/// not a test of interest; the γ's are).
pub fn wald(fit: &MleFit) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
    fit.params
        .iter()
        .zip(&fit.std_errors)
        .map(|(p, se)| match se {
            Some(se) if *se > 0.0 => {
                let z = p / se;
                (
                    Some(z),
                    Some(crate::stats::correlation::normal_two_sided(z)),
                )
            }
            _ => (None, None),
        })
        .unzip()
}
