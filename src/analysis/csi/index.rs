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

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (
        m,
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt(),
    )
}

/// The scale used, the index weights per block, and each construct's index per respondent.
pub type Indices = ([f64; 2], Vec<Vec<f64>>, Vec<Vec<f64>>);

/// The 0–100 indices of every construct (see the module documentation).
pub fn index_scores(
    cols: &[Vec<f64>],
    s: &Structure,
    fit: &CoreFit,
    scale: Option<[f64; 2]>,
) -> Result<Indices> {
    let [lo, hi] = scale.unwrap_or_else(|| {
        let lo = cols.iter().flatten().copied().fold(f64::INFINITY, f64::min);
        let hi = cols
            .iter()
            .flatten()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        [lo, hi]
    });
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return Err(Error::Usage(format!(
            "item scale [{lo}, {hi}]: give --scale LOW,HIGH with LOW < HIGH"
        )));
    }
    if let Some(v) = cols.iter().flatten().find(|v| **v < lo || **v > hi) {
        return Err(Error::InvalidData(format!(
            "an item value {v} lies outside the declared scale [{lo}, {hi}]; fix the data or --scale"
        )));
    }
    let n = cols.first().map_or(0, Vec::len);
    let mut weights = Vec::new();
    let mut scores = Vec::new();
    for (j, b) in s.blocks.iter().enumerate() {
        let u: Vec<f64> = b
            .iter()
            .enumerate()
            .map(|(a, &i)| fit.weights[j][a] / mean_sd(&cols[i]).1)
            .collect();
        let sum: f64 = u.iter().sum();
        if sum == 0.0 || !sum.is_finite() {
            return Err(Error::Degenerate(format!(
                "block {} has unstandardized weights that sum to 0; its index is undefined",
                j + 1
            )));
        }
        let w: Vec<f64> = u.iter().map(|v| v / sum).collect();
        let sc: Vec<f64> = (0..n)
            .map(|r| {
                b.iter()
                    .enumerate()
                    .map(|(a, &i)| w[a] * (cols[i][r] - lo) / (hi - lo) * 100.0)
                    .sum()
            })
            .collect();
        weights.push(w);
        scores.push(sc);
    }
    Ok(([lo, hi], weights, scores))
}

/// IPMA rows for constructs and items with respect to construct `target`.
#[allow(clippy::too_many_arguments)]
pub fn ipma(
    model: &PlsModel,
    s: &Structure,
    total: &Array2<f64>,
    scores: &[Vec<f64>],
    cols: &[Vec<f64>],
    index_weights: &[Vec<f64>],
    [lo, hi]: [f64; 2],
    target: usize,
) -> (Vec<IpmaRow>, Vec<IpmaRow>) {
    let (_, sd_t) = mean_sd(&scores[target]);
    let (mut constructs, mut items) = (Vec::new(), Vec::new());
    for (j, c) in model.constructs.iter().enumerate() {
        if j == target || total[[j, target]] == 0.0 {
            continue;
        }
        let (perf, sd_j) = mean_sd(&scores[j]);
        let importance = total[[j, target]] * sd_t / sd_j;
        constructs.push(IpmaRow {
            name: c.name.clone(),
            construct: c.name.clone(),
            importance,
            performance: perf,
        });
        for (a, &i) in s.blocks[j].iter().enumerate() {
            let (m, _) = mean_sd(&cols[i]);
            items.push(IpmaRow {
                name: c.items[a].clone(),
                construct: c.name.clone(),
                importance: index_weights[j][a] * importance,
                performance: (m - lo) / (hi - lo) * 100.0,
            });
        }
    }
    (constructs, items)
}
