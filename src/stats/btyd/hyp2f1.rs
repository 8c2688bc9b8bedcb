//! The Gauss hypergeometric function for the BG/NBD-family expectations.

/// Gauss hypergeometric ₂F₁(a, b; c; z) for z < 1 (Abramowitz & Stegun 15.1.1): the
/// power series for 0 ≤ z < 1, summed until the terms stop changing the sum (z is below
/// ~0.9 in the BG/NBD expectations, where it needs at most a few hundred terms); for
/// z < 0 Pfaff's transformation ₂F₁(a,b;c;z) = (1−z)^(−a) ₂F₁(a, c−b; c; z/(z−1))
/// (A&S 15.3.4) brings the argument into [0, 1).
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    if z < 0.0 {
        return (1.0 - z).powf(-a) * series_2f1(a, c - b, c, z / (z - 1.0));
    }
    series_2f1(a, b, c, z)
}

fn series_2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for j in 0..100_000 {
        let jf = f64::from(j);
        term *= (a + jf) * (b + jf) / ((c + jf) * (jf + 1.0)) * z;
        sum += term;
        if term.abs() <= 1e-17 * sum.abs() || !sum.is_finite() {
            break;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyp2f1_against_closed_forms() {
        // ₂F₁(1,1;2;z) = −ln(1−z)/z; ₂F₁(a,b;b;z) = (1−z)^(−a) (A&S 15.1.3, 15.1.8).
        for z in [-3.0, -0.5, 0.1, 0.5, 0.9, 0.99] {
            let want = -(1.0f64 - z).ln() / z;
            let got = hyp2f1(1.0, 1.0, 2.0, z);
            assert!((got / want - 1.0).abs() < 1e-13, "z {z}: {got} vs {want}");
            let want = (1.0f64 - z).powf(-2.5);
            let got = hyp2f1(2.5, 3.0, 3.0, z);
            assert!((got / want - 1.0).abs() < 1e-13, "z {z}: {got} vs {want}");
        }
    }

    /// ₂F₁ in the Pareto/NBD regimes (c = a + 1, large a, z near 1) against mpmath's
    /// 50-digit values.
    #[test]
    fn hyp2f1_against_high_precision_values() {
        let cases = [
            (27.159, 1.606, 28.159, 0.3, 1.731_497_125_349_756_4),
            (127.16, 1.606, 128.16, 0.95, 101.180_471_917_035_38),
            (1000.2, 27.55, 1001.2, 0.9, 2.847_761_565_313_562e27),
            (0.8, 0.6, 1.8, 0.999, 2.125_587_050_794_843_5),
            (200.5, 200.0, 201.5, 0.5, 8.064_782_225_040_06e59),
            (27.159, 26.553, 28.159, 0.0273, 2.031_664_956_108_957_6),
        ];
        for (a, b, c, z, want) in cases {
            let got = hyp2f1(a, b, c, z);
            assert!(
                (got / want - 1.0).abs() < 1e-11,
                "2F1({a},{b};{c};{z}) = {got} vs {want}"
            );
        }
    }
}
