//! The 0–100 construct indices (the ACSI convention; Fornell et al. 1996) and the
//! importance–performance map (IPMA; Ringle & Sarstedt 2016).
//!
//! Index: each item is rescaled from its declared scale [lo, hi] to 0–100; a construct's
//! index is the weighted sum of its rescaled items with the unstandardized outer weights
//! (standardized weight / item SD) normalized to sum 1. IPMA: a construct's importance for
//! the target is its total effect on the target in index points per index point (the
//! standardized total effect × SD(target index) / SD(construct index)); its performance is
//! its mean index. An item's importance is its index weight times its construct's
//! importance; its performance its mean rescaled value.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::moments::Sums;
use crate::stats::pls::{CoreFit, PlsModel, Structure};

/// One row of the importance–performance map.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IpmaRow {
    /// Construct or item.
    pub name: String,
    /// The construct an item belongs to (constructs: themselves).
    pub construct: String,
    pub importance: f64,
    pub performance: f64,
}

/// What the indices and the importance–performance map need of the items (in block
/// order): the number of respondents, the means, the covariance matrix (divisor n − 1) and
/// the observed range. From the item columns in memory, or from additive sums of a stream.
#[derive(Debug, Clone)]
pub struct ItemMoments {
    pub n: f64,
    pub mean: Vec<f64>,
    pub cov: Array2<f64>,
    /// Smallest and largest item value.
    pub range: [f64; 2],
}

impl ItemMoments {
    /// From complete item columns (two passes: the means, then the centred products).
    pub fn of_columns(cols: &[Vec<f64>]) -> Self {
        let p = cols.len();
        let n = cols.first().map_or(0, Vec::len) as f64;
        let mean: Vec<f64> = cols.iter().map(|c| c.iter().sum::<f64>() / n).collect();
        let cov = Array2::from_shape_fn((p, p), |(a, b)| {
            cols[a]
                .iter()
                .zip(&cols[b])
                .map(|(x, y)| (x - mean[a]) * (y - mean[b]))
                .sum::<f64>()
                / (n - 1.0)
        });
        let lo = cols.iter().flatten().copied().fold(f64::INFINITY, f64::min);
        let hi = cols
            .iter()
            .flatten()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        ItemMoments {
            n,
            mean,
            cov,
            range: [lo, hi],
        }
    }

    /// From shifted sums of the items ([`Sums`]) and their observed range.
    pub fn of_sums(s: &Sums, range: [f64; 2]) -> Self {
        let p = s.shift.len();
        let n = s.n;
        let mean = (0..p).map(|j| s.shift[j] + s.sum[j] / n).collect();
        let cov = Array2::from_shape_fn((p, p), |(a, b)| {
            (s.cross[a][b] - s.sum[a] * s.sum[b] / n) / (n - 1.0)
        });
        ItemMoments {
            n,
            mean,
            cov,
            range,
        }
    }

    fn sd(&self, i: usize) -> f64 {
        self.cov[[i, i]].sqrt()
    }

    /// Mean and standard deviation of Σₐ wₐ·xᵢₐ over the items `block`.
    fn combination(&self, block: &[usize], w: &[f64]) -> (f64, f64) {
        let mean = block.iter().zip(w).map(|(&i, a)| a * self.mean[i]).sum();
        let mut var = 0.0;
        for (&i, a) in block.iter().zip(w) {
            for (&k, b) in block.iter().zip(w) {
                var += a * b * self.cov[[i, k]];
            }
        }
        (mean, var.max(0.0).sqrt())
    }
}

/// The scale used, the index weights per block, and each construct's index mean and SD
/// over respondents.
pub type Indices = ([f64; 2], Vec<Vec<f64>>, Vec<(f64, f64)>);

/// The 0–100 indices of every construct (see the module documentation): a construct's
/// index is a weighted sum of its rescaled items, so its mean and SD follow from the
/// items' means and covariances.
pub fn index_scores(
    m: &ItemMoments,
    s: &Structure,
    fit: &CoreFit,
    scale: Option<[f64; 2]>,
) -> Result<Indices> {
    let [lo, hi] = scale.unwrap_or(m.range);
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return Err(Error::Usage(format!(
            "item scale [{lo}, {hi}]: give --scale LOW,HIGH with LOW < HIGH"
        )));
    }
    if let Some(v) = m.range.iter().find(|v| **v < lo || **v > hi) {
        return Err(Error::InvalidData(format!(
            "an item value {v} lies outside the declared scale [{lo}, {hi}]; fix the data or --scale"
        )));
    }
    let unit = 100.0 / (hi - lo);
    let mut weights = Vec::new();
    let mut indices = Vec::new();
    for (j, b) in s.blocks.iter().enumerate() {
        let u: Vec<f64> = b
            .iter()
            .enumerate()
            .map(|(a, &i)| fit.weights[j][a] / m.sd(i))
            .collect();
        let sum: f64 = u.iter().sum();
        if sum == 0.0 || !sum.is_finite() {
            return Err(Error::Degenerate(format!(
                "block {} has unstandardized weights that sum to 0; its index is undefined",
                j + 1
            )));
        }
        let w: Vec<f64> = u.iter().map(|v| v / sum).collect();
        // The weights sum to 1, so the index is Σ wₐ(xₐ − lo)·100/(hi − lo).
        let (mean, sd) = m.combination(b, &w);
        indices.push(((mean - lo) * unit, sd * unit));
        weights.push(w);
    }
    Ok(([lo, hi], weights, indices))
}

/// IPMA rows for constructs and items with respect to construct `target`.
#[allow(clippy::too_many_arguments)]
pub fn ipma(
    model: &PlsModel,
    s: &Structure,
    total: &Array2<f64>,
    indices: &[(f64, f64)],
    m: &ItemMoments,
    index_weights: &[Vec<f64>],
    [lo, hi]: [f64; 2],
    target: usize,
) -> (Vec<IpmaRow>, Vec<IpmaRow>) {
    let (_, sd_t) = indices[target];
    let (mut constructs, mut items) = (Vec::new(), Vec::new());
    for (j, c) in model.constructs.iter().enumerate() {
        if j == target || total[[j, target]] == 0.0 {
            continue;
        }
        let (perf, sd_j) = indices[j];
        let importance = total[[j, target]] * sd_t / sd_j;
        constructs.push(IpmaRow {
            name: c.name.clone(),
            construct: c.name.clone(),
            importance,
            performance: perf,
        });
        for (a, &i) in s.blocks[j].iter().enumerate() {
            let mean = m.mean[i];
            items.push(IpmaRow {
                name: c.items[a].clone(),
                construct: c.name.clone(),
                importance: index_weights[j][a] * importance,
                performance: (mean - lo) / (hi - lo) * 100.0,
            });
        }
    }
    (constructs, items)
}
