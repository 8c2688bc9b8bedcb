//! The holdout check: expected against actual transactions by calibration frequency
//! (0, 1, …, 7+), per period and cumulatively over the holdout, in total and per customer.

use serde::{Deserialize, Serialize};

/// One row of the holdout check: customers by calibration frequency (the last row is
/// "7+").
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HoldoutRow {
    pub frequency: String,
    pub customers: usize,
    pub actual_mean: f64,
    /// The primary model's expectation.
    pub expected_mean: f64,
    /// The compared models' expectations, in the order of `ClvResult::compared`.
    pub compared_means: Vec<f64>,
}

/// One holdout period: transactions expected (primary model) and made, in the period and
/// cumulatively.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrackingRow {
    pub period: usize,
    pub expected: f64,
    pub actual: f64,
    pub expected_cumulative: f64,
    pub actual_cumulative: f64,
}

/// The whole holdout comparison.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Holdout {
    /// Length in periods.
    pub length: f64,
    pub by_frequency: Vec<HoldoutRow>,
    pub tracking: Vec<TrackingRow>,
    pub expected_total: f64,
    pub actual_total: f64,
    /// Per-customer mean absolute and root-mean-square error of the primary model.
    pub mae: f64,
    pub rmse: f64,
}

/// Build the comparison from per-customer frequencies, actual holdout counts and each
/// model's expectation (`expected[0]` the primary), and the per-period totals.
pub fn compare(
    length: f64,
    x: &[f64],
    actual: &[f64],
    expected: &[Vec<f64>],
    per_period: (&[f64], &[f64]),
) -> Holdout {
    let mut by_frequency = Vec::new();
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
        let mean = |v: &[f64]| members.iter().map(|&i| v[i]).sum::<f64>() / n;
        by_frequency.push(HoldoutRow {
            frequency: if f == 7 { "7+".into() } else { f.to_string() },
            customers: members.len(),
            actual_mean: mean(actual),
            expected_mean: mean(&expected[0]),
            compared_means: expected[1..].iter().map(|e| mean(e)).collect(),
        });
    }
    let (exp_p, act_p) = per_period;
    let (mut ec, mut ac) = (0.0, 0.0);
    let tracking = exp_p
        .iter()
        .zip(act_p)
        .enumerate()
        .map(|(k, (&e, &a))| {
            ec += e;
            ac += a;
            TrackingRow {
                period: k + 1,
                expected: e,
                actual: a,
                expected_cumulative: ec,
                actual_cumulative: ac,
            }
        })
        .collect();
    let n = x.len() as f64;
    let e = &expected[0];
    Holdout {
        length,
        by_frequency,
        tracking,
        expected_total: e.iter().sum(),
        actual_total: actual.iter().sum(),
        mae: e
            .iter()
            .zip(actual)
            .map(|(e, a)| (e - a).abs())
            .sum::<f64>()
            / n,
        rmse: (e
            .iter()
            .zip(actual)
            .map(|(e, a)| (e - a).powi(2))
            .sum::<f64>()
            / n)
            .sqrt(),
    }
}
