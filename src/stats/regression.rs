//! Regression results: the statsmodels-style summary of an [`OlsFit`] under a covariance
//! type, with model diagnostics. A plain `serde` struct that renderers consume.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor, Normal, StudentsT};

use super::ols::{mean, CovType, OlsFit};
use crate::error::{Error, Result};

/// How many influential rows the diagnostics list.
pub const TOP_INFLUENTIAL: usize = 5;

/// One coefficient row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TermResult {
    pub term: String,
    pub estimate: f64,
    pub std_error: f64,
    /// t statistic.
    pub statistic: f64,
    pub p_value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Standardized coefficient b·sd(x)/sd(y); null for the intercept.
    pub beta: Option<f64>,
}

/// A test statistic with its p-value.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Test {
    pub statistic: f64,
    pub df: f64,
    pub p_value: f64,
}

/// A row with high influence.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Influential {
    /// Row label: the customer id when known, else the 1-based row number.
    pub row: String,
    pub cooks_distance: f64,
    pub leverage: f64,
}

/// Residual and design diagnostics.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RegressionDiagnostics {
    /// Variance inflation factor per non-intercept term.
    pub vif: Vec<(String, f64)>,
    /// Breusch–Pagan LM test (studentized, Koenker 1981) of heteroskedasticity.
    pub breusch_pagan: Test,
    /// Jarque–Bera test of residual normality.
    pub jarque_bera: Test,
    pub skew: f64,
    pub kurtosis: f64,
    pub durbin_watson: f64,
    /// The rows with the largest Cook's distance.
    pub influential: Vec<Influential>,
}

/// Everything `regress` reports for one model (one group).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RegressionResult {
    /// Group label (`all` when not grouped).
    pub group: String,
    pub formula: String,
    pub outcome: String,
    pub n: usize,
    pub df_model: f64,
    pub df_resid: f64,
    pub r_squared: f64,
    pub adj_r_squared: f64,
    /// F test that all slopes are zero, under the chosen covariance (Wald form for HC).
    pub f_statistic: f64,
    pub f_pvalue: f64,
    pub log_likelihood: f64,
    pub aic: f64,
    pub bic: f64,
    pub residual_std_error: f64,
    pub condition_number: f64,
    /// How the estimates were computed: `householder-qr`, or with iterative refinement in
    /// double-double when the design is small or badly conditioned (see `stats::refine`).
    pub solver: String,
    pub se_type: String,
    /// `t` (classical covariance) or `normal` (robust covariances), as in statsmodels.
    pub inference: String,
    pub confidence: f64,
    pub terms: Vec<TermResult>,
    pub diagnostics: RegressionDiagnostics,
    /// Rows dropped for missing / non-finite values, per column.
    pub rows_dropped: Vec<super::formula::RowsDropped>,
    /// Warnings worth reading (e.g. a high condition number).
    pub warnings: Vec<String>,
}

impl RegressionResult {
    /// Name of the test statistic: `t` under t inference, `z` under normal inference
    /// (robust covariances), as statsmodels labels its summary.
    pub fn stat_label(&self) -> &'static str {
        if self.inference == "t" {
            "t"
        } else {
            "z"
        }
    }

    /// Heading of the p-value column: `P>|t|` or `P>|z|`.
    pub fn p_label(&self) -> &'static str {
        if self.inference == "t" {
            "P>|t|"
        } else {
            "P>|z|"
        }
    }
}

/// A survival function evaluated only where statrs is safe: NaN in gives NaN out (statrs
/// panics on some out-of-range arguments), ±∞ give the limits 0 and 1.
pub fn guarded_sf(x: f64, sf: impl Fn(f64) -> f64) -> f64 {
    if x.is_nan() {
        f64::NAN
    } else if x == f64::INFINITY {
        0.0
    } else if x == f64::NEG_INFINITY {
        1.0
    } else {
        sf(x)
    }
}

