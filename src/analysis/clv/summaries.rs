//! CLV from additive summaries of a log.
//!
//! The purchase models' likelihoods depend on a customer only through (x, t_x, T) and the
//! Gamma-Gamma's through (x, mean repeat spend) (Fader, Hardie & Lee 2005, "Counting your
//! customers the easy way", and "RFM and CLV"): the distinct tuples with how many customers
//! share each are all a fit needs. Tuple counts add over any split of the customers, so a
//! log summarised anywhere — in memory, on polars' streaming engine, on Spark's executors —
//! is fitted here by the same code as [`super::run`], and each customer is then predicted
//! from the fitted parameters wherever its row is ([`predict`]).

use serde::{Deserialize, Serialize};

use super::predict::{self, Frame};
use super::{fit_warning, p_alive_note, spend_model, ClvOptions, ComparedFit};
use crate::data::transactions::TimeUnit;
use crate::error::{Error, Result};
use crate::stats::btyd::{self, MleFit, RfmTuples, SpendTuples};
use crate::stats::correlation;

/// What the models need of a log: (x, t_x, T, customers) and (x, mean spend, customers).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summaries {
    pub time_unit: TimeUnit,
    #[serde(default)]
    pub discrete: bool,
    /// Distinct (x, t_x, T, count), in periods of the time unit.
    pub tuples: Vec<[f64; 4]>,
    /// Distinct (x, mean repeat spend, count) of the customers with x ≥ 1 and positive
    /// repeat spend.
    pub spend: Vec<[f64; 3]>,
    /// Repeat customers without positive repeat spend (left out of the Gamma-Gamma fit).
    #[serde(default)]
    pub no_spend: usize,
}

impl Summaries {
    /// The tuples in the form the likelihoods take, sorted (so the fit does not depend on
    /// the order the summaries arrived in).
    pub fn rfm_tuples(&self) -> RfmTuples {
        let mut t = self.tuples.clone();
        t.sort_by(|a, b| {
            a[0].total_cmp(&b[0])
                .then(a[1].total_cmp(&b[1]))
                .then(a[2].total_cmp(&b[2]))
        });
        RfmTuples {
            x: t.iter().map(|r| r[0]).collect(),
            t_x: t.iter().map(|r| r[1]).collect(),
            t: t.iter().map(|r| r[2]).collect(),
            count: t.iter().map(|r| r[3]).collect(),
        }
    }

    pub fn spend_tuples(&self) -> SpendTuples {
        let mut s = self.spend.clone();
        s.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
        SpendTuples {
            x: s.iter().map(|r| r[0]).collect(),
            mean: s.iter().map(|r| r[1]).collect(),
            count: s.iter().map(|r| r[2]).collect(),
        }
    }

    /// Customers summarised.
    pub fn customers(&self) -> f64 {
        self.tuples.iter().map(|r| r[3]).sum()
    }
}

/// The fitted models and everything a prediction needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fitted {
    pub time_unit: TimeUnit,
    pub days_per_period: f64,
    pub discrete: bool,
    pub options: ClvOptions,
    pub model_label: String,
    pub customers: f64,
    pub purchase: MleFit,
    pub compared: Vec<ComparedFit>,
    /// None when no spend model could be fitted (the reason is in `warnings`).
    pub gamma_gamma: Option<MleFit>,
    pub spend_frequency_correlation: Option<f64>,
    pub warnings: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_alive_note: Option<String>,
}

