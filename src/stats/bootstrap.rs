//! Nonparametric bootstrap of regression-based statistics, fast and reproducible.
//!
//! A resample of n customers drawn with replacement changes the data only through how
//! often each customer is drawn, so every OLS fit on the resample is a function of the
//! count-weighted cross-product matrix Σ cᵢ zᵢzᵢᵀ of the (standardized) variables. Each
//! resample therefore costs n random draws plus one streaming pass — no data copying — and
//! all the regressions of a path model come from the same matrix. Resample `r` uses its own
//! ChaCha8 stream (`seed`, stream `r`), so results do not depend on thread scheduling.
//!
//! Intervals: percentile, and bias-corrected and accelerated (BCa; Efron 1987, JASA 82;
//! Efron & Tibshirani 1993, ch. 14) with the acceleration from the jackknife.

use indicatif::ProgressBar;
use linfa_linalg::cholesky::CholeskyInplace;
use linfa_linalg::triangular::{SolveTriangular, UPLO};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// Variables for the bootstrap, standardized (row-major n × k).
#[derive(Debug, Clone)]
pub struct BootData {
    n: usize,
    k: usize,
    rows: Vec<f64>,
    sds: Vec<f64>,
}

/// Weighted sums of a resample: total weight, Σw·z, and Σw·zzᵀ (upper triangle, packed).
#[derive(Debug, Clone)]
pub struct CrossProducts {
    k: usize,
    w: f64,
    lin: Vec<f64>,
    quad: Vec<f64>,
    sds: Vec<f64>,
}

impl BootData {
    /// Standardize the columns (each of length n).
    pub fn new(columns: &[&[f64]]) -> Self {
        let k = columns.len();
        let n = columns.first().map_or(0, |c| c.len());
        let mut means = Vec::with_capacity(k);
        let mut sds = Vec::with_capacity(k);
        for c in columns {
            let m = c.iter().sum::<f64>() / n as f64;
            let v = c.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n as f64 - 1.0).max(1.0);
            means.push(m);
            sds.push(if v > 0.0 { v.sqrt() } else { 1.0 });
        }
        let mut rows = vec![0.0; n * k];
        for (j, c) in columns.iter().enumerate() {
            for (i, x) in c.iter().enumerate() {
                rows[i * k + j] = (x - means[j]) / sds[j];
            }
        }
        BootData { n, k, rows, sds }
    }

    pub fn n(&self) -> usize {
        self.n
    }

    fn empty(&self) -> CrossProducts {
        CrossProducts {
            k: self.k,
            w: 0.0,
            lin: vec![0.0; self.k],
            quad: vec![0.0; self.k * (self.k + 1) / 2],
            sds: self.sds.clone(),
        }
    }

    /// Cross-products with weight `counts[i]` on row i (None = all weights 1).
    pub fn cross_products(&self, counts: Option<&[u16]>) -> CrossProducts {
        let mut cp = self.empty();
        match self.k {
            2 => accumulate::<2>(&self.rows, counts, &mut cp),
            3 => accumulate::<3>(&self.rows, counts, &mut cp),
            4 => accumulate::<4>(&self.rows, counts, &mut cp),
            5 => accumulate::<5>(&self.rows, counts, &mut cp),
            6 => accumulate::<6>(&self.rows, counts, &mut cp),
            7 => accumulate::<7>(&self.rows, counts, &mut cp),
            8 => accumulate::<8>(&self.rows, counts, &mut cp),
            _ => accumulate_dyn(&self.rows, self.k, counts, &mut cp),
        }
        cp
    }

    /// The full-sample cross-products minus row i (a jackknife sample).
    pub fn leave_one_out(&self, full: &CrossProducts, i: usize) -> CrossProducts {
        let mut cp = full.clone();
        let row = &self.rows[i * self.k..(i + 1) * self.k];
        cp.w -= 1.0;
        let mut idx = 0;
        for a in 0..self.k {
            cp.lin[a] -= row[a];
            for b in a..self.k {
                cp.quad[idx] -= row[a] * row[b];
                idx += 1;
            }
        }
        cp
    }
}

