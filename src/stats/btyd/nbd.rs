//! The BG/NBD family on (x, t_x, T): BG/NBD and MBG/NBD.

use statrs::function::gamma::{digamma, ln_gamma};

use super::{hyp2f1, ln_beta, Likelihood, RfmTuples, Rows};

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

/// Prefix sums over i < k of the terms the BG/NBD family needs at integer counts, so that
/// the likelihood stays accurate when r, α → ∞ with r/α fixed (the Poisson limit of the
/// gamma mixture) and when b → ∞ or a → 0 (no drop-out): ln Γ(r+x) − ln Γ(r) − x ln r =
/// Σ ln1p(i/r) and ln B(a, b+y) − ln B(a, b) = −Σ ln1p(a/(b+i)) are sums of small terms,
/// where the log-gamma differences would cancel catastrophically (at r = 10¹⁵, ln Γ(r) is
/// 3·10¹⁶ and its rounding error exceeds the whole likelihood).
struct Prefix {
    /// Σ ln1p(i/r), Σ 1/(r+i)
    lr: Vec<f64>,
    dr: Vec<f64>,
    /// Σ ln1p(a/(b+i)), Σ 1/(a+b+i), Σ a/((b+i)(a+b+i))
    lb: Vec<f64>,
    da: Vec<f64>,
    db: Vec<f64>,
}

/// Counts up to this are summed term by term; larger (never seen in purchase logs) use
/// log-gamma differences.
const MAX_PREFIX: usize = 1 << 20;

impl Prefix {
    fn new(r: f64, a: f64, b: f64, kmax: usize) -> Prefix {
        let n = kmax + 1;
        let mut p = Prefix {
            lr: Vec::with_capacity(n),
            dr: Vec::with_capacity(n),
            lb: Vec::with_capacity(n),
            da: Vec::with_capacity(n),
            db: Vec::with_capacity(n),
        };
        let (mut lr, mut dr, mut lb, mut da, mut db) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for i in 0..n {
            p.lr.push(lr);
            p.dr.push(dr);
            p.lb.push(lb);
            p.da.push(da);
            p.db.push(db);
            let fi = i as f64;
            lr += (fi / r).ln_1p();
            dr += 1.0 / (r + fi);
            lb += (a / (b + fi)).ln_1p();
            da += 1.0 / (a + b + fi);
            db += a / ((b + fi) * (a + b + fi));
        }
        p
    }

    /// (ln Γ(r+x) − ln Γ(r) − x ln r, ψ(r+x) − ψ(r)).
    fn gamma_r(&self, r: f64, x: f64) -> (f64, f64) {
        match self.index(x) {
            Some(k) => (self.lr[k], self.dr[k]),
            None => (
                ln_gamma(r + x) - ln_gamma(r) - x * r.ln(),
                digamma(r + x) - digamma(r),
            ),
        }
    }

    /// (ln B(a, b+y) − ln B(a, b), its derivatives in a and b).
    fn beta_ab(&self, a: f64, b: f64, y: f64) -> (f64, f64, f64) {
        match self.index(y) {
            Some(k) => (-self.lb[k], -self.da[k], self.db[k]),
            None => {
                let psi_aby = digamma(a + b + y);
                (
                    ln_beta(a, b + y) - ln_beta(a, b),
                    digamma(a + b) - psi_aby,
                    digamma(b + y) - digamma(b) - psi_aby + digamma(a + b),
                )
            }
        }
    }

    fn index(&self, x: f64) -> Option<usize> {
        (x >= 0.0 && x.fract() == 0.0 && (x as usize) < self.lr.len()).then_some(x as usize)
    }
}

