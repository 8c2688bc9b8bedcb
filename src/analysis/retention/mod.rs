//! Contractual retention: the shifted-beta-geometric model (Fader & Hardie 2007, JIM 21(1))
//! per cohort or segment — its fit, the projected survival and retention rates, the
//! discounted expected lifetime of a new customer (DEL) and the residual lifetime of the
//! active ones (DERL; Fader & Hardie 2010), CLV = margin × DEL or DERL — and, from a
//! subscription table, the individual-level sBG with covariates (see [`covariates`]).

use serde::{Deserialize, Serialize};

use crate::data::subscriptions::{Cohort, SubscriptionCounts};
use crate::data::transactions::TimeUnit;
use crate::error::{Error, Result};
use crate::stats::btyd::{fit_from, MleFit};
use crate::stats::sbg::{self, Lifetimes, Sbg};

pub mod covariates;
pub mod study;

pub use crate::analysis::covariates::{CovariateEffect, CovariateModel};

/// Options of a retention run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RetentionOptions {
    /// Length of a period.
    pub unit: TimeUnit,
    /// Yearly discount rate (converted to the period: (1 + d)^(days/365.25) − 1).
    pub discount: f64,
    /// Margin per customer per period (CLV in periods' payments at 1).
    pub margin: f64,
    /// Periods projected (from acquisition); 0 = the observed periods plus five.
    pub horizon: usize,
    /// Fit on periods 1..=k only; the later observed periods check the projection.
    pub fit_periods: Option<usize>,
    /// Seed of the parameter draws behind the covariate effects' intervals.
    pub seed: u64,
}

impl Default for RetentionOptions {
    fn default() -> Self {
        RetentionOptions {
            unit: TimeUnit::Year,
            discount: 0.1,
            margin: 1.0,
            horizon: 0,
            fit_periods: None,
            seed: 1,
        }
    }
}

/// One period of a group's survival, observed and projected.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeriodRow {
    pub period: usize,
    /// Share still active after this many periods: the cohort's survivors over its size,
    /// or the life-table (Kaplan–Meier) estimate for customers who started at different
    /// dates; None beyond the data.
    pub observed_survival: Option<f64>,
    /// The sBG's S(t).
    pub projected_survival: f64,
    /// Expected active customers of the group's size: customers × S(t).
    pub projected_active: f64,
    /// Observed share of the previous period's customers who renewed (None at period 0).
    pub observed_retention: Option<f64>,
    /// The sBG's r(t) = (β+t−1)/(α+β+t−1) (None at period 0).
    pub projected_retention: Option<f64>,
    /// Whether the period was used in the fit.
    pub in_fit: bool,
}

/// The projection against the periods held out of the fit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HoldoutCheck {
    pub periods: Vec<usize>,
    /// Mean and largest |projected − observed| / observed survival, in percent.
    pub mean_abs_pct_error: f64,
    pub max_abs_pct_error: f64,
}

/// One cohort's or segment's sBG.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupFit {
    pub name: String,
    pub customers: f64,
    pub lost: f64,
    pub active: f64,
    pub periods_observed: usize,
    pub fit_periods: usize,
    /// α and β of the Beta distribution of churn probabilities.
    pub fit: MleFit,
    /// α/(α+β): the churn probability of a newly acquired customer.
    pub mean_churn: f64,
    pub table: Vec<PeriodRow>,
    pub holdout: Option<HoldoutCheck>,
    /// DEL: a new customer's discounted expected lifetime, in periods (first payment now).
    pub del: f64,
    /// margin × DEL.
    pub clv_new: f64,
    /// Mean DERL of the customers active at the end of the data (payments from their next
    /// renewal on), and margin × the sum over them: the active base's residual value.
    pub mean_derl_active: Option<f64>,
    pub residual_value: Option<f64>,
}

/// The retention study.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RetentionResult {
    /// `cohorts` or `subscriptions`.
    pub source: String,
    pub options: RetentionOptions,
    pub days_per_period: f64,
    pub discount_per_period: f64,
    /// Observation date of a subscription table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<SubscriptionCounts>,
    pub groups: Vec<GroupFit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covariates: Option<CovariateModel>,
    /// The covariate model per segment, each with its own α₀, β₀ and effects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covariates_by_segment: Vec<crate::analysis::covariates::SegmentCovariates>,
    pub warnings: Vec<String>,
}

