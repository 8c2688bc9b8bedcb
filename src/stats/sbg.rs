//! The shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007,
//! "How to project customer retention", Journal of Interactive Marketing 21(1), 76–90).
//!
//! Each customer renews at the end of every period with probability 1 − θ until the first
//! time they do not; θ varies between customers as Beta(α, β). With T the period in which
//! a customer leaves (T = 1 when they do not renew after their first period):
//!
//! * P(T = t) = B(α+1, β+t−1)/B(α, β)  (eq. 3), lost customers' contributions;
//! * S(t) = P(T > t) = B(α, β+t)/B(α, β)  (eq. 4), customers still active after t periods;
//! * r(t) = S(t)/S(t−1) = (β+t−1)/(α+β+t−1), the retention rate of period t (eq. 5), which
//!   rises with tenure because the customers likeliest to leave leave first.
//!
//! Customer-base value (Fader & Hardie 2010, "Customer-base valuation in a contractual
//! setting: the perils of ignoring heterogeneity", Marketing Science 29(1), 85–93), with
//! d the discount rate per period:
//!
//! * DEL(d) = Σ_{t≥0} S(t)/(1+d)^t = ₂F₁(1, β; α+β; 1/(1+d)), a new customer's discounted
//!   expected lifetime in periods (first payment now);
//! * DERL(d | n−1 renewals) = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d)) (eq. 6), the
//!   discounted expected residual lifetime of a customer who has renewed n − 1 times and is
//!   about to decide the n-th renewal, payments counted from that renewal on.
//!
//! The likelihood sums over records (t, lost or still active, count), so a cohort table is
//! a dozen records however many customers it counts. Parameters are fitted with the same
//! maximum-likelihood machinery as the buy-till-you-die models (L-BFGS on the log scale,
//! analytic gradients, observed-information standard errors).

use statrs::function::gamma::{digamma, ln_gamma};

use super::btyd::{hyp2f1, Likelihood, Rows};

/// Customers by the period they left in, or the periods they have stayed so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lifetimes {
    /// Periods: for a lost customer the period they left in (T = t, t ≥ 1); for an active
    /// one the periods completed (T > t, t ≥ 0).
    pub t: Vec<f64>,
    pub lost: Vec<bool>,
    pub count: Vec<f64>,
}

impl Lifetimes {
    /// From customers surviving at periods 0, 1, …, n of one cohort: those lost in each
    /// period and the survivors after the last. None when the counts rise or are negative.
    pub fn from_cohort(alive: &[f64]) -> Option<Lifetimes> {
        let mut out = Lifetimes::default();
        for (t, w) in alive.windows(2).enumerate() {
            let lost = w[0] - w[1];
            if lost < 0.0 || w[1] < 0.0 || !lost.is_finite() {
                return None;
            }
            if lost > 0.0 {
                out.push(t as f64 + 1.0, true, lost);
            }
        }
        let last = *alive.last()?;
        if last > 0.0 {
            out.push(alive.len() as f64 - 1.0, false, last);
        }
        Some(out)
    }

    pub fn push(&mut self, t: f64, lost: bool, count: f64) {
        self.t.push(t);
        self.lost.push(lost);
        self.count.push(count);
    }

    /// Customers counted.
    pub fn customers(&self) -> f64 {
        self.count.iter().sum()
    }
}

/// (ln Γ(c+t) − ln Γ(c), ψ(c+t) − ψ(c)): a sum of t terms for whole t (accurate at any c),
/// log-gamma differences otherwise.
fn rising(c: f64, t: f64) -> (f64, f64) {
    if t >= 0.0 && t.fract() == 0.0 && t <= 10_000.0 {
        (0..t as u32).fold((0.0, 0.0), |(l, d), i| {
            let v = c + f64::from(i);
            (l + v.ln(), d + 1.0 / v)
        })
    } else {
        (ln_gamma(c + t) - ln_gamma(c), digamma(c + t) - digamma(c))
    }
}

/// ln P(T = t) (lost) or ln S(t) (active) of one record and its gradient in (α, β).
pub fn record_ln_l(alpha: f64, beta: f64, t: f64, lost: bool) -> (f64, [f64; 2]) {
    let (lab, dab) = rising(alpha + beta, t);
    if lost {
        // ln α + [ln Γ(β+t−1) − ln Γ(β)] − [ln Γ(α+β+t) − ln Γ(α+β)]
        let (lb, db) = rising(beta, t - 1.0);
        (alpha.ln() + lb - lab, [1.0 / alpha - dab, db - dab])
    } else {
        let (lb, db) = rising(beta, t);
        (lb - lab, [-dab, db - dab])
    }
}

