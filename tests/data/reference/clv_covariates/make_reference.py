"""Reference log-likelihoods of the buy-till-you-die models with time-invariant covariates,
written independently of profitchain from the published formulas, with scipy.

  BG/NBD   Fader, Hardie & Lee (2005), "Counting your customers the easy way", eq. 6
  MBG/NBD  Batislam, Denizel & Filiztekin (2007), IJRM 24(3), eq. 6
  Pareto/NBD  Fader, Hardie & Lee (2005), "A note on deriving the Pareto/NBD model and
           related expressions", eq. 5 (alpha >= beta) and its alpha < beta twin
  covariates  Fader & Hardie (2007), "Incorporating time-invariant covariates into the
           Pareto/NBD and BG/NBD models" (note 019): alpha_i = alpha0 exp(-g1'z),
           a_i = a0 exp(g2'z), b_i = b0 exp(g3'z); Pareto/NBD beta_i = beta0 exp(-g2'z)
  Gamma-Gamma  Fader & Hardie (2013), "The Gamma-Gamma model of monetary value", eq. 4,
           with covariates on the spend scale: gamma_i = gamma0 exp(d'z), so the mean
           spend per transaction p gamma_i / (q - 1) scales by exp(d'z)

Run once (python3 make_reference.py, needs numpy and scipy); it writes rfm_z.csv (600
customers: x, t_x, T and two covariates) and loglik.json (the total log-likelihood of each
model at two parameter points), and spend_z.csv (400 repeat customers: x, mean spend and the
same kind of covariates) with the Gamma-Gamma's log-likelihood in loglik.json's
"gamma_gamma". The tests compare profitchain's likelihood with these
numbers; Python never runs in the tests.
"""
import json
import os

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261201)
n = 600
T = np.round(rng.uniform(20.0, 78.0, n), 4)
x = rng.poisson(rng.gamma(0.8, 1.5, n) * T / 10.0).astype(float)
x = np.minimum(x, 25.0)
t_x = np.where(x > 0, np.round(T * rng.uniform(0.05, 1.0, n), 4), 0.0)
z1 = rng.integers(1, 11, n).astype(float) - 5.5  # a centred satisfaction score
z2 = (rng.uniform(size=n) < 0.3).astype(float)  # a 0/1 flag, not centred
Z = np.column_stack([z1, z2])


def bgnbd_ll(r, alpha, a, b, shift):
    """Per-customer ln L, with per-customer alpha, a, b arrays."""
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    y = x + shift
    t1 = betaln(a, b + y) - betaln(a, b) - (r + x) * np.log(alpha + T)
    t2 = betaln(a + 1.0, b + y - 1.0) - betaln(a, b) - (r + x) * np.log(alpha + t_x)
    with np.errstate(invalid="ignore"):
        both = np.logaddexp(t1, t2)
    return head + np.where(y > 0, both, t1)


def pnbd_ll(r, alpha, s, beta):
    out = np.empty(n)
    for i in range(n):
        al, be, xi, ti, Ti = alpha[i], beta[i], x[i], t_x[i], T[i]
        head = np.exp(gammaln(r + xi) - gammaln(r) + r * np.log(al) + s * np.log(be))
        first = 1.0 / ((al + Ti) ** (r + xi) * (be + Ti) ** s)
        c = r + s + xi
        if al >= be:
            f = lambda t: hyp2f1(c, s + 1.0, c + 1.0, (al - be) / (al + t)) / (al + t) ** c
        else:
            f = lambda t: hyp2f1(c, r + xi, c + 1.0, (be - al) / (be + t)) / (be + t) ** c
        out[i] = np.log(head * (first + s / c * (f(ti) - f(Ti))))
    return out


points = {
    "bgnbd": [
        [0.55, 9.0, 0.7, 2.4, 0.12, -0.30, -0.08, 0.20, 0.05, 0.10],
        [1.3, 4.5, 1.6, 5.0, -0.05, 0.40, 0.10, -0.25, 0.15, 0.00],
    ],
    "mbgnbd": [
        [0.55, 9.0, 0.7, 2.4, 0.12, -0.30, -0.08, 0.20, 0.05, 0.10],
    ],
    "pnbd": [
        [0.6, 10.0, 0.8, 12.0, 0.10, -0.20, -0.15, 0.30],
        [0.6, 10.0, 0.8, 6.0, 0.10, -0.20, 0.05, 0.10],
    ],
}
result = {"source": __doc__.strip().splitlines()[0], "n": n, "models": {}}
for model, pts in points.items():
    out = []
    for p in pts:
        if model == "pnbd":
            r, al0, s, be0 = p[:4]
            g1, g2 = np.array(p[4:6]), np.array(p[6:8])
            ll = pnbd_ll(r, al0 * np.exp(-Z @ g1), s, be0 * np.exp(-Z @ g2))
        else:
            r, al0, a0, b0 = p[:4]
            g1, g2, g3 = np.array(p[4:6]), np.array(p[6:8]), np.array(p[8:10])
            shift = 1.0 if model == "mbgnbd" else 0.0
            ll = bgnbd_ll(r, al0 * np.exp(-Z @ g1), a0 * np.exp(Z @ g2), b0 * np.exp(Z @ g3), shift)
        out.append({"params": p, "log_likelihood": float(ll.sum())})
    result["models"][model] = out

with open(os.path.join(HERE, "rfm_z.csv"), "w") as fh:
    fh.write("x,t_x,T,z1,z2\n")
    for i in range(n):
        fh.write(f"{x[i]:.0f},{t_x[i]:.4f},{T[i]:.4f},{z1[i]:.1f},{z2[i]:.0f}\n")
with open(os.path.join(HERE, "loglik.json"), "w") as fh:
    json.dump(result, fh, indent=1)
    fh.write("\n")

# The Gamma-Gamma with covariates on the spend scale, on its own customers (a separate
# random stream, so the files above do not change).
rng2 = np.random.default_rng(20261202)
m = 400
xs = rng2.integers(1, 15, m).astype(float)
w1 = rng2.integers(1, 11, m).astype(float) - 5.5
w2 = (rng2.uniform(size=m) < 0.4).astype(float)
W = np.column_stack([w1, w2])
nu = rng2.gamma(4.0, 1.0 / (30.0 * np.exp(W @ np.array([0.1, -0.2]))), m)
mbar = np.round(np.array([rng2.gamma(3.0, 1.0 / nu[i], int(xs[i])).mean() for i in range(m)]), 2)


def gg_ll(p, q, g):
    """ln f(mbar | p, q, gamma_i, x), gamma_i an array (Fader & Hardie 2013, eq. 4)."""
    px = p * xs
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g)
            + (px - 1.0) * np.log(mbar) + px * np.log(xs) - (px + q) * np.log(g + mbar * xs))


out = []
for p in [[3.0, 4.0, 30.0, 0.1, -0.2], [2.2, 6.5, 55.0, -0.05, 0.3]]:
    ll = gg_ll(p[0], p[1], p[2] * np.exp(W @ np.array(p[3:5])))
    out.append({"params": p, "log_likelihood": float(ll.sum())})
result["models"]["gamma_gamma"] = out
with open(os.path.join(HERE, "spend_z.csv"), "w") as fh:
    fh.write("x,mean_spend,z1,z2\n")
    for i in range(m):
        fh.write(f"{xs[i]:.0f},{mbar[i]:.2f},{w1[i]:.1f},{w2[i]:.0f}\n")
with open(os.path.join(HERE, "loglik.json"), "w") as fh:
    json.dump(result, fh, indent=1)
    fh.write("\n")
