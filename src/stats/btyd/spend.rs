//! The Gamma-Gamma model of spend per transaction.

use statrs::function::gamma::{digamma, ln_gamma};

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

    fn value_grad(&self, par: &[f64]) -> Option<(f64, Vec<f64>)> {
        let (p, q, g) = (par[0], par[1], par[2]);
        if !(p > 0.0 && q > 0.0 && g > 0.0) {
            return None;
        }
        let d = &self.0;
        let (lg_q, psi_q) = (ln_gamma(q), digamma(q));
        let mut ll = 0.0;
        let mut gr = [0.0; 3];
        let ln_g = g.ln();
        // x-only terms once per distinct x (tuples come sorted by x).
        let (mut cached_x, mut lg, mut psi_pxq, mut psi_px) = (f64::NAN, 0.0, 0.0, 0.0);
        for i in 0..d.x.len() {
            let (x, m, w) = (d.x[i], d.mean[i], d.count[i]);
            let px = p * x;
            if x != cached_x {
                cached_x = x;
                lg = ln_gamma(px + q) - ln_gamma(px) + px * x.ln();
                psi_pxq = digamma(px + q);
                psi_px = digamma(px);
            }
            let den = g + m * x;
            let (ln_m, ln_den) = (m.ln(), den.ln());
            // ln f = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m̄ + px ln x − (px+q) ln(γ + m̄x)
            ll += w * (lg - lg_q + q * ln_g + (px - 1.0) * ln_m - (px + q) * ln_den);
            gr[0] += w * x * (psi_pxq - psi_px + ln_m + x.ln() - ln_den);
            gr[1] += w * (psi_pxq - psi_q + ln_g - ln_den);
            gr[2] += w * (q / g - (px + q) / den);
        }
        (ll.is_finite() && gr.iter().all(|v| v.is_finite())).then(|| (ll, gr.to_vec()))
    }
}

/// Gamma-Gamma: expected spend per transaction given x transactions with mean m̄
/// (Fader & Hardie 2013, eq. 5): (γ + m̄x)·p / (px + q − 1).
pub fn gamma_gamma_expected(p: &[f64], x: f64, mean: f64) -> f64 {
    let (pp, q, g) = (p[0], p[1], p[2]);
    (g + mean * x) * pp / (pp * x + q - 1.0)
}