/// Check the options of a CLV run (the same checks on every path).
pub fn check_options(opts: &ClvOptions, unit: TimeUnit) -> Result<()> {
    if !(opts.horizon > 0.0 && opts.horizon.is_finite()) {
        return Err(Error::Usage(format!(
            "--horizon {} must be positive",
            opts.horizon
        )));
    }
    if opts.horizon * unit.days() > 100.0 * 365.25 {
        return Err(Error::Usage(format!(
            "--horizon {} {}s reaches beyond 100 years; CLV is computed period by period, so give a horizon in the time unit (e.g. 52 weeks, 60 months)",
            opts.horizon,
            format!("{unit:?}").to_lowercase()
        )));
    }
    if !(opts.discount >= 0.0 && opts.discount.is_finite()) {
        return Err(Error::Usage(format!(
            "--discount {} must be a yearly rate ≥ 0 (e.g. 0.1)",
            opts.discount
        )));
    }
    if !(opts.margin > 0.0 && opts.margin <= 1.0) {
        return Err(Error::Usage(format!(
            "--margin {} must be a share of spend in (0, 1] (0.3 = 30% of spend is profit; 1 = CLV in revenue)",
            opts.margin
        )));
    }
    Ok(())
}

/// Fit the purchase model (and the compared ones) and the Gamma-Gamma from summaries.
pub fn fit(s: &Summaries, opts: &ClvOptions) -> Result<Fitted> {
    check_options(opts, s.time_unit)?;
    if s.tuples.iter().any(|r| r.iter().any(|v| !v.is_finite()))
        || s.spend.iter().any(|r| r.iter().any(|v| !v.is_finite()))
    {
        return Err(Error::InvalidData(
            "the CLV summaries hold a missing or infinite value: every x, t_x, T, mean spend and count must be a number".into(),
        ));
    }
    let tuples = s.rfm_tuples();
    let customers = s.customers();
    if tuples.x.iter().all(|x| *x == 0.0) {
        return Err(Error::Degenerate(
            "no customer made a repeat purchase in the calibration period, so purchase rates and drop-out cannot be told apart (the model is not identified); use a later --calibration-end".into(),
        ));
    }
    // Fewer distinct purchase histories than parameters cannot identify the model.
    let k = 4;
    if tuples.x.len() < k {
        return Err(Error::Degenerate(format!(
            "{} customers with {} distinct purchase histories (x, t_x, T) cannot identify the {} parameters of {}; a purchase model needs many customers (hundreds at least)",
            customers,
            tuples.x.len(),
            k,
            opts.model.label()
        )));
    }
    let mut warnings = Vec::new();
    let model = opts.model;
    let purchase = model.fit(&tuples, None)?;
    warnings.extend(fit_warning(model.label(), &purchase));
    let mut compared = Vec::new();
    for &m in opts.compare.iter().filter(|m| **m != model) {
        let fit = m.fit(&tuples, Some(&purchase))?;
        warnings.extend(fit_warning(m.label(), &fit));
        compared.push(ComparedFit {
            model: m,
            label: m.label().into(),
            fit,
        });
    }
    let spend = s.spend_tuples();
    let gg = spend_model(&spend, &mut warnings);
    if let Some(g) = &gg {
        warnings.extend(fit_warning("Gamma-Gamma", g));
    }
    if s.no_spend > 0 {
        warnings.push(format!(
            "{} repeat customers without positive repeat spend (every repeat purchase free, or refunded) are left out of the Gamma-Gamma fit; their expected spend is the population's mean spend",
            s.no_spend
        ));
    }
    let corr = (spend.x.len() >= 3).then(|| {
        // Customer-level correlation (tuples expanded by their counts).
        let (mut xs, mut ms) = (Vec::new(), Vec::new());
        for i in 0..spend.x.len() {
            for _ in 0..spend.count[i] as usize {
                xs.push(spend.x[i]);
                ms.push(spend.mean[i]);
            }
        }
        correlation::pearson(&xs, &ms)
    });
    if let Some(r) = corr {
        if r.abs() > 0.3 {
            warnings.push(format!("frequency and mean spend correlate (r = {r:.2}): the Gamma-Gamma model assumes they are independent"));
        }
    }
    Ok(Fitted {
        time_unit: s.time_unit,
        days_per_period: s.time_unit.days(),
        discrete: s.discrete,
        options: opts.clone(),
        model_label: model.label().into(),
        customers,
        purchase,
        compared,
        gamma_gamma: gg,
        spend_frequency_correlation: corr,
        warnings,
        p_alive_note: p_alive_note(model, &tuples),
    })
}

