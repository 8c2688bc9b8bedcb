//! Customer lifetime value from a transaction log: the RFM summary, a purchase model
//! (BG/NBD, MBG/NBD, Pareto/NBD or BG/BB) and the Gamma-Gamma spend model, the holdout
//! check, and per-customer P(alive), expected transactions, expected spend and CLV.
//!
//! CLV over a horizon of H periods is the discounted sum of the expected transactions in
//! each period times the expected spend and the margin: Σₖ (E[Y(k)] − E[Y(k−1)])·E[M]·m /
//! (1 + d)^(k·u/365.25), with d the yearly discount rate and u the days per period, so the
//! time unit is honoured whatever it is (no 30-day months). The Pareto/NBD uses its exact
//! discounted expectation instead, at the equivalent continuous rate (see `predict`).

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::load::f64_values;
use crate::data::transactions::{self, Rfm, TimeUnit, TxDiagnostics};
use crate::error::{Error, Result};
use crate::stats::btyd::{self, GammaGamma, MleFit, PurchaseModel};

pub mod at_covariates;
pub mod covariates;
mod holdout;
mod predict;
pub mod spend_covariates;
pub mod summaries;

pub use holdout::{Holdout, HoldoutRow, TrackingRow};
pub use summaries::{Fitted, Summaries};

/// Options of a CLV run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClvOptions {
    /// Horizon of the predictions and CLV, in periods of the time unit.
    pub horizon: f64,
    /// Yearly discount rate.
    pub discount: f64,
    /// Margin as a share of spend (CLV is in profit when < 1, in revenue at 1).
    pub margin: f64,
    /// The purchase model behind the per-customer predictions.
    pub model: PurchaseModel,
    /// Further models fitted for comparison (fit and holdout expectations).
    pub compare: Vec<PurchaseModel>,
}

impl Default for ClvOptions {
    fn default() -> Self {
        ClvOptions {
            horizon: 52.0,
            discount: 0.1,
            margin: 1.0,
            model: PurchaseModel::BgNbd,
            compare: Vec::new(),
        }
    }
}

/// A model fitted for comparison.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComparedFit {
    pub model: PurchaseModel,
    pub label: String,
    pub fit: MleFit,
}

/// Totals over all customers or one segment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClvTotals {
    /// `all`, or the segment's name.
    pub segment: String,
    pub customers: usize,
    /// Sum of expected transactions over the horizon.
    pub expected_transactions: f64,
    pub clv: f64,
    pub mean_clv: f64,
    /// Mean P(alive).
    pub mean_p_alive: f64,
    /// This group's share of the total CLV (NaN, null in JSON, when some group's CLV is
    /// negative and shares of the net total would mislead).
    pub share_of_clv: f64,
}

/// The whole CLV study.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClvResult {
    pub time_unit: TimeUnit,
    /// Days per period (week = 7; month = 365.25/12; year = 365.25).
    pub days_per_period: f64,
    /// Discrete opportunities (BG/BB): x, t_x and T (= n) count whole calendar periods.
    pub discrete: bool,
    pub options: ClvOptions,
    pub diagnostics: TxDiagnostics,
    /// The purchase model used for the predictions, e.g. `BG/NBD`.
    pub model_label: String,
    pub purchase: MleFit,
    pub compared: Vec<ComparedFit>,
    /// None when no customer has a repeat purchase with positive spend.
    pub gamma_gamma: Option<MleFit>,
    /// Correlation of frequency and mean spend among repeat customers: Gamma-Gamma assumes
    /// they are independent, so a large value is a warning.
    pub spend_frequency_correlation: Option<f64>,
    /// None without a holdout period.
    pub holdout: Option<Holdout>,
    pub totals: ClvTotals,
    /// P(alive) of a customer observed for the longest calibration age, by frequency and
    /// recency (for the chart).
    pub p_alive_grid: PAliveGrid,
    /// Totals per segment (filled when a study's segment rule applies).
    pub by_segment: Vec<ClvTotals>,
    /// Things worth reading before using the numbers.
    pub warnings: Vec<String>,
    /// What P(alive) means for one-time buyers under the BG/NBD (alive by construction),
    /// shown next to P(alive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_alive_note: Option<String>,
    /// The purchase model with customer covariates (see [`covariates`]), when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covariates: Option<crate::analysis::covariates::CovariateModel>,
    /// The same per segment of a study's rule (each segment's own purchase parameters and
    /// effects; the spend model is all customers').
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covariates_by_segment: Vec<SegmentCovariates>,
    /// The Gamma-Gamma with covariates on the spend scale (see [`spend_covariates`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spend_covariates: Option<crate::analysis::covariates::CovariateModel>,
    /// Set when the per-customer predictions and CLV come from the covariate model
    /// ([`at_covariates`]); None: from the model without covariates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_customer: Option<at_covariates::CustomerPredictions>,
}

