//! Reliability and validity of a PLS fit, from the indicators' correlation matrix and the
//! standardized weights: Cronbach's α, Dillon–Goldstein's ρ (composite reliability), ρ_A
//! (Dijkstra & Henseler 2015), AVE (Fornell & Larcker 1981), the heterotrait–monotrait
//! ratio HTMT (Henseler, Ringle & Sarstedt 2015), f² (Cohen) and the goodness of fit GoF
//! (Tenenhaus et al. 2005).

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::algorithm::{CoreFit, Structure};

/// A block's reliability and convergent validity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reliability {
    /// Cronbach's α of the standardized items: kr̄ / (1 + (k − 1)r̄).
    pub cronbach_alpha: Option<f64>,
    /// ρ_c = (Σλ)² / ((Σλ)² + Σ(1 − λ²)).
    pub rho_c: f64,
    /// ρ_A = (wᵀw)² · wᵀ(S − diag S)w / wᵀ(wwᵀ − diag wwᵀ)w.
    pub rho_a: Option<f64>,
    /// Average variance extracted: mean λ².
    pub ave: f64,
}

/// Reliability of block j (single-item blocks: α and ρ_A undefined, ρ_c = AVE = 1).
pub fn reliability(r: &Array2<f64>, s: &Structure, fit: &CoreFit, j: usize) -> Reliability {
    let b = &s.blocks[j];
    let k = b.len();
    let lambda: Vec<f64> = b.iter().map(|&i| fit.cross_loadings[[i, j]]).collect();
    let sum_l: f64 = lambda.iter().sum();
    let err: f64 = lambda.iter().map(|l| 1.0 - l * l).sum();
    let rho_c = sum_l * sum_l / (sum_l * sum_l + err);
    let ave = lambda.iter().map(|l| l * l).sum::<f64>() / k as f64;
    if k < 2 {
        return Reliability {
            cronbach_alpha: None,
            rho_c,
            rho_a: None,
            ave,
        };
    }
    let mut off = 0.0;
    for a in 0..k {
        for c in 0..k {
            if a != c {
                off += r[[b[a], b[c]]];
            }
        }
    }
    let rbar = off / (k * (k - 1)) as f64;
    let alpha = k as f64 * rbar / (1.0 + (k as f64 - 1.0) * rbar);
    let w = &fit.weights[j];
    let ww: f64 = w.iter().map(|v| v * v).sum();
    let (mut num, mut den) = (0.0, 0.0);
    for a in 0..k {
        for c in 0..k {
            if a != c {
                num += w[a] * r[[b[a], b[c]]] * w[c];
                den += w[a] * w[a] * w[c] * w[c];
            }
        }
    }
    Reliability {
        cronbach_alpha: Some(alpha),
        rho_c,
        rho_a: (den > 0.0).then(|| ww * ww * num / den),
        ave,
    }
}

/// HTMT of blocks i and j: the mean correlation between their items over the geometric
/// mean of the mean correlations within each (None when a block has one item).
pub fn htmt(r: &Array2<f64>, s: &Structure, i: usize, j: usize) -> Option<f64> {
    let (bi, bj) = (&s.blocks[i], &s.blocks[j]);
    if bi.len() < 2 || bj.len() < 2 {
        return None;
    }
    let hetero = bi
        .iter()
        .flat_map(|&a| bj.iter().map(move |&c| r[[a, c]]))
        .sum::<f64>()
        / (bi.len() * bj.len()) as f64;
    let mono = |b: &[usize]| {
        let mut s = 0.0;
        for a in 0..b.len() {
            for c in (a + 1)..b.len() {
                s += r[[b[a], b[c]]];
            }
        }
        s / (b.len() * (b.len() - 1) / 2) as f64
    };
    let m = (mono(bi) * mono(bj)).sqrt();
    (m > 0.0).then(|| hetero / m)
}

/// f² of predecessor `i` for endogenous `j`: (R² − R²₍₋ᵢ₎) / (1 − R²).
pub fn f_squared(fit: &CoreFit, s: &Structure, i: usize, j: usize) -> Option<f64> {
    let r2 = fit.r2[j]?;
    let others: Vec<usize> = s.predecessors(j).into_iter().filter(|&p| p != i).collect();
    let r2_without = if others.is_empty() {
        0.0
    } else {
        let c = &fit.lv_corr;
        let q = others.len();
        let a = Array2::from_shape_fn((q, q), |(u, v)| c[[others[u], others[v]]]);
        let b = ndarray::Array1::from_shape_fn(q, |u| c[[others[u], j]]);
        let col = b.clone().insert_axis(ndarray::Axis(1));
        use linfa_linalg::cholesky::SolveC;
        let beta = a.clone().solvec(&col).ok()?;
        beta.column(0).dot(&b)
    };
    Some((r2 - r2_without) / (1.0 - r2))
}

/// GoF = √(mean communality of the items of multi-item blocks × mean R²).
pub fn gof(s: &Structure, fit: &CoreFit) -> Option<f64> {
    let mut comm = Vec::new();
    for (j, b) in s.blocks.iter().enumerate().filter(|(_, b)| b.len() > 1) {
        comm.extend(b.iter().map(|&i| fit.cross_loadings[[i, j]].powi(2)));
    }
    let r2: Vec<f64> = fit.r2.iter().flatten().copied().collect();
    if comm.is_empty() || r2.is_empty() {
        return None;
    }
    let mc = comm.iter().sum::<f64>() / comm.len() as f64;
    let mr = r2.iter().sum::<f64>() / r2.len() as f64;
    Some((mc * mr).sqrt())
}
