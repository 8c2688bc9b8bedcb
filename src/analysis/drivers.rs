//! Key-driver analysis: which attribute ratings drive an outcome (overall satisfaction by
//! default), by OLS with inference and by relative importance (Shapley/LMG and Johnson's
//! relative weights, both summing to R²), with bootstrap CIs and an importance–performance
//! classification.

use indicatif::ProgressBar;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::regress::{group_values, subset};
use crate::error::{Error, Result};
use crate::stats::bootstrap::{self, BootData, CrossProducts};
use crate::stats::formula::RowsDropped;
use crate::stats::importance::{relative_weights, shapley, subset_r2};
use crate::stats::{model_frame, CovType, Formula, OlsFit, RegressionResult};

/// Options of a driver analysis.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DriverOptions {
    pub target: String,
    pub drivers: Vec<String>,
    pub by: Option<String>,
    pub bootstrap: usize,
    pub seed: u64,
    pub confidence: f64,
}

/// One driver's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Driver {
    pub name: String,
    pub coefficient: f64,
    pub std_error: f64,
    pub p_value: f64,
    pub beta: Option<f64>,
    /// Shapley share of R² and its % of R².
    pub shapley: f64,
    pub shapley_pct: f64,
    /// Johnson's relative weight and its % of R².
    pub relative_weight: f64,
    pub relative_weight_pct: f64,
    /// Bootstrap percentile CIs (absolute, R² units), when bootstrapped.
    pub shapley_ci: Option<[f64; 2]>,
    pub relative_weight_ci: Option<[f64; 2]>,
    /// Mean rating (performance) and its t interval.
    pub mean: f64,
    #[serde(default)]
    pub mean_ci: [f64; 2],
    /// Importance–performance quadrant: `priority: improve`, `strength: keep up`,
    /// `maintain: possible overkill`, `low priority` — or, where an interval straddles the
    /// mean line it is compared with, `not distinguishable (importance)`, `(performance)` or
    /// `(both)`. Without bootstrap intervals importance is compared by its point estimate
    /// (said in `quadrant_basis`).
    pub quadrant: String,
}

/// Results for one group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DriverGroup {
    pub group: String,
    pub n: usize,
    pub r_squared: f64,
    pub drivers: Vec<Driver>,
    pub rows_dropped: Vec<RowsDropped>,
    /// The lines that divide the quadrants: the mean Shapley importance (R²/p, in % of R²:
    /// 100/p) and the mean of the drivers' mean ratings.
    #[serde(default)]
    pub mean_importance_pct: f64,
    #[serde(default)]
    pub mean_performance: f64,
    /// The lowest and highest rating any driver received: the performance axis of the chart
    /// shows this whole range, so small differences look small.
    #[serde(default)]
    pub rating_range: [f64; 2],
    /// How the quadrants were decided.
    #[serde(default)]
    pub quadrant_basis: String,
}

/// The `drivers` output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DriversOutput {
    pub target: String,
    pub groups: Vec<DriverGroup>,
    /// What was read and what the input audit found.
    #[serde(default)]
    pub diagnostics: crate::data::Diagnostics,
}

/// Shapley values followed by relative weights, from a (resampled) cross-product matrix
/// whose last variable is the outcome.
fn importances(cp: &CrossProducts) -> Option<Vec<f64>> {
    let corr = cp.correlation();
    let r2 = subset_r2(&corr).ok()?;
    let mut out = shapley(&r2);
    out.extend(relative_weights(&corr).ok()?);
    out.iter().all(|v| v.is_finite()).then_some(out)
}

/// Which side of a line an interval lies on: Some(true) above, Some(false) below, None when
/// it straddles the line (not distinguishable from it).
fn side(interval: [f64; 2], line: f64) -> Option<bool> {
    if interval[0] > line {
        Some(true)
    } else if interval[1] < line {
        Some(false)
    } else {
        None
    }
}

/// The quadrant of a driver whose importance and performance intervals lie on the given
/// sides of the two mean lines.
fn quadrant(importance_high: Option<bool>, performance_high: Option<bool>) -> &'static str {
    match (importance_high, performance_high) {
        (Some(true), Some(true)) => "strength: keep up",
        (Some(true), Some(false)) => "priority: improve",
        (Some(false), Some(true)) => "maintain: possible overkill",
        (Some(false), Some(false)) => "low priority",
        (None, Some(_)) => "not distinguishable (importance)",
        (Some(_), None) => "not distinguishable (performance)",
        (None, None) => "not distinguishable (both)",
    }
}

