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
    /// Mean rating (performance).
    pub mean: f64,
    /// Importance–performance quadrant.
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

fn quadrant(importance_high: bool, performance_high: bool) -> &'static str {
    match (importance_high, performance_high) {
        (true, true) => "strength: keep up",
        (true, false) => "priority: improve",
        (false, true) => "maintain: possible overkill",
        (false, false) => "low priority",
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
    let mean_importance = r2 / p as f64;
    let mean_performance = means.iter().sum::<f64>() / p as f64;
    let drivers = (0..p)
        .map(|j| {
            let t = &reg.terms[j + 1];
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
                quadrant: quadrant(point[j] >= mean_importance, means[j] >= mean_performance)
                    .into(),
            }
        })
        .collect();
    Ok(DriverGroup {
        group: group.to_string(),
        n: fit.n,
        r_squared: r2,
        drivers,
        rows_dropped: frame.dropped,
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
    let progress = if opts.bootstrap > 0 {
        ProgressBar::with_draw_target(
            Some((opts.bootstrap * groups.len()) as u64),
            indicatif::ProgressDrawTarget::stderr(),
        )
    } else {
        ProgressBar::hidden()
    };
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
