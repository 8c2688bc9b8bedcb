//! The hash-block bootstrap: resampling of random groups of customers, for large samples
//! and for data split into partitions.
//!
//! Customers are put into K = [`BLOCKS`] groups by a hash of their id and the seed
//! (XXH3-64, a specified hash, so the groups depend neither on row order, nor on how the
//! data is partitioned or threaded, nor on the platform). Each group's standardized
//! cross-products (Σ1, Σz, Σzzᵀ) are added up once; a resample draws K groups with
//! replacement and adds their cross-products with the drawn multiplicities, and every
//! regression of the resample comes from these sums as in the customer-level bootstrap
//! ([`crate::stats::bootstrap`]). The BCa acceleration comes from the delete-one-group
//! jackknife.
//!
//! Why it is valid: the groups are a random partition of independent customers, so their
//! sums are independent and identically distributed, and the sample moments are their
//! mean. Resampling the K group sums estimates the sampling distribution of the moments
//! as resampling the n customers does: the bootstrap variance of a moment is the same in
//! expectation, and so is the skewness of its bootstrap distribution (γ/√m for a group of
//! m customers, divided by √K, is γ/√n); smooth functions of the moments (coefficients,
//! indirect effects) follow by the delta method. This is the method of random groups of
//! survey variance estimation (Wolter 2007, *Introduction to Variance Estimation*, 2nd
//! ed., ch. 2) with the bootstrap over the groups (Efron & Tibshirani 1993, §6); the
//! design notes' "resampling of hash blocks". With K = 1,000 groups a standard error is
//! itself estimated with a relative error of about 1/√(2K) ≈ 2%, which is why it is used
//! only from [`AUTO_FROM`] customers on (or when asked for): there the customer-level
//! bootstrap costs O(n·B) while this one costs O(n + B·K).

use indicatif::ProgressBar;
use rand::distr::Uniform;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::bootstrap::{BootData, CrossProducts};
use crate::error::{Error, Result};

/// Groups (hash blocks) per segment.
pub const BLOCKS: usize = 1000;

/// From this many customers in a segment, `auto` resamples groups instead of customers.
pub const AUTO_FROM: usize = 200_000;

/// Fewest customers a segment needs for the hash-block bootstrap when it is asked for
/// (ten per group on average; below, groups would hold single customers).
pub const MIN_CUSTOMERS: usize = 10 * BLOCKS;

/// How the bootstrap resamples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Resampling {
    /// Customers below [`AUTO_FROM`] per segment, groups from there on.
    #[default]
    Auto,
    /// The customer-level (multinomial) bootstrap.
    Customers,
    /// The hash-block bootstrap over [`BLOCKS`] groups.
    Blocks,
}

impl Resampling {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Resampling::Auto),
            "customers" => Ok(Resampling::Customers),
            "blocks" => Ok(Resampling::Blocks),
            other => Err(Error::Usage(format!(
                "--resampling {other}: use auto, customers or blocks"
            ))),
        }
    }

    /// Whether a sample of `n` resamples groups; `blocks` asked for on fewer than
    /// [`MIN_CUSTOMERS`] is an error naming the segment.
    pub fn uses_blocks(self, n: usize, segment: &str) -> Result<bool> {
        match self {
            Resampling::Auto => Ok(n >= AUTO_FROM),
            Resampling::Customers => Ok(false),
            Resampling::Blocks if n < MIN_CUSTOMERS => Err(Error::Usage(format!(
                "--resampling blocks: segment '{segment}' has {n} customers; the hash-block bootstrap needs at least {MIN_CUSTOMERS} (ten per group of {BLOCKS}). Resample customers (--resampling customers or auto), which is exact and fast at this size."
            ))),
            Resampling::Blocks => Ok(true),
        }
    }
}

/// The group of each customer: XXH3-64 of the id's UTF-8 bytes with `seed`, modulo
/// [`BLOCKS`].
pub fn groups_of<'a>(ids: impl Iterator<Item = &'a str>, seed: u64) -> Vec<u32> {
    ids.map(|id| group_of(id, seed) as u32).collect()
}

/// The group of one customer id (see [`groups_of`]).
pub fn group_of(id: &str, seed: u64) -> usize {
    (xxhash_rust::xxh3::xxh3_64_with_seed(id.as_bytes(), seed) % BLOCKS as u64) as usize
}

