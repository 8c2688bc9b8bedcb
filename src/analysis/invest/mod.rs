//! Return on satisfaction: what raising satisfaction is worth, for whom, with its
//! uncertainty and cost (the "return on quality" question of Rust, Zahorik & Keiningham
//! 1995, *J. Marketing* 59(2), answered from the fitted chain).
//!
//! Each scenario moves the satisfaction of the customers it reaches ([`scenario`]); each
//! customer's change goes through their segment's fitted chain ([`effects`]: share of
//! wallet capped to [0, 1], the quadratic and moderated share-of-wallet equation as the
//! study fits it); the annual Δprofit becomes value over a horizon and is set against the
//! programme's cost ([`economics`]). Every figure is computed again under each bootstrap
//! resample's coefficients (the chain's own resamples, [`model`]): its percentile interval,
//! and the share of resamples in which the programme pays off. Segments are resampled
//! independently, so resample r of a total is the sum of the segments' resample r.

pub mod economics;
pub mod effects;
mod evaluate;
pub mod lifetime;
pub mod model;
pub mod retention;
pub mod scenario;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::chain::ChainOptions;
use crate::data::build::cols;
use crate::data::CustomerTable;
use crate::error::{Error, Result};
use economics::Horizon;
use model::{fitted, Layout};
pub use retention::{Activity, RetentionSource};
pub use scenario::{Change, Cost, Scenario};

/// Options of an invest run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvestOptions {
    pub scenarios: Vec<Scenario>,
    pub horizon: Horizon,
    /// Satisfaction scale [low, high] (None: the observed range, with a warning); driver
    /// scenarios use it for the attribute ratings too.
    pub scale: Option<[f64; 2]>,
    /// The attribute ratings of the key-driver regression (the study's
    /// `roles.attributes`), for driver scenarios.
    #[serde(default)]
    pub attributes: Vec<String>,
    /// One retention rate (`horizon.retention`) or each customer's from the purchase model.
    #[serde(default)]
    pub retention: RetentionSource,
}

/// An estimate with its bootstrap percentile interval (NaN bounds without resamples).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Figure {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl Figure {
    fn of(estimate: f64, draws: &[f64], confidence: f64) -> Figure {
        let mut d: Vec<f64> = draws.iter().copied().filter(|v| !v.is_nan()).collect();
        if d.is_empty() {
            return Figure {
                estimate,
                low: f64::NAN,
                high: f64::NAN,
            };
        }
        d.sort_by(f64::total_cmp);
        let a = (1.0 - confidence) / 2.0;
        Figure {
            estimate,
            low: crate::stats::bootstrap::quantile_sorted(&d, a),
            high: crate::stats::bootstrap::quantile_sorted(&d, 1.0 - a),
        }
    }
}

/// Δprofit per customer reached by path of the chain, at the estimate: they add up to the
/// Δprofit (the waterfall from Δsatisfaction through share of wallet and revenue).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct ProfitPaths {
    /// c'·Δsatisfaction: satisfaction's direct effect on profit.
    pub direct: f64,
    /// b1·Δshare of wallet.
    pub share_of_wallet: f64,
    /// b2·Δrevenue.
    pub revenue: f64,
}

/// A point of the net return against the size of the change.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Mean gain per customer reached (satisfaction points; attribute points in a driver
    /// scenario).
    pub gain: f64,
    pub npv: Figure,
}

/// A scenario in one segment (or in total).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    pub segment: String,
    pub customers: usize,
    pub reached: usize,
    /// Satisfaction points gained per customer reached (at the estimate).
    pub mean_gain: f64,
    /// Attribute points gained per customer reached (driver scenarios).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_driver_gain: Option<f64>,
    /// Per customer reached, per year.
    pub share_of_wallet: Figure,
    /// Δprofit per customer reached and year, by path (estimate).
    pub profit_paths: ProfitPaths,
    pub revenue: Figure,
    pub profit: Figure,
    /// All customers reached, per year.
    pub total_revenue: Figure,
    pub total_profit: Figure,
    /// Δprofit over the horizon (discounted, with retention).
    pub value: Figure,
    /// The programme's cost here (the fixed cost shared by customers reached).
    pub cost: f64,
    pub npv: Figure,
    /// NPV per unit of cost (NaN without a cost).
    pub roi: Figure,
    /// Share of resamples with a positive NPV.
    pub pays_off: f64,
    /// Mean annual profit per customer of the segment today (losing customers: below 0).
    pub mean_profit: f64,
    /// Customers taken above the segment's highest observed satisfaction (extrapolation),
    /// and by how many points at most.
    pub beyond_observed: usize,
    pub beyond_by: f64,
}

