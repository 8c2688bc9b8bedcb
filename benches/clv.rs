//! CLV speed (issue #10 targets): the RFM summary of a transaction log, the BG/NBD and
//! Gamma-Gamma fits on its tuples, and the whole `clv` analysis (fits, predictions, CLV).
//! `PROFITCHAIN_BENCH_CUSTOMERS` sets the customers (default 1,000,000; about 3
//! transactions each).

use criterion::{criterion_group, criterion_main, Criterion};
use polars::prelude::*;
use profitchain::analysis::clv::{self, ClvOptions};
use profitchain::data::transactions::{self, TimeUnit, TxSpec};
use profitchain::stats::btyd::{self, BgNbd, GammaGamma};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Purchases of `n` customers over 540 days: a first purchase in the first quarter, then
/// Poisson purchases at a gamma-distributed rate until a geometric drop-out.
fn log(n: usize) -> DataFrame {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (mut ids, mut days, mut amounts) = (Vec::new(), Vec::new(), Vec::new());
    for c in 0..n {
        let mut d = rng.random_range(0..90) as f64;
        let rate: f64 = -(rng.random::<f64>().max(1e-12)).ln() * 0.05;
        loop {
            ids.push(format!("C{c}"));
            days.push(19_358 + d as i32); // 2023-01-01
            amounts.push(5.0 + 75.0 * rng.random::<f64>());
            d += 1.0 - (rng.random::<f64>().max(1e-12)).ln() / rate.max(1e-6);
            if d > 540.0 || rng.random::<f64>() < 0.25 {
                break;
            }
        }
    }
    DataFrame::new_infer_height(vec![
        Column::new("id".into(), ids),
        Column::new("day".into(), days)
            .cast(&DataType::Date)
            .unwrap(),
        Column::new("amount".into(), amounts),
    ])
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("PROFITCHAIN_BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let df = log(n);
    let spec = TxSpec {
        id: "id".into(),
        date: "day".into(),
        amount: "amount".into(),
        date_format: None,
        unit: TimeUnit::Week,
        calibration_end: "2023-09-30".into(),
        observation_end: Some("2024-06-30".into()),
        discrete: false,
    };
    let mut g = c.benchmark_group("clv");
    g.sample_size(10);
    let rows = df.height();
    g.bench_function(format!("RFM summary, {rows} transactions"), |b| {
        b.iter(|| transactions::summarize(&df, "bench", &spec).unwrap())
    });
    let rfm = transactions::summarize(&df, "bench", &spec).unwrap();
    let tuples = transactions::rfm_tuples(&rfm).unwrap();
    let spend = transactions::spend_tuples(&rfm).unwrap();
    eprintln!(
        "{n} customers: {} distinct (x, t_x, T) tuples, {} spend tuples",
        tuples.x.len(),
        spend.x.len()
    );
    g.bench_function(format!("BG/NBD fit, {n} customers"), |b| {
        b.iter(|| btyd::fit(&BgNbd(&tuples), &[vec![1.0, 1.0, 1.0, 1.0]], 1000).unwrap())
    });
    g.bench_function(format!("Gamma-Gamma fit, {n} customers"), |b| {
        b.iter(|| btyd::fit(&GammaGamma(&spend), &[vec![1.0, 1.0, 1.0]], 1000).unwrap())
    });
    let opts = ClvOptions {
        horizon: 52.0,
        discount: 0.1,
        margin: 1.0,
        pareto: false,
    };
    g.bench_function(
        format!("clv analysis (fits, predictions, CLV), {n} customers"),
        |b| b.iter(|| clv::run(&rfm, &opts).unwrap()),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
