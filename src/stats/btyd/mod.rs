//! "Buy till you die" models of customer purchasing, fitted by maximum likelihood.
//!
//! * **BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way",
//!   Marketing Science 24(2)): purchases Poisson(λ) while alive, λ ~ Gamma(r, α); after
//!   each purchase the customer drops out with probability p ~ Beta(a, b).
//! * **MBG/NBD** (Batislam, Denizel & Filiztekin 2007, IJRM 24(3)): BG/NBD in which a
//!   customer may also drop out right after the first purchase, so customers with x = 0
//!   are not all alive.
//! * **Pareto/NBD** (Schmittlein, Morrison & Colombo 1987, Management Science 33(1)):
//!   exponential lifetimes with rates ~ Gamma(s, β).
//! * **BG/BB** (Fader, Hardie & Shang 2010, Marketing Science 29(6)): discrete
//!   opportunities (one per period: donations, renewals, annual events).
//! * **Gamma-Gamma** spend model (Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42(4);
//!   Fader & Hardie 2013 note): a customer's spend per transaction is Gamma(p, ν),
//!   ν ~ Gamma(q, γ).
//!
//! The likelihoods depend on a customer only through (x, t_x, T) — and (x, mean spend) for
//! Gamma-Gamma — so they are summed over distinct tuples weighted by their counts. They are
//! evaluated in log space (log-gamma, log-beta, log-sum-exp), so nothing overflows at high
//! frequencies or long histories. Parameters are optimized on the log scale with argmin's
//! L-BFGS on the per-customer log-likelihood with analytic gradients, from several starting
//! points; standard errors come from the inverse of the observed information (the Hessian by
//! central differences of the gradient).

use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use linfa_linalg::cholesky::InverseC;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

use crate::error::{Error, Result};

mod bgbb;
pub mod covariates;
pub mod draws;
mod hyp2f1;
mod nbd;
mod pnbd;
mod spend;

pub use bgbb::{bgbb_expected, bgbb_p_alive, BgBb};
pub use covariates::{Effect, Rows, WithCovariates};
pub use hyp2f1::hyp2f1;
pub use nbd::{
    bgnbd_expected, bgnbd_p_alive, mbgnbd_expected, mbgnbd_p_alive, nbd_numerator, BgNbd, MbgNbd,
    NbdRows,
};
pub use pnbd::{
    pnbd_discounted_numerator, pnbd_expected, pnbd_numerator, pnbd_p_alive, ParetoNbd, PnbdRows,
};
pub use spend::{gamma_gamma_expected, GammaGamma, SpendRows};

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
    /// `converged`; `degenerate` (parameters at the edge of the space or not identified:
    /// see `explanation`); or `stopped` (the optimizer could not improve the best point
    /// found before it met its convergence test).
    pub status: String,
    /// For a degenerate or stopped fit: what happened, what it means for the predictions and
    /// what to try, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// The estimates' covariance (inverse observed information), for derived quantities'
    /// intervals; not serialized.
    #[serde(skip)]
    pub covariance: Option<Array2<f64>>,
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

pub(crate) fn ln_beta(a: f64, b: f64) -> f64 {
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
    /// Parameter names when they are not fixed (a model with covariates).
    fn param_names(&self) -> Vec<String> {
        self.names().iter().map(|s| s.to_string()).collect()
    }
    /// How many leading parameters are positive (optimized on the log scale); the rest
    /// (covariate effects) are unbounded and optimized as they are.
    fn positive(&self) -> usize {
        self.names().len()
    }
    /// Whether the information matrix is taken by forward differences of the gradient
    /// (k + 1 gradient evaluations instead of 2k, at a relative error of about the step,
    /// 10⁻⁵, in the standard errors: for models whose every evaluation is costly, such as
    /// covariates on a million customers) rather than central ones.
    fn forward_hessian(&self) -> bool {
        false
    }
    /// Why the fit is degenerate beyond the positive parameters' limits (e.g. a covariate
    /// that separates customers), or None.
    fn degenerate(&self, _p: &[f64]) -> Option<String> {
        None
    }
}

