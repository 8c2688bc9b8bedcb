//! "Buy till you die" models of customer purchasing, fitted by maximum likelihood.
//!
//! * **BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way",
//!   Marketing Science 24(2)): purchases Poisson(λ) while alive, λ ~ Gamma(r, α); after
//!   each purchase the customer drops out with probability p ~ Beta(a, b).
//! * **Gamma-Gamma** spend model (Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42(4);
//!   Fader & Hardie 2013 note): a customer's spend per transaction is Gamma(p, ν),
//!   ν ~ Gamma(q, γ).
//!
//! The likelihoods depend on a customer only through (x, t_x, T) — and (x, mean spend) for
//! Gamma-Gamma — so they are summed over distinct tuples weighted by their counts. They are
//! evaluated in log space (log-gamma, log-beta, log-sum-exp), so nothing overflows at high
//! frequencies or long histories. Parameters are optimized on the log scale with argmin's
//! L-BFGS and analytic gradients, from several starting points; standard errors come from
//! the inverse of the observed information (the Hessian by central differences of the
//! analytic gradient).

use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use linfa_linalg::cholesky::InverseC;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::function::gamma::{digamma, ln_gamma};

use crate::error::{Error, Result};

/// Distinct (x, t_x, T) tuples with how many customers share each.
#[derive(Debug, Clone, Default)]
pub struct RfmTuples {
    pub x: Vec<f64>,
    pub t_x: Vec<f64>,
    pub t: Vec<f64>,
    pub count: Vec<f64>,
}

/// Distinct (x, mean spend) pairs with their counts (customers with x ≥ 1).
#[derive(Debug, Clone, Default)]
pub struct SpendTuples {
    pub x: Vec<f64>,
    pub mean: Vec<f64>,
    pub count: Vec<f64>,
}

/// A fitted model's parameters with inference.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MleFit {
    /// Parameter names in order (e.g. r, alpha, a, b).
    pub names: Vec<String>,
    pub params: Vec<f64>,
    /// Standard errors from the inverse observed information (None when the Hessian is not
    /// positive definite).
    pub std_errors: Vec<Option<f64>>,
    pub log_likelihood: f64,
    pub aic: f64,
    pub bic: f64,
    /// Customers the likelihood sums over.
    pub n: f64,
    pub iterations: u64,
    /// `converged`, or what stopped the optimizer.
    pub status: String,
}

impl MleFit {
    /// A parameter by name.
    pub fn param(&self, name: &str) -> f64 {
        self.names
            .iter()
            .position(|n| n == name)
            .map_or(f64::NAN, |i| self.params[i])
    }
}

fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// A log-likelihood with its gradient, in natural parameters.
pub trait Likelihood: Sync {
    /// Parameter names.
    fn names(&self) -> &'static [&'static str];
    /// Σ count · ln Lᵢ and its gradient; None outside the parameter space.
    fn value_grad(&self, p: &[f64]) -> Option<(f64, Vec<f64>)>;
    /// Customers (total weight).
    fn n(&self) -> f64;
}

/// BG/NBD log-likelihood (FHL 2005, eq. 6) on RFM tuples.
pub struct BgNbd<'a>(pub &'a RfmTuples);

