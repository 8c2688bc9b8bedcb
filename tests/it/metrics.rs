//! `metrics`: hand-checked CSAT/NPS, the simulator's known NPS, bad input, properties.

use polars::prelude::*;
use profitchain::analysis::metrics::{run, MetricsOptions, Scale};
use profitchain::data::simulate;
use proptest::prelude::*;

fn opts() -> MetricsOptions {
    MetricsOptions {
        csat: None,
        nps: Some("ltr".into()),
        ces: None,
        csi: None,
        retained: None,
        by: None,
        rollup_id: None,
        confidence: 0.95,
        defaulted_scales: vec![],
    }
}

fn table() -> DataFrame {
    DataFrame::new_infer_height(vec![
        Column::new("g".into(), ["a", "a", "a", "a", "b", "b", "b", "b"]),
        Column::new("ltr".into(), [10.0, 9.0, 8.0, 7.0, 6.0, 0.0, 10.0, 3.0]),
        Column::new("csat".into(), [5.0, 4.0, 3.0, 5.0, 2.0, 1.0, 4.0, 5.0]),
    ])
    .unwrap()
}

#[test]
fn nps_and_top2box_by_hand() {
    let mut o = opts();
    o.csat = Some((
        "csat".into(),
        Scale {
            low: 1.0,
            high: 5.0,
        },
    ));
    let out = run(&table(), "t", &o).unwrap();
    let g = &out.groups[0];
    let n = g.nps.as_ref().unwrap();
    // 3 promoters (10, 9, 10), 2 passives, 3 detractors of 8: NPS 0,
    // se = 100·√((.375 + .375 − 0)/8) = 30.6186, CI ± 1.959964·se.
    assert!(
        (n.promoters - 37.5).abs() < 1e-9
            && (n.passives - 25.0).abs() < 1e-9
            && (n.detractors - 37.5).abs() < 1e-9
    );
    assert!(n.score.abs() < 1e-9);
    assert!((n.se - 30.618_621_8).abs() < 1e-6, "{}", n.se);
    assert!((n.ci_high - 60.011_4).abs() < 1e-3, "{}", n.ci_high);
    let c = g.csat.as_ref().unwrap();
    // CSAT mean 29/8; top-2-box (4 or 5 on 1-5) 5 of 8.
    assert!((c.mean - 3.625).abs() < 1e-12 && (c.top2box - 62.5).abs() < 1e-9);
    // sd of 5,4,3,5,2,1,4,5: Σ(x − 3.625)² = 15.875, var = 15.875/7 → se = √(2.267857/8).
    assert!(
        (c.se - (15.875f64 / 7.0 / 8.0).sqrt()).abs() < 1e-12,
        "{}",
        c.se
    );
}

#[test]
fn groups_and_their_nps_test() {
    let mut o = opts();
    o.by = Some("g".into());
    let out = run(&table(), "t", &o).unwrap();
    // a: 2 promoters, 2 passives → NPS 50; b: 1 promoter, 3 detractors → NPS −50.
    assert!((out.groups[0].nps.as_ref().unwrap().score - 50.0).abs() < 1e-9);
    assert!((out.groups[1].nps.as_ref().unwrap().score + 50.0).abs() < 1e-9);
    let t = out.tests.iter().find(|t| t.metric == "nps").unwrap();
    assert!((t.difference - 100.0).abs() < 1e-9);
    // se_a = 100·√((.5 − .25)/4) = 25, se_b = 100·√((1 − .25)/4) = 43.30: z = 100/√2500 = 2.
    assert!((t.z - 2.0).abs() < 1e-9, "{}", t.z);
}

#[test]
fn bad_ratings_are_named() {
    let mut df = table();
    df.with_column(Column::new(
        "ltr".into(),
        [10.0, 9.0, 8.0, 11.0, 6.0, 0.0, 10.0, 3.0],
    ))
    .unwrap();
    let e = run(&df, "t", &opts()).unwrap_err().to_string();
    assert!(e.contains("'ltr' holds 11 at row 4"), "{e}");
    df.with_column(Column::new(
        "ltr".into(),
        [10.0, 9.5, 8.0, 1.0, 6.0, 0.0, 10.0, 3.0],
    ))
    .unwrap();
    let e = run(&df, "t", &opts()).unwrap_err().to_string();
    assert!(
        e.contains("9.5 at row 2") && e.contains("whole numbers"),
        "{e}"
    );
    let mut o = opts();
    o.csat = Some((
        "csat".into(),
        Scale {
            low: 1.0,
            high: 4.0,
        },
    ));
    let e = run(&table(), "t", &o).unwrap_err().to_string();
    assert!(e.contains("'csat' holds 5 at row 1"), "{e}");
}

#[test]
fn group_without_responses_is_reported() {
    let df = DataFrame::new_infer_height(vec![
        Column::new("g".into(), ["a", "a", "b"]),
        Column::new("ltr".into(), [Some(10.0), Some(3.0), None]),
    ])
    .unwrap();
    let mut o = opts();
    o.by = Some("g".into());
    let out = run(&df, "t", &o).unwrap();
    assert!(out.groups[1].nps.is_none());
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("group 'b': no NPS responses")),
        "{:?}",
        out.notes
    );
}

