//! Each segment's fitted chain as the scenarios use it: the coefficients that carry a
//! change in satisfaction to share of wallet, revenue and profit, at the estimate and in
//! every bootstrap resample of the chain (the same resamples as `chain`: the segment's
//! seed, customers or hash blocks as `chain` chooses).
//!
//! The coefficient vector θ: the share-of-wallet equation's terms that move with
//! satisfaction (satisfaction; satisfaction² with `quadratic`; satisfaction × each
//! moderator), then revenue's a2 (satisfaction) and d21 (share of wallet), then profit's c'
//! (satisfaction), b1 (share of wallet) and b2 (revenue) — Hayes' model 6 with the chain's
//! covariates in every equation, as [`crate::analysis::chain`] fits it.

use indicatif::ProgressBar;
use polars::prelude::*;

use crate::analysis::chain::{self, ChainOptions};
use crate::data::build::cols;
use crate::data::load;
use crate::error::Result;
use crate::stats::blocks::BlockData;
use crate::stats::bootstrap::{self, BootData, CrossProducts};

/// Where each coefficient sits in θ.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub quadratic: bool,
    pub moderators: usize,
    /// Attribute ratings of the key-driver regression (satisfaction on the attributes),
    /// whose slopes follow b2 in θ (0 without driver scenarios).
    pub attributes: usize,
}

/// Whether a resample's θ could be fitted.
pub fn fitted(theta: &[f64]) -> bool {
    theta.iter().all(|v| v.is_finite())
}

impl Layout {
    /// Terms of the share-of-wallet equation that move with satisfaction.
    pub fn m1(&self) -> usize {
        1 + usize::from(self.quadratic) + self.moderators
    }
    pub fn a2(&self) -> usize {
        self.m1()
    }
    pub fn d21(&self) -> usize {
        self.m1() + 1
    }
    pub fn c(&self) -> usize {
        self.m1() + 2
    }
    pub fn b1(&self) -> usize {
        self.m1() + 3
    }
    pub fn b2(&self) -> usize {
        self.m1() + 4
    }
    /// The key-driver slope of attribute `j`.
    pub fn attribute(&self, j: usize) -> usize {
        self.m1() + 5 + j
    }
    /// Length of θ.
    pub fn width(&self) -> usize {
        self.m1() + 5 + self.attributes
    }
}

/// One segment's customers and coefficients.
pub struct SegmentModel {
    pub name: String,
    /// Rows of the segment in the customer table.
    pub rows: Vec<usize>,
    pub satisfaction: Vec<f64>,
    pub share_of_wallet: Vec<f64>,
    /// Each moderator's values (chain order).
    pub moderators: Vec<Vec<f64>>,
    /// Each attribute's values (key-driver order).
    pub attributes: Vec<Vec<f64>>,
    /// Observed satisfaction [min, max] in the segment.
    pub range: [f64; 2],
    /// Mean profit per customer.
    pub mean_profit: f64,
    pub theta: Vec<f64>,
    /// θ of every resample, in resample order (NaN where it could not be fitted).
    pub draws: Vec<Vec<f64>>,
    /// The resamples drew hash blocks of customers.
    pub blocks: bool,
    /// With retention per customer: each customer's discounted weight for each year of the
    /// horizon (`years_len` per customer, in segment order); empty otherwise.
    pub years: Vec<f64>,
    pub years_len: usize,
}

impl SegmentModel {
    /// Customer i's discounted year weights (empty with one rate for everyone).
    pub fn year_weights(&self, i: usize) -> &[f64] {
        &self.years[i * self.years_len..(i + 1) * self.years_len]
    }
}

/// θ from a resample's cross-products. Columns: satisfaction, share of wallet, revenue,
/// profit, the covariates, then satisfaction² (quadratic), the moderators, satisfaction ×
/// each moderator, and the attributes.
fn theta(cp: &CrossProducts, layout: Layout, n_cov: usize) -> Option<Vec<f64>> {
    let covs: Vec<usize> = (4..4 + n_cov).collect();
    let mut next = 4 + n_cov;
    let mut xs = vec![0];
    if layout.quadratic {
        xs.push(next);
        next += 1;
    }
    let mods: Vec<usize> = (next..next + layout.moderators).collect();
    let products: Vec<usize> = (next + layout.moderators..next + 2 * layout.moderators).collect();
    for (m, p) in mods.iter().zip(&products) {
        xs.push(*m);
        xs.push(*p);
    }
    xs.extend(&covs);
    let m1 = cp.slopes(1, &xs)?;
    let mut th = vec![m1[0]];
    if layout.quadratic {
        th.push(m1[1]);
    }
    let first = 1 + usize::from(layout.quadratic);
    for k in 0..layout.moderators {
        th.push(m1[first + 2 * k + 1]);
    }
    let with = |base: &[usize]| -> Vec<usize> { base.iter().chain(&covs).copied().collect() };
    let m2 = cp.slopes(2, &with(&[0, 1]))?;
    let y = cp.slopes(3, &with(&[0, 1, 2]))?;
    th.extend([m2[0], m2[1], y[0], y[1], y[2]]);
    if layout.attributes > 0 {
        let first = 4 + n_cov + usize::from(layout.quadratic) + 2 * layout.moderators;
        let attrs: Vec<usize> = (first..first + layout.attributes).collect();
        th.extend(cp.slopes(0, &attrs)?);
    }
    Some(th)
}

