//! The parameter-instability tests of model-based recursive partitioning (Zeileis, Hothorn
//! & Hornik 2008, "Model-based recursive partitioning", *J. Computational and Graphical
//! Statistics* 17(2); Zeileis & Hornik 2007, "Generalized M-fluctuation tests for parameter
//! instability", *Statistica Neerlandica* 61(4)), as R's partykit computes them in `mob()`.
//!
//! The model's estimating functions ψᵢ (for least squares, eᵢ·xᵢ) are decorrelated by the
//! outer product of gradients J = Σψᵢψᵢᵀ/n and ordered by a partitioning variable z:
//! - numeric z: the supLM statistic max over t in [from, n − from] of
//!   W(t)ᵀJ⁻¹W(t) / (t/n·(1 − t/n)), W(t) = Σ_{i ≤ t} ψ_(i)/√n in the order of z (ties in
//!   row order), from = max(⌈trim·n⌉, minsize); its p-value from Hansen's (1997)
//!   response-surface approximation ("Approximate asymptotic p values for structural-change
//!   tests", *J. Business & Economic Statistics* 15(1)) with the coefficients partykit
//!   ships (`hansen1997.csv`, written by the reference script), and Estrella's (2003)
//!   asymptotic form beyond 40 parameters;
//! - categorical z: Σ_levels W_lᵀJ⁻¹W_l / w_l (W_l the level's sum, w_l its share), χ² with
//!   k·(L − 1) degrees of freedom.
//!
//! Bonferroni over the m variables tested: 1 − (1 − p)^m for p > 0.001, else min(1, m·p).

use std::sync::OnceLock;

use linfa_linalg::cholesky::InverseC;
use ndarray::{Array1, Array2};
use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::gamma::ln_gamma;

/// A partitioning variable over the rows of a node.
#[derive(Debug, Clone)]
pub enum Partition {
    Numeric(Vec<f64>),
    /// Level codes (indices into the variable's sorted levels).
    Factor(Vec<usize>),
}

/// A test's statistic and its unadjusted log p-value (None: not testable, e.g. one value).
#[derive(Debug, Clone, Copy)]
pub struct Instability {
    pub statistic: f64,
    pub log_p: Option<f64>,
}

/// Hansen's coefficients: 25 rows (τ = 0.49 down to 0.01) per number of parameters 1…40,
/// each (b0, b1, df).
fn hansen() -> &'static Vec<[f64; 3]> {
    static TABLE: OnceLock<Vec<[f64; 3]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("hansen1997.csv")
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: Vec<f64> = l
                    .split(',')
                    .map(|c| c.trim().parse().unwrap_or(f64::NAN))
                    .collect();
                [v[0], v[1], v[2]]
            })
            .collect()
    })
}

/// log P(χ²_df > x), also where the tail underflows (its leading asymptotic term).
pub fn log_chisq_upper(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let p = ChiSquared::new(df).map(|c| c.sf(x)).unwrap_or(f64::NAN);
    if p > 1e-300 {
        p.ln()
    } else {
        (df / 2.0 - 1.0) * (x / 2.0).ln() - x / 2.0 - ln_gamma(df / 2.0)
    }
}

/// log p of a supLM statistic `x` with `k` parameters and trimming ratio `lambda` =
/// ((n − from)·to)/(from·(n − to)).
pub fn log_p_suplm(x: f64, k: usize, lambda: f64) -> f64 {
    let kf = k as f64;
    if k > 40 {
        // Estrella (2003), used above 1.5·k and interpolated below, as partykit does.
        let estrella = |x: f64| {
            -ln_gamma(kf / 2.0) + kf / 2.0 * (x / 2.0).ln() - x / 2.0
                + (lambda.ln() * (1.0 - kf / x) + 2.0 / x).abs().ln()
        };
        return if x <= 1.5 * kf {
            (x / (1.5 * kf)).powf(kf.sqrt()) * estrella(1.5 * kf)
        } else {
            estrella(x)
        };
    }
    let tau = if lambda < 1.0 {
        lambda
    } else {
        1.0 / (1.0 + lambda.sqrt())
    };
    let rows = &hansen()[(k - 1) * 25..k * 25];
    let pp: Vec<f64> = rows
        .iter()
        .map(|b| log_chisq_upper((b[0] + b[1] * x).max(0.0), b[2]))
        .collect();
    let chi = log_chisq_upper(x, kf);
    let mix =
        |a: f64, pa: f64, b: f64, pb: f64| -> f64 { (a.ln() + pa).exp() + (b.ln() + pb).exp() };
    if tau == 0.5 {
        chi
    } else if tau <= 0.01 {
        pp[24]
    } else if tau >= 0.49 {
        let p = (mix(0.5 - tau, pp[0], tau - 0.49, chi) * 100.0).ln();
        if p.is_finite() {
            p
        } else {
            (pp[0] + chi) / 2.0
        }
    } else {
        let taua = (0.51 - tau) * 50.0;
        let t1 = taua.floor();
        let i = t1 as usize; // 1-based pp[tau1] is pp[i − 1]
        let p = mix(t1 + 1.0 - taua, pp[i - 1], taua - t1, pp[i]).ln();
        if p.is_finite() {
            p
        } else {
            (pp[i - 1] + pp[i]) / 2.0
        }
    }
}

