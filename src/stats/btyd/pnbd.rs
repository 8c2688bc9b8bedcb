//! The Pareto/NBD (Schmittlein, Morrison & Colombo 1987): purchases Poisson(λ) while alive,
//! λ ~ Gamma(r, α); exponential lifetimes with rate μ ~ Gamma(s, β).
//!
//! The likelihood follows Fader, Hardie & Lee's note "A note on deriving the Pareto/NBD
//! model and related expressions" (2005, eq. 5 and its α < β twin):
//!
//! L = Γ(r+x)αʳβˢ/Γ(r) · [(α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · (F(t_x) − F(T))],
//! F(t) = ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+t)) / (α+t)^(r+s+x)   (α ≥ β), or
//! F(t) = ₂F₁(r+s+x, r+x; r+s+x+1; (β−α)/(β+t)) / (β+t)^(r+s+x)   (α < β).
//!
//! F depends on a customer only through (x, t) with t = t_x or T, so it is evaluated once
//! per distinct (x, t) pair — a few thousand where a million customers have a few hundred
//! thousand (x, t_x, T) tuples — with its analytic gradient, and the tuples combine the pairs.
//! ₂F₁ is summed in Euler's form ₂F₁(a, b; a+1; z) = (1−z)^(1−b) ₂F₁(1, a+1−b; a+1; z)
//! (Abramowitz & Stegun 15.3.3), whose terms are positive and fall at least as fast as zʲ,
//! and near z = 1 through the 1 − z transformation (A&S 15.3.6), so frequent buyers with
//! long lifetimes (β many times α) and fits whose s and β run large stay cheap and exact.

use rayon::prelude::*;
use statrs::function::gamma::{digamma, gamma, ln_gamma};

use super::{Likelihood, RfmTuples};

/// Pareto/NBD log-likelihood on RFM tuples, with its analytic gradient.
pub struct ParetoNbd<'a> {
    d: &'a RfmTuples,
    /// Distinct (x, t) pairs, t being a t_x or a T.
    pairs: Vec<(f64, f64)>,
    /// Per tuple: the index of its (x, t_x) and its (x, T) pair.
    at_tx: Vec<usize>,
    at_t: Vec<usize>,
}

/// A value with its gradient in (r, α, s, β).
type Graded = (f64, [f64; 4]);

/// Tuples per parallel task; partial sums are added in task order, so the total does not
/// depend on the number of threads.
const CHUNK: usize = 2048;

impl<'a> ParetoNbd<'a> {
    /// Index the distinct (x, t) pairs of `d`.
    pub fn new(d: &'a RfmTuples) -> Self {
        let mut pairs: Vec<(f64, f64)> = (0..d.x.len())
            .flat_map(|i| [(d.x[i], d.t_x[i]), (d.x[i], d.t[i])])
            .collect();
        let order = |a: &(f64, f64), b: &(f64, f64)| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1));
        pairs.sort_by(order);
        pairs.dedup();
        let find = |x: f64, t: f64| {
            pairs
                .binary_search_by(|q| order(q, &(x, t)))
                .unwrap_or_default()
        };
        let at_tx = (0..d.x.len()).map(|i| find(d.x[i], d.t_x[i])).collect();
        let at_t = (0..d.x.len()).map(|i| find(d.x[i], d.t[i])).collect();
        ParetoNbd {
            d,
            pairs,
            at_tx,
            at_t,
        }
    }

    /// ln L for one customer.
    pub fn ln_l(p: &[f64], x: f64, t_x: f64, big_t: f64) -> f64 {
        one_tuple(p, x, t_x, big_t).0 .0
    }

    /// P(alive at T) of every tuple, in tuple order (FHL 2005 note, eq. 11).
    pub fn p_alive_tuples(&self, p: &[f64]) -> Vec<f64> {
        let f = if integral_form(p) {
            Vec::new()
        } else {
            self.pair_terms(p)
        };
        (0..self.d.x.len())
            .into_par_iter()
            .map(|i| {
                let ((ln_l, _), first) = self.tuple(p, &f, i);
                (first - ln_l).exp()
            })
            .collect()
    }

    /// Tuple `i`'s (ln L with its gradient, ln of the alive-at-T term): from its pair terms
    /// when they are available, else from the integral form.
    fn tuple(&self, p: &[f64], f: &[Graded], i: usize) -> (Graded, f64) {
        let d = self.d;
        let (x, t_x, t) = (d.x[i], d.t_x[i], d.t[i]);
        match (f.get(self.at_tx[i]), f.get(self.at_t[i])) {
            (Some(a), Some(b)) if a.0.is_finite() && b.0.is_finite() => tuple_ln_l(p, x, t, *a, *b),
            _ => tuple_integral(p, x, t_x, t),
        }
    }

    fn pair_terms(&self, p: &[f64]) -> Vec<Graded> {
        self.pairs.par_iter().map(|&(x, t)| ln_f(p, x, t)).collect()
    }
}

