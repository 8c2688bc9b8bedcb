//! Number formatting shared by every renderer, so a number reads the same everywhere.

/// `x` with `sig` significant digits, switching to scientific notation for very large or
/// small magnitudes.
pub fn num(x: f64, sig: usize) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs().log10().floor() as i32;
    if !(-4..9).contains(&mag) {
        return format!("{:.*e}", sig.saturating_sub(1), x);
    }
    let decimals = (sig as i32 - 1 - mag).max(0) as usize;
    format!("{x:.decimals$}")
}

/// A p-value: `<0.001` below 0.001, else three decimals.
pub fn pvalue(p: f64) -> String {
    if p.is_nan() {
        "NaN".into()
    } else if p < 0.001 {
        "<0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// Significance stars: *** p<0.001, ** p<0.01, * p<0.05.
pub fn stars(p: f64) -> &'static str {
    if p < 0.001 {
        "***"
    } else if p < 0.01 {
        "**"
    } else if p < 0.05 {
        "*"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(num(0.045111, 4), "0.04511");
        assert_eq!(num(1234.567, 4), "1235");
        assert_eq!(num(1.5e-7, 3), "1.50e-7");
        assert_eq!(pvalue(0.0004), "<0.001");
        assert_eq!(pvalue(0.0123), "0.012");
        assert_eq!(stars(0.004), "**");
    }
}