#[allow(clippy::needless_range_loop)] // index loops over the packed triangle read clearest
fn accumulate<const K: usize>(rows: &[f64], counts: Option<&[u16]>, cp: &mut CrossProducts) {
    // Fixed-size accumulators, fully unrolled for K, stay in registers.
    let mut lin = [0.0f64; K];
    let mut quad = [[0.0f64; K]; K];
    let mut w_total = 0.0;
    for (i, row) in rows.chunks_exact(K).enumerate() {
        // Branch-free: rows drawn zero times (about 37%) contribute zero.
        let w = counts.map_or(1.0, |c| f64::from(c[i]));
        w_total += w;
        for a in 0..K {
            let wa = w * row[a];
            lin[a] += wa;
            for b in a..K {
                quad[a][b] += wa * row[b];
            }
        }
    }
    cp.w = w_total;
    cp.lin.copy_from_slice(&lin);
    let mut idx = 0;
    for a in 0..K {
        for b in a..K {
            cp.quad[idx] = quad[a][b];
            idx += 1;
        }
    }
}

fn accumulate_dyn(rows: &[f64], k: usize, counts: Option<&[u16]>, cp: &mut CrossProducts) {
    for (i, row) in rows.chunks_exact(k).enumerate() {
        let w = counts.map_or(1.0, |c| f64::from(c[i]));
        if w == 0.0 {
            continue;
        }
        cp.w += w;
        let mut idx = 0;
        for a in 0..k {
            cp.lin[a] += w * row[a];
            for b in a..k {
                cp.quad[idx] += w * row[a] * row[b];
                idx += 1;
            }
        }
    }
}

impl CrossProducts {
    fn q(&self, a: usize, b: usize) -> f64 {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        // Packed upper triangle: row a holds b = a..k and starts at a·k − a(a − 1)/2.
        self.quad[a * self.k - a * a.saturating_sub(1) / 2 + (b - a)]
    }

    /// Correlation matrix of all k variables under these weights.
    pub fn correlation(&self) -> Array2<f64> {
        let k = self.k;
        let w = self.w;
        let cov = |a: usize, b: usize| (self.q(a, b) - self.lin[a] * self.lin[b] / w) / (w - 1.0);
        let mut c = Array2::<f64>::eye(k);
        for a in 0..k {
            for b in (a + 1)..k {
                let r = cov(a, b) / (cov(a, a) * cov(b, b)).sqrt();
                c[[a, b]] = r;
                c[[b, a]] = r;
            }
        }
        c
    }

    /// Slopes of regressing variable `y` on variables `xs` (with an intercept), in the
    /// original units. None when the weighted system is singular.
    pub fn slopes(&self, y: usize, xs: &[usize]) -> Option<Vec<f64>> {
        let p = xs.len() + 1;
        let mut a = Array2::<f64>::zeros((p, p));
        let mut rhs = Array2::<f64>::zeros((p, 1));
        a[[0, 0]] = self.w;
        rhs[[0, 0]] = self.lin[y];
        for (i, &xi) in xs.iter().enumerate() {
            a[[0, i + 1]] = self.lin[xi];
            a[[i + 1, 0]] = self.lin[xi];
            rhs[[i + 1, 0]] = self.q(xi, y);
            for (j, &xj) in xs.iter().enumerate() {
                a[[i + 1, j + 1]] = self.q(xi, xj);
            }
        }
        let l = a.cholesky_into().ok()?;
        let z = l.solve_triangular(&rhs, UPLO::Lower).ok()?;
        let beta = l.t().solve_triangular(&z, UPLO::Upper).ok()?;
        let out: Vec<f64> = xs
            .iter()
            .enumerate()
            .map(|(i, &xi)| beta[[i + 1, 0]] * self.sds[y] / self.sds[xi])
            .collect();
        out.iter().all(|v| v.is_finite()).then_some(out)
    }
}

