//! Finite mixtures of linear regressions by EM, as R's flexmix fits them (Leisch 2004,
//! "FlexMix: a general framework for finite mixture models and latent class regression in
//! R", *J. Statistical Software* 11(8); Grün & Leisch 2008, *JSS* 28(4)).
//!
//! Customer i belongs to class k with probability πₖ, and then yᵢ ~ N(xᵢᵀβₖ, σₖ²). From a
//! start (a class per customer, as flexmix's `cluster =`), EM alternates:
//! - M-step: πₖ = the mean posterior; βₖ by least squares weighted by the posteriors pᵢₖ;
//!   σₖ = √(Σᵢ pᵢₖeᵢₖ² / p̄ₖ / (n − rank)), p̄ₖ the mean weight (flexmix's FLXMRglm);
//! - E-step: log pᵢₖ ∝ log πₖ + log φ(yᵢ; xᵢᵀβₖ, σₖ), the log-likelihood Σᵢ log Σₖ (…);
//!
//! until |ℓ − ℓ_old| / (|ℓ| + 0.1) < tolerance. Several regressions on the same customers
//! (the chain's equations) mix jointly, as flexmix's `model = list(FLXMRglm(…), …)`: in
//! class k each equation e has its own βₖₑ and σₖₑ, the class density is the product of the
//! equations' normal densities, and each equation's M-step is its own weighted least
//! squares. BIC = −2ℓ + df·log n with df = (K − 1) + K·Σₑ(pₑ + 1); ICL = BIC − 2 Σᵢ log pᵢ,ĉᵢ (ĉᵢ the most probable class;
//! Biernacki, Celeux & Govaert 2000); the normalized entropy 1 − Σ −pᵢₖ log pᵢₖ / (n log K).

use linfa_linalg::cholesky::SolveCInplace;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// EM settings.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct EmOptions {
    pub tolerance: f64,
    pub max_iter: usize,
}

/// flexmix's defaults: a relative change below 10⁻⁶, at most 200 iterations.
impl Default for EmOptions {
    fn default() -> Self {
        EmOptions {
            tolerance: 1e-6,
            max_iter: 200,
        }
    }
}

/// One class of a fitted mixture.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Component {
    pub prior: f64,
    /// Every equation's coefficients, one equation after the other.
    pub coefficients: Vec<f64>,
    /// The residual standard deviation of each equation.
    pub sigma: Vec<f64>,
    /// Customers whose most probable class this is.
    pub size: usize,
}

/// A fitted mixture.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MixtureFit {
    pub k: usize,
    pub log_likelihood: f64,
    pub iterations: usize,
    pub converged: bool,
    pub df: usize,
    pub bic: f64,
    pub icl: f64,
    /// 1 − entropy / (n log K): 1 when every customer's class is certain.
    pub entropy: f64,
    pub components: Vec<Component>,
    /// With concomitant variables: each class's multinomial-logit coefficients γₖ (the
    /// intercept, then one per variable), the first class's all 0 (the reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concomitant: Option<Vec<Vec<f64>>>,
    /// Posterior class probabilities, n × K row-major.
    #[serde(skip)]
    pub posterior: Vec<f64>,
}

impl MixtureFit {
    /// Customer i's most probable class.
    pub fn class(&self, i: usize) -> usize {
        let row = &self.posterior[i * self.k..(i + 1) * self.k];
        (0..self.k).fold(0, |b, j| if row[j] > row[b] { j } else { b })
    }
}