/// One scenario's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioResult {
    pub name: String,
    pub description: String,
    pub scenario: Scenario,
    pub segments: Vec<Outcome>,
    pub total: Outcome,
    /// Years until the discounted Δprofit repays the cost (NaN: not within the horizon);
    /// the interval over the resamples that repay it.
    pub payback_years: Figure,
    /// The gain per customer reached (satisfaction points; attribute points in a driver
    /// scenario) at which NPV is 0 (NaN: none up to the top of the scale).
    pub break_even_gain: Figure,
    /// A driver scenario too large for the break-even's interval (over 10⁹ customer
    /// evaluations): the estimate only.
    #[serde(default)]
    pub break_even_estimate_only: bool,
    /// NPV (with its interval) as the change is scaled from nothing to the top of the
    /// scale: the net return against the size of the change.
    #[serde(default)]
    pub curve: Vec<CurvePoint>,
    /// Resamples used (fitted in every segment).
    pub resamples: usize,
    /// The same change valued by the purchase model with satisfaction as a covariate (see
    /// [`lifetime`]), when the study fits it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<lifetime::LifetimeRoute>,
}

/// A row of the ranking: a scenario in a segment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ranked {
    pub scenario: String,
    pub segment: String,
    pub roi: f64,
    pub npv: f64,
    pub cost: f64,
}

/// The whole run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvestResult {
    pub study: String,
    pub options: InvestOptions,
    pub chain: ChainOptions,
    pub scale: [f64; 2],
    /// Δvalue per unit of annual Δprofit over the horizon (with retention per customer: the
    /// customers' mean).
    pub multiplier: f64,
    /// With retention per customer: the purchase model it comes from, e.g. `BG/NBD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_model: Option<String>,
    pub scenarios: Vec<ScenarioResult>,
    /// Scenario × segment by NPV per unit of cost, best first.
    pub ranking: Vec<Ranked>,
    /// The plain statements: what pays, and where raising satisfaction loses money (in
    /// English; filled by the renderer, which also says them in Chinese).
    #[serde(default)]
    pub statements: Vec<String>,
    pub warnings: Vec<String>,
    pub diagnostics: crate::data::Diagnostics,
}

fn check(opts: &InvestOptions, chain: &ChainOptions) -> Result<()> {
    let h = opts.horizon;
    if h.years == 0 {
        return Err(Error::Usage(
            "--horizon 0: give the number of years the gain is valued over (1 or more)".into(),
        ));
    }
    if !(h.discount.is_finite() && h.discount > -1.0) {
        return Err(Error::Usage(format!(
            "--discount {}: a yearly rate above −1, e.g. 0.1",
            h.discount
        )));
    }
    if !(0.0..=1.0).contains(&h.retention) {
        return Err(Error::Usage(format!(
            "--retention {}: a yearly rate between 0 and 1, e.g. 0.85",
            h.retention
        )));
    }
    if opts.scenarios.is_empty() {
        return Err(Error::Usage(
            "no scenario: give --add, --to or --gap, or [[invest.scenario]] in the study".into(),
        ));
    }
    crate::stats::bootstrap::check_resamples(chain.bootstrap, chain.confidence)
}

/// The chain's segments (its order; `all` alone when there are none) and each one's rows.
fn segments(table: &CustomerTable) -> Result<Vec<(String, usize, Vec<usize>)>> {
    let names: Vec<String> = table
        .segments
        .iter()
        .filter(|s| *s != "all")
        .cloned()
        .collect();
    if names.is_empty() {
        return Ok(vec![("all".into(), 0, (0..table.df.height()).collect())]);
    }
    let seg = table.df.column(cols::SEGMENT)?.cast(&DataType::String)?;
    let seg = seg.str()?;
    Ok(names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let rows = seg
                .iter()
                .enumerate()
                .filter(|(_, v)| *v == Some(name.as_str()))
                .map(|(r, _)| r)
                .collect();
            (name.clone(), i + 1, rows)
        })
        .collect())
}

/// Each customer's segment as an index (0 without segments), for per-segment fallbacks.
pub fn segment_index(table: &CustomerTable) -> Result<Vec<usize>> {
    let mut out = vec![0; table.df.height()];
    for (_, index, rows) in segments(table)? {
        for r in rows {
            out[r] = index;
        }
    }
    Ok(out)
}