impl Likelihood for BgNbd<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["r", "alpha", "a", "b"]
    }

    fn n(&self) -> f64 {
        self.0.count.iter().sum()
    }

    fn value_grad(&self, p: &[f64]) -> Option<(f64, Vec<f64>)> {
        let (r, al, a, b) = (p[0], p[1], p[2], p[3]);
        if !(r > 0.0 && al > 0.0 && a > 0.0 && b > 0.0) {
            return None;
        }
        let d = &self.0;
        let (lb_ab, psi_r, psi_a, psi_b, psi_ab) = (
            ln_beta(a, b),
            digamma(r),
            digamma(a),
            digamma(b),
            digamma(a + b),
        );
        let mut ll = 0.0;
        let mut g = [0.0; 4];
        // Terms that depend on x only (tuples come sorted by x, and most share a few
        // hundred x values): computed once per x.
        let mut cached_x = f64::NAN;
        let (mut c_a1, mut c_b2, mut c_b3) = (0.0, 0.0, 0.0);
        let (mut g1, mut g2ab, mut g3ab) = ([0.0; 2], [0.0; 2], [0.0; 2]);
        for i in 0..d.x.len() {
            let (x, tx, t, w) = (d.x[i], d.t_x[i], d.t[i], d.count[i]);
            if x != cached_x {
                cached_x = x;
                let psi_abx = digamma(a + b + x);
                c_a1 = ln_gamma(r + x) - ln_gamma(r) + r * al.ln();
                c_b2 = ln_beta(a, b + x) - lb_ab;
                g1 = [digamma(r + x) - psi_r + al.ln(), r / al];
                g2ab = [psi_ab - psi_abx, digamma(b + x) - psi_abx - psi_b + psi_ab];
                if x > 0.0 {
                    c_b3 = ln_beta(a + 1.0, b + x - 1.0) - lb_ab;
                    g3ab = [
                        digamma(a + 1.0) - psi_abx - psi_a + psi_ab,
                        digamma(b + x - 1.0) - psi_abx - psi_b + psi_ab,
                    ];
                }
            }
            // ln L = A1 + ln(e^A2 + δ e^A3)
            let ln_at = (al + t).ln();
            let a2 = c_b2 - (r + x) * ln_at;
            let g2 = [-ln_at, -(r + x) / (al + t), g2ab[0], g2ab[1]];
            let (lse, w2, w3, g3) = if x > 0.0 {
                let ln_atx = (al + tx).ln();
                let a3 = c_b3 - (r + x) * ln_atx;
                let m = a2.max(a3);
                let (e2, e3) = ((a2 - m).exp(), (a3 - m).exp());
                let sum = e2 + e3;
                let g3 = [-ln_atx, -(r + x) / (al + tx), g3ab[0], g3ab[1]];
                (m + sum.ln(), e2 / sum, e3 / sum, g3)
            } else {
                (a2, 1.0, 0.0, [0.0; 4])
            };
            ll += w * (c_a1 + lse);
            let g1k = [g1[0], g1[1], 0.0, 0.0];
            for k in 0..4 {
                g[k] += w * (g1k[k] + w2 * g2[k] + w3 * g3[k]);
            }
        }
        (ll.is_finite() && g.iter().all(|v| v.is_finite())).then(|| (ll, g.to_vec()))
    }
}

/// Pareto/NBD log-likelihood (Schmittlein, Morrison & Colombo 1987, in the form of
/// Fader, Hardie & Lee's 2005 note "A note on deriving the Pareto/NBD model and related
/// expressions"), on RFM tuples. Its ₂F₁ difference A₀ is taken in log space as
/// ln A₀ = l₁ + ln(−expm1(l₂ − l₁)), so it neither overflows at high frequencies nor loses
/// the small difference of two large terms. The gradient is by central differences (the
/// derivatives of ₂F₁ in its parameters have no convenient closed form).
pub struct ParetoNbd<'a>(pub &'a RfmTuples);

impl ParetoNbd<'_> {
    /// ln L for one customer.
    pub fn ln_l(p: &[f64], x: f64, t_x: f64, big_t: f64) -> f64 {
        let (r, al, s, be) = (p[0], p[1], p[2], p[3]);
        let head = ln_gamma(r + x) - ln_gamma(r) + r * al.ln() + s * be.ln();
        let first = -(r + x) * (al + big_t).ln() - s * (be + big_t).ln();
        let ln_a0 = pnbd_ln_a0(p, x, t_x, big_t);
        let second = (s / (r + s + x)).ln() + ln_a0;
        let m = first.max(second);
        head + m + ((first - m).exp() + (second - m).exp()).ln()
    }
}

/// ln A₀ of the Pareto/NBD likelihood (FHL 2005 note, eq. 5 and its α < β twin).
fn pnbd_ln_a0(p: &[f64], x: f64, t_x: f64, big_t: f64) -> f64 {
    let (r, al, s, be) = (p[0], p[1], p[2], p[3]);
    let rsx = r + s + x;
    let (big, small, b2) = if al >= be {
        (al, be, s + 1.0)
    } else {
        (be, al, r + x)
    };
    let term =
        |t: f64| hyp2f1(rsx, b2, rsx + 1.0, (big - small) / (big + t)).ln() - rsx * (big + t).ln();
    let (l1, l2) = (term(t_x), term(big_t));
    l1 + (-(l2 - l1).exp_m1()).ln()
}