/// The BG/NBD family's log-likelihood and analytic gradient. With y = x + `shift`:
/// L = Γ(r+x)αʳ/Γ(r) · [B(a, b+y)/B(a,b)·(α+T)^−(r+x) + δ(y>0)·B(a+1, b+y−1)/B(a,b)·(α+t_x)^−(r+x)].
/// `shift` 0 is BG/NBD (a customer can only drop out after a repeat purchase), 1 is MBG/NBD
/// (also right after the first purchase).
///
/// Evaluated as ln L = A + ln(e^B₂ + δ·e^B₃) with
/// A = x ln(r/α) + [ln Γ(r+x) − ln Γ(r) − x ln r] − (r+x)·ln1p(T/α),
/// B₂ = ln B(a, b+y) − ln B(a, b), B₃ = B₂ + ln(a/(b+y−1)) + (r+x)·ln1p((T−t_x)/(α+t_x)),
/// every piece a sum of terms that stay accurate at any scale (see [`Prefix`]); the
/// gradient likewise (∂A/∂α = (rT/α − x)/(α+T)).
fn nbd_value_grad(d: &RfmTuples, p: &[f64], shift: f64) -> Option<(f64, Vec<f64>)> {
    let (r, al, a, b) = (p[0], p[1], p[2], p[3]);
    if !(r > 0.0 && al > 0.0 && a > 0.0 && b > 0.0) || p.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let kmax =
        d.x.iter()
            .fold(0.0f64, |m, x| m.max(*x + shift))
            .min(MAX_PREFIX as f64) as usize;
    let pre = Prefix::new(r, a, b, kmax);
    let mut ll = 0.0;
    let mut g = [0.0; 4];
    for i in 0..d.x.len() {
        let (x, w) = (d.x[i], d.count[i]);
        let y = x + shift;
        let (l, gi) = nbd_row(
            [r, al, a, b],
            [x, d.t_x[i], d.t[i], shift],
            pre.gamma_r(r, x),
            pre.beta_ab(a, b, y),
        );
        ll += w * l;
        for k in 0..4 {
            g[k] += w * gi[k];
        }
    }
    (ll.is_finite() && g.iter().all(|v| v.is_finite())).then(|| (ll, g.to_vec()))
}

/// One record's ln L and gradient in (r, α, a, b) given its history [x, t_x, T, shift],
/// the rate term (ln Γ(r+x) − ln Γ(r) − x ln r, its r-derivative) and the beta term (ln B(a,
/// b+y) − ln B(a, b), its a- and b-derivatives) — see [`nbd_value_grad`].
fn nbd_row(
    [r, al, a, b]: [f64; 4],
    [x, tx, t, shift]: [f64; 4],
    (gr, dgr): (f64, f64),
    (b2, db2a, db2b): (f64, f64, f64),
) -> (f64, [f64; 4]) {
    let y = x + shift;
    let l1p_t = (t / al).ln_1p();
    let big_a = x * (r / al).ln() + gr - (r + x) * l1p_t;
    let g_a = [dgr - l1p_t, (r * t / al - x) / (al + t), 0.0, 0.0];
    let g2 = [0.0, 0.0, db2a, db2b];
    let (lse, w3, g3) = if y > 0.0 {
        let gap = (t - tx) / (al + tx);
        let l1p_gap = gap.ln_1p();
        let b3 = b2 + (a / (b + y - 1.0)).ln() + (r + x) * l1p_gap;
        let g3 = [
            l1p_gap,
            -(r + x) * (t - tx) / ((al + t) * (al + tx)),
            db2a + 1.0 / a,
            db2b - 1.0 / (b + y - 1.0),
        ];
        let m = b2.max(b3);
        let (e2, e3) = ((b2 - m).exp(), (b3 - m).exp());
        let sum = e2 + e3;
        (m + sum.ln(), e3 / sum, g3)
    } else {
        (b2, 0.0, [0.0; 4])
    };
    let g = std::array::from_fn(|k| g_a[k] + (1.0 - w3) * g2[k] + w3 * g3[k]);
    (big_a + lse, g)
}

/// The BG/NBD family record by record, for covariates (each record at its own α, a, b).
pub struct NbdRows<'a> {
    pub d: &'a RfmTuples,
    /// 0 for the BG/NBD, 1 for the MBG/NBD.
    pub shift: f64,
}

/// Sums remembered between records: [`Prefix`]'s terms for the last r, and for the last
/// (a, b) — records sharing covariates share a and b, and the covariate fit's records are
/// sorted by their covariates — extended as larger counts need them.
#[derive(Default)]
pub struct NbdScratch {
    r: f64,
    lr: Vec<f64>,
    dr: Vec<f64>,
    ab: (f64, f64),
    lb: Vec<f64>,
    da: Vec<f64>,
    db: Vec<f64>,
}