/// Bonferroni-adjusted p-value of `p` among `m` tests, as partykit adjusts.
pub fn bonferroni(p: f64, m: usize) -> f64 {
    if p > 0.001 {
        -((m as f64) * (-p).ln_1p()).exp_m1()
    } else {
        (m as f64 * p).min(1.0)
    }
}

/// The decorrelated estimating functions: the quadratic form x ↦ xᵀJ⁻¹x of the process
/// W = ψ/√n (None when J is singular).
pub struct Process {
    /// ψᵢ/√n, n × k.
    pub scaled: Array2<f64>,
    j_inv: Array2<f64>,
}

impl Process {
    pub fn new(psi: &Array2<f64>) -> Option<Process> {
        let n = psi.nrows() as f64;
        let scaled = psi / n.sqrt();
        let meat = scaled.t().dot(&scaled);
        let j_inv = meat.invc().ok()?;
        Some(Process { scaled, j_inv })
    }

    /// wᵀJ⁻¹w without allocating (it runs once per customer and variable).
    fn quad(&self, w: &Array1<f64>) -> f64 {
        let k = w.len();
        let mut q = 0.0;
        for a in 0..k {
            let mut row = 0.0;
            for b in 0..k {
                row += self.j_inv[[a, b]] * w[b];
            }
            q += w[a] * row;
        }
        q
    }

    pub fn k(&self) -> usize {
        self.scaled.ncols()
    }
}

/// The instability test of one partitioning variable (values per row of the process).
pub fn instability(p: &Process, z: &Partition, minsize: usize, trim: f64) -> Instability {
    let n = p.scaled.nrows();
    let k = p.k();
    let none = Instability {
        statistic: 0.0,
        log_p: None,
    };
    match z {
        Partition::Numeric(v) => {
            let first = v[0];
            if v.iter().all(|x| *x == first) {
                return none;
            }
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
            let from = if trim > 1.0 {
                trim as usize
            } else {
                (n as f64 * trim).ceil() as usize
            }
            .max(minsize);
            let to = n.saturating_sub(from);
            if from > to {
                return none;
            }
            let mut w = Array1::<f64>::zeros(k);
            let mut stat = f64::NEG_INFINITY;
            for (t, &i) in order.iter().enumerate() {
                w += &p.scaled.row(i);
                let t = t + 1;
                if t >= from && t <= to {
                    let tt = t as f64 / n as f64;
                    stat = stat.max(p.quad(&w) / (tt * (1.0 - tt)));
                }
            }
            let (nf, ff, tf) = (n as f64, from as f64, to as f64);
            let lambda = ((nf - ff) * tf) / (ff * (nf - tf));
            Instability {
                statistic: stat,
                log_p: Some(log_p_suplm(stat, k, lambda)),
            }
        }
        Partition::Factor(codes) => {
            let levels = codes.iter().copied().max().map_or(0, |m| m + 1);
            let mut sums = vec![Array1::<f64>::zeros(k); levels];
            let mut counts = vec![0usize; levels];
            for (i, &c) in codes.iter().enumerate() {
                sums[c] += &p.scaled.row(i);
                counts[c] += 1;
            }
            let present = counts.iter().filter(|c| **c > 0).count();
            if present < 2 {
                return none;
            }
            let stat: f64 = sums
                .iter()
                .zip(&counts)
                .filter(|(_, c)| **c > 0)
                .map(|(s, &c)| p.quad(s) / (c as f64 / n as f64))
                .sum();
            Instability {
                statistic: stat,
                log_p: Some(log_chisq_upper(stat, (k * (present - 1)) as f64)),
            }
        }
    }
}
