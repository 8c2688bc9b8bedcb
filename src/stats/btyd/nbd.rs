//! The BG/NBD family on (x, t_x, T): BG/NBD and MBG/NBD.

use statrs::function::gamma::{digamma, ln_gamma};

use super::{hyp2f1, ln_beta, Likelihood, RfmTuples};

/// BG/NBD log-likelihood (FHL 2005, eq. 6) on RFM tuples.
pub struct BgNbd<'a>(pub &'a RfmTuples);

/// MBG/NBD log-likelihood (Batislam et al. 2007, eq. 6) on RFM tuples.
pub struct MbgNbd<'a>(pub &'a RfmTuples);

impl Likelihood for BgNbd<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["r", "alpha", "a", "b"]
    }

    fn n(&self) -> f64 {
        self.0.count.iter().sum()
    }

    fn value_grad(&self, p: &[f64]) -> Option<(f64, Vec<f64>)> {
        nbd_value_grad(self.0, p, 0.0)
    }
}

impl Likelihood for MbgNbd<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["r", "alpha", "a", "b"]
    }

    fn n(&self) -> f64 {
        self.0.count.iter().sum()
    }

    fn value_grad(&self, p: &[f64]) -> Option<(f64, Vec<f64>)> {
        nbd_value_grad(self.0, p, 1.0)
    }
}

/// The BG/NBD family's log-likelihood and analytic gradient. With y = x + `shift`:
/// L = Γ(r+x)αʳ/Γ(r) · [B(a, b+y)/B(a,b)·(α+T)^−(r+x) + δ(y>0)·B(a+1, b+y−1)/B(a,b)·(α+t_x)^−(r+x)].
/// `shift` 0 is BG/NBD (a customer can only drop out after a repeat purchase), 1 is MBG/NBD
/// (also right after the first purchase).
fn nbd_value_grad(d: &RfmTuples, p: &[f64], shift: f64) -> Option<(f64, Vec<f64>)> {
    let (r, al, a, b) = (p[0], p[1], p[2], p[3]);
    if !(r > 0.0 && al > 0.0 && a > 0.0 && b > 0.0) {
        return None;
    }
    let (lb_ab, psi_r, psi_a, psi_b, psi_ab) = (
        ln_beta(a, b),
        digamma(r),
        digamma(a),
        digamma(b),
        digamma(a + b),
    );
    let mut ll = 0.0;
    let mut g = [0.0; 4];
    // Terms that depend on x only (tuples come sorted by x, and most share a few hundred x
    // values): computed once per x.
    let mut cached_x = f64::NAN;
    let (mut c_a1, mut c_b2, mut c_b3) = (0.0, 0.0, 0.0);
    let (mut g1, mut g2ab, mut g3ab) = ([0.0; 2], [0.0; 2], [0.0; 2]);
    for i in 0..d.x.len() {
        let (x, tx, t, w) = (d.x[i], d.t_x[i], d.t[i], d.count[i]);
        let y = x + shift;
        if x != cached_x {
            cached_x = x;
            let psi_aby = digamma(a + b + y);
            c_a1 = ln_gamma(r + x) - ln_gamma(r) + r * al.ln();
            c_b2 = ln_beta(a, b + y) - lb_ab;
            g1 = [digamma(r + x) - psi_r + al.ln(), r / al];
            g2ab = [psi_ab - psi_aby, digamma(b + y) - psi_aby - psi_b + psi_ab];
            if y > 0.0 {
                c_b3 = ln_beta(a + 1.0, b + y - 1.0) - lb_ab;
                g3ab = [
                    digamma(a + 1.0) - psi_aby - psi_a + psi_ab,
                    digamma(b + y - 1.0) - psi_aby - psi_b + psi_ab,
                ];
            }
        }
        // ln L = A1 + ln(e^A2 + δ e^A3)
        let ln_at = (al + t).ln();
        let a2 = c_b2 - (r + x) * ln_at;
        let g2 = [-ln_at, -(r + x) / (al + t), g2ab[0], g2ab[1]];
        let (lse, w2, w3, g3) = if y > 0.0 {
            let ln_atx = (al + tx).ln();
            let a3 = c_b3 - (r + x) * ln_atx;
            let m = a2.max(a3);
            let (e2, e3) = ((a2 - m).exp(), (a3 - m).exp());
            let sum = e2 + e3;
            let g3 = [-ln_atx, -(r + x) / (al + tx), g3ab[0], g3ab[1]];
            (m + sum.ln(), e2 / sum, e3 / sum, g3)
        } else {
            (a2, 1.0, 0.0, [0.0; 4])
        };
        ll += w * (c_a1 + lse);
        let g1k = [g1[0], g1[1], 0.0, 0.0];
        for k in 0..4 {
            g[k] += w * (g1k[k] + w2 * g2[k] + w3 * g3[k]);
        }
    }
    (ll.is_finite() && g.iter().all(|v| v.is_finite())).then(|| (ll, g.to_vec()))
}

