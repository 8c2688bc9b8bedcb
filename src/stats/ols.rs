//! Ordinary least squares on linfa with the inference linfa does not provide.
//!
//! Numerics. The design is first *centered and scaled*: with an intercept, each other
//! column becomes (x − x̄)/‖x − x̄‖ and the constant column 1/√n; without one, each column
//! is divided by its norm. linfa-linear's `LinearRegression` (Householder QR least squares)
//! fits that well-conditioned matrix W, and the coefficients are mapped back through the
//! upper-triangular T with X = W·T (β = T⁻¹θ). Covariances come from the R factor of W's
//! QR — (WᵀW)⁻¹ = R⁻¹R⁻ᵀ — never from inverting XᵀX (Golub & Van Loan, *Matrix
//! Computations*, §5.3). This is what lets NIST's Longley data be solved to ~12 digits.

use linfa::traits::Fit;
use linfa::Dataset;
use linfa_linalg::qr::QRInto;
use linfa_linalg::triangular::{SolveTriangular, UPLO};
use linfa_linear::LinearRegression;
use ndarray::{s, Array1, Array2, ArrayView1, Axis, ShapeBuilder};
use serde::{Deserialize, Serialize};

use super::refine;
use crate::error::{Error, Result};

/// Relative size of an R diagonal entry (to its column's norm) below which the column is
/// treated as a linear combination of the earlier ones.
pub const COLLINEARITY_TOL: f64 = 1e-9;

/// Covariance estimator for the coefficients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CovType {
    /// Classical σ²(XᵀX)⁻¹.
    #[default]
    Nonrobust,
    /// White (1980).
    HC0,
    /// HC0 × n/(n − p) (MacKinnon & White 1985).
    HC1,
    /// e²/(1 − h) weights.
    HC2,
    /// e²/(1 − h)² weights (the jackknife-like estimator; Long & Ervin 2000 recommend it).
    HC3,
}

impl CovType {
    /// Parse `nonrobust|hc0|hc1|hc2|hc3` (case-insensitive).
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "nonrobust" => Ok(CovType::Nonrobust),
            "hc0" => Ok(CovType::HC0),
            "hc1" => Ok(CovType::HC1),
            "hc2" => Ok(CovType::HC2),
            "hc3" => Ok(CovType::HC3),
            _ => Err(Error::Usage(format!(
                "unknown covariance type '{s}'; use nonrobust, hc0, hc1, hc2 or hc3"
            ))),
        }
    }

    /// Label as statsmodels prints it.
    pub fn label(self) -> &'static str {
        match self {
            CovType::Nonrobust => "nonrobust",
            CovType::HC0 => "HC0",
            CovType::HC1 => "HC1",
            CovType::HC2 => "HC2",
            CovType::HC3 => "HC3",
        }
    }
}

/// A numeric design: response, regressor matrix and names.
#[derive(Debug, Clone)]
pub struct Design {
    /// n × p regressors; when `intercept` the first column is all ones.
    pub x: Array2<f64>,
    pub y: Array1<f64>,
    /// Column names (patsy style; "Intercept" first when present).
    pub names: Vec<String>,
    pub y_name: String,
    pub intercept: bool,
    /// Low parts of the regressors when they were formed in double-double (exact powers
    /// such as `I(x ** 10)`): the design is `x + x_lo` to ~32 digits. None: `x` is exact.
    pub x_lo: Option<Array2<f64>>,
    /// Low parts of the response, likewise.
    pub y_lo: Option<Array1<f64>>,
}

/// A fitted OLS model: estimates and the pieces every covariance and diagnostic needs.
#[derive(Debug, Clone)]
pub struct OlsFit {
    pub n: usize,
    pub p: usize,
    pub intercept: bool,
    pub names: Vec<String>,
    pub y_name: String,
    /// β in the original units.
    pub params: Array1<f64>,
    pub fitted: Array1<f64>,
    pub resid: Array1<f64>,
    /// Leverage hᵢ (diagonal of the hat matrix).
    pub leverage: Array1<f64>,
    /// Residual sum of squares.
    pub rss: f64,
    /// Total sum of squares: centered with an intercept, uncentered without.
    pub tss: f64,
    /// Sd of each regressor and of y (n − 1 denominators); 0 for the intercept.
    pub x_sd: Vec<f64>,
    pub y_sd: f64,
    /// Q = W·R⁻¹ (n × p, orthonormal columns) of the scaled design.
    q: Array2<f64>,
    /// R⁻¹ of the scaled design (upper triangular).
    r_inv: Array2<f64>,
    /// T⁻¹: maps scaled coefficients to original ones.
    t_inv: Array2<f64>,
    /// R·T, whose singular values are those of the raw design.
    rt: Array2<f64>,
    /// (XᵀX)⁻¹ refined in double-double when the fit was refined (see [`refine`]).
    xtx_inv: Option<Array2<f64>>,
    /// How the estimates were computed: `householder-qr`, or
    /// `householder-qr + iterative refinement (double-double residuals, N steps)`.
    pub solver: String,
}

