//! The satisfaction-index study: a PLS path model of multi-item survey data (ECSI/ACSI
//! style) with bootstrap inference, reliability and validity, 0–100 construct indices and
//! importance–performance (IPMA).

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::blocks::{BlockData, Resampling, BLOCKS};
use crate::stats::bootstrap::{self, BootData, CrossProducts, Interval};
use crate::stats::pls::quality::{self, Reliability};
use crate::stats::pls::{algorithm, PlsModel, Settings, Structure};

mod data;
pub mod groups;
mod index;
pub mod parts;

pub use data::{block_groups, prepare, read_model_and_data, Prepared};
pub use groups::{compare_groups, group_indices, GroupIndex};
pub use index::{index_scores, IpmaRow, ItemMoments};

/// Missing-value handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    /// Respondents with any missing item are left out (counted).
    #[default]
    Casewise,
    /// Missing items are replaced by the item's mean (cells counted).
    Mean,
}

/// Options of a CSI run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CsiOptions {
    pub settings: Settings,
    /// Bootstrap resamples (0: none).
    pub bootstrap: usize,
    pub seed: u64,
    pub confidence: f64,
    pub missing: Missing,
    /// Declared item scale [low, high] for the 0–100 indices (None: the observed range).
    pub scale: Option<[f64; 2]>,
    /// IPMA target construct (None: Loyalty, else Satisfaction, else the last construct).
    pub target: Option<String>,
    /// Consistent PLS (PLSc) for the paths, R² and loadings of reflective blocks.
    #[serde(default)]
    pub consistent: bool,
    /// How the bootstrap resamples: respondents (`customers`), hash blocks of their ids
    /// (`blocks`), or `auto` (blocks from [`crate::stats::blocks::AUTO_FROM`] respondents
    /// when an id column is given).
    #[serde(default)]
    pub resampling: Resampling,
}

impl Default for CsiOptions {
    fn default() -> Self {
        CsiOptions {
            settings: Settings::default(),
            bootstrap: 5000,
            seed: crate::analysis::chain::DEFAULT_SEED,
            confidence: 0.95,
            missing: Missing::Casewise,
            scale: None,
            target: None,
            consistent: false,
            resampling: Resampling::Auto,
        }
    }
}

/// An item of a block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemResult {
    pub item: String,
    /// Standardized outer weight.
    pub weight: Interval,
    /// Loading (correlation with its construct).
    pub loading: Interval,
    /// Weight in the 0–100 index: unstandardized weight, normalized to sum 1 in the block.
    pub index_weight: f64,
}

/// A construct.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConstructResult {
    pub name: String,
    pub mode: crate::stats::pls::Mode,
    pub items: Vec<ItemResult>,
    pub r_squared: Option<f64>,
    pub adj_r_squared: Option<f64>,
    pub reliability: Reliability,
    /// Mean 0–100 index and its 95% normal-theory interval over respondents.
    pub index_mean: f64,
    pub index_ci: [f64; 2],
}

/// An effect between constructs with bootstrap inference.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Effect {
    pub from: String,
    pub to: String,
    pub interval: Interval,
    /// t = estimate / bootstrap SE and its two-sided p (df n − 1).
    pub t: f64,
    pub p_value: f64,
}

/// A path with its effect size.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PathResult {
    #[serde(flatten)]
    pub effect: Effect,
    pub f_squared: Option<f64>,
}

/// Direct, indirect and total effect of one construct on another.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TotalEffect {
    pub from: String,
    pub to: String,
    pub direct: f64,
    pub indirect: f64,
    pub total: Effect,
}

/// HTMT of a pair of constructs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HtmtRow {
    pub a: String,
    pub b: String,
    pub htmt: Interval,
}

