//! Time-invariant covariates in the purchase, dropout, spend and retention models (Fader &
//! Hardie 2007, "Incorporating time-invariant covariates into the Pareto/NBD and BG/NBD
//! models", www.brucehardie.com/notes/019; the same device in the sBG: Fader & Hardie 2007,
//! JIM 21(1), §"individual-level covariates").
//!
//! Each customer's mixing parameters are the population's scaled by their covariates:
//! θᵢₖ = θ₀ₖ · exp(sₖ · γᵀzᵢ) with sₖ = ±1 fixing the direction in which a positive γ acts
//! (BG/NBD: αᵢ = α₀·exp(−γ₁ᵀz), so γ₁ > 0 raises the mean purchase rate r/αᵢ; aᵢ = a₀·exp(γ₂ᵀz),
//! bᵢ = b₀·exp(γ₃ᵀz)). An [`Effect`] is one vector γ acting on one or several parameters:
//! on one parameter it is that process's own effect; on several, the constraint that the
//! covariate acts equally on them (CLVTools' `reg.lambda = reg.mu`).
//!
//! The likelihood is the model's own, evaluated per record at the record's parameters; its
//! gradient follows by the chain rule from the model's gradient in those parameters:
//! ∂ℓ/∂θ₀ₖ = Σᵢ wᵢ·gᵢₖ·θᵢₖ/θ₀ₖ and ∂ℓ/∂γⱼ = Σᵢ wᵢ·Σₖ gᵢₖ·θᵢₖ·sₖ·zᵢⱼ. Records are customers or,
//! where covariates are categorical, distinct (history, z) tuples with their counts.

use ndarray::Array2;
use rayon::prelude::*;

use super::Likelihood;

/// A model's likelihood record by record, at any parameters (at most four).
pub trait Rows: Sync {
    /// Working memory of one parallel task (e.g. sums remembered between records that
    /// share parameters).
    type Scratch: Default;
    /// The model's parameter names.
    fn names(&self) -> &'static [&'static str];
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn weight(&self, i: usize) -> f64;
    /// ln Lᵢ of record `i` at parameters `p` (the record's own), with its gradient in them;
    /// None outside the parameter space.
    fn row(&self, i: usize, p: &[f64; 4], scratch: &mut Self::Scratch) -> Option<(f64, [f64; 4])>;
}

/// One vector of covariate effects: acts on `params` (index, sign) through the covariates
/// `columns` (indices into the covariate matrix).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Effect {
    /// What it acts on, in words (e.g. `purchase rate`).
    pub label: String,
    pub params: Vec<(usize, f64)>,
    pub columns: Vec<usize>,
}

/// The parameters of a record whose covariate `c` is `z(c)` (as the fit sees it: centred,
/// on the scale of `p`'s γ): θₖ = θ₀ₖ·exp(sₖ·γᵀz) for the first `base` entries of `p`
/// (base parameters, then each effect's γ in order).
pub fn scaled_params(
    p: &[f64],
    base: usize,
    effects: &[Effect],
    z: impl Fn(usize) -> f64,
) -> [f64; 4] {
    let mut eta = [0.0; 4];
    let mut at = base;
    for e in effects {
        let lin: f64 = e
            .columns
            .iter()
            .enumerate()
            .map(|(j, &c)| p[at + j] * z(c))
            .sum();
        for &(param, sign) in &e.params {
            eta[param] += sign * lin;
        }
        at += e.columns.len();
    }
    std::array::from_fn(|m| if m < base { p[m] * eta[m].exp() } else { 0.0 })
}

/// A model with covariates: the base parameters (positive), then each effect's γ in order.
pub struct WithCovariates<'a, R: Rows> {
    rows: &'a R,
    /// Records × covariates (centred by the caller).
    z: &'a Array2<f64>,
    effects: Vec<Effect>,
    names: Vec<String>,
    /// Covariates' standard deviations (for the separation check).
    sd: Vec<f64>,
}

/// Records per parallel task; partial sums are added in task order, so the total does not
/// depend on the number of threads.
const CHUNK: usize = 1024;

/// A standard deviation's change in a covariate that multiplies a parameter by more than
/// e⁵ ≈ 150 means the covariate separates customers (the likelihood keeps rising as the
/// effect grows; the optimizer stops somewhere along that ridge).
const SEPARATION: f64 = 5.0;