/// Two-sided p-value of a t statistic (NaN when it cannot be computed).
pub fn t_pvalue(t: f64, df: f64) -> f64 {
    if df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) => guarded_sf(t.abs(), |x| (2.0 * d.sf(x)).min(1.0)),
        Err(_) => f64::NAN,
    }
}

/// Upper tail of F(d1, d2) at `f` (NaN when it cannot be computed).
pub fn f_sf(f: f64, d1: f64, d2: f64) -> f64 {
    if !(d1 > 0.0 && d2 > 0.0) || f < 0.0 {
        return f64::NAN;
    }
    FisherSnedecor::new(d1, d2)
        .map(|d| guarded_sf(f, |x| d.sf(x)))
        .unwrap_or(f64::NAN)
}

/// Upper tail of χ²(df) at `x` (NaN when it cannot be computed).
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    if df.is_nan() || df <= 0.0 || x < 0.0 {
        return f64::NAN;
    }
    ChiSquared::new(df)
        .map(|d| guarded_sf(x, |v| d.sf(v)))
        .unwrap_or(f64::NAN)
}

/// Degrees of freedom from which [`t_quantile`] uses its expansion.
const LARGE_DF: f64 = 1e5;

/// The `q` quantile of Student's t with `df` degrees of freedom.
///
/// statrs' inverse CDF goes through an inverse incomplete beta whose accuracy is ~1e-9;
/// two Newton steps on the CDF bring it to full precision (needed for CIs that agree with
/// scipy to 1e-10).
///
/// From 100,000 degrees of freedom (tens of millions of customers, where statrs' inverse
/// incomplete beta stops converging) the Cornish–Fisher expansion of t in the normal
/// quantile z to the fourth order in 1/ν (Abramowitz & Stegun 1964, 26.7.5): its next term
/// is below 1e-25 there, so the result is exact to double precision.
pub fn t_quantile(q: f64, df: f64) -> f64 {
    if !(q > 0.0 && q < 1.0 && df > 0.0) {
        return f64::NAN;
    }
    if df >= LARGE_DF {
        let Ok(n) = Normal::new(0.0, 1.0) else {
            return f64::NAN;
        };
        let z = n.inverse_cdf(q);
        let (z2, v) = (z * z, df);
        let g1 = (z2 + 1.0) * z / 4.0;
        let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
        let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
        let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
        return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
    }
    let Ok(d) = StudentsT::new(0.0, 1.0, df) else {
        return f64::NAN;
    };
    let mut x = d.inverse_cdf(q);
    for _ in 0..2 {
        use statrs::distribution::Continuous;
        let pdf = d.pdf(x);
        if pdf > 0.0 {
            x -= (d.cdf(x) - q) / pdf;
        }
    }
    x
}

impl RegressionResult {
    /// Summarize `fit` under covariance `cov` with `confidence`-level intervals; `labels`
    /// name the rows (ids) for the influence table.
    pub fn new(
        fit: &OlsFit,
        cov: CovType,
        confidence: f64,
        formula: &str,
        group: &str,
        labels: Option<&[String]>,
    ) -> Result<Self> {
        check_confidence(confidence)?;
        let core = Core {
            n: fit.n,
            p: fit.p,
            intercept: fit.intercept,
            names: &fit.names,
            y_name: &fit.y_name,
            params: &fit.params,
            v: fit.cov(cov),
            rss: fit.rss,
            tss: fit.tss,
            x_sd: &fit.x_sd,
            y_sd: fit.y_sd,
            cond: fit.condition_number()?,
            diagnostics: diagnostics(fit, labels),
            solver: fit.solver.clone(),
        };
        core.assemble(cov, confidence, formula, group)
    }

