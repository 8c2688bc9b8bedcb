//! Covariates in the BG/NBD (issue #26 target: two covariates at 1,000,000 customers under
//! 5 s): a log simulated with satisfaction (1–10) and a 0/1 premium flag acting on purchasing
//! and dropout, summarised, then the covariate model fitted (with the model without
//! covariates for the likelihood-ratio test, the covariance and the effects' draws); and the
//! per-customer predictions at each customer's covariates with the gain of a unit of each
//! (what `clv --covariates … --customers-out` adds after the fits).
//! `PROFITCHAIN_BENCH_CUSTOMERS` sets the customers (default 1,000,000).

use criterion::{criterion_group, criterion_main, Criterion};
use polars::prelude::*;
use profitchain::analysis::clv::{self, covariates::CovariateSpec, ClvOptions};
use profitchain::data::load::Table;
use profitchain::data::purchases::{simulate_log_with, CovariateTruth, LogTruth};
use profitchain::data::transactions::{self, TimeUnit, TxSpec};

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("PROFITCHAIN_BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let ids: Vec<String> = (0..n).map(|i| format!("C{i:08}")).collect();
    let sat: Vec<f64> = (0..n).map(|i| ((i * 7919) % 10 + 1) as f64).collect();
    let premium: Vec<f64> = (0..n).map(|i| f64::from((i * 104_729) % 5 == 0)).collect();
    // One index of both (the simulator takes one covariate): satisfaction's effects, plus
    // premium's through the same γ scaled.
    let z: Vec<f64> = sat
        .iter()
        .zip(&premium)
        .map(|(s, p)| s - 5.5 + 0.5 * p)
        .collect();
    let truth = LogTruth {
        bg_nbd: [0.6, 8.0, 0.8, 2.6],
        gamma_gamma: [5.0, 3.5, 60.0],
        start: "2024-01-01".into(),
        entry_weeks: 12.0,
        end: "2025-06-29".into(),
    };
    let log = simulate_log_with(
        &ids,
        &truth,
        None,
        &CovariateTruth {
            z,
            gamma: [0.15, -0.2, 0.1],
            spend: 0.0,
        },
        7,
    )
    .unwrap();
    let table = Table::from(log);
    let spec = TxSpec {
        id: "household_id".into(),
        date: "date".into(),
        amount: "amount".into(),
        unit: TimeUnit::Week,
        calibration_end: "2025-06-29".into(),
        ..Default::default()
    };
    let rfm = transactions::summarize(&table, "bench", &spec).unwrap();
    let (mut result, customers) = clv::run(&rfm, &ClvOptions::default()).unwrap();
    let covariates =
        df!("household_id" => &ids, "satisfaction" => &sat, "premium" => &premium).unwrap();
    let names = vec!["satisfaction".to_string(), "premium".to_string()];
    let joined = clv::join_covariates(&rfm, &covariates, "household_id", &names).unwrap();
    let cov = CovariateSpec {
        both: names,
        seed: 1,
        ..Default::default()
    };
    let m = clv::covariates::fit(&result, &joined, "bench", &cov).unwrap();
    eprintln!(
        "{n} customers, {} transactions; {} parameters; status {}; gamma {:?}",
        table.df.height(),
        m.fit.params.len(),
        m.fit.status,
        &m.fit.params[4..]
    );
    let mut g = c.benchmark_group("clv covariates");
    g.sample_size(10);
    g.bench_function(
        format!("BG/NBD with 2 covariates on both processes, {n} customers"),
        |b| b.iter(|| clv::covariates::fit(&result, &joined, "bench", &cov).unwrap()),
    );
    result.note_covariates(m);
    g.bench_function(
        format!("predictions and gains at each customer's covariates, {n} customers"),
        |b| {
            b.iter_batched(
                || (result.clone(), customers.clone()),
                |(mut r, mut table)| {
                    clv::predict_at_covariates(&mut r, &mut table, &joined).unwrap();
                    table
                },
                criterion::BatchSize::LargeInput,
            )
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