/// Weighted least squares: β, and Σ wᵢeᵢ² (None when X'WX is singular).
fn wls(x: &Array2<f64>, y: &Array1<f64>, w: &[f64]) -> Option<(Array1<f64>, f64)> {
    let p = x.ncols();
    let mut xtx = Array2::<f64>::zeros((p, p));
    let mut xty = Array1::<f64>::zeros(p);
    for (i, row) in x.rows().into_iter().enumerate() {
        let wi = w[i];
        if wi == 0.0 {
            continue;
        }
        for a in 0..p {
            xty[a] += wi * row[a] * y[i];
            for b in 0..=a {
                xtx[[a, b]] += wi * row[a] * row[b];
            }
        }
    }
    for a in 0..p {
        for b in 0..a {
            xtx[[b, a]] = xtx[[a, b]];
        }
    }
    let mut a = xtx;
    let mut beta = xty.insert_axis(ndarray::Axis(1));
    a.solvec_inplace(&mut beta).ok()?;
    let beta = beta.column(0).to_owned();
    let fitted = x.dot(&beta);
    let rss: f64 = (0..y.len())
        .map(|i| w[i] * (y[i] - fitted[i]).powi(2))
        .sum();
    Some((beta, rss))
}

/// log Σ exp(v).
fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + v.iter().map(|a| (a - m).exp()).sum::<f64>().ln()
}

/// One regression of a mixture: X (with its intercept column) and y.
pub type Equation<'a> = (&'a Array2<f64>, &'a Array1<f64>);

