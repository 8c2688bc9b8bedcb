//! Parameter draws for the uncertainty of derived quantities (Krinsky & Robb 1986, "On
//! approximating the statistical properties of elasticities", Review of Economics and
//! Statistics 68(4)): the estimates' asymptotic normal distribution, sampled, pushed through
//! the function of interest; percentiles of the results give its interval. Positive
//! parameters are drawn on the log scale (covariance by the delta method,
//! Cov(ln θ) = D⁻¹ Cov(θ) D⁻¹ with D = diag θ), so every draw is a valid parameter.

use linfa_linalg::cholesky::Cholesky;
use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// `n` draws of the parameters `p` (the first `positive` on the log scale) from their
/// asymptotic normal distribution with covariance `cov`; None when `cov` is not positive
/// definite. Reproducible for a seed.
pub fn parameter_draws(
    p: &[f64],
    cov: &Array2<f64>,
    positive: usize,
    n: usize,
    seed: u64,
) -> Option<Vec<Vec<f64>>> {
    let k = p.len();
    let scale: Array1<f64> = (0..k)
        .map(|j| if j < positive { 1.0 / p[j] } else { 1.0 })
        .collect();
    let mut c = cov.clone();
    for i in 0..k {
        for j in 0..k {
            c[[i, j]] *= scale[i] * scale[j];
        }
    }
    let l = c.cholesky().ok()?;
    let centre: Vec<f64> = (0..k)
        .map(|j| if j < positive { p[j].ln() } else { p[j] })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Some(
        (0..n)
            .map(|_| {
                let e: Array1<f64> = (0..k).map(|_| StandardNormal.sample(&mut rng)).collect();
                let d = l.dot(&e);
                (0..k)
                    .map(|j| {
                        let v = centre[j] + d[j];
                        if j < positive {
                            v.exp()
                        } else {
                            v
                        }
                    })
                    .collect()
            })
            .collect(),
    )
}

/// The 2.5th and 97.5th percentiles of `v` (NaNs dropped), linear between order
/// statistics (numpy's default).
pub fn interval(mut v: Vec<f64>) -> Option<(f64, f64)> {
    v.retain(|x| x.is_finite());
    if v.len() < 2 {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| crate::stats::bootstrap::quantile_sorted(&v, p);
    Some((q(0.025), q(0.975)))
}