    /// Summarize a model fitted from additive sums ([`super::moments`]) with its residual
    /// sums: the same figures as [`RegressionResult::new`] on the rows, but the
    /// Durbin–Watson statistic (row order), which is NaN.
    pub fn from_moments(
        fit: &super::moments::MomentFit,
        res: &super::moments::Residuals,
        cov: CovType,
        confidence: f64,
        formula: &str,
        group: &str,
    ) -> Result<Self> {
        check_confidence(confidence)?;
        let p = fit.p;
        if res.e2x.len() != p
            || res
                .meat
                .iter()
                .any(|m| m.len() != p || m.iter().any(|r| r.len() != p))
        {
            return Err(Error::Internal(format!(
                "residual sums for {} coefficients, the model has {p}",
                res.e2x.len()
            )));
        }
        let n = fit.n as f64;
        let rss = res.powers[1];
        let df_resid = n - fit.p as f64;
        let a = &fit.xtx_inv;
        let v = match cov {
            CovType::Nonrobust => a * (rss / df_resid),
            _ => {
                let meat = match cov {
                    CovType::HC0 | CovType::HC1 => &res.meat[0],
                    CovType::HC2 => &res.meat[1],
                    _ => &res.meat[2],
                };
                let m = ndarray::Array2::from_shape_fn((fit.p, fit.p), |(i, j)| meat[i][j]);
                let v = a.dot(&m).dot(a);
                if cov == CovType::HC1 {
                    v * (n / df_resid)
                } else {
                    v
                }
            }
        };
        let vif = fit
            .vif()
            .into_iter()
            .zip(&fit.names)
            .filter_map(|(v, name)| v.map(|v| (name.clone(), v)))
            .collect();
        // Breusch–Pagan: n·R² of e² on the regressors, from Σe²x, Σe² and Σe⁴.
        let g = ndarray::Array1::from(res.e2x.clone());
        let explained = g.dot(&a.dot(&g));
        let (s2, s4) = (res.powers[1], res.powers[3]);
        let r2_aux = if fit.intercept {
            (explained - s2 * s2 / n) / (s4 - s2 * s2 / n)
        } else {
            explained / s4
        };
        let bp_df = (fit.p - usize::from(fit.intercept)) as f64;
        let bp_stat = n * r2_aux;
        // Jarque–Bera from the central moments of the residuals.
        let m1 = res.powers[0] / n;
        let (p2, p3, p4) = (res.powers[1] / n, res.powers[2] / n, res.powers[3] / n);
        let m2 = p2 - m1 * m1;
        let m3 = p3 - 3.0 * m1 * p2 + 2.0 * m1.powi(3);
        let m4 = p4 - 4.0 * m1 * p3 + 6.0 * m1 * m1 * p2 - 3.0 * m1.powi(4);
        let skew = m3 / m2.powf(1.5);
        let kurtosis = m4 / (m2 * m2);
        let jb = n / 6.0 * (skew * skew + (kurtosis - 3.0).powi(2) / 4.0);
        let diagnostics = RegressionDiagnostics {
            vif,
            breusch_pagan: Test {
                statistic: bp_stat,
                df: bp_df,
                p_value: chi2_sf(bp_stat, bp_df),
            },
            jarque_bera: Test {
                statistic: jb,
                df: 2.0,
                p_value: chi2_sf(jb, 2.0),
            },
            skew,
            kurtosis,
            durbin_watson: f64::NAN,
            influential: fit.top_rows(res.top.clone(), rss),
        };
        let core = Core {
            n: fit.n,
            p: fit.p,
            intercept: fit.intercept,
            names: &fit.names,
            y_name: &fit.y_name,
            params: &fit.params,
            v,
            rss,
            tss: fit.tss,
            x_sd: &fit.x_sd,
            y_sd: fit.y_sd,
            cond: fit.condition_number()?,
            diagnostics,
            solver: "normal equations from additive sums (Cholesky)".into(),
        };
        let mut r = core.assemble(cov, confidence, formula, group)?;
        r.warnings.push(
            "Durbin-Watson not computed: it depends on the order of the rows, which a table summarised in parts does not have".into(),
        );
        Ok(r)
    }

    /// The coefficient row of `term`, if present.
    pub fn term(&self, term: &str) -> Option<&TermResult> {
        self.terms.iter().find(|t| t.term == term)
    }
}

