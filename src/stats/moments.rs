//! OLS from additive sums, for data that is never in one place: partitions of a Spark
//! DataFrame, batches of a file streamed from disk.
//!
//! Two passes, each a sum over rows that adds over any split of the rows:
//! 1. [`Sums`]: n, Σ(v − c) and Σ(v − c)(v − c)ᵀ of v = (regressors…, response), shifted by
//!    a constant c per column (a rough mean, so the sums do not cancel; Chan, Golub &
//!    LeVeque 1983, "Algorithms for computing the sample variance"). They give the
//!    coefficients (the centered normal equations, solved by Cholesky), the classical
//!    covariance σ̂²(XᵀX)⁻¹, R², F, the log-likelihood, the betas, the VIFs (diagonal of the
//!    regressors' inverse correlation matrix) and the condition number (from the
//!    eigenvalues of XᵀX, as statsmodels computes it).
//! 2. [`Residuals`], given the coefficients and (XᵀX)⁻¹: Σeᵏ (k = 1…4), the meat
//!    Σωᵢxᵢxᵢᵀ of each heteroskedasticity-consistent covariance (ω = e², e²/(1−h),
//!    e²/(1−h)²; MacKinnon & White 1985), Σe²xᵢ for the Breusch–Pagan auxiliary regression,
//!    and the rows with the largest Cook's distances (a top-k list merges like a sum).
//!    The residual sum of squares is taken from this pass (summed residuals, not the
//!    difference of pass-1 sums, which loses digits when R² is near 1).
//!
//! The Durbin–Watson statistic depends on the order of the rows, which a distributed table
//! does not have: it is not computed here (NaN, null in JSON, with a note).

use linfa_linalg::cholesky::InverseC;
use linfa_linalg::eigh::EigValsh;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::regression::{Influential, TOP_INFLUENTIAL};
use crate::error::{Error, Result};

/// Pass 1: shifted sums of the columns v = (regressors…, response), per group.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Sums {
    pub n: f64,
    /// The constant subtracted from each column before summing.
    pub shift: Vec<f64>,
    /// Σ(v − c).
    pub sum: Vec<f64>,
    /// Σ(v − c)(v − c)ᵀ, k × k row by row.
    pub cross: Vec<Vec<f64>>,
}

impl Sums {
    /// Sums of rows (each row: the regressors, then the response) with `shift`.
    pub fn of_rows<'a>(rows: impl Iterator<Item = &'a [f64]>, shift: &[f64]) -> Self {
        let k = shift.len();
        let mut s = Sums {
            n: 0.0,
            shift: shift.to_vec(),
            sum: vec![0.0; k],
            cross: vec![vec![0.0; k]; k],
        };
        let mut d = vec![0.0; k];
        for row in rows {
            s.push_with(row, &mut d);
        }
        s
    }

    /// Add one row (shifted by the first row added when there is no shift yet): a
    /// stream's rows added in order sum as one pass over the whole table does, whatever
    /// its batches.
    pub fn push(&mut self, row: &[f64]) {
        let k = row.len();
        if self.shift.is_empty() {
            *self = Sums {
                n: 0.0,
                shift: row.to_vec(),
                sum: vec![0.0; k],
                cross: vec![vec![0.0; k]; k],
            };
        }
        if k <= 16 {
            let mut d = [0.0; 16];
            self.push_with(row, &mut d[..k]);
        } else if k <= 64 {
            let mut d = [0.0; 64];
            self.push_with(row, &mut d[..k]);
        } else {
            let mut d = vec![0.0; k];
            self.push_with(row, &mut d);
        }
    }

    fn push_with(&mut self, row: &[f64], d: &mut [f64]) {
        let k = self.shift.len();
        self.n += 1.0;
        for j in 0..k {
            d[j] = row[j] - self.shift[j];
            self.sum[j] += d[j];
        }
        for a in 0..k {
            for b in 0..k {
                self.cross[a][b] += d[a] * d[b];
            }
        }
    }

    /// Add another part's sums. With the same shift the sums add; otherwise both are
    /// centered at their means and merged as Chan, Golub & LeVeque (1979) merge partial
    /// variances: M = M_a + M_b + δδᵀ·n_a·n_b/n with δ the difference of the means.
    pub fn add(&mut self, other: &Sums) -> Result<()> {
        // Empty sums (no row yet, so no shift) add as nothing.
        if other.n == 0.0 && other.shift.is_empty() {
            return Ok(());
        }
        if self.n == 0.0 && self.shift.is_empty() {
            *self = other.clone();
            return Ok(());
        }
        let k = self.shift.len();
        let shape = |s: &Sums| {
            s.shift.len() == k
                && s.sum.len() == k
                && s.cross.len() == k
                && s.cross.iter().all(|r| r.len() == k)
        };
        if !shape(self) || !shape(other) {
            return Err(Error::Internal(format!(
                "sums of {k} and {} columns cannot be added",
                other.shift.len()
            )));
        }
        if other.n == 0.0 {
            return Ok(());
        }
        if self.n == 0.0 {
            *self = other.clone();
            return Ok(());
        }
        if other.shift != self.shift {
            let (ma, ca) = self.centered();
            let (mb, cb) = other.centered();
            let n = self.n + other.n;
            let w = self.n * other.n / n;
            let delta: Vec<f64> = (0..k).map(|j| mb[j] - ma[j]).collect();
            self.shift = (0..k).map(|j| ma[j] + delta[j] * other.n / n).collect();
            self.sum = vec![0.0; k];
            self.cross = (0..k)
                .map(|a| {
                    (0..k)
                        .map(|b| ca[a][b] + cb[a][b] + delta[a] * delta[b] * w)
                        .collect()
                })
                .collect();
            self.n = n;
            return Ok(());
        }
        self.n += other.n;
        for (a, b) in self.sum.iter_mut().zip(&other.sum) {
            *a += b;
        }
        for (ra, rb) in self.cross.iter_mut().zip(&other.cross) {
            for (a, b) in ra.iter_mut().zip(rb) {
                *a += b;
            }
        }
        Ok(())
    }
}

