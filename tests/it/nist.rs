//! NIST StRD certified regressions: accuracy reported as LRE (correct significant digits).

use profitchain::data::load;
use profitchain::stats::{model_frame, CovType, Formula, OlsFit, RegressionResult};
use serde_json::Value;

use crate::common::{data, lre};

fn certified(name: &str) -> Value {
    let text =
        std::fs::read_to_string(data(&format!("reference/nist/{name}.certified.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn fit(name: &str, formula: &str) -> RegressionResult {
    let path = data(&format!("reference/nist/{name}.csv"));
    let df = load::read(&path).unwrap();
    let f = Formula::parse(formula).unwrap();
    let frame = model_frame(&f, &df, name).unwrap();
    let fit = OlsFit::fit(&frame.design).unwrap();
    RegressionResult::new(&fit, CovType::Nonrobust, 0.95, formula, "all", None).unwrap()
}

/// Minimum LRE over estimates and standard errors.
fn min_lre(r: &RegressionResult, c: &Value) -> (f64, f64) {
    let est = c["estimate"].as_array().unwrap();
    let se = c["std_error"].as_array().unwrap();
    let mut e_min: f64 = 15.0;
    let mut s_min: f64 = 15.0;
    for (j, t) in r.terms.iter().enumerate() {
        e_min = e_min.min(lre(t.estimate, est[j].as_f64().unwrap()));
        s_min = s_min.min(lre(t.std_error, se[j].as_f64().unwrap()));
    }
    (e_min, s_min)
}

#[test]
fn longley_to_nine_digits() {
    let c = certified("longley");
    let r = fit("longley", "y ~ x1 + x2 + x3 + x4 + x5 + x6");
    let (e, s) = min_lre(&r, &c);
    let sd = lre(
        r.residual_std_error,
        c["residual_standard_deviation"].as_f64().unwrap(),
    );
    let r2 = lre(r.r_squared, c["r_squared"].as_f64().unwrap());
    eprintln!("Longley LRE: estimates {e:.1}, std errors {s:.1}, residual sd {sd:.1}, R² {r2:.1}");
    assert!(
        e >= 9.0 && s >= 9.0 && sd >= 9.0 && r2 >= 9.0,
        "LRE {e} {s} {sd} {r2}"
    );
}

#[test]
fn pontius_to_nine_digits() {
    let c = certified("pontius");
    let r = fit("pontius", "y ~ x + I(x^2)");
    assert_eq!(r.terms[2].term, "I(x ** 2)");
    let (e, s) = min_lre(&r, &c);
    let rss = c["residual_sum_of_squares"].as_f64().unwrap();
    let sd = lre(r.residual_std_error, (rss / r.df_resid).sqrt());
    eprintln!("Pontius LRE: estimates {e:.1}, std errors {s:.1}, residual sd {sd:.1}");
    assert!(e >= 9.0 && s >= 9.0 && sd >= 9.0, "LRE {e} {s} {sd}");
}