fn check_confidence(confidence: f64) -> Result<()> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(Error::Usage(format!(
            "--confidence {confidence} must be between 0 and 1"
        )));
    }
    Ok(())
}

/// What a regression summary is made of, however the model was fitted.
struct Core<'a> {
    n: usize,
    p: usize,
    intercept: bool,
    names: &'a [String],
    y_name: &'a str,
    params: &'a ndarray::Array1<f64>,
    /// The coefficients' covariance under the chosen type.
    v: ndarray::Array2<f64>,
    rss: f64,
    tss: f64,
    x_sd: &'a [f64],
    y_sd: f64,
    cond: f64,
    diagnostics: RegressionDiagnostics,
    solver: String,
}

impl Core<'_> {
    fn assemble(
        self,
        cov: CovType,
        confidence: f64,
        formula: &str,
        group: &str,
    ) -> Result<RegressionResult> {
        let n = self.n as f64;
        let p = self.p as f64;
        let df_resid = (self.n - self.p) as f64;
        let df_model = (self.p - usize::from(self.intercept)) as f64;
        let v = &self.v;
        // As statsmodels: t inference for the classical covariance, normal (z) inference
        // for the heteroskedasticity-robust ones (their justification is asymptotic).
        let use_t = cov == CovType::Nonrobust;
        let (tcrit, pval): (f64, Box<dyn Fn(f64) -> f64>) = if use_t {
            (
                t_quantile(0.5 + confidence / 2.0, df_resid),
                Box::new(move |t| t_pvalue(t, df_resid)),
            )
        } else {
            (
                Normal::new(0.0, 1.0)
                    .map(|d| d.inverse_cdf(0.5 + confidence / 2.0))
                    .unwrap_or(f64::NAN),
                Box::new(crate::stats::correlation::normal_two_sided),
            )
        };
        let terms: Vec<TermResult> = (0..self.p)
            .map(|j| {
                let est = self.params[j];
                let se = v[[j, j]].max(0.0).sqrt();
                let t = est / se;
                TermResult {
                    term: self.names[j].clone(),
                    estimate: est,
                    std_error: se,
                    statistic: t,
                    p_value: pval(t),
                    ci_low: est - tcrit * se,
                    ci_high: est + tcrit * se,
                    beta: if self.intercept && j == 0 {
                        None
                    } else {
                        Some(est * self.x_sd[j] / self.y_sd)
                    },
                }
            })
            .collect();

        let r2 = 1.0 - self.rss / self.tss;
        let k_const = if self.intercept { 1.0 } else { 0.0 };
        let adj = 1.0 - (n - k_const) / df_resid * (1.0 - r2);
        let (f, fp) = wald_f(self.params, self.intercept, v, df_resid);
        // Gaussian log-likelihood at the MLE of σ² (RSS/n), as statsmodels.
        let llf = -n / 2.0 * ((2.0 * std::f64::consts::PI).ln() + (self.rss / n).ln() + 1.0);
        let cond = self.cond;
        let mut warnings = Vec::new();
        if cond > 1e6 {
            warnings.push(format!(
                "condition number {cond:.3e} is large: the predictors may be strongly collinear or on very different scales (see VIF)"
            ));
        }
        for (name, vif) in &self.diagnostics.vif {
            if *vif > 10.0 {
                warnings.push(format!("VIF of '{name}' is {} (> 10): its coefficient is imprecise because of collinearity", crate::format::num(*vif, 3)));
            }
        }
        Ok(RegressionResult {
            group: group.to_string(),
            formula: formula.to_string(),
            outcome: self.y_name.to_string(),
            n: self.n,
            df_model,
            df_resid,
            r_squared: r2,
            adj_r_squared: adj,
            f_statistic: f,
            f_pvalue: fp,
            log_likelihood: llf,
            aic: -2.0 * llf + 2.0 * p,
            bic: -2.0 * llf + p * n.ln(),
            residual_std_error: (self.rss / df_resid).sqrt(),
            condition_number: cond,
            solver: self.solver,
            se_type: cov.label().to_string(),
            inference: if use_t { "t" } else { "normal" }.to_string(),
            confidence,
            terms,
            diagnostics: self.diagnostics,
            rows_dropped: vec![],
            warnings,
        })
    }
}

