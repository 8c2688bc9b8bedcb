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

fn one_group(
    df: &DataFrame,
    file: &str,
    opts: &DriverOptions,
    group: &str,
    progress: &ProgressBar,
) -> Result<DriverGroup> {
    let q = crate::stats::formula::quote_name;
    let formula_text = format!(
        "{} ~ {}",
        q(&opts.target),
        opts.drivers
            .iter()
            .map(|d| q(d))
            .collect::<Vec<_>>()
            .join(" + ")
    );
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
    let point = importances(&data.full()).ok_or_else(|| {
        Error::Degenerate(format!(
            "group '{group}': the drivers' correlation matrix is singular"
        ))
    })?;
    let r2 = reg.r_squared;
    let draws = if opts.bootstrap > 0 {
        bootstrap::resample(&data, opts.bootstrap, opts.seed, &importances, progress)
    } else {
        vec![]
    };
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
    let means: Vec<f64> = cols[..p]
        .iter()
        .map(|c| c.iter().sum::<f64>() / c.len() as f64)
        .collect();
    // Performance intervals: the t interval of each mean rating.
    let n = cols[0].len() as f64;
    let t = crate::stats::regression::t_quantile(0.5 + opts.confidence / 2.0, (n - 1.0).max(1.0));
    let mean_ci: Vec<[f64; 2]> = cols[..p]
        .iter()
        .zip(&means)
        .map(|(c, m)| {
            let sd = (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
            let h = t * sd / n.sqrt();
            [m - h, m + h]
        })
        .collect();
    let rating_range = cols[..p]
        .iter()
        .flatten()
        .fold([f64::INFINITY, f64::NEG_INFINITY], |[lo, hi], v| {
            [lo.min(*v), hi.max(*v)]
        });
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
        n: fit.n,
        r_squared: r2,
        drivers,
        rows_dropped: frame.dropped,
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

/// Run the key-driver analysis, overall or per group.
pub fn run(df: &DataFrame, file: &str, opts: &DriverOptions) -> Result<DriversOutput> {
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