/// When [`OlsFit::fit_with`] refines the solution in double-double.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refinement {
    /// Small designs, and larger ones whose error bound says double precision may fall
    /// short of 10 digits.
    Auto,
    Always,
    /// Householder QR in double precision only (the design's low parts are ignored).
    Never,
}

/// Designs up to this many cells are always refined (it costs microseconds); larger ones
/// only when the scaled design's condition number says it matters.
pub const REFINE_ALWAYS_CELLS: usize = 20_000;

/// Larger designs are refined when the forward-error bound of the double-precision solution
/// exceeds this (fewer than ~10 correct digits guaranteed).
pub const REFINE_BOUND: f64 = 1e-10;

/// Two-pass mean (the second pass corrects the first's rounding error).
pub fn mean(x: ArrayView1<f64>) -> f64 {
    let n = x.len() as f64;
    let m = x.sum() / n;
    m + x.iter().map(|v| v - m).sum::<f64>() / n
}

/// Sample standard deviation (n − 1).
pub fn sd(x: ArrayView1<f64>) -> f64 {
    let m = mean(x);
    let n = x.len() as f64;
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0)).sqrt()
}

fn linalg_err(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("linear algebra: {e}"))
}

impl OlsFit {
    /// Fit `design` by least squares.
    ///
    /// Fails (never panics) when there are not more rows than parameters, the response is
    /// constant, a predictor is constant next to the intercept, or predictors are (nearly)
    /// collinear — naming the columns involved.
    pub fn fit(design: &Design) -> Result<Self> {
        Self::fit_with(design, Refinement::Auto)
    }

