//! Double-double arithmetic: a value is the unevaluated sum `hi + lo` of two doubles with
//! |lo| ≤ ½ulp(hi), about 32 significant digits.
//!
//! Built from the error-free transformations TwoSum (Knuth, TAOCP vol. 2, §4.2.2) and
//! TwoProduct with Veltkamp's splitting (Dekker 1971, "A floating-point technique for
//! extending the available precision", Numer. Math. 18), as in the QD library (Hida, Li &
//! Bailey 2001). No fused multiply-add is used, so results are the same bits on every CPU.
//! Used where the least squares needs more than double precision: exact powers in the
//! design (`I(x^10)`) and the residuals of iterative refinement.

/// A double-double number `hi + lo`.
use std::ops::{Add, Div, Mul, Neg, Sub};

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Dd {
    pub hi: f64,
    pub lo: f64,
}

/// s + e = a + b exactly (Knuth's TwoSum).
#[inline]
pub fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

/// s + e = a + b exactly when |a| ≥ |b| (Dekker's FastTwoSum).
#[inline]
fn quick_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// Veltkamp's split of `a` into two 26-bit halves (a = h + l exactly).
#[inline]
fn split(a: f64) -> (f64, f64) {
    const SPLITTER: f64 = 134_217_729.0; // 2^27 + 1
    let t = SPLITTER * a;
    let h = t - (t - a);
    (h, a - h)
}

/// Beyond this magnitude Veltkamp's split overflows; products of such values are left
/// with no error term (they are refused as data long before precision matters).
const SPLIT_LIMIT: f64 = 6.7e299; // ≈ 2^996

/// p + e = a·b exactly (Dekker's TwoProduct), barring overflow.
#[inline]
pub fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    if !(a.abs() < SPLIT_LIMIT && b.abs() < SPLIT_LIMIT && p.is_finite()) {
        return (p, 0.0);
    }
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    let e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    (p, e)
}

impl Dd {
    /// A double as a double-double.
    pub const fn from_f64(v: f64) -> Self {
        Dd { hi: v, lo: 0.0 }
    }

    /// The nearest double.
    pub fn to_f64(self) -> f64 {
        self.hi + self.lo
    }

    /// self + a double.
    #[inline]
    pub fn add_f64(self, b: f64) -> Dd {
        let (s, e) = two_sum(self.hi, b);
        let (hi, lo) = quick_two_sum(s, e + self.lo);
        Dd { hi, lo }
    }

    /// self · a double.
    #[inline]
    pub fn mul_f64(self, b: f64) -> Dd {
        let (p, e) = two_prod(self.hi, b);
        let (hi, lo) = quick_two_sum(p, e + self.lo * b);
        Dd { hi, lo }
    }

    /// self^k for an integer k, by repeated squaring.
    pub fn powi(self, k: i32) -> Dd {
        let mut base = self;
        let mut e = k.unsigned_abs();
        let mut acc = Dd::from_f64(1.0);
        while e > 0 {
            if e & 1 == 1 {
                acc = acc.mul(base);
            }
            base = base.mul(base);
            e >>= 1;
        }
        if k < 0 {
            Dd::from_f64(1.0).div(acc)
        } else {
            acc
        }
    }

    /// True when both parts are finite.
    pub fn is_finite(self) -> bool {
        self.hi.is_finite() && self.lo.is_finite()
    }
}

/// self + other.
impl Add for Dd {
    type Output = Dd;
    #[inline]
    fn add(self, o: Dd) -> Dd {
        let (s, e) = two_sum(self.hi, o.hi);
        let (t, f) = two_sum(self.lo, o.lo);
        let (s, e) = quick_two_sum(s, e + t);
        let (hi, lo) = quick_two_sum(s, e + f);
        Dd { hi, lo }
    }
}

/// self − other.
impl Sub for Dd {
    type Output = Dd;
    #[inline]
    fn sub(self, o: Dd) -> Dd {
        self.add(o.neg())
    }
}

/// self · other.
impl Mul for Dd {
    type Output = Dd;
    #[inline]
    fn mul(self, o: Dd) -> Dd {
        let (p, e) = two_prod(self.hi, o.hi);
        let e = e + (self.hi * o.lo + self.lo * o.hi);
        let (hi, lo) = quick_two_sum(p, e);
        Dd { hi, lo }
    }
}

/// self / other (one Newton correction of the double quotient).
impl Div for Dd {
    type Output = Dd;
    #[inline]
    fn div(self, o: Dd) -> Dd {
        let q1 = self.hi / o.hi;
        let r = self.sub(o.mul_f64(q1));
        let q2 = r.hi / o.hi;
        let (hi, lo) = quick_two_sum(q1, q2);
        Dd { hi, lo }
    }
}

/// −self.
impl Neg for Dd {
    type Output = Dd;
    #[inline]
    fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_free_transformations_are_exact() {
        // 0.1 + 0.2: the rounding error of the double sum is recovered exactly.
        let (s, e) = two_sum(0.1, 0.2);
        assert_eq!(s, 0.30000000000000004);
        assert_eq!(e, -2.7755575615628914e-17);
        // (1 + 2^-30)² = 1 + 2^-29 + 2^-60: the last term is the product's error.
        let a = 1.0 + 2f64.powi(-30);
        let (p, e) = two_prod(a, a);
        assert_eq!(p, 1.0 + 2f64.powi(-29));
        assert_eq!(e, 2f64.powi(-60));
    }

    #[test]
    fn powers_and_quotients_carry_32_digits() {
        // 3^40 = 12157665459056928801 needs 64 bits: hi + lo holds it exactly.
        let p = Dd::from_f64(3.0).powi(40);
        assert_eq!(
            p.hi as u128 as i128 + p.lo as i128,
            12_157_665_459_056_928_801
        );
        // (1/3)·3 = 1 to double-double precision.
        let third = Dd::from_f64(1.0).div(Dd::from_f64(3.0));
        let one = third.mul_f64(3.0).sub(Dd::from_f64(1.0));
        assert!(one.to_f64().abs() < 1e-31, "{one:?}");
        // x^-2 = 1/x².
        let x = Dd::from_f64(7.0);
        let d = x.powi(-2).sub(Dd::from_f64(1.0).div(x.mul(x)));
        assert!(d.to_f64().abs() < 1e-33);
        // Huge values: the plain product, never NaN from the split.
        let big = Dd::from_f64(1e308).mul_f64(1.0);
        assert_eq!(big.to_f64(), 1e308);
        assert!(Dd::from_f64(1e308).mul_f64(10.0).hi.is_infinite());
    }
}