impl Sums {
    /// The sums of the columns `idx` only (in that order): a model on some of the
    /// columns needs no pass of its own.
    pub fn select(&self, idx: &[usize]) -> Sums {
        Sums {
            n: self.n,
            shift: idx.iter().map(|&i| self.shift[i]).collect(),
            sum: idx.iter().map(|&i| self.sum[i]).collect(),
            cross: idx
                .iter()
                .map(|&a| idx.iter().map(|&b| self.cross[a][b]).collect())
                .collect(),
        }
    }

    /// The mean and the sample standard deviation (divisor n − 1) of column `j`.
    pub fn mean_sd(&self, j: usize) -> (f64, f64) {
        let d = self.sum[j] / self.n;
        let var = (self.cross[j][j] - self.n * d * d) / (self.n - 1.0).max(1.0);
        (self.shift[j] + d, var.max(0.0).sqrt())
    }

    /// The means and the cross-products centered at them.
    fn centered(&self) -> (Vec<f64>, Vec<Vec<f64>>) {
        let k = self.shift.len();
        let d: Vec<f64> = self.sum.iter().map(|v| v / self.n).collect();
        let mean = (0..k).map(|j| self.shift[j] + d[j]).collect();
        let cross = (0..k)
            .map(|a| {
                (0..k)
                    .map(|b| self.cross[a][b] - self.n * d[a] * d[b])
                    .collect()
            })
            .collect();
        (mean, cross)
    }
}

/// Pass 2: sums of the residuals of a fitted model.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Residuals {
    /// Σe, Σe², Σe³, Σe⁴.
    pub powers: [f64; 4],
    /// Σωxxᵀ (design with the intercept column) for ω = e², e²/(1−h), e²/(1−h)².
    pub meat: [Vec<Vec<f64>>; 3],
    /// Σe²·x (design with the intercept column).
    pub e2x: Vec<f64>,
    /// The rows with the largest Cook's distance: (label, e, h), at most
    /// [`TOP_INFLUENTIAL`] after merging.
    pub top: Vec<(String, f64, f64)>,
}

/// A model fitted from [`Sums`]: what [`crate::stats::RegressionResult`] needs.
#[derive(Debug, Clone)]
pub struct MomentFit {
    pub n: usize,
    pub p: usize,
    pub intercept: bool,
    pub names: Vec<String>,
    pub y_name: String,
    pub params: Array1<f64>,
    /// (XᵀX)⁻¹ of the design with the intercept column.
    pub xtx_inv: Array2<f64>,
    /// XᵀX of that design (raw).
    pub xtx: Array2<f64>,
    /// Column means of the regressors (without the intercept) and of y.
    pub x_mean: Vec<f64>,
    pub y_mean: f64,
    pub rss: f64,
    pub tss: f64,
    pub x_sd: Vec<f64>,
    pub y_sd: f64,
}

