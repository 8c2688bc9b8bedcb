//! The chain study against PROCESS model 6 and statsmodels, plus its failure modes.

use predicates::prelude::*;
use profitchain::analysis::chain::{self, ChainOptions, ChainResult};
use profitchain::data::study::{Options, Roles};
use profitchain::data::{build, SegmentRule, Study};
use serde_json::Value;
use tempfile::TempDir;

use crate::common::{bin, data, rel_diff, write};

fn reference_study(path: std::path::PathBuf) -> Study {
    let roles = Roles {
        id: "customer_id".into(),
        satisfaction: "satisfaction".into(),
        share_of_wallet: Some("share_of_wallet".into()),
        revenue: "revenue".into(),
        profit: Some("profit".into()),
        ..Default::default()
    };
    Study::from_single_table(path, roles, Options::default(), SegmentRule::Profit).unwrap()
}

fn run_reference(bootstrap: usize) -> ChainResult {
    let table = build(&reference_study(data(
        "reference/peers/chain_reference.csv",
    )))
    .unwrap();
    let opts = ChainOptions {
        bootstrap,
        ..Default::default()
    };
    chain::run(&table, &opts).unwrap()
}

#[test]
fn matches_process_model6_and_statsmodels() {
    let r = run_reference(5000);
    let text = std::fs::read_to_string(data("reference/peers/chain_reference.process_model6.json"))
        .unwrap();
    let process: Value = serde_json::from_str(&text).unwrap();
    for seg_ref in process["segments"].as_array().unwrap() {
        let name = seg_ref["segment"].as_str().unwrap();
        let seg = r.segments.iter().find(|s| s.name == name).unwrap();
        assert_eq!(seg.n as u64, seg_ref["n"].as_u64().unwrap());
        let med = seg.mediation.as_ref().unwrap();
        for want in seg_ref["indirect"].as_array().unwrap() {
            let path = want["path"].as_str().unwrap();
            let got = &med
                .indirect_effects
                .iter()
                .find(|e| e.path == path)
                .unwrap()
                .interval;
            let effect = want["effect"].as_f64().unwrap();
            assert!(
                rel_diff(got.estimate, effect) <= 1e-8,
                "{name} {path}: {} vs {effect}",
                got.estimate
            );
            // Monte Carlo agreement of the bootstrap (independent streams of 5000 resamples).
            // pyprocessmacro's intervals are its default *bias-corrected* ones (they sit
            // 0.1-0.3 SE above the plain percentile interval in every case here), so they
            // are compared with our bias-corrected interval.
            let se = want["boot_se"].as_f64().unwrap();
            assert!(
                rel_diff(got.boot_se, se) <= 0.06,
                "{name} {path} boot se {} vs {se}",
                got.boot_se
            );
            for (g, w) in [(got.bc_low, "boot_ci_low"), (got.bc_high, "boot_ci_high")] {
                let w = want[w].as_f64().unwrap();
                assert!(
                    (g - w).abs() <= 0.2 * se,
                    "{name} {path} CI {g} vs {w} (se {se})"
                );
            }
        }
        let direct = &seg_ref["direct"][0];
        assert!(
            rel_diff(
                med.direct_effect.estimate,
                direct["effect"].as_f64().unwrap()
            ) <= 1e-8
        );
        assert!(rel_diff(med.direct_effect.std_error, direct["se"].as_f64().unwrap()) <= 1e-8);
        assert!((med.direct_effect.p_value - direct["p"].as_f64().unwrap()).abs() <= 1e-6);
        // Total = direct + total indirect.
        let ti = med
            .indirect_effects
            .iter()
            .find(|e| e.path == "total indirect")
            .unwrap()
            .interval
            .estimate;
        assert!(rel_diff(med.total_effect.estimate, med.direct_effect.estimate + ti) <= 1e-8);
    }
    // The chain's path regressions are the statsmodels models 1-3.
    let text =
        std::fs::read_to_string(data("reference/peers/chain_reference.statsmodels.json")).unwrap();
    let sm: Value = serde_json::from_str(&text).unwrap();
    let mut compared = 0;
    for m in sm["models"].as_array().unwrap() {
        let seg = r
            .segments
            .iter()
            .find(|s| s.name == m["segment"].as_str().unwrap())
            .unwrap();
        let Some(model) = seg
            .regressions
            .iter()
            .find(|x| x.result.formula == m["formula"].as_str().unwrap())
        else {
            continue;
        };
        for (t, want) in model
            .result
            .terms
            .iter()
            .zip(m["nonrobust"]["terms"].as_array().unwrap())
        {
            assert!(rel_diff(t.estimate, want["estimate"].as_f64().unwrap()) <= 1e-8);
            assert!(rel_diff(t.std_error, want["std_error"].as_f64().unwrap()) <= 1e-8);
        }
        compared += 1;
    }
    assert_eq!(compared, 9);
}