/// Fit segment `name` (rows `rows` of `df`; `index`: its place in the chain's segment
/// order, `all` first, which sets its bootstrap seed) and draw its resamples; with
/// `attributes`, the key-driver regression of satisfaction on them in the same resamples.
pub fn fit(
    name: &str,
    index: usize,
    df: &DataFrame,
    rows: Vec<usize>,
    opts: &ChainOptions,
    attributes: &[String],
    progress: &ProgressBar,
) -> Result<SegmentModel> {
    let layout = Layout {
        quadratic: opts.quadratic,
        moderators: opts.moderators.len(),
        attributes: attributes.len(),
    };
    let idx = IdxCa::from_vec("rows".into(), rows.iter().map(|&r| r as IdxSize).collect());
    let seg = df.take(&idx)?;
    let mut columns: Vec<Vec<f64>> = [cols::SATISFACTION, cols::SOW, cols::REVENUE, cols::PROFIT]
        .iter()
        .map(|c| load::f64_values(&seg, c))
        .collect::<Result<_>>()?;
    for c in &opts.covariates {
        columns.push(load::f64_values(&seg, c)?);
    }
    let sat = columns[0].clone();
    if layout.quadratic {
        columns.push(sat.iter().map(|s| s * s).collect());
    }
    let moderators: Vec<Vec<f64>> = opts
        .moderators
        .iter()
        .map(|m| load::f64_values(&seg, m))
        .collect::<Result<_>>()?;
    columns.extend(moderators.iter().cloned());
    for m in &moderators {
        columns.push(sat.iter().zip(m).map(|(s, v)| s * v).collect());
    }
    let attribute_values: Vec<Vec<f64>> = attributes
        .iter()
        .map(|a| load::f64_values(&seg, a))
        .collect::<Result<_>>()?;
    if let Some((a, _)) = attributes
        .iter()
        .zip(&attribute_values)
        .find(|(_, v)| v.iter().any(|x| !x.is_finite()))
    {
        return Err(crate::Error::InvalidData(format!(
            "segment '{name}': attribute '{a}' has customers without a rating; a driver scenario needs every customer's ratings (fill them, or leave the driver out)"
        )));
    }
    columns.extend(attribute_values.iter().cloned());
    let slices: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
    let bd = BootData::new(&slices)?;
    let n_cov = opts.covariates.len();
    let stat = |cp: &CrossProducts| theta(cp, layout, n_cov);
    let point = stat(&bd.full()).ok_or_else(|| {
        crate::Error::Degenerate(format!(
            "segment '{name}': the chain's equations are singular (a variable without variance, or collinear covariates)"
        ))
    })?;
    let seed = chain::segment_seed(opts, index);
    let blocks = opts.bootstrap > 0 && opts.resampling.uses_blocks(bd.n(), name)?;
    let raw = if blocks {
        let groups = chain::block_groups(&seg, opts, seed)?;
        BlockData::new(&bd, &groups)?.resample(opts.bootstrap, seed, &stat, progress)
    } else if opts.bootstrap > 0 {
        bootstrap::resample(&bd, opts.bootstrap, seed, &stat, progress)
    } else {
        Vec::new()
    };
    let draws: Vec<Vec<f64>> = raw
        .into_iter()
        .map(|d| {
            if d.len() == layout.width() && d.iter().all(|v| v.is_finite()) {
                d
            } else {
                vec![f64::NAN; layout.width()]
            }
        })
        .collect();
    let range = sat
        .iter()
        .fold([f64::INFINITY, f64::NEG_INFINITY], |r, &s| {
            [r[0].min(s), r[1].max(s)]
        });
    let mean_profit = columns[3].iter().sum::<f64>() / columns[3].len().max(1) as f64;
    Ok(SegmentModel {
        name: name.to_string(),
        rows,
        mean_profit,
        share_of_wallet: columns[1].clone(),
        satisfaction: sat,
        moderators,
        attributes: attribute_values,
        range,
        theta: point,
        draws,
        blocks,
        years: Vec::new(),
        years_len: 0,
    })
}