fn linalg(e: impl std::fmt::Display) -> Error {
    Error::Degenerate(format!("the regressors are collinear or constant ({e})"))
}

impl MomentFit {
    /// Fit y on the regressors (`names` without "Intercept"; with `intercept` it is added
    /// first). The last column of `s` is y.
    pub fn fit(s: &Sums, names: &[String], y_name: &str, intercept: bool) -> Result<Self> {
        let k = s.shift.len();
        let q = k - 1;
        if names.len() != q
            || s.sum.len() != k
            || s.cross.len() != k
            || s.cross.iter().any(|r| r.len() != k)
        {
            return Err(Error::Internal(format!(
                "sums of {k} columns for {q} regressors and a response"
            )));
        }
        let n = s.n;
        let p = q + usize::from(intercept);
        if n <= p as f64 {
            return Err(Error::Degenerate(format!(
                "{n} rows for {p} coefficients: a regression needs more rows than coefficients"
            )));
        }
        let mean: Vec<f64> = (0..k).map(|j| s.shift[j] + s.sum[j] / n).collect();
        // Centered cross-products: Σ(v − m)(v − m)ᵀ = Σ(v − c)(v − c)ᵀ − n·(m − c)(m − c)ᵀ.
        let d: Vec<f64> = (0..k).map(|j| s.sum[j] / n).collect();
        let centered = Array2::from_shape_fn((k, k), |(a, b)| s.cross[a][b] - n * d[a] * d[b]);
        // Raw cross-products Σvvᵀ = Σ(v − c)(v − c)ᵀ + c·Σ(v − c)ᵀ + Σ(v − c)·cᵀ + n·ccᵀ.
        let c = &s.shift;
        let raw = Array2::from_shape_fn((k, k), |(a, b)| {
            s.cross[a][b] + c[a] * s.sum[b] + s.sum[a] * c[b] + n * c[a] * c[b]
        });
        // The design's Gram matrix, intercept first.
        let mut xtx = Array2::zeros((p, p));
        let off = usize::from(intercept);
        if intercept {
            xtx[[0, 0]] = n;
            for j in 0..q {
                let sj = n * mean[j];
                xtx[[0, j + 1]] = sj;
                xtx[[j + 1, 0]] = sj;
            }
        }
        for a in 0..q {
            for b in 0..q {
                xtx[[a + off, b + off]] = raw[[a, b]];
            }
        }
        let sd: Vec<f64> = (0..k)
            .map(|j| (centered[[j, j]] / (n - 1.0)).max(0.0).sqrt())
            .collect();
        // Coefficients from the correlation-scaled normal equations (centered with an
        // intercept), which keeps the Cholesky factorisation well conditioned.
        let (gram, rhs, yy) = if intercept {
            (
                centered.slice(ndarray::s![..q, ..q]).to_owned(),
                centered.slice(ndarray::s![..q, q]).to_owned(),
                centered[[q, q]],
            )
        } else {
            (
                raw.slice(ndarray::s![..q, ..q]).to_owned(),
                raw.slice(ndarray::s![..q, q]).to_owned(),
                raw[[q, q]],
            )
        };
        let scale: Vec<f64> = (0..q).map(|j| gram[[j, j]].sqrt()).collect();
        if let Some(j) = scale.iter().position(|v| v.is_nan() || *v <= 0.0) {
            return Err(Error::Degenerate(format!(
                "'{}' is constant: it cannot be told apart from the intercept",
                names[j]
            )));
        }
        let scaled = Array2::from_shape_fn((q, q), |(a, b)| gram[[a, b]] / (scale[a] * scale[b]));
        let inv_scaled = scaled.invc().map_err(linalg)?;
        let slopes: Vec<f64> = (0..q)
            .map(|a| {
                (0..q)
                    .map(|b| inv_scaled[[a, b]] * rhs[b] / scale[b])
                    .sum::<f64>()
                    / scale[a]
            })
            .collect();
        let mut params = Vec::with_capacity(p);
        if intercept {
            params.push(mean[q] - (0..q).map(|j| slopes[j] * mean[j]).sum::<f64>());
        }
        params.extend(&slopes);
        let explained: f64 = (0..q).map(|j| slopes[j] * rhs[j]).sum();
        // (XᵀX)⁻¹ of the whole design: slopes' block S⁻¹, the intercept's row from the
        // partitioned inverse (1/n + mᵀS⁻¹m, −S⁻¹m).
        let s_inv =
            Array2::from_shape_fn((q, q), |(a, b)| inv_scaled[[a, b]] / (scale[a] * scale[b]));
        let xtx_inv = if intercept {
            let m = Array1::from_iter(mean[..q].iter().copied());
            let sm = s_inv.dot(&m);
            let mut inv = Array2::zeros((p, p));
            inv[[0, 0]] = 1.0 / n + m.dot(&sm);
            for j in 0..q {
                inv[[0, j + 1]] = -sm[j];
                inv[[j + 1, 0]] = -sm[j];
                for l in 0..q {
                    inv[[j + 1, l + 1]] = s_inv[[j, l]];
                }
            }
            inv
        } else {
            s_inv
        };
        let mut all_names = Vec::with_capacity(p);
        if intercept {
            all_names.push("Intercept".to_string());
        }
        all_names.extend(names.iter().cloned());
        let mut x_sd = Vec::with_capacity(p);
        if intercept {
            x_sd.push(0.0);
        }
        x_sd.extend(&sd[..q]);
        Ok(MomentFit {
            n: n as usize,
            p,
            intercept,
            names: all_names,
            y_name: y_name.to_string(),
            params: Array1::from(params),
            xtx_inv,
            xtx,
            x_mean: mean[..q].to_vec(),
            y_mean: mean[q],
            rss: (yy - explained).max(0.0),
            tss: yy,
            x_sd,
            y_sd: sd[q],
        })
    }