impl Likelihood for ParetoNbd<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["r", "alpha", "s", "beta"]
    }

    fn n(&self) -> f64 {
        self.0.count.iter().sum()
    }

    fn value_grad(&self, p: &[f64]) -> Option<(f64, Vec<f64>)> {
        if !p.iter().all(|v| *v > 0.0 && v.is_finite()) {
            return None;
        }
        let d = &self.0;
        let ll_at = |q: &[f64]| -> f64 {
            (0..d.x.len())
                .map(|i| d.count[i] * Self::ln_l(q, d.x[i], d.t_x[i], d.t[i]))
                .sum()
        };
        // The nine evaluations run in parallel; each sums in a fixed order, so the result
        // does not depend on the number of threads.
        let mut points = vec![p.to_vec()];
        let steps: Vec<f64> = p.iter().map(|v| 1e-6 * v).collect();
        for k in 0..4 {
            let (mut u, mut w) = (p.to_vec(), p.to_vec());
            u[k] += steps[k];
            w[k] -= steps[k];
            points.push(u);
            points.push(w);
        }
        let values: Vec<f64> = points.par_iter().map(|q| ll_at(q)).collect();
        let ll = values[0];
        let g: Vec<f64> = (0..4)
            .map(|k| (values[1 + 2 * k] - values[2 + 2 * k]) / (2.0 * steps[k]))
            .collect();
        (ll.is_finite() && g.iter().all(|v| v.is_finite())).then_some((ll, g))
    }
}

/// Pareto/NBD: probability the customer is still alive (FHL 2005 note, eq. 11).
pub fn pnbd_p_alive(p: &[f64], x: f64, t_x: f64, big_t: f64) -> f64 {
    let (r, al, s, be) = (p[0], p[1], p[2], p[3]);
    let ln_ratio = (s / (r + s + x)).ln()
        + (r + x) * (al + big_t).ln()
        + s * (be + big_t).ln()
        + pnbd_ln_a0(p, x, t_x, big_t);
    1.0 / (1.0 + ln_ratio.exp())
}

/// Pareto/NBD: expected transactions in the next `t` periods (FHL 2005 note, eq. 12).
pub fn pnbd_expected(p: &[f64], x: f64, t_x: f64, big_t: f64, t: f64) -> f64 {
    let (r, al, s, be) = (p[0], p[1], p[2], p[3]);
    let rate = (r + x) * (be + big_t) / ((al + big_t) * (s - 1.0));
    rate * (1.0 - ((be + big_t) / (be + big_t + t)).powf(s - 1.0)) * pnbd_p_alive(p, x, t_x, big_t)
}

/// Gamma-Gamma log-likelihood of mean spend (Fader & Hardie 2013) on (x, m̄) tuples.
pub struct GammaGamma<'a>(pub &'a SpendTuples);

impl Likelihood for GammaGamma<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["p", "q", "gamma"]
    }

    fn n(&self) -> f64 {
        self.0.count.iter().sum()
    }

    fn value_grad(&self, par: &[f64]) -> Option<(f64, Vec<f64>)> {
        let (p, q, g) = (par[0], par[1], par[2]);
        if !(p > 0.0 && q > 0.0 && g > 0.0) {
            return None;
        }
        let d = &self.0;
        let (lg_q, psi_q) = (ln_gamma(q), digamma(q));
        let mut ll = 0.0;
        let mut gr = [0.0; 3];
        let ln_g = g.ln();
        // x-only terms once per distinct x (tuples come sorted by x).
        let (mut cached_x, mut lg, mut psi_pxq, mut psi_px) = (f64::NAN, 0.0, 0.0, 0.0);
        for i in 0..d.x.len() {
            let (x, m, w) = (d.x[i], d.mean[i], d.count[i]);
            let px = p * x;
            if x != cached_x {
                cached_x = x;
                lg = ln_gamma(px + q) - ln_gamma(px) + px * x.ln();
                psi_pxq = digamma(px + q);
                psi_px = digamma(px);
            }
            let den = g + m * x;
            let (ln_m, ln_den) = (m.ln(), den.ln());
            // ln f = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m̄ + px ln x − (px+q) ln(γ + m̄x)
            ll += w * (lg - lg_q + q * ln_g + (px - 1.0) * ln_m - (px + q) * ln_den);
            gr[0] += w * x * (psi_pxq - psi_px + ln_m + x.ln() - ln_den);
            gr[1] += w * (psi_pxq - psi_q + ln_g - ln_den);
            gr[2] += w * (q / g - (px + q) / den);
        }
        (ll.is_finite() && gr.iter().all(|v| v.is_finite())).then(|| (ll, gr.to_vec()))
    }
}

