//! NIST StRD certified linear regressions: accuracy reported as LRE (correct significant
//! digits). Every one of the eleven datasets must reach 9 digits on estimates, standard
//! errors, the residual standard deviation and R² (issue #13).
//!
//! Data and certified values: NIST Statistical Reference Datasets, Linear Least Squares
//! Regression (public domain), https://www.itl.nist.gov/div898/strd/lls/lls.shtml, in
//! `tests/data/reference/nist/`.

use profitchain::data::load;
use profitchain::stats::{model_frame, CovType, Formula, OlsFit, Refinement, RegressionResult};
use serde_json::Value;

use crate::common::{data, lre};

const POLY5: &str = "y ~ x + I(x^2) + I(x^3) + I(x^4) + I(x^5)";
const POLY10: &str =
    "y ~ x + I(x^2) + I(x^3) + I(x^4) + I(x^5) + I(x^6) + I(x^7) + I(x^8) + I(x^9) + I(x^10)";

fn certified(name: &str) -> Value {
    let text =
        std::fs::read_to_string(data(&format!("reference/nist/{name}.certified.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn fit(name: &str, formula: &str, refinement: Refinement) -> RegressionResult {
    let path = data(&format!("reference/nist/{name}.csv"));
    let df = load::read(&path, &Default::default()).unwrap();
    let f = Formula::parse(formula).unwrap();
    let frame = model_frame(&f, &df, name).unwrap();
    let fit = OlsFit::fit_with(&frame.design, refinement).unwrap();
    RegressionResult::new(&fit, CovType::Nonrobust, 0.95, formula, "all", None).unwrap()
}

/// LREs (estimates, standard errors, residual SD, R²), each the minimum over terms.
fn lres(r: &RegressionResult, c: &Value) -> [f64; 4] {
    let est = c["estimate"].as_array().unwrap();
    let se = c["std_error"].as_array().unwrap();
    assert_eq!(r.terms.len(), est.len());
    let mut e_min: f64 = 15.0;
    let mut s_min: f64 = 15.0;
    for (j, t) in r.terms.iter().enumerate() {
        e_min = e_min.min(lre(t.estimate, est[j].as_f64().unwrap()));
        s_min = s_min.min(lre(t.std_error, se[j].as_f64().unwrap()));
    }
    let sd = lre(
        r.residual_std_error,
        c["residual_standard_deviation"].as_f64().unwrap(),
    );
    let r2 = lre(r.r_squared, c["r_squared"].as_f64().unwrap());
    [e_min, s_min, sd, r2]
}

/// Fit `name` with and without refinement; print both LRE rows and require 9 digits.
fn check(name: &str, formula: &str) {
    let c = certified(name);
    let plain = lres(&fit(name, formula, Refinement::Never), &c);
    let r = fit(name, formula, Refinement::Auto);
    let got = lres(&r, &c);
    let f = |v: [f64; 4]| format!("{:4.1} {:4.1} {:4.1} {:4.1}", v[0], v[1], v[2], v[3]);
    eprintln!(
        "NIST {name:<9} LRE estimates / SEs / residual SD / R²: QR only {}  ->  {}   [{}]",
        f(plain),
        f(got),
        r.solver
    );
    assert!(got.iter().all(|v| *v >= 9.0), "{name}: {}", f(got));
    // The JSON says which path computed the numbers.
    assert!(r.solver.contains("refinement"), "{name}: {}", r.solver);
}

macro_rules! nist {
    ($($test:ident: $name:literal, $formula:expr;)*) => {
        $(
            #[test]
            fn $test() {
                check($name, $formula);
            }
        )*
    };
}

nist! {
    norris_to_nine_digits: "norris", "y ~ x";
    pontius_to_nine_digits: "pontius", "y ~ x + I(x^2)";
    noint1_to_nine_digits: "noint1", "y ~ x - 1";
    noint2_to_nine_digits: "noint2", "y ~ x - 1";
    filip_to_nine_digits: "filip", POLY10;
    longley_to_nine_digits: "longley", "y ~ x1 + x2 + x3 + x4 + x5 + x6";
    wampler1_to_nine_digits: "wampler1", POLY5;
    wampler2_to_nine_digits: "wampler2", POLY5;
    wampler3_to_nine_digits: "wampler3", POLY5;
    wampler4_to_nine_digits: "wampler4", POLY5;
    wampler5_to_nine_digits: "wampler5", POLY5;
}

#[test]
fn pontius_names_its_squared_term_like_statsmodels() {
    let r = fit("pontius", "y ~ x + I(x^2)", Refinement::Auto);
    assert_eq!(r.terms[2].term, "I(x ** 2)");
}

/// A large, well-conditioned design takes the fast path (no refinement).
#[test]
fn large_well_conditioned_designs_are_not_refined() {
    let n = 30_000;
    let x: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1000) as f64 / 10.0).collect();
    let y: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, v)| 1.0 + 2.0 * v + ((i * 31) % 17) as f64)
        .collect();
    let design = profitchain::stats::Design {
        x: ndarray::Array2::from_shape_fn((n, 2), |(i, j)| if j == 0 { 1.0 } else { x[i] }),
        y: ndarray::Array1::from(y),
        names: vec!["Intercept".into(), "x".into()],
        y_name: "y".into(),
        intercept: true,
        x_lo: None,
        y_lo: None,
    };
    let fit = OlsFit::fit(&design).unwrap();
    assert_eq!(fit.solver, "householder-qr");
    let refined = OlsFit::fit_with(&design, Refinement::Always).unwrap();
    for (a, b) in fit.params.iter().zip(refined.params.iter()) {
        assert!((a - b).abs() <= 1e-12 * b.abs(), "{a} vs {b}");
    }
}

/// Past the small-design threshold, a badly conditioned design is still refined: a quartic
/// in x ∈ [10, 11] (scaled condition number ~10⁹) with an exact polynomial response, whose
/// least-squares solution is exactly (1, 1, 1, 1, 1).
#[test]
fn large_badly_conditioned_designs_are_refined() {
    let n = 5_000;
    let xs: Vec<f64> = (0..n)
        .map(|i| f64::from(80 + (i % 9) as u32) / 8.0)
        .collect();
    let mut text = String::from("y,x\n");
    for x in &xs {
        // Powers of k/8 with k ≤ 88 are exact in double precision, and so is y.
        let y = 1.0 + x + x * x + x * x * x + x * x * x * x;
        text.push_str(&format!("{y},{x}\n"));
    }
    let dir = tempfile::TempDir::new().unwrap();
    let path = crate::common::write(dir.path(), "quartic.csv", &text);
    let df = load::read(&path, &Default::default()).unwrap();
    let f = Formula::parse("y ~ x + I(x^2) + I(x^3) + I(x^4)").unwrap();
    let frame = model_frame(&f, &df, "quartic").unwrap();
    let plain = OlsFit::fit_with(&frame.design, Refinement::Never).unwrap();
    let fit = OlsFit::fit(&frame.design).unwrap();
    assert!(fit.solver.contains("refinement"), "{}", fit.solver);
    let worst = |p: &ndarray::Array1<f64>| p.iter().map(|b| lre(*b, 1.0)).fold(15.0, f64::min);
    eprintln!(
        "quartic, n = {n}: LRE {:.1} (QR only) -> {:.1} (refined)",
        worst(&plain.params),
        worst(&fit.params)
    );
    assert!(worst(&fit.params) >= 12.0);
}
