//! Chain-study speed: the brokerage scenario at 100,000 customers (three segments: all,
//! profitable, unprofitable), the full serial model bootstrapped 5,000 times per segment
//! with BCa (jackknife) intervals. Issue target: under 3 s. Set
//! `PROFITCHAIN_BENCH_CUSTOMERS=1000000` for the 1,000,000-customer target (30 s).
//!
//! `bootstrap core` isolates the resampling engine: 5,000 resamples of the four chain
//! variables of every customer, as the `all` segment does.

use criterion::{criterion_group, criterion_main, Criterion};
use indicatif::ProgressBar;
use profitchain::analysis::chain::{self, ChainOptions};
use profitchain::data::{build, simulate, Study};
use profitchain::stats::bootstrap::{self, BootData, CrossProducts};

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("PROFITCHAIN_BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::TempDir::new().unwrap();
    let mut sim = simulate::simulate("brokerage", 1, Some(n)).unwrap();
    simulate::write(&mut sim, dir.path()).unwrap();
    drop(sim);
    let study = Study::from_file(&dir.path().join("study.toml")).unwrap();
    let table = build(&study).unwrap();
    let opts = ChainOptions {
        bootstrap: 5000,
        ..Default::default()
    };

    let mut g = c.benchmark_group("chain");
    g.sample_size(10);
    g.bench_function(format!("{n} customers, 3 segments, 5000 resamples"), |b| {
        b.iter(|| chain::run(&table, &opts).unwrap())
    });

    let cols: Vec<Vec<f64>> = ["satisfaction", "share_of_wallet", "revenue", "profit"]
        .iter()
        .map(|v| {
            let s = table
                .df
                .column(v)
                .unwrap()
                .cast(&polars::prelude::DataType::Float64);
            let s = s.unwrap();
            s.f64().unwrap().into_no_null_iter().collect()
        })
        .collect();
    let slices: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
    let data = BootData::new(&slices).unwrap();
    let stat = |cp: &CrossProducts| cp.slopes(3, &[0, 1, 2]);
    g.bench_function(format!("bootstrap core, {n} rows x 5000"), |b| {
        b.iter(|| bootstrap::resample(&data, 5000, 1, &stat, &ProgressBar::hidden()))
    });
    g.bench_function(format!("jackknife, {n} rows"), |b| {
        b.iter(|| bootstrap::jackknife(&data, &stat))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
