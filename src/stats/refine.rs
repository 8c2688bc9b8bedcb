//! Iterative refinement of a least-squares solution with double-double residuals.
//!
//! Björck's refinement of the augmented system (Björck 1967, "Iterative refinement of
//! linear least squares solutions I", BIT 7; Demmel, Hida, Li & Riedy 2009, "Extra-precise
//! iterative refinement for overdetermined least squares problems", ACM TOMS 35):
//!
//! ```text
//!   [ I   X ] [ r ]   [ y ]        r + Xβ = y
//!   [ Xᵀ  0 ] [ β ] = [ c ]        Xᵀr    = c   (c = 0 for least squares)
//! ```
//!
//! Each step computes the residuals f = y − r − Xβ and g = c − Xᵀr in double-double (the
//! design itself carried to ~32 digits, see [`super::dd`]) and solves the correction with
//! the double-precision QR of the scaled design that the fit already has:
//! with X ≈ Q·(R·T) and A = (R·T)⁻¹, the correction is dβ = A·(Qᵀf − Aᵀg),
//! dr = f − Q·(Qᵀf − Aᵀg). The error shrinks by about κ(W)·ε per step, so a design whose
//! scaled condition number κ(W) is below ~10¹² converges to the double-double solution;
//! unlike refining β alone, refining r with it keeps a large residual (Wampler 4 and 5)
//! from limiting the accuracy to κ²ε.
//!
//! The same iteration with y = 0 and c = eⱼ gives column j of (XᵀX)⁻¹, from which the
//! standard errors come to the same accuracy.

use ndarray::{Array1, Array2};

use super::dd::Dd;
use super::ols::Design;
use std::ops::{Add, Mul, Neg, Sub};

/// Most refinement steps; convergence normally takes 2–4.
const MAX_STEPS: usize = 12;

/// A design with the pieces of its double-precision QR.
pub struct System<'a> {
    pub design: &'a Design,
    /// Q of the scaled design (n × p, orthonormal columns).
    pub q: &'a Array2<f64>,
    /// A = (R·T)⁻¹ = T⁻¹R⁻¹, with X ≈ Q·R·T.
    pub a: &'a Array2<f64>,
}

/// A refined least-squares solution.
pub struct Solution {
    pub params: Array1<f64>,
    pub resid: Array1<f64>,
    pub rss: f64,
    /// Refinement steps taken.
    pub steps: usize,
}

impl System<'_> {
    fn x(&self, i: usize, j: usize) -> Dd {
        Dd {
            hi: self.design.x[[i, j]],
            lo: self.design.x_lo.as_ref().map_or(0.0, |l| l[[i, j]]),
        }
    }

    fn y(&self, i: usize) -> Dd {
        Dd {
            hi: self.design.y[i],
            lo: self.design.y_lo.as_ref().map_or(0.0, |l| l[i]),
        }
    }

    /// X·β for row i, in double-double.
    fn row_dot(&self, i: usize, beta: &[Dd]) -> Dd {
        beta.iter()
            .enumerate()
            .fold(Dd::default(), |acc, (j, b)| acc.add(self.x(i, j).mul(*b)))
    }

    /// Refine the system r + Xβ = rhs, Xᵀr = c from (β, r); returns the steps taken, or
    /// None when the iteration does not converge (the double-precision result is kept).
    fn iterate(
        &self,
        rhs: &dyn Fn(usize) -> Dd,
        c: &[f64],
        beta: &mut [Dd],
        r: &mut [Dd],
    ) -> Option<usize> {
        let (n, p) = self.design.x.dim();
        let mut last = f64::INFINITY;
        for step in 1..=MAX_STEPS {
            let f: Array1<f64> = (0..n)
                .map(|i| rhs(i).sub(r[i]).sub(self.row_dot(i, beta)).to_f64())
                .collect();
            let g: Array1<f64> = (0..p)
                .map(|j| {
                    (0..n)
                        .fold(Dd::from_f64(c[j]), |acc, i| acc.sub(self.x(i, j).mul(r[i])))
                        .to_f64()
                })
                .collect();
            let cq = self.q.t().dot(&f) - self.a.t().dot(&g);
            let dbeta = self.a.dot(&cq);
            let dr = &f - &self.q.dot(&cq);
            if !dbeta.iter().chain(dr.iter()).all(|v| v.is_finite()) {
                return None;
            }
            for (b, d) in beta.iter_mut().zip(&dbeta) {
                *b = b.add_f64(*d);
            }
            for (ri, d) in r.iter_mut().zip(&dr) {
                *ri = ri.add_f64(*d);
            }
            // Relative size of the correction; stop once it is below double-double noise.
            let size = beta
                .iter()
                .zip(&dbeta)
                .map(|(b, d)| d.abs() / b.hi.abs().max(f64::MIN_POSITIVE))
                .fold(0.0f64, f64::max);
            if size < 1e-24 || (size == 0.0) {
                return Some(step);
            }
            if size > 0.5 * last && step > 2 {
                // Stagnating: converged as far as the data allow, or diverging.
                return (size < 1e-12).then_some(step);
            }
            last = size;
        }
        (last < 1e-12).then_some(MAX_STEPS)
    }

    /// The refined least-squares solution from the double-precision estimate `start`.
    pub fn least_squares(&self, start: &Array1<f64>) -> Option<Solution> {
        let n = self.design.x.nrows();
        let p = start.len();
        let mut beta: Vec<Dd> = start.iter().map(|v| Dd::from_f64(*v)).collect();
        let mut r: Vec<Dd> = (0..n)
            .map(|i| self.y(i).sub(self.row_dot(i, &beta)))
            .collect();
        let steps = self.iterate(&|i| self.y(i), &vec![0.0; p], &mut beta, &mut r)?;
        // Final residuals from the refined β, in double-double.
        let resid: Vec<Dd> = (0..n)
            .map(|i| self.y(i).sub(self.row_dot(i, &beta)))
            .collect();
        let rss = resid
            .iter()
            .fold(Dd::default(), |acc, e| acc.add(e.mul(*e)))
            .to_f64();
        Some(Solution {
            params: beta.iter().map(|b| b.to_f64()).collect(),
            resid: resid.iter().map(|e| e.to_f64()).collect(),
            rss,
            steps,
        })
    }

    /// (XᵀX)⁻¹, one refined column at a time; None if a column does not converge.
    pub fn inverse_gram(&self) -> Option<Array2<f64>> {
        let n = self.design.x.nrows();
        let p = self.a.nrows();
        let aat = self.a.dot(&self.a.t());
        let mut out = Array2::zeros((p, p));
        for j in 0..p {
            // Start: z = (RT)⁻¹(RT)⁻ᵀeⱼ, s = −Xz; then refine s + Xz = 0, Xᵀs = −eⱼ.
            let mut z: Vec<Dd> = aat.column(j).iter().map(|v| Dd::from_f64(*v)).collect();
            let mut s: Vec<Dd> = (0..n).map(|i| self.row_dot(i, &z).neg()).collect();
            let mut c = vec![0.0; p];
            c[j] = -1.0;
            self.iterate(&|_| Dd::default(), &c, &mut z, &mut s)?;
            for (k, v) in z.iter().enumerate() {
                out[[k, j]] = v.to_f64();
            }
        }
        // Symmetrize (the two triangles agree to the refinement's accuracy).
        let sym = (&out + &out.t()) * 0.5;
        Some(sym)
    }
}
