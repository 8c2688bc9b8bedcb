//! CLV speed (issue #10 targets): the RFM summary of a transaction log, the BG/NBD,
//! Pareto/NBD and Gamma-Gamma fits on its tuples, and predictions with CLV.
//!
//! Logs are simulated from the BG/NBD, and for the Pareto/NBD from the Pareto/NBD
//! (`data::purchases`), so each fit has an interior optimum. `PROFITCHAIN_BENCH_CUSTOMERS`
//! sets the customers of the fit and prediction benchmarks (default 1,000,000);
//! `PROFITCHAIN_BENCH_TRANSACTIONS` the size of the RFM-summary log (default 10,000,000).

use criterion::{criterion_group, criterion_main, Criterion};
use polars::prelude::*;
use profitchain::analysis::clv::{self, ClvOptions};
use profitchain::data::load::Table;
use profitchain::data::purchases::{simulate_log, simulate_pareto_log, LogTruth};
use profitchain::data::transactions::{self, TimeUnit, TxSpec};
use profitchain::stats::btyd::{self, GammaGamma, PurchaseModel};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn truth() -> LogTruth {
    LogTruth {
        bg_nbd: [0.6, 8.0, 0.8, 2.6],
        gamma_gamma: [5.0, 3.5, 60.0],
        start: "2024-01-01".into(),
        entry_weeks: 12.0,
        end: "2025-06-29".into(),
    }
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("C{i:08}")).collect()
}

/// A BG/NBD log of `n` customers: about 3.7 purchases each over 78 weeks.
fn log(n: usize) -> DataFrame {
    simulate_log(&ids(n), &truth(), 7).unwrap()
}

/// A Pareto/NBD log of `n` customers: lifetimes with s = 0.8, β = 40 weeks.
fn pareto_log(n: usize) -> DataFrame {
    simulate_pareto_log(&ids(n), &truth(), [0.8, 40.0], 7).unwrap()
}

fn spec() -> TxSpec {
    TxSpec {
        id: "household_id".into(),
        date: "date".into(),
        amount: "amount".into(),
        date_format: None,
        unit: TimeUnit::Week,
        calibration_end: "2024-12-29".into(),
        observation_end: Some("2025-06-29".into()),
        ..Default::default()
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("clv");
    g.sample_size(10);

    // The RFM summary of a log of about PROFITCHAIN_BENCH_TRANSACTIONS rows.
    let target = env("PROFITCHAIN_BENCH_TRANSACTIONS", 10_000_000);
    let big = Table::from(log((target as f64 / 3.67) as usize));
    let rows = big.df.height();
    g.bench_function(format!("RFM summary, {rows} transactions"), |b| {
        b.iter(|| transactions::summarize(&big, "bench", &spec()).unwrap())
    });
    drop(big);

    let n = env("PROFITCHAIN_BENCH_CUSTOMERS", 1_000_000);
    let df = Table::from(log(n));
    let rfm = transactions::summarize(&df, "bench", &spec()).unwrap();
    let tuples = transactions::rfm_tuples(&rfm).unwrap();
    let spend = transactions::spend_tuples(&rfm).unwrap();
    eprintln!(
        "{n} customers, {} transactions: {} distinct (x, t_x, T) tuples, {} spend tuples",
        df.df.height(),
        tuples.x.len(),
        spend.x.len()
    );
    g.bench_function(format!("BG/NBD fit, {n} customers"), |b| {
        b.iter(|| PurchaseModel::BgNbd.fit(&tuples, None).unwrap())
    });
    g.bench_function(format!("Gamma-Gamma fit, {n} customers"), |b| {
        b.iter(|| btyd::fit(&GammaGamma(&spend), &[vec![1.0, 1.0, 1.0]], 1000).unwrap())
    });
    let opts = ClvOptions::default();
    g.bench_function(
        format!("clv analysis (BG/NBD and Gamma-Gamma fits, predictions, CLV), {n} customers"),
        |b| b.iter(|| clv::run(&rfm, &opts).unwrap()),
    );

    drop((df, rfm));
    let df = Table::from(pareto_log(n));
    let rfm = transactions::summarize(&df, "bench", &spec()).unwrap();
    let tuples = transactions::rfm_tuples(&rfm).unwrap();
    eprintln!(
        "Pareto/NBD log: {n} customers, {} transactions, {} distinct tuples",
        df.df.height(),
        tuples.x.len()
    );
    g.bench_function(format!("Pareto/NBD fit, {n} customers"), |b| {
        b.iter(|| PurchaseModel::ParetoNbd.fit(&tuples, None).unwrap())
    });
    let opts = ClvOptions {
        model: PurchaseModel::ParetoNbd,
        ..Default::default()
    };
    g.bench_function(
        format!("clv analysis (Pareto/NBD and Gamma-Gamma fits, predictions, CLV), {n} customers"),
        |b| b.iter(|| clv::run(&rfm, &opts).unwrap()),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