/// BG/NBD: expected transactions in the next `t` periods (FHL 2005, eq. 10).
pub fn bgnbd_expected(p: &[f64], x: f64, t_x: f64, big_t: f64, t: f64) -> f64 {
    nbd_expected(p, x, t_x, big_t, t, 0.0)
}

/// BG/NBD: probability the customer is still alive (FHL 2005, eq. 11; the note's form).
pub fn bgnbd_p_alive(p: &[f64], x: f64, t_x: f64, big_t: f64) -> f64 {
    1.0 / nbd_denominator(p, x, t_x, big_t, 0.0)
}

/// MBG/NBD: expected transactions in the next `t` periods (Batislam et al. 2007, eq. 12).
pub fn mbgnbd_expected(p: &[f64], x: f64, t_x: f64, big_t: f64, t: f64) -> f64 {
    nbd_expected(p, x, t_x, big_t, t, 1.0)
}

/// MBG/NBD: probability the customer is still alive (Batislam et al. 2007, eq. 13).
pub fn mbgnbd_p_alive(p: &[f64], x: f64, t_x: f64, big_t: f64) -> f64 {
    1.0 / nbd_denominator(p, x, t_x, big_t, 1.0)
}

/// With y = x + shift: (a+b+y−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+y; a+b+y−1;
/// t/(α+T+t))] / denominator.
fn nbd_expected(p: &[f64], x: f64, t_x: f64, big_t: f64, t: f64, shift: f64) -> f64 {
    nbd_numerator(p, x, big_t, t, shift) / nbd_denominator(p, x, t_x, big_t, shift)
}

/// The numerator of the BG/NBD-family expectation: it depends on (x, T, t) but not on t_x,
/// so customers sharing x and T share it whatever their recency.
pub fn nbd_numerator(p: &[f64], x: f64, big_t: f64, t: f64, shift: f64) -> f64 {
    let (r, al, a, b) = (p[0], p[1], p[2], p[3]);
    let y = x + shift;
    let z = t / (al + big_t + t);
    let head = (a + b + y - 1.0) / (a - 1.0);
    let tail = 1.0
        - ((al + big_t) / (al + big_t + t)).powf(r + x) * hyp2f1(r + x, b + y, a + b + y - 1.0, z);
    head * tail
}

/// 1 + δ(y>0)·a/(b+y−1)·((α+T)/(α+t_x))^(r+x), in log space for its power.
pub fn nbd_denominator(p: &[f64], x: f64, t_x: f64, big_t: f64, shift: f64) -> f64 {
    let (r, al, a, b) = (p[0], p[1], p[2], p[3]);
    let y = x + shift;
    if y > 0.0 {
        1.0 + (a / (b + y - 1.0)) * ((r + x) * ((al + big_t) / (al + t_x)).ln()).exp()
    } else {
        1.0
    }
}