/// Fit the models on `rfm` and predict per customer; returns the result and the customer
/// table with `p_alive`, `expected_transactions`, `expected_spend` and `clv` added.
pub fn run(rfm: &Rfm, opts: &ClvOptions) -> Result<(ClvResult, DataFrame)> {
    summaries::check_options(opts, rfm.unit)?;
    let tuples = transactions::rfm_tuples(rfm)?;
    let spend = transactions::spend_tuples(rfm)?;
    let no_spend = rfm
        .df
        .clone()
        .lazy()
        .filter(
            col("x").gt(lit(0.0)).and(
                col("mean_spend")
                    .is_null()
                    .or(col("mean_spend").lt_eq(lit(0.0))),
            ),
        )
        .collect()?
        .height();
    let fitted = summaries::fit(
        &Summaries {
            time_unit: rfm.unit,
            discrete: rfm.discrete,
            tuples: (0..tuples.x.len())
                .map(|i| [tuples.x[i], tuples.t_x[i], tuples.t[i], tuples.count[i]])
                .collect(),
            spend: (0..spend.x.len())
                .map(|i| [spend.x[i], spend.mean[i], spend.count[i]])
                .collect(),
            no_spend,
        },
        opts,
    )?;
    let model = opts.model;

    // Per customer. Purchase predictions depend on (x, t_x, T) only: once per distinct
    // tuple, each customer finding its tuple through a polars join.
    let (x, t) = (f64_values(&rfm.df, "x")?, f64_values(&rfm.df, "T")?);
    let mean_spend = f64_values(&rfm.df, "mean_spend")?;
    let p = &fitted.purchase.params;
    let hold_len = rfm.holdout_length;
    let per_tuple = predict::predict(model, p, &tuples, &fitted.frame(hold_len));
    let tuple_of = tuple_index(rfm, &tuples)?;
    let rows: Vec<(f64, f64, f64, f64)> = (0..x.len())
        .map(|i| fitted.values(&per_tuple[tuple_of[i]], x[i], mean_spend[i]))
        .collect();
    // Predictions must be probabilities and non-negative counts; anything else is a
    // numerical breakdown, never a number to report.
    if let Some(bad) = rows.iter().position(|r| {
        let probability = r.0.is_finite() && (-1e-12..=1.0 + 1e-12).contains(&r.0);
        let count = r.1.is_finite() && r.1 >= -1e-9;
        !(probability && count)
    }) {
        return Err(Error::Degenerate(format!(
            "{}: the predictions are not defined at the fitted parameters (customer '{}': P(alive) {}, expected transactions {}){}; try MBG/NBD, another time unit or a longer history",
            model.label(),
            rfm.df.column("id")?.get(bad)?.str_value(),
            rows[bad].0,
            rows[bad].1,
            fitted
                .purchase
                .explanation
                .as_deref()
                .map(|e| format!(" — {e}"))
                .unwrap_or_default()
        )));
    }
    let column = |name: &str, f: fn(&(f64, f64, f64, f64)) -> Option<f64>| {
        Column::new(
            name.into(),
            rows.iter().map(f).collect::<Vec<Option<f64>>>(),
        )
    };
    let mut customers = rfm.df.clone().hstack(&[
        column("p_alive", |r| Some(r.0)),
        column("expected_transactions", |r| Some(r.1)),
        column("expected_spend", |r| r.2.is_finite().then_some(r.2)),
        column("clv", |r| r.3.is_finite().then_some(r.3)),
    ])?;
    // An empty spend or CLV says why.
    if fitted.gamma_gamma.is_none() {
        let why = fitted
            .warnings
            .iter()
            .find(|w| w.contains("CLV not computed"))
            .cloned()
            .unwrap_or_else(|| "no spend model".into());
        let n = customers.height();
        customers.with_column(Column::new("clv_note".into(), vec![why; n]))?;
    }

    let holdout = if hold_len > 0.0 {
        let actual = f64_values(&rfm.df, "holdout")?;
        let last = |pt: &predict::TuplePrediction| pt.holdout.last().copied().unwrap_or(0.0);
        let mut expected = vec![tuple_of.iter().map(|&k| last(&per_tuple[k])).collect()];
        for c in &fitted.compared {
            let e = predict::expected_at(c.model, &c.fit.params, &tuples, hold_len);
            expected.push(tuple_of.iter().map(|&k| e[k]).collect());
        }
        // Expected holdout transactions per period: count-weighted increments per tuple.
        let mut per_period = vec![0.0; hold_len.ceil() as usize];
        for (k, pt) in per_tuple.iter().enumerate() {
            let mut prev = 0.0;
            for (j, cum) in pt.holdout.iter().enumerate() {
                per_period[j] += tuples.count[k] * (cum - prev);
                prev = *cum;
            }
        }
        Some(holdout::compare(
            hold_len,
            &x,
            &actual,
            &expected,
            (&per_period, &rfm.holdout_by_period),
        ))
    } else {
        None
    };
    let totals = totals_of("all", &rows, rows.iter().map(|r| r.3).sum());
    let p_alive_grid = p_alive_grid(model, &fitted.purchase.params, &x, &t, rfm.discrete);
    Ok((
        ClvResult {
            time_unit: rfm.unit,
            days_per_period: rfm.unit.days(),
            discrete: rfm.discrete,
            options: opts.clone(),
            diagnostics: rfm.diagnostics.clone(),
            model_label: fitted.model_label,
            purchase: fitted.purchase,
            compared: fitted.compared,
            gamma_gamma: fitted.gamma_gamma,
            spend_frequency_correlation: fitted.spend_frequency_correlation,
            holdout,
            totals,
            p_alive_grid,
            by_segment: Vec::new(),
            warnings: fitted.warnings,
            p_alive_note: fitted.p_alive_note,
            covariates: None,
            covariates_by_segment: Vec::new(),
            spend_covariates: None,
            per_customer: None,
        },
        customers,
    ))
}