    /// [`OlsFit::fit`] with an explicit refinement policy (tests and accuracy studies
    /// compare the paths).
    pub fn fit_with(design: &Design, refinement: Refinement) -> Result<Self> {
        let (n, p) = design.x.dim();
        let names = &design.names;
        if n < p + 1 {
            return Err(Error::Degenerate(format!(
                "{n} usable rows for {p} parameters ({}): need at least {} rows",
                names.join(", "),
                p + 1
            )));
        }
        let y = &design.y;
        let y_mean = mean(y.view());
        let y_sd = sd(y.view());
        if y_sd.is_nan() || y_sd <= 1e-14 * y_mean.abs() {
            return Err(Error::Degenerate(format!(
                "response '{}' has the same value ({}) in every row: there is nothing to explain",
                design.y_name, y[0]
            )));
        }

        // Scale (and center) the design: W = X·T⁻¹.
        let mut w = Array2::<f64>::zeros((n, p).f());
        let mut t = Array2::<f64>::zeros((p, p));
        let mut x_sd = vec![0.0; p];
        let start = usize::from(design.intercept);
        if design.intercept {
            let c0 = 1.0 / (n as f64).sqrt();
            w.column_mut(0).fill(c0);
            t[[0, 0]] = 1.0 / c0;
        }
        for j in start..p {
            let col = design.x.column(j);
            let (m, centered_norm) = if design.intercept {
                let m = mean(col);
                (m, col.iter().map(|v| (v - m) * (v - m)).sum::<f64>().sqrt())
            } else {
                (0.0, col.iter().map(|v| v * v).sum::<f64>().sqrt())
            };
            let scale_ref = (m.abs() * (n as f64).sqrt()).max(f64::MIN_POSITIVE);
            if centered_norm == 0.0 || (design.intercept && centered_norm <= 1e-13 * scale_ref) {
                return Err(Error::Degenerate(if design.intercept {
                    format!(
                        "predictor '{}' is constant ({} in every row) and cannot be estimated alongside the intercept; drop it",
                        names[j], col[0]
                    )
                } else {
                    format!("predictor '{}' is zero in every row; drop it", names[j])
                }));
            }
            x_sd[j] = sd(col);
            let inv = 1.0 / centered_norm;
            w.column_mut(j)
                .iter_mut()
                .zip(col)
                .for_each(|(o, v)| *o = (v - m) * inv);
            t[[j, j]] = centered_norm;
            if design.intercept {
                t[[0, j]] = m * (n as f64).sqrt();
            }
        }

        // R of W; rank check on its diagonal (W's columns have unit norm).
        let r = w.clone().qr_into().map_err(linalg_err)?.into_r();
        for j in 0..p {
            if r[[j, j]].abs() < COLLINEARITY_TOL {
                return Err(Error::Degenerate(collinearity_message(&r, names, j)));
            }
        }
        let r_inv = r
            .solve_triangular(&Array2::eye(p), UPLO::Upper)
            .map_err(linalg_err)?;
        let t_inv = t
            .solve_triangular(&Array2::eye(p), UPLO::Upper)
            .map_err(linalg_err)?;

        // Fit θ on W with linfa (no intercept: W carries it), then β = T⁻¹θ.
        let dataset = Dataset::new(w.clone(), y.clone());
        let model = LinearRegression::new()
            .with_intercept(false)
            .fit(&dataset)
            .map_err(linalg_err)?;
        let theta = model.params().clone();
        let params = t_inv.dot(&theta);
        let fitted = w.dot(&theta);
        let resid = y - &fitted;
        let rss = resid.iter().map(|e| e * e).sum::<f64>();
        let tss = if design.intercept {
            y.iter().map(|v| (v - y_mean) * (v - y_mean)).sum::<f64>()
        } else {
            y.iter().map(|v| v * v).sum::<f64>()
        };
        let q = w.dot(&r_inv);
        let leverage = q.map_axis(Axis(1), |row| row.iter().map(|v| v * v).sum::<f64>());
        let rt = r.dot(&t);
        // κ(W) ≈ ‖R‖_F·‖R⁻¹‖_F (W has unit-norm columns, so this is cheap and close).
        let fro = |m: &Array2<f64>| m.iter().map(|v| v * v).sum::<f64>().sqrt();
        let kappa = fro(&r) * fro(&r_inv);
        let (mut params, mut fitted, mut resid, mut rss) = (params, fitted, resid, rss);
        let mut xtx_inv = None;
        let mut solver = "householder-qr".to_string();
        // Forward-error bound of Householder least squares (Golub & Wilkinson 1966; Higham,
        // Accuracy and Stability of Numerical Algorithms, §20.1): ε(κ + κ²‖r‖/‖θ‖) for the
        // scaled problem (‖W‖ ≈ 1).
        let theta_norm = theta.iter().map(|v| v * v).sum::<f64>().sqrt();
        let bound = f64::EPSILON * (kappa + kappa * kappa * rss.sqrt() / theta_norm);
        let wanted = match refinement {
            Refinement::Auto => {
                n * p <= REFINE_ALWAYS_CELLS || bound.is_nan() || bound >= REFINE_BOUND
            }
            Refinement::Always => true,
            Refinement::Never => false,
        };
        if wanted {
            let a = t_inv.dot(&r_inv);
            let sys = refine::System {
                design,
                q: &q,
                a: &a,
            };
            if let Some(sol) = sys.least_squares(&params) {
                let inv = sys.inverse_gram();
                params = sol.params;
                resid = sol.resid;
                rss = sol.rss;
                fitted = y - &resid;
                solver = format!(
                    "householder-qr + iterative refinement (double-double residuals, {} steps)",
                    sol.steps
                );
                xtx_inv = inv;
            }
        }
        Ok(OlsFit {
            n,
            p,
            intercept: design.intercept,
            names: names.clone(),
            y_name: design.y_name.clone(),
            params,
            fitted,
            resid,
            leverage,
            rss,
            tss,
            x_sd,
            y_sd,
            q,
            r_inv,
            t_inv,
            rt,
            xtx_inv,
            solver,
        })
    }

    /// Residual degrees of freedom n − p.
    pub fn df_resid(&self) -> f64 {
        (self.n - self.p) as f64
    }

    /// Model degrees of freedom (p minus the intercept).
    pub fn df_model(&self) -> f64 {
        (self.p - usize::from(self.intercept)) as f64
    }