impl Likelihood for ParetoNbd<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["r", "alpha", "s", "beta"]
    }

    fn n(&self) -> f64 {
        self.d.count.iter().sum()
    }

    fn value_grad(&self, p: &[f64]) -> Option<(f64, Vec<f64>)> {
        if !p.iter().all(|v| *v > 0.0 && v.is_finite()) {
            return None;
        }
        let integral = integral_form(p);
        let f = if integral {
            Vec::new()
        } else {
            self.pair_terms(p)
        };
        let d = self.d;
        let partial: Vec<Graded> = (0..d.x.len())
            .collect::<Vec<_>>()
            .par_chunks(CHUNK)
            .map(|chunk| {
                let (mut ll, mut g) = (0.0, [0.0; 4]);
                for &i in chunk {
                    let (l, gi) = self.tuple(p, &f, i).0;
                    ll += d.count[i] * l;
                    for k in 0..4 {
                        g[k] += d.count[i] * gi[k];
                    }
                }
                (ll, g)
            })
            .collect();
        let (mut ll, mut g) = (0.0, [0.0; 4]);
        for (l, gi) in partial {
            ll += l;
            for k in 0..4 {
                g[k] += gi[k];
            }
        }
        (ll.is_finite() && g.iter().all(|v| v.is_finite())).then(|| (ll, g.to_vec()))
    }
}

/// ln L of one tuple and its gradient from its two pair terms ln F(t_x), ln F(T):
/// ln L = head + ln(e^first + e^second), second = ln(s/(r+s+x)) + ln(F(t_x) − F(T));
/// with ln(head·first), the alive-at-T term, for P(alive).
fn tuple_ln_l(p: &[f64], x: f64, big_t: f64, f_tx: Graded, f_t: Graded) -> (Graded, f64) {
    let (r, al, s, be) = (p[0], p[1], p[2], p[3]);
    let (la, lb) = ((al + big_t).ln(), (be + big_t).ln());
    let head = ln_gamma(r + x) - ln_gamma(r) + r * al.ln() + s * be.ln();
    let g_head = [
        digamma(r + x) - digamma(r) + al.ln(),
        r / al,
        be.ln(),
        s / be,
    ];
    let first = -(r + x) * la - s * lb;
    let g_first = [-la, -(r + x) / (al + big_t), -lb, -s / (be + big_t)];
    // ln(F(t_x) − F(T)) = l₁ + ln(1 − q), q = e^(l₂ − l₁); zero when t_x = T.
    let q = (f_t.0 - f_tx.0).exp();
    let one_minus_q = -(f_t.0 - f_tx.0).exp_m1();
    let (second, g_second) = if one_minus_q > 0.0 {
        let rsx = r + s + x;
        let v = (s / rsx).ln() + f_tx.0 + one_minus_q.ln();
        let mut g: [f64; 4] = std::array::from_fn(|k| (f_tx.1[k] - q * f_t.1[k]) / one_minus_q);
        g[0] -= 1.0 / rsx;
        g[2] += 1.0 / s - 1.0 / rsx;
        (v, g)
    } else {
        (f64::NEG_INFINITY, [0.0; 4])
    };
    let m = first.max(second);
    let (e1, e2) = ((first - m).exp(), (second - m).exp());
    let (w1, w2) = (e1 / (e1 + e2), e2 / (e1 + e2));
    let mut g = [0.0; 4];
    for k in 0..4 {
        g[k] = g_head[k] + w1 * g_first[k] + w2 * g_second[k];
    }
    ((head + m + (e1 + e2).ln(), g), head + first)
}

