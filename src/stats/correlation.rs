//! Pearson and Spearman correlation matrices with p-values, and Fisher's z test for the
//! difference of two independent correlations.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::regression::t_pvalue;

/// A correlation matrix with p-values (t test of ρ = 0, df = n − 2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CorrelationMatrix {
    /// `pearson` or `spearman`.
    pub method: String,
    pub variables: Vec<String>,
    pub n: usize,
    pub r: Vec<Vec<f64>>,
    pub p_value: Vec<Vec<f64>>,
}

/// Pearson r of two equally long slices (two-pass, centered).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    sxy / (sxx * syy).sqrt()
}

/// Ranks 1..n with ties given their average rank.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut out = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in &idx[i..=j] {
            out[*k] = avg;
        }
        i = j + 1;
    }
    out
}

/// p-value of r under H0: ρ = 0 (t = r√(n−2)/√(1−r²)).
pub fn r_pvalue(r: f64, n: usize) -> f64 {
    if n < 3 {
        return f64::NAN;
    }
    if r.abs() >= 1.0 {
        return 0.0;
    }
    let df = (n - 2) as f64;
    t_pvalue(r * (df / (1.0 - r * r)).sqrt(), df)
}

/// Correlation matrix of `columns` (equal lengths, no missing values).
pub fn matrix(names: &[String], columns: &[&[f64]], spearman: bool) -> CorrelationMatrix {
    let ranked: Vec<Vec<f64>>;
    let cols: Vec<&[f64]> = if spearman {
        ranked = columns.iter().map(|c| ranks(c)).collect();
        ranked.iter().map(Vec::as_slice).collect()
    } else {
        columns.to_vec()
    };
    let k = cols.len();
    let n = cols.first().map_or(0, |c| c.len());
    let mut r = vec![vec![1.0; k]; k];
    let mut p = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in (i + 1)..k {
            let v = pearson(cols[i], cols[j]);
            r[i][j] = v;
            r[j][i] = v;
            let pv = r_pvalue(v, n);
            p[i][j] = pv;
            p[j][i] = pv;
        }
    }
    CorrelationMatrix {
        method: if spearman { "spearman" } else { "pearson" }.into(),
        variables: names.to_vec(),
        n,
        r,
        p_value: p,
    }
}

/// Fisher's z test of r1 = r2 for independent samples: z = (atanh r1 − atanh r2) /
/// √(1/(n1−3) + 1/(n2−3)). Returns (z, two-sided p).
pub fn fisher_z_test(r1: f64, n1: usize, r2: f64, n2: usize) -> (f64, f64) {
    if n1 < 4 || n2 < 4 {
        return (f64::NAN, f64::NAN);
    }
    let z = (r1.atanh() - r2.atanh()) / (1.0 / (n1 as f64 - 3.0) + 1.0 / (n2 as f64 - 3.0)).sqrt();
    (z, normal_two_sided(z))
}

/// Two-sided p-value of a standard normal statistic.
pub fn normal_two_sided(z: f64) -> f64 {
    match Normal::new(0.0, 1.0) {
        Ok(d) if z.is_finite() => (2.0 * d.sf(z.abs())).min(1.0),
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[10.0, 20.0, 20.0, 5.0]), [2.0, 3.5, 3.5, 1.0]);
    }

    #[test]
    fn pearson_and_p_by_hand() {
        // x = 1..5, y = 2,4,5,4,5: Sxy = 6, Sxx = 10, Syy = 6 -> r = 6/sqrt(60).
        let r = pearson(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 4.0, 5.0, 4.0, 5.0]);
        assert!((r - 6.0 / 60f64.sqrt()).abs() < 1e-12);
        // t = r√3/√(1 − r²) = √4.5; two-sided p = 2(1 − F(√4.5))
        let p = r_pvalue(r, 5);
        // For df = 3, F(t) = 1/2 + (t/(√3(1 + t²/3)) + atan(t/√3))/π = 0.9379865 at t = √4.5.
        assert!((p - 0.124_027_1).abs() < 1e-6, "{p}");
    }

    #[test]
    fn fisher_z_symmetric() {
        let (z, p) = fisher_z_test(0.5, 103, 0.5, 53);
        assert!(z.abs() < 1e-12 && (p - 1.0).abs() < 1e-12);
        let (z, _) = fisher_z_test(0.6, 103, 0.2, 103);
        // atanh 0.6 = ½ln 4 = ln 2; atanh 0.2 = ½ln 1.5; z = (ln 2 − ½ln 1.5)/√(2/100).
        let want = (std::f64::consts::LN_2 - 0.5 * 1.5f64.ln()) / 0.02f64.sqrt();
        assert!((z - want).abs() < 1e-12);
    }
}