    /// σ̂² = RSS / (n − p).
    pub fn sigma2(&self) -> f64 {
        self.rss / self.df_resid()
    }

    /// Coefficient covariance matrix under `cov`.
    ///
    /// Nonrobust: σ̂²·T⁻¹R⁻¹R⁻ᵀT⁻ᵀ. HC: T⁻¹R⁻¹(Σ ωᵢ qᵢqᵢᵀ)R⁻ᵀT⁻ᵀ with qᵢ the rows of
    /// Q = WR⁻¹ and ωᵢ = eᵢ² (HC0), ·n/(n−p) (HC1), /(1−hᵢ) (HC2), /(1−hᵢ)² (HC3)
    /// (MacKinnon & White 1985, J. Econometrics 29).
    pub fn cov(&self, cov: CovType) -> Array2<f64> {
        if let (CovType::Nonrobust, Some(inv)) = (cov, &self.xtx_inv) {
            return inv * self.sigma2();
        }
        let a = self.t_inv.dot(&self.r_inv); // β = A·(Qᵀy)
        let middle = match cov {
            CovType::Nonrobust => Array2::eye(self.p) * self.sigma2(),
            _ => {
                let df_factor = self.n as f64 / self.df_resid();
                let omega: Array1<f64> = self
                    .resid
                    .iter()
                    .zip(self.leverage.iter())
                    .map(|(e, h)| {
                        let e2 = e * e;
                        match cov {
                            CovType::HC0 => e2,
                            CovType::HC1 => e2 * df_factor,
                            CovType::HC2 => e2 / (1.0 - h),
                            _ => e2 / ((1.0 - h) * (1.0 - h)),
                        }
                    })
                    .collect();
                let weighted = &self.q * &omega.view().insert_axis(Axis(1));
                self.q.t().dot(&weighted)
            }
        };
        a.dot(&middle).dot(&a.t())
    }

    /// Singular values of the raw design matrix (from R·T, since X = Q·R·T).
    pub fn design_singular_values(&self) -> Result<Array1<f64>> {
        use linfa_linalg::svd::SVD;
        let (_, s, _) = self.rt.svd(false, false).map_err(linalg_err)?;
        Ok(s)
    }

    /// Condition number of the raw design as statsmodels reports it (largest / smallest
    /// singular value of X, intercept column included).
    pub fn condition_number(&self) -> Result<f64> {
        let s = self.design_singular_values()?;
        let max = s.iter().cloned().fold(0.0, f64::max);
        let min = s.iter().cloned().fold(f64::INFINITY, f64::min);
        Ok(max / min)
    }

    /// Variance inflation factor of each regressor (None for the intercept): the diagonal of
    /// (WᵀW)⁻¹ = R⁻¹R⁻ᵀ, as W's columns have unit norm (and are centered with an intercept).
    pub fn vif(&self) -> Vec<Option<f64>> {
        (0..self.p)
            .map(|j| {
                if self.intercept && j == 0 {
                    None
                } else {
                    Some(self.r_inv.row(j).iter().map(|v| v * v).sum())
                }
            })
            .collect()
    }

    /// R² of regressing `v` on the model's regressors (for auxiliary tests):
    /// centered when the model has an intercept.
    pub fn auxiliary_r2(&self, v: &Array1<f64>) -> f64 {
        let proj = self.q.t().dot(v);
        let explained_total = proj.iter().map(|x| x * x).sum::<f64>();
        let total_unc = v.iter().map(|x| x * x).sum::<f64>();
        let rss = (total_unc - explained_total).max(0.0);
        let tss = if self.intercept {
            let m = mean(v.view());
            v.iter().map(|x| (x - m) * (x - m)).sum::<f64>()
        } else {
            total_unc
        };
        1.0 - rss / tss
    }

    /// Coefficients of a model of the form W θ (scaled), for the bootstrap: not public API.
    #[doc(hidden)]
    pub fn r_inverse(&self) -> &Array2<f64> {
        &self.r_inv
    }
}

