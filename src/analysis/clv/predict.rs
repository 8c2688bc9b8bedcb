//! Per-tuple purchase predictions: P(alive), expected transactions over the horizon and the
//! holdout, and their discounted sum for CLV.
//!
//! Predictions depend on a customer only through (x, t_x, T), so they are made once per
//! distinct tuple. For the BG/NBD family and the Pareto/NBD they factor further as
//! E[Y(t) | x, t_x, T] = numerator(x, T, t) · P(alive | x, t_x, T): the series in t is
//! computed once per distinct (x, T) — a few thousand pairs where there are a few hundred
//! thousand tuples — and multiplied by each tuple's P(alive).
//!
//! Discounting: the BG/NBD family and the BG/BB discount each period's expected
//! transactions at the period's end, (1 + d)^(−k·u/365.25) for period k of u days. The
//! Pareto/NBD has an exact discounted expectation (Fader, Hardie & Lee 2005, "RFM and CLV",
//! eq. 2), used with the equivalent continuous rate δ = ln(1 + d)·u/365.25 per period and
//! truncated at the horizon.

use rayon::prelude::*;

use crate::stats::btyd::{self, PurchaseModel, RfmTuples};

/// One (x, t_x, T) tuple's predictions.
pub(super) struct TuplePrediction {
    pub p_alive: f64,
    /// Expected transactions over the horizon.
    pub expected: f64,
    /// The same, discounted.
    pub discounted: f64,
    /// Cumulative expectations at the end of each holdout period.
    pub holdout: Vec<f64>,
}

/// The time frame of the predictions.
pub(super) struct Frame {
    /// Horizon in periods.
    pub horizon: f64,
    /// Yearly discount rate.
    pub discount: f64,
    /// Periods per year (365.25 / days per period).
    pub per_year: f64,
    /// Holdout length in periods (0 without a holdout).
    pub holdout: f64,
}

impl Frame {
    /// (expected at the horizon, discounted per period, cumulative at each holdout
    /// period's end) of a cumulative expectation `at(t)`.
    pub(super) fn path(&self, at: &dyn Fn(f64) -> f64) -> (f64, f64, Vec<f64>) {
        let (mut discounted, mut prev) = (0.0, 0.0);
        for step in 1..=self.horizon.ceil() as usize {
            let s = (step as f64).min(self.horizon);
            let cum = at(s);
            discounted += (cum - prev) / (1.0 + self.discount).powf(s / self.per_year);
            prev = cum;
        }
        let holdout = (1..=self.holdout.ceil() as usize)
            .map(|k| at((k as f64).min(self.holdout)))
            .collect();
        (prev, discounted, holdout)
    }
}

/// Predictions for every tuple of `d`, in tuple order.
pub(super) fn predict(
    model: PurchaseModel,
    p: &[f64],
    d: &RfmTuples,
    frame: &Frame,
) -> Vec<TuplePrediction> {
    if !factors(model) {
        return (0..d.x.len())
            .into_par_iter()
            .map(|k| {
                let (xk, txk, tk) = (d.x[k], d.t_x[k], d.t[k]);
                let (expected, discounted, holdout) =
                    frame.path(&|s| model.expected(p, xk, txk, tk, s));
                TuplePrediction {
                    p_alive: model.p_alive(p, xk, txk, tk),
                    expected,
                    discounted,
                    holdout,
                }
            })
            .collect();
    }
    let keys = distinct_x_t(d);
    let delta = (1.0 + frame.discount).ln() / frame.per_year;
    let numerators: Vec<(f64, f64, Vec<f64>)> = keys
        .par_iter()
        .map(|&(xk, tk)| {
            let (h, mut disc, hold) =
                frame.path(&|s| model.numerator(p, xk, tk, s).unwrap_or(f64::NAN));
            if model == PurchaseModel::ParetoNbd {
                disc = btyd::pnbd_discounted_numerator(p, xk, tk, delta, frame.horizon);
            }
            (h, disc, hold)
        })
        .collect();
    let alive = model.p_alive_tuples(p, d);
    (0..d.x.len())
        .into_par_iter()
        .map(|k| {
            let (n_h, n_disc, n_hold) = &numerators[key_of(&keys, d.x[k], d.t[k])];
            let a = alive[k];
            TuplePrediction {
                p_alive: a,
                expected: n_h * a,
                discounted: n_disc * a,
                holdout: n_hold.iter().map(|v| v * a).collect(),
            }
        })
        .collect()
}