impl<'a, R: Rows> WithCovariates<'a, R> {
    /// `columns` names the covariate matrix's columns.
    pub fn new(rows: &'a R, z: &'a Array2<f64>, columns: &[String], effects: Vec<Effect>) -> Self {
        let mut names: Vec<String> = rows.names().iter().map(|s| s.to_string()).collect();
        for e in &effects {
            names.extend(
                e.columns
                    .iter()
                    .map(|&j| format!("{}: {}", e.label, columns[j])),
            );
        }
        let w: Vec<f64> = (0..rows.len()).map(|i| rows.weight(i)).collect();
        let total: f64 = w.iter().sum();
        let sd = (0..z.ncols())
            .map(|j| {
                let col = z.column(j);
                let mean = col.iter().zip(&w).map(|(v, w)| v * w).sum::<f64>() / total;
                let var = col
                    .iter()
                    .zip(&w)
                    .map(|(v, w)| w * (v - mean).powi(2))
                    .sum::<f64>()
                    / total;
                var.sqrt()
            })
            .collect();
        WithCovariates {
            rows,
            z,
            effects,
            names,
            sd,
        }
    }

    /// Record `i`'s parameters under `p` (base then γ).
    pub fn record_params(&self, p: &[f64], i: usize) -> [f64; 4] {
        scaled_params(p, self.rows.names().len(), &self.effects, |c| {
            self.z[[i, c]]
        })
    }

    pub fn effects(&self) -> &[Effect] {
        &self.effects
    }
}

impl<R: Rows> Likelihood for WithCovariates<'_, R> {
    fn names(&self) -> &'static [&'static str] {
        self.rows.names()
    }

    fn param_names(&self) -> Vec<String> {
        self.names.clone()
    }

    fn positive(&self) -> usize {
        self.rows.names().len()
    }

    fn forward_hessian(&self) -> bool {
        true
    }

    fn n(&self) -> f64 {
        (0..self.rows.len()).map(|i| self.rows.weight(i)).sum()
    }

    fn value_grad(&self, p: &[f64]) -> Option<(f64, Vec<f64>)> {
        let k = self.rows.names().len();
        if p[..k].iter().any(|v| !(*v > 0.0 && v.is_finite())) || p.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let n = self.rows.len();
        let idx: Vec<usize> = (0..n).collect();
        let partial: Vec<Option<(f64, Vec<f64>)>> = idx
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut ll = 0.0;
                let mut g = vec![0.0; p.len()];
                let mut scratch = R::Scratch::default();
                for &i in chunk {
                    let pi = self.record_params(p, i);
                    let (l, gi) = self.rows.row(i, &pi, &mut scratch)?;
                    let w = self.rows.weight(i);
                    ll += w * l;
                    for m in 0..k {
                        g[m] += w * gi[m] * pi[m] / p[m];
                    }
                    let mut at = k;
                    for e in &self.effects {
                        let through: f64 = e.params.iter().map(|&(m, s)| gi[m] * pi[m] * s).sum();
                        for (j, &c) in e.columns.iter().enumerate() {
                            g[at + j] += w * through * self.z[[i, c]];
                        }
                        at += e.columns.len();
                    }
                }
                Some((ll, g))
            })
            .collect();
        let mut ll = 0.0;
        let mut g = vec![0.0; p.len()];
        for part in partial {
            let (l, gp) = part?;
            ll += l;
            for (a, b) in g.iter_mut().zip(gp) {
                *a += b;
            }
        }
        (ll.is_finite() && g.iter().all(|v| v.is_finite())).then_some((ll, g))
    }

    fn degenerate(&self, p: &[f64]) -> Option<String> {
        let mut at = self.rows.names().len();
        let mut why = Vec::new();
        for e in &self.effects {
            for (j, &c) in e.columns.iter().enumerate() {
                let size = p[at + j].abs() * self.sd[c];
                if size > SEPARATION || !size.is_finite() {
                    why.push(format!(
                        "{} separates customers in the {}: one standard deviation of it multiplies the {} by e^{:.0}, so the likelihood keeps rising as its effect grows without bound (customers on one side all stay, or all leave, or never buy)",
                        self.names[at + j].rsplit(": ").next().unwrap_or_default(),
                        e.label,
                        e.label,
                        size
                    ));
                }
            }
            at += e.columns.len();
        }
        (!why.is_empty()).then(|| {
            format!(
                "{}. Leave the covariate out, or merge the groups it separates; the effects and standard errors describe a boundary, not an estimate",
                why.join("; ")
            )
        })
    }
}