/// Name the column that is (nearly) a combination of earlier ones, and those ones.
fn collinearity_message(r: &Array2<f64>, names: &[String], j: usize) -> String {
    // Column j ≈ Σ_k<j c_k w_k with c = R[..j,..j]⁻¹ R[..j, j].
    let mut involved = Vec::new();
    if j > 0 {
        let rj = r.slice(s![..j, ..j]).to_owned();
        let b = r.slice(s![..j, j..j + 1]).to_owned();
        if let Ok(c) = rj.solve_triangular(&b, UPLO::Upper) {
            let scale = c.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            for (k, v) in c.column(0).iter().enumerate() {
                if v.abs() > 1e-6 * scale && names[k] != "Intercept" {
                    involved.push(format!("'{}'", names[k]));
                }
            }
        }
    }
    if involved.is_empty() {
        format!(
            "predictor '{}' is (nearly) constant or a multiple of the intercept; drop it",
            names[j]
        )
    } else {
        format!(
            "predictors are collinear: '{}' is (nearly) a linear combination of {}; drop one of them",
            names[j],
            involved.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use ndarray::array;

    fn design(x: Array2<f64>, y: Array1<f64>, names: &[&str]) -> Design {
        Design {
            x,
            y,
            names: names.iter().map(|s| s.to_string()).collect(),
            y_name: "y".into(),
            intercept: names.first() == Some(&"Intercept"),
            x_lo: None,
            y_lo: None,
        }
    }

    #[test]
    fn exact_line_is_recovered() {
        let x = array![[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]];
        let y = array![1.0, 3.1, 4.9, 7.0];
        let f = OlsFit::fit(&design(x, y, &["Intercept", "x"])).unwrap();
        // Hand-computed: slope = Sxy/Sxx = 9.9/5 = 1.98, intercept = 4 - 1.98*1.5 = 1.03.
        assert_relative_eq!(f.params[1], 1.98, max_relative = 1e-12);
        assert_relative_eq!(f.params[0], 1.03, max_relative = 1e-12);
    }

    #[test]
    fn constant_predictor_is_named() {
        let x = array![
            [1.0, 2.0, 5.0],
            [1.0, 3.0, 5.0],
            [1.0, 4.0, 5.0],
            [1.0, 6.0, 5.0],
            [1.0, 7.0, 5.0]
        ];
        let y = array![1.0, 2.0, 3.5, 4.0, 6.0];
        let e = OlsFit::fit(&design(x, y, &["Intercept", "a", "k"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'k' is constant"), "{e}");
    }

    #[test]
    fn collinear_predictors_are_named() {
        let x = array![
            [1.0, 1.0, 2.0],
            [1.0, 2.0, 4.0],
            [1.0, 3.0, 6.0],
            [1.0, 5.0, 10.0],
            [1.0, 8.0, 16.0]
        ];
        let y = array![1.0, 2.0, 3.5, 4.0, 6.0];
        let e = OlsFit::fit(&design(x, y, &["Intercept", "a", "b"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("'b'") && e.contains("'a'") && e.contains("collinear"),
            "{e}"
        );
    }

    #[test]
    fn too_few_rows_and_constant_response() {
        let x = array![[1.0, 1.0], [1.0, 2.0]];
        let e = OlsFit::fit(&design(x, array![1.0, 2.0], &["Intercept", "a"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("need at least 3 rows"), "{e}");
        let x = array![[1.0, 1.0], [1.0, 2.0], [1.0, 4.0]];
        let e = OlsFit::fit(&design(x, array![2.0, 2.0, 2.0], &["Intercept", "a"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("same value"), "{e}");
    }

    #[test]
    fn hc0_matches_sandwich_by_hand() {
        // y = b0 + b1 x on 4 points; HC0 = (XᵀX)⁻¹ Xᵀ diag(e²) X (XᵀX)⁻¹ computed directly.
        let x = array![[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 4.0]];
        let y = array![0.5, 1.7, 2.2, 4.9];
        let f = OlsFit::fit(&design(x.clone(), y, &["Intercept", "x"])).unwrap();
        let xtx = x.t().dot(&x);
        let det = xtx[[0, 0]] * xtx[[1, 1]] - xtx[[0, 1]] * xtx[[1, 0]];
        let inv = array![[xtx[[1, 1]], -xtx[[0, 1]]], [-xtx[[1, 0]], xtx[[0, 0]]]] / det;
        let e2 = f.resid.mapv(|e| e * e);
        let meat = x.t().dot(&(&x * &e2.insert_axis(Axis(1))));
        let want = inv.dot(&meat).dot(&inv);
        let got = f.cov(CovType::HC0);
        for (a, b) in got.iter().zip(want.iter()) {
            assert_relative_eq!(*a, *b, max_relative = 1e-10);
        }
    }
}