#[test]
fn same_seed_gives_identical_output() {
    let dir = TempDir::new().unwrap();
    let mut outs = Vec::new();
    for name in ["a.json", "b.json"] {
        let out = dir.path().join(name);
        bin()
            .args([
                "chain",
                "--format",
                "json",
                "--bootstrap",
                "500",
                "--seed",
                "9",
                "-o",
            ])
            .arg(&out)
            .assert()
            .success();
        outs.push(std::fs::read(out).unwrap());
    }
    assert!(!outs[0].is_empty() && outs[0] == outs[1]);
    let json: Value = serde_json::from_slice(&outs[0]).unwrap();
    assert_eq!(json["segments"].as_array().unwrap().len(), 3);
    assert!(json["comparisons"][0]["summary"].as_array().unwrap().len() == 4);
}

#[test]
fn bundled_sample_shows_the_study_pattern() {
    bin()
        .arg("chain")
        .args(["--bootstrap", "200"])
        .assert()
        .success()
        .stderr(predicate::str::contains("bundled brokerage sample"))
        .stdout(predicate::str::contains(
            "H2 holds for profitable customers",
        ))
        .stdout(predicate::str::contains(
            "but reverses for unprofitable ones",
        ));
}

#[test]
fn small_segment_and_constant_variable_are_reported_not_fatal() {
    let dir = TempDir::new().unwrap();
    // 8 profitable customers with varying data; 3 unprofitable (too few); region "c" has a
    // constant satisfaction.
    let mut csv = String::from("id,sat,sow,rev,profit,region\n");
    let rows = [
        (7.0, 0.5, 100.0, 20.0, "a"),
        (8.0, 0.6, 120.0, 25.0, "a"),
        (6.0, 0.3, 90.0, 10.0, "a"),
        (9.0, 0.7, 150.0, 40.0, "a"),
        (5.0, 0.2, 70.0, 5.0, "a"),
        (7.5, 0.55, 115.0, 30.0, "a"),
        (6.5, 0.35, 95.0, 12.0, "a"),
        (8.5, 0.65, 140.0, 33.0, "a"),
        (6.0, 0.4, 80.0, -5.0, "c"),
        (6.0, 0.5, 90.0, -8.0, "c"),
        (6.0, 0.3, 60.0, -2.0, "c"),
    ];
    for (i, (s, w, r, p, g)) in rows.iter().enumerate() {
        csv.push_str(&format!("{i},{s},{w},{r},{p},{g}\n"));
    }
    let path = write(dir.path(), "d.csv", &csv);
    let table = build(&reference_like(&path, SegmentRule::Profit)).unwrap();
    let r = chain::run(
        &table,
        &ChainOptions {
            bootstrap: 100,
            ..Default::default()
        },
    )
    .unwrap();
    let unp = r
        .segments
        .iter()
        .find(|s| s.name == "unprofitable")
        .unwrap();
    let err = unp.error.as_deref().unwrap();
    assert!(err.contains("'unprofitable' has 3 customers"), "{err}");
    assert!(r
        .segments
        .iter()
        .find(|s| s.name == "profitable")
        .unwrap()
        .error
        .is_none());

    // Same data, more rows in region c so it is large enough but satisfaction is constant.
    let mut csv2 = csv.clone();
    for i in 0..6 {
        csv2.push_str(&format!(
            "{},6.0,{},{},{},c\n",
            100 + i,
            0.2 + 0.1 * i as f64,
            50.0 + 10.0 * i as f64,
            -1.0 - i as f64
        ));
    }
    let path2 = write(dir.path(), "d2.csv", &csv2);
    let table = build(&reference_like(
        &path2,
        SegmentRule::Column {
            column: "region".into(),
        },
    ))
    .unwrap();
    let r = chain::run(
        &table,
        &ChainOptions {
            bootstrap: 100,
            ..Default::default()
        },
    )
    .unwrap();
    let c = r.segments.iter().find(|s| s.name == "c").unwrap();
    let err = c.error.as_deref().unwrap();
    assert!(
        err.contains("segment 'c'") && err.contains("'satisfaction' is constant"),
        "{err}"
    );
    assert!(r
        .segments
        .iter()
        .find(|s| s.name == "a")
        .unwrap()
        .error
        .is_none());
}

