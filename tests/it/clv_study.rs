//! CLV inside a study: the retail-bank sample's purchase log (simulated with known BG/NBD
//! and Gamma-Gamma truth) joins the customer table, feeds `chain --outcome clv`, and gives
//! segment totals; a study's CLV settings are validated.

use std::path::{Path, PathBuf};

use predicates::str::contains;
use profitchain::data::Study;
use serde_json::Value;

use crate::common::{bin, write};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks-data/retail-bank")
}

/// The models recover the simulation's parameters: within 4 standard errors or 5% of the
/// true value, whichever is wider.
#[test]
fn simulated_purchase_log_recovers_the_true_parameters() {
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(sample().join("truth.json")).unwrap())
            .unwrap();
    let t = &truth["transactions"]["truth"];
    let built = profitchain::analysis::study::build(
        &Study::from_file(&sample().join("study.toml")).unwrap(),
    )
    .unwrap();
    let clv = built.clv.expect("the sample has a purchase log");
    let check = |fit: &profitchain::stats::btyd::MleFit, want: &Value| {
        for (i, w) in want.as_array().unwrap().iter().enumerate() {
            let w = w.as_f64().unwrap();
            let se = fit.std_errors[i].unwrap();
            let tol = (4.0 * se).max(0.05 * w);
            assert!(
                (fit.params[i] - w).abs() < tol,
                "{}: {} vs true {w} (se {se})",
                fit.names[i],
                fit.params[i]
            );
        }
    };
    check(&clv.purchase, &t["bg_nbd"]);
    check(clv.gamma_gamma.as_ref().unwrap(), &t["gamma_gamma"]);
    // Satisfaction's effects on purchasing and dropout (the study's [clv] covariates): the
    // covariate model's base parameters are the truth at the mean satisfaction, where the
    // simulator centred it, and its effects are the simulator's.
    let m = clv.covariates.as_ref().expect("the study names covariates");
    let c = &truth["transactions"]["covariate"];
    assert!((m.covariates[0].mean - c["centred_at"].as_f64().unwrap()).abs() < 1e-9);
    let mut want = t["bg_nbd"].as_array().unwrap().clone();
    want.extend(c["gamma"].as_array().unwrap().iter().cloned());
    for (i, w) in want.iter().enumerate() {
        let (w, se) = (w.as_f64().unwrap(), m.fit.std_errors[i].unwrap());
        assert!(
            (m.fit.params[i] - w).abs() < 4.0 * se,
            "{}: {} vs true {w} (se {se})",
            m.fit.names[i],
            m.fit.params[i]
        );
    }
    assert!(m.lr_p < 1e-20 && m.excluded == 0 && m.customers == 20_000);
    // Per profit segment, each its own model: the simulator's satisfaction effects are the
    // same in both (segments are made by profit, not by purchasing), so each segment's γ
    // recovers them too, and the segments' customers add up.
    let segs: Vec<&str> = clv
        .covariates_by_segment
        .iter()
        .map(|g| g.segment.as_str())
        .collect();
    assert_eq!(segs, ["profitable", "unprofitable"]);
    let n: usize = clv
        .covariates_by_segment
        .iter()
        .map(|g| g.model.customers)
        .sum();
    assert_eq!(n, 20_000);
    for g in &clv.covariates_by_segment {
        let f = &g.model.fit;
        assert_ne!(g.model.base_log_likelihood, m.base_log_likelihood);
        for (i, w) in c["gamma"].as_array().unwrap().iter().enumerate() {
            let (w, se) = (w.as_f64().unwrap(), f.std_errors[4 + i].unwrap());
            assert!(
                (f.params[4 + i] - w).abs() < 4.0 * se,
                "{}, {}: {} vs true {w} (se {se})",
                g.segment,
                f.names[4 + i],
                f.params[4 + i]
            );
        }
    }
    // Holdout: predicted within 5% of the actual total.
    let h = clv.holdout.as_ref().unwrap();
    assert!((h.expected_total / h.actual_total - 1.0).abs() < 0.05);
    // Every household is in the table with the CLV columns; segments add up.
    let df = &built.table.df;
    assert_eq!(df.height(), 20_000);
    for c in profitchain::analysis::study::CLV_COLUMNS {
        assert!(df.column(c).is_ok(), "{c} missing");
    }
    let seg_sum: usize = clv.by_segment.iter().map(|s| s.customers).sum();
    assert_eq!(seg_sum, 20_000);
    // Shares of a net total are not shown when a segment's CLV is negative.
    assert!(clv.by_segment.iter().all(|s| s.share_of_clv.is_nan()));
    // Margins are profit / revenue: unprofitable households carry negative future value.
    let unprofitable = clv
        .by_segment
        .iter()
        .find(|s| s.segment == "unprofitable")
        .unwrap();
    assert!(unprofitable.clv < 0.0 && clv.totals.clv > 0.0);
    // The table's predictions and CLV are the covariate model's, at each household's own
    // satisfaction; the totals are the table's. A satisfaction point adds value where the
    // margin is positive and deepens the loss where it is negative.
    let pc = clv
        .per_customer
        .as_ref()
        .expect("CLV from the covariate model");
    assert_eq!((pc.customers, pc.without_covariates), (20_000, 0));
    let v = |c: &str| profitchain::data::load::f64_values(df, c).unwrap();
    let (value, gain, segment) = (
        v("clv"),
        v("clv_gain_satisfaction"),
        df.column("segment").unwrap().str().unwrap().clone(),
    );
    let total: f64 = value.iter().sum();
    assert!((total - clv.totals.clv).abs() < 1e-6 * total.abs());
    assert!((pc.total_without_covariates.unwrap() - total).abs() > 1e-3 * total.abs());
    for (seg, sign) in [("profitable", 1.0), ("unprofitable", -1.0)] {
        let g: Vec<f64> = (0..df.height())
            .filter(|&i| segment.get(i) == Some(seg))
            .map(|i| gain[i])
            .collect();
        let mean = g.iter().sum::<f64>() / g.len() as f64;
        assert!(sign * mean > 0.0, "{seg}: mean gain {mean}");
    }
    assert!((pc.gains[0].total - gain.iter().sum::<f64>()).abs() < 1e-6);
    // The log's rows are accounted for in the diagnostics.
    let input = built
        .table
        .diagnostics
        .inputs
        .iter()
        .find(|i| i.name == "transactions")
        .unwrap();
    assert_eq!(input.rows_read, 74_641);
}