/// Packed terms of k variables' cross-products: Σ1, Σz (k), Σzzᵀ (upper triangle).
pub fn terms(k: usize) -> usize {
    1 + k + k * (k + 1) / 2
}

/// Add one row's standardized values `z` to packed sums `s` (see [`terms`]).
pub fn add_row(s: &mut [f64], z: &[f64]) {
    let k = z.len();
    s[0] += 1.0;
    let mut idx = 1 + k;
    for a in 0..k {
        s[1 + a] += z[a];
        for b in a..k {
            s[idx] += z[a] * z[b];
            idx += 1;
        }
    }
}

/// The groups' cross-products of standardized variables.
#[derive(Debug, Clone)]
pub struct BlockData {
    /// Per group: [Σ1, Σz (k), Σzzᵀ (packed upper triangle)].
    sums: Vec<Vec<f64>>,
    k: usize,
    /// The standard deviations the variables were divided by.
    sds: Vec<f64>,
}

impl BlockData {
    /// Add up each group's cross-products (`groups[i]` is row i's group).
    pub fn new(data: &BootData, groups: &[u32]) -> Result<Self> {
        if groups.len() != data.n() {
            return Err(Error::Internal(format!(
                "{} group labels for {} rows",
                groups.len(),
                data.n()
            )));
        }
        let k = data.k();
        let mut sums = vec![vec![0.0; terms(k)]; BLOCKS];
        let mut z = vec![0.0; k];
        for (i, &g) in groups.iter().enumerate() {
            for (j, zj) in z.iter_mut().enumerate() {
                *zj = data.value(j, i);
            }
            add_row(&mut sums[g as usize], &z);
        }
        Self::from_group_sums(sums, data.sds().to_vec())
    }

    /// From each group's packed sums of variables standardized by `sds` (summed over the
    /// parts of a table elsewhere: a stream's batches, a cluster's partitions).
    pub fn from_group_sums(sums: Vec<Vec<f64>>, sds: Vec<f64>) -> Result<Self> {
        let k = sds.len();
        if sums.len() != BLOCKS || sums.iter().any(|s| s.len() != terms(k)) {
            return Err(Error::Internal(format!(
                "{} group sums for {BLOCKS} groups of {k} variables",
                sums.len()
            )));
        }
        Ok(BlockData { sums, k, sds })
    }

    fn cross_products(&self, sums: &[f64]) -> CrossProducts {
        CrossProducts::from_packed(self.k, &self.sds, sums)
    }

    /// Cross-products of the whole sample.
    pub fn full(&self) -> CrossProducts {
        let mut total = vec![0.0; terms(self.k)];
        for s in &self.sums {
            for (t, v) in total.iter_mut().zip(s) {
                *t += v;
            }
        }
        self.cross_products(&total)
    }

    /// `stat` on `b` resamples of the groups; resample r draws K groups with replacement
    /// from its own ChaCha8 stream (`seed`, stream r), so the draws depend on neither the
    /// thread count nor the order the resamples are computed in.
    pub fn resample<S>(
        &self,
        b: usize,
        seed: u64,
        stat: &S,
        progress: &ProgressBar,
    ) -> Vec<Vec<f64>>
    where
        S: Fn(&CrossProducts) -> Option<Vec<f64>> + Sync,
    {
        let width = stat(&self.full()).map_or(0, |v| v.len());
        let terms = terms(self.k);
        let Ok(uniform) = Uniform::new(0, BLOCKS as u32) else {
            return vec![vec![f64::NAN; width]; b];
        };
        (0..b)
            .into_par_iter()
            .map(|r| {
                if crate::progress::cancelled() {
                    return vec![f64::NAN; width];
                }
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(r as u64);
                let mut counts = vec![0u32; BLOCKS];
                for _ in 0..BLOCKS {
                    counts[uniform.sample(&mut rng) as usize] += 1;
                }
                let mut total = vec![0.0; terms];
                for (c, s) in counts.iter().zip(&self.sums) {
                    if *c > 0 {
                        let c = *c as f64;
                        for (t, v) in total.iter_mut().zip(s) {
                            *t += c * v;
                        }
                    }
                }
                progress.inc(1);
                stat(&self.cross_products(&total)).unwrap_or_else(|| vec![f64::NAN; width])
            })
            .collect()
    }

