//! Customer lifetime value from a transaction log: the RFM summary, the BG/NBD purchase
//! model and the Gamma-Gamma spend model, the holdout check, and per-customer P(alive),
//! expected transactions, expected spend and CLV.
//!
//! CLV over a horizon of H periods is the discounted sum of the expected transactions in
//! each period times the expected spend and the margin: Σₖ (E[Y(k)] − E[Y(k−1)])·E[M]·m /
//! (1 + d)^(k·u/365.25), with d the yearly discount rate and u the days per period, so the
//! time unit is honoured whatever it is (no 30-day months).

use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::transactions::{self, Rfm, TimeUnit, TxDiagnostics};
use crate::error::{Error, Result};
use crate::stats::btyd::{self, BgNbd, GammaGamma, MleFit};
use crate::stats::correlation;

/// Options of a CLV run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClvOptions {
    /// Horizon of the predictions and CLV, in periods of the time unit.
    pub horizon: f64,
    /// Yearly discount rate.
    pub discount: f64,
    /// Margin as a share of spend (CLV is in profit when < 1, in revenue at 1).
    pub margin: f64,
    /// Also fit the Pareto/NBD model and show its holdout expectations beside BG/NBD's.
    pub pareto: bool,
}

/// One row of the holdout check: customers by calibration frequency (the last row is
/// "7 or more").
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HoldoutRow {
    pub frequency: String,
    pub customers: usize,
    pub actual_mean: f64,
    /// BG/NBD's expectation.
    pub expected_mean: f64,
    /// Pareto/NBD's expectation (when fitted).
    pub pareto_expected_mean: Option<f64>,
}

/// Totals over all customers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClvTotals {
    pub customers: usize,
    /// Sum of expected transactions over the horizon.
    pub expected_transactions: f64,
    pub clv: f64,
    pub mean_clv: f64,
    /// Mean P(alive).
    pub mean_p_alive: f64,
}

/// The whole CLV study.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClvResult {
    pub time_unit: TimeUnit,
    /// Days per period (week = 7; month = 365.25/12).
    pub days_per_period: f64,
    pub options: ClvOptions,
    pub diagnostics: TxDiagnostics,
    pub bg_nbd: MleFit,
    /// With `pareto`: the Pareto/NBD fit (Schmittlein, Morrison & Colombo 1987).
    pub pareto_nbd: Option<MleFit>,
    /// None when no customer has a repeat purchase with positive spend.
    pub gamma_gamma: Option<MleFit>,
    /// Correlation of frequency and mean spend among repeat customers: Gamma-Gamma assumes
    /// they are independent, so a large value is a warning.
    pub spend_frequency_correlation: Option<f64>,
    /// Holdout length in periods (0: no holdout).
    pub holdout_length: f64,
    pub holdout: Vec<HoldoutRow>,
    /// Predicted vs actual holdout transactions over all customers, and per-customer errors.
    pub holdout_expected_total: Option<f64>,
    pub holdout_actual_total: Option<f64>,
    pub holdout_mae: Option<f64>,
    pub holdout_rmse: Option<f64>,
    pub totals: ClvTotals,
    /// Things worth reading before using the numbers.
    pub warnings: Vec<String>,
}