/// Whether the parameters are in the region where the closed form loses its precision:
/// r or s so large (the gamma heterogeneity collapsing to one rate, as fits of steady
/// buyers reach) that ln Γ(r) and r ln α, each ~10⁶ and more, would cancel to the
/// likelihood's few digits. There the integral form is used for every tuple.
fn integral_form(p: &[f64]) -> bool {
    p[0] > 1e5 || p[2] > 1e5
}

/// ln Γ(r+x) − ln Γ(r) − x ln r and its derivative in r (ψ(r+x) − ψ(r) − x/r): a sum of
/// small terms for whole x when r is large, log-gammas otherwise.
fn gamma_ratio(r: f64, x: f64) -> (f64, f64) {
    if r > 1e4 && x.fract() == 0.0 && x <= 1e5 {
        let (mut v, mut d) = (0.0, 0.0);
        for i in 0..x as u64 {
            let fi = i as f64;
            v += (fi / r).ln_1p();
            d += 1.0 / (r + fi) - 1.0 / r;
        }
        (v, d)
    } else {
        (
            ln_gamma(r + x) - ln_gamma(r) - x * r.ln(),
            digamma(r + x) - digamma(r) - x / r,
        )
    }
}

/// ln L of one tuple and its gradient from the integral form of Fader, Hardie & Lee's note
/// (the derivation before its eq. 5):
/// L = e^(A(T) − s·ln1p(T/β)) + (s/β) ∫_{t_x}^{T} e^(A(τ) − (s+1)·ln1p(τ/β)) dτ, with
/// A(τ) = [ln Γ(r+x) − ln Γ(r) − x ln r] + x ln(r/α) − (r+x)·ln1p(τ/α),
/// every piece accurate at any scale (r, α → ∞ with r/α fixed is the Poisson limit); the
/// integral and its derivatives by double-exponential quadrature. Also returns the
/// alive-at-T term's log, for P(alive). Used where the ₂F₁ series would need millions of
/// terms or lose precision (see [`integral_form`], [`ln_2f1_a1`]).
fn tuple_integral(p: &[f64], x: f64, t_x: f64, big_t: f64) -> (Graded, f64) {
    let (r, al, s, be) = (p[0], p[1], p[2], p[3]);
    let (gr, dgr) = gamma_ratio(r, x);
    let ln_ra = (r / al).ln();
    let a_of = |tau: f64| gr + x * ln_ra - (r + x) * (tau / al).ln_1p();
    let da_of = |tau: f64| {
        [
            dgr + x / r - (tau / al).ln_1p(),
            (r * tau / al - x) / (al + tau),
        ]
    };
    let first = a_of(big_t) - s * (big_t / be).ln_1p();
    let da = da_of(big_t);
    let g_first = [
        da[0],
        da[1],
        -(big_t / be).ln_1p(),
        s * big_t / (be * (be + big_t)),
    ];
    if big_t <= t_x {
        return ((first, g_first), first);
    }
    let phi = |tau: f64| a_of(tau) - (s + 1.0) * (tau / be).ln_1p();
    let dphi = |tau: f64| {
        let da = da_of(tau);
        [
            da[0],
            da[1],
            -(tau / be).ln_1p(),
            (s + 1.0) * tau / (be * (be + tau)),
        ]
    };
    let phi0 = phi(t_x);
    // The integrand falls from 1 at t_x; aim at 1e-13 of the integral's size.
    let slope = ((r + x) / (al + t_x) + (s + 1.0) / (be + t_x)).max(1e-300);
    let width = (big_t - t_x).min(1.0 / slope);
    let tol = 1e-13 * width;
    let integral = |k: Option<usize>| {
        quadrature::integrate(
            |tau: f64| {
                let e = (phi(tau) - phi0).exp();
                match k {
                    None => e,
                    Some(k) => e * dphi(tau)[k],
                }
            },
            t_x,
            big_t,
            match k {
                None => tol,
                Some(k) => tol * (dphi(t_x)[k].abs() + dphi(big_t)[k].abs()).max(1e-300),
            },
        )
        .integral
    };
    let i0 = integral(None);
    let second = s.ln() - be.ln() + phi0 + i0.ln();
    let mut g_second = [0.0; 4];
    for (k, g) in g_second.iter_mut().enumerate() {
        *g = integral(Some(k)) / i0;
    }
    g_second[2] += 1.0 / s;
    g_second[3] -= 1.0 / be;
    let m = first.max(second);
    let (e1, e2) = ((first - m).exp(), (second - m).exp());
    let (w1, w2) = (e1 / (e1 + e2), e2 / (e1 + e2));
    let g: [f64; 4] = std::array::from_fn(|k| w1 * g_first[k] + w2 * g_second[k]);
    ((m + (e1 + e2).ln(), g), first)
}