/// Predictions for customers each at their own parameters (`params[i]`, None: no
/// prediction) and history `history[i]` = (x, t_x, T), as [`predict`] makes them for a
/// tuple. The period path depends on a customer through (x, T) and their parameters only, so
/// it is computed once per distinct (x, T, parameters) — customers whose covariates take few
/// values share it — and multiplied by each customer's P(alive).
pub(super) fn predict_each(
    model: PurchaseModel,
    params: &[Option<[f64; 4]>],
    history: &[(f64, f64, f64)],
    frame: &Frame,
) -> Vec<Option<TuplePrediction>> {
    type Key = (u64, u64, [u64; 4]);
    let key = |q: &[f64; 4], (x, _, t): (f64, f64, f64)| -> Key {
        (x.to_bits(), t.to_bits(), q.map(f64::to_bits))
    };
    let mut keys: Vec<Key> = params
        .iter()
        .zip(history)
        .filter_map(|(q, h)| q.as_ref().map(|q| key(q, *h)))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let delta = (1.0 + frame.discount).ln() / frame.per_year;
    let paths: Vec<(f64, f64, Vec<f64>)> = keys
        .par_iter()
        .map(|(xb, tb, qb)| {
            let (x, t, q) = (
                f64::from_bits(*xb),
                f64::from_bits(*tb),
                qb.map(f64::from_bits),
            );
            if !factors(model) {
                return (f64::NAN, f64::NAN, Vec::new());
            }
            let (h, mut disc, hold) =
                frame.path(&|s| model.numerator(&q, x, t, s).unwrap_or(f64::NAN));
            if model == PurchaseModel::ParetoNbd {
                disc = btyd::pnbd_discounted_numerator(&q, x, t, delta, frame.horizon);
            }
            (h, disc, hold)
        })
        .collect();
    params
        .par_iter()
        .zip(history)
        .map(|(q, &(x, t_x, t))| {
            let q = q.as_ref()?;
            if !factors(model) {
                let (expected, discounted, holdout) =
                    frame.path(&|s| model.expected(q, x, t_x, t, s));
                return Some(TuplePrediction {
                    p_alive: model.p_alive(q, x, t_x, t),
                    expected,
                    discounted,
                    holdout,
                });
            }
            let (h, disc, hold) = &paths[keys.binary_search(&key(q, (x, t_x, t))).ok()?];
            let a = model.p_alive(q, x, t_x, t);
            Some(TuplePrediction {
                p_alive: a,
                expected: h * a,
                discounted: disc * a,
                holdout: hold.iter().map(|v| v * a).collect(),
            })
        })
        .collect()
}

/// Expected transactions in the next `t` periods for every tuple, in tuple order.
pub(super) fn expected_at(model: PurchaseModel, p: &[f64], d: &RfmTuples, t: f64) -> Vec<f64> {
    if !factors(model) {
        return (0..d.x.len())
            .into_par_iter()
            .map(|k| model.expected(p, d.x[k], d.t_x[k], d.t[k], t))
            .collect();
    }
    let keys = distinct_x_t(d);
    let numerators: Vec<f64> = keys
        .par_iter()
        .map(|&(xk, tk)| model.numerator(p, xk, tk, t).unwrap_or(f64::NAN))
        .collect();
    let alive = model.p_alive_tuples(p, d);
    (0..d.x.len())
        .into_par_iter()
        .map(|k| numerators[key_of(&keys, d.x[k], d.t[k])] * alive[k])
        .collect()
}

/// Whether the model's expectation factors as numerator(x, T, t) · P(alive) (every model but
/// the BG/BB; see [`PurchaseModel::numerator`]).
fn factors(model: PurchaseModel) -> bool {
    model != PurchaseModel::BgBb
}

/// The distinct (x, T) pairs of the tuples, sorted.
fn distinct_x_t(d: &RfmTuples) -> Vec<(f64, f64)> {
    let mut keys: Vec<(f64, f64)> = d.x.iter().zip(&d.t).map(|(a, b)| (*a, *b)).collect();
    keys.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    keys.dedup();
    keys
}

fn key_of(keys: &[(f64, f64)], x: f64, t: f64) -> usize {
    keys.binary_search_by(|q| q.0.total_cmp(&x).then(q.1.total_cmp(&t)))
        .unwrap_or(0)
}