/// `clv --covariates`: each customer's predictions and CLV at their own covariates (see
/// [`at_covariates`]), the covariates taken from `joined` ([`join_covariates`]'s table) by
/// id; the totals follow.
pub fn predict_at_covariates(
    r: &mut ClvResult,
    customers: &mut DataFrame,
    joined: &DataFrame,
) -> Result<()> {
    let mut names: Vec<String> = Vec::new();
    for m in [&r.covariates, &r.spend_covariates].into_iter().flatten() {
        for c in &m.covariates {
            if !names.contains(&c.name) {
                names.push(c.name.clone());
            }
        }
    }
    if names.is_empty() {
        return Ok(());
    }
    let right: Vec<Expr> = std::iter::once(col("id").alias("__id"))
        .chain(
            names
                .iter()
                .map(|c| col(c.as_str()).cast(DataType::Float64)),
        )
        .collect();
    let mut with = customers
        .clone()
        .lazy()
        .with_column(col("id").cast(DataType::String).alias("__key"))
        .join(
            joined.clone().lazy().select(right),
            [col("__key")],
            [col("__id")],
            JoinArgs {
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Left)
            },
        )
        .collect()?;
    at_covariates::apply(r, &mut with, ["x", "t_x", "T"], "mean_spend", "id")?;
    let mut drop = names;
    drop.push("__key".into());
    let keep: Vec<Expr> = with
        .get_column_names()
        .iter()
        .filter(|c| !drop.iter().any(|d| d.as_str() == c.as_str()))
        .map(|c| col(c.as_str()))
        .collect();
    *customers = with.lazy().select(keep).collect()?;
    if let Some(t) = all_totals(customers)? {
        r.totals = t;
    }
    Ok(())
}

/// One row per customer of `rfm` (id, x, t_x, T, mean repeat spend) with the covariates of `table` (by its
/// id column `id`; customers it lacks get blanks, counted and left out by the fit).
pub fn join_covariates(
    rfm: &Rfm,
    table: &DataFrame,
    id: &str,
    covariates: &[String],
) -> Result<DataFrame> {
    let right: Vec<Expr> = std::iter::once(col(id).cast(DataType::String).alias("__id"))
        .chain(covariates.iter().map(|c| col(c.as_str())))
        .collect();
    Ok(rfm
        .df
        .clone()
        .lazy()
        .select([
            col("id").cast(DataType::String),
            col("x"),
            col("t_x"),
            col("T"),
            col("mean_spend"),
        ])
        .join(
            table.clone().lazy().select(right),
            [col("id")],
            [col("__id")],
            JoinArgs::new(JoinType::Left),
        )
        .collect()?)
}

impl ClvResult {
    /// Attach the covariate model, with its warnings.
    pub fn note_covariates(&mut self, m: crate::analysis::covariates::CovariateModel) {
        if m.excluded > 0 {
            self.warnings.push(format!(
                "{} customer{} without a value of every covariate ({}): left out of the covariate model (the model without covariates was refitted on the same {} customers for the likelihood-ratio test; their per-customer predictions are the model without covariates')",
                m.excluded,
                if m.excluded == 1 { "" } else { "s" },
                m.covariates.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "),
                m.customers
            ));
        }
        if let Some(why) = &m.fit.explanation {
            self.warnings.push(format!("covariate model: {why}"));
        }
        self.covariates = Some(m);
    }