    /// Variance inflation factor per regressor (None for the intercept): the diagonal of the
    /// inverse correlation matrix of the regressors.
    pub fn vif(&self) -> Vec<Option<f64>> {
        let off = usize::from(self.intercept);
        (0..self.p)
            .map(|j| {
                if j < off {
                    None
                } else {
                    // (S⁻¹)_jj · S_jj with S the centered Gram (uncentered without an
                    // intercept): the diagonal of the inverse of the correlation matrix.
                    let s_jj = if self.intercept {
                        self.x_sd[j] * self.x_sd[j] * (self.n as f64 - 1.0)
                    } else {
                        self.xtx[[j, j]]
                    };
                    Some(self.xtx_inv[[j, j]] * s_jj)
                }
            })
            .collect()
    }

    /// Largest / smallest singular value of the design (√ of XᵀX's eigenvalues).
    pub fn condition_number(&self) -> Result<f64> {
        let ev = self.xtx.eigvalsh().map_err(linalg)?;
        let max = ev.iter().cloned().fold(f64::MIN, f64::max);
        let min = ev.iter().cloned().fold(f64::MAX, f64::min);
        Ok((max / min.max(0.0)).sqrt())
    }

    /// One row's design vector (intercept first) from its regressors.
    pub fn design_row(&self, x: &[f64]) -> Vec<f64> {
        let mut r = Vec::with_capacity(self.p);
        if self.intercept {
            r.push(1.0);
        }
        r.extend_from_slice(x);
        r
    }

    /// Residual and leverage of a row (regressors `x`, response `y`).
    pub fn residual(&self, x: &[f64], y: f64) -> (f64, f64) {
        let d = self.design_row(x);
        let fitted: f64 = d.iter().zip(self.params.iter()).map(|(a, b)| a * b).sum();
        let mut h = 0.0;
        for a in 0..self.p {
            for b in 0..self.p {
                h += d[a] * self.xtx_inv[[a, b]] * d[b];
            }
        }
        (y - fitted, h)
    }

    /// Cook's distance of a row with residual `e` and leverage `h`, given the RSS.
    pub fn cooks(&self, e: f64, h: f64, rss: f64) -> f64 {
        let s2 = rss / (self.n - self.p) as f64;
        e * e * h / (self.p as f64 * s2 * (1.0 - h).powi(2))
    }

    /// Pass 2 over rows (regressors then response, and a label each).
    pub fn residuals<'a, L: AsRef<str>>(
        &self,
        rows: impl Iterator<Item = (&'a [f64], L)>,
    ) -> Result<Residuals> {
        let mut r = Residuals::zero(self.p);
        self.add_residuals(&mut r, rows)?;
        Ok(r)
    }

