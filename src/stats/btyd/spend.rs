//! The Gamma-Gamma model of spend per transaction.

use statrs::function::gamma::{digamma, ln_gamma};

use super::covariates::Rows;
use super::{Likelihood, SpendTuples};

/// Gamma-Gamma log-likelihood of mean spend (Fader & Hardie 2013) on (x, m̄) tuples.
pub struct GammaGamma<'a>(pub &'a SpendTuples);

impl Likelihood for GammaGamma<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["p", "q", "gamma"]
    }

    fn n(&self) -> f64 {
        self.0.count.iter().sum()
    }

    /// ln f = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m̄ + px ln x − (px+q) ln(γ+m̄x),
    /// evaluated as the sum of [ln Γ(q+px) − ln Γ(q) − px ln q], px ln(q/(γ+m̄x)),
    /// −q·ln1p(m̄x/γ), −ln Γ(px), (px−1) ln m̄ and px ln x, which stays accurate as q, γ → ∞
    /// with q/γ fixed (mean spend the same for everyone), where ln Γ(q) and q ln γ would cancel.
    fn value_grad(&self, par: &[f64]) -> Option<(f64, Vec<f64>)> {
        let (p, q, g) = (par[0], par[1], par[2]);
        if !(p > 0.0 && q > 0.0 && g > 0.0) || par.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let d = &self.0;
        let psi_q = digamma(q);
        let ln_q = q.ln();
        let mut ll = 0.0;
        let mut gr = [0.0; 3];
        // x-only terms once per distinct x (tuples come sorted by x).
        let (mut cached_x, mut lg, mut psi_pxq, mut psi_px, mut lx) =
            (f64::NAN, 0.0, 0.0, 0.0, 0.0);
        for i in 0..d.x.len() {
            let (x, m, w) = (d.x[i], d.mean[i], d.count[i]);
            let px = p * x;
            if x != cached_x {
                cached_x = x;
                lg = gamma_ratio(q, px) - ln_gamma(px);
                psi_pxq = digamma(px + q);
                psi_px = digamma(px);
                lx = x.ln();
            }
            let den = g + m * x;
            let (ln_m, ln_den) = (m.ln(), den.ln());
            let l1p = (m * x / g).ln_1p();
            ll += w * (lg + px * (ln_q - ln_den) - q * l1p + (px - 1.0) * ln_m + px * lx);
            gr[0] += w * x * (psi_pxq - psi_px + ln_m + lx - ln_den);
            gr[1] += w * (psi_pxq - psi_q - l1p);
            gr[2] += w * ((q * m * x / g - px) / den);
        }
        (ll.is_finite() && gr.iter().all(|v| v.is_finite())).then(|| (ll, gr.to_vec()))
    }
}

/// The Gamma-Gamma record by record, at each record's own p, q, γ: what covariates on the
/// spend scale need ([`super::WithCovariates`] with an effect on γ, so that γᵢ = γ₀·exp(δᵀzᵢ)
/// and the mean spend per transaction p·γᵢ/(q − 1) scales by exp(δᵀzᵢ)). The same terms and
/// gradient as [`GammaGamma`].
pub struct SpendRows<'a>(pub &'a SpendTuples);

impl Rows for SpendRows<'_> {
    type Scratch = ();
    fn names(&self) -> &'static [&'static str] {
        &["p", "q", "gamma"]
    }
    fn len(&self) -> usize {
        self.0.x.len()
    }
    fn weight(&self, i: usize) -> f64 {
        self.0.count[i]
    }
    fn row(&self, i: usize, par: &[f64; 4], _: &mut ()) -> Option<(f64, [f64; 4])> {
        let (p, q, g) = (par[0], par[1], par[2]);
        if !(p > 0.0 && q > 0.0 && g > 0.0 && p.is_finite() && q.is_finite() && g.is_finite()) {
            return None;
        }
        let (x, m) = (self.0.x[i], self.0.mean[i]);
        let px = p * x;
        let psi_pxq = digamma(px + q);
        let den = g + m * x;
        let (ln_m, ln_den, lx) = (m.ln(), den.ln(), x.ln());
        let l1p = (m * x / g).ln_1p();
        let ll = gamma_ratio(q, px) - ln_gamma(px) + px * (q.ln() - ln_den) - q * l1p
            + (px - 1.0) * ln_m
            + px * lx;
        let gr = [
            x * (psi_pxq - digamma(px) + ln_m + lx - ln_den),
            psi_pxq - digamma(q) - l1p,
            (q * m * x / g - px) / den,
            0.0,
        ];
        (ll.is_finite() && gr.iter().all(|v| v.is_finite())).then_some((ll, gr))
    }
}

/// ln Γ(q+a) − ln Γ(q) − a ln q, accurate for large q (the asymptotic series of the log-gamma
/// difference, DLMF 5.11.13, to the q⁻³ term, where its error is below 10⁻¹⁶) and exact
/// otherwise.
fn gamma_ratio(q: f64, a: f64) -> f64 {
    if q > 1e7 && a < 1e3 {
        let (q2, q3) = (q * q, q * q * q);
        a * (a - 1.0) / (2.0 * q) - a * (a - 1.0) * (2.0 * a - 1.0) / (12.0 * q2)
            + a * a * (a - 1.0) * (a - 1.0) / (12.0 * q3)
    } else {
        ln_gamma(q + a) - ln_gamma(q) - a * q.ln()
    }
}

/// Gamma-Gamma: expected spend per transaction given x transactions with mean m̄
/// (Fader & Hardie 2013, eq. 5): (γ + m̄x)·p / (px + q − 1).
pub fn gamma_gamma_expected(p: &[f64], x: f64, mean: f64) -> f64 {
    let (pp, q, g) = (p[0], p[1], p[2]);
    (g + mean * x) * pp / (pp * x + q - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Record by record, the same log-likelihood and gradient as the whole-sample form.
    #[test]
    fn rows_add_up_to_the_sample_likelihood() {
        let d = SpendTuples {
            x: vec![1.0, 1.0, 2.0, 5.0, 12.0],
            mean: vec![20.5, 61.0, 33.25, 18.4, 102.0],
            count: vec![3.0, 1.0, 2.0, 1.0, 4.0],
        };
        let par = [2.7, 4.1, 38.0];
        let (ll, gr) = GammaGamma(&d).value_grad(&par).unwrap();
        let rows = SpendRows(&d);
        let (mut sum, mut g) = (0.0, [0.0; 3]);
        for i in 0..rows.len() {
            let (l, r) = rows
                .row(i, &[par[0], par[1], par[2], 0.0], &mut ())
                .unwrap();
            sum += rows.weight(i) * l;
            for k in 0..3 {
                g[k] += rows.weight(i) * r[k];
            }
        }
        assert!((sum - ll).abs() < 1e-10 * ll.abs());
        for k in 0..3 {
            assert!((g[k] - gr[k]).abs() < 1e-10 * (1.0 + gr[k].abs()), "{k}");
        }
    }
}