/// Cost of an invalid point.
const INVALID: f64 = 1e300;

/// −LL and its gradient at one point on the log scale.
type Evaluated = (Array1<f64>, f64, Array1<f64>);

/// −LL on log parameters, for argmin. The line search asks for the cost and the gradient at
/// the same points; both come from one likelihood evaluation, remembered for the last point.
struct Negated<'a, L: Likelihood>(&'a L, std::sync::Mutex<Option<Evaluated>>);

impl<'a, L: Likelihood> Negated<'a, L> {
    fn new(lik: &'a L) -> Self {
        Negated(lik, std::sync::Mutex::new(None))
    }

    /// (−LL, −∂LL/∂θ) at θ; an invalid point costs [`INVALID`] with a zero gradient.
    fn eval(&self, theta: &Array1<f64>) -> (f64, Array1<f64>) {
        if let Ok(cache) = self.1.lock() {
            if let Some((t, c, g)) = cache.as_ref() {
                if t == theta {
                    return (*c, g.clone());
                }
            }
        }
        let p: Vec<f64> = theta.iter().map(|v| v.exp()).collect();
        let out = match self.0.value_grad(&p) {
            // d(−LL)/dθ = −p · dLL/dp
            Some((ll, g)) => (-ll, g.iter().zip(&p).map(|(gk, pk)| -gk * pk).collect()),
            None => (INVALID, Array1::zeros(theta.len())),
        };
        if let Ok(mut cache) = self.1.lock() {
            *cache = Some((theta.clone(), out.0, out.1.clone()));
        }
        out
    }
}

impl<L: Likelihood> CostFunction for Negated<'_, L> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, theta: &Array1<f64>) -> std::result::Result<f64, argmin::core::Error> {
        // Outside the parameter space (or where the likelihood overflows) a huge finite
        // cost makes the line search step back; an infinite one would stop it.
        Ok(self.eval(theta).0)
    }
}

impl<L: Likelihood> Gradient for Negated<'_, L> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(
        &self,
        theta: &Array1<f64>,
    ) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        Ok(self.eval(theta).1)
    }
}

/// Maximize `lik` from the first of `starts`; only when that does not converge, also from
/// the others, keeping the best optimum (so a well-behaved fit costs one optimization).
pub fn fit_from<L: Likelihood>(lik: &L, starts: &[Vec<f64>], max_iters: u64) -> Result<MleFit> {
    let first = fit(lik, &starts[..1.min(starts.len())], max_iters);
    match first {
        Ok(f) if f.status == "converged" || starts.len() < 2 => Ok(f),
        other => {
            let rest = fit(lik, &starts[1..], max_iters);
            match (other, rest) {
                (Ok(a), Ok(b)) => Ok(if b.log_likelihood > a.log_likelihood {
                    b
                } else {
                    a
                }),
                (Ok(a), Err(_)) => Ok(a),
                (Err(_), r) => r,
            }
        }
    }
}

