//! From an annual change in profit to value over a horizon, and the programme's return.
//!
//! The annual Δprofit recurs each year a customer stays: year t (1…H) counts with the
//! probability r^(t−1) that the customer is still there and is discounted by (1 + d)^t
//! (profit at the end of the year; the usual simple-retention CLV, Gupta & Lehmann 2003,
//! "Customers as assets", *J. Interactive Marketing* 17(1)), so Δvalue = Δprofit·M with
//! M = Σₜ r^(t−1)/(1 + d)^t. The cost is paid at the start. Net present value NPV = Δvalue
//! − cost, ROI = NPV / cost, the payback period the time at which the discounted
//! cumulative Δprofit reaches the cost (linear within a year), none within the horizon
//! when it never does. Rust, Zahorik & Keiningham (1995), "Return on quality", *J.
//! Marketing* 59(2), frame the question.

use serde::{Deserialize, Serialize};

/// The horizon: whole years, discount rate per year, retention rate per year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Horizon {
    pub years: u32,
    pub discount: f64,
    pub retention: f64,
}

impl Horizon {
    /// Year t's weight r^(t−1)/(1 + d)^t.
    fn weight(&self, t: u32) -> f64 {
        self.retention.powi(t as i32 - 1) / (1.0 + self.discount).powi(t as i32)
    }

    /// M = Σₜ r^(t−1)/(1 + d)^t over the horizon.
    pub fn multiplier(&self) -> f64 {
        (1..=self.years).map(|t| self.weight(t)).sum()
    }

    /// Each year's weight r^(t−1)/(1 + d)^t.
    pub fn weights(&self) -> Vec<f64> {
        (1..=self.years).map(|t| self.weight(t)).collect()
    }

    /// Years until the discounted cumulative `annual` profit reaches `cost` (0 without a
    /// cost; None when it never does within the horizon).
    pub fn payback(&self, annual: f64, cost: f64) -> Option<f64> {
        let yearly: Vec<f64> = self.weights().iter().map(|w| w * annual).collect();
        payback(&yearly, cost)
    }
}

/// Years until the cumulative discounted profit of each year (`yearly`) reaches `cost`
/// (linear within a year; 0 without a cost; None when it never does within the horizon).
pub fn payback(yearly: &[f64], cost: f64) -> Option<f64> {
    if cost <= 0.0 {
        return Some(0.0);
    }
    let mut cum = 0.0;
    for (t, &add) in yearly.iter().enumerate() {
        if add > 0.0 && cum + add >= cost {
            return Some(t as f64 + (cost - cum) / add);
        }
        cum += add;
    }
    None
}

/// The figures of a scenario under one θ.
#[derive(Debug, Clone, Copy)]
pub struct Money {
    pub npv: f64,
    pub roi: f64,
    pub payback: Option<f64>,
}

/// NPV, ROI and payback of an annual Δprofit against a cost.
pub fn money(annual: f64, cost: f64, h: &Horizon) -> Money {
    let npv = annual * h.multiplier() - cost;
    Money {
        npv,
        roi: if cost > 0.0 { npv / cost } else { f64::NAN },
        payback: h.payback(annual, cost),
    }
}

/// The smallest scale k in (0, k_max] at which `npv(k)` reaches 0, from its values on an
/// even grid `ks` (k > 0, increasing) with npv(0) = `at_zero`: linear interpolation within
/// the first interval where it turns non-negative. None when it never does.
pub fn break_even(ks: &[f64], npvs: &[f64], at_zero: f64) -> Option<f64> {
    // Without a cost that is paid whatever the gain, NPV starts at 0: it breaks even at
    // once when the first gains pay, else where it turns non-negative again.
    if at_zero >= 0.0 && npvs.first().is_none_or(|v| *v >= 0.0) {
        return Some(0.0);
    }
    let (mut k0, mut v0) = (0.0, at_zero.min(0.0));
    for (&k, &v) in ks.iter().zip(npvs) {
        if v >= 0.0 {
            return Some(k0 + (k - k0) * (-v0) / (v - v0));
        }
        (k0, v0) = (k, v);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiplier_and_payback_by_hand() {
        let h = Horizon {
            years: 3,
            discount: 0.1,
            retention: 0.8,
        };
        // 1/1.1 + 0.8/1.21 + 0.64/1.331
        let m = 1.0 / 1.1 + 0.8 / 1.21 + 0.64 / 1.331;
        assert!((h.multiplier() - m).abs() < 1e-15);
        // 100 a year against a cost of 120: 90.909 in year 1, 66.116 in year 2.
        let p = h.payback(100.0, 120.0).unwrap();
        let want = 1.0 + (120.0 - 100.0 / 1.1) / (80.0 / 1.21);
        assert!((p - want).abs() < 1e-12, "{p} vs {want}");
        assert_eq!(h.payback(10.0, 1000.0), None);
        assert_eq!(h.payback(-5.0, 10.0), None);
    }

    #[test]
    fn break_even_interpolates_a_linear_npv_exactly() {
        // npv(k) = 30k − 12: zero at 0.4.
        let ks: Vec<f64> = (1..=10).map(|j| j as f64 * 0.25).collect();
        let v: Vec<f64> = ks.iter().map(|k| 30.0 * k - 12.0).collect();
        assert!((break_even(&ks, &v, -12.0).unwrap() - 0.4).abs() < 1e-12);
        let never: Vec<f64> = ks.iter().map(|_| -1.0).collect();
        assert_eq!(break_even(&ks, &never, -12.0), None);
        // Only a cost per point: NPV starts at 0; first negative, then paying from 1.0.
        let late: Vec<f64> = ks.iter().map(|k| 4.0 * (k - 1.0)).collect();
        assert!((break_even(&ks, &late, 0.0).unwrap() - 1.0).abs() < 1e-12);
        let at_once: Vec<f64> = ks.iter().map(|k| 3.0 * k).collect();
        assert_eq!(break_even(&ks, &at_once, 0.0), Some(0.0));
    }
}
