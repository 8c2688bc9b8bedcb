//! Lohmöller's PLS path-modeling algorithm (Lohmöller 1989, *Latent Variable Path Modeling
//! with Partial Least Squares*, ch. 2; Tenenhaus, Esposito Vinzi, Chatelin & Lauro 2005,
//! "PLS path modeling", CSDA 48) on the indicators' correlation matrix.
//!
//! With standardized indicators every step is a function of their correlation matrix R:
//! a construct's outer estimate Yⱼ = Xⱼwⱼ has cov(Yⱼ, Yₖ) = wⱼᵀRⱼₖwₖ and cov(Xⱼ, Zⱼ) =
//! Σₖ eⱼₖRⱼₖwₖ for the inner proxy Zⱼ = Σₖ eⱼₖYₖ. So a fit costs a few small matrix
//! products per iteration whatever the number of respondents, and a bootstrap resample
//! needs only its weighted correlation matrix.
//!
//! Steps: weights start at 1 and are scaled so var(Yⱼ) = 1; inner weights eⱼₖ by the path
//! scheme (regression coefficients of Yⱼ on its predecessors, correlations with its
//! successors), the centroid scheme (signs of the correlations of adjacent constructs) or
//! the factorial scheme (the correlations); outer weights by mode A (wⱼ ∝ cov(Xⱼ, Zⱼ)) or
//! mode B (wⱼ ∝ Rⱼⱼ⁻¹cov(Xⱼ, Zⱼ)); repeated until no weight changes by more than the
//! tolerance. Signs are then fixed so each construct correlates positively with most of its
//! items, and the path coefficients are the OLS regressions of each endogenous construct on
//! its predecessors.

use linfa_linalg::cholesky::SolveC;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::model::Mode;
use crate::error::{Error, Result};

/// Inner weighting scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    #[default]
    Path,
    Centroid,
    Factorial,
}

impl Scheme {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "path" => Ok(Scheme::Path),
            "centroid" => Ok(Scheme::Centroid),
            "factorial" => Ok(Scheme::Factorial),
            _ => Err(Error::Usage(format!(
                "weighting scheme '{s}': use path, centroid or factorial"
            ))),
        }
    }
}

/// Iteration settings.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Settings {
    pub scheme: Scheme,
    /// Largest change of any outer weight that counts as converged.
    pub tolerance: f64,
    pub max_iterations: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            scheme: Scheme::Path,
            tolerance: 1e-10,
            max_iterations: 300,
        }
    }
}

/// The model as indices: each block's item positions (into R's rows), modes, arrows.
#[derive(Debug, Clone)]
pub struct Structure {
    pub blocks: Vec<Vec<usize>>,
    pub modes: Vec<Mode>,
    /// (from, to) construct indices.
    pub edges: Vec<(usize, usize)>,
}

impl Structure {
    fn m(&self) -> usize {
        self.blocks.len()
    }

    /// Predecessors of construct j, in construct order.
    pub fn predecessors(&self, j: usize) -> Vec<usize> {
        let mut p: Vec<usize> = self
            .edges
            .iter()
            .filter(|e| e.1 == j)
            .map(|e| e.0)
            .collect();
        p.sort_unstable();
        p
    }
}

/// A converged (or stopped) fit on a correlation matrix.
#[derive(Debug, Clone)]
pub struct CoreFit {
    /// Standardized outer weights per block.
    pub weights: Vec<Vec<f64>>,
    /// Construct correlations.
    pub lv_corr: Array2<f64>,
    /// Path coefficients: `paths[[i, j]]` for the arrow i → j (0 elsewhere).
    pub paths: Array2<f64>,
    /// R² of each endogenous construct (None for exogenous ones).
    pub r2: Vec<Option<f64>>,
    /// Correlation of every item with every construct (items × constructs).
    pub cross_loadings: Array2<f64>,
    pub iterations: usize,
    /// Largest weight change in the last iteration.
    pub last_change: f64,
    pub converged: bool,
}

impl CoreFit {
    /// Total effects (Σₖ Bᵏ for the acyclic path matrix B).
    pub fn total_effects(&self) -> Array2<f64> {
        let mut total = self.paths.clone();
        let mut power = self.paths.clone();
        for _ in 0..self.paths.nrows() {
            power = power.dot(&self.paths);
            if power.iter().all(|v| v.abs() < 1e-300) {
                break;
            }
            total += &power;
        }
        total
    }
}