    /// Pass 2 continued: add more rows to `r`, one by one in their order (a stream read
    /// in order sums exactly as one pass over the whole table would).
    pub fn add_residuals<'a, L: AsRef<str>>(
        &self,
        r: &mut Residuals,
        rows: impl Iterator<Item = (&'a [f64], L)>,
    ) -> Result<()> {
        let p = self.p;
        let mut top: Vec<(f64, String, f64, f64)> = std::mem::take(&mut r.top)
            .into_iter()
            .map(|(l, e, h)| (e * e * h / ((1.0 - h) * (1.0 - h)), l, e, h))
            .collect();
        // The smallest score kept once the list is full: rows below it cannot enter.
        let mut floor = f64::NEG_INFINITY;
        let q = self.p - usize::from(self.intercept);
        let mut d = Vec::with_capacity(p);
        let inv: Vec<f64> = self.xtx_inv.iter().copied().collect();
        for (row, label) in rows {
            if row.len() != q + 1 {
                return Err(Error::Internal(format!(
                    "a row of {} values for {q} regressors and a response",
                    row.len()
                )));
            }
            // The design row, residual and leverage as [`MomentFit::residual`] computes
            // them, without allocating per row.
            d.clear();
            if self.intercept {
                d.push(1.0);
            }
            d.extend_from_slice(&row[..q]);
            let fitted: f64 = d.iter().zip(self.params.iter()).map(|(a, b)| a * b).sum();
            let e = row[q] - fitted;
            let mut h = 0.0;
            for a in 0..p {
                let row_a = &inv[a * p..(a + 1) * p];
                for b in 0..p {
                    h += d[a] * row_a[b] * d[b];
                }
            }
            let e2 = e * e;
            r.powers[0] += e;
            r.powers[1] += e2;
            r.powers[2] += e2 * e;
            r.powers[3] += e2 * e2;
            let w = [e2, e2 / (1.0 - h), e2 / ((1.0 - h) * (1.0 - h))];
            let [m0, m1, m2] = &mut r.meat;
            for a in 0..p {
                let (r0, r1, r2) = (&mut m0[a], &mut m1[a], &mut m2[a]);
                for b in 0..p {
                    let dd = d[a] * d[b];
                    r0[b] += w[0] * dd;
                    r1[b] += w[1] * dd;
                    r2[b] += w[2] * dd;
                }
            }
            for (g, da) in r.e2x.iter_mut().zip(&d) {
                *g += e2 * da;
            }
            // Cook's distance is e²h/(1 − h)² times a constant of the whole sample, so a
            // part's largest are among its largest by that score: keep those only.
            let score = e2 * h / ((1.0 - h) * (1.0 - h));
            if score >= floor || score.is_nan() {
                top.push((score, label.as_ref().to_string(), e, h));
                if top.len() >= 4 * TOP_INFLUENTIAL {
                    keep_top(&mut top);
                    floor = top.last().map_or(f64::NEG_INFINITY, |t| t.0);
                }
            }
        }
        keep_top(&mut top);
        r.top = top.into_iter().map(|(_, l, e, h)| (l, e, h)).collect();
        Ok(())
    }

    /// Keep the [`TOP_INFLUENTIAL`] rows of `rows` with the largest Cook's distance (ties
    /// by label), given the RSS.
    pub fn top_rows(&self, rows: Vec<(String, f64, f64)>, rss: f64) -> Vec<Influential> {
        let mut scored: Vec<(f64, String, f64)> = rows
            .into_iter()
            .map(|(l, e, h)| (self.cooks(e, h, rss), l, h))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(TOP_INFLUENTIAL);
        scored
            .into_iter()
            .map(|(d, row, leverage)| Influential {
                row,
                cooks_distance: d,
                leverage,
            })
            .collect()
    }
}

/// The [`TOP_INFLUENTIAL`] largest scores (ties by label).
fn keep_top(top: &mut Vec<(f64, String, f64, f64)>) {
    top.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    top.truncate(TOP_INFLUENTIAL);
}

impl Residuals {
    /// No rows yet, for a model of `p` coefficients.
    pub fn zero(p: usize) -> Self {
        Residuals {
            powers: [0.0; 4],
            meat: std::array::from_fn(|_| vec![vec![0.0; p]; p]),
            e2x: vec![0.0; p],
            top: Vec::new(),
        }
    }

    /// Add another part's residual sums (the top rows are pooled; trim with
    /// [`MomentFit::top_rows`]).
    pub fn add(&mut self, other: &Residuals) {
        for (a, b) in self.powers.iter_mut().zip(&other.powers) {
            *a += b;
        }
        for (ma, mb) in self.meat.iter_mut().zip(&other.meat) {
            for (ra, rb) in ma.iter_mut().zip(mb) {
                for (a, b) in ra.iter_mut().zip(rb) {
                    *a += b;
                }
            }
        }
        for (a, b) in self.e2x.iter_mut().zip(&other.e2x) {
            *a += b;
        }
        self.top.extend(other.top.iter().cloned());
    }
}