/// The regression of the outcome on the drivers, as a formula.
pub fn formula_of(opts: &DriverOptions) -> String {
    let q = crate::stats::formula::quote_name;
    format!(
        "{} ~ {}",
        q(&opts.target),
        opts.drivers
            .iter()
            .map(|d| q(d))
            .collect::<Vec<_>>()
            .join(" + ")
    )
}

fn one_group(
    df: &DataFrame,
    file: &str,
    opts: &DriverOptions,
    group: &str,
    progress: &ProgressBar,
) -> Result<DriverGroup> {
    let formula_text = formula_of(opts);
    let formula = Formula::parse(&formula_text)?;
    let frame = model_frame(&formula, df, file)?;
    let fit = OlsFit::fit(&frame.design).map_err(|e| match e {
        Error::Degenerate(m) => Error::Degenerate(format!("group '{group}': {m}")),
        other => other,
    })?;
    let reg = RegressionResult::new(
        &fit,
        CovType::Nonrobust,
        opts.confidence,
        &formula_text,
        group,
        None,
    )?;
    let p = opts.drivers.len();
    let x = &frame.design.x;
    let mut cols: Vec<Vec<f64>> = (1..=p).map(|j| x.column(j).to_vec()).collect();
    cols.push(frame.design.y.to_vec());
    let slices: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
    let data = BootData::new(&slices)?;
    let draws = if opts.bootstrap > 0 {
        bootstrap::resample(&data, opts.bootstrap, opts.seed, &importances, progress)
    } else {
        vec![]
    };
    let means: Vec<f64> = cols[..p]
        .iter()
        .map(|c| c.iter().sum::<f64>() / c.len() as f64)
        .collect();
    let n = cols[0].len() as f64;
    let sds: Vec<f64> = cols[..p]
        .iter()
        .zip(&means)
        .map(|(c, m)| (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt())
        .collect();
    let rating_range = cols[..p]
        .iter()
        .flatten()
        .fold([f64::INFINITY, f64::NEG_INFINITY], |[lo, hi], v| {
            [lo.min(*v), hi.max(*v)]
        });
    assemble(
        group,
        opts,
        Estimated {
            reg,
            cross: data.full(),
            means,
            sds,
            n: fit.n,
            rating_range,
            dropped: frame.dropped,
            draws,
        },
    )
}

/// What a group's driver analysis is assembled from: the regression, the cross-products of
/// the drivers and the outcome (last), the drivers' means and SDs, and the bootstrap draws.
pub(crate) struct Estimated {
    pub reg: RegressionResult,
    pub cross: CrossProducts,
    pub means: Vec<f64>,
    pub sds: Vec<f64>,
    pub n: usize,
    pub rating_range: [f64; 2],
    pub dropped: Vec<RowsDropped>,
    pub draws: Vec<Vec<f64>>,
}

/// A group's results from its estimates: importances, intervals and quadrants.
pub(crate) fn assemble(group: &str, opts: &DriverOptions, e: Estimated) -> Result<DriverGroup> {
    let Estimated {
        reg,
        cross,
        means,
        sds,
        n,
        rating_range,
        dropped,
        draws,
    } = e;
    let p = opts.drivers.len();
    let point = importances(&cross).ok_or_else(|| {
        Error::Degenerate(format!(
            "group '{group}': the drivers' correlation matrix is singular"
        ))
    })?;
    let r2 = reg.r_squared;
    let ci = |k: usize| -> Option<[f64; 2]> {
        if draws.is_empty() {
            return None;
        }
        let mut d: Vec<f64> = draws
            .iter()
            .map(|r| r[k])
            .filter(|v| v.is_finite())
            .collect();
        d.sort_by(f64::total_cmp);
        let a = 1.0 - opts.confidence;
        Some([
            bootstrap::quantile_sorted(&d, a / 2.0),
            bootstrap::quantile_sorted(&d, 1.0 - a / 2.0),
        ])
    };
    // Performance intervals: the t interval of each mean rating.
    let nf = n as f64;
    let t = crate::stats::regression::t_quantile(0.5 + opts.confidence / 2.0, (nf - 1.0).max(1.0));
    let mean_ci: Vec<[f64; 2]> = means
        .iter()
        .zip(&sds)
        .map(|(m, sd)| {
            let h = t * sd / nf.sqrt();
            [m - h, m + h]
        })
        .collect();
    let mean_importance = r2 / p as f64;
    let mean_performance = means.iter().sum::<f64>() / p as f64;
    let resampled = !draws.is_empty();
    let drivers = (0..p)
        .map(|j| {
            let t = &reg.terms[j + 1];
            // Importance: its bootstrap interval against the mean line, or the point
            // estimate when not resampled.
            let importance = match ci(j) {
                Some(c) => side(c, mean_importance),
                None => Some(point[j] >= mean_importance),
            };
            Driver {
                name: opts.drivers[j].clone(),
                coefficient: t.estimate,
                std_error: t.std_error,
                p_value: t.p_value,
                beta: t.beta,
                shapley: point[j],
                shapley_pct: 100.0 * point[j] / r2,
                relative_weight: point[p + j],
                relative_weight_pct: 100.0 * point[p + j] / r2,
                shapley_ci: ci(j),
                relative_weight_ci: ci(p + j),
                mean: means[j],
                mean_ci: mean_ci[j],
                quadrant: quadrant(importance, side(mean_ci[j], mean_performance)).into(),
            }
        })
        .collect();
    let conf = format!("{:.0}%", opts.confidence * 100.0);
    Ok(DriverGroup {
        group: group.to_string(),
        n,
        r_squared: r2,
        drivers,
        rows_dropped: dropped,
        mean_importance_pct: 100.0 / p as f64,
        mean_performance,
        rating_range,
        quadrant_basis: if resampled {
            format!("{conf} bootstrap intervals of importance and {conf} t intervals of performance against the mean lines; a driver whose interval straddles a line is not distinguishable from it")
        } else {
            format!("importance by its point estimate (no bootstrap: run with --bootstrap for noise-aware quadrants), performance by its {conf} t interval against the mean line")
        },
    })
}

/// Check the options every driver analysis shares.
pub fn check(opts: &DriverOptions) -> Result<()> {
    crate::stats::bootstrap::check_resamples(opts.bootstrap, opts.confidence)?;
    if opts.drivers.len() < 2 {
        return Err(Error::Usage(format!(
            "key-driver analysis needs at least 2 drivers, got {}",
            opts.drivers.len()
        )));
    }
    if opts.drivers.len() > crate::stats::importance::MAX_DRIVERS {
        return Err(Error::Usage(format!(
            "{} drivers: the exact Shapley decomposition supports at most {}",
            opts.drivers.len(),
            crate::stats::importance::MAX_DRIVERS
        )));
    }
    Ok(())
}

/// The key-driver analysis of a table read in batches (`drivers --streaming`): the
/// regression and its sums per group from [`crate::analysis::regress_parts::stream_parts`],
/// the importances from the sums' correlation matrix (Shapley and relative weights need
/// nothing else), the drivers' means and SDs from the same sums and their ranges from a
/// streaming min/max. The numbers equal the in-memory analysis's to the order of sums.
/// The bootstrap of importances resamples rows and is refused.
pub fn stream(lf: LazyFrame, file: &str, opts: &DriverOptions) -> Result<DriversOutput> {
    check(opts)?;
    if opts.bootstrap > 0 {
        return Err(Error::Usage(
            "--streaming: the bootstrap of importances resamples the rows; run without --streaming, or with --bootstrap 0".into(),
        ));
    }
    let reg_opts = crate::analysis::regress::RegressOptions {
        formula: formula_of(opts),
        by: opts.by.clone(),
        se: CovType::Nonrobust,
        confidence: opts.confidence,
        id: None,
    };
    let (out, parts) = crate::analysis::regress_parts::stream_parts(lf.clone(), file, &reg_opts)?;
    // Each group's lowest and highest rating of any driver (exact in any order).
    let group = match &opts.by {
        Some(by) => col(by.as_str()).cast(DataType::String),
        None => lit("all"),
    };
    let mut aggs = Vec::new();
    for (j, d) in opts.drivers.iter().enumerate() {
        let v = col(d.as_str()).cast(DataType::Float64);
        aggs.push(v.clone().min().alias(format!("__lo{j}")));
        aggs.push(v.max().alias(format!("__hi{j}")));
    }
    // Over the rows the regression used: every model column present and finite.
    let complete = std::iter::once(&opts.target)
        .chain(&opts.drivers)
        .map(|c| col(c.as_str()).cast(DataType::Float64).is_finite())
        .reduce(|a, b| a.and(b))
        .unwrap_or(lit(true));
    let ranges = lf
        .filter(complete.fill_null(lit(false)))
        .with_column(group.alias("__group"))
        .group_by([col("__group")])
        .agg(aggs)
        .collect_with_engine(Engine::Streaming)?
        .unwrap_single();
    let mut by_group = std::collections::BTreeMap::new();
    let names = ranges.column("__group")?.str()?.clone();
    for (row, g) in names.iter().enumerate() {
        let mut r = [f64::INFINITY, f64::NEG_INFINITY];
        for j in 0..opts.drivers.len() {
            let lo = ranges
                .column(&format!("__lo{j}"))?
                .get(row)?
                .extract::<f64>();
            let hi = ranges
                .column(&format!("__hi{j}"))?
                .get(row)?
                .extract::<f64>();
            r = [
                r[0].min(lo.unwrap_or(f64::INFINITY)),
                r[1].max(hi.unwrap_or(f64::NEG_INFINITY)),
            ];
        }
        by_group.insert(g.unwrap_or("").to_string(), r);
    }
    from_parts(out, parts, &by_group, opts)
}

/// The driver analysis from a regression in parts (its models and merged pass-1 sums, in
/// the same group order) and each group's range of driver ratings: the streamed path's
/// and Spark's common end.
pub fn from_parts(
    out: crate::analysis::regress::RegressOutput,
    parts: Vec<crate::analysis::regress_parts::Part>,
    ranges: &std::collections::BTreeMap<String, [f64; 2]>,
    opts: &DriverOptions,
) -> Result<DriversOutput> {
    let range_of = |g: &str| -> Result<[f64; 2]> {
        ranges
            .get(g)
            .copied()
            .ok_or_else(|| Error::Internal(format!("no rating range for group '{g}'")))
    };
    let p = opts.drivers.len();
    let mut groups = Vec::new();
    for (reg, part) in out.models.into_iter().zip(parts) {
        let s = &part.sums;
        let k = s.shift.len();
        if k != p + 1 {
            return Err(Error::Internal(format!(
                "group '{}': sums of {k} columns for {p} drivers and an outcome",
                part.group
            )));
        }
        // The standardized cross-products: Σz = 0, Σzzᵀ = centered cross-products / sds.
        let sd: Vec<f64> = (0..k).map(|j| s.mean_sd(j).1).collect();
        let mut packed = vec![s.n];
        packed.extend(std::iter::repeat_n(0.0, k));
        for a in 0..k {
            for b in a..k {
                let c = s.cross[a][b] - s.sum[a] * s.sum[b] / s.n;
                packed.push(c / (sd[a] * sd[b]));
            }
        }
        let cross = CrossProducts::from_packed(k, &sd, &packed);
        let rating_range = range_of(&part.group)?;
        groups.push(assemble(
            &part.group.clone(),
            opts,
            Estimated {
                n: reg.n,
                reg,
                cross,
                means: (0..p).map(|j| s.mean_sd(j).0).collect(),
                sds: sd[..p].to_vec(),
                rating_range,
                dropped: part.dropped,
                draws: vec![],
            },
        )?);
    }
    Ok(DriversOutput {
        diagnostics: Default::default(),
        target: opts.target.clone(),
        groups,
    })
}

/// Run the key-driver analysis, overall or per group.
pub fn run(df: &DataFrame, file: &str, opts: &DriverOptions) -> Result<DriversOutput> {
    check(opts)?;
    let groups: Vec<(String, DataFrame)> = match &opts.by {
        None => vec![("all".into(), df.clone())],
        Some(by) => {
            crate::data::load::require_column(df, file, by)?;
            group_values(df, by)?
                .into_iter()
                .map(|g| subset(df, by, &g).map(|d| (g, d)))
                .collect::<Result<_>>()?
        }
    };
    let progress = crate::progress::bar(
        (opts.bootstrap * groups.len()) as u64,
        "bootstrap {bar:40} {pos}/{len} resamples ({eta})",
    );
    let out = groups
        .iter()
        .map(|(g, d)| one_group(d, file, opts, g, &progress))
        .collect::<Result<Vec<_>>>()?;
    progress.finish_and_clear();
    Ok(DriversOutput {
        diagnostics: Default::default(),
        target: opts.target.clone(),
        groups: out,
    })
}