impl NbdScratch {
    /// (ln Γ(r+x) − ln Γ(r) − x ln r, ψ(r+x) − ψ(r)) for whole x.
    fn gamma_r(&mut self, r: f64, x: usize) -> (f64, f64) {
        if self.r != r || self.lr.is_empty() {
            self.r = r;
            self.lr.clear();
            self.dr.clear();
            self.lr.push(0.0);
            self.dr.push(0.0);
        }
        while self.lr.len() <= x {
            let k = (self.lr.len() - 1) as f64;
            let (l, d) = (self.lr[self.lr.len() - 1], self.dr[self.dr.len() - 1]);
            self.lr.push(l + (k / r).ln_1p());
            self.dr.push(d + 1.0 / (r + k));
        }
        (self.lr[x], self.dr[x])
    }

    /// (ln B(a, b+y) − ln B(a, b), its a- and b-derivatives) for whole y.
    fn beta_ab(&mut self, a: f64, b: f64, y: usize) -> (f64, f64, f64) {
        if self.ab != (a, b) || self.lb.is_empty() {
            self.ab = (a, b);
            for v in [&mut self.lb, &mut self.da, &mut self.db] {
                v.clear();
                v.push(0.0);
            }
        }
        while self.lb.len() <= y {
            let k = (self.lb.len() - 1) as f64;
            let n = self.lb.len() - 1;
            let (l, da, db) = (self.lb[n], self.da[n], self.db[n]);
            self.lb.push(l + (a / (b + k)).ln_1p());
            self.da.push(da + 1.0 / (a + b + k));
            self.db.push(db + a / ((b + k) * (a + b + k)));
        }
        (-self.lb[y], -self.da[y], self.db[y])
    }
}

impl Rows for NbdRows<'_> {
    type Scratch = NbdScratch;
    fn names(&self) -> &'static [&'static str] {
        &["r", "alpha", "a", "b"]
    }
    fn len(&self) -> usize {
        self.d.x.len()
    }
    fn weight(&self, i: usize) -> f64 {
        self.d.count[i]
    }
    fn row(&self, i: usize, p: &[f64; 4], s: &mut NbdScratch) -> Option<(f64, [f64; 4])> {
        let (r, a, b) = (p[0], p[2], p[3]);
        let (x, y) = (self.d.x[i], self.d.x[i] + self.shift);
        let whole = |v: f64| v >= 0.0 && v.fract() == 0.0 && v <= MAX_PREFIX as f64;
        let gr = if whole(x) {
            s.gamma_r(r, x as usize)
        } else {
            (
                ln_gamma(r + x) - ln_gamma(r) - x * r.ln(),
                digamma(r + x) - digamma(r),
            )
        };
        let beta = if whole(y) {
            s.beta_ab(a, b, y as usize)
        } else {
            let psi = digamma(a + b + y);
            (
                ln_beta(a, b + y) - ln_beta(a, b),
                digamma(a + b) - psi,
                digamma(b + y) - digamma(b) - psi + digamma(a + b),
            )
        };
        let out = nbd_row(*p, [x, self.d.t_x[i], self.d.t[i], self.shift], gr, beta);
        (out.0.is_finite() && out.1.iter().all(|v| v.is_finite())).then_some(out)
    }
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
    // ((α+T)/(α+T+t))^(r+x) as exp(−(r+x)·ln1p(t/(α+T))): accurate as r, α → ∞.
    let tail = 1.0
        - (-(r + x) * (t / (al + big_t)).ln_1p()).exp() * hyp2f1(r + x, b + y, a + b + y - 1.0, z);
    head * tail
}

/// 1 + δ(y>0)·a/(b+y−1)·((α+T)/(α+t_x))^(r+x), in log space for its power.
pub fn nbd_denominator(p: &[f64], x: f64, t_x: f64, big_t: f64, shift: f64) -> f64 {
    let (r, al, a, b) = (p[0], p[1], p[2], p[3]);
    let y = x + shift;
    if y > 0.0 {
        1.0 + (a / (b + y - 1.0)) * ((r + x) * ((big_t - t_x) / (al + t_x)).ln_1p()).exp()
    } else {
        1.0
    }
}