impl RetentionResult {
    /// An empty result for `source` under `opts`.
    pub fn new(source: &str, opts: &RetentionOptions) -> Self {
        let days = opts.unit.days();
        RetentionResult {
            source: source.into(),
            options: opts.clone(),
            days_per_period: days,
            discount_per_period: per_period(opts.discount, days),
            as_of: None,
            counts: None,
            groups: Vec::new(),
            covariates: None,
            covariates_by_segment: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// The yearly rate `d` over a period of `days`: (1 + d)^(days/365.25) − 1.
pub fn per_period(d: f64, days: f64) -> f64 {
    (1.0 + d).powf(days / 365.25) - 1.0
}

/// Check the options.
pub fn check(opts: &RetentionOptions) -> Result<()> {
    if !(opts.discount > 0.0 && opts.discount < 10.0) {
        return Err(Error::Usage(format!(
            "--discount {}: a yearly discount rate is a positive fraction, e.g. 0.1 for 10% a year (without discounting, a lifetime whose churn probabilities reach zero has no finite expectation)",
            opts.discount
        )));
    }
    let d = per_period(opts.discount, opts.unit.days());
    if d < 1e-4 {
        return Err(Error::Usage(format!(
            "--discount {} a year is {} per {:?}: DEL and DERL sum a discounted series over periods that short too slowly to be exact; use --time-unit month or year (renewal periods are rarely shorter), or a larger rate",
            opts.discount,
            crate::format::num(d, 2),
            opts.unit
        )
        .replace("Day", "day")
        .replace("Week", "week")));
    }
    if !opts.margin.is_finite() {
        return Err(Error::Usage("--margin must be a number".into()));
    }
    if opts.fit_periods == Some(0) || opts.fit_periods == Some(1) {
        return Err(Error::Usage(
            "--fit-periods: fit on at least two periods (the sBG's two parameters need two renewal rates)".into(),
        ));
    }
    Ok(())
}

/// Fit every cohort of a cohort table.
pub fn from_cohorts(cohorts: &[Cohort], opts: &RetentionOptions) -> Result<RetentionResult> {
    check(opts)?;
    let mut out = RetentionResult::new("cohorts", opts);
    for c in cohorts {
        let life = Lifetimes::from_cohort(&c.alive)
            .ok_or_else(|| Error::InvalidData(format!("cohort '{}': its counts rise", c.name)))?;
        out.groups.push(group(&c.name, &life, &out)?);
    }
    Ok(out)
}

/// Customers still active after `k` periods at most: later events are censored at `k`.
pub fn censor(life: &Lifetimes, k: usize) -> Lifetimes {
    let k = k as f64;
    let mut out = Lifetimes::default();
    for i in 0..life.t.len() {
        if life.t[i] > k || (!life.lost[i] && life.t[i] >= k) {
            out.push(k, false, life.count[i]);
        } else {
            out.push(life.t[i], life.lost[i], life.count[i]);
        }
    }
    out
}

/// The life table: for t = 1..=n, customers at risk of leaving in period t (still there
/// after t − 1 periods and observed into period t) and those who left in it; survival is the
/// product of 1 − left/at risk (Kaplan & Meier 1958, at whole periods).
pub fn life_table(life: &Lifetimes) -> (usize, Vec<f64>, Vec<f64>) {
    let n = life.t.iter().fold(0.0f64, |m, t| m.max(*t)) as usize;
    let mut survival = vec![1.0; n + 1];
    let mut retention = vec![f64::NAN; n + 1];
    for t in 1..=n {
        let tf = t as f64;
        let (mut risk, mut left) = (0.0, 0.0);
        for i in 0..life.t.len() {
            let (ti, w) = (life.t[i], life.count[i]);
            if ti >= tf {
                risk += w;
            }
            if life.lost[i] && ti == tf {
                left += w;
            }
        }
        retention[t] = if risk > 0.0 {
            1.0 - left / risk
        } else {
            f64::NAN
        };
        survival[t] = survival[t - 1] * retention[t];
    }
    (n, survival, retention)
}

/// Fit one group and project it.
pub fn group(name: &str, life: &Lifetimes, res: &RetentionResult) -> Result<GroupFit> {
    let opts = &res.options;
    let (observed, survival, retention) = life_table(life);
    let k = opts.fit_periods.unwrap_or(observed).min(observed);
    let fitted = censor(life, k);
    if fitted.lost.iter().all(|l| !l) {
        return Err(Error::Degenerate(format!(
            "{name}: no customer left within the {k} period{} fitted, so there is no churn to model (the sBG's churn probabilities would all be zero)",
            if k == 1 { "" } else { "s" }
        )));
    }
    let fit = fit_from(
        &Sbg(&fitted),
        &[vec![1.0, 1.0], vec![0.5, 2.0], vec![2.0, 10.0]],
        1000,
    )?;
    let (a, b) = (fit.params[0], fit.params[1]);
    let horizon = if opts.horizon > 0 {
        opts.horizon
    } else {
        observed + 5
    };
    let s = sbg::survival(a, b, horizon);
    let customers = life.customers();
    let table: Vec<PeriodRow> = (0..=horizon)
        .map(|t| PeriodRow {
            period: t,
            observed_survival: (t <= observed).then(|| survival[t]),
            projected_survival: s[t],
            projected_active: customers * s[t],
            observed_retention: (t >= 1 && t <= observed && retention[t].is_finite())
                .then(|| retention[t]),
            projected_retention: (t >= 1).then(|| sbg::retention_rate(a, b, t as f64)),
            in_fit: t <= k,
        })
        .collect();
    let holdout = (k < observed).then(|| {
        let errs: Vec<f64> = ((k + 1)..=observed)
            .map(|t| 100.0 * (s[t] - survival[t]).abs() / survival[t])
            .collect();
        HoldoutCheck {
            periods: ((k + 1)..=observed).collect(),
            mean_abs_pct_error: errs.iter().sum::<f64>() / errs.len() as f64,
            max_abs_pct_error: errs.iter().fold(0.0, |m, e| m.max(*e)),
        }
    });
    let d = res.discount_per_period;
    let del = sbg::del(a, b, d);
    // The customers active at the end of the data, by periods completed.
    let (mut active, mut derl_sum) = (0.0, 0.0);
    for i in 0..life.t.len() {
        if !life.lost[i] {
            active += life.count[i];
            derl_sum += life.count[i] * sbg::derl(a, b, d, life.t[i] + 1.0);
        }
    }
    Ok(GroupFit {
        name: name.to_string(),
        customers,
        lost: customers - active,
        active,
        periods_observed: observed,
        fit_periods: k,
        mean_churn: a / (a + b),
        fit,
        table,
        holdout,
        del,
        clv_new: opts.margin * del,
        mean_derl_active: (active > 0.0).then(|| derl_sum / active),
        residual_value: (active > 0.0).then_some(opts.margin * derl_sum),
    })
}

/// Fit customers' lifetimes from a subscription table (one row per customer with `t` and
/// `lost`, see [`crate::data::subscriptions::lifetimes`]): all customers, then each
/// segment of `segment`, and the covariate model when `covariates` are named.
pub fn from_subscriptions(
    customers: &polars::prelude::DataFrame,
    file: &str,
    segment: Option<&str>,
    covariates: &[String],
    opts: &RetentionOptions,
) -> Result<RetentionResult> {
    use polars::prelude::*;
    check(opts)?;
    let mut out = RetentionResult::new("subscriptions", opts);
    let records = |df: DataFrame| -> Result<Lifetimes> {
        let g = df
            .lazy()
            .group_by_stable([col("t"), col("lost")])
            .agg([len().cast(DataType::Float64).alias("n")])
            .sort(["lost", "t"], Default::default())
            .collect()?;
        let lost = g
            .column("lost")?
            .bool()?
            .iter()
            .map(|v| v.unwrap_or(false))
            .collect();
        Ok(Lifetimes {
            t: crate::data::load::f64_values(&g, "t")?,
            lost,
            count: crate::data::load::f64_values(&g, "n")?,
        })
    };
    let all = records(customers.clone())?;
    out.groups.push(group("all", &all, &out)?);
    if let Some(s) = segment {
        crate::data::load::require_column(customers, file, s)?;
        let names = customers
            .clone()
            .lazy()
            .select([col(s)
                .cast(DataType::String)
                .unique_stable()
                .sort(Default::default())])
            .collect()?;
        for name in names.column(s)?.str()?.iter().flatten() {
            let part = customers
                .clone()
                .lazy()
                .filter(col(s).cast(DataType::String).eq(lit(name)))
                .collect()?;
            match group(name, &records(part)?, &out) {
                Ok(g) => out.groups.push(g),
                Err(e) => out
                    .warnings
                    .push(format!("segment '{name}' not fitted: {e}")),
            }
        }
    }
    if !covariates.is_empty() {
        let m = covariates::fit(customers, file, covariates, &out)?;
        if m.excluded > 0 {
            out.warnings.push(format!(
                "{} customer{} without a value of {}: left out of the covariate model (the model without covariates was refitted on the same {} customers for the likelihood-ratio test; the fits per group use everyone)",
                m.excluded,
                if m.excluded == 1 { "" } else { "s" },
                covariates.join(", "),
                m.customers
            ));
        }
        if let Some(why) = &m.fit.explanation {
            out.warnings.push(format!("covariate model: {why}"));
        }
        out.covariates = Some(m);
        // Each segment's own covariate model.
        let names: Vec<String> = out.groups[1..].iter().map(|g| g.name.clone()).collect();
        for name in names {
            let s = segment.unwrap_or_default();
            let part = customers
                .clone()
                .lazy()
                .filter(col(s).cast(DataType::String).eq(lit(name.as_str())))
                .collect()?;
            match covariates::fit(&part, file, covariates, &out) {
                Ok(model) => {
                    if let Some(why) = &model.fit.explanation {
                        out.warnings
                            .push(format!("covariate model in segment '{name}': {why}"));
                    }
                    out.covariates_by_segment.push(
                        crate::analysis::covariates::SegmentCovariates {
                            segment: name,
                            model,
                        },
                    );
                }
                Err(e) => out.warnings.push(format!(
                    "covariate model in segment '{name}' not fitted: {e}"
                )),
            }
        }
    }
    for g in &out.groups {
        if let Some(why) = &g.fit.explanation {
            out.warnings.push(format!("{}: {why}", g.name));
        }
    }
    Ok(out)
}
