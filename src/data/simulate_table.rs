//! A simulated customer table of any size, written part by part (`simulate --format
//! parquet`): the brokerage scenario's customers as the builder would produce them (one
//! row per customer: id, satisfaction as the mean of 3–6 ratings, share of wallet as a
//! fraction, revenue, profit, tenure), for benchmarks and tests of the streaming paths.
//!
//! The generative model is [`super::simulate`]'s brokerage model, except that each
//! customer's segment is drawn (profitable with probability 31/81) instead of shuffled,
//! so a part needs no other part. Part `k` holds customers `k·PART + 1 …` and is drawn
//! from its own ChaCha8 stream (the seed, stream k): the same seed gives byte-identical
//! parts whatever the number of threads that write them, and memory is one part per
//! thread.

use std::path::Path;

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::simulate::{brokerage_truth, noise, rating, round_to};
use crate::error::{Error, Result};
use crate::output;

/// Customers per part file.
pub const PART: usize = 1_000_000;

/// The study file of the written table (`customers/` beside it).
const STUDY: &str = r#"# Brokerage customers (simulated, one row per customer): share of wallet as a
# fraction, profit given, segments by profit > 0. Written by `simulate --format parquet`.
name = "brokerage"

[[table]]
name = "customers"
path = "customers"

[roles]
id = "client_id"
satisfaction = "satisfaction"
share_of_wallet = "share_of_wallet"
revenue = "revenue"
profit = "profit"

[options]
satisfaction_scale = [1, 10]

[segments]
rule = "profit"
"#;

/// Customers `first .. first + n` of the table.
fn part(seed: u64, index: usize, first: usize, n: usize, width: usize) -> Result<DataFrame> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64);
    let truth = brokerage_truth();
    let mut id = Vec::with_capacity(n);
    let (mut sat, mut sow, mut rev, mut profit, mut tenure) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for i in first..first + n {
        let k = usize::from(!rng.random_bool(31.0 / 81.0));
        let t = &truth[k].1;
        let latent = t.sat_mean + noise(&mut rng, 1.2);
        let k_resp = rng.random_range(3..=6);
        let s = (0..k_resp)
            .map(|_| rating(&mut rng, latent, 1.0, 1.0, 10.0))
            .sum::<f64>()
            / k_resp as f64;
        let w = t.sow.eval(&[s]) + noise(&mut rng, t.sow.noise_sd);
        let r = t.revenue.eval(&[s, w]) + noise(&mut rng, t.revenue.noise_sd);
        let p = t.profit.eval(&[s, w, r]) + noise(&mut rng, t.profit.noise_sd);
        id.push(format!("B{:0width$}", i + 1));
        sat.push(s);
        sow.push(round_to(w, 4));
        rev.push(round_to(r, 2));
        profit.push(round_to(p, 2));
        tenure.push(rng.random_range(1..=25i64));
    }
    Ok(DataFrame::new_infer_height(vec![
        Column::new("client_id".into(), id),
        Column::new("satisfaction".into(), sat),
        Column::new("share_of_wallet".into(), sow),
        Column::new("revenue".into(), rev),
        Column::new("profit".into(), profit),
        Column::new("tenure_years".into(), tenure),
    ])?)
}

/// Write `customers` brokerage customers into `dir`: `customers/part-00000.parquet`, …
/// ([`PART`] customers each), `study.toml` and `truth.json`. Returns the parts written.
pub fn write(dir: &Path, seed: u64, customers: usize) -> Result<usize> {
    if customers < 4 {
        return Err(Error::Usage(
            "--customers must be at least 4 for brokerage".into(),
        ));
    }
    let parts_dir = dir.join("customers");
    std::fs::create_dir_all(&parts_dir).map_err(|e| Error::Write {
        path: parts_dir.clone(),
        reason: e.to_string(),
    })?;
    let parts = customers.div_ceil(PART);
    let width = customers.to_string().len().max(3);
    (0..parts).into_par_iter().try_for_each(|k| {
        let first = k * PART;
        let mut df = part(seed, k, first, PART.min(customers - first), width)?;
        output::write_table(&parts_dir.join(format!("part-{k:05}.parquet")), &mut df)
    })?;
    output::write_text(&dir.join("study.toml"), STUDY)?;
    let truth = serde_json::json!({
        "scenario": "brokerage",
        "seed": seed,
        "customers": customers,
        "generative_model": "Per client: profitable with probability 31/81; latent satisfaction ~ segment mean + N(0, 1.2); 3-6 ratings round(latent + N(0, 1)) on 1-10, satisfaction = their mean. share_of_wallet, revenue, profit follow the segment's linear equations, each with N(0, sd) noise clipped at ±2.5 sd; share of wallet rounded to 4 decimals, money to 2.",
        "segments": super::simulate::brokerage_segments(None),
    });
    let text = serde_json::to_string_pretty(&truth).map_err(|e| Error::Internal(e.to_string()))?;
    output::write_text(&dir.join("truth.json"), &(text + "\n"))?;
    Ok(parts)
}