/// Maximize `lik` from each of `starts` (natural parameters); the best converged optimum.
pub fn fit<L: Likelihood>(lik: &L, starts: &[Vec<f64>], max_iters: u64) -> Result<MleFit> {
    let mut best: Option<(f64, Array1<f64>, u64, String)> = None;
    for s in starts {
        let theta0: Array1<f64> = s.iter().map(|v| v.ln()).collect();
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
            .with_tolerance_grad(1e-9)
            .and_then(|s| s.with_tolerance_cost(1e-14))
            .map_err(|e| Error::Internal(format!("optimizer setup: {e}")))?;
        let Ok(res) = Executor::new(Negated::new(lik), solver)
            .configure(|st| st.param(theta0).max_iters(max_iters))
            .run()
        else {
            continue;
        };
        let state = res.state();
        let cost = state.get_best_cost();
        let Some(theta) = state.get_best_param().cloned() else {
            continue;
        };
        // A line search that cannot descend any more at a point with a vanishing gradient
        // has converged too; anything else is reported as the optimizer said it.
        let flat = Negated::new(lik)
            .gradient(&theta)
            .map(|g| g.iter().all(|v| v.abs() < 1e-3))
            .unwrap_or(false);
        let status = match state.get_termination_reason() {
            Some(TerminationReason::SolverConverged) => "converged".to_string(),
            _ if flat => "converged".to_string(),
            Some(r) => r.text().to_string(),
            None => "not terminated".to_string(),
        };
        if cost < INVALID && best.as_ref().is_none_or(|b| cost < b.0) {
            best = Some((cost, theta, state.get_iter(), status));
        }
    }
    let Some((cost, theta, iterations, status)) = best else {
        return Err(Error::Degenerate(
            "the likelihood could not be maximized from any starting point (no finite log-likelihood was reached)".into(),
        ));
    };
    let params: Vec<f64> = theta.iter().map(|v| v.exp()).collect();
    let std_errors = std_errors(lik, &params);
    let k = params.len() as f64;
    let n = lik.n();
    let ll = -cost;
    Ok(MleFit {
        names: lik.names().iter().map(|s| s.to_string()).collect(),
        params,
        std_errors,
        log_likelihood: ll,
        aic: 2.0 * k - 2.0 * ll,
        bic: k * n.ln() - 2.0 * ll,
        n,
        iterations,
        status,
    })
}

/// √diag of the inverse observed information −H⁻¹ (H by central differences of the
/// analytic gradient, symmetrized).
fn std_errors<L: Likelihood>(lik: &L, p: &[f64]) -> Vec<Option<f64>> {
    let k = p.len();
    let mut h = Array2::<f64>::zeros((k, k));
    for j in 0..k {
        let step = 1e-5 * p[j].abs().max(1e-8);
        let (mut up, mut dn) = (p.to_vec(), p.to_vec());
        up[j] += step;
        dn[j] -= step;
        let (Some((_, gu)), Some((_, gd))) = (lik.value_grad(&up), lik.value_grad(&dn)) else {
            return vec![None; k];
        };
        for i in 0..k {
            h[[i, j]] = -(gu[i] - gd[i]) / (2.0 * step);
        }
    }
    let info = (&h + &h.t()) * 0.5;
    match info.invc() {
        Ok(cov) => (0..k)
            .map(|i| (cov[[i, i]] > 0.0).then(|| cov[[i, i]].sqrt()))
            .collect(),
        Err(_) => vec![None; k],
    }
}

/// Gauss hypergeometric ₂F₁(a, b; c; z) for z < 1 (Abramowitz & Stegun 15.1.1): the
/// power series for 0 ≤ z < 1, summed until the terms stop changing the sum (z is below
/// ~0.9 in the BG/NBD expectations, where it needs at most a few hundred terms); for
/// z < 0 Pfaff's transformation ₂F₁(a,b;c;z) = (1−z)^(−a) ₂F₁(a, c−b; c; z/(z−1))
/// (A&S 15.3.4) brings the argument into [0, 1).
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    if z < 0.0 {
        return (1.0 - z).powf(-a) * series_2f1(a, c - b, c, z / (z - 1.0));
    }
    series_2f1(a, b, c, z)
}

fn series_2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for j in 0..100_000 {
        let jf = f64::from(j);
        term *= (a + jf) * (b + jf) / ((c + jf) * (jf + 1.0)) * z;
        sum += term;
        if term.abs() <= 1e-17 * sum.abs() || !sum.is_finite() {
            break;
        }
    }
    sum
}

/// BG/NBD: expected transactions in the next `t` periods (FHL 2005, eq. 10).
pub fn bgnbd_expected(p: &[f64], x: f64, t_x: f64, big_t: f64, t: f64) -> f64 {
    let (r, al, a, b) = (p[0], p[1], p[2], p[3]);
    let z = t / (al + big_t + t);
    let head = (a + b + x - 1.0) / (a - 1.0);
    let tail = 1.0
        - ((al + big_t) / (al + big_t + t)).powf(r + x) * hyp2f1(r + x, b + x, a + b + x - 1.0, z);
    head * tail / bgnbd_denominator(p, x, t_x, big_t)
}