    /// Attach the spend model with covariates, with its warnings.
    pub fn note_spend_covariates(&mut self, m: crate::analysis::covariates::CovariateModel) {
        if m.excluded > 0 {
            self.warnings.push(format!(
                "{} repeat customers without a value of every spend covariate: left out of the spend model with covariates (their expected spend is the model without covariates')",
                m.excluded
            ));
        }
        if let Some(why) = &m.fit.explanation {
            self.warnings
                .push(format!("spend model with covariates: {why}"));
        }
        self.spend_covariates = Some(m);
    }
}

pub use crate::analysis::covariates::SegmentCovariates;

/// P(alive) on a grid of frequency × recency at one age T.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PAliveGrid {
    /// The age (T, or n for BG/BB) of the grid, in periods.
    pub age: f64,
    pub frequencies: Vec<f64>,
    pub recencies: Vec<f64>,
    /// `values[i][j]`: frequency i, recency j (NaN where impossible: x = 0 with t_x > 0).
    pub values: Vec<Vec<f64>>,
}

fn p_alive_grid(
    model: PurchaseModel,
    p: &[f64],
    x: &[f64],
    t: &[f64],
    discrete: bool,
) -> PAliveGrid {
    let age = t.iter().copied().fold(0.0, f64::max);
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    // Up to the 99th percentile of frequency (at least 1, at most 40 rows).
    let top = sorted[((sorted.len() - 1) as f64 * 0.99) as usize].clamp(1.0, 40.0);
    let frequencies: Vec<f64> = (0..=top as usize).map(|v| v as f64).collect();
    let recencies: Vec<f64> = if discrete {
        (0..=age as usize).map(|v| v as f64).collect()
    } else {
        (0..=24).map(|j| age * f64::from(j) / 24.0).collect()
    };
    let values = frequencies
        .iter()
        .map(|&f| {
            recencies
                .iter()
                .map(|&r| {
                    let impossible = (f == 0.0 && r > 0.0)
                        || (f > 0.0 && r == 0.0 && !discrete)
                        || (discrete && f > r);
                    if impossible {
                        f64::NAN
                    } else {
                        model.p_alive(p, f, r, age)
                    }
                })
                .collect()
        })
        .collect();
    PAliveGrid {
        age,
        frequencies,
        recencies,
        values,
    }
}

/// For each customer (row of `rfm.df`), the index of its tuple in `tuples`.
fn tuple_index(rfm: &Rfm, tuples: &btyd::RfmTuples) -> Result<Vec<usize>> {
    let keys = DataFrame::new_infer_height(vec![
        Column::new("x".into(), tuples.x.clone()),
        Column::new("t_x".into(), tuples.t_x.clone()),
        Column::new("T".into(), tuples.t.clone()),
        Column::new(
            "__k".into(),
            (0..tuples.x.len() as u64).collect::<Vec<u64>>(),
        ),
    ])?;
    let keyed = rfm
        .df
        .clone()
        .lazy()
        .select([col("x"), col("t_x"), col("T")])
        .with_row_index("__row", None)
        .join(
            keys.lazy(),
            [col("x"), col("t_x"), col("T")],
            [col("x"), col("t_x"), col("T")],
            JoinArgs::new(JoinType::Left),
        )
        .sort(["__row"], Default::default())
        .collect()?;
    Ok(keyed
        .column("__k")?
        .u64()?
        .iter()
        .map(|v| v.unwrap_or(0) as usize)
        .collect())
}

/// Under the BG/NBD a customer drops out only after a repeat purchase, so one without any
/// is alive by construction: say so next to P(alive), with how many, and the fix.
fn p_alive_note(model: PurchaseModel, t: &btyd::RfmTuples) -> Option<String> {
    let once: f64 = (0..t.x.len())
        .filter(|&i| t.x[i] == 0.0)
        .map(|i| t.count[i])
        .sum();
    (model == PurchaseModel::BgNbd && once > 0.0).then(|| {
        format!(
            "the {} customers without a repeat purchase have P(alive) = 1 by construction: the BG/NBD lets a customer drop out only after a repeat purchase. The MBG/NBD (--model mbgnbd) lets one-time buyers drop out too",
            crate::format::thousands(once, 0)
        )
    })
}

