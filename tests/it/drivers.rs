//! `drivers`: importances on the retail-bank simulation and their defining properties.

use polars::prelude::*;
use profitchain::analysis::drivers::{run, DriverOptions};
use profitchain::data::simulate;
use proptest::prelude::*;

fn opts(drivers: &[&str]) -> DriverOptions {
    DriverOptions {
        target: "satisfaction".into(),
        drivers: drivers.iter().map(|s| s.to_string()).collect(),
        by: None,
        bootstrap: 0,
        seed: 1,
        confidence: 0.95,
    }
}

#[test]
fn retail_bank_drivers_rank_in_true_order() {
    let sim = simulate::simulate("retail-bank", 3, Some(5_000)).unwrap();
    let mut o = opts(&["convenience", "price", "service", "quality"]);
    o.bootstrap = 100;
    let out = run(&sim.survey, "survey", &o).unwrap();
    let g = &out.groups[0];
    let mut by_shapley: Vec<(&str, f64)> = g
        .drivers
        .iter()
        .map(|d| (d.name.as_str(), d.shapley))
        .collect();
    by_shapley.sort_by(|a, b| b.1.total_cmp(&a.1));
    let order: Vec<&str> = by_shapley.iter().map(|x| x.0).collect();
    // True weights: quality 0.35 > service 0.25 > price 0.15 > convenience 0.10.
    assert_eq!(order, ["quality", "service", "price", "convenience"]);
    let truth = [
        ("quality", 0.35),
        ("service", 0.25),
        ("price", 0.15),
        ("convenience", 0.10),
    ];
    for (name, w) in truth {
        let d = g.drivers.iter().find(|d| d.name == name).unwrap();
        assert!(
            (d.coefficient - w).abs() < 0.03,
            "{name}: {} vs {w}",
            d.coefficient
        );
        let ci = d.shapley_ci.unwrap();
        assert!(ci[0] <= d.shapley && d.shapley <= ci[1]);
    }
}

#[test]
fn fewer_than_two_drivers_is_refused() {
    let sim = simulate::simulate("retail-bank", 3, Some(50)).unwrap();
    let e = run(&sim.survey, "survey", &opts(&["quality"]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("at least 2 drivers"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn shapley_and_relative_weights_sum_to_r2(seed in 0u64..1000, p in 2usize..7, mix in 0.0f64..0.9) {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let n = 200;
        let common: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
        let mut cols = Vec::new();
        let mut y = vec![0.0; n];
        for j in 0..p {
            let x: Vec<f64> = (0..n).map(|i| mix * common[i] + rng.random::<f64>()).collect();
            for i in 0..n {
                y[i] += (j as f64 + 1.0) * 0.3 * x[i];
            }
            cols.push(Column::new(format!("x{j}").into(), x));
        }
        for v in y.iter_mut() {
            *v += rng.random::<f64>();
        }
        cols.push(Column::new("satisfaction".into(), y));
        let df = DataFrame::new_infer_height(cols).unwrap();
        let names: Vec<String> = (0..p).map(|j| format!("x{j}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let g = &run(&df, "t", &opts(&refs)).unwrap().groups[0];
        let s: f64 = g.drivers.iter().map(|d| d.shapley).sum();
        let w: f64 = g.drivers.iter().map(|d| d.relative_weight).sum();
        prop_assert!((s - g.r_squared).abs() < 1e-9, "shapley {} vs R² {}", s, g.r_squared);
        prop_assert!((w - g.r_squared).abs() < 1e-9, "weights {} vs R² {}", w, g.r_squared);
        prop_assert!(g.drivers.iter().all(|d| d.shapley >= -1e-12 && d.relative_weight >= -1e-12));
    }
}

/// Issue #23: `drivers --streaming` (the regression and importances from additive sums)
/// gives the in-memory analysis to 1e-10 — coefficients, R², Shapley values, relative
/// weights, means, intervals, quadrants — from a file and from CSV parts, the same bytes on
/// 1 and 8 threads, and refuses the bootstrap.
#[test]
fn streamed_drivers_equal_the_in_memory_drivers() {
    use crate::common::bin;
    let survey = crate::common::data("../../notebooks-data/retail-bank/survey.csv");
    let run = |data: &std::path::Path, extra: &[&str], threads: &str| -> serde_json::Value {
        let out = bin()
            .env("POLARS_MAX_THREADS", threads)
            .args(["drivers", "--data"])
            .arg(data)
            .args([
                "--drivers",
                "quality,service,price,convenience",
                "--by",
                "effort",
            ])
            .args(["--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let want = run(&survey, &[], "2");
    let got = run(&survey, &["--streaming"], "2");
    let (wg, gg) = (
        want["groups"].as_array().unwrap(),
        got["groups"].as_array().unwrap(),
    );
    assert_eq!(wg.len(), gg.len());
    assert!(wg.len() >= 5);
    let close = |a: &serde_json::Value, b: &serde_json::Value, what: &str| {
        let (x, y) = (a.as_f64().unwrap(), b.as_f64().unwrap());
        assert!(
            (x - y).abs() <= 1e-10 * x.abs().max(1.0),
            "{what}: {x} vs {y}"
        );
    };
    for (w, g) in wg.iter().zip(gg) {
        assert_eq!(w["group"], g["group"]);
        assert_eq!(w["n"], g["n"]);
        assert_eq!(w["rating_range"], g["rating_range"]);
        close(&w["r_squared"], &g["r_squared"], "r_squared");
        for (a, b) in w["drivers"]
            .as_array()
            .unwrap()
            .iter()
            .zip(g["drivers"].as_array().unwrap())
        {
            for k in [
                "coefficient",
                "std_error",
                "p_value",
                "shapley",
                "relative_weight",
                "mean",
            ] {
                close(&a[k], &b[k], k);
            }
            close(&a["mean_ci"][0], &b["mean_ci"][0], "mean_ci");
            assert_eq!(a["quadrant"], b["quadrant"]);
        }
    }
    assert_eq!(
        run(&survey, &["--streaming"], "1"),
        run(&survey, &["--streaming"], "8")
    );
    // The bootstrap resamples rows: refused with the fix.
    let out = bin()
        .args(["drivers", "--streaming", "--data"])
        .arg(&survey)
        .args(["--drivers", "quality,service", "--bootstrap", "200"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bootstrap 0"));
}
