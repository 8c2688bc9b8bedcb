//! The simulator: reproducible files, the designed brokerage sample, and recovery of the
//! true coefficients at large N.

use profitchain::analysis::regress::{regress, RegressOptions};
use profitchain::data::{build, simulate, Study};
use profitchain::stats::CovType;
use tempfile::TempDir;

use crate::common::bin;

#[test]
fn same_seed_gives_identical_files_and_81_customers() {
    let dir = TempDir::new().unwrap();
    for out in ["a", "b"] {
        bin()
            .args([
                "simulate",
                "--scenario",
                "brokerage",
                "--seed",
                "2005",
                "--out",
            ])
            .arg(dir.path().join(out))
            .assert()
            .success();
    }
    for f in ["survey.csv", "accounts.csv", "study.toml", "truth.json"] {
        let a = std::fs::read(dir.path().join("a").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("b").join(f)).unwrap();
        assert!(!a.is_empty() && a == b, "{f} differs between runs");
    }
    let t = build(&Study::from_file(&dir.path().join("a/study.toml")).unwrap()).unwrap();
    assert_eq!(t.df.height(), 81);
    let counts: Vec<(String, usize)> = t
        .diagnostics
        .segments
        .iter()
        .map(|s| (s.segment.clone(), s.customers))
        .collect();
    assert_eq!(
        counts,
        [
            ("profitable".to_string(), 31),
            ("unprofitable".to_string(), 50)
        ]
    );
}

/// Coefficient of `term` in `formula` fitted on the built table, per segment.
fn coef(study: &Study, formula: &str, term: &str) -> Vec<(String, f64)> {
    let t = build(study).unwrap();
    let opts = RegressOptions {
        formula: formula.into(),
        by: Some("segment".into()),
        se: CovType::Nonrobust,
        confidence: 0.95,
        id: None,
    };
    regress(&t.df, "sim", &opts)
        .unwrap()
        .models
        .iter()
        .map(|m| (m.group.clone(), m.term(term).unwrap().estimate))
        .collect()
}

#[test]
fn brokerage_truth_is_recovered_at_large_n() {
    let dir = TempDir::new().unwrap();
    let mut sim = simulate::simulate("brokerage", 7, Some(40_000)).unwrap();
    simulate::write(&mut sim, dir.path()).unwrap();
    let study = Study::from_file(&dir.path().join("study.toml")).unwrap();
    // (formula, term, profitable truth, unprofitable truth, tolerance)
    let checks = [
        (
            "share_of_wallet ~ satisfaction",
            "satisfaction",
            0.05,
            0.01,
            0.002,
        ),
        (
            "revenue ~ satisfaction + share_of_wallet",
            "share_of_wallet",
            2000.0,
            2500.0,
            40.0,
        ),
        (
            "profit ~ satisfaction + share_of_wallet + revenue",
            "revenue",
            0.20,
            -0.10,
            0.01,
        ),
    ];
    for (formula, term, p, u, tol) in checks {
        for (seg, est) in coef(&study, formula, term) {
            let truth = if seg == "profitable" { p } else { u };
            assert!(
                (est - truth).abs() < tol,
                "{formula} [{seg}] {term}: {est} vs truth {truth}"
            );
        }
    }
    // Pooled, revenue -> profit is negative (the study's headline).
    let t = build(&study).unwrap();
    let opts = RegressOptions {
        formula: "profit ~ revenue".into(),
        by: None,
        se: CovType::Nonrobust,
        confidence: 0.95,
        id: None,
    };
    let pooled = regress(&t.df, "sim", &opts).unwrap().models[0]
        .term("revenue")
        .unwrap()
        .estimate;
    assert!(pooled < 0.0, "pooled revenue slope {pooled}");
}

#[test]
fn retail_bank_builds_with_derived_sow_and_moderators() {
    let mut sim = simulate::simulate("retail-bank", 11, Some(2_000)).unwrap();
    let dir = TempDir::new().unwrap();
    simulate::write(&mut sim, dir.path()).unwrap();
    let t = profitchain::analysis::study::build(
        &Study::from_file(&dir.path().join("study.toml")).unwrap(),
    )
    .unwrap()
    .table;
    assert_eq!(t.df.height(), 2_000);
    for c in [
        "income_k",
        "tenure_years",
        "quality",
        "recommend",
        "n_respondents",
    ] {
        assert!(t.df.schema().contains(c), "missing {c}");
    }
    let sow =
        t.df.column("share_of_wallet")
            .unwrap()
            .as_materialized_series()
            .f64()
            .unwrap()
            .clone();
    assert!(sow.iter().flatten().all(|v| (0.0..=1.0).contains(&v)));
}