/// Wald F test that every non-intercept coefficient is zero: F = b'V⁻¹b / q with V the
/// (possibly robust) covariance of those coefficients; equals the classical F under the
/// nonrobust covariance.
fn wald_f(
    params: &ndarray::Array1<f64>,
    intercept: bool,
    v: &ndarray::Array2<f64>,
    df_resid: f64,
) -> (f64, f64) {
    use linfa_linalg::cholesky::CholeskyInplace;
    use linfa_linalg::triangular::{SolveTriangular, UPLO};
    let idx: Vec<usize> = (usize::from(intercept)..params.len()).collect();
    let q = idx.len();
    if q == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mut sub = ndarray::Array2::<f64>::zeros((q, q));
    for (a, &i) in idx.iter().enumerate() {
        for (b, &j) in idx.iter().enumerate() {
            sub[[a, b]] = v[[i, j]];
        }
    }
    let b = ndarray::Array1::from_iter(idx.iter().map(|&i| params[i]));
    // Solve V z = b via Cholesky (V is symmetric positive definite).
    let f = match sub.cholesky_into() {
        Ok(l) => {
            let bb = b.clone().insert_axis(ndarray::Axis(1));
            match l.solve_triangular(&bb, UPLO::Lower) {
                Ok(z) => z.iter().map(|x| x * x).sum::<f64>() / q as f64,
                Err(_) => f64::NAN,
            }
        }
        Err(_) => f64::NAN,
    };
    let p = f_sf(f, q as f64, df_resid);
    (f, p)
}