/// The Pareto/NBD record by record, for covariates (each record at its own α and β).
pub struct PnbdRows<'a>(pub &'a RfmTuples);

impl super::Rows for PnbdRows<'_> {
    type Scratch = ();
    fn names(&self) -> &'static [&'static str] {
        &["r", "alpha", "s", "beta"]
    }
    fn len(&self) -> usize {
        self.0.x.len()
    }
    fn weight(&self, i: usize) -> f64 {
        self.0.count[i]
    }
    fn row(&self, i: usize, p: &[f64; 4], _: &mut ()) -> Option<(f64, [f64; 4])> {
        let d = self.0;
        let ((l, g), _) = one_tuple(p, d.x[i], d.t_x[i], d.t[i]);
        (l.is_finite() && g.iter().all(|v| v.is_finite())).then_some((l, g))
    }
}

/// ln L, its gradient and the alive-at-T term of one customer, by whichever form applies.
fn one_tuple(p: &[f64], x: f64, t_x: f64, big_t: f64) -> (Graded, f64) {
    if !integral_form(p) {
        let (a, b) = (ln_f(p, x, t_x), ln_f(p, x, big_t));
        if a.0.is_finite() && b.0.is_finite() {
            return tuple_ln_l(p, x, big_t, a, b);
        }
    }
    tuple_integral(p, x, t_x, big_t)
}

/// Pareto/NBD: probability the customer is still alive (FHL 2005 note, eq. 11).
pub fn pnbd_p_alive(p: &[f64], x: f64, t_x: f64, big_t: f64) -> f64 {
    let ((ln_l, _), first) = one_tuple(p, x, t_x, big_t);
    (first - ln_l).exp()
}

/// Pareto/NBD: expected transactions in the next `t` periods (FHL 2005 note, eq. 12).
pub fn pnbd_expected(p: &[f64], x: f64, t_x: f64, big_t: f64, t: f64) -> f64 {
    pnbd_numerator(p, x, big_t, t) * pnbd_p_alive(p, x, t_x, big_t)
}

/// The alive customer's expected transactions in the next `t` periods,
/// (r+x)/(α+T) · (β+T)/(s−1) · [1 − ((β+T)/(β+T+t))^(s−1)] (its limit (β+T)·ln(1 + t/(β+T))
/// at s = 1), so that E[Y(t) | x, t_x, T] = this · P(alive).
pub fn pnbd_numerator(p: &[f64], x: f64, big_t: f64, t: f64) -> f64 {
    let (r, al, s, be) = (p[0], p[1], p[2], p[3]);
    let b = be + big_t;
    let l = (t / b).ln_1p();
    let u = (s - 1.0) * l;
    let integral = if u.abs() < 1e-8 {
        b * l * (1.0 - u / 2.0)
    } else {
        b * -(-u).exp_m1() / (s - 1.0)
    };
    (r + x) / (al + big_t) * integral
}

