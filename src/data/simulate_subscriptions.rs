//! Simulated subscription tables with known sBG truth, for the samples and the tests that
//! must recover it.
//!
//! As in the shifted-beta-geometric model's story (Fader & Hardie 2007, *JIM* 21(1)):
//! customer i has a churn probability θᵢ ~ Beta(αᵢ, βᵢ), the same at every renewal; they
//! renew each period with probability 1 − θᵢ and leave at the first renewal they decline.
//! A covariate zᵢ scales the heterogeneity as the individual-level sBG does:
//! αᵢ = α·exp(γ_α·zᵢ), βᵢ = β·exp(γ_β·zᵢ). Starts fall uniformly over `entry_days`
//! before the observation date; an end on or before it is written, later ends are blank
//! (still active).

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution};
use serde::Serialize;

use crate::error::{Error, Result};

/// The truth of a simulated subscription table.
#[derive(Debug, Clone, Serialize)]
pub struct SubscriptionTruth {
    /// sBG α and β at z = 0.
    pub sbg: [f64; 2],
    /// γ_α and γ_β: the covariate's effects on α and β.
    pub gamma: [f64; 2],
    /// Days per period (e.g. 365.25 / 12 for months).
    pub days_per_period: f64,
    /// The observation date as days since 1970-01-01, and the days before it over which
    /// customers start.
    pub as_of: i32,
    pub entry_days: i32,
    /// Share of the customers who hold a subscription at all (the rest have no row).
    pub holders: f64,
}

/// One row per subscriber (`id`, `start`, `end`: dates, `end` null while active), from
/// `ids` with covariate `z` (in `ids` order), reproducible from `seed`.
pub fn simulate(
    ids: &[String],
    z: &[f64],
    truth: &SubscriptionTruth,
    seed: u64,
) -> Result<DataFrame> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut id, mut start, mut end) = (Vec::new(), Vec::new(), Vec::new());
    for (i, name) in ids.iter().enumerate() {
        let zi = z.get(i).copied().unwrap_or(0.0);
        let holds = rng.random::<f64>() < truth.holders;
        let a = truth.sbg[0] * (truth.gamma[0] * zi).exp();
        let b = truth.sbg[1] * (truth.gamma[1] * zi).exp();
        let theta = Beta::new(a, b)
            .map_err(|e| Error::Internal(format!("distribution: {e}")))?
            .sample(&mut rng);
        let s = truth.as_of - rng.random_range(1..=truth.entry_days);
        // Renewals until the first one declined (at most what the window can show).
        let most = (f64::from(truth.as_of - s) / truth.days_per_period).ceil() as usize + 1;
        let mut t = 1usize;
        while t <= most && rng.random::<f64>() >= theta {
            t += 1;
        }
        if !holds {
            continue;
        }
        let e = s + (t as f64 * truth.days_per_period).round() as i32;
        id.push(name.clone());
        start.push(s);
        end.push((e <= truth.as_of).then_some(e));
    }
    let df = df!("id" => id, "start" => start, "end" => end)?
        .lazy()
        .with_columns([
            col("start").cast(DataType::Date),
            col("end").cast(DataType::Date),
        ])
        .collect()?;
    Ok(df)
}
