//! Regression engine speed: one 5-term formula on 1,000,000 rows, fit + full inference +
//! diagnostics (issue target: under 1 s).

use criterion::{criterion_group, criterion_main, Criterion};
use polars::prelude::*;
use profitchain::analysis::regress::{fit_one, RegressOptions};
use profitchain::stats::CovType;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn table(n: usize) -> DataFrame {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let cols: Vec<Vec<f64>> = (0..3)
        .map(|_| (0..n).map(|_| rng.random::<f64>() * 10.0).collect())
        .collect();
    let y: Vec<f64> = (0..n)
        .map(|i| {
            1.0 + 0.5 * cols[0][i] - 0.2 * cols[1][i]
                + 0.1 * cols[0][i] * cols[2][i]
                + rng.random::<f64>()
        })
        .collect();
    DataFrame::new_infer_height(vec![
        Column::new("y".into(), y),
        Column::new("a".into(), cols[0].clone()),
        Column::new("b".into(), cols[1].clone()),
        Column::new("c".into(), cols[2].clone()),
    ])
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let df = table(1_000_000);
    let mut g = c.benchmark_group("regress");
    g.sample_size(10);
    for se in [CovType::Nonrobust, CovType::HC3] {
        let opts = RegressOptions {
            formula: "y ~ a + b + c + I(a^2) + a:c".into(),
            by: None,
            se,
            confidence: 0.95,
            id: None,
        };
        g.bench_function(format!("1e6 rows, 5 terms, {}", se.label()), |b| {
            b.iter(|| fit_one(&df, "bench", &opts, "all").unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