/// The alive customer's discounted expected transactions over the next `horizon` periods
/// with continuous discounting at `delta` per period: (r+x)/(α+T) · ∫₀ʰ e^(−δt) ((β+T)/(β+T+t))ˢ dt
/// (an alive customer buys at rate E[λ] = (r+x)/(α+T) and is still alive at t with probability
/// E[e^(−μt)] = ((β+T)/(β+T+t))ˢ). Times P(alive), this is Fader, Hardie & Lee's (2005, "RFM
/// and CLV", eq. 2) discounted expected residual transactions, truncated at the horizon; an
/// infinite horizon gives their closed form α^r β^s δ^(s−1) Γ(r+x+1) U(s, s; δ(β+T)) / (Γ(r)
/// (α+T)^(r+x+1) L). The integral is by double-exponential quadrature, which is exact to
/// about 1e-12 for this smooth, monotone integrand.
pub fn pnbd_discounted_numerator(p: &[f64], x: f64, big_t: f64, delta: f64, horizon: f64) -> f64 {
    let (r, al, s, be) = (p[0], p[1], p[2], p[3]);
    let b = be + big_t;
    let alive = |t: f64| (-delta * t - s * (t / b).ln_1p()).exp();
    // The integral is at least ~e^(−2) · min(h, b/s, 1/δ): aim at 1e-13 of that.
    let scale = horizon.min(b / s).min(if delta > 0.0 {
        1.0 / delta
    } else {
        f64::INFINITY
    });
    let tol = 1e-13 * scale;
    let integral = if horizon.is_finite() {
        quadrature::integrate(alive, 0.0, horizon, tol).integral
    } else {
        // t = v / (1 − v) maps [0, 1) onto [0, ∞).
        quadrature::integrate(
            |v: f64| alive(v / (1.0 - v)) / ((1.0 - v) * (1.0 - v)),
            0.0,
            1.0,
            tol,
        )
        .integral
    };
    (r + x) / (al + big_t) * integral
}

/// ln F(t) (see the module comment) and its gradient in (r, α, s, β).
///
/// F(t) = ₂F₁(a, b; a+1; z) / (M+t)^a with a = r+s+x, M = max(α, β), z = |α−β| / (M+t), and
/// b = s+1 (α ≥ β) or r+x (α < β).
fn ln_f(p: &[f64], x: f64, t: f64) -> Graded {
    let (r, al, s, be) = (p[0], p[1], p[2], p[3]);
    let (at, bt) = (al + t, be + t);
    let a = r + s + x;
    if al >= be {
        let (z, w) = ((al - be) / at, bt / at);
        let (v, fa, fb, fz) = ln_2f1_a1(a, s + 1.0, z, w);
        let la = at.ln();
        let g = [
            fa - la,
            fz * bt / (at * at) - a / at,
            fa + fb - la,
            -fz / at,
        ];
        (v - a * la, g)
    } else {
        let (z, w) = ((be - al) / bt, at / bt);
        let (v, fa, fb, fz) = ln_2f1_a1(a, r + x, z, w);
        let lb = bt.ln();
        let g = [
            fa + fb - lb,
            -fz / bt,
            fa - lb,
            fz * at / (bt * bt) - a / bt,
        ];
        (v - a * lb, g)
    }
}

/// ln ₂F₁(a, b; a+1; z) for 0 ≤ z < 1 (w = 1 − z given separately, without cancellation)
/// and its partial derivatives in a, b and z.
///
/// Near z = 1 with 0 < b < 2 — the customers with few purchases when one of α, β is many
/// times the other and the ages, where the series needs ~40/(1−z) terms — the 1 − z
/// transformation (A&S 15.3.6 with c = a + 1, and ₂F₁(a, b; b; z) = (1−z)^(−a)):
/// ₂F₁(a, b; a+1; z) = Γ(a+1)Γ(1−b)/Γ(a+1−b) · z^(−a) + a/(b−1) · w^(1−b) ₂F₁(1, a+1−b; 2−b; w),
/// whose series in w has positive terms. Elsewhere, and whenever the two terms cancel
/// (b near 1), Euler's form (1−z)^(1−b) ₂F₁(1, a+1−b; a+1; z) (A&S 15.3.3).
fn ln_2f1_a1(a: f64, b: f64, z: f64, w: f64) -> (f64, f64, f64, f64) {
    if z > 0.9 {
        if let Some(v) = ln_2f1_a1_near_one(a, b, z, w) {
            return v;
        }
    }
    // Within 10⁻³ of 1 the series would need tens of thousands of terms and more: such a
    // pair (one of α, β a thousand times the other and the age) is left to the integral
    // form ([`tuple_integral`]).
    if w.is_nan() || w < 1e-3 {
        return (f64::NAN, f64::NAN, f64::NAN, f64::NAN);
    }
    let (ls, se, sc, sz) = ln_s(a + 1.0 - b, a + 1.0, z);
    let lw = w.ln();
    ((1.0 - b) * lw + ls, se + sc, -lw - se, -(1.0 - b) / w + sz)
}