/// Fit a K-class mixture of the regressions `eqs` (one, or several on the same rows) by EM
/// from `start` (a class 0…K−1 per row); with `concomitant` (z with its intercept column
/// first), the class priors are a multinomial logit on z ([`super::concomitant`]).
pub fn em(
    eqs: &[Equation],
    concomitant: Option<&Array2<f64>>,
    start: &[usize],
    k: usize,
    opts: EmOptions,
) -> Result<MixtureFit> {
    let n = eqs.first().map_or(0, |e| e.0.nrows());
    let params: usize = eqs.iter().map(|e| e.0.ncols() + 1).sum();
    let scaled = concomitant.map(super::concomitant::Scaled::new);
    let q = scaled.as_ref().map_or(0, |s| s.z.ncols());
    let mut theta = Array1::<f64>::zeros(k.saturating_sub(1) * q);
    let mut class_priors: Vec<f64> = Vec::new();
    if k == 0 || eqs.is_empty() || start.len() != n || start.iter().any(|&c| c >= k) {
        return Err(Error::Internal(
            "mixture start: one class 0..K-1 per row".into(),
        ));
    }
    if n < k * params + k {
        return Err(Error::Usage(format!(
            "{n} customers cannot identify {k} classes of {params} parameters each; ask for fewer classes"
        )));
    }
    let mut post = vec![0.0; n * k];
    for (i, &c) in start.iter().enumerate() {
        post[i * k + c] = 1.0;
    }
    let ln_2pi = (2.0 * std::f64::consts::PI).ln();
    let mut llh = f64::NEG_INFINITY;
    // Per class: its prior, and per equation (β, σ).
    type Class = (f64, Vec<(Array1<f64>, f64)>);
    let mut comps: Vec<Class> = Vec::new();
    let mut converged = false;
    let mut iterations = 0;
    let mut logd = vec![0.0; n * k];
    for iter in 1..=opts.max_iter {
        iterations = iter;
        // M-step.
        comps.clear();
        for j in 0..k {
            let w: Vec<f64> = (0..n).map(|i| post[i * k + j]).collect();
            let prior = w.iter().sum::<f64>() / n as f64;
            let mut fits = Vec::with_capacity(eqs.len());
            for (x, y) in eqs {
                let (beta, rss) = wls(x, y, &w).ok_or_else(|| {
                    Error::Degenerate(format!(
                        "class {} of {k} became empty or collinear during EM (prior {prior:.3}); ask for fewer classes or try other starts",
                        j + 1
                    ))
                })?;
                let sigma = (rss / prior / (n - x.ncols()) as f64).sqrt();
                fits.push((beta, sigma));
            }
            comps.push((prior, fits));
        }
        if let Some(sc) = &scaled {
            theta = super::concomitant::fit(&sc.z, &post, k, theta)?;
            class_priors = super::concomitant::priors(&sc.z, &theta, k);
        }
        // E-step.
        logd.iter_mut().for_each(|v| *v = 0.0);
        for (j, (prior, fits)) in comps.iter().enumerate() {
            for i in 0..n {
                logd[i * k + j] = if class_priors.is_empty() {
                    prior.ln()
                } else {
                    class_priors[i * k + j].ln()
                };
            }
            for ((x, y), (beta, sigma)) in eqs.iter().zip(fits) {
                let fitted = x.dot(beta);
                for i in 0..n {
                    let z = (y[i] - fitted[i]) / sigma;
                    logd[i * k + j] -= 0.5 * ln_2pi + sigma.ln() + 0.5 * z * z;
                }
            }
        }
        let old = llh;
        llh = 0.0;
        for i in 0..n {
            let row = &logd[i * k..(i + 1) * k];
            let lse = log_sum_exp(row);
            llh += lse;
            for j in 0..k {
                post[i * k + j] = (row[j] - lse).exp();
            }
        }
        if !llh.is_finite() {
            return Err(Error::Degenerate(format!(
                "the mixture's log-likelihood is not finite at iteration {iter} (a class fits some customers exactly); ask for fewer classes"
            )));
        }
        if ((llh - old) / (llh.abs() + 0.1)).abs() < opts.tolerance {
            converged = true;
            break;
        }
    }
    let df = (k - 1) * q.max(1) + k * params;
    let bic = -2.0 * llh + df as f64 * (n as f64).ln();
    let mut fit = MixtureFit {
        k,
        log_likelihood: llh,
        iterations,
        converged,
        df,
        bic,
        icl: bic,
        entropy: 1.0,
        components: comps
            .iter()
            .map(|(_, fits)| Component {
                prior: 0.0,
                coefficients: fits.iter().flat_map(|(b, _)| b.to_vec()).collect(),
                sigma: fits.iter().map(|(_, s)| *s).collect(),
                size: 0,
            })
            .collect(),
        concomitant: scaled.as_ref().map(|sc| {
            let rows: Vec<Vec<f64>> = (0..k)
                .map(|c| {
                    if c == 0 {
                        vec![0.0; q]
                    } else {
                        theta.slice(ndarray::s![(c - 1) * q..c * q]).to_vec()
                    }
                })
                .collect();
            sc.unscale(&rows)
        }),
        posterior: post,
    };
    // Final priors are the mean posteriors (as flexmix reports them); sizes by the most
    // probable class; ICL and entropy from the posteriors.
    let mut ent = 0.0;
    let mut hard = 0.0;
    for i in 0..n {
        let c = fit.class(i);
        fit.components[c].size += 1;
        hard += fit.posterior[i * k + c].ln();
        for j in 0..k {
            let q = fit.posterior[i * k + j];
            fit.components[j].prior += q / n as f64;
            if q > 0.0 {
                ent -= q * q.ln();
            }
        }
    }
    fit.icl = bic - 2.0 * hard;
    fit.entropy = if k > 1 {
        1.0 - ent / (n as f64 * (k as f64).ln())
    } else {
        1.0
    };
    Ok(fit)
}

/// Order the classes by size, largest first (stable labels across runs and starts).
pub fn order_by_size(fit: &mut MixtureFit) {
    let k = fit.k;
    let mut idx: Vec<usize> = (0..k).collect();
    idx.sort_by(|&a, &b| {
        fit.components[b]
            .prior
            .total_cmp(&fit.components[a].prior)
            .then(a.cmp(&b))
    });
    fit.components = idx.iter().map(|&j| fit.components[j].clone()).collect();
    // The largest class becomes the reference of the membership model.
    if let Some(g) = &fit.concomitant {
        let base = g[idx[0]].clone();
        fit.concomitant = Some(
            idx.iter()
                .map(|&j| g[j].iter().zip(&base).map(|(a, b)| a - b).collect())
                .collect(),
        );
    }
    let n = fit.posterior.len() / k.max(1);
    let mut post = vec![0.0; fit.posterior.len()];
    for i in 0..n {
        for (new, &old) in idx.iter().enumerate() {
            post[i * k + new] = fit.posterior[i * k + old];
        }
    }
    fit.posterior = post;
}
