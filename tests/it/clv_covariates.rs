//! Covariates in the buy-till-you-die models (issue #26): the likelihood against an
//! independent scipy implementation of the published formulas, recovery of known effects
//! from a simulated log, and bad input.

use std::fmt::Write as _;

use ndarray::Array2;
use serde_json::Value;

use super::common::{bin, data, write};
use profitchain::data::purchases::{simulate_log_with, CovariateTruth, LogTruth};
use profitchain::stats::btyd::{Effect, Likelihood, NbdRows, PnbdRows, RfmTuples, WithCovariates};

fn reference() -> (RfmTuples, Array2<f64>, Value) {
    let dir = data("reference/clv_covariates");
    let text = std::fs::read_to_string(dir.join("rfm_z.csv")).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let t = RfmTuples {
        x: rows.iter().map(|r| r[0]).collect(),
        t_x: rows.iter().map(|r| r[1]).collect(),
        t: rows.iter().map(|r| r[2]).collect(),
        count: vec![1.0; rows.len()],
    };
    let z = Array2::from_shape_fn((rows.len(), 2), |(i, j)| rows[i][3 + j]);
    let json = std::fs::read_to_string(dir.join("loglik.json")).unwrap();
    (t, z, serde_json::from_str(&json).unwrap())
}

/// BG/NBD, MBG/NBD and Pareto/NBD with two covariates: profitchain's log-likelihood equals
/// the scipy implementation of the published likelihoods (shipped numbers) to 1e-10, at
/// every reference point, on both sides of α = β for the Pareto/NBD.
#[test]
fn covariate_likelihoods_equal_an_independent_implementation() {
    let (t, z, r) = reference();
    let names = vec!["z1".to_string(), "z2".to_string()];
    let e = |label: &str, params: Vec<(usize, f64)>| Effect {
        label: label.into(),
        params,
        columns: vec![0, 1],
    };
    // Every reference point of `model`: the total log-likelihood to 1e-10.
    fn check(lik: &dyn Likelihood, r: &Value, model: &str) -> usize {
        let points = r["models"][model].as_array().unwrap();
        for point in points {
            let p: Vec<f64> = point["params"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let want = point["log_likelihood"].as_f64().unwrap();
            let got = lik.value_grad(&p).unwrap().0;
            assert!(
                (got - want).abs() < 1e-10 * want.abs(),
                "{model}: {got} vs {want}"
            );
        }
        points.len()
    }
    let mut compared = 0;
    for (model, shift) in [("bgnbd", 0.0), ("mbgnbd", 1.0)] {
        let rows = NbdRows { d: &t, shift };
        let effects = vec![
            e("purchase rate", vec![(1, -1.0)]),
            e("dropout a", vec![(2, 1.0)]),
            e("dropout b", vec![(3, 1.0)]),
        ];
        compared += check(&WithCovariates::new(&rows, &z, &names, effects), &r, model);
    }
    let rows = PnbdRows(&t);
    let effects = vec![
        e("purchase rate", vec![(1, -1.0)]),
        e("dropout rate", vec![(3, -1.0)]),
    ];
    compared += check(&WithCovariates::new(&rows, &z, &names, effects), &r, "pnbd");
    assert_eq!(compared, 5);
}

/// The analytic gradient of the covariate likelihood against central differences.
#[test]
fn covariate_gradient_matches_finite_differences() {
    let (t, z, _) = reference();
    let names = vec!["z1".to_string(), "z2".to_string()];
    let rows = NbdRows { d: &t, shift: 0.0 };
    let effects = vec![
        Effect {
            label: "purchase rate".into(),
            params: vec![(1, -1.0)],
            columns: vec![0, 1],
        },
        Effect {
            label: "dropout".into(),
            params: vec![(2, 1.0), (3, 1.0)],
            columns: vec![0],
        },
    ];
    let lik = WithCovariates::new(&rows, &z, &names, effects);
    let p = [0.55, 9.0, 0.7, 2.4, 0.12, -0.3, 0.1];
    let (_, g) = lik.value_grad(&p).unwrap();
    for k in 0..p.len() {
        let h = 1e-6 * p[k].abs().max(0.1);
        let (mut u, mut d) = (p.to_vec(), p.to_vec());
        u[k] += h;
        d[k] -= h;
        let num = (lik.value_grad(&u).unwrap().0 - lik.value_grad(&d).unwrap().0) / (2.0 * h);
        assert!(
            (num - g[k]).abs() < 1e-4 * num.abs().max(1.0),
            "{k}: {num} vs {}",
            g[k]
        );
    }
}

/// A simulated log of 12,000 customers whose satisfaction (1–10) raises their purchase rate
/// and lowers their dropout, with the covariate table beside it.
fn simulated(dir: &std::path::Path, gamma: [f64; 3]) -> (String, String) {
    simulated_with(dir, gamma, 0.0)
}

/// As [`simulated`], satisfaction also scaling the mean spend per transaction by
/// exp(`spend`) a point.
fn simulated_with(dir: &std::path::Path, gamma: [f64; 3], spend: f64) -> (String, String) {
    let n = 12_000;
    let ids: Vec<String> = (0..n).map(|i| format!("C{i:05}")).collect();
    let sat: Vec<f64> = (0..n).map(satisfaction).collect();
    let truth = LogTruth {
        bg_nbd: [0.6, 8.0, 0.8, 2.6],
        gamma_gamma: [5.0, 3.5, 60.0],
        start: "2024-01-01".into(),
        entry_weeks: 12.0,
        end: "2025-12-28".into(),
    };
    let cov = CovariateTruth {
        z: sat.iter().map(|s| s - 5.5).collect(),
        gamma,
        spend,
    };
    let mut log = simulate_log_with(&ids, &truth, None, &cov, 11).unwrap();
    let p = dir.join("log.csv");
    let mut f = std::fs::File::create(&p).unwrap();
    use polars::prelude::SerWriter;
    polars::prelude::CsvWriter::new(&mut f)
        .finish(&mut log)
        .unwrap();
    let mut s = "household_id,satisfaction,constant\n".to_string();
    for (id, v) in ids.iter().zip(&sat) {
        let _ = writeln!(s, "{id},{v},3");
    }
    let c = write(dir, "customers.csv", &s);
    (p.display().to_string(), c.display().to_string())
}

fn clv(log: &str, extra: &[&str]) -> std::process::Output {
    bin()
        .args([
            "clv",
            "--transactions",
            log,
            "--id",
            "household_id",
            "--date",
            "date",
        ])
        .args([
            "--amount",
            "amount",
            "--calibration-end",
            "2025-12-28",
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .unwrap()
}

/// The simulated customer `k`'s satisfaction (1–10).
fn satisfaction(k: usize) -> f64 {
    ((k * 7919) % 10 + 1) as f64
}

/// The satisfaction of row `i` of a customer table with the simulated ids (C00000…).
fn satisfaction_of(df: &polars::prelude::DataFrame, i: usize) -> f64 {
    let id = df
        .column("id")
        .unwrap()
        .get(i)
        .unwrap()
        .str_value()
        .to_string();
    satisfaction(id[1..].parse().unwrap())
}

/// `clv` on `log` with `extra` and the customer table written: its JSON, the table, and a
/// model's parameters (`key`: `covariates` or `spend_covariates`).
fn clv_with_table(
    log: &str,
    dir: &std::path::Path,
    extra: &[&str],
    key: &str,
) -> (Value, polars::prelude::DataFrame, Vec<f64>) {
    use polars::prelude::{CsvReadOptions, SerReader};
    let table = dir.join("out.csv");
    let mut args: Vec<&str> = extra.to_vec();
    let path = table.to_str().unwrap().to_string();
    args.extend(["--customers-out", path.as_str()]);
    let out = clv(log, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let df = CsvReadOptions::default()
        .try_into_reader_with_file_path(Some(table))
        .unwrap()
        .finish()
        .unwrap();
    let q = r[key]["fit"]["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    (r, df, q)
}

/// The BG/NBD with satisfaction recovers the generating effects within three standard
/// errors; the likelihood-ratio test finds them; one more satisfaction point multiplies the
/// mean purchase rate by about exp(0.15) and lowers the dropout probability, with intervals
/// that exclude no effect; a new customer's expected transactions and CLV rise.
#[test]
fn bgnbd_with_satisfaction_recovers_known_effects() {
    let dir = tempfile::tempdir().unwrap();
    let gamma = [0.15, -0.2, 0.1];
    let (log, customers) = simulated(dir.path(), gamma);
    let out = clv(
        &log,
        &[
            "--covariates",
            &customers,
            "--covariate-id",
            "household_id",
            "--covariate",
            "satisfaction",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let m = &r["covariates"];
    let f = &m["fit"];
    let names: Vec<&str> = f["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "r",
            "alpha",
            "a",
            "b",
            "purchase rate: satisfaction",
            "dropout a: satisfaction",
            "dropout b: satisfaction"
        ]
    );
    for (k, want) in gamma.iter().enumerate() {
        let (est, se) = (
            f["params"][4 + k].as_f64().unwrap(),
            f["std_errors"][4 + k].as_f64().unwrap(),
        );
        assert!(
            (est - want).abs() < 3.0 * se,
            "{}: {est} ± {se} vs {want}",
            names[4 + k]
        );
    }
    assert!(m["lr_p"].as_f64().unwrap() < 1e-10);
    assert_eq!(m["lr_df"], 3);
    let effect = |q: &str| {
        m["effects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["quantity"] == q)
            .unwrap()
            .clone()
    };
    let rate = effect("mean purchase rate");
    let ratio = rate["estimate"].as_f64().unwrap();
    assert!((ratio - (f["params"][4].as_f64().unwrap()).exp()).abs() < 1e-9);
    assert!(rate["ci_low"].as_f64().unwrap() > 1.0 && (ratio - 0.15f64.exp()).abs() < 0.05);
    let drop = effect("dropout probability after a purchase");
    assert!(drop["ci_high"].as_f64().unwrap() < 1.0);
    let clv_effect = effect("CLV of a new customer over the horizon");
    assert!(
        clv_effect["estimate"].as_f64().unwrap() > 0.0
            && clv_effect["ci_low"].as_f64().unwrap() > 0.0
    );
    // The model without covariates is the same fit with or without them.
    let plain = clv(&log, &[]);
    let p: Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert_eq!(p["purchase"], r["purchase"]);
    assert!(p.get("covariates").is_none() && p.get("per_customer").is_none());
}

/// Each customer's predictions with covariates are the published model's at their own
/// parameters: for every satisfaction value, the customer table's P(alive), expected
/// transactions and CLV equal the prediction of the model without covariates (the
/// tuple-wise path) run at θ(v) = (r, α₀e^(−γ₁z), a₀e^(γ₂z), b₀e^(γ₃z)), built here from the
/// JSON, and each customer's gain of a point equals CLV at θ(v + 1) minus CLV at θ(v); the
/// totals are the table's, and the model without covariates' total is kept for comparison.
#[test]
fn per_customer_predictions_at_their_own_covariates() {
    use profitchain::analysis::clv::summaries::{predict, Fitted};
    let dir = tempfile::tempdir().unwrap();
    let (log, customers) = simulated(dir.path(), [0.15, -0.2, 0.1]);
    let (r, df, q) = clv_with_table(
        &log,
        dir.path(),
        &["--covariates", &customers, "--covariate", "satisfaction"],
        "covariates",
    );
    let m = &r["covariates"];
    let mean = m["covariates"][0]["mean"].as_f64().unwrap();
    let mut fitted_json = r.clone();
    fitted_json["customers"] = serde_json::json!(12000.0);
    let mut fitted: Fitted = serde_json::from_value(fitted_json).unwrap();
    let at = |v: f64| {
        let z = v - mean;
        vec![
            q[0],
            q[1] * (-q[4] * z).exp(),
            q[2] * (q[5] * z).exp(),
            q[3] * (q[6] * z).exp(),
        ]
    };
    let f = |c: &str| profitchain::data::load::f64_values(&df, c).unwrap();
    let (x, t_x, t, spend) = (f("x"), f("t_x"), f("T"), f("mean_spend"));
    let (alive, expected, value, gain) = (
        f("p_alive"),
        f("expected_transactions"),
        f("clv"),
        f("clv_gain_satisfaction"),
    );
    let sat = |i: usize| satisfaction_of(&df, i);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + b.abs());
    let mut checked = 0;
    for v in 1..=10 {
        let rows: Vec<usize> = (0..df.height()).filter(|&i| sat(i) == v as f64).collect();
        let pick = |c: &[f64]| rows.iter().map(|&i| c[i]).collect::<Vec<f64>>();
        fitted.purchase.params = at(v as f64);
        let here = predict(&fitted, &pick(&x), &pick(&t_x), &pick(&t), &pick(&spend)).unwrap();
        fitted.purchase.params = at(v as f64 + 1.0);
        let up = predict(&fitted, &pick(&x), &pick(&t_x), &pick(&t), &pick(&spend)).unwrap();
        for (k, &i) in rows.iter().enumerate() {
            assert!(
                close(alive[i], here[k].0),
                "P(alive) {} vs {}",
                alive[i],
                here[k].0
            );
            assert!(
                close(expected[i], here[k].1),
                "{} vs {}",
                expected[i],
                here[k].1
            );
            assert!(
                close(value[i], here[k].3),
                "CLV {} vs {}",
                value[i],
                here[k].3
            );
            assert!(
                close(gain[i], up[k].3 - here[k].3),
                "gain {} vs {}",
                gain[i],
                up[k].3 - here[k].3
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 12000);
    let pc = &r["per_customer"];
    assert_eq!(pc["customers"], 12000);
    assert_eq!(pc["model"], "BG/NBD with covariates (satisfaction)");
    let total: f64 = value.iter().sum();
    assert!(close(r["totals"]["clv"].as_f64().unwrap(), total));
    let plain: Value = serde_json::from_slice(&clv(&log, &[]).stdout).unwrap();
    let before = plain["totals"]["clv"].as_f64().unwrap();
    assert!(close(
        pc["total_without_covariates"].as_f64().unwrap(),
        before
    ));
    // Satisfaction raises purchasing and lowers dropout here, so a point adds value.
    let g = &pc["gains"][0];
    assert!(g["mean"].as_f64().unwrap() > 0.0);
    assert!(close(g["total"].as_f64().unwrap(), gain.iter().sum()));
}

/// A constant covariate, an equal effect in the BG/NBD, covariates without a table: exit 2
/// with the fix; customers missing from the covariate table are counted and left out.
#[test]
fn bad_covariates_are_refused_or_counted() {
    let dir = tempfile::tempdir().unwrap();
    let (log, customers) = simulated(dir.path(), [0.0, 0.0, 0.0]);
    let out = clv(
        &log,
        &[
            "--covariates",
            &customers,
            "--covariate-id",
            "household_id",
            "--covariate",
            "constant",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error:") && err.contains("covariate 'constant' is 3 for every customer"),
        "{err}"
    );

    let out = clv(
        &log,
        &[
            "--covariates",
            &customers,
            "--covariate-id",
            "household_id",
            "--covariate-equal",
            "satisfaction",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--covariate-equal applies to the Pareto/NBD"));

    let out = clv(&log, &["--covariates", &customers]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("name the covariates"));

    // Drop 25 customers from the covariate table.
    let text = std::fs::read_to_string(&customers).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i == 0 || *i > 25)
        .map(|(_, l)| l)
        .collect();
    let partial = write(dir.path(), "partial.csv", &(kept.join("\n") + "\n"));
    let out = clv(
        &log,
        &[
            "--covariates",
            partial.to_str().unwrap(),
            "--covariate-id",
            "household_id",
            "--covariate",
            "satisfaction",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["covariates"]["excluded"], 25);
    // They keep the model without covariates' predictions; the others are at their own.
    assert_eq!(r["per_customer"]["without_covariates"], 25);
    assert_eq!(r["per_customer"]["customers"], 11_975);
    assert!(r["warnings"].as_array().unwrap().iter().any(|w| w
        .as_str()
        .unwrap()
        .starts_with("25 customers without a value")));
}

/// The Gamma-Gamma with covariates on the spend scale: its log-likelihood equals the scipy
/// implementation of the published likelihood (Fader & Hardie 2013, eq. 4, at γᵢ =
/// γ₀·exp(δᵀz); shipped numbers) to 1e-10.
#[test]
fn spend_covariate_likelihood_equals_an_independent_implementation() {
    let dir = data("reference/clv_covariates");
    let text = std::fs::read_to_string(dir.join("spend_z.csv")).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let d = profitchain::stats::btyd::SpendTuples {
        x: rows.iter().map(|r| r[0]).collect(),
        mean: rows.iter().map(|r| r[1]).collect(),
        count: vec![1.0; rows.len()],
    };
    let z = Array2::from_shape_fn((rows.len(), 2), |(i, j)| rows[i][2 + j]);
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("loglik.json")).unwrap()).unwrap();
    let names = vec!["z1".to_string(), "z2".to_string()];
    let spend = profitchain::stats::btyd::SpendRows(&d);
    let lik = WithCovariates::new(
        &spend,
        &z,
        &names,
        vec![Effect {
            label: "spend scale".into(),
            params: vec![(2, 1.0)],
            columns: vec![0, 1],
        }],
    );
    let points = r["models"]["gamma_gamma"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    for pt in points {
        let p: Vec<f64> = pt["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let want = pt["log_likelihood"].as_f64().unwrap();
        let got = lik.value_grad(&p).unwrap().0;
        assert!((got - want).abs() < 1e-10 * want.abs(), "{got} vs {want}");
    }
}

/// Satisfaction raising the mean spend per transaction by e^0.12 a point: `--covariate-spend`
/// recovers δ within three standard errors, the likelihood-ratio test finds it, the effect
/// is the ratio e^δ with an interval above 1; each customer's expected spend is the
/// Gamma-Gamma's conditional mean at their own γᵢ, and CLV follows from it.
#[test]
fn spend_covariate_recovers_a_known_effect() {
    let dir = tempfile::tempdir().unwrap();
    let delta = 0.12;
    let (log, customers) = simulated_with(dir.path(), [0.15, -0.2, 0.1], delta);
    let (r, df, q) = clv_with_table(
        &log,
        dir.path(),
        &[
            "--covariates",
            &customers,
            "--covariate",
            "satisfaction",
            "--covariate-spend",
            "satisfaction",
        ],
        "spend_covariates",
    );
    let m = &r["spend_covariates"];
    assert_eq!(m["fit"]["names"][3], "spend scale: satisfaction");
    let (est, se) = (
        m["fit"]["params"][3].as_f64().unwrap(),
        m["fit"]["std_errors"][3].as_f64().unwrap(),
    );
    assert!((est - delta).abs() < 3.0 * se, "{est} ± {se} vs {delta}");
    assert!(m["lr_p"].as_f64().unwrap() < 1e-6 && m["lr_df"] == 1);
    let e = &m["effects"][0];
    assert_eq!(e["quantity"], "mean spend per transaction");
    assert!((e["estimate"].as_f64().unwrap() - est.exp()).abs() < 1e-9);
    assert!(e["ci_low"].as_f64().unwrap() > 1.0);
    assert_eq!(
        r["per_customer"]["model"],
        "BG/NBD with covariates (satisfaction); Gamma-Gamma with covariates (satisfaction)"
    );
    // Each customer's expected spend at γᵢ = γ₀·exp(δ·(satisfaction − mean)).
    let f = |c: &str| profitchain::data::load::f64_values(&df, c).unwrap();
    let (x, mean, spend) = (f("x"), f("mean_spend"), f("expected_spend"));
    let centre = m["covariates"][0]["mean"].as_f64().unwrap();
    for i in 0..df.height() {
        let sat = satisfaction_of(&df, i);
        let g = q[2] * (q[3] * (sat - centre)).exp();
        let want = if x[i] > 0.0 && mean[i] > 0.0 {
            (g + mean[i] * x[i]) * q[0] / (q[0] * x[i] + q[1] - 1.0)
        } else {
            q[0] * g / (q[1] - 1.0)
        };
        assert!(
            (spend[i] - want).abs() < 1e-9 * want,
            "{} vs {want}",
            spend[i]
        );
    }
}

/// Without a spend model (no repeat purchase with a positive amount) the covariate model still fits and the
/// per-customer purchase predictions come from it, while spend, CLV and the gains stay
/// empty, as without covariates — no error and no made-up CLV.
#[test]
fn covariates_without_a_spend_model_leave_clv_empty() {
    let dir = tempfile::tempdir().unwrap();
    let (log, customers) = simulated(dir.path(), [0.15, -0.2, 0.1]);
    let text = std::fs::read_to_string(&log).unwrap();
    let mut lines = text.lines();
    // Each customer's first purchase keeps its amount; repeat purchases are free.
    let mut free = lines.next().unwrap().to_string() + "\n";
    let mut seen = std::collections::HashSet::new();
    for l in lines {
        let (head, amount) = l.rsplit_once(',').unwrap();
        let id = head.split(',').next().unwrap().to_string();
        let amount = if seen.insert(id) { amount } else { "0" };
        free += &format!("{head},{amount}\n");
    }
    let log = write(dir.path(), "free.csv", &free);
    let (r, df, _) = clv_with_table(
        log.to_str().unwrap(),
        dir.path(),
        &["--covariates", &customers, "--covariate", "satisfaction"],
        "covariates",
    );
    assert!(r["gamma_gamma"].is_null());
    let pc = &r["per_customer"];
    assert_eq!(pc["customers"], 12_000);
    assert!(pc["total_without_covariates"].is_null());
    assert_eq!(pc["gains"].as_array().unwrap().len(), 0);
    for c in ["clv", "expected_spend", "clv_gain_satisfaction"] {
        assert_eq!(df.column(c).unwrap().null_count(), df.height(), "{c}");
    }
    assert_eq!(df.column("p_alive").unwrap().null_count(), 0);
}