/// The whole study.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CsiResult {
    pub model: PlsModel,
    pub options: CsiOptions,
    pub rows_read: usize,
    /// Respondents analysed.
    pub n: usize,
    /// Respondents left out (casewise deletion) or cells replaced (mean replacement).
    pub missing_handled: usize,
    pub iterations: usize,
    pub converged: bool,
    pub last_change: f64,
    pub constructs: Vec<ConstructResult>,
    pub paths: Vec<PathResult>,
    pub total_effects: Vec<TotalEffect>,
    /// Items × constructs.
    pub cross_loadings: Vec<Vec<f64>>,
    /// √AVE on the diagonal, construct correlations elsewhere.
    pub fornell_larcker: Vec<Vec<f64>>,
    pub htmt: Vec<HtmtRow>,
    pub gof: Option<f64>,
    /// Item scale used for the indices.
    pub scale: [f64; 2],
    pub ipma_target: String,
    pub ipma: Vec<IpmaRow>,
    pub ipma_items: Vec<IpmaRow>,
    /// Bootstrap resamples that could not be fitted (e.g. an item without variance in the
    /// resample): skipped and counted here.
    pub bootstrap_skipped: usize,
    /// The bootstrap resampled this many hash blocks of respondents, not respondents
    /// (None: respondents, or no bootstrap).
    #[serde(default)]
    pub resampled_groups: Option<usize>,
    /// Group comparisons (with a grouping column): every pair of groups.
    pub groups: Vec<groups::GroupComparison>,
    /// The 0–100 indices per group (with a grouping column), on the whole sample's weights.
    pub group_indices: Vec<GroupIndex>,
    pub warnings: Vec<String>,
    /// What was read and what the input audit found.
    #[serde(default)]
    pub diagnostics: crate::data::Diagnostics,
}

/// The index structure of `model` with items numbered in block order.
pub fn structure(model: &PlsModel) -> Structure {
    let mut k = 0;
    let blocks = model
        .constructs
        .iter()
        .map(|c| {
            let b: Vec<usize> = (k..k + c.items.len()).collect();
            k += c.items.len();
            b
        })
        .collect();
    Structure {
        blocks,
        modes: model.constructs.iter().map(|c| c.mode).collect(),
        edges: model.edges(),
    }
}