/// Draw `b` resamples and evaluate `stat` on each; row r of the result holds resample r's
/// statistics (NaN where the resample's fit was singular).
pub fn resample<S>(
    data: &BootData,
    b: usize,
    seed: u64,
    stat: &S,
    progress: &ProgressBar,
) -> Vec<Vec<f64>>
where
    S: Fn(&CrossProducts) -> Option<Vec<f64>> + Sync,
{
    let n = data.n;
    let width = stat(&data.cross_products(None)).map_or(0, |v| v.len());
    (0..b)
        .into_par_iter()
        .map_init(
            || vec![0u16; n],
            |counts, r| {
                counts.iter_mut().for_each(|c| *c = 0);
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(r as u64);
                // 32-bit draws (exact, Lemire's method inside rand) halve the random bits
                // needed. A count above 65535 has probability ~e^-65535: saturate, never wrap.
                let n32 = n as u32;
                for _ in 0..n {
                    let i = rng.random_range(0..n32) as usize;
                    counts[i] = counts[i].saturating_add(1);
                }
                let out = stat(&data.cross_products(Some(counts)))
                    .unwrap_or_else(|| vec![f64::NAN; width]);
                if r % 64 == 63 {
                    progress.inc(64);
                }
                out
            },
        )
        .collect()
}

/// Jackknife (leave-one-out) values of `stat`, for the BCa acceleration.
pub fn jackknife<S>(data: &BootData, stat: &S) -> Vec<Vec<f64>>
where
    S: Fn(&CrossProducts) -> Option<Vec<f64>> + Sync,
{
    let full = data.cross_products(None);
    let width = stat(&full).map_or(0, |v| v.len());
    (0..data.n)
        .into_par_iter()
        .map(|i| stat(&data.leave_one_out(&full, i)).unwrap_or_else(|| vec![f64::NAN; width]))
        .collect()
}

/// Bootstrap summary of one statistic.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub boot_se: f64,
    /// Percentile interval.
    pub ci_low: f64,
    pub ci_high: f64,
    /// Bias-corrected interval (BCa without acceleration; PROCESS 2.x / pyprocessmacro's
    /// default "bias-corrected bootstrap").
    pub bc_low: f64,
    pub bc_high: f64,
    /// Bias-corrected and accelerated interval.
    pub bca_low: f64,
    pub bca_high: f64,
    /// Resamples whose fit failed (excluded).
    pub failed: usize,
}

/// Linear-interpolation quantile (numpy's default) of sorted data.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Percentile and BCa intervals at `level` for `estimate` from bootstrap `draws` and
/// jackknife values `jack`.
pub fn interval(estimate: f64, draws: &[f64], jack: &[f64], level: f64) -> Interval {
    let mut sorted: Vec<f64> = draws.iter().copied().filter(|v| v.is_finite()).collect();
    let failed = draws.len() - sorted.len();
    sorted.sort_by(f64::total_cmp);
    let b = sorted.len() as f64;
    let mean = sorted.iter().sum::<f64>() / b;
    let boot_se = (sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (b - 1.0)).sqrt();
    let alpha = 1.0 - level;
    let (bca_low, bca_high) = bca(estimate, &sorted, jack, alpha);
    let (bc_low, bc_high) = bias_corrected(estimate, &sorted, 0.0, alpha);
    Interval {
        estimate,
        boot_se,
        ci_low: quantile_sorted(&sorted, alpha / 2.0),
        ci_high: quantile_sorted(&sorted, 1.0 - alpha / 2.0),
        bc_low,
        bc_high,
        bca_low,
        bca_high,
        failed,
    }
}

