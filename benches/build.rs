//! Customer-table build speed: the retail-bank scenario at 1,000,000 households (about
//! 3,000,000 survey rows; issue target under 10 s), its survey and accounts built in memory
//! and on polars' streaming engine (`build --streaming`). The scenario's purchase log is
//! summarized by the CLV study, benchmarked in `clv`.

use criterion::{criterion_group, criterion_main, Criterion};
use profitchain::data::build::build_streaming;
use profitchain::data::study::Level;
use profitchain::data::{build, simulate, Study};

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("PROFITCHAIN_BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::TempDir::new().unwrap();
    let mut sim = simulate::simulate("retail-bank", 1, Some(n)).unwrap();
    simulate::write(&mut sim, dir.path()).unwrap();
    drop(sim);
    let study = Study::from_file(&dir.path().join("study.toml")).unwrap();
    let mut g = c.benchmark_group("build");
    g.sample_size(10);
    let mut tables = study.clone();
    tables.tables.retain(|t| t.level != Level::Transaction);
    g.bench_function(
        format!("survey and accounts, {n} households, in memory"),
        |b| b.iter(|| build(&tables).unwrap()),
    );
    g.bench_function(
        format!("survey and accounts, {n} households, streaming"),
        |b| b.iter(|| build_streaming(&tables).unwrap()),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