    /// `stat` with each non-empty group left out in turn (the BCa acceleration's jackknife).
    pub fn jackknife<S>(&self, stat: &S) -> Vec<Vec<f64>>
    where
        S: Fn(&CrossProducts) -> Option<Vec<f64>> + Sync,
    {
        let full = self.full();
        let total = full.packed();
        let width = stat(&full).map_or(0, |v| v.len());
        self.sums
            .par_iter()
            .filter(|s| s[0] > 0.0)
            .map(|s| {
                let rest: Vec<f64> = total.iter().zip(s).map(|(t, v)| t - v).collect();
                stat(&self.cross_products(&rest)).unwrap_or_else(|| vec![f64::NAN; width])
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn sample(n: usize, seed: u64) -> (Vec<String>, Vec<Vec<f64>>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let ids: Vec<String> = (0..n).map(|i| format!("C{i:07}")).collect();
        let x: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 10.0).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|v| 2.0 + 0.5 * v + rng.random::<f64>())
            .collect();
        (ids, vec![x, y])
    }

    fn slope(cp: &CrossProducts) -> Option<Vec<f64>> {
        let r = cp.correlation();
        Some(vec![r[[0, 1]]])
    }

    #[test]
    fn group_sums_add_up_to_the_whole_sample() {
        let (ids, cols) = sample(10_000, 1);
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let bd = BootData::new(&refs).unwrap();
        let groups = groups_of(ids.iter().map(String::as_str), 7);
        let blocks = BlockData::new(&bd, &groups).unwrap();
        let (a, b) = (
            slope(&blocks.full()).unwrap()[0],
            slope(&bd.full()).unwrap()[0],
        );
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        assert!(groups.iter().all(|g| (*g as usize) < BLOCKS));
    }

    /// The groups follow the ids, not the rows: shuffled rows give the same resamples.
    #[test]
    fn resamples_do_not_depend_on_row_order() {
        let (ids, cols) = sample(20_000, 2);
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let bd = BootData::new(&refs).unwrap();
        let a = BlockData::new(&bd, &groups_of(ids.iter().map(String::as_str), 3)).unwrap();
        let order: Vec<usize> = (0..ids.len()).rev().collect();
        let ids2: Vec<&str> = order.iter().map(|&i| ids[i].as_str()).collect();
        let cols2: Vec<Vec<f64>> = cols
            .iter()
            .map(|c| order.iter().map(|&i| c[i]).collect())
            .collect();
        let refs2: Vec<&[f64]> = cols2.iter().map(Vec::as_slice).collect();
        let bd2 = BootData::new(&refs2).unwrap();
        let b = BlockData::new(&bd2, &groups_of(ids2.into_iter(), 3)).unwrap();
        let pb = ProgressBar::hidden();
        let (ra, rb) = (
            a.resample(200, 9, &slope, &pb),
            b.resample(200, 9, &slope, &pb),
        );
        for (x, y) in ra.iter().zip(&rb) {
            assert!((x[0] - y[0]).abs() < 1e-12, "{} vs {}", x[0], y[0]);
        }
    }

    /// The groups' bootstrap standard error of a correlation agrees with the customers'.
    #[test]
    fn standard_errors_agree_with_the_customer_bootstrap() {
        let (ids, cols) = sample(100_000, 4);
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let bd = BootData::new(&refs).unwrap();
        let blocks = BlockData::new(&bd, &groups_of(ids.iter().map(String::as_str), 5)).unwrap();
        let pb = ProgressBar::hidden();
        let sd = |d: &[Vec<f64>]| {
            let m = d.iter().map(|v| v[0]).sum::<f64>() / d.len() as f64;
            (d.iter().map(|v| (v[0] - m).powi(2)).sum::<f64>() / (d.len() - 1) as f64).sqrt()
        };
        let by_groups = sd(&blocks.resample(2000, 11, &slope, &pb));
        let by_customers = sd(&crate::stats::bootstrap::resample(
            &bd, 2000, 11, &slope, &pb,
        ));
        // Monte Carlo error of each SE ≈ 1/√(2·2000) ≈ 1.6%, the groups' own ≈ 2.2%.
        assert!(
            (by_groups / by_customers - 1.0).abs() < 0.10,
            "{by_groups} vs {by_customers}"
        );
    }
}
