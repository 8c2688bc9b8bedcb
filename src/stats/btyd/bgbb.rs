//! BG/BB: the beta-geometric/beta-Bernoulli model of repeat transactions at discrete
//! opportunities (Fader, Hardie & Shang 2010, "Customer-base analysis in a discrete-time
//! noncontractual setting", Marketing Science 29(6)).
//!
//! At each opportunity an alive customer transacts with probability p ~ Beta(α, β) and, at
//! the start of each later one, dies with probability θ ~ Beta(γ, δ). A customer's history
//! is (x, t_x, n): x transactions at the n opportunities after the first, the last at
//! opportunity t_x. The tuples reuse [`RfmTuples`] with `t` holding n.

use statrs::function::gamma::{digamma, ln_gamma};

use super::{ln_beta, Likelihood, RfmTuples};

/// BG/BB log-likelihood on (x, t_x, n) tuples (FHS 2010, eq. 5).
pub struct BgBb<'a>(pub &'a RfmTuples);

impl BgBb<'_> {
    /// ln L(α, β, γ, δ | x, t_x, n), the log of B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
    /// plus Σᵢ₌₀^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ), summed by
    /// log-sum-exp.
    pub fn ln_l(p: &[f64], x: f64, t_x: f64, n: f64) -> f64 {
        let (al, be, ga, de) = (p[0], p[1], p[2], p[3]);
        let (lb_ab, lb_gd) = (ln_beta(al, be), ln_beta(ga, de));
        let mut terms = vec![ln_beta(al + x, be + n - x) - lb_ab + ln_beta(ga, de + n) - lb_gd];
        let gaps = (n - t_x).round() as i64;
        for i in 0..gaps.max(0) {
            let i = i as f64;
            terms.push(
                ln_beta(al + x, be + t_x - x + i) - lb_ab + ln_beta(ga + 1.0, de + t_x + i) - lb_gd,
            );
        }
        log_sum_exp(&terms)
    }
}

/// ln L and its gradient in (α, β, γ, δ): each term of [`BgBb::ln_l`] is a sum of log-beta
/// functions, whose derivatives are digamma differences
/// (∂/∂a ln B(a, b) = ψ(a) − ψ(a+b)), weighted by the term's share of L.
fn ln_l_grad(p: &[f64], x: f64, t_x: f64, n: f64) -> (f64, [f64; 4]) {
    let (al, be, ga, de) = (p[0], p[1], p[2], p[3]);
    let (lb_ab, lb_gd) = (ln_beta(al, be), ln_beta(ga, de));
    let (psi_ab, psi_gd) = (digamma(al + be), digamma(ga + de));
    let base = [
        psi_ab - digamma(al),
        psi_ab - digamma(be),
        psi_gd - digamma(ga),
        psi_gd - digamma(de),
    ];
    // One term: ln B(α+x, β+k) − ln B(α,β) + ln B(γ+c, δ+m) − ln B(γ,δ), with its gradient.
    let term = |k: f64, c: f64, m: f64| {
        let (s1, s2) = (digamma(al + be + x + k), digamma(ga + de + c + m));
        (
            ln_beta(al + x, be + k) - lb_ab + ln_beta(ga + c, de + m) - lb_gd,
            [
                base[0] + digamma(al + x) - s1,
                base[1] + digamma(be + k) - s1,
                base[2] + digamma(ga + c) - s2,
                base[3] + digamma(de + m) - s2,
            ],
        )
    };
    let mut terms = vec![term(n - x, 0.0, n)];
    let gaps = (n - t_x).round() as i64;
    for i in 0..gaps.max(0) {
        let i = i as f64;
        terms.push(term(t_x - x + i, 1.0, t_x + i));
    }
    let m = terms.iter().map(|t| t.0).fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = terms.iter().map(|t| (t.0 - m).exp()).collect();
    let total: f64 = weights.iter().sum();
    let mut g = [0.0; 4];
    for (w, t) in weights.iter().zip(&terms) {
        for (gk, tk) in g.iter_mut().zip(t.1) {
            *gk += w / total * tk;
        }
    }
    (m + total.ln(), g)
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + v.iter().map(|t| (t - m).exp()).sum::<f64>().ln()
}

impl Likelihood for BgBb<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["alpha", "beta", "gamma", "delta"]
    }

    fn n(&self) -> f64 {
        self.0.count.iter().sum()
    }

    fn value_grad(&self, p: &[f64]) -> Option<(f64, Vec<f64>)> {
        if !p.iter().all(|v| *v > 0.0 && v.is_finite()) {
            return None;
        }
        let d = self.0;
        let (mut ll, mut g) = (0.0, [0.0; 4]);
        for i in 0..d.x.len() {
            let (l, gi) = ln_l_grad(p, d.x[i], d.t_x[i], d.t[i]);
            ll += d.count[i] * l;
            for k in 0..4 {
                g[k] += d.count[i] * gi[k];
            }
        }
        (ll.is_finite() && g.iter().all(|v| v.is_finite())).then(|| (ll, g.to_vec()))
    }
}

/// BG/BB: probability the customer is alive at opportunity n + 1 (FHS 2010, eq. 11 with
/// m = 1; their Table 6 "P(alive in 2002)").
pub fn bgbb_p_alive(p: &[f64], x: f64, t_x: f64, n: f64) -> f64 {
    let (al, be, ga, de) = (p[0], p[1], p[2], p[3]);
    (ln_beta(al + x, be + n - x) - ln_beta(al, be) + ln_beta(ga, de + n + 1.0)
        - ln_beta(ga, de)
        - BgBb::ln_l(p, x, t_x, n))
    .exp()
}

/// BG/BB: expected transactions over the next `m` opportunities (FHS 2010, eq. 13):
/// B(α+x+1, β+n−x)/B(α,β) · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ) · [Γ(1+δ+n)/Γ(γ+δ+n) −
/// Γ(1+δ+n+m)/Γ(γ+δ+n+m)] / L. A fractional `m` interpolates the gamma functions.
pub fn bgbb_expected(p: &[f64], x: f64, t_x: f64, n: f64, m: f64) -> f64 {
    let (al, be, ga, de) = (p[0], p[1], p[2], p[3]);
    let ln_head = ln_beta(al + x + 1.0, be + n - x) - ln_beta(al, be) + ln_gamma(ga + de)
        - ln_gamma(1.0 + de)
        - BgBb::ln_l(p, x, t_x, n);
    let now = ln_gamma(1.0 + de + n) - ln_gamma(ga + de + n);
    let later = ln_gamma(1.0 + de + n + m) - ln_gamma(ga + de + n + m);
    // Γ-ratio difference as e^now·(1 − e^(later − now)), stable when they are close.
    de / (ga - 1.0) * (ln_head + now).exp() * -(later - now).exp_m1()
}