/// The purchase (transaction-count) models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PurchaseModel {
    BgNbd,
    MbgNbd,
    ParetoNbd,
    /// Discrete opportunities: the tuples hold (x, t_x, n) in whole periods.
    BgBb,
}

impl PurchaseModel {
    /// Parse `bgnbd|mbgnbd|pnbd|bgbb`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "bgnbd" => Ok(PurchaseModel::BgNbd),
            "mbgnbd" => Ok(PurchaseModel::MbgNbd),
            "pnbd" | "paretonbd" => Ok(PurchaseModel::ParetoNbd),
            "bgbb" => Ok(PurchaseModel::BgBb),
            _ => Err(Error::Usage(format!(
                "model '{s}': use bgnbd, mbgnbd, pnbd or bgbb"
            ))),
        }
    }

    /// Display name, e.g. `BG/NBD`.
    pub fn label(self) -> &'static str {
        match self {
            PurchaseModel::BgNbd => "BG/NBD",
            PurchaseModel::MbgNbd => "MBG/NBD",
            PurchaseModel::ParetoNbd => "Pareto/NBD",
            PurchaseModel::BgBb => "BG/BB",
        }
    }

    /// Maximum-likelihood fit on the tuples; `hint` (another model's fit) seeds the
    /// starting points where the parameters correspond.
    pub fn fit(self, t: &RfmTuples, hint: Option<&MleFit>) -> Result<MleFit> {
        let mut starts = vec![vec![1.0, 1.0, 1.0, 1.0]];
        match self {
            PurchaseModel::BgNbd | PurchaseModel::MbgNbd => {
                starts.extend([vec![0.5, 5.0, 0.5, 2.0], vec![2.0, 20.0, 2.0, 5.0]]);
                fit_from(&NbdFamily(t, self), &starts, 1000)
            }
            PurchaseModel::ParetoNbd => {
                // r and α mean the same in the BG/NBD: start from them when known.
                if let Some(h) = hint {
                    starts.insert(0, vec![h.params[0], h.params[1], 1.0, h.params[1]]);
                }
                fit_from(&ParetoNbd::new(t), &starts, 1000)
            }
            PurchaseModel::BgBb => {
                starts.extend([vec![0.5, 0.5, 0.5, 0.5], vec![2.0, 2.0, 2.0, 2.0]]);
                fit_from(&BgBb(t), &starts, 1000)
            }
        }
    }

    /// Expected transactions in the next `t` periods given (x, t_x, T) (n for BG/BB).
    pub fn expected(self, p: &[f64], x: f64, t_x: f64, big_t: f64, t: f64) -> f64 {
        match self {
            PurchaseModel::BgNbd => bgnbd_expected(p, x, t_x, big_t, t),
            PurchaseModel::MbgNbd => mbgnbd_expected(p, x, t_x, big_t, t),
            PurchaseModel::ParetoNbd => pnbd_expected(p, x, t_x, big_t, t),
            PurchaseModel::BgBb => bgbb_expected(p, x, t_x, big_t, t),
        }
    }

    /// The alive customer's expected transactions in the next `t` periods, which depend on
    /// (x, T) but not on t_x: E[Y(t) | x, t_x, T] = numerator(x, T, t) · P(alive | x, t_x, T)
    /// for the BG/NBD family (FHL 2005, eq. 10 over eq. 11) and the Pareto/NBD (FHL 2005
    /// note, eq. 12). None for the BG/BB.
    pub fn numerator(self, p: &[f64], x: f64, big_t: f64, t: f64) -> Option<f64> {
        match self {
            PurchaseModel::BgNbd => Some(nbd_numerator(p, x, big_t, t, 0.0)),
            PurchaseModel::MbgNbd => Some(nbd_numerator(p, x, big_t, t, 1.0)),
            PurchaseModel::ParetoNbd => Some(pnbd_numerator(p, x, big_t, t)),
            PurchaseModel::BgBb => None,
        }
    }

    /// The share of each of the next `years` years' purchasing that the customer is
    /// expected to keep: year k's expected transactions E[Y(k·u) − Y((k−1)·u) | x, t_x, T]
    /// over those of a customer who never drops out, E[λ | alive, x, T]·u, with u the
    /// periods per year. An alive customer's rate is Gamma(r + x, α + T) in all three
    /// models (the dropout terms do not involve λ once alive), so the weight is
    /// P(alive) · [numerator(k·u) − numerator((k−1)·u)] / ((r + x)/(α + T) · u): for the
    /// Pareto/NBD exactly the expected share of the year the customer is alive; for the
    /// BG/NBD family the same share weighted by purchases (dropout happens at purchases).
    /// None for the BG/BB (discrete opportunities have no rate per year).
    pub fn yearly_activity(
        self,
        p: &[f64],
        [x, t_x, big_t]: [f64; 3],
        years: u32,
        per_year: f64,
    ) -> Option<Vec<f64>> {
        let rate = (p[0] + x) / (p[1] + big_t);
        let alive = self.p_alive(p, x, t_x, big_t);
        let mut prev = 0.0;
        (1..=years)
            .map(|k| {
                let now = self.numerator(p, x, big_t, f64::from(k) * per_year)?;
                let w = alive * (now - prev) / (rate * per_year);
                prev = now;
                Some(w)
            })
            .collect()
    }

    /// P(alive) of every tuple, in tuple order (the Pareto/NBD's ₂F₁ terms once per
    /// distinct (x, t) pair).
    pub fn p_alive_tuples(self, p: &[f64], d: &RfmTuples) -> Vec<f64> {
        use rayon::prelude::*;
        if self == PurchaseModel::ParetoNbd {
            return ParetoNbd::new(d).p_alive_tuples(p);
        }
        (0..d.x.len())
            .into_par_iter()
            .map(|i| self.p_alive(p, d.x[i], d.t_x[i], d.t[i]))
            .collect()
    }

    /// Probability the customer is alive (at T; at opportunity n + 1 for BG/BB).
    pub fn p_alive(self, p: &[f64], x: f64, t_x: f64, big_t: f64) -> f64 {
        match self {
            PurchaseModel::BgNbd => bgnbd_p_alive(p, x, t_x, big_t),
            PurchaseModel::MbgNbd => mbgnbd_p_alive(p, x, t_x, big_t),
            PurchaseModel::ParetoNbd => pnbd_p_alive(p, x, t_x, big_t),
            PurchaseModel::BgBb => bgbb_p_alive(p, x, t_x, big_t),
        }
    }
}

