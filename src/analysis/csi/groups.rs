//! Comparing the model between two groups: a permutation test of each path difference
//! (Chin & Dibbern 2010) and MICOM step 2, compositional invariance (Henseler, Ringle &
//! Sarstedt 2016): the correlation c between each construct's scores computed with the two
//! groups' weights should not be lower than under random group assignment.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{scores, structure, CsiOptions, CsiResult};
use crate::data::load;
use crate::error::{Error, Result};
use crate::stats::bootstrap::{quantile_sorted, BootData};
use crate::stats::pls::{algorithm, CoreFit, PlsModel, Settings, Structure};

/// One path in both groups.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupPath {
    pub from: String,
    pub to: String,
    pub estimate_a: f64,
    pub estimate_b: f64,
    pub difference: f64,
    /// Share of permutations with a difference at least as large in absolute value.
    pub p_value: f64,
}

/// MICOM step 2 for one construct.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Micom {
    pub construct: String,
    /// Correlation of the scores from group A's and group B's weights (pooled data).
    pub c: f64,
    /// 5% quantile of c under permutation.
    pub quantile_05: f64,
    pub invariant: bool,
}

/// The comparison of two groups.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupComparison {
    pub group_a: String,
    pub group_b: String,
    pub n_a: usize,
    pub n_b: usize,
    pub permutations: usize,
    /// Permutations whose fit failed (skipped).
    pub failed: usize,
    pub paths: Vec<GroupPath>,
    pub micom: Vec<Micom>,
}

fn corr_of(cols: &[Vec<f64>], rows: &[usize]) -> Option<ndarray::Array2<f64>> {
    let sub: Vec<Vec<f64>> = cols
        .iter()
        .map(|c| rows.iter().map(|&r| c[r]).collect())
        .collect();
    let refs: Vec<&[f64]> = sub.iter().map(Vec::as_slice).collect();
    let r = BootData::new(&refs).ok()?.full().correlation();
    r.iter().all(|v| v.is_finite()).then_some(r)
}

/// c per block: corr(X wₐ, X w_b) on the pooled correlation matrix.
fn composite_correlations(
    r: &ndarray::Array2<f64>,
    s: &Structure,
    a: &CoreFit,
    b: &CoreFit,
) -> Vec<f64> {
    s.blocks
        .iter()
        .enumerate()
        .map(|(j, blk)| {
            let q = |u: &[f64], v: &[f64]| -> f64 {
                let mut t = 0.0;
                for (x, &i) in blk.iter().enumerate() {
                    for (y, &k) in blk.iter().enumerate() {
                        t += u[x] * r[[i, k]] * v[y];
                    }
                }
                t
            };
            let (wa, wb) = (&a.weights[j], &b.weights[j]);
            q(wa, wb) / (q(wa, wa) * q(wb, wb)).sqrt()
        })
        .collect()
}