/// The sBG likelihood on [`Lifetimes`].
pub struct Sbg<'a>(pub &'a Lifetimes);

impl Likelihood for Sbg<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["alpha", "beta"]
    }

    fn n(&self) -> f64 {
        self.0.customers()
    }

    fn value_grad(&self, p: &[f64]) -> Option<(f64, Vec<f64>)> {
        let (a, b) = (p[0], p[1]);
        if !(a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite()) {
            return None;
        }
        let d = self.0;
        let mut ll = 0.0;
        let mut g = vec![0.0; 2];
        for i in 0..d.t.len() {
            let (l, gi) = record_ln_l(a, b, d.t[i], d.lost[i]);
            ll += d.count[i] * l;
            g[0] += d.count[i] * gi[0];
            g[1] += d.count[i] * gi[1];
        }
        (ll.is_finite() && g.iter().all(|v| v.is_finite())).then_some((ll, g))
    }
}

impl Rows for Sbg<'_> {
    type Scratch = ();
    fn names(&self) -> &'static [&'static str] {
        &["alpha", "beta"]
    }
    fn len(&self) -> usize {
        self.0.t.len()
    }
    fn weight(&self, i: usize) -> f64 {
        self.0.count[i]
    }
    fn row(&self, i: usize, p: &[f64; 4], _: &mut ()) -> Option<(f64, [f64; 4])> {
        let (l, g) = record_ln_l(p[0], p[1], self.0.t[i], self.0.lost[i]);
        (l.is_finite() && g.iter().all(|v| v.is_finite())).then_some((l, [g[0], g[1], 0.0, 0.0]))
    }
}

/// S(t) = B(α, β+t)/B(α, β) for t = 0, 1, …, n, by the recursion S(t) = S(t−1)·r(t).
pub fn survival(alpha: f64, beta: f64, n: usize) -> Vec<f64> {
    let mut s = Vec::with_capacity(n + 1);
    s.push(1.0);
    for t in 1..=n {
        let prev = s[t - 1];
        s.push(prev * retention_rate(alpha, beta, t as f64));
    }
    s
}

/// r(t) = (β+t−1)/(α+β+t−1), the share of period t − 1's customers who renew into period t.
pub fn retention_rate(alpha: f64, beta: f64, t: f64) -> f64 {
    (beta + t - 1.0) / (alpha + beta + t - 1.0)
}

/// DEL(d) = ₂F₁(1, β; α+β; 1/(1+d)): a new customer's discounted expected lifetime in
/// periods, the first period's payment undiscounted (Fader & Hardie 2010, eq. 5).
pub fn del(alpha: f64, beta: f64, d: f64) -> f64 {
    hyp2f1(1.0, beta, alpha + beta, 1.0 / (1.0 + d))
}

/// DERL(d | n − 1 renewals) = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d)): the
/// discounted expected residual lifetime, in periods' payments, of a customer at the end of
/// their n-th period, just before the renewal decision (Fader & Hardie 2010, eq. 6).
pub fn derl(alpha: f64, beta: f64, d: f64, n: f64) -> f64 {
    retention_rate(alpha, beta, n) * hyp2f1(1.0, beta + n, alpha + beta + n, 1.0 / (1.0 + d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_gradients_match_finite_differences() {
        for (t, lost) in [
            (1.0, true),
            (4.0, true),
            (0.0, false),
            (7.0, false),
            (2.5, false),
        ] {
            let (a, b) = (0.7, 1.2);
            let (_, g) = record_ln_l(a, b, t, lost);
            let h = 1e-6;
            let da =
                (record_ln_l(a + h, b, t, lost).0 - record_ln_l(a - h, b, t, lost).0) / (2.0 * h);
            let db =
                (record_ln_l(a, b + h, t, lost).0 - record_ln_l(a, b - h, t, lost).0) / (2.0 * h);
            assert!(
                (da - g[0]).abs() < 1e-7 && (db - g[1]).abs() < 1e-7,
                "{t} {lost}"
            );
        }
    }

    /// P(T = t) and S(t) from their definitions: P(T = 1) = α/(α+β); the lost and the
    /// survivors' probabilities add up to one.
    #[test]
    fn probabilities_add_up() {
        let (a, b) = (0.704, 1.182);
        let s = survival(a, b, 12);
        let lost: f64 = (1..=12)
            .map(|t| record_ln_l(a, b, t as f64, true).0.exp())
            .sum();
        assert!((lost + s[12] - 1.0).abs() < 1e-12);
        assert!((record_ln_l(a, b, 1.0, true).0.exp() - a / (a + b)).abs() < 1e-14);
        assert!((record_ln_l(a, b, 12.0, false).0.exp() - s[12]).abs() < 1e-13);
    }
}