/// BCa endpoints: quantiles at Φ(z0 + (z0 + z)/(1 − a(z0 + z))) for z = z_{α/2}, z_{1−α/2},
/// with z0 = Φ⁻¹(share of draws below the estimate) and a = Σd³ / (6(Σd²)^{3/2}),
/// d = mean(jackknife) − jackknife value.
pub fn bca(estimate: f64, sorted: &[f64], jack: &[f64], alpha: f64) -> (f64, f64) {
    let jack: Vec<f64> = jack.iter().copied().filter(|v| v.is_finite()).collect();
    let jm = jack.iter().sum::<f64>() / jack.len() as f64;
    let (mut s2, mut s3) = (0.0, 0.0);
    for v in &jack {
        let d = jm - v;
        s2 += d * d;
        s3 += d * d * d;
    }
    let a = if s2 > 0.0 {
        s3 / (6.0 * s2.powf(1.5))
    } else {
        0.0
    };
    bias_corrected(estimate, sorted, a, alpha)
}

/// Bias-corrected interval with acceleration `a` (0 gives the plain bias-corrected one).
pub fn bias_corrected(estimate: f64, sorted: &[f64], a: f64, alpha: f64) -> (f64, f64) {
    let Ok(norm) = Normal::new(0.0, 1.0) else {
        return (f64::NAN, f64::NAN);
    };
    let b = sorted.len() as f64;
    let below = sorted.iter().filter(|v| **v < estimate).count() as f64;
    let ties = sorted.iter().filter(|v| **v == estimate).count() as f64;
    let prop = (below + 0.5 * ties) / b;
    if !(prop > 0.0 && prop < 1.0) {
        return (f64::NAN, f64::NAN);
    }
    let z0 = norm.inverse_cdf(prop);
    let adj = |z: f64| norm.cdf(z0 + (z0 + z) / (1.0 - a * (z0 + z)));
    let lo = adj(norm.inverse_cdf(alpha / 2.0));
    let hi = adj(norm.inverse_cdf(1.0 - alpha / 2.0));
    (quantile_sorted(sorted, lo), quantile_sorted(sorted, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bca_hand_computed_case() {
        // Draws 1..100, estimate 40.5: z0 = Φ⁻¹(0.40) = −0.253347. Jackknife 1, 2, 3, 10:
        // d = 3, 2, 1, −6 → a = −180 / (6·50^1.5) = −0.0848528. Endpoint levels
        // Φ(z0 + (z0 + z)/(1 − a(z0 + z))) = 0.0014486 and 0.8920295 (Efron 1987, eq. 2.3),
        // i.e. quantiles 1 + 99·level of the draws.
        let draws: Vec<f64> = (1..=100).map(f64::from).collect();
        let (lo, hi) = bca(40.5, &draws, &[1.0, 2.0, 3.0, 10.0], 0.05);
        assert!((lo - 1.143_407_76).abs() < 1e-6, "{lo}");
        assert!((hi - 89.310_923_4).abs() < 1e-6, "{hi}");
    }

    #[test]
    fn bca_equals_percentile_without_bias_or_acceleration() {
        let draws: Vec<f64> = (1..=101).map(f64::from).collect();
        let (lo, hi) = bca(51.0, &draws, &[1.0, 2.0, 3.0], 0.10);
        assert!((lo - quantile_sorted(&draws, 0.05)).abs() < 1e-9);
        assert!((hi - quantile_sorted(&draws, 0.95)).abs() < 1e-9);
    }

    #[test]
    fn cross_product_slopes_match_ols() {
        // y = 1 + 2x exactly → slope 2 from the (unit-weight) cross-products.
        let x = [1.0, 2.0, 4.0, 7.0];
        let y: Vec<f64> = x.iter().map(|v| 1.0 + 2.0 * v).collect();
        let d = BootData::new(&[&x, &y]);
        let s = d.cross_products(None).slopes(1, &[0]).unwrap();
        assert!((s[0] - 2.0).abs() < 1e-12);
        // Doubling every weight changes nothing.
        let s2 = d
            .cross_products(Some(&[2, 2, 2, 2]))
            .slopes(1, &[0])
            .unwrap();
        assert!((s2[0] - 2.0).abs() < 1e-12);
    }
}