/// The 1 − z transformation of [`ln_2f1_a1`]; None where it does not apply or its two
/// terms cancel to fewer than 13 significant digits.
fn ln_2f1_a1_near_one(a: f64, b: f64, z: f64, w: f64) -> Option<(f64, f64, f64, f64)> {
    let e2 = a + 1.0 - b;
    if !(b > 0.0 && b < 2.0 && (b - 1.0).abs() > 1e-3 && e2 * w < 50.0) {
        return None;
    }
    let g = gamma(1.0 - b);
    let ln_t1 = ln_gamma(a + 1.0) - ln_gamma(e2) - a * z.ln() + g.abs().ln();
    let (ln_h, h_e, h_c, h_w) = ln_s(e2, 2.0 - b, w);
    let coef = a / (b - 1.0);
    let ln_t2 = coef.abs().ln() + (1.0 - b) * w.ln() + ln_h;
    let m = ln_t1.max(ln_t2);
    let (t1, t2) = (
        g.signum() * (ln_t1 - m).exp(),
        coef.signum() * (ln_t2 - m).exp(),
    );
    let sum = t1 + t2;
    let kept = sum > 1e-3 * t1.abs().max(t2.abs()) && sum.is_finite();
    if !kept {
        return None;
    }
    // Partials of ln|T1| and ln|T2| in (a, b, z); dz = −dw.
    let d1 = [
        digamma(a + 1.0) - digamma(e2) - z.ln(),
        digamma(e2) - digamma(1.0 - b),
        -a / z,
    ];
    let d2 = [
        1.0 / a + h_e,
        -1.0 / (b - 1.0) - w.ln() - h_e - h_c,
        -(1.0 - b) / w - h_w,
    ];
    let d = |k: usize| (t1 * d1[k] + t2 * d2[k]) / sum;
    Some((m + sum.ln(), d(0), d(1), d(2)))
}

/// The most terms a series may take; a point that needs more is outside the parameter
/// space as far as the optimizer is concerned (its likelihood is not finite).
const MAX_TERMS: u32 = 4_000_000;