/// Run every scenario on the built customer table with the chain's options; `activity`:
/// each customer's year weights when retention comes from the purchase model.
pub fn run(
    table: &CustomerTable,
    chain: &ChainOptions,
    opts: &InvestOptions,
    activity: Option<&Activity>,
) -> Result<InvestResult> {
    check(opts, chain)?;
    let mut warnings = Vec::new();
    let sat = crate::data::load::f64_values(&table.df, cols::SATISFACTION)?;
    let scale = match opts.scale {
        Some(s) => s,
        None => {
            let lo = sat.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = sat.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            warnings.push(format!(
                "the satisfaction scale is taken as the observed range [{lo}, {hi}]: no one can be raised above {hi}. Declare the scale (satisfaction_scale in [options], or --scale LOW,HIGH)"
            ));
            [lo, hi]
        }
    };
    for s in &opts.scenarios {
        s.check(scale)?;
    }
    let drivers = opts.scenarios.iter().any(|s| s.driver.is_some());
    for d in opts.scenarios.iter().filter_map(|s| s.driver.as_ref()) {
        if !opts.attributes.contains(d) {
            return Err(Error::Usage(format!(
                "driver '{d}' is not an attribute of the study ({}); name it in roles.attributes or choose one of them",
                if opts.attributes.is_empty() {
                    "it has none".to_string()
                } else {
                    opts.attributes.join(", ")
                }
            )));
        }
    }
    let attributes: &[String] = if drivers { &opts.attributes } else { &[] };
    let layout = Layout {
        quadratic: chain.quadratic,
        moderators: chain.moderators.len(),
        attributes: attributes.len(),
    };
    let parts = segments(table)?;
    let progress = crate::progress::bar(
        (chain.bootstrap * parts.len()) as u64,
        "bootstrap {bar:40} {pos}/{len} resamples ({eta})",
    );
    let mut models = Vec::new();
    for (name, index, rows) in parts {
        models.push(model::fit(
            &name, index, &table.df, rows, chain, attributes, &progress,
        )?);
    }
    progress.finish_and_clear();
    let mut multiplier = opts.horizon.multiplier();
    if let Some(a) = activity {
        let d = 1.0 + opts.horizon.discount;
        for m in &mut models {
            m.years_len = a.years;
            m.years = m
                .rows
                .iter()
                .flat_map(|&r| {
                    a.row(r)
                        .iter()
                        .enumerate()
                        .map(move |(k, w)| w / d.powi(k as i32 + 1))
                })
                .collect();
        }
        let n: usize = models.iter().map(|m| m.rows.len()).sum();
        multiplier = models.iter().flat_map(|m| &m.years).sum::<f64>() / n.max(1) as f64;
        if a.missing > 0 {
            warnings.push(format!(
                "{} customers have no purchase history in the log: their retention is their segment's mean",
                a.missing
            ));
        }
    }
    let mut results = Vec::new();
    for s in &opts.scenarios {
        results.push(evaluate::evaluate(
            table, &models, layout, s, scale, opts, chain,
        )?);
    }
    let ranking = rank(&results);
    for m in &models {
        let failed = m.draws.iter().filter(|d| !fitted(d)).count();
        if failed > 0 {
            warnings.push(format!(
                "segment '{}': {failed} of {} resamples could not be fitted and are left out of the intervals",
                m.name,
                m.draws.len()
            ));
        }
    }
    Ok(InvestResult {
        study: table.diagnostics.study.clone(),
        options: opts.clone(),
        chain: chain.clone(),
        scale,
        multiplier,
        retention_model: activity.map(|a| a.model.clone()),
        scenarios: results,
        ranking,
        statements: Vec::new(),
        warnings,
        diagnostics: table.diagnostics.clone(),
    })
}

/// Scenario × segment by NPV per unit of cost (without a cost: by NPV, after).
fn rank(results: &[ScenarioResult]) -> Vec<Ranked> {
    let mut out: Vec<Ranked> = results
        .iter()
        .flat_map(|r| {
            r.segments.iter().map(move |o| Ranked {
                scenario: r.name.clone(),
                segment: o.segment.clone(),
                roi: o.roi.estimate,
                npv: o.npv.estimate,
                cost: o.cost,
            })
        })
        .collect();
    out.sort_by(|a, b| match (a.roi.is_nan(), b.roi.is_nan()) {
        (false, false) => b.roi.total_cmp(&a.roi),
        (true, true) => b.npv.total_cmp(&a.npv),
        (false, true) => std::cmp::Ordering::Less,
        (true, false) => std::cmp::Ordering::Greater,
    });
    out
}