/// One customer's predictions: P(alive), expected transactions over the horizon, expected
/// spend per transaction (NaN without a spend model) and CLV.
pub type Values = (f64, f64, f64, f64);

impl Fitted {
    /// The time frame of the predictions (`holdout` periods of cumulative expectations).
    pub(super) fn frame(&self, holdout: f64) -> Frame {
        Frame {
            horizon: self.options.horizon,
            discount: self.options.discount,
            per_year: 365.25 / self.days_per_period,
            holdout,
        }
    }

    /// A customer's values from its tuple's purchase predictions and its mean spend.
    pub(super) fn values(&self, pt: &predict::TuplePrediction, x: f64, mean: f64) -> Values {
        let spend = match &self.gamma_gamma {
            Some(g) if x > 0.0 && mean > 0.0 => btyd::gamma_gamma_expected(&g.params, x, mean),
            // A customer without repeat spend: the population mean p·γ/(q − 1).
            Some(g) => g.params[0] * g.params[2] / (g.params[1] - 1.0),
            None => f64::NAN,
        };
        (
            pt.p_alive,
            pt.expected,
            spend,
            pt.discounted * spend * self.options.margin,
        )
    }
}

/// Predict customers (x, t_x, T and mean repeat spend, NaN when none) from fitted models:
/// the same values [`super::run`] gives them.
pub fn predict(f: &Fitted, x: &[f64], t_x: &[f64], t: &[f64], mean: &[f64]) -> Result<Vec<Values>> {
    let n = x.len();
    if t_x.len() != n || t.len() != n || mean.len() != n {
        return Err(Error::Usage(format!(
            "predict: x, t_x, T and mean spend must have one value per customer (got {n}, {}, {} and {})",
            t_x.len(),
            t.len(),
            mean.len()
        )));
    }
    if let Some(i) = (0..n).find(|&i| {
        !(x[i].is_finite() && t_x[i].is_finite() && t[i].is_finite())
            || x[i] < 0.0
            || t_x[i] < 0.0
            || t_x[i] > t[i]
    }) {
        return Err(Error::InvalidData(format!(
            "predict: customer {} has x = {}, t_x = {}, T = {}: a summary needs x ≥ 0 and 0 ≤ t_x ≤ T",
            i + 1,
            x[i],
            t_x[i],
            t[i]
        )));
    }
    let tuples = RfmTuples {
        x: x.to_vec(),
        t_x: t_x.to_vec(),
        t: t.to_vec(),
        count: vec![1.0; n],
    };
    let per = predict::predict(f.options.model, &f.purchase.params, &tuples, &f.frame(0.0));
    Ok((0..n).map(|i| f.values(&per[i], x[i], mean[i])).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Summaries cross a JSON boundary (Spark's driver, Python): every number must come
    /// back as the double that was written, or a fit on a flat likelihood moves in its
    /// ninth digit between paths that should agree to 1e-9.
    #[test]
    fn summaries_cross_json_to_the_last_bit() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(26);
        let tuples: Vec<[f64; 4]> = (0..200_000)
            .map(|_| {
                let days: u32 = rng.random_range(0..400);
                [
                    rng.random_range(0..40) as f64,
                    f64::from(days) * (1.0 / 7.0),
                    rng.random::<f64>() * 78.0,
                    1.0,
                ]
            })
            .collect();
        let s = Summaries {
            time_unit: TimeUnit::Week,
            discrete: false,
            tuples: tuples.clone(),
            spend: Vec::new(),
            no_spend: 0,
        };
        let back: Summaries = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        let differ = back
            .tuples
            .iter()
            .zip(&tuples)
            .filter(|(a, b)| {
                a.iter()
                    .zip(b.iter())
                    .any(|(x, y)| x.to_bits() != y.to_bits())
            })
            .count();
        assert_eq!(differ, 0);
    }
}
