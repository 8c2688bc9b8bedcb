//! Relative importance of correlated predictors: Shapley decomposition of R² (LMG;
//! Lindeman, Merenda & Gold 1980; Grömping 2006) and Johnson's (2000) relative weights.
//! Both start from one correlation matrix and sum to the model's R².

use linfa_linalg::cholesky::CholeskyInplace;
use linfa_linalg::eigh::EighInto;
use linfa_linalg::triangular::{SolveTriangular, UPLO};
use ndarray::{Array1, Array2};

use crate::error::{Error, Result};

/// Most drivers for the exact Shapley decomposition (2^p subsets).
pub const MAX_DRIVERS: usize = 15;

/// R² of every subset of the p predictors (bit j of the index = predictor j), from the
/// correlation matrix `corr` of (predictors..., outcome): R²(S) = r_Sᵀ R_SS⁻¹ r_S.
pub fn subset_r2(corr: &Array2<f64>) -> Result<Vec<f64>> {
    let p = corr.nrows() - 1;
    if p > MAX_DRIVERS {
        return Err(Error::Usage(format!(
            "{p} drivers: the exact Shapley decomposition supports at most {MAX_DRIVERS}"
        )));
    }
    let mut out = vec![0.0; 1 << p];
    for (mask, slot) in out.iter_mut().enumerate().skip(1) {
        let idx: Vec<usize> = (0..p).filter(|j| mask & (1 << j) != 0).collect();
        let m = idx.len();
        let mut a = Array2::<f64>::zeros((m, m));
        let mut r = Array2::<f64>::zeros((m, 1));
        for (i, &u) in idx.iter().enumerate() {
            r[[i, 0]] = corr[[u, p]];
            for (j, &v) in idx.iter().enumerate() {
                a[[i, j]] = corr[[u, v]];
            }
        }
        let l = a.cholesky_into().map_err(|_| {
            Error::Degenerate(
                "drivers are perfectly collinear: their correlation matrix is singular".into(),
            )
        })?;
        let z = l
            .solve_triangular(&r, UPLO::Lower)
            .map_err(|e| Error::Internal(e.to_string()))?;
        *slot = z.iter().map(|v| v * v).sum();
    }
    Ok(out)
}

/// Shapley value of each predictor: Σ over subsets S without j of
/// |S|!(p − |S| − 1)!/p! · (R²(S ∪ j) − R²(S)).
pub fn shapley(r2: &[f64]) -> Vec<f64> {
    let p = r2.len().trailing_zeros() as usize;
    // weights w(s) = s!(p-s-1)!/p!
    let fact: Vec<f64> = (0..=p)
        .scan(1.0, |f, i| {
            if i > 0 {
                *f *= i as f64;
            }
            Some(*f)
        })
        .collect();
    let w: Vec<f64> = (0..p)
        .map(|s| fact[s] * fact[p - s - 1] / fact[p])
        .collect();
    (0..p)
        .map(|j| {
            let bit = 1 << j;
            (0..r2.len())
                .filter(|m| m & bit == 0)
                .map(|m| w[(m as u32).count_ones() as usize] * (r2[m | bit] - r2[m]))
                .sum()
        })
        .collect()
}

/// Johnson's relative weights: with R_xx = VΛVᵀ and Λ½ = VΛ^{1/2}Vᵀ (the correlations of
/// the predictors with their closest orthogonal counterparts), β = Λ½⁻¹ r_xy and
/// εⱼ = Σₖ (Λ½)ⱼₖ² βₖ².
pub fn relative_weights(corr: &Array2<f64>) -> Result<Vec<f64>> {
    let p = corr.nrows() - 1;
    let rxx = corr.slice(ndarray::s![..p, ..p]).to_owned();
    let rxy: Array1<f64> = corr.slice(ndarray::s![..p, p]).to_owned();
    let (vals, vecs) = rxx
        .eigh_into()
        .map_err(|e| Error::Internal(format!("eigen-decomposition: {e}")))?;
    if vals.iter().any(|v| *v <= 1e-12) {
        return Err(Error::Degenerate(
            "drivers are perfectly collinear: their correlation matrix is singular".into(),
        ));
    }
    let root = vecs
        .dot(&Array2::from_diag(&vals.mapv(f64::sqrt)))
        .dot(&vecs.t());
    let inv_root = vecs
        .dot(&Array2::from_diag(&vals.mapv(|v| 1.0 / v.sqrt())))
        .dot(&vecs.t());
    let beta = inv_root.dot(&rxy);
    Ok((0..p)
        .map(|j| (0..p).map(|k| root[[j, k]].powi(2) * beta[k].powi(2)).sum())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Three drivers with r12 = 0.5, r13 = r23 = 0, and r_y = (0.6, 0.3, 0.2).
    fn corr() -> Array2<f64> {
        array![
            [1.0, 0.5, 0.0, 0.6],
            [0.5, 1.0, 0.0, 0.3],
            [0.0, 0.0, 1.0, 0.2],
            [0.6, 0.3, 0.2, 1.0]
        ]
    }

    #[test]
    fn shapley_three_drivers_by_hand() {
        // By hand: R²({1}) = .36, R²({2}) = .09, R²({3}) = .04,
        // R²({1,2}) = (.36 + .09 − 2·.5·.6·.3)/(1 − .25) = .27/.75 = .36,
        // R²({1,3}) = .40, R²({2,3}) = .13, R²({1,2,3}) = .40.
        // Shapley(1) = ⅓(.36) + ⅙(.36 − .09) + ⅙(.40 − .04) + ⅓(.40 − .13) = .315
        // Shapley(2) = ⅓(.09) + ⅙(.36 − .36) + ⅙(.13 − .04) + ⅓(.40 − .40) = .045
        // Shapley(3) = ⅓(.04) + ⅙(.40 − .36) + ⅙(.13 − .09) + ⅓(.40 − .36) = .04
        let r2 = subset_r2(&corr()).unwrap();
        assert!((r2[0b011] - 0.36).abs() < 1e-12 && (r2[0b111] - 0.40).abs() < 1e-12);
        let s = shapley(&r2);
        for (got, want) in s.iter().zip([0.315, 0.045, 0.04]) {
            assert!((got - want).abs() < 1e-12, "{s:?}");
        }
    }

    #[test]
    fn relative_weights_sum_to_r2_and_split_orthogonal_driver() {
        let w = relative_weights(&corr()).unwrap();
        assert!((w.iter().sum::<f64>() - 0.40).abs() < 1e-12, "{w:?}");
        // Driver 3 is uncorrelated with the others: its weight is its r² = 0.04.
        assert!((w[2] - 0.04).abs() < 1e-12, "{w:?}");
    }
}