/// ln S(e, c, z) with S = Σⱼ (e)ⱼ/(c)ⱼ zʲ = ₂F₁(1, e; c; z) for 0 ≤ z < 1 and e, c > 0, and
/// the partial derivatives of ln S in e, c and z. The terms are positive; when e < c their
/// ratio z(e+j)/(c+j) stays below z, and otherwise falls below 1 after j ≈ ez/(1−z), so
/// the sum converges geometrically without cancellation;
/// each term's derivatives follow from ∂ ln tⱼ/∂e = Σ_{i<j} 1/(e+i),
/// ∂ ln tⱼ/∂c = −Σ_{i<j} 1/(c+i) and ∂ ln tⱼ/∂z = j/z.
fn ln_s(e: f64, c: f64, z: f64) -> (f64, f64, f64, f64) {
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    let (mut de, mut dc) = (0.0f64, 0.0f64);
    let (mut s_e, mut s_c, mut s_z) = (0.0f64, 0.0f64, 0.0f64);
    for j in 0..MAX_TERMS {
        let jf = f64::from(j);
        let ratio = (e + jf) / (c + jf);
        // ∂t_{j+1}/∂z = (j+1) tⱼ · ratio (finite at z = 0).
        s_z += (jf + 1.0) * term * ratio;
        term *= ratio * z;
        de += 1.0 / (e + jf);
        dc += 1.0 / (c + jf);
        sum += term;
        s_e += term * de;
        s_c -= term * dc;
        if term <= 1e-17 * sum {
            return (sum.ln(), s_e / sum, s_c / sum, s_z / sum);
        }
    }
    (f64::NAN, f64::NAN, f64::NAN, f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Discounted expected residual transactions at the CDNOW estimates with 15% a year
    /// (δ = ln 1.15 / 52 a week): over an infinite horizon, Fader, Hardie & Lee's (2005, "RFM
    /// and CLV") closed form with Tricomi's U; over 104 weeks, the truncated integral — both
    /// from mpmath at 40 digits.
    #[test]
    #[allow(clippy::excessive_precision)]
    fn discounted_expected_residual_transactions() {
        let p = [0.553, 10.578, 0.606, 11.669];
        let delta = 1.15f64.ln() / 52.0;
        for (x, tx, t, dert, two_years) in [
            (26.0, 30.857, 31.0, 86.285850981237757, 38.368571730231585),
            (0.0, 0.0, 38.86, 0.47845766951460794, 0.20766837796127282),
            (2.0, 30.43, 38.86, 6.5017305375642293, 2.8219922486497301),
            (5.0, 10.0, 36.0, 1.1155416549794532, 0.48829864265727336),
        ] {
            let alive = pnbd_p_alive(&p, x, tx, t);
            let got = pnbd_discounted_numerator(&p, x, t, delta, f64::INFINITY) * alive;
            assert!(
                (got / dert - 1.0).abs() < 1e-9,
                "{x} {tx} {t}: {got} vs {dert}"
            );
            let got = pnbd_discounted_numerator(&p, x, t, delta, 104.0) * alive;
            assert!(
                (got / two_years - 1.0).abs() < 1e-9,
                "{x} {tx} {t}: {got} vs {two_years}"
            );
        }
    }

    /// ln F at extreme arguments — z within 10⁻⁶ of 1, s up to 900, β/α up to 10⁶, on both
    /// sides of α = β — against mpmath's 40-digit ₂F₁, and its gradient against central
    /// differences there.
    #[test]
    #[allow(clippy::excessive_precision)]
    fn pair_term_at_extreme_arguments() {
        let cases = [
            ([0.6, 8.0, 60.0, 4000.0], 0.0, 0.0, -499.867360680125191),
            ([0.6, 8.0, 60.0, 4000.0], 1.0, 10.0, -503.894405901966223),
            ([0.6, 8.0, 60.0, 4000.0], 2.0, 30.5, -509.012512167957354),
            ([0.6, 8.0, 60.0, 4000.0], 25.0, 60.0, -609.440459813334174),
            ([0.55, 2.0, 0.6, 50000.0], 0.0, 0.0, -11.5939757279943361),
            ([0.55, 2.0, 0.6, 50000.0], 1.0, 40.0, -18.0515395924675075),
            ([1.4, 5.0, 900.0, 60000.0], 0.0, 3.0, -9906.74847176506623),
            ([0.3, 30000.0, 0.7, 2.0], 0.0, 0.0, -3.22234118710912162),
            ([0.3, 30000.0, 0.7, 2.0], 3.0, 20.0, -34.4779108444878327),
            ([0.9, 1.0, 2.0, 1000000.0], 0.0, 0.0, -37.1788852300586773),
            ([0.8, 10.0, 1.5, 200.0], 0.0, 0.0, -10.9633590525759247),
        ];
        for (p, x, t, want) in cases {
            let v = ln_f(&p, x, t).0;
            assert!(
                (v - want).abs() < 1e-12 * want.abs(),
                "{p:?} {x} {t}: {v} vs {want}"
            );
            assert_gradient(p, x, t, 1e-5, 1e-5, 1e-3);
        }
    }

    /// ln F's analytic gradient equals central differences (relative step `h`) to `tol`
    /// relative to max(|derivative|, `floor`).
    fn assert_gradient(p: [f64; 4], x: f64, t: f64, h: f64, tol: f64, floor: f64) {
        let g = ln_f(&p, x, t).1;
        for k in 0..4 {
            let step = h * p[k];
            let (mut u, mut d) = (p, p);
            u[k] += step;
            d[k] -= step;
            let num = (ln_f(&u, x, t).0 - ln_f(&d, x, t).0) / (2.0 * step);
            assert!(
                (num - g[k]).abs() < tol * num.abs().max(floor),
                "{p:?} {x} {t} ∂{k}: {num} vs {}",
                g[k]
            );
        }
    }

    /// The integral form (used where the ₂F₁ series is slow or cancels) equals the closed
    /// form where both apply, and its gradient equals central differences.
    #[test]
    fn integral_form_matches_the_closed_form() {
        for p in [
            [0.553, 10.578, 0.606, 11.669],
            [0.553, 11.669, 0.606, 10.578],
            [2.5, 7.0, 1.5, 70.0],
        ] {
            for (x, tx, t) in [
                (0.0, 0.0, 38.0),
                (1.0, 12.5, 38.0),
                (7.0, 30.0, 36.0),
                (26.0, 30.9, 31.0),
            ] {
                let (a, b) = (ln_f(&p, x, tx), ln_f(&p, x, t));
                let ((closed, gc), alive_c) = tuple_ln_l(&p, x, t, a, b);
                let ((integral, gi), alive_i) = tuple_integral(&p, x, tx, t);
                assert!(
                    (closed - integral).abs() < 1e-10 * closed.abs().max(1.0),
                    "{p:?} {x} {tx} {t}: {closed} vs {integral}"
                );
                assert!((alive_c - alive_i).abs() < 1e-9 * alive_c.abs().max(1.0));
                for k in 0..4 {
                    assert!(
                        (gc[k] - gi[k]).abs() < 1e-7 * gc[k].abs().max(1.0),
                        "{p:?} {x} ∂{k}: {} vs {}",
                        gc[k],
                        gi[k]
                    );
                }
            }
        }
        // Deep in the Poisson limit, against central differences.
        let p = [1e7, 2e7, 0.3, 5.0];
        let g = tuple_integral(&p, 5.0, 20.0, 38.0).0 .1;
        for k in 0..4 {
            let h = 1e-5 * p[k];
            let (mut u, mut d) = (p, p);
            u[k] += h;
            d[k] -= h;
            let num = (tuple_integral(&u, 5.0, 20.0, 38.0).0 .0
                - tuple_integral(&d, 5.0, 20.0, 38.0).0 .0)
                / (2.0 * h);
            assert!(
                (num - g[k]).abs() < 1e-4 * num.abs().max(1e-6),
                "∂{k}: {num} vs {}",
                g[k]
            );
        }
    }

    /// ln F and its gradient against the plain ₂F₁ series and central differences, on both
    /// sides of α = β and at the switch.
    #[test]
    fn pair_term_and_gradient() {
        use super::super::hyp2f1::hyp2f1;
        for p in [
            [0.553, 10.578, 0.606, 11.669],
            [0.553, 11.669, 0.606, 10.578],
            [2.5, 7.0, 1.5, 7.0],
            [0.8, 3.0, 4.0, 40.0],
        ] {
            for (x, t) in [(0.0, 0.0), (1.0, 12.5), (7.0, 30.0), (26.0, 31.0)] {
                let (r, al, s, be) = (p[0], p[1], p[2], p[3]);
                let want = if al >= be {
                    hyp2f1(r + s + x, s + 1.0, r + s + x + 1.0, (al - be) / (al + t)).ln()
                        - (r + s + x) * (al + t).ln()
                } else {
                    hyp2f1(r + s + x, r + x, r + s + x + 1.0, (be - al) / (be + t)).ln()
                        - (r + s + x) * (be + t).ln()
                };
                let v = ln_f(&p, x, t).0;
                assert!(
                    (v - want).abs() < 1e-12 * want.abs().max(1.0),
                    "{p:?} {x} {t}: {v} vs {want}"
                );
                assert_gradient(p, x, t, 1e-6, 1e-6, 1.0);
            }
        }
    }
}