/// Fit the models on `rfm` and predict per customer; returns the result and the customer
/// table with `p_alive`, `expected_transactions`, `expected_spend` and `clv` added.
pub fn run(rfm: &Rfm, opts: &ClvOptions) -> Result<(ClvResult, DataFrame)> {
    if !(opts.horizon > 0.0 && opts.horizon.is_finite()) {
        return Err(Error::Usage(format!(
            "--horizon {} must be positive",
            opts.horizon
        )));
    }
    if !(opts.discount >= 0.0 && opts.discount.is_finite()) {
        return Err(Error::Usage(format!(
            "--discount {} must be a yearly rate ≥ 0 (e.g. 0.1)",
            opts.discount
        )));
    }
    let tuples = transactions::rfm_tuples(rfm)?;
    if tuples.x.iter().all(|x| *x == 0.0) {
        return Err(Error::Degenerate(
            "no customer made a repeat purchase in the calibration period, so purchase rates and drop-out cannot be told apart (the model is not identified); use a later --calibration-end".into(),
        ));
    }
    let mut warnings = Vec::new();
    let bg = btyd::fit_from(
        &BgNbd(&tuples),
        &[
            vec![1.0, 1.0, 1.0, 1.0],
            vec![0.5, 5.0, 0.5, 2.0],
            vec![2.0, 20.0, 2.0, 5.0],
        ],
        1000,
    )?;
    if bg.status != "converged" {
        warnings.push(format!(
            "BG/NBD: the optimizer stopped with '{}' after {} iterations; the parameters are the best found",
            bg.status, bg.iterations
        ));
    }
    let pnbd = if opts.pareto {
        let start = vec![bg.params[0], bg.params[1], 1.0, bg.params[1]];
        let f = btyd::fit_from(
            &btyd::ParetoNbd(&tuples),
            &[start, vec![1.0, 1.0, 1.0, 1.0]],
            1000,
        )?;
        if f.status != "converged" {
            warnings.push(format!(
                "Pareto/NBD: the optimizer stopped with '{}' after {} iterations; the parameters are the best found",
                f.status, f.iterations
            ));
        }
        Some(f)
    } else {
        None
    };
    let spend = transactions::spend_tuples(rfm)?;
    let gg = if spend.count.iter().sum::<f64>() >= 3.0 {
        match btyd::fit_from(
            &GammaGamma(&spend),
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
    } else {
        warnings.push(
            "fewer than 3 repeat customers with positive spend: no spend model, CLV not computed"
                .into(),
        );
        None
    };
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

    // Per customer.
    let (x, tx, t) = (
        crate::data::load::f64_values(&rfm.df, "x")?,
        crate::data::load::f64_values(&rfm.df, "t_x")?,
        crate::data::load::f64_values(&rfm.df, "T")?,
    );
    let mean_spend = crate::data::load::f64_values(&rfm.df, "mean_spend")?;
    let p = &bg.params;
    let per_year = 365.25 / rfm.unit.days();
    let h = opts.horizon;
    let steps = h.ceil() as usize;
    // Purchase predictions depend on (x, t_x, T) only: once per distinct tuple, each
    // customer finding its tuple through a polars join.
    let hold_len = rfm.holdout_length;
    let per_tuple: Vec<[f64; 4]> = (0..tuples.x.len())
        .into_par_iter()
        .map(|k| {
            let (xk, txk, tk) = (tuples.x[k], tuples.t_x[k], tuples.t[k]);
            let mut discounted = 0.0;
            let mut prev = 0.0;
            for step in 1..=steps {
                let at = (step as f64).min(h);
                let cum = btyd::bgnbd_expected(p, xk, txk, tk, at);
                discounted += (cum - prev) / (1.0 + opts.discount).powf(at / per_year);
                prev = cum;
            }
            let holdout = if hold_len > 0.0 {
                btyd::bgnbd_expected(p, xk, txk, tk, hold_len)
            } else {
                f64::NAN
            };
            [
                btyd::bgnbd_p_alive(p, xk, txk, tk),
                prev,
                discounted,
                holdout,
            ]
        })
        .collect();
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
    let tuple_of: Vec<usize> = keyed
        .column("__k")?
        .u64()?
        .iter()
        .map(|v| v.unwrap_or(0) as usize)
        .collect();
    let rows: Vec<(f64, f64, f64, f64)> = (0..x.len())
        .map(|i| {
            let [alive, expected, discounted, _] = per_tuple[tuple_of[i]];
            let spend = gg.as_ref().map_or(f64::NAN, |g| {
                if x[i] > 0.0 && mean_spend[i] > 0.0 {
                    btyd::gamma_gamma_expected(&g.params, x[i], mean_spend[i])
                } else {
                    // No repeat spend observed: the population mean p·γ/(q − 1).
                    g.params[0] * g.params[2] / (g.params[1] - 1.0)
                }
            });
            (alive, expected, spend, discounted * spend * opts.margin)
        })
        .collect();
    let customers = rfm.df.clone().hstack(&[
        Column::new(
            "p_alive".into(),
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        ),
        Column::new(
            "expected_transactions".into(),
            rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        ),
        Column::new(
            "expected_spend".into(),
            rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        ),
        Column::new("clv".into(), rows.iter().map(|r| r.3).collect::<Vec<_>>()),
    ])?;

    // Holdout check by calibration frequency, with the model's expectation over the
    // holdout length.
    let (mut holdout, mut exp_total, mut act_total, mut mae, mut mse) =
        (Vec::new(), None, None, None, None);
    if rfm.holdout_length > 0.0 {
        let actual = crate::data::load::f64_values(&rfm.df, "holdout")?;
        let expected: Vec<f64> = tuple_of.iter().map(|&k| per_tuple[k][3]).collect();
        let pareto: Option<Vec<f64>> = pnbd.as_ref().map(|f| {
            (0..x.len())
                .into_par_iter()
                .map(|i| btyd::pnbd_expected(&f.params, x[i], tx[i], t[i], rfm.holdout_length))
                .collect()
        });
        for f in 0..=7u32 {
            let members: Vec<usize> = (0..x.len())
                .filter(|&i| {
                    if f == 7 {
                        x[i] >= 7.0
                    } else {
                        x[i] == f64::from(f)
                    }
                })
                .collect();
            if members.is_empty() {
                continue;
            }
            let n = members.len() as f64;
            holdout.push(HoldoutRow {
                frequency: if f == 7 { "7+".into() } else { f.to_string() },
                customers: members.len(),
                actual_mean: members.iter().map(|&i| actual[i]).sum::<f64>() / n,
                expected_mean: members.iter().map(|&i| expected[i]).sum::<f64>() / n,
                pareto_expected_mean: pareto
                    .as_ref()
                    .map(|e| members.iter().map(|&i| e[i]).sum::<f64>() / n),
            });
        }
        let n = x.len() as f64;
        exp_total = Some(expected.iter().sum());
        act_total = Some(actual.iter().sum());
        mae = Some(
            expected
                .iter()
                .zip(&actual)
                .map(|(e, a)| (e - a).abs())
                .sum::<f64>()
                / n,
        );
        mse = Some(
            (expected
                .iter()
                .zip(&actual)
                .map(|(e, a)| (e - a).powi(2))
                .sum::<f64>()
                / n)
                .sqrt(),
        );
    }
    let n = rows.len();
    let clv_total: f64 = rows.iter().map(|r| r.3).sum();
    let totals = ClvTotals {
        customers: n,
        expected_transactions: rows.iter().map(|r| r.1).sum(),
        clv: clv_total,
        mean_clv: clv_total / n as f64,
        mean_p_alive: rows.iter().map(|r| r.0).sum::<f64>() / n as f64,
    };
    Ok((
        ClvResult {
            time_unit: rfm.unit,
            days_per_period: rfm.unit.days(),
            options: opts.clone(),
            diagnostics: rfm.diagnostics.clone(),
            bg_nbd: bg,
            pareto_nbd: pnbd,
            gamma_gamma: gg,
            spend_frequency_correlation: corr,
            holdout_length: rfm.holdout_length,
            holdout,
            holdout_expected_total: exp_total,
            holdout_actual_total: act_total,
            holdout_mae: mae,
            holdout_rmse: mse,
            totals,
            warnings,
        },
        customers,
    ))
}