/// cov(Yⱼ, Yₖ) = wⱼᵀ R[bⱼ, bₖ] wₖ.
fn block_cov(r: &Array2<f64>, bj: &[usize], wj: &[f64], bk: &[usize], wk: &[f64]) -> f64 {
    let mut s = 0.0;
    for (a, &i) in bj.iter().enumerate() {
        for (b, &k) in bk.iter().enumerate() {
            s += wj[a] * r[[i, k]] * wk[b];
        }
    }
    s
}

/// Solve the symmetric positive definite system `a x = b`.
fn solve(a: &Array2<f64>, b: &Array1<f64>) -> Option<Array1<f64>> {
    let col = b.clone().insert_axis(ndarray::Axis(1));
    let x = a.clone().solvec(&col).ok()?.column(0).to_owned();
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Scale w so wᵀ R[b, b] w = 1.
fn normalize(r: &Array2<f64>, block: &[usize], w: &mut [f64]) -> Option<()> {
    let v = block_cov(r, block, w, block, w);
    if !(v > 0.0 && v.is_finite()) {
        return None;
    }
    let s = v.sqrt();
    w.iter_mut().for_each(|x| *x /= s);
    Some(())
}

fn lv_correlations(r: &Array2<f64>, s: &Structure, w: &[Vec<f64>]) -> Array2<f64> {
    let m = s.m();
    let mut c = Array2::<f64>::eye(m);
    for j in 0..m {
        for k in (j + 1)..m {
            let v = block_cov(r, &s.blocks[j], &w[j], &s.blocks[k], &w[k]);
            c[[j, k]] = v;
            c[[k, j]] = v;
        }
    }
    c
}

/// OLS of construct j on `preds` from the construct correlations: (β, R²).
fn regress(c: &Array2<f64>, j: usize, preds: &[usize]) -> Option<(Vec<f64>, f64)> {
    let q = preds.len();
    let a = Array2::from_shape_fn((q, q), |(u, v)| c[[preds[u], preds[v]]]);
    let b = Array1::from_shape_fn(q, |u| c[[preds[u], j]]);
    let beta = solve(&a, &b)?;
    let r2 = beta.dot(&b);
    Some((beta.to_vec(), r2))
}

/// Fit the model on the indicators' correlation matrix `r`, starting from `start` weights
/// (None: every weight 1). None when a step is singular (e.g. an item without variance
/// in a bootstrap resample).
pub fn fit(
    r: &Array2<f64>,
    s: &Structure,
    settings: &Settings,
    start: Option<&[Vec<f64>]>,
) -> Option<CoreFit> {
    let m = s.m();
    let mut w: Vec<Vec<f64>> = match start {
        Some(w0) => w0.to_vec(),
        None => s.blocks.iter().map(|b| vec![1.0; b.len()]).collect(),
    };
    for (block, wj) in s.blocks.iter().zip(w.iter_mut()) {
        normalize(r, block, wj)?;
    }
    let preds: Vec<Vec<usize>> = (0..m).map(|j| s.predecessors(j)).collect();
    let adjacent = |j: usize, k: usize| {
        s.edges
            .iter()
            .any(|&(a, b)| (a == j && b == k) || (a == k && b == j))
    };
    let (mut iterations, mut change, mut converged) = (0, f64::INFINITY, false);
    while iterations < settings.max_iterations {
        iterations += 1;
        let c = lv_correlations(r, s, &w);
        // Inner weights e[j][k].
        let mut e = Array2::<f64>::zeros((m, m));
        for j in 0..m {
            match settings.scheme {
                Scheme::Path => {
                    if !preds[j].is_empty() {
                        let (beta, _) = regress(&c, j, &preds[j])?;
                        for (u, &i) in preds[j].iter().enumerate() {
                            e[[j, i]] = beta[u];
                        }
                    }
                    for &(a, b) in &s.edges {
                        if a == j {
                            e[[j, b]] = c[[j, b]];
                        }
                    }
                }
                Scheme::Centroid | Scheme::Factorial => {
                    for k in (0..m).filter(|&k| k != j && adjacent(j, k)) {
                        e[[j, k]] = if settings.scheme == Scheme::Centroid {
                            c[[j, k]].signum()
                        } else {
                            c[[j, k]]
                        };
                    }
                }
            }
        }
        // Outer weights from cov(Xⱼ, Zⱼ).
        let mut new = Vec::with_capacity(m);
        for j in 0..m {
            let bj = &s.blocks[j];
            let mut cv = vec![0.0; bj.len()];
            for k in (0..m).filter(|&k| e[[j, k]] != 0.0) {
                for (a, &i) in bj.iter().enumerate() {
                    let mut t = 0.0;
                    for (b, &l) in s.blocks[k].iter().enumerate() {
                        t += r[[i, l]] * w[k][b];
                    }
                    cv[a] += e[[j, k]] * t;
                }
            }
            let mut wj = match s.modes[j] {
                Mode::A => cv,
                Mode::B => {
                    let rjj =
                        Array2::from_shape_fn((bj.len(), bj.len()), |(a, b)| r[[bj[a], bj[b]]]);
                    solve(&rjj, &Array1::from(cv))?.to_vec()
                }
            };
            normalize(r, bj, &mut wj)?;
            new.push(wj);
        }
        change = new
            .iter()
            .zip(&w)
            .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
            .fold(0.0, f64::max);
        w = new;
        if change < settings.tolerance {
            converged = true;
            break;
        }
    }
    // Signs: each construct correlates positively with most of its items.
    for (bj, wj) in s.blocks.iter().zip(w.iter_mut()) {
        let loading =
            |i: usize| -> f64 { bj.iter().enumerate().map(|(b, &k)| r[[i, k]] * wj[b]).sum() };
        let negative = bj.iter().filter(|&&i| loading(i) < 0.0).count();
        if 2 * negative > bj.len() {
            wj.iter_mut().for_each(|x| *x = -*x);
        }
    }
    let c = lv_correlations(r, s, &w);
    let mut paths = Array2::<f64>::zeros((m, m));
    let mut r2 = vec![None; m];
    for j in 0..m {
        if !preds[j].is_empty() {
            let (beta, rsq) = regress(&c, j, &preds[j])?;
            for (u, &i) in preds[j].iter().enumerate() {
                paths[[i, j]] = beta[u];
            }
            r2[j] = Some(rsq);
        }
    }
    let p = r.nrows();
    let mut cross = Array2::<f64>::zeros((p, m));
    for i in 0..p {
        for j in 0..m {
            cross[[i, j]] = s.blocks[j]
                .iter()
                .enumerate()
                .map(|(b, &k)| r[[i, k]] * w[j][b])
                .sum();
        }
    }
    let ok = w.iter().flatten().all(|v| v.is_finite()) && c.iter().all(|v| v.is_finite());
    ok.then_some(CoreFit {
        weights: w,
        lv_corr: c,
        paths,
        r2,
        cross_loadings: cross,
        iterations,
        last_change: change,
        converged,
    })
}

/// Consistent PLS (PLSc; Dijkstra & Henseler 2015, "Consistent partial least squares path
/// modeling", MIS Quarterly 39(2)): for each reflective (mode A) block of two or more items,
/// ρ_A = (wᵀw)²·c² with c² = wᵀ(S − diag S)w / wᵀ(wwᵀ − diag wwᵀ)w, its consistent loadings
/// λ = c·w, and construct correlations disattenuated as r / √(ρ_A,i ρ_A,j) (ρ_A = 1 for
/// single items and mode B blocks); the paths and R² are re-estimated from the corrected
/// correlations. None when a corrected correlation matrix is not positive definite.
pub fn consistent(r: &Array2<f64>, s: &Structure, fit: &CoreFit) -> Option<CoreFit> {
    let m = s.m();
    let mut out = fit.clone();
    let mut rho = vec![1.0; m];
    for (j, rho_j) in rho.iter_mut().enumerate() {
        let b = &s.blocks[j];
        if s.modes[j] != Mode::A || b.len() < 2 {
            continue;
        }
        let w = &fit.weights[j];
        let ww: f64 = w.iter().map(|v| v * v).sum();
        let (mut num, mut den) = (0.0, 0.0);
        for a in 0..b.len() {
            for c in 0..b.len() {
                if a != c {
                    num += w[a] * r[[b[a], b[c]]] * w[c];
                    den += w[a] * w[a] * w[c] * w[c];
                }
            }
        }
        let c2 = num / den;
        if !(c2 > 0.0 && c2.is_finite()) {
            return None;
        }
        *rho_j = ww * ww * c2;
        for (a, &i) in b.iter().enumerate() {
            out.cross_loadings[[i, j]] = c2.sqrt() * w[a];
        }
    }
    for i in 0..m {
        for j in 0..m {
            if i != j {
                out.lv_corr[[i, j]] = fit.lv_corr[[i, j]] / (rho[i] * rho[j]).sqrt();
            }
        }
    }
    out.paths = Array2::zeros((m, m));
    for j in 0..m {
        let preds = s.predecessors(j);
        if !preds.is_empty() {
            let (beta, rsq) = regress(&out.lv_corr, j, &preds)?;
            for (u, &i) in preds.iter().enumerate() {
                out.paths[[i, j]] = beta[u];
            }
            out.r2[j] = Some(rsq);
        }
    }
    Some(out)
}
