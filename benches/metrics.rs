//! Metrics speed: CSAT, NPS and CES over 10,000,000 survey rows in 50 groups
//! (issue target: under 5 s).

use criterion::{criterion_group, criterion_main, Criterion};
use polars::prelude::*;
use profitchain::analysis::metrics::{run, MetricsOptions, Scale};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn bench(c: &mut Criterion) {
    let n = 10_000_000;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let group: Vec<String> = (0..50).map(|g| format!("g{g:02}")).collect();
    let df = DataFrame::new_infer_height(vec![
        Column::new(
            "wave".into(),
            (0..n)
                .map(|_| group[rng.random_range(0..50)].as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "csat".into(),
            (0..n)
                .map(|_| f64::from(rng.random_range(1..=5u8)))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "ltr".into(),
            (0..n)
                .map(|_| f64::from(rng.random_range(0..=10u8)))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "effort".into(),
            (0..n)
                .map(|_| f64::from(rng.random_range(1..=7u8)))
                .collect::<Vec<_>>(),
        ),
    ])
    .unwrap();
    let opts = MetricsOptions {
        csat: Some((
            "csat".into(),
            Scale {
                low: 1.0,
                high: 5.0,
            },
        )),
        nps: Some("ltr".into()),
        ces: Some((
            "effort".into(),
            Scale {
                low: 1.0,
                high: 7.0,
            },
        )),
        csi: None,
        retained: None,
        by: Some("wave".into()),
        rollup_id: None,
        confidence: 0.95,
        defaulted_scales: vec![],
    };
    let mut g = c.benchmark_group("metrics");
    g.sample_size(10);
    g.bench_function("1e7 rows, 50 groups, CSAT+NPS+CES", |b| {
        b.iter(|| run(&df, "bench", &opts).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