/// BG/NBD: probability the customer is still alive (FHL 2005, eq. 11; the note's form).
pub fn bgnbd_p_alive(p: &[f64], x: f64, t_x: f64, big_t: f64) -> f64 {
    1.0 / bgnbd_denominator(p, x, t_x, big_t)
}

/// 1 + δ(x>0)·a/(b+x−1)·((α+T)/(α+t_x))^(r+x), in log space for its power.
fn bgnbd_denominator(p: &[f64], x: f64, t_x: f64, big_t: f64) -> f64 {
    let (r, al, a, b) = (p[0], p[1], p[2], p[3]);
    if x > 0.0 {
        1.0 + (a / (b + x - 1.0)) * ((r + x) * ((al + big_t) / (al + t_x)).ln()).exp()
    } else {
        1.0
    }
}

/// Gamma-Gamma: expected spend per transaction given x transactions with mean m̄
/// (Fader & Hardie 2013, eq. 5): (γ + m̄x)·p / (px + q − 1).
pub fn gamma_gamma_expected(p: &[f64], x: f64, mean: f64) -> f64 {
    let (pp, q, g) = (p[0], p[1], p[2]);
    (g + mean * x) * pp / (pp * x + q - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyp2f1_against_closed_forms() {
        // ₂F₁(1,1;2;z) = −ln(1−z)/z; ₂F₁(a,b;b;z) = (1−z)^(−a) (A&S 15.1.3, 15.1.8).
        for z in [-3.0, -0.5, 0.1, 0.5, 0.9, 0.99] {
            let want = -(1.0f64 - z).ln() / z;
            let got = hyp2f1(1.0, 1.0, 2.0, z);
            assert!((got / want - 1.0).abs() < 1e-13, "z {z}: {got} vs {want}");
            let want = (1.0f64 - z).powf(-2.5);
            let got = hyp2f1(2.5, 3.0, 3.0, z);
            assert!((got / want - 1.0).abs() < 1e-13, "z {z}: {got} vs {want}");
        }
    }

    /// ₂F₁ in the Pareto/NBD regimes (c = a + 1, large a, z near 1) against mpmath's
    /// 50-digit values.
    #[test]
    fn hyp2f1_against_high_precision_values() {
        let cases = [
            (27.159, 1.606, 28.159, 0.3, 1.731_497_125_349_756_4),
            (127.16, 1.606, 128.16, 0.95, 101.180_471_917_035_38),
            (1000.2, 27.55, 1001.2, 0.9, 2.847_761_565_313_562e27),
            (0.8, 0.6, 1.8, 0.999, 2.125_587_050_794_843_5),
            (200.5, 200.0, 201.5, 0.5, 8.064_782_225_040_06e59),
            (27.159, 26.553, 28.159, 0.0273, 2.031_664_956_108_957_6),
        ];
        for (a, b, c, z, want) in cases {
            let got = hyp2f1(a, b, c, z);
            assert!(
                (got / want - 1.0).abs() < 1e-11,
                "2F1({a},{b};{c};{z}) = {got} vs {want}"
            );
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let rfm = RfmTuples {
            x: vec![0.0, 1.0, 4.0, 12.0],
            t_x: vec![0.0, 3.5, 20.0, 30.0],
            t: vec![38.0, 30.0, 35.0, 31.0],
            count: vec![10.0, 4.0, 2.0, 1.0],
        };
        let spend = SpendTuples {
            x: vec![1.0, 3.0, 7.0],
            mean: vec![20.0, 35.5, 12.0],
            count: vec![5.0, 2.0, 1.0],
        };
        fn check(l: &dyn Likelihood, p: &[f64]) {
            let (_, g) = l.value_grad(p).unwrap();
            for k in 0..p.len() {
                let h = 1e-6 * p[k];
                let (mut u, mut d) = (p.to_vec(), p.to_vec());
                u[k] += h;
                d[k] -= h;
                let num = (l.value_grad(&u).unwrap().0 - l.value_grad(&d).unwrap().0) / (2.0 * h);
                assert!(
                    (num - g[k]).abs() < 1e-5 * num.abs().max(1.0),
                    "{k}: {num} vs {}",
                    g[k]
                );
            }
        }
        check(&BgNbd(&rfm), &[0.24, 4.4, 0.79, 2.4]);
        check(&GammaGamma(&spend), &[6.25, 3.74, 15.44]);
    }
}