/// Compare groups `a` and `b` (row indices into `cols`, items in block order).
#[allow(clippy::too_many_arguments)]
pub fn compare(
    model: &PlsModel,
    s: &Structure,
    settings: &Settings,
    cols: &[Vec<f64>],
    names: (&str, &str),
    a: &[usize],
    b: &[usize],
    permutations: usize,
    seed: u64,
) -> Result<GroupComparison> {
    if !(1..=100_000).contains(&permutations) {
        return Err(Error::Usage(format!(
            "--permutations {permutations}: give between 1 and 100,000 (1,000 is usual)"
        )));
    }
    let too_small = |n: usize, g: &str| {
        Error::Degenerate(format!(
            "group '{g}' has {n} respondents; comparing groups needs at least 10 in each"
        ))
    };
    if a.len() < 10 {
        return Err(too_small(a.len(), names.0));
    }
    if b.len() < 10 {
        return Err(too_small(b.len(), names.1));
    }
    let fit_rows = |rows: &[usize]| -> Option<CoreFit> {
        algorithm::fit(&corr_of(cols, rows)?, s, settings, None)
    };
    let fail = |g: &str| {
        Error::Degenerate(format!(
            "the model could not be fitted in group '{g}' (an item without variance there?)"
        ))
    };
    let fa = fit_rows(a).ok_or_else(|| fail(names.0))?;
    let fb = fit_rows(b).ok_or_else(|| fail(names.1))?;
    let pooled: Vec<usize> = a.iter().chain(b).copied().collect();
    let r_pooled = corr_of(cols, &pooled).ok_or_else(|| fail("pooled"))?;
    let diff = |x: &CoreFit, y: &CoreFit| -> Vec<f64> {
        s.edges
            .iter()
            .map(|&(i, j)| x.paths[[i, j]] - y.paths[[i, j]])
            .collect()
    };
    let observed = diff(&fa, &fb);
    let c_obs = composite_correlations(&r_pooled, s, &fa, &fb);
    // Permutation k shuffles the pooled rows with its own ChaCha8 stream.
    let perms: Vec<Option<(Vec<f64>, Vec<f64>)>> = (0..permutations)
        .into_par_iter()
        .map(|k| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(k as u64);
            let mut rows = pooled.clone();
            rows.shuffle(&mut rng);
            let (pa, pb) = rows.split_at(a.len());
            let (x, y) = (fit_rows(pa)?, fit_rows(pb)?);
            Some((diff(&x, &y), composite_correlations(&r_pooled, s, &x, &y)))
        })
        .collect();
    let ok: Vec<&(Vec<f64>, Vec<f64>)> = perms.iter().flatten().collect();
    let failed = permutations - ok.len();
    let nk = ok.len() as f64;
    let paths = s
        .edges
        .iter()
        .enumerate()
        .map(|(e, &(i, j))| GroupPath {
            from: model.constructs[i].name.clone(),
            to: model.constructs[j].name.clone(),
            estimate_a: fa.paths[[i, j]],
            estimate_b: fb.paths[[i, j]],
            difference: observed[e],
            // (1 + #extreme) / (1 + permutations): never exactly 0.
            p_value: (1.0
                + ok.iter()
                    .filter(|p| p.0[e].abs() >= observed[e].abs())
                    .count() as f64)
                / (1.0 + nk),
        })
        .collect();
    let micom = model
        .constructs
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let mut d: Vec<f64> = ok.iter().map(|p| p.1[j]).collect();
            d.sort_by(f64::total_cmp);
            let q = quantile_sorted(&d, 0.05);
            Micom {
                construct: c.name.clone(),
                c: c_obs[j],
                quantile_05: q,
                // Single-item blocks are trivially invariant (c = 1).
                invariant: c_obs[j] >= q - 1e-12,
            }
        })
        .collect();
    Ok(GroupComparison {
        group_a: names.0.into(),
        group_b: names.1.into(),
        n_a: a.len(),
        n_b: b.len(),
        permutations,
        failed,
        paths,
        micom,
    })
}

/// One group's mean indices.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupIndex {
    pub group: String,
    pub n: usize,
    /// Per construct (model order): mean index and its 95% normal-theory interval.
    pub means: Vec<f64>,
    pub ci: Vec<[f64; 2]>,
}

/// Mean 0–100 indices per group of `labels` (groups sorted by name).
pub fn group_indices(
    result: &CsiResult,
    cols: &[Vec<f64>],
    labels: &[String],
) -> Result<Vec<GroupIndex>> {
    let scores = scores(result, cols)?;
    let mut names: Vec<&String> = labels.iter().collect();
    names.sort();
    names.dedup();
    let mut out = Vec::new();
    for g in names {
        let rows: Vec<usize> = (0..labels.len()).filter(|&i| &labels[i] == g).collect();
        let n = rows.len() as f64;
        let (mut means, mut ci) = (Vec::new(), Vec::new());
        for c in &result.constructs {
            let v = load::f64_values(&scores, &c.name)?;
            let m = rows.iter().map(|&i| v[i]).sum::<f64>() / n;
            let sd = (rows.iter().map(|&i| (v[i] - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            let half = 1.959_963_984_540_054 * sd / n.sqrt();
            means.push(m);
            ci.push([m - half, m + half]);
        }
        out.push(GroupIndex {
            group: g.clone(),
            n: rows.len(),
            means,
            ci,
        });
    }
    Ok(out)
}

/// Compare every pair of groups in `labels` (sorted by name) with `permutations`
/// permutations each.
pub fn compare_groups(
    model: &PlsModel,
    cols: &[Vec<f64>],
    labels: &[String],
    opts: &CsiOptions,
    permutations: usize,
) -> Result<Vec<GroupComparison>> {
    let mut names: Vec<&String> = labels.iter().collect();
    names.sort();
    names.dedup();
    if names.len() < 2 {
        return Err(Error::Usage(format!(
            "the grouping column has {} group(s); a comparison needs at least two",
            names.len()
        )));
    }
    let s = structure(model);
    let rows = |g: &str| -> Vec<usize> { (0..labels.len()).filter(|&i| labels[i] == g).collect() };
    let mut out = Vec::new();
    for x in 0..names.len() {
        for y in (x + 1)..names.len() {
            out.push(compare(
                model,
                &s,
                &opts.settings,
                cols,
                (names[x], names[y]),
                &rows(names[x]),
                &rows(names[y]),
                permutations,
                opts.seed,
            )?);
        }
    }
    Ok(out)
}