/// Where bootstrap resamples come from.
pub enum Resampler<'a> {
    /// No bootstrap.
    None,
    /// Respondents (the multinomial bootstrap; BCa from the delete-one jackknife up to
    /// 5,000 respondents).
    Respondents(&'a BootData),
    /// Hash blocks of respondents ([`crate::stats::blocks`]; BCa from the delete-one-group
    /// jackknife).
    Blocks(&'a BlockData),
}

/// Fit `model` on the item columns (in block order, complete) and bootstrap it: by
/// respondents, or by hash blocks when `groups` gives each respondent's group.
pub fn run(
    model: &PlsModel,
    cols: &[Vec<f64>],
    rows_read: usize,
    missing_handled: usize,
    opts: &CsiOptions,
    groups: Option<&[u32]>,
    progress: &indicatif::ProgressBar,
) -> Result<CsiResult> {
    check(opts)?;
    let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
    let data = BootData::new(&refs)?;
    let blocks = match groups {
        Some(g) if opts.bootstrap > 0 => Some(BlockData::new(&data, g)?),
        _ => None,
    };
    let resampler = match (&blocks, opts.bootstrap) {
        (_, 0) => Resampler::None,
        (Some(b), _) => Resampler::Blocks(b),
        (None, _) => Resampler::Respondents(&data),
    };
    let r = data.full().correlation();
    let moments = ItemMoments::of_columns(cols);
    estimate(
        model,
        &r,
        &moments,
        resampler,
        (rows_read, missing_handled),
        opts,
        progress,
    )
}

/// The checks of a run's options.
pub fn check(opts: &CsiOptions) -> Result<()> {
    crate::stats::bootstrap::check_resamples(opts.bootstrap, opts.confidence)?;
    if opts.bootstrap > 100_000 {
        return Err(Error::Usage(format!(
            "--bootstrap {}: at most 100,000 resamples (5,000 give intervals stable to the third decimal)",
            opts.bootstrap
        )));
    }
    if !(opts.confidence > 0.0 && opts.confidence < 1.0) {
        return Err(Error::Usage(format!(
            "--confidence {} must lie between 0 and 1 (e.g. 0.95)",
            opts.confidence
        )));
    }
    Ok(())
}

/// The study from the items' correlation matrix `r`, their moments, and the resampler
/// (`counts`: rows read and missing values handled).
pub fn estimate(
    model: &PlsModel,
    r: &ndarray::Array2<f64>,
    moments: &ItemMoments,
    resampler: Resampler<'_>,
    (rows_read, missing_handled): (usize, usize),
    opts: &CsiOptions,
    progress: &indicatif::ProgressBar,
) -> Result<CsiResult> {
    let s = structure(model);
    let n = moments.n as usize;
    let r = r.clone();
    let singular = || {
        Error::Degenerate(
            "the PLS algorithm hit a singular step (collinear items in a mode B block, or constructs that are perfectly correlated)".into(),
        )
    };
    let fit = algorithm::fit(&r, &s, &opts.settings, None).ok_or_else(singular)?;
    let fit = if opts.consistent {
        algorithm::consistent(&r, &s, &fit).ok_or_else(|| {
            Error::Degenerate(
                "PLSc: a block's consistent reliability is not positive or the disattenuated construct correlations are not positive definite (a reflective block with inconsistent items?); run without --consistent".into(),
            )
        })?
    } else {
        fit
    };
    let mut warnings = Vec::new();
    if !fit.converged {
        warnings.push(format!(
            "the PLS algorithm did not converge in {} iterations (largest weight change in the last one: {:.2e}); raise --max-iterations or check the model",
            fit.iterations, fit.last_change
        ));
    }
    let m = s.blocks.len();
    let p = moments.mean.len();
    let total = fit.total_effects();
    let pairs: Vec<(usize, usize)> = (0..m)
        .flat_map(|i| (0..m).map(move |j| (i, j)))
        .filter(|&(i, j)| i != j && total[[i, j]].abs() > 0.0)
        .collect();
    let htmt_pairs: Vec<(usize, usize)> = (0..m)
        .flat_map(|i| ((i + 1)..m).map(move |j| (i, j)))
        .filter(|&(i, j)| quality::htmt(&r, &s, i, j).is_some())
        .collect();
    let item_block: Vec<usize> = (0..p)
        .map(|i| s.blocks.iter().position(|b| b.contains(&i)).unwrap_or(0))
        .collect();
    let pos_in_block = |i: usize| {
        s.blocks[item_block[i]]
            .iter()
            .position(|&k| k == i)
            .unwrap_or(0)
    };
    // Statistic vector: paths, total effects, weights, loadings, HTMT.
    let stat = |rr: &ndarray::Array2<f64>| -> Option<Vec<f64>> {
        let f = algorithm::fit(rr, &s, &opts.settings, Some(&fit.weights))?;
        let f = if opts.consistent {
            algorithm::consistent(rr, &s, &f)?
        } else {
            f
        };
        let t = f.total_effects();
        let mut v: Vec<f64> = s.edges.iter().map(|&(a, b)| f.paths[[a, b]]).collect();
        v.extend(pairs.iter().map(|&(a, b)| t[[a, b]]));
        v.extend((0..p).map(|i| f.weights[item_block[i]][pos_in_block(i)]));
        v.extend((0..p).map(|i| f.cross_loadings[[i, item_block[i]]]));
        v.extend(
            htmt_pairs
                .iter()
                .map(|&(a, b)| quality::htmt(rr, &s, a, b).unwrap_or(f64::NAN)),
        );
        v.iter().all(|x| x.is_finite()).then_some(v)
    };
    let full =
        stat(&r).ok_or_else(|| Error::Internal("PLS statistics of the full sample".into()))?;
    let statistic = |cp: &CrossProducts| stat(&cp.correlation());
    let draws: Vec<Vec<f64>> = match resampler {
        Resampler::None => Vec::new(),
        Resampler::Respondents(data) => {
            bootstrap::resample(data, opts.bootstrap, opts.seed, &statistic, progress)
        }
        Resampler::Blocks(b) => b.resample(opts.bootstrap, opts.seed, &statistic, progress),
    };
    let skipped = draws
        .iter()
        .filter(|d| d.iter().any(|v| !v.is_finite()))
        .count();
    if opts.bootstrap > 0 && skipped * 2 > opts.bootstrap {
        return Err(Error::Degenerate(format!(
            "{skipped} of {} bootstrap resamples could not be fitted (items without variance in the resample); the sample is too small or an item almost constant",
            opts.bootstrap
        )));
    }
    // Jackknife for BCa: leave-one-out correlation matrices (up to 5,000 respondents), or
    // leave-one-group-out ones.
    let jack: Vec<Vec<f64>> = match resampler {
        Resampler::Respondents(data) if n <= 5_000 => bootstrap::jackknife(data, &statistic),
        Resampler::Blocks(b) => b.jackknife(&statistic),
        _ => Vec::new(),
    };
    let resampled_groups = matches!(resampler, Resampler::Blocks(_)).then_some(BLOCKS);
    let interval_of = |k: usize| -> Interval {
        if draws.is_empty() {
            return Interval::point(full[k]);
        }
        let d: Vec<f64> = draws
            .iter()
            .filter(|d| d.iter().all(|v| v.is_finite()))
            .map(|d| d[k])
            .collect();
        let j: Vec<f64> = jack
            .iter()
            .map(|d| d[k])
            .filter(|v| v.is_finite())
            .collect();
        let mut iv = bootstrap::interval(full[k], &d, &j, opts.confidence);
        if jack.is_empty() {
            iv.bca_low = f64::NAN;
            iv.bca_high = f64::NAN;
        }
        iv.failed = skipped;
        iv
    };
    let effect = |k: usize, a: usize, b: usize| -> Effect {
        let interval = interval_of(k);
        let t = interval.estimate / interval.boot_se;
        let p_value = if draws.is_empty() {
            f64::NAN
        } else {
            crate::stats::regression::t_pvalue(t, (n - 1) as f64)
        };
        Effect {
            from: model.constructs[a].name.clone(),
            to: model.constructs[b].name.clone(),
            interval,
            t,
            p_value,
        }
    };
    let ne = s.edges.len();
    let paths: Vec<PathResult> = s
        .edges
        .iter()
        .enumerate()
        .map(|(k, &(a, b))| PathResult {
            effect: effect(k, a, b),
            f_squared: quality::f_squared(&fit, &s, a, b),
        })
        .collect();
    let total_effects: Vec<TotalEffect> = pairs
        .iter()
        .enumerate()
        .map(|(k, &(a, b))| TotalEffect {
            from: model.constructs[a].name.clone(),
            to: model.constructs[b].name.clone(),
            direct: fit.paths[[a, b]],
            indirect: total[[a, b]] - fit.paths[[a, b]],
            total: effect(ne + k, a, b),
        })
        .collect();
    let off_w = ne + pairs.len();
    let off_l = off_w + p;
    let off_h = off_l + p;
    let (scale, index_weights, indices) = index_scores(moments, &s, &fit, opts.scale)?;
    let mut constructs = Vec::with_capacity(m);
    for (j, c) in model.constructs.iter().enumerate() {
        let items = s.blocks[j]
            .iter()
            .enumerate()
            .map(|(a, &i)| ItemResult {
                item: c.items[a].clone(),
                weight: interval_of(off_w + i),
                loading: interval_of(off_l + i),
                index_weight: index_weights[j][a],
            })
            .collect();
        let k_pred = s.predecessors(j).len() as f64;
        let nf = n as f64;
        let (mean, sd) = indices[j];
        let half = 1.959_963_984_540_054 * sd / nf.sqrt();
        constructs.push(ConstructResult {
            name: c.name.clone(),
            mode: c.mode,
            items,
            r_squared: fit.r2[j],
            adj_r_squared: fit.r2[j].map(|r2| 1.0 - (1.0 - r2) * (nf - 1.0) / (nf - k_pred - 1.0)),
            reliability: quality::reliability(&r, &s, &fit, j),
            index_mean: mean,
            index_ci: [mean - half, mean + half],
        });
    }
    let fornell_larcker = (0..m)
        .map(|i| {
            (0..m)
                .map(|j| {
                    if i == j {
                        constructs[i].reliability.ave.sqrt()
                    } else {
                        fit.lv_corr[[i, j]]
                    }
                })
                .collect()
        })
        .collect();
    let htmt: Vec<HtmtRow> = htmt_pairs
        .iter()
        .enumerate()
        .map(|(k, &(a, b))| HtmtRow {
            a: model.constructs[a].name.clone(),
            b: model.constructs[b].name.clone(),
            htmt: interval_of(off_h + k),
        })
        .collect();
    // Discriminant validity (Henseler, Ringle & Sarstedt 2015): HTMT above 0.90 (0.85 is the
    // strict threshold, 0.90 the one for conceptually close constructs such as
    // satisfaction and loyalty) says two constructs may measure the same thing.
    for h in htmt.iter().filter(|h| h.htmt.estimate > 0.90) {
        warnings.push(format!(
            "HTMT of {} and {} is {:.3}, above {}: the two constructs may not be distinct (discriminant validity in doubt); check their items or merge the constructs",
            h.a,
            h.b,
            h.htmt.estimate,
            if h.htmt.estimate > 0.95 { "0.95" } else { "0.90" }
        ));
    }
    let target = match &opts.target {
        Some(t) => model.index(t).ok_or_else(|| {
            Error::Usage(format!(
                "--target '{t}' is not a construct of the model ({})",
                model
                    .constructs
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?,
        None => ["Loyalty", "Satisfaction"]
            .iter()
            .find_map(|n| model.index(n))
            .unwrap_or(m - 1),
    };
    let (ipma, ipma_items) = index::ipma(
        model,
        &s,
        &total,
        &indices,
        moments,
        &index_weights,
        scale,
        target,
    );
    Ok(CsiResult {
        model: model.clone(),
        options: opts.clone(),
        rows_read,
        n,
        missing_handled,
        iterations: fit.iterations,
        converged: fit.converged,
        last_change: fit.last_change,
        constructs,
        paths,
        total_effects,
        cross_loadings: (0..p).map(|i| fit.cross_loadings.row(i).to_vec()).collect(),
        fornell_larcker,
        htmt,
        gof: quality::gof(&s, &fit),
        scale,
        ipma_target: model.constructs[target].name.clone(),
        ipma,
        ipma_items,
        bootstrap_skipped: skipped,
        resampled_groups,
        groups: Vec::new(),
        group_indices: Vec::new(),
        warnings,
        diagnostics: Default::default(),
    })
}

/// The per-respondent table of `--scores-out`: every row of the survey as given, with the
/// id columns named in `ids` (respondent, customer), the row as the analyst finds it
/// (`origin`), each construct's 0–100 index, and for a respondent left out of the model an
/// empty index and the reason in `excluded`.
pub fn scores_table(
    result: &CsiResult,
    prep: &Prepared,
    df: &DataFrame,
    ids: &[String],
    origin: &crate::data::load::Origin,
) -> Result<DataFrame> {
    let n = df.height();
    let scores = scores(result, &prep.cols)?;
    let mut out: Vec<Column> = Vec::new();
    for id in ids {
        crate::data::load::require_column(df, "the survey", id)?;
        out.push(df.column(id)?.cast(&DataType::String)?);
    }
    out.push(Column::new(
        "row".into(),
        (0..n).map(|r| origin.row(r)).collect::<Vec<_>>(),
    ));
    for c in scores.columns() {
        let mut v: Vec<Option<f64>> = vec![None; n];
        for (k, x) in c.f64()?.iter().enumerate() {
            if let Some(r) = prep.rows.get(k) {
                v[*r] = x.filter(|x| x.is_finite());
            }
        }
        out.push(Column::new(c.name().clone(), v));
    }
    let mut why: Vec<Option<String>> = vec![None; n];
    for (r, reason) in &prep.excluded {
        if let Some(w) = why.get_mut(*r) {
            *w = Some(reason.clone());
        }
    }
    out.push(Column::new("excluded".into(), why));
    Ok(DataFrame::new_infer_height(out)?)
}

/// Each respondent's 0–100 index per construct (columns named after the constructs), from
/// the item columns in block order.
pub fn scores(result: &CsiResult, cols: &[Vec<f64>]) -> Result<DataFrame> {
    let [lo, hi] = result.scale;
    let n = cols.first().map_or(0, Vec::len);
    let mut k = 0;
    let mut out = Vec::new();
    for c in &result.constructs {
        let v: Vec<f64> = (0..n)
            .map(|r| {
                c.items
                    .iter()
                    .enumerate()
                    .map(|(a, it)| it.index_weight * (cols[k + a][r] - lo) / (hi - lo) * 100.0)
                    .sum()
            })
            .collect();
        k += c.items.len();
        out.push(Column::new(c.name.as_str().into(), v));
    }
    Ok(DataFrame::new_infer_height(out)?)
}