/// `chain --outcome clv` says which outcome it modelled, in the text and the JSON.
#[test]
fn chain_with_clv_as_the_outcome_says_so() {
    let out = bin()
        .args([
            "chain",
            "--bootstrap",
            "0",
            "--outcome",
            "clv",
            "--format",
            "json",
            "--study",
        ])
        .arg(sample().join("study.toml"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["options"]["outcome"], "clv");
    assert!(v["summary"][0]
        .as_str()
        .unwrap()
        .starts_with("Outcome: clv"));
    // The study's CLV comes from the purchase model with satisfaction as a covariate.
    assert_eq!(
        v["options"]["outcome_model"],
        "BG/NBD with covariates (satisfaction)"
    );
    assert!(v["summary"][1]
        .as_str()
        .unwrap()
        .contains("BG/NBD with covariates (satisfaction), so the covariates' effects"));
    // The Y equation is fitted on CLV: its R² differs from the profit run's.
    let r2 = |v: &Value| {
        v["segments"][0]["regressions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["model"] == "Y")
            .unwrap()["r_squared"]
            .as_f64()
            .unwrap()
    };
    let profit: Value = serde_json::from_slice(
        &bin()
            .args(["chain", "--bootstrap", "0", "--format", "json", "--study"])
            .arg(sample().join("study.toml"))
            .assert()
            .success()
            .get_output()
            .stdout,
    )
    .unwrap();
    assert_eq!(profit["options"]["outcome"], "profit");
    assert!((r2(&v) - r2(&profit)).abs() > 1e-3);
    // Without a purchase log, --outcome clv explains what is missing.
    bin()
        .args(["chain", "--bootstrap", "0", "--outcome", "clv"])
        .assert()
        .code(2)
        .stderr(contains("level = \"transaction\""));
}

#[test]
fn study_clv_settings_are_validated() {
    let dir = tempfile::TempDir::new().unwrap();
    let base = r#"
[[table]]
name = "accounts"
path = "a.csv"
[roles]
id = "id"
satisfaction = "sat"
share_of_wallet = "sow"
revenue = "rev"
profit = "profit"
"#;
    let tx = "[[table]]\nname = \"log\"\npath = \"t.csv\"\nlevel = \"transaction\"\ndate = \"d\"\namount = \"a\"\n";
    for (extra, message) in [
        (tx.to_string(), "add a [clv] section"),
        (
            "[clv]\ncalibration_end = \"2024-12-31\"\n".to_string(),
            "[clv] needs a table with level = \"transaction\"",
        ),
        (
            tx.replace("amount = \"a\"\n", "") + "[clv]\ncalibration_end = \"2024-12-31\"\n",
            "name its date and amount columns",
        ),
        (
            tx.to_string() + "[clv]\ncalibration_end = \"2024-12-31\"\nhorizn = 5\n",
            "unknown field `horizn`",
        ),
    ] {
        let s = write(
            dir.path(),
            "study.toml",
            &format!("{tx_first}{base}", tx_first = extra),
        );
        bin()
            .args(["build", "--study"])
            .arg(&s)
            .arg("-o")
            .arg(dir.path().join("out.csv"))
            .assert()
            .code(2)
            .stderr(contains(message));
    }
}
