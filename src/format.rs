//! Number formatting shared by every renderer and message, so a number reads the same everywhere.

/// `x` with `sig` significant digits, switching to scientific notation for very large or
/// small magnitudes; `n/a` for a value that could not be computed (never "NaN").
pub fn num(x: f64, sig: usize) -> String {
    if x.is_nan() {
        return "n/a".into();
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

/// `x` as a value is written in a message: up to `sig` significant digits without trailing
/// zeros (`1`, `80`, `0.25`, `3.14159`).
pub fn value(x: f64, sig: usize) -> String {
    let s = num(x, sig);
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `x` rounded to `decimals` with a comma between thousands: `1,234,567.8`.
pub fn thousands(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return num(x, 1);
    }
    group(&format!("{x:.decimals$}"))
}

/// Insert thousands separators into the integer part of a plain decimal string.
fn group(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int, frac) = match rest.find('.') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{sign}{out}{frac}")
}

/// A money figure or other amount for people: [`num`] with thousands separators
/// (`1,234,568`, `23.81`); machine outputs keep full precision instead.
pub fn amount(x: f64, sig: usize) -> String {
    group(&num(x, sig))
}

/// A money figure for people: whole units with thousands separators from 100 up
/// (`9,529`, `-10,055`), else three significant digits (`23.8`).
pub fn money(x: f64) -> String {
    if x.is_finite() && x.abs() >= 100.0 {
        thousands(x, 0)
    } else {
        amount(x, 3)
    }
}

/// `x` with a fixed number of decimals; `n/a` when it could not be computed.
pub fn fixed(x: f64, decimals: usize) -> String {
    if x.is_nan() {
        "n/a".into()
    } else {
        format!("{x:.decimals$}")
    }
}

/// A p-value: `<0.001` below 0.001, else three decimals.
pub fn pvalue(p: f64) -> String {
    if p.is_nan() {
        "n/a".into()
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
        assert_eq!(thousands(1234567.849, 1), "1,234,567.8");
        assert_eq!(thousands(-1000.0, 0), "-1,000");
        assert_eq!(thousands(999.0, 0), "999");
        assert_eq!(amount(1234567.8, 6), "1,234,568");
        assert_eq!(amount(-23.81, 4), "-23.81");
        assert_eq!(amount(1.5e-7, 3), "1.50e-7");
        assert_eq!(money(-10054.8), "-10,055");
        assert_eq!(money(23.81), "23.8");
    }
}