/// BG/NBD or MBG/NBD as one likelihood type, for [`PurchaseModel::fit`].
struct NbdFamily<'a>(&'a RfmTuples, PurchaseModel);

impl Likelihood for NbdFamily<'_> {
    fn names(&self) -> &'static [&'static str] {
        BgNbd(self.0).names()
    }
    fn n(&self) -> f64 {
        self.0.count.iter().sum()
    }
    fn value_grad(&self, p: &[f64]) -> Option<(f64, Vec<f64>)> {
        if self.1 == PurchaseModel::MbgNbd {
            MbgNbd(self.0).value_grad(p)
        } else {
            BgNbd(self.0).value_grad(p)
        }
    }
}

/// Cost of an invalid point.
const INVALID: f64 = 1e300;

/// The search stays within 10⁻¹⁰ … 10¹⁰ for every parameter (|ln θ| ≤ 23): a likelihood that
/// keeps rising beyond is a limit (one purchase rate for everyone, nobody dropping out),
/// reached at the bound and reported as degenerate, where the likelihoods and predictions
/// are still evaluated accurately.
const LN_BOUND: f64 = 23.025_850_929_940_457;

/// A parameter beyond 10⁻⁶ … 10⁶ has run to the edge of the space.
const EDGE: f64 = 1e6;

