//! `invest` speed and the coverage of its intervals.
//!
//! Speed (issue target: 10 scenarios × 5,000 resamples at 1,000,000 customers under 10 s):
//! the brokerage scenario at `PROFITCHAIN_BENCH_CUSTOMERS` customers (default 100,000; set
//! 1000000 for the target), two segments, ten scenarios of every kind (+Δ, to a target,
//! part of the gap; everyone, a segment, a rule) with costs.
//!
//! Coverage (`PROFITCHAIN_COVERAGE_SETS`, default 200; 0 skips it): that many simulated
//! brokerage data sets of 1,000 clients, each with its own seed; the scenario "+1 point for
//! everyone" through each segment's fitted chain with 1,000 resamples; the truth is each
//! segment's generative total effect (truth.json) times the gains the scenario gives.
//! Printed: the share of 95% intervals of each segment's and the total Δprofit that hold
//! the truth (target 93–97%) and the mean relative bias of the estimate.

use criterion::{criterion_group, criterion_main, Criterion};
use profitchain::analysis::chain::ChainOptions;
use profitchain::analysis::invest::{
    self, economics::Horizon, Change, Cost, InvestOptions, Scenario,
};
use profitchain::data::{build, simulate, Study};

fn table(seed: u64, n: usize) -> (tempfile::TempDir, profitchain::data::CustomerTable) {
    let dir = tempfile::TempDir::new().unwrap();
    let mut sim = simulate::simulate("brokerage", seed, Some(n)).unwrap();
    simulate::write(&mut sim, dir.path()).unwrap();
    let study = Study::from_file(&dir.path().join("study.toml")).unwrap();
    let t = build(&study).unwrap();
    (dir, t)
}

fn scenario(name: &str, change: Change, segment: Option<&str>, rule: Option<&str>) -> Scenario {
    Scenario {
        name: name.into(),
        change,
        segment: segment.map(String::from),
        rule: rule.map(String::from),
        cost: Cost {
            fixed: 10_000.0,
            per_customer: 5.0,
            per_point: 2.0,
        },
        driver: None,
    }
}

fn horizon() -> Horizon {
    Horizon {
        years: 3,
        discount: 0.1,
        retention: 0.85,
    }
}

fn speed(c: &mut Criterion) {
    let n: usize = std::env::var("PROFITCHAIN_BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let (_dir, t) = table(1, n);
    let scenarios = vec![
        scenario("plus one", Change::Add(1.0), None, None),
        scenario("plus half", Change::Add(0.5), None, None),
        scenario("plus two", Change::Add(2.0), None, None),
        scenario("to eight", Change::To(8.0), None, None),
        scenario("to nine", Change::To(9.0), None, None),
        scenario("half gap", Change::Gap(0.5), None, None),
        scenario("profitable +1", Change::Add(1.0), Some("profitable"), None),
        scenario(
            "unprofitable +1",
            Change::Add(1.0),
            Some("unprofitable"),
            None,
        ),
        scenario("low to 7", Change::To(7.0), None, Some("satisfaction < 6")),
        scenario(
            "tenure +1",
            Change::Add(1.0),
            None,
            Some("tenure_years > 5"),
        ),
    ];
    let opts = InvestOptions {
        scenarios,
        horizon: horizon(),
        scale: Some([1.0, 10.0]),
        attributes: vec![],
        retention: Default::default(),
    };
    let chain = ChainOptions {
        bootstrap: 5000,
        ..Default::default()
    };
    let mut g = c.benchmark_group("invest");
    g.sample_size(10);
    g.bench_function(
        format!("{n} customers, 10 scenarios, 5000 resamples"),
        |b| b.iter(|| invest::run(&t, &chain, &opts, None).unwrap()),
    );
    g.finish();
}

fn coverage(_: &mut Criterion) {
    let sets: usize = std::env::var("PROFITCHAIN_COVERAGE_SETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    if sets == 0 {
        return;
    }
    let opts = InvestOptions {
        scenarios: vec![Scenario {
            cost: Cost::default(),
            ..scenario("plus one", Change::Add(1.0), None, None)
        }],
        horizon: horizon(),
        scale: Some([1.0, 10.0]),
        attributes: vec![],
        retention: Default::default(),
    };
    let chain = ChainOptions {
        bootstrap: 1000,
        ..Default::default()
    };
    // (covered, count, Σ relative error) for profitable, unprofitable, total.
    let mut tally = [(0usize, 0usize, 0.0f64); 3];
    for seed in 1..=sets as u64 {
        let (dir, t) = table(1000 + seed, 1000);
        let truth: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("truth.json")).unwrap())
                .unwrap();
        let r = invest::run(&t, &chain, &opts, None).unwrap();
        let sc = &r.scenarios[0];
        let mut total = 0.0;
        for (k, name) in ["profitable", "unprofitable"].iter().enumerate() {
            let seg = truth["segments"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["segment"] == *name)
                .unwrap();
            let eq = |outcome: &str, term: &str| -> f64 {
                seg["equations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["outcome"] == outcome)
                    .and_then(|e| {
                        e["coefficients"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .find(|c| c[0] == term)
                            .map(|c| c[1].as_f64().unwrap())
                    })
                    .unwrap_or(0.0)
            };
            let a1 = eq("share_of_wallet", "satisfaction");
            let (a2, d21) = (
                eq("revenue", "satisfaction"),
                eq("revenue", "share_of_wallet"),
            );
            let (c, b1, b2) = (
                eq("profit", "satisfaction"),
                eq("profit", "share_of_wallet"),
                eq("profit", "revenue"),
            );
            let o = sc.segments.iter().find(|o| o.segment == *name).unwrap();
            let want = (c + a1 * b1 + a1 * d21 * b2 + a2 * b2) * o.mean_gain * o.reached as f64;
            total += want;
            let f = o.total_profit;
            tally[k].0 += usize::from(f.low <= want && want <= f.high);
            tally[k].1 += 1;
            tally[k].2 += (f.estimate - want) / want.abs();
        }
        let f = sc.total.total_profit;
        tally[2].0 += usize::from(f.low <= total && total <= f.high);
        tally[2].1 += 1;
        tally[2].2 += (f.estimate - total) / total.abs();
    }
    for ((covered, n, bias), name) in tally.iter().zip(["profitable", "unprofitable", "total"]) {
        println!(
            "invest coverage, {name}: {covered}/{n} = {:.1}% of 95% intervals hold the true Δprofit; mean relative bias {:+.2}%",
            100.0 * *covered as f64 / *n as f64,
            100.0 * bias / *n as f64
        );
    }
}

criterion_group!(benches, coverage, speed);
criterion_main!(benches);