/// The warning a fit that did not converge cleanly carries, if any.
fn fit_warning(label: &str, f: &MleFit) -> Option<String> {
    match f.status.as_str() {
        "converged" => None,
        "degenerate" => Some(format!(
            "{label} is a degenerate fit: {}. {}",
            f.explanation
                .as_deref()
                .unwrap_or("parameters at the edge of the space"),
            if label == "Gamma-Gamma" {
                "Expected spend is still defined (the limit); check the amounts: one price for everything, or amounts rounded to a few values, leave nothing to model"
            } else {
                "What to try: MBG/NBD (one-time buyers may drop out), a shorter time unit or a longer history"
            }
        )),
        _ => Some(format!(
            "{label}: {} (after {} iterations)",
            f.explanation.as_deref().unwrap_or(&f.status),
            f.iterations
        )),
    }
}

/// The Gamma-Gamma fit, or None (with the reason in `warnings`).
fn spend_model(spend: &btyd::SpendTuples, warnings: &mut Vec<String>) -> Option<MleFit> {
    if spend.count.iter().sum::<f64>() < 3.0 {
        warnings.push(
            "fewer than 3 repeat customers with positive spend: no spend model, CLV not computed"
                .into(),
        );
        return None;
    }
    match btyd::fit_from(
        &GammaGamma(spend),
        &[vec![1.0, 1.0, 1.0], vec![5.0, 3.0, 15.0]],
        1000,
    ) {
        Ok(g) if g.params[1] > 1.0 => Some(g),
        Ok(g) => {
            warnings.push(format!(
                "Gamma-Gamma: q = {:.3} ≤ 1 leaves the mean spend undefined; CLV not computed",
                g.params[1]
            ));
            None
        }
        Err(e) => {
            warnings.push(format!("Gamma-Gamma: {e}; CLV not computed"));
            None
        }
    }
}

fn totals_of(segment: &str, rows: &[(f64, f64, f64, f64)], all_clv: f64) -> ClvTotals {
    let n = rows.len();
    let clv: f64 = rows.iter().map(|r| r.3).sum();
    ClvTotals {
        segment: segment.into(),
        customers: n,
        expected_transactions: rows.iter().map(|r| r.1).sum(),
        clv,
        mean_clv: clv / n as f64,
        mean_p_alive: rows.iter().map(|r| r.0).sum::<f64>() / n as f64,
        share_of_clv: clv / all_clv,
    }
}

/// Totals over all customers of a customer table carrying `p_alive`,
/// `expected_transactions` and `clv`, over the customers with a CLV.
pub fn all_totals(customers: &DataFrame) -> Result<Option<ClvTotals>> {
    let mut df = customers.clone();
    df.with_column(Column::new_scalar(
        "__all".into(),
        Scalar::new(DataType::String, "all".into()),
        df.height(),
    ))?;
    Ok(segment_totals(&df, "__all", &["all".to_string()])?.pop())
}

/// Totals per segment of a customer table carrying `p_alive`, `expected_transactions`,
/// `clv` and the text column `segment` (in `order`), over the customers with a CLV.
pub fn segment_totals(
    customers: &DataFrame,
    segment: &str,
    order: &[String],
) -> Result<Vec<ClvTotals>> {
    let all: f64 = f64_values(customers, "clv")?.iter().sum();
    let g = customers
        .clone()
        .lazy()
        .group_by([col(segment).cast(DataType::String).alias("__segment")])
        .agg([
            // Customers with a CLV (a customer without purchases in the log has none).
            col("clv")
                .is_not_null()
                .sum()
                .cast(DataType::Float64)
                .alias("n"),
            col("expected_transactions").sum().alias("e"),
            col("clv").sum().alias("clv"),
            col("p_alive").mean().alias("alive"),
        ])
        .collect()?;
    let names: Vec<Option<String>> = g
        .column("__segment")?
        .str()?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect();
    let (n, e, clv, alive) = (
        f64_values(&g, "n")?,
        f64_values(&g, "e")?,
        f64_values(&g, "clv")?,
        f64_values(&g, "alive")?,
    );
    // A share of the total only means something when no group's CLV is negative.
    let shares = clv.iter().all(|v| *v >= 0.0);
    let mut out = Vec::new();
    for name in order {
        if let Some(i) = names.iter().position(|s| s.as_deref() == Some(name)) {
            out.push(ClvTotals {
                segment: name.clone(),
                customers: n[i] as usize,
                expected_transactions: e[i],
                clv: clv[i],
                mean_clv: clv[i] / n[i],
                mean_p_alive: alive[i],
                share_of_clv: if shares { clv[i] / all } else { f64::NAN },
            });
        }
    }
    Ok(out)
}