/// −LL and its gradient at one point on the log scale.
type Evaluated = (Array1<f64>, f64, Array1<f64>);

/// −LL/n on log parameters, for argmin. Per customer, so the first quasi-Newton step (taken
/// before any curvature is known) moves the log-parameters by about one unit whatever the
/// number of customers, and the tolerances mean the same for a hundred customers as for a
/// million. The line search asks for the cost and the gradient at the same points; both come
/// from one likelihood evaluation, remembered for the last point.
struct Negated<'a, L: Likelihood>(&'a L, f64, std::sync::Mutex<Option<Evaluated>>);

impl<'a, L: Likelihood> Negated<'a, L> {
    fn new(lik: &'a L) -> Self {
        Negated(lik, 1.0 / lik.n().max(1.0), std::sync::Mutex::new(None))
    }

    /// (−LL/n, −∂LL/∂θ/n) at θ; an invalid point costs [`INVALID`] with a zero gradient.
    fn eval(&self, theta: &Array1<f64>) -> (f64, Array1<f64>) {
        if let Ok(cache) = self.2.lock() {
            if let Some((t, c, g)) = cache.as_ref() {
                if t == theta {
                    return (*c, g.clone());
                }
            }
        }
        let k = self.0.positive();
        if theta.iter().any(|v| v.abs() > LN_BOUND) {
            return (INVALID, Array1::zeros(theta.len()));
        }
        let p = natural(theta, k);
        let out = match self.0.value_grad(&p) {
            // d(−LL)/dθ = −p · dLL/dp on the log scale, −dLL/dp for unbounded parameters
            Some((ll, g)) => (
                -ll * self.1,
                g.iter()
                    .zip(&p)
                    .enumerate()
                    .map(|(j, (gk, pk))| -gk * if j < k { *pk } else { 1.0 } * self.1)
                    .collect(),
            ),
            None => (INVALID, Array1::zeros(theta.len())),
        };
        if let Ok(mut cache) = self.2.lock() {
            *cache = Some((theta.clone(), out.0, out.1.clone()));
        }
        out
    }
}

