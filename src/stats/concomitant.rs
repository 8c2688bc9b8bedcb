//! The concomitant model of a finite mixture: class membership by a multinomial logit on
//! customer variables z (Dayton & Macready 1988, "Concomitant-variable latent-class models",
//! *JASA* 83(401); flexmix's `FLXPmultinom`). Class k's prior for customer i is
//! πᵢₖ = exp(zᵢᵀγₖ) / Σₗ exp(zᵢᵀγₗ) with γ₁ = 0 (the first class the reference).
//!
//! EM's M-step for γ maximises Σᵢ Σₖ pᵢₖ log πᵢₖ, the multinomial likelihood with the
//! posteriors pᵢₖ as fractional responses (what flexmix's refit with `nnet::multinom` does).
//! It is concave; here it is maximised by Newton–Raphson ([`fit`]) on z standardised (the
//! intercept kept), with the analytic gradient Σᵢ zᵢ(pᵢₖ − πᵢₖ) and information, warm-started
//! from the previous step's γ, and γ mapped back to z's own units.

use linfa_linalg::cholesky::SolveCInplace;
use ndarray::{Array1, Array2};

use crate::error::{Error, Result};

/// z standardised: each column but the first (the intercept) centred and scaled.
pub struct Scaled {
    pub z: Array2<f64>,
    mean: Vec<f64>,
    sd: Vec<f64>,
}

impl Scaled {
    /// `z` with its intercept column first.
    pub fn new(z: &Array2<f64>) -> Scaled {
        let (n, q) = z.dim();
        let mut out = z.clone();
        let (mut mean, mut sd) = (vec![0.0; q], vec![1.0; q]);
        for j in 1..q {
            let c = z.column(j);
            let m = c.sum() / n as f64;
            let s = (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n as f64).sqrt();
            let s = if s > 0.0 { s } else { 1.0 };
            mean[j] = m;
            sd[j] = s;
            out.column_mut(j).mapv_inplace(|v| (v - m) / s);
        }
        Scaled { z: out, mean, sd }
    }

    /// γ on the standardised scale (K × q) in z's own units.
    pub fn unscale(&self, g: &[Vec<f64>]) -> Vec<Vec<f64>> {
        g.iter()
            .map(|row| {
                let mut out = vec![0.0; row.len()];
                out[0] = row[0];
                for j in 1..row.len() {
                    out[j] = row[j] / self.sd[j];
                    out[0] -= row[j] * self.mean[j] / self.sd[j];
                }
                out
            })
            .collect()
    }
}

/// Σᵢ Σₖ pᵢₖ log πᵢₖ at γ₂…γ_K (flattened, q each), its gradient and the negative of its
/// Hessian (the information; positive definite unless the classes are separated).
fn eval(
    z: &Array2<f64>,
    post: &[f64],
    k: usize,
    theta: &Array1<f64>,
) -> (f64, Array1<f64>, Array2<f64>) {
    let (n, q) = z.dim();
    let m = theta.len();
    let mut ll = 0.0;
    let mut grad = Array1::<f64>::zeros(m);
    let mut info = Array2::<f64>::zeros((m, m));
    let pi = priors(z, theta, k);
    for i in 0..n {
        let zi = z.row(i);
        let (p, pr) = (&post[i * k..(i + 1) * k], &pi[i * k..(i + 1) * k]);
        for c in 0..k {
            if p[c] > 0.0 {
                ll += p[c] * pr[c].max(f64::MIN_POSITIVE).ln();
            }
        }
        for c in 1..k {
            let r = p[c] - pr[c];
            for a in 0..q {
                grad[(c - 1) * q + a] += zi[a] * r;
            }
            for d in 1..k {
                let w = pr[c] * (if c == d { 1.0 } else { 0.0 } - pr[d]);
                for a in 0..q {
                    for b in 0..q {
                        info[[(c - 1) * q + a, (d - 1) * q + b]] += w * zi[a] * zi[b];
                    }
                }
            }
        }
    }
    (ll, grad, info)
}

/// γ₂…γ_K (flattened) maximising the posterior-weighted multinomial likelihood on `z`
/// (standardised), from `start`: Newton–Raphson with step halving (the likelihood is
/// concave, so a few steps reach machine precision; Agresti 2013, *Categorical Data
/// Analysis*, §8.1 and §4.6). argmin's Newton solver needs a linear-algebra backend this
/// build does not carry; the solve is linfa-linalg's Cholesky.
pub fn fit(z: &Array2<f64>, post: &[f64], k: usize, start: Array1<f64>) -> Result<Array1<f64>> {
    let mut theta = start;
    let (mut ll, mut grad, mut info) = eval(z, post, k, &theta);
    for _ in 0..100 {
        let mut step = grad.clone().insert_axis(ndarray::Axis(1));
        let mut a = info.clone();
        a.solvec_inplace(&mut step).map_err(|_| {
            Error::Degenerate(
                "the class-membership model cannot be fitted: the concomitant variables separate the classes (or are collinear); use fewer of them".into(),
            )
        })?;
        let step = step.column(0).to_owned();
        let mut t = 1.0;
        let (next, nll, ngrad, ninfo) = loop {
            let cand = &theta + &(&step * t);
            let (l, g, h) = eval(z, post, k, &cand);
            if l >= ll - 1e-12 * ll.abs() || t < 1e-8 {
                break (cand, l, g, h);
            }
            t /= 2.0;
        };
        let moved = (&next - &theta)
            .iter()
            .zip(next.iter())
            .all(|(d, v)| d.abs() <= 1e-12 * (1.0 + v.abs()));
        theta = next;
        (ll, grad, info) = (nll, ngrad, ninfo);
        if moved {
            break;
        }
    }
    Ok(theta)
}

/// Every customer's class priors πᵢₖ (n × K, row-major) at γ₂…γ_K.
pub fn priors(z: &Array2<f64>, theta: &Array1<f64>, k: usize) -> Vec<f64> {
    let (n, q) = z.dim();
    let mut out = vec![0.0; n * k];
    let mut eta = vec![0.0; k];
    for i in 0..n {
        let zi = z.row(i);
        for (c, e) in eta.iter_mut().enumerate().skip(1) {
            *e = (0..q).map(|j| zi[j] * theta[(c - 1) * q + j]).sum();
        }
        let m = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let s: f64 = eta.iter().map(|e| (e - m).exp()).sum();
        for c in 0..k {
            out[i * k + c] = (eta[c] - m).exp() / s;
        }
    }
    out
}