fn reference_like(path: &std::path::Path, rule: SegmentRule) -> Study {
    let roles = Roles {
        id: "id".into(),
        satisfaction: "sat".into(),
        share_of_wallet: Some("sow".into()),
        revenue: "rev".into(),
        profit: Some("profit".into()),
        ..Default::default()
    };
    Study::from_single_table(path.to_path_buf(), roles, Options::default(), rule).unwrap()
}

#[test]
fn quadratic_and_moderator_give_conditional_effects() {
    let table = build(&reference_study(data(
        "reference/peers/chain_reference.csv",
    )))
    .unwrap();
    let opts = ChainOptions {
        bootstrap: 0,
        quadratic: true,
        moderators: vec!["tenure_years".into()],
        ..Default::default()
    };
    let r = chain::run(&table, &opts).unwrap();
    let all = &r.segments[0];
    let ext = all
        .regressions
        .iter()
        .find(|m| m.model == "M1_extended")
        .unwrap();
    assert_eq!(
        ext.result
            .terms
            .iter()
            .map(|t| t.term.as_str())
            .collect::<Vec<_>>(),
        [
            "Intercept",
            "satisfaction",
            "I(satisfaction ** 2)",
            "tenure_years",
            "satisfaction:tenure_years"
        ]
    );
    assert_eq!(all.conditional_effects.len(), 3);
    // θ(m) = b_sat + 2 b_sq mean(sat) + b_int m is linear in m.
    let b_int = ext
        .result
        .term("satisfaction:tenure_years")
        .unwrap()
        .estimate;
    let (c0, c2) = (&all.conditional_effects[0], &all.conditional_effects[2]);
    assert!(((c2.effect - c0.effect) - b_int * (c2.value - c0.value)).abs() < 1e-10);
}

#[test]
fn segment_rule_none_analyses_everyone_once() {
    bin()
        .args([
            "chain",
            "--bootstrap",
            "50",
            "--segment-rule",
            "none",
            "--format",
            "json",
            "--study",
        ])
        .arg(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("notebooks-data/brokerage/study.toml"),
        )
        .assert()
        .success()
        .stdout(predicate::function(|out: &str| {
            let v: Value = serde_json::from_str(out).unwrap();
            v["segments"].as_array().unwrap().len() == 1
                && v["comparisons"].as_array().unwrap().is_empty()
        }));
}

/// Build a simulated scenario at size `n`; also returns its truth.json.
fn simulated(scenario: &str, seed: u64, n: usize) -> (Value, profitchain::data::CustomerTable) {
    let dir = TempDir::new().unwrap();
    let mut sim = profitchain::data::simulate::simulate(scenario, seed, Some(n)).unwrap();
    profitchain::data::simulate::write(&mut sim, dir.path()).unwrap();
    let table = profitchain::analysis::study::build(
        &Study::from_file(&dir.path().join("study.toml")).unwrap(),
    )
    .unwrap()
    .table;
    let truth = std::fs::read_to_string(dir.path().join("truth.json")).unwrap();
    (serde_json::from_str(&truth).unwrap(), table)
}

/// The chain equation whose outcome a truth.json equation names.
fn model_of(outcome: &str) -> &'static str {
    match outcome {
        "share_of_wallet" => "M1",
        "revenue" => "M2",
        _ => "Y",
    }
}