/// Natural parameters from the optimizer's: exp of the first `k`, the rest as they are.
fn natural(theta: &Array1<f64>, k: usize) -> Vec<f64> {
    theta
        .iter()
        .enumerate()
        .map(|(j, v)| if j < k { v.exp() } else { *v })
        .collect()
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
        let k = lik.positive();
        let theta0: Array1<f64> = s
            .iter()
            .enumerate()
            .map(|(j, v)| if j < k { v.ln() } else { *v })
            .collect();
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
        // (of the total log-likelihood) has converged too; anything else is reported as the
        // optimizer said it.
        let flat = Negated::new(lik)
            .gradient(&theta)
            .map(|g| g.iter().all(|v| v.abs() * lik.n() < 1e-3))
            .unwrap_or(false);
        let status = match state.get_termination_reason() {
            Some(TerminationReason::SolverConverged) => "converged".to_string(),
            _ if flat => "converged".to_string(),
            Some(TerminationReason::MaxItersReached) => format!("stopped: {max_iters} iterations"),
            Some(r) => format!("stopped: {}", r.text()),
            None => "stopped".to_string(),
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
    let positive = lik.positive();
    let params = natural(&theta, positive);
    let covariance = information_inverse(lik, &params, !lik.forward_hessian());
    let std_errors = std_errors(covariance.as_ref(), params.len());
    let k = params.len() as f64;
    let n = lik.n();
    let ll = -cost * n.max(1.0);
    let names = lik.param_names();
    // A covariate that separates customers first: it is the cause when the base parameters
    // run away with it.
    let why = lik.degenerate(&params).or_else(|| {
        degeneracy(
            &names[..positive],
            &params[..positive],
            &std_errors[..positive],
        )
    });
    let (status, explanation) = match why {
        Some(why) => ("degenerate".to_string(), Some(why)),
        None if status == "converged" => (status, None),
        None => (
            "stopped".to_string(),
            Some(format!(
                "the optimizer stopped before its convergence test was met ({}); the parameters are the best point it found, and the standard errors describe that point",
                status.trim_start_matches("stopped: ")
            )),
        ),
    };
    Ok(MleFit {
        names,
        params,
        std_errors,
        log_likelihood: ll,
        aic: 2.0 * k - 2.0 * ll,
        bic: k * n.ln() - 2.0 * ll,
        n,
        iterations,
        status,
        explanation,
        covariance,
    })
}

/// The limits of a drop-out mixture with shape `shape` and scale (or second shape)
/// `other`: a shape that vanishes (or a scale that grows alone) means nobody drops out —
/// `none` says how; both growing together means one drop-out rate for everyone — `same`.
fn drop_out(shape: f64, other: f64, none: String, same: String) -> Option<String> {
    let big = |v: f64| v > EDGE;
    if shape < 1.0 / EDGE || (big(other) && !big(shape)) {
        Some(format!("customers do not drop out: {none}"))
    } else if big(shape) && big(other) {
        Some(same)
    } else {
        None
    }
}

/// Why a fit is degenerate, in words, or None: parameters that ran to the edge of the
/// space (a limit of the model: one purchase rate for everyone, nobody dropping out, one
/// spend level), or an information matrix that is singular (standard errors undefined) or
/// nearly so (a standard error over 1,000 times its estimate).
pub fn degeneracy(names: &[String], p: &[f64], se: &[Option<f64>]) -> Option<String> {
    let get = |n: &str| names.iter().position(|x| x == n).map(|i| p[i]);
    let big = |v: Option<f64>| v.is_some_and(|v| v > EDGE);
    let g = |v: f64| crate::format::num(v, 3);
    let mut why: Vec<String> = Vec::new();
    // Purchase rates: λ ~ Gamma(r, α).
    if let (Some(r), Some(al)) = (get("r"), get("alpha")) {
        if big(Some(r)) || big(Some(al)) {
            why.push(format!(
                "purchase rates do not differ between customers: r and α grew without bound together (r/α = {} purchases per period), so the gamma mixture became one Poisson rate for everyone",
                g(r / al)
            ));
        }
    }
    // Drop-out after a purchase: p ~ Beta(a, b).
    if let (Some(a), Some(b)) = (get("a"), get("b")) {
        why.extend(drop_out(
            a,
            b,
            format!("the drop-out probability after a purchase, a/(a+b) = {}, tends to zero", g(a / (a + b))),
            format!("drop-out probabilities do not differ between customers (a/(a+b) = {} for everyone)", g(a / (a + b))),
        ));
    }
    // Drop-out rates: μ ~ Gamma(s, β).
    if let (Some(sh), Some(be)) = (get("s"), get("beta")) {
        why.extend(drop_out(
            sh,
            be,
            format!(
                "the mean drop-out rate s/β = {} per period tends to zero",
                g(sh / be)
            ),
            format!(
                "drop-out rates do not differ between customers (s/β = {} per period for everyone)",
                g(sh / be)
            ),
        ));
    }
    // Spend: Gamma(p, ν), ν ~ Gamma(q, γ).
    if let (Some(pp), Some(q), Some(gm)) = (get("p"), get("q"), get("gamma")) {
        if big(Some(q)) || big(Some(gm)) {
            why.push(format!(
                "mean spend does not differ between customers: q and γ grew without bound together (mean spend p·γ/(q−1) = {} for everyone)",
                g(pp * gm / (q - 1.0))
            ));
        }
        if big(Some(pp)) {
            why.push("a customer's spend does not vary from one transaction to the next (p grew without bound)".into());
        }
    }
    // BG/BB: purchase probability ~ Beta(α, β), drop-out probability ~ Beta(γ, δ).
    if let (Some(al), Some(be), Some(gm), Some(de)) =
        (get("alpha"), get("beta"), get("gamma"), get("delta"))
    {
        if big(Some(al)) && big(Some(be)) {
            why.push(format!(
                "purchase probabilities do not differ between customers (α/(α+β) = {} for everyone)",
                g(al / (al + be))
            ));
        }
        why.extend(drop_out(
            gm,
            de,
            format!("the drop-out probability γ/(γ+δ) = {} tends to zero", g(gm / (gm + de))),
            format!("drop-out probabilities do not differ between customers (γ/(γ+δ) = {} for everyone)", g(gm / (gm + de))),
        ));
    }
    let edge: Vec<&String> = names
        .iter()
        .zip(p)
        .filter(|(_, v)| **v > EDGE || **v < 1.0 / EDGE)
        .map(|(n, _)| n)
        .collect();
    if why.is_empty() && !edge.is_empty() {
        why.push(format!(
            "{} ran to the edge of the parameter space",
            edge.iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let unidentified = se
        .iter()
        .zip(p)
        .any(|(s, v)| s.is_none_or(|s| !s.is_finite() || s > 1e3 * v.abs()));
    if why.is_empty() && unidentified {
        why.push("the likelihood is flat in some direction (the information matrix is singular or nearly so): these data do not identify every parameter, and their standard errors are undefined".into());
    }
    (!why.is_empty()).then(|| {
        format!(
            "{}. The model's limit still gives predictions, but these parameters and their standard errors describe a boundary, not an estimate",
            why.join("; ")
        )
    })
}

/// √diag of the inverse observed information −H⁻¹ (see [`covariance`]).
fn std_errors(cov: Option<&Array2<f64>>, k: usize) -> Vec<Option<f64>> {
    match cov {
        Some(cov) => (0..k)
            .map(|i| (cov[[i, i]] > 0.0).then(|| cov[[i, i]].sqrt()))
            .collect(),
        None => vec![None; k],
    }
}

/// The inverse observed information −H⁻¹ at `p`, the estimates' asymptotic covariance (H by
/// central differences of the analytic gradient, symmetrized); None when it is not
/// positive definite.
pub fn covariance<L: Likelihood>(lik: &L, p: &[f64]) -> Option<Array2<f64>> {
    information_inverse(lik, p, true)
}

fn information_inverse<L: Likelihood>(lik: &L, p: &[f64], central: bool) -> Option<Array2<f64>> {
    let k = p.len();
    let positive = lik.positive();
    let mut h = Array2::<f64>::zeros((k, k));
    let at = if central {
        None
    } else {
        Some(lik.value_grad(p)?.1)
    };
    for j in 0..k {
        let floor = if j < positive { 1e-8 } else { 1e-3 };
        let step = 1e-5 * p[j].abs().max(floor);
        let mut up = p.to_vec();
        up[j] += step;
        let (_, gu) = lik.value_grad(&up)?;
        let (gd, width) = match &at {
            Some(g0) => (g0.clone(), step),
            None => {
                let mut dn = p.to_vec();
                dn[j] -= step;
                (lik.value_grad(&dn)?.1, 2.0 * step)
            }
        };
        for i in 0..k {
            h[[i, j]] = -(gu[i] - gd[i]) / width;
        }
    }
    let info = (&h + &h.t()) * 0.5;
    info.invc().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pareto/NBD: an alive customer's lifetime is exponential with μ ~ Gamma(s, β + T), so
    /// the chance to be alive t periods on is ((β+T)/(β+T+t))^s and year k's weight is
    /// P(alive) times its mean over the year — here by a 20,000-point trapezoid, not the
    /// closed form the code uses. Weights fall year by year; the BG/NBD's add up (times the
    /// rate) to the model's expected transactions over the years.
    #[test]
    fn yearly_activity_is_the_expected_share_of_each_year_alive() {
        let p = [0.55, 10.58, 0.61, 11.67];
        let (x, t_x, big_t, u) = (3.0, 20.0, 38.0, 52.0);
        let w = PurchaseModel::ParetoNbd
            .yearly_activity(&p, [x, t_x, big_t], 3, u)
            .unwrap();
        let alive = PurchaseModel::ParetoNbd.p_alive(&p, x, t_x, big_t);
        let b = p[3] + big_t;
        for (k, wk) in w.iter().enumerate() {
            let (a, n) = (k as f64 * u, 20_000);
            let f = |t: f64| (b / (b + t)).powf(p[2]);
            let h = u / n as f64;
            let integral: f64 = (0..n)
                .map(|j| (f(a + j as f64 * h) + f(a + (j + 1) as f64 * h)) * h / 2.0)
                .sum();
            let want = alive * integral / u;
            assert!((wk - want).abs() < 1e-8, "year {k}: {wk} vs {want}");
        }
        assert!(w[0] > w[1] && w[1] > w[2] && w[2] > 0.0);
        let q = [0.243, 4.414, 0.793, 2.426];
        let bg = PurchaseModel::BgNbd;
        let w = bg.yearly_activity(&q, [x, t_x, big_t], 2, u).unwrap();
        let rate = (q[0] + x) / (q[1] + big_t);
        let sum: f64 = w.iter().map(|v| v * rate * u).sum();
        let want = bg.expected(&q, x, t_x, big_t, 2.0 * u);
        assert!((sum - want).abs() < 1e-10 * want, "{sum} vs {want}");
        assert!(w.iter().all(|v| *v > 0.0 && *v <= 1.0));
        assert!(PurchaseModel::BgBb
            .yearly_activity(&q, [x, t_x, big_t], 2, u)
            .is_none());
    }

    /// A fit stopped early reports its status and the best finite parameters found; only
    /// a likelihood that is nowhere finite is an error.
    #[test]
    fn a_fit_stopped_early_says_so_and_keeps_the_best_point() {
        let rfm = RfmTuples {
            x: vec![0.0, 1.0, 2.0, 5.0],
            t_x: vec![0.0, 10.0, 20.0, 30.0],
            t: vec![38.0, 38.0, 38.0, 38.0],
            count: vec![50.0, 20.0, 10.0, 5.0],
        };
        let f = fit(&BgNbd(&rfm), &[vec![1.0, 1.0, 1.0, 1.0]], 2).unwrap();
        assert_ne!(f.status, "converged");
        assert_eq!(f.iterations, 2);
        assert!(f.params.iter().all(|p| p.is_finite() && *p > 0.0));
        assert!(f.log_likelihood.is_finite());
        // No finite likelihood anywhere: an error, not NaN parameters.
        struct Nowhere;
        impl Likelihood for Nowhere {
            fn names(&self) -> &'static [&'static str] {
                &["a"]
            }
            fn value_grad(&self, _: &[f64]) -> Option<(f64, Vec<f64>)> {
                None
            }
            fn n(&self) -> f64 {
                1.0
            }
        }
        assert!(fit(&Nowhere, &[vec![1.0]], 50).is_err());
    }

    /// The likelihoods stay accurate in their limits (issue #21, item 7): as r, α → ∞ with
    /// r/α = λ and nobody dropping out, BG/NBD, MBG/NBD and Pareto/NBD become a Poisson process
    /// with rate λ for everyone, L = λˣ e^(−λT); as q, γ → ∞ with q/γ = ν, Gamma-Gamma's mean
    /// spend is Gamma(px, xν). Before, ln Γ(r) and r ln α cancelled to a log-likelihood of 0.00.
    #[test]
    fn likelihoods_reach_their_limits_accurately() {
        let rfm = RfmTuples {
            x: vec![0.0, 1.0, 4.0, 12.0, 40.0],
            t_x: vec![0.0, 3.5, 20.0, 30.0, 37.0],
            t: vec![38.0, 30.0, 35.0, 31.0, 38.0],
            count: vec![10.0, 4.0, 2.0, 1.0, 3.0],
        };
        // (A drop-out rate of 1e-12 would still matter against e^(−λT) ≈ 3e-12: the
        // Pareto/NBD's limit needs s/β far below that.)
        let lambda: f64 = 0.7;
        let poisson: f64 = (0..rfm.x.len())
            .map(|i| rfm.count[i] * (rfm.x[i] * lambda.ln() - lambda * rfm.t[i]))
            .sum();
        for r in [1e8, 1e10, 1e12] {
            let nbd = [r, r / lambda, 1e-12, 1e6];
            for (name, ll) in [
                ("BG/NBD", BgNbd(&rfm).value_grad(&nbd).unwrap().0),
                ("MBG/NBD", MbgNbd(&rfm).value_grad(&nbd).unwrap().0),
                (
                    "Pareto/NBD",
                    ParetoNbd::new(&rfm)
                        .value_grad(&[r, r / lambda, 1e-30, 1.0])
                        .unwrap()
                        .0,
                ),
            ] {
                assert!(
                    (ll - poisson).abs() < 1e-6 * poisson.abs(),
                    "{name} at r = {r:e}: {ll} vs {poisson}"
                );
            }
        }
        let spend = SpendTuples {
            x: vec![1.0, 3.0, 7.0],
            mean: vec![20.0, 35.5, 12.0],
            count: vec![5.0, 2.0, 1.0],
        };
        let (p, nu): (f64, f64) = (2.5, 0.08);
        let want: f64 = (0..3)
            .map(|i| {
                let (x, m) = (spend.x[i], spend.mean[i]);
                spend.count[i]
                    * (p * x * (x * nu).ln() + (p * x - 1.0) * m.ln()
                        - x * nu * m
                        - ln_gamma(p * x))
            })
            .sum();
        for q in [1e9, 1e12] {
            let got = GammaGamma(&spend).value_grad(&[p, q, q / nu]).unwrap().0;
            assert!(
                (got - want).abs() < 1e-7 * want.abs(),
                "q {q:e}: {got} vs {want}"
            );
        }
    }

    /// A log of steady buyers (one rate, no drop-out) gives a degenerate fit with its
    /// explanation, not "converged", and parameters inside the search bounds.
    #[test]
    fn a_fit_at_the_limit_is_degenerate_and_says_why() {
        // x ≈ λT for everyone: no heterogeneity in rates, nobody lapsing.
        let rfm = RfmTuples {
            x: vec![18.0, 19.0, 20.0, 21.0, 22.0, 20.0],
            t_x: vec![38.0, 39.0, 39.5, 39.8, 39.9, 39.0],
            t: vec![40.0; 6],
            count: vec![40.0, 60.0, 80.0, 60.0, 40.0, 20.0],
        };
        for m in [PurchaseModel::BgNbd, PurchaseModel::ParetoNbd] {
            let f = m.fit(&rfm, None).unwrap();
            assert_eq!(f.status, "degenerate", "{m:?}: {f:?}");
            let why = f.explanation.unwrap_or_default();
            assert!(
                why.contains("do not differ") || why.contains("do not drop out"),
                "{why}"
            );
            assert!(
                f.params.iter().all(|p| p.is_finite() && *p <= 1.01e10),
                "{:?}",
                f.params
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
        // Both sides of α = β, and far from it (the 1 − z transformation).
        for p in [
            [0.55, 10.6, 0.6, 11.7],
            [0.55, 11.7, 0.6, 10.6],
            [0.6, 8.0, 60.0, 4000.0],
        ] {
            check(&ParetoNbd::new(&rfm), &p);
        }
        let discrete = RfmTuples {
            x: vec![0.0, 1.0, 3.0, 6.0],
            t_x: vec![0.0, 2.0, 5.0, 6.0],
            t: vec![6.0, 6.0, 6.0, 6.0],
            count: vec![40.0, 12.0, 6.0, 3.0],
        };
        check(&BgBb(&discrete), &[1.204, 0.750, 0.657, 2.783]);
        check(&GammaGamma(&spend), &[6.25, 3.74, 15.44]);
    }
}
