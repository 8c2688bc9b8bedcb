//! PLS speed (issue #11 targets): 5,000 bootstrap resamples of the ECSI model on its 250
//! respondents; one fit on 1,000,000 respondents × 24 items; 5,000 resamples on 100,000
//! respondents (`PROFITCHAIN_BENCH_PLS_BIG=0` skips the last).

use criterion::{criterion_group, criterion_main, Criterion};
use indicatif::ProgressBar;
use profitchain::analysis::csi::{self, CsiOptions};
use profitchain::stats::pls::model::ModelFile;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn mobi() -> (Vec<String>, Vec<Vec<f64>>) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/reference/pls/mobi.csv");
    let df = profitchain::data::load::read(&path, &Default::default()).unwrap();
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let cols = names
        .iter()
        .map(|n| profitchain::data::load::f64_values(&df, n).unwrap())
        .collect();
    (names, cols)
}

/// `n` respondents drawn from the survey's rows with a little noise (so rows differ).
fn enlarge(cols: &[Vec<f64>], n: usize) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let rows = cols[0].len();
    let picks: Vec<usize> = (0..n).map(|_| rng.random_range(0..rows)).collect();
    cols.iter()
        .map(|c| {
            picks
                .iter()
                .map(|&r| c[r] + rng.random::<f64>() * 0.1)
                .collect()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/reference/pls/ecsi_model.toml"),
    )
    .unwrap();
    let model = ModelFile::parse(&text, "ecsi")
        .unwrap()
        .model("ecsi")
        .unwrap();
    let (names, cols) = mobi();
    let ordered: Vec<Vec<f64>> = model
        .items()
        .iter()
        .map(|i| cols[names.iter().position(|n| n == i).unwrap()].clone())
        .collect();
    let hidden = ProgressBar::hidden();
    let mut g = c.benchmark_group("pls");
    g.sample_size(10);
    let opts = CsiOptions {
        scale: Some([0.0, 11.0]),
        ..Default::default()
    };
    g.bench_function(
        "ECSI, 250 respondents, 5,000 resamples (+ jackknife)",
        |b| b.iter(|| csi::run(&model, &ordered, 250, 0, &opts, None, &hidden).unwrap()),
    );
    let big = enlarge(&ordered, 1_000_000);
    let once = CsiOptions {
        bootstrap: 0,
        ..opts.clone()
    };
    g.bench_function("ECSI, 1,000,000 respondents × 24 items, one fit", |b| {
        b.iter(|| csi::run(&model, &big, big[0].len(), 0, &once, None, &hidden).unwrap())
    });
    drop(big);
    if std::env::var("PROFITCHAIN_BENCH_PLS_BIG").as_deref() != Ok("0") {
        let mid = enlarge(&ordered, 100_000);
        g.bench_function("ECSI, 100,000 respondents, 5,000 resamples", |b| {
            b.iter(|| csi::run(&model, &mid, mid[0].len(), 0, &opts, None, &hidden).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
