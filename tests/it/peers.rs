//! Agreement with statsmodels 0.15 on the reference customer table.

use polars::prelude::*;
use profitchain::analysis::regress::{fit_one, subset, RegressOptions};
use profitchain::data::load;
use profitchain::stats::CovType;
use serde_json::Value;

use crate::common::{data, rel_diff};

fn segment_table(df: &DataFrame, segment: &str) -> DataFrame {
    let seg = df
        .clone()
        .lazy()
        .with_column(
            when(col("profit").gt(lit(0.0)))
                .then(lit("profitable"))
                .otherwise(lit("unprofitable"))
                .alias("segment"),
        )
        .collect()
        .unwrap();
    if segment == "all" {
        seg
    } else {
        subset(&seg, "segment", segment).unwrap()
    }
}

#[test]
fn every_model_segment_and_covariance_matches_statsmodels() {
    let df = load::read(
        &data("reference/peers/chain_reference.csv"),
        &Default::default(),
    )
    .unwrap();
    let text =
        std::fs::read_to_string(data("reference/peers/chain_reference.statsmodels.json")).unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    let mut worst: f64 = 0.0;
    for m in reference["models"].as_array().unwrap() {
        let segment = m["segment"].as_str().unwrap();
        let table = segment_table(&df, segment);
        for cov in ["nonrobust", "HC0", "HC1", "HC2", "HC3"] {
            let opts = RegressOptions {
                formula: m["formula"].as_str().unwrap().to_string(),
                by: None,
                se: CovType::parse(cov).unwrap(),
                confidence: 0.95,
                id: None,
            };
            let r = fit_one(&table, "chain_reference.csv", &opts, segment).unwrap();
            assert_eq!(r.n as u64, m["n"].as_u64().unwrap());
            let close = |what: &str, got: f64, want: f64, tol: f64| {
                let d = rel_diff(got, want);
                assert!(
                    d <= tol,
                    "{segment} {} {cov} {what}: got {got}, want {want} (rel {d:e})",
                    opts.formula
                );
                d
            };
            for key in [
                "r_squared",
                "adj_r_squared",
                "log_likelihood",
                "aic",
                "bic",
                "residual_std_error",
                "df_resid",
                "condition_number",
            ] {
                let got = match key {
                    "r_squared" => r.r_squared,
                    "adj_r_squared" => r.adj_r_squared,
                    "log_likelihood" => r.log_likelihood,
                    "aic" => r.aic,
                    "bic" => r.bic,
                    "residual_std_error" => r.residual_std_error,
                    "df_resid" => r.df_resid,
                    _ => r.condition_number,
                };
                worst = worst.max(close(key, got, m[key].as_f64().unwrap(), 1e-8));
            }
            if cov == "nonrobust" {
                worst = worst.max(close(
                    "F",
                    r.f_statistic,
                    m["f_statistic"].as_f64().unwrap(),
                    1e-8,
                ));
                let fp = m["f_pvalue"].as_f64().unwrap();
                assert!(
                    (r.f_pvalue - fp).abs() <= 1e-6,
                    "F p-value {} vs {fp}",
                    r.f_pvalue
                );
            }
            let terms = m[cov]["terms"].as_array().unwrap();
            assert_eq!(terms.len(), r.terms.len());
            for (t, want) in r.terms.iter().zip(terms) {
                assert_eq!(t.term, want["term"].as_str().unwrap());
                for (what, got) in [
                    ("estimate", t.estimate),
                    ("std_error", t.std_error),
                    ("statistic", t.statistic),
                    ("ci_low", t.ci_low),
                    ("ci_high", t.ci_high),
                ] {
                    worst = worst.max(close(what, got, want[what].as_f64().unwrap(), 1e-8));
                }
                let p = want["p_value"].as_f64().unwrap();
                assert!(
                    (t.p_value - p).abs() <= 1e-6,
                    "{} p {} vs {p}",
                    t.term,
                    t.p_value
                );
            }
            checked += 1;
        }
    }
    eprintln!("statsmodels agreement: {checked} model fits, worst relative difference {worst:e}");
    assert_eq!(checked, 60);
}