fn diagnostics(fit: &OlsFit, labels: Option<&[String]>) -> RegressionDiagnostics {
    let n = fit.n as f64;
    let e = &fit.resid;
    let vif = fit
        .vif()
        .into_iter()
        .zip(&fit.names)
        .filter_map(|(v, name)| v.map(|v| (name.clone(), v)))
        .collect();

    // Breusch–Pagan (Koenker's studentized form): LM = n·R² of e² on the regressors.
    let e2 = e.mapv(|x| x * x);
    let r2_aux = fit.auxiliary_r2(&e2);
    let bp_df = fit.df_model();
    let bp_stat = n * r2_aux;
    let bp_p = chi2_sf(bp_stat, bp_df);

    // Jarque–Bera from the (biased) sample skewness and kurtosis of the residuals.
    let m = mean(e.view());
    let m2 = e.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    let m3 = e.iter().map(|x| (x - m).powi(3)).sum::<f64>() / n;
    let m4 = e.iter().map(|x| (x - m).powi(4)).sum::<f64>() / n;
    let skew = m3 / m2.powf(1.5);
    let kurtosis = m4 / (m2 * m2);
    let jb = n / 6.0 * (skew * skew + (kurtosis - 3.0).powi(2) / 4.0);
    let jb_p = chi2_sf(jb, 2.0);

    // Durbin–Watson: Σ(eₜ − eₜ₋₁)² / Σeₜ².
    let dw = e
        .windows(2)
        .into_iter()
        .map(|w| (w[1] - w[0]).powi(2))
        .sum::<f64>()
        / fit.rss;

    // Cook's distance Dᵢ = eᵢ² hᵢ / (p σ̂² (1 − hᵢ)²).
    let s2p = fit.sigma2() * fit.p as f64;
    let mut cooks: Vec<(usize, f64)> = e
        .iter()
        .zip(fit.leverage.iter())
        .map(|(r, h)| r * r * h / (s2p * (1.0 - h).powi(2)))
        .enumerate()
        .collect();
    // Largest first, ties by row: a total order, so selecting the top rows before
    // sorting them gives what a full sort would, in O(n).
    let order = |a: &(usize, f64), b: &(usize, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if cooks.len() > TOP_INFLUENTIAL {
        cooks.select_nth_unstable_by(TOP_INFLUENTIAL, order);
        cooks.truncate(TOP_INFLUENTIAL);
    }
    cooks.sort_by(order);
    let influential = cooks
        .into_iter()
        .map(|(i, d)| Influential {
            row: labels
                .and_then(|l| l.get(i).cloned())
                .unwrap_or_else(|| (i + 1).to_string()),
            cooks_distance: d,
            leverage: fit.leverage[i],
        })
        .collect();
    RegressionDiagnostics {
        vif,
        breusch_pagan: Test {
            statistic: bp_stat,
            df: bp_df,
            p_value: bp_p,
        },
        jarque_bera: Test {
            statistic: jb,
            df: 2.0,
            p_value: jb_p,
        },
        skew,
        kurtosis,
        durbin_watson: dw,
        influential,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::ols::Design;
    use ndarray::{Array1, Array2};

    #[test]
    fn influential_rows_are_the_top_cooks_distances_in_order() {
        // y = 2 + 0.5x + a deterministic wiggle, with row 17 (0-based) pushed far off the
        // line.
        let n = 60;
        let x: Vec<f64> = (0..n).map(|i| f64::from(i) * 0.5).collect();
        let mut y: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, v)| 2.0 + 0.5 * v + ((i * 7) % 5) as f64 * 0.1)
            .collect();
        y[17] += 25.0;
        let design = Design {
            x: Array2::from_shape_fn((n as usize, 2), |(i, j)| if j == 0 { 1.0 } else { x[i] }),
            y: Array1::from(y),
            names: vec!["Intercept".into(), "x".into()],
            y_name: "y".into(),
            intercept: true,
            x_lo: None,
            y_lo: None,
        };
        let fit = OlsFit::fit(&design).unwrap();
        let got = diagnostics(&fit, None).influential;
        // Brute force: Dᵢ = eᵢ² hᵢ / (p σ̂² (1 − hᵢ)²) for every row, fully sorted.
        let s2p = fit.rss / (fit.n - fit.p) as f64 * fit.p as f64;
        let mut all: Vec<(usize, f64)> = (0..fit.n)
            .map(|i| {
                let (e, h) = (fit.resid[i], fit.leverage[i]);
                (i, e * e * h / (s2p * (1.0 - h).powi(2)))
            })
            .collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        assert_eq!(got.len(), TOP_INFLUENTIAL);
        assert_eq!(got[0].row, "18", "the outlier (1-based row 18) comes first");
        for (g, (i, d)) in got.iter().zip(&all) {
            assert_eq!(g.row, (i + 1).to_string());
            assert!((g.cooks_distance - d).abs() <= 1e-12 * d.abs().max(1.0));
        }
    }

    /// Large degrees of freedom (tens of millions of customers): scipy's t.ppf values
    /// (scipy 1.x, computed once), to 1e-13; statrs' own inverse does not converge there.
    #[test]
    fn t_quantile_at_large_degrees_of_freedom_matches_scipy() {
        for (q, df, want) in [
            (0.975, 1e5, 1.9599877075346095),
            (0.975, 6e7, 1.9599640240779084),
            (0.995, 2.5e5, 2.575848969880652),
        ] {
            let got = t_quantile(q, df);
            assert!(
                (got - want).abs() < 1e-13 * want,
                "{q} {df}: {got} vs {want}"
            );
        }
        // Continuous where the expansion takes over.
        let (below, at) = (t_quantile(0.975, 99_999.0), t_quantile(0.975, 1e5));
        assert!((below - at).abs() < 1e-9, "{below} vs {at}");
        // scipy's 2·t.sf(3, 6e7): statrs' incomplete beta is good to about 1e-8 relative
        // there (6.1e-9 here), far below what a p-value is printed to.
        let p = t_pvalue(3.0, 6e7);
        assert!((p / 0.0026997971712224133 - 1.0).abs() < 1e-7, "{p}");
    }
}