/// Every slope of a truth.json equation, as (term, true value).
fn slopes(equation: &Value) -> Vec<(String, f64)> {
    equation["coefficients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c[0].as_str().unwrap().to_string(), c[1].as_f64().unwrap()))
        .filter(|(term, _)| term != "Intercept")
        .collect()
}

fn estimate(seg: &chain::SegmentResult, model: &str, term: &str) -> (f64, f64) {
    let m = seg.regressions.iter().find(|m| m.model == model).unwrap();
    let t = m.result.term(term).unwrap();
    (t.estimate, t.std_error)
}

/// Every path of the brokerage scenario's truth.json (per segment: the SOW, revenue and
/// profit equations) is recovered within 4 standard errors at 40,000 customers, and so
/// are the specific indirect effects they imply.
#[test]
fn brokerage_chain_recovers_the_true_paths_and_verdicts() {
    let (truth, table) = simulated("brokerage", 5, 40_000);
    let r = chain::run(
        &table,
        &ChainOptions {
            bootstrap: 400,
            ..Default::default()
        },
    )
    .unwrap();
    for t in truth["segments"].as_array().unwrap() {
        let name = t["segment"].as_str().unwrap();
        let seg = r.segments.iter().find(|s| s.name == name).unwrap();
        let mut path = std::collections::HashMap::new();
        for eq in t["equations"].as_array().unwrap() {
            let model = model_of(eq["outcome"].as_str().unwrap());
            for (term, want) in slopes(eq) {
                let (est, se) = estimate(seg, model, &term);
                assert!(
                    (est - want).abs() < 4.0 * se,
                    "{name} {model} {term}: {est} (SE {se}) vs truth {want}"
                );
                path.insert((model, term), want);
            }
        }
        // Specific indirect effects: a1·b1, a1·d21·b2, a2·b2 and their total.
        let p = |m: &'static str, t: &str| path[&(m, t.to_string())];
        let (a1, a2, d21) = (
            p("M1", "satisfaction"),
            p("M2", "satisfaction"),
            p("M2", "share_of_wallet"),
        );
        let (b1, b2) = (p("Y", "share_of_wallet"), p("Y", "revenue"));
        let want = [
            a1 * b1,
            a1 * d21 * b2,
            a2 * b2,
            a1 * b1 + a1 * d21 * b2 + a2 * b2,
        ];
        let med = seg.mediation.as_ref().unwrap();
        for (e, w) in med.indirect_effects.iter().zip(want) {
            let iv = &e.interval;
            assert!(
                (iv.estimate - w).abs() < 4.0 * iv.boot_se,
                "{name} {}: {} (boot SE {}) vs truth {w}",
                e.path,
                iv.estimate,
                iv.boot_se
            );
        }
    }
    // Verdicts as designed: the chain holds for profitable customers; for unprofitable
    // ones revenue → profit reverses, and pooled it is negative (the study's headline).
    let verdict = |seg: &str, h: &str| {
        let s = r.segments.iter().find(|s| s.name == seg).unwrap();
        let hyp = s.hypotheses.iter().find(|x| x.id == h).unwrap();
        (hyp.supported, hyp.estimate)
    };
    for (seg, h, want) in [
        ("profitable", "H1", true),
        ("profitable", "H2", true),
        ("profitable", "H3", true),
        ("profitable", "H4", true),
        ("unprofitable", "H1", true),
    ] {
        assert_eq!(verdict(seg, h).0, want, "{seg} {h}");
    }
    assert!(verdict("profitable", "H4").1 > 0.0);
    let (h2u, b2u) = verdict("unprofitable", "H2");
    assert!(!h2u && b2u < 0.0, "unprofitable H2: {h2u} {b2u}");
    let (h2all, b2all) = verdict("all", "H2");
    assert!(
        !h2all && b2all < 0.0,
        "pooled revenue -> profit: {h2all} {b2all}"
    );
    let lines = &r.comparisons[0].summary;
    assert!(lines[1].contains("H2 holds for profitable") && lines[1].contains("reverses"));
}

/// retail-bank's SOW equation (concave in satisfaction, moderated by income and tenure) is
/// recovered by `--quadratic --moderator income_k --moderator tenure_years`.
#[test]
fn retail_bank_chain_recovers_the_concave_moderated_sow_link() {
    let (truth, table) = simulated("retail-bank", 3, 40_000);
    let r = chain::run(
        &table,
        &ChainOptions {
            bootstrap: 0,
            quadratic: true,
            moderators: vec!["income_k".into(), "tenure_years".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let all = &r.segments[0];
    let sow = slopes(&truth["share_of_wallet"]);
    assert_eq!(sow.len(), 6);
    for (term, want) in sow {
        let (est, se) = estimate(all, "M1_extended", &term);
        assert!(
            (est - want).abs() < 4.0 * se,
            "{term}: {est} (SE {se}) vs truth {want}"
        );
    }
    // The link is concave: the squared term is significantly negative.
    let m = all
        .regressions
        .iter()
        .find(|m| m.model == "M1_extended")
        .unwrap();
    assert!(m.result.term("I(satisfaction ** 2)").unwrap().p_value < 1e-6);
}
