//! `segments` speed (issue target: a tree over 6 partitioning variables at 100,000
//! customers, depth 3, under 2 s). The case of the partykit reference, generated at
//! 100,000 customers: share of wallet on satisfaction, differing by tenure (split at 10)
//! and, among long-tenure customers, by region; income, age, channel and satisfaction
//! itself as further partitioning variables.

use criterion::{criterion_group, criterion_main, Criterion};
use polars::prelude::*;
use profitchain::analysis::segments::{self, TreeOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

fn table(n: usize) -> DataFrame {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let noise = Normal::new(0.0, 0.05).unwrap();
    let regions = ["east", "north", "south", "west"];
    let channels = ["branch", "online", "phone"];
    let (mut sat, mut ten, mut inc, mut age, mut reg, mut ch, mut y) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..n {
        let s = ((1.0 + 9.0 * rng.random::<f64>()) * 10.0).round() / 10.0;
        let t = rng.random_range(0..31) as f64;
        let r = regions[rng.random_range(0..4)];
        let (a, b) = if t <= 10.0 {
            (0.2, 0.02)
        } else if r == "north" || r == "east" {
            (0.1, 0.06)
        } else {
            (0.3, 0.01)
        };
        sat.push(s);
        ten.push(t);
        inc.push(20.0 + 150.0 * rng.random::<f64>());
        age.push(rng.random_range(20..76) as f64);
        reg.push(r);
        ch.push(channels[rng.random_range(0..3)]);
        y.push(a + b * s + noise.sample(&mut rng));
    }
    df!("satisfaction" => sat, "tenure" => ten, "income" => inc, "age" => age,
        "region" => reg, "channel" => ch, "share_of_wallet" => y)
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let df = table(100_000);
    let by: Vec<String> = [
        "tenure",
        "income",
        "age",
        "region",
        "channel",
        "satisfaction",
    ]
    .map(String::from)
    .to_vec();
    let opts = TreeOptions {
        maxdepth: 3,
        ..Default::default()
    };
    let mut g = c.benchmark_group("segments");
    g.sample_size(10);
    g.bench_function("tree, 100,000 customers, 6 variables, depth 3", |b| {
        b.iter(|| {
            segments::run(
                &df,
                "bench",
                &["share_of_wallet ~ satisfaction".to_string()],
                &by,
                &opts,
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