#[test]
fn simulated_nps_is_recovered_within_its_ci() {
    // The retail-bank simulator draws promoters/passives/detractors with p = .40/.35/.25:
    // true NPS 15.
    let sim = simulate::simulate("retail-bank", 2024, Some(20_000)).unwrap();
    let mut o = opts();
    o.nps = Some("recommend".into());
    let n = run(&sim.survey, "survey", &o).unwrap().groups[0]
        .nps
        .clone()
        .unwrap();
    assert!(
        n.ci_low <= 15.0 && 15.0 <= n.ci_high,
        "NPS {} [{}, {}]",
        n.score,
        n.ci_low,
        n.ci_high
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn nps_is_bounded(values in prop::collection::vec(0u8..=10, 1..400)) {
        let df = DataFrame::new_infer_height(vec![Column::new("ltr".into(), values.iter().map(|v| f64::from(*v)).collect::<Vec<_>>())]).unwrap();
        let n = run(&df, "t", &opts()).unwrap().groups[0].nps.clone().unwrap();
        prop_assert!((-100.0..=100.0).contains(&n.score));
        prop_assert!((n.promoters + n.passives + n.detractors - 100.0).abs() < 1e-9);
    }
}

/// Issue #23: `metrics --streaming` (from counts per rating value) gives the in-memory
/// metrics to 1e-12 — per group, and the tests between groups — from one file and from
/// CSV parts; the same bytes on 1 and 8 threads; and refuses what counts cannot give.
#[test]
fn streamed_metrics_equal_the_in_memory_metrics() {
    use crate::common::bin;
    let survey = crate::common::data("../../notebooks-data/retail-bank/survey.csv");
    let args = [
        "--csat",
        "satisfaction",
        "--csat-scale",
        "1-10",
        "--nps",
        "recommend",
        "--ces",
        "effort",
        "--ces-scale",
        "1-7",
        "--by",
        "quality",
        "--format",
        "json",
    ];
    let run = |data: &std::path::Path, extra: &[&str], threads: &str| -> serde_json::Value {
        let out = bin()
            .env("POLARS_MAX_THREADS", threads)
            .args(["metrics", "--data"])
            .arg(data)
            .args(args)
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
    let num = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    let (wg, gg) = (
        want["groups"].as_array().unwrap(),
        got["groups"].as_array().unwrap(),
    );
    assert_eq!(wg.len(), gg.len());
    assert!(wg.len() >= 3);
    for (w, g) in wg.iter().zip(gg) {
        assert_eq!(w["group"], g["group"]);
        assert_eq!(w["n"], g["n"]);
        for (m, keys) in [
            ("csat", &["mean", "se", "top2box", "ci_low", "ci_high"][..]),
            (
                "nps",
                &["score", "promoters", "detractors", "se", "ci_low"][..],
            ),
            ("ces", &["mean", "ci_low", "ci_high"][..]),
        ] {
            for k in keys {
                let (a, b) = (num(&w[m][k]), num(&g[m][k]));
                assert!(
                    (a - b).abs() <= 1e-12 * a.abs().max(1.0),
                    "{m}.{k}: {a} vs {b}"
                );
            }
        }
        assert_eq!(w["ces"]["distribution"], g["ces"]["distribution"]);
    }
    for (w, g) in want["tests"]
        .as_array()
        .unwrap()
        .iter()
        .zip(got["tests"].as_array().unwrap())
    {
        let (a, b) = (num(&w["z"]), num(&g["z"]));
        assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{a} vs {b}");
    }
    // Same bytes on one thread and eight.
    assert_eq!(
        run(&survey, &["--streaming"], "1"),
        run(&survey, &["--streaming"], "8")
    );
    // Three CSV parts through a pattern.
    let dir = tempfile::TempDir::new().unwrap();
    let text = std::fs::read_to_string(&survey).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let body: Vec<&str> = lines.collect();
    for (i, chunk) in body.chunks(body.len().div_ceil(3)).enumerate() {
        let part = format!("{header}\n{}\n", chunk.join("\n"));
        std::fs::write(dir.path().join(format!("p{i}.csv")), part).unwrap();
    }
    let parts = run(&dir.path().join("p*.csv"), &["--streaming"], "2");
    assert_eq!(parts["groups"], got["groups"]);
    // Without --by: one group of every response.
    let overall = |extra: &[&str]| -> serde_json::Value {
        let out = bin()
            .args(["metrics", "--data"])
            .arg(&survey)
            .args(["--nps", "recommend", "--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let (w, g) = (overall(&[]), overall(&["--streaming"]));
    assert_eq!(g["groups"][0]["n"], 60066);
    assert_eq!(w["groups"][0]["n"], g["groups"][0]["n"]);
    let (a, b) = (
        num(&w["groups"][0]["nps"]["score"]),
        num(&g["groups"][0]["nps"]["score"]),
    );
    assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    // What counts cannot give.
    let out = bin()
        .args(["metrics", "--streaming", "--data"])
        .arg(&survey)
        .args([
            "--csat",
            "satisfaction",
            "--csat-scale",
            "1-10",
            "--id",
            "household_id",
        ])
        .args(["--rollup", "customer"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("without --streaming"));
}
